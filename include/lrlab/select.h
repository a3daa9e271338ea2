/* C17-C19: procedures that choose a learning rate. The LR range test with fast.ai's suggestions,
 * log-spaced grids and log-uniform random draws, and k-fold splits of a training set. */
#ifndef LRLAB_SELECT_H
#define LRLAB_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrlab/optim.h"
#include "lrlab/problem.h"

struct lr_kernels;

/* ---- C17 range test (fast.ai Learner.lr_find semantics) ---------------------------------------
 * Iteration i = 0..num_it-1 trains one minibatch at lr_i = start_lr * (end_lr/start_lr)^(i/num_it)
 * and records the loss smoothed with beta = 0.98 and bias correction (fast.ai's AvgSmoothLoss).
 * With stop_div it stops after the first smoothed loss above 4x the best so far (that point is
 * kept), and always after a non-finite loss. num_it below 6 is raised to 6, as fast.ai does. */
typedef struct lr_find_config {
    double start_lr, end_lr; /* 1e-7, 10 */
    long num_it;             /* 100 */
    bool stop_div;           /* true */
    size_t batch_size;       /* minibatch problems */
    uint64_t seed;           /* initial parameters and shuffling */
} lr_find_config;

lr_find_config lr_find_defaults(void);

typedef struct lr_find_result {
    size_t n;                 /* iterations recorded */
    double *lrs;              /* lrs[i]: rate of iteration i */
    double *losses;           /* raw minibatch loss */
    double *smoothed;         /* smoothed loss, what the suggestions read */
    double minimum, steep, valley; /* suggestions; NaN when the trimmed curve is too short */
} lr_find_result;

/* Runs the test from x0 (NULL: the problem's initial parameters for the seed) on a copy: the
 * caller's parameters and no optimizer state are changed. Returns 0, -1 when memory runs out,
 * -2 for an invalid config (start_lr <= 0, end_lr <= start_lr, NaN). */
int lr_find(const lr_problem *problem, const lr_optim_config *opt, const lr_find_config *cfg,
            const struct lr_kernels *k, const float *x0, lr_find_result *out);
void lr_find_result_free(lr_find_result *r);

/* fast.ai's three suggestions on (lrs, smoothed) of n points, computed as lr_find does: on the
 * trimmed curve [num_it/10, n-5), cut before the first NaN. Each is NaN when fewer than 2 points
 * remain. minimum: the rate at the least loss / 10; steep: the left rate of the steepest descent of
 * loss against log rate; valley: 2/3 of the way down the longest decreasing run (ESRI's rule). */
void lr_find_suggest(const double *lrs, const double *smoothed, size_t n, long num_it,
                     double *minimum, double *steep, double *valley);

/* ---- C18 grid and random search ------------------------------------------------------------ */
/* count log-spaced rates from lo to hi inclusive (count 1: lo). Requires 0 < lo <= hi. */
void lr_log_grid(double lo, double hi, size_t count, double *out);
/* One log-uniform draw in [lo, hi] from a splitmix64 state (0 < lo <= hi). */
double lr_log_uniform(uint64_t *state, double lo, double hi);
/* One uniform draw in [lo, hi] from a splitmix64 state (lo <= hi). */
double lr_uniform(uint64_t *state, double lo, double hi);

/* ---- C19 k-fold cross-validation ------------------------------------------------------------
 * Fold f of k over n samples (after a seeded shuffle of 0..n-1 into perm): the validation block
 * is perm[start, end) with start = f*n/k, end = (f+1)*n/k; the rest is training. Folds partition
 * the samples, sizes differ by at most one. */
void lr_fold_bounds(size_t n, size_t k, size_t f, size_t *start, size_t *end);

/* Fold f of k over samples 0..n-1, the permutation shuffled by lr_shuffle from a state derived from
 * `seed`: val gets the end - start samples of the block (lr_fold_bounds), train the other n - (end -
 * start), each in ascending order. The k validation blocks of one seed partition 0..n-1. Requires
 * 2 <= k <= n and f < k (so both parts are non-empty). Returns 0, -1 when memory runs out, -2 for
 * invalid arguments. */
int lr_fold_split(size_t n, size_t k, size_t f, uint64_t seed, size_t *train, size_t *val);

#endif
