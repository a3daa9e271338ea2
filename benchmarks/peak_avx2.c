/* Benchmarks, objectives C21-C25: the compute roofline, one core's peak rate of 256-bit fused
 * multiply-adds, so that every gradient's flops per second can be read as a fraction of what the
 * core allows. Compiled with the AVX2 flags; called only when the CPU has AVX2 and FMA. */
#include <immintrin.h>

#include "bench.h"

/* LR_PEAK_CHAINS = 12: an FMA's result is ready 4 or 5 cycles after it issues and two FMA pipes
 * accept one each per cycle on current x86 cores, so at least 8 to 10 independent chains are needed
 * to keep both pipes busy; twelve plus the two operands still fit the 16 ymm registers, so no chain
 * spills to memory. The macro below spells out the twelve. */
_Static_assert(LR_PEAK_CHAINS == 12 && LR_PEAK_ROUNDS == 2, "FMA_ALL and the loop spell these out");

/* An empty asm that claims to change v: the compiler must treat the result as unknown. */
static inline __attribute__((always_inline)) __m256 opaque(__m256 v)
{
    __asm__("" : "+x"(v));
    return v;
}

#define FMA_ALL(a, b)                                                                              \
    do {                                                                                           \
        acc0 = _mm256_fmadd_ps(acc0, a, b);                                                        \
        acc1 = _mm256_fmadd_ps(acc1, a, b);                                                        \
        acc2 = _mm256_fmadd_ps(acc2, a, b);                                                        \
        acc3 = _mm256_fmadd_ps(acc3, a, b);                                                        \
        acc4 = _mm256_fmadd_ps(acc4, a, b);                                                        \
        acc5 = _mm256_fmadd_ps(acc5, a, b);                                                        \
        acc6 = _mm256_fmadd_ps(acc6, a, b);                                                        \
        acc7 = _mm256_fmadd_ps(acc7, a, b);                                                        \
        acc8 = _mm256_fmadd_ps(acc8, a, b);                                                        \
        acc9 = _mm256_fmadd_ps(acc9, a, b);                                                        \
        acc10 = _mm256_fmadd_ps(acc10, a, b);                                                      \
        acc11 = _mm256_fmadd_ps(acc11, a, b);                                                      \
    } while (0)

/* doc:peak-fma-avx2 */
/* Each chain iterates acc = acc * a + b. The compiler may not reorder or fold floating-point
 * operations (no -ffast-math), and a, b and the start arrive as arguments, so every FMA is
 * executed; with a = 1 - b the chains sit at their fixed point 1 when started there, so no value
 * ever becomes subnormal or infinite (either would slow the FMA units or end the benchmark). */
float lr_bench_peak_fma_avx2(long trips, float start, float a_scalar, float b_scalar)
{
    const __m256 a = _mm256_set1_ps(a_scalar), b = _mm256_set1_ps(b_scalar);
    const __m256 s0 = _mm256_set1_ps(start);
    /* Each start goes through its own opaque(): twelve chains that visibly start equal would be
     * merged into one by the compiler. */
    __m256 acc0 = opaque(s0), acc1 = opaque(s0), acc2 = opaque(s0), acc3 = opaque(s0),
           acc4 = opaque(s0), acc5 = opaque(s0), acc6 = opaque(s0), acc7 = opaque(s0),
           acc8 = opaque(s0), acc9 = opaque(s0), acc10 = opaque(s0), acc11 = opaque(s0);
    for (long t = 0; t < trips; t++) {
        FMA_ALL(a, b);
        FMA_ALL(a, b); /* two rounds per trip: the loop's own increment and branch cost nothing */
    }
    /* end */
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)),
                             _mm256_add_ps(_mm256_add_ps(acc4, acc5), _mm256_add_ps(acc6, acc7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(acc8, acc9), _mm256_add_ps(acc10, acc11)));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    float sum = 0.0f;
    for (int i = 0; i < 8; i++)
        sum += lanes[i];
    return sum;
}
