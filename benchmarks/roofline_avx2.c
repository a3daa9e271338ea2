/* Benchmarks, update rules C01-C06: the roofline, a loop with the loads and stores of a streaming
 * update rule and no arithmetic, so that "fraction of roofline" compares a kernel with the fastest
 * this machine moves the same bytes. Compiled with the AVX2 flags. */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define LR_INLINE static inline __attribute__((always_inline))

/* Empty asm statements that claim to use (sink) or to modify (opaque) a register: the compiler must
 * perform the load and store the "modified" value, yet no instruction is emitted for them. */
LR_INLINE void sink(__m256 v)
{
    __asm__ volatile("" : : "x"(v));
}

LR_INLINE __m256 opaque(__m256 v)
{
    __asm__("" : "+x"(v));
    return v;
}

/* doc:roofline-avx2 */
/* One block of 8 elements: every load first, then the stores, as the kernels order them. */
LR_INLINE void block8(size_t i, size_t n_rw, float *const *rw, size_t n_ro, const float *const *ro)
{
    __m256 v[LR_ROOFLINE_MAX_ARRAYS];
    for (size_t k = 0; k < n_rw; k++)
        v[k] = opaque(_mm256_loadu_ps(rw[k] + i));
    for (size_t k = 0; k < n_ro; k++)
        sink(_mm256_loadu_ps(ro[k] + i));
    for (size_t k = 0; k < n_rw; k++)
        _mm256_storeu_ps(rw[k] + i, v[k]);
}

/* The pointers are copied into locals so the compiler knows the stores cannot change them; with
 * n_rw and n_ro constant at the call, the inner loops over arrays unroll away. Two blocks per trip
 * halve the loop overhead, which the kernels pay but a speed limit should not. */
LR_INLINE void stream(size_t n, size_t n_rw, float *const *rw_in, size_t n_ro,
                      const float *const *ro_in)
{
    float *rw[LR_ROOFLINE_MAX_ARRAYS];
    const float *ro[LR_ROOFLINE_MAX_ARRAYS];
    for (size_t k = 0; k < n_rw; k++)
        rw[k] = rw_in[k];
    for (size_t k = 0; k < n_ro; k++)
        ro[k] = ro_in[k];
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        block8(i, n_rw, rw, n_ro, ro);
        block8(i + 8, n_rw, rw, n_ro, ro);
    }
    for (; i + 8 <= n; i += 8)
        block8(i, n_rw, rw, n_ro, ro);
    /* end */
    for (; i < n; i++) {
        for (size_t k = 0; k < n_ro; k++) {
            float x = ro[k][i];
            __asm__ volatile("" : : "x"(x));
        }
        for (size_t k = 0; k < n_rw; k++) {
            float x = rw[k][i];
            __asm__("" : "+x"(x));
            rw[k][i] = x;
        }
    }
}

void lr_bench_roofline_avx2(size_t n, size_t n_rw, float *const *rw, size_t n_ro,
                            const float *const *ro)
{
    /* The shapes of the update rules get loops specialised at compile time: one read-only array
     * (the gradient) and one to four arrays updated in place. */
    if (n_ro == 1) {
        switch (n_rw) {
        case 1: stream(n, 1, rw, 1, ro); return;
        case 2: stream(n, 2, rw, 1, ro); return;
        case 3: stream(n, 3, rw, 1, ro); return;
        case 4: stream(n, 4, rw, 1, ro); return;
        default: break;
        }
    }
    if (n_rw + n_ro > LR_ROOFLINE_MAX_ARRAYS) {
        fprintf(stderr, "lr_bench_roofline_avx2: %zu arrays, at most %d supported\n", n_rw + n_ro,
                (int)LR_ROOFLINE_MAX_ARRAYS);
        abort();
    }
    stream(n, n_rw, rw, n_ro, ro);
}
