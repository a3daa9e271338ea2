/* C18 grid and random search over the learning rate, C19 k-fold splits: the small pieces of
 * arithmetic that sweeps and cross-validation are built from. */
#include <math.h>

#include "lrlab/select.h"
#include "lrlab/train.h"

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

double lr_log_uniform(uint64_t *state, double lo, double hi)
{
    double u = (double)(lr_splitmix64(state) >> 11) * 0x1.0p-53;
    return exp(log(lo) + (log(hi) - log(lo)) * u);
}

void lr_fold_bounds(size_t n, size_t k, size_t f, size_t *start, size_t *end)
{
    /* f*n/k without overflow for any n that fits in memory */
    *start = (size_t)((unsigned long long)f * n / k);
    *end = (size_t)((unsigned long long)(f + 1) * n / k);
}
