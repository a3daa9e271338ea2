/* Benchmarks (all concepts): shared setup for the C benchmark files: aligned arrays, seeded fill,
 * and the ordinary-float check that keeps subnormal or non-finite data out of any timing. */
#include "lrlab/train.h"
#include "bench.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

float *lr_bench_alloc(size_t n)
{
    if (n > (SIZE_MAX - 63) / sizeof(float))
        return NULL;
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64; /* aligned_alloc wants a multiple */
    return aligned_alloc(64, bytes ? bytes : 64);
}

void lr_bench_fill(float *x, size_t n, uint64_t seed, float lo, float hi, bool signed_values)
{
    uint64_t state = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = lr_splitmix64(&state);
        float u = (float)(r >> 40) * 0x1p-24f; /* [0, 1) */
        float v = lo + (hi - lo) * u;
        x[i] = (signed_values && (r & 1u)) ? -v : v;
    }
}

bool lr_bench_all_normal(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        if (!(a == 0.0f || (a >= FLT_MIN && a <= FLT_MAX)))
            return false;
    }
    return true;
}
