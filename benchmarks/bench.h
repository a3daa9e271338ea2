/* Benchmarks (all concepts): what the C benchmark files share: aligned arrays filled from a seed,
 * the check that timed data stayed ordinary floats, and the two rooflines: the streaming loop of
 * the update rules and the peak FMA rate of the gradients. */
#ifndef LRLAB_BENCHMARKS_BENCH_H
#define LRLAB_BENCHMARKS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n floats on a 64-byte boundary (a cache line, as PyTorch's CPU allocator gives), or NULL when
 * memory runs out. Free with free(). */
float *lr_bench_alloc(size_t n);

/* Fills x[0..n) from `seed` with magnitudes uniform in [lo, hi); with `signed_values`, each value
 * gets a random sign. The same seed gives the same values on every machine. */
void lr_bench_fill(float *x, size_t n, uint64_t seed, float lo, float hi, bool signed_values);

/* True when every x[i] is zero or a finite normal float. Timed data that drifted to subnormals
 * (slow on many CPUs), infinity or NaN would distort the measurement; benchmarks check with this
 * after their loop and report an error instead of a number. */
bool lr_bench_all_normal(const float *x, size_t n);

/* The roofline of a streaming kernel (benchmarks/roofline_avx2.c, AVX2): for each block of 8
 * elements it loads rw[0..n_rw) and ro[0..n_ro) at that block and stores back rw[0..n_rw), exactly
 * the loads and stores of an update rule that reads n_rw + n_ro arrays and writes n_rw of them in
 * place, with no arithmetic. The values stored are the values loaded. At most
 * LR_ROOFLINE_MAX_ARRAYS arrays in all. Call only when the CPU has AVX2. */
enum { LR_ROOFLINE_MAX_ARRAYS = 8 };
void lr_bench_roofline_avx2(size_t n, size_t n_rw, float *const *rw, size_t n_ro,
                            const float *const *ro);

/* The compute roofline (benchmarks/peak_avx2.c, AVX2+FMA): `trips` times, each of
 * LR_PEAK_CHAINS independent chains does acc = acc * a + b on 8 floats (one _mm256_fmadd_ps,
 * 16 flops) LR_PEAK_ROUNDS times. Returns the sum of the chains (start = 1 with a = 1 - b keeps
 * every chain at 1). Call only when the CPU has AVX2 and FMA. */
enum { LR_PEAK_CHAINS = 12, LR_PEAK_ROUNDS = 2 };
float lr_bench_peak_fma_avx2(long trips, float start, float a, float b);

#endif
