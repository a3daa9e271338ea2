/* C21/C23 synthetic data: the seeded generator behind the random rotation and the regression data.
 * splitmix64 (the same numbers on every machine), one independent stream per ingredient, and
 * Gaussians by Box-Muller in double. Internal to src/. */
#ifndef LRLAB_SRC_SYNTH_RNG_H
#define LRLAB_SRC_SYNTH_RNG_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct synth_rng {
    uint64_t state;
} synth_rng;

static inline uint64_t synth_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t synth_next(synth_rng *r)
{
    return synth_mix(r->state += 0x9e3779b97f4a7c15ull);
}

/* Stream `stream` of `seed`: different streams of one seed, and one stream of different seeds,
 * start far apart, so changing one ingredient's size leaves the others' numbers unchanged. */
static inline synth_rng synth_stream(uint64_t seed, uint64_t stream)
{
    synth_rng r = {synth_mix(seed ^ synth_mix(stream + 0x632be59bd9b4e019ull))};
    return r;
}

/* Uniform in (0, 1]: never 0, so log() below is finite. */
static inline double synth_uniform_open0(synth_rng *r)
{
    return (double)((synth_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n >= 1 (the bias of the float method is below 2^-53 * n). */
static inline size_t synth_below(synth_rng *r, size_t n)
{
    size_t k = (size_t)((double)(synth_next(r) >> 11) * 0x1.0p-53 * (double)n);
    return k < n ? k : n - 1;
}

/* Standard normal (the cosine half of Box-Muller; the sine half is dropped to keep one draw per
 * call, so a stream's k-th value does not depend on how the caller pairs its calls). */
static inline double synth_normal(synth_rng *r)
{
    double u1 = synth_uniform_open0(r), u2 = synth_uniform_open0(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#endif
