/* C18 grid and random search over the learning rate, C19 k-fold splits: the small pieces of
 * arithmetic that sweeps and cross-validation are built from. */
#include <math.h>
#include <stdlib.h>

#include "lrlab/select.h"
#include "lrlab/train.h"

/* doc:search-log-grid */
void lr_log_grid(double lo, double hi, size_t count, double *out)
{
    if (count == 0)
        return;
    out[0] = lo;
    if (count == 1)
        return;
    double step = (log(hi) - log(lo)) / (double)(count - 1);
    for (size_t i = 1; i + 1 < count; i++)
        out[i] = exp(log(lo) + step * (double)i);
    out[count - 1] = hi; /* the endpoints exactly, not through exp(log()) */
}
/* end */

/* doc:search-log-uniform */
/* u in [0, 1) from the top 53 bits of one draw. */
static double unit(uint64_t *state)
{
    return (double)(lr_splitmix64(state) >> 11) * 0x1.0p-53;
}

/* Rounding in exp, log or the scaling can step an ulp past an end; the contract is the range. */
static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

double lr_log_uniform(uint64_t *state, double lo, double hi)
{
    double u = unit(state);
    return clamp(exp(log(lo) + (log(hi) - log(lo)) * u), lo, hi);
}
/* end */

double lr_uniform(uint64_t *state, double lo, double hi)
{
    double u = unit(state);
    return clamp(lo + (hi - lo) * u, lo, hi);
}

/* doc:fold-split */
void lr_fold_bounds(size_t n, size_t k, size_t f, size_t *start, size_t *end)
{
    /* f*n/k without overflow for any n that fits in memory */
    *start = (size_t)((unsigned long long)f * n / k);
    *end = (size_t)((unsigned long long)(f + 1) * n / k);
}

int lr_fold_split(size_t n, size_t k, size_t f, uint64_t seed, size_t *train, size_t *val)
{
    if (k < 2 || k > n || f >= k)
        return -2;
    size_t *perm = malloc(n * sizeof *perm);
    unsigned char *held_out = calloc(n, 1);
    if (!perm || !held_out) {
        free(perm);
        free(held_out);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    /* A salt keeps the fold permutation apart from the epoch shuffles drawn from the same seed. */
    uint64_t state = seed ^ 0xf01d5eedc0ffee11ull;
    lr_shuffle(perm, n, &state);
    size_t start, end;
    lr_fold_bounds(n, k, f, &start, &end);
    for (size_t i = start; i < end; i++)
        held_out[perm[i]] = 1;
    size_t nt = 0, nv = 0;
    for (size_t i = 0; i < n; i++) {
        if (held_out[i])
            val[nv++] = i;
        else
            train[nt++] = i;
    }
    free(perm);
    free(held_out);
    return 0;
}
/* end */
