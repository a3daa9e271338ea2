/* C17 LR range test ("finder"): fast.ai's exponential ramp, smoothed loss, divergence stop and its
 * three suggestions (minimum/10, steepest slope, valley). Written once; kernels come from a table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/kernels.h"
#include "lrlab/select.h"
#include "lrlab/train.h"

lr_find_config lr_find_defaults(void)
{
    return (lr_find_config){.start_lr = 1e-7, .end_lr = 10.0, .num_it = 100, .stop_div = true,
                            .batch_size = 64, .seed = 0};
}

void lr_find_result_free(lr_find_result *r)
{
    free(r->lrs);
    free(r->losses);
    free(r->smoothed);
    memset(r, 0, sizeof *r);
}

/* Index of the least finite value of v[0..n), or n when there is none. */
static size_t argmin(const double *v, size_t n)
{
    size_t best = n;
    for (size_t i = 0; i < n; i++)
        if (best == n || v[i] < v[best])
            best = i;
    return best;
}

/* doc:lr-find-valley */
/* ESRI's valley rule as fast.ai has it: the longest run of decreasing losses (a longest
 * decreasing subsequence ending at each point), then the point 2/3 of the way along it. */
static size_t valley_index(const double *loss, size_t n, int *lds)
{
    long max_start = 0, max_end = 0; /* signed: fast.ai's max_start can be -1 */
    for (size_t i = 0; i < n; i++)
        lds[i] = 1;
    for (long i = 1; i < (long)n; i++) {
        for (long j = 0; j < i; j++) {
            if (loss[i] < loss[j] && lds[i] < lds[j] + 1)
                lds[i] = lds[j] + 1;
            if (lds[max_end] < lds[i]) {
                max_end = i;
                max_start = max_end - lds[max_end];
            }
        }
    }
    double sections = (double)(max_end - max_start) / 3.0;
    long idx = max_start + (long)sections + (long)(sections / 2.0);
    return (size_t)(idx < 0 ? idx + (long)n : idx); /* Python's negative index */
}
/* end */

void lr_find_suggest(const double *lrs, const double *smoothed, size_t n, long num_it,
                     double *minimum, double *steep, double *valley)
{
    *minimum = *steep = *valley = NAN;
    size_t lo = (size_t)(num_it / 10), hi = n >= 5 ? n - 5 : 0;
    for (size_t i = lo; i < hi; i++)
        if (isnan(smoothed[i])) {
            hi = i;
            break;
        }
    if (hi < lo + 2)
        return;
    const double *x = lrs + lo, *y = smoothed + lo;
    size_t m = hi - lo;
    *minimum = x[argmin(y, m)] / 10.0;
    size_t best = 0;
    double best_slope = INFINITY;
    for (size_t i = 0; i + 1 < m; i++) {
        double slope = (y[i + 1] - y[i]) / (log(x[i + 1]) - log(x[i]));
        if (slope < best_slope) {
            best_slope = slope;
            best = i;
        }
    }
    *steep = x[best];
    int *lds = malloc(m * sizeof *lds);
    if (lds) {
        size_t v = valley_index(y, m, lds);
        *valley = x[v < m ? v : m - 1];
        free(lds);
    }
}

typedef struct find_run {
    const lr_problem *p;
    const lr_kernels *k;
    float *params, *grad;
    size_t *idx;
    lr_optimizer opt;
} find_run;

static void find_run_free(find_run *r)
{
    lr_optimizer_free(&r->opt);
    free(r->params);
    free(r->grad);
    free(r->idx);
}

/* doc:lr-find-loop */
static void range_test(find_run *r, const lr_find_config *cfg, lr_find_result *out)
{
    size_t n_train = r->p->n_train, bs = cfg->batch_size ? cfg->batch_size : 1, pos = n_train;
    uint64_t shuffle_state = cfg->seed ^ 0x5eedf00dull;
    double avg = 0.0, best = INFINITY, ratio = cfg->end_lr / cfg->start_lr;
    const double beta = 0.98;
    for (long i = 0; i < cfg->num_it; i++) {
        double lr = cfg->start_lr * pow(ratio, (double)i / (double)cfg->num_it);
        const size_t *batch = NULL;
        size_t b = 0;
        if (n_train > 0) {
            if (pos >= n_train) { /* a new epoch: reshuffle */
                lr_shuffle(r->idx, n_train, &shuffle_state);
                pos = 0;
            }
            b = n_train - pos < bs ? n_train - pos : bs;
            batch = r->idx + pos;
            pos += b;
        }
        double loss = r->p->loss_grad(r->p->ctx, r->k, r->params, batch, b, r->grad);
        avg = beta * avg + (1.0 - beta) * loss;
        double smooth = avg / (1.0 - pow(beta, (double)(i + 1)));
        out->lrs[out->n] = lr;
        out->losses[out->n] = loss;
        out->smoothed[out->n] = smooth;
        out->n++;
        if (!isfinite(loss))
            break;
        lr_optimizer_step(&r->opt, lr, r->params, r->grad);
        if (smooth < best)
            best = smooth;
        if (cfg->stop_div && smooth > 4.0 * best)
            break;
    }
}
/* end */

int lr_find(const lr_problem *p, const lr_optim_config *opt, const lr_find_config *cfg_in,
            const lr_kernels *k, const float *x0, lr_find_result *out)
{
    memset(out, 0, sizeof *out);
    out->minimum = out->steep = out->valley = NAN;
    lr_find_config cfg = *cfg_in;
    if (!(cfg.start_lr > 0.0) || !(cfg.end_lr > cfg.start_lr) || isinf(cfg.end_lr))
        return -2;
    if (cfg.num_it < 6)
        cfg.num_it = 6;
    find_run r = {.p = p, .k = k};
    size_t cap = (size_t)cfg.num_it;
    r.params = malloc((p->dim ? p->dim : 1) * sizeof(float));
    r.grad = malloc((p->dim ? p->dim : 1) * sizeof(float));
    r.idx = malloc((p->n_train ? p->n_train : 1) * sizeof(size_t));
    out->lrs = malloc(cap * sizeof(double));
    out->losses = malloc(cap * sizeof(double));
    out->smoothed = malloc(cap * sizeof(double));
    if (!r.params || !r.grad || !r.idx || !out->lrs || !out->losses || !out->smoothed ||
        lr_optimizer_init(&r.opt, opt, p->dim, k) != 0) {
        find_run_free(&r);
        lr_find_result_free(out);
        return -1;
    }
    if (x0)
        memcpy(r.params, x0, p->dim * sizeof(float));
    else
        p->init_params(p->ctx, cfg.seed, r.params);
    for (size_t i = 0; i < p->n_train; i++)
        r.idx[i] = i;
    range_test(&r, &cfg, out);
    lr_find_suggest(out->lrs, out->smoothed, out->n, cfg.num_it, &out->minimum, &out->steep,
                    &out->valley);
    find_run_free(&r);
    return 0;
}
