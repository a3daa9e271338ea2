/* The training loop (C21-C25 x C01-C16): written once, readably; kernels come from the table it is
 * handed. Full-batch problems log every step, minibatch problems every epoch (or every K steps). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "lrlab/kernels.h"
#include "lrlab/schedule.h"
#include "lrlab/train.h"

uint64_t lr_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void lr_shuffle(size_t *idx, size_t n, uint64_t *state)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(lr_splitmix64(state) % i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

double lr_rate_constant(void *ctx, long t)
{
    (void)t;
    return *(const double *)ctx;
}

double lr_rate_chain(void *ctx, long t)
{
    return lr_chain_lr(ctx, t);
}

double lr_rate_plateau(void *ctx, long t)
{
    (void)t; /* the rate depends on the metrics fed so far, not on the step */
    return ((const lr_plateau *)ctx)->lr;
}

void lr_rate_plateau_metric(void *ctx, double metric)
{
    lr_plateau_step(ctx, metric);
}

long lr_train_total_steps(const lr_problem *p, const lr_train_config *tc)
{
    if (p->n_train == 0)
        return tc->steps;
    size_t bs = tc->batch_size ? tc->batch_size : 1;
    size_t n = tc->train_idx ? tc->n_train_idx : p->n_train; /* a fold trains on its subset */
    long per_epoch = (long)((n + bs - 1) / bs);
    if (per_epoch == 0)
        return 0;
    long total = tc->epochs <= 0 ? 0 : tc->epochs > LONG_MAX / per_epoch ? LONG_MAX : per_epoch * tc->epochs;
    return tc->steps > 0 && tc->steps < total ? tc->steps : total;
}

double lr_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Everything one run needs, so the helpers below stay short. */
typedef struct train_run {
    const lr_problem *p;
    const lr_rate_source *rates;
    const lr_train_config *tc;
    const lr_kernels *k;
    const lr_train_hooks *hooks;
    float *params, *grad;
    size_t *idx;        /* the samples trained on, reshuffled every epoch */
    size_t n_idx;
    const size_t *fit_idx; /* with a validation subset: the samples train_loss is measured on */
    size_t *all_idx;    /* 0..n_train-1 when a validation subset comes without a training subset */
    lr_optimizer opt;
    double seconds; /* training time so far */
    long step, epoch, total_steps;
} train_run;

/* What a row reports about the current point. */
typedef struct train_point {
    lr_eval eval;
    double val_loss;
} train_point;

/* Full-set evaluation over a sample subset sums chunks of this many samples (the problem's
 * loss_grad returns a float32 mean) and combines the chunk means in double. */
enum { SUBSET_CHUNK = 4096 };

/* Mean loss over idx[0..n) through loss_grad; r->grad is free between steps, so it takes the
 * gradient nobody reads. */
static double subset_loss(train_run *r, const size_t *idx, size_t n)
{
    double total = 0.0;
    for (size_t start = 0; start < n; start += SUBSET_CHUNK) {
        size_t m = n - start < SUBSET_CHUNK ? n - start : SUBSET_CHUNK;
        total += r->p->loss_grad(r->p->ctx, r->k, r->params, idx + start, m, r->grad) * (double)m;
    }
    return total / (double)n;
}

/* doc:train-val-subset */
static void evaluate_point(train_run *r, train_point *pt)
{
    if (!r->tc->val_idx) {
        r->p->evaluate(r->p->ctx, r->k, r->params, &pt->eval);
        pt->val_loss = NAN;
        return;
    }
    /* Cross-validation: only training samples are looked at; the test set stays unseen. */
    pt->eval = (lr_eval){.train_loss = subset_loss(r, r->fit_idx, r->n_idx),
                         .test_loss = NAN, .test_acc = NAN, .dist = NAN};
    pt->val_loss = subset_loss(r, r->tc->val_idx, r->tc->n_val_idx);
}
/* end */

/* The loss that always applies: held-out (validation, else test) for minibatch problems, the
 * objective for full-batch ones. */
static double watched_loss(const train_run *r, const train_point *pt)
{
    if (r->tc->val_idx)
        return pt->val_loss;
    return r->p->n_train == 0 ? pt->eval.train_loss : pt->eval.test_loss;
}

/* Sends the row for the current point to the sink. `pt` may carry an evaluation already made at
 * this point (NULL: evaluate now). Returns the sink's non-zero value, 1 after a diverged row, else 0. */
static int emit(train_run *r, bool diverged, const train_point *pt)
{
    lr_train_row row = {.epoch = r->epoch, .step = r->step, .seconds = r->seconds,
                        .lr_now = r->rates->lr_at(r->rates->ctx, r->step), .diverged = diverged,
                        .params = r->params};
    train_point here;
    if (!pt) {
        evaluate_point(r, &here);
        pt = &here;
    }
    row.eval = pt->eval;
    row.val_loss = pt->val_loss;
    /* The watched loss going non-finite ends the run here, without a further step. */
    if (!isfinite(watched_loss(r, pt)))
        row.diverged = diverged = true;
    if (r->hooks && r->hooks->sink) {
        int rc = r->hooks->sink(r->hooks->sink_ctx, &row);
        if (rc)
            return rc;
    }
    return diverged ? 1 : 0;
}

/* Training goes on only while emit returned 0; a diverged row ends it normally. */
static int stop_code(int rc)
{
    return rc == 1 ? 0 : rc;
}

/* One optimizer step on the batch idx[0..b); returns the batch loss. */
static double train_step(train_run *r, const size_t *idx, size_t b)
{
    double t0 = lr_wall_seconds();
    double lr = r->rates->lr_at(r->rates->ctx, r->step);
    double loss = r->p->loss_grad(r->p->ctx, r->k, r->params, idx, b, r->grad);
    if (isfinite(loss))
        lr_optimizer_step(&r->opt, lr, r->params, r->grad);
    r->seconds += lr_wall_seconds() - t0;
    return loss;
}

static void progress(train_run *r)
{
    if (r->hooks && r->hooks->progress)
        r->hooks->progress(r->hooks->progress_ctx, r->step, r->total_steps);
}

/* Full batch: row t is the point after t steps; step 0 is the start. */
static int run_full_batch(train_run *r)
{
    long every = r->tc->log_every > 0 ? r->tc->log_every : 1;
    int rc = emit(r, false, NULL);
    if (rc)
        return stop_code(rc);
    while (r->step < r->total_steps) {
        double loss = train_step(r, NULL, 0);
        if (!isfinite(loss))
            return stop_code(emit(r, true, NULL));
        r->step++;
        progress(r);
        /* Each step is an epoch here (a pass over all the data): reduce-on-plateau sees the
         * objective at the new point, the row's train_loss, before the next rate is read. */
        train_point pt;
        if (r->rates->on_metric) {
            evaluate_point(r, &pt);
            r->rates->on_metric(r->rates->ctx, pt.eval.train_loss);
        }
        if (r->step % every == 0 || r->step == r->total_steps) {
            rc = emit(r, false, r->rates->on_metric ? &pt : NULL);
            if (rc)
                return stop_code(rc);
        }
    }
    return 0;
}

static int run_minibatch(train_run *r)
{
    size_t n = r->n_idx, bs = r->tc->batch_size ? r->tc->batch_size : 1;
    uint64_t shuffle_state = r->tc->seed ^ 0x5eedf00dull;
    for (size_t i = 0; i < n; i++)
        r->idx[i] = r->tc->train_idx ? r->tc->train_idx[i] : i;
    int rc = emit(r, false, NULL);
    if (rc)
        return stop_code(rc);
    for (r->epoch = 0; r->epoch < r->tc->epochs && r->step < r->total_steps;) {
        lr_shuffle(r->idx, n, &shuffle_state);
        for (size_t start = 0; start < n && r->step < r->total_steps; start += bs) {
            size_t b = n - start < bs ? n - start : bs;
            double loss = train_step(r, r->idx + start, b);
            if (!isfinite(loss))
                return stop_code(emit(r, true, NULL));
            r->step++;
            progress(r);
            if (r->tc->log_every > 0 && r->step % r->tc->log_every == 0) {
                rc = emit(r, false, NULL);
                if (rc)
                    return stop_code(rc);
            }
        }
        r->epoch++;
        /* Reduce-on-plateau sees the held-out loss once per epoch, before the next rate is read. */
        train_point pt;
        bool have_eval = r->rates->on_metric || r->tc->log_every <= 0;
        if (have_eval)
            evaluate_point(r, &pt);
        if (r->rates->on_metric)
            r->rates->on_metric(r->rates->ctx, watched_loss(r, &pt));
        if (r->tc->log_every <= 0) {
            rc = emit(r, false, &pt);
            if (rc)
                return stop_code(rc);
        }
    }
    if (r->tc->log_every > 0 && r->step % r->tc->log_every != 0)
        return stop_code(emit(r, false, NULL)); /* the end point is always reported */
    return 0;
}

/* Sample subsets are for minibatch problems, non-empty, and inside the training set. */
static bool subsets_valid(const lr_problem *p, const lr_train_config *tc)
{
    if (!tc->train_idx && !tc->val_idx)
        return true;
    if (p->n_train == 0 || (tc->train_idx && tc->n_train_idx == 0) ||
        (tc->val_idx && tc->n_val_idx == 0))
        return false;
    for (size_t i = 0; tc->train_idx && i < tc->n_train_idx; i++)
        if (tc->train_idx[i] >= p->n_train)
            return false;
    for (size_t i = 0; tc->val_idx && i < tc->n_val_idx; i++)
        if (tc->val_idx[i] >= p->n_train)
            return false;
    return true;
}

/* The training samples in use, and (with a validation subset) what train_loss is measured on. */
static int choose_samples(train_run *r)
{
    const lr_train_config *tc = r->tc;
    r->n_idx = tc->train_idx ? tc->n_train_idx : r->p->n_train;
    r->idx = malloc((r->n_idx ? r->n_idx : 1) * sizeof(size_t));
    if (!r->idx)
        return -1;
    r->fit_idx = tc->train_idx;
    if (tc->val_idx && !tc->train_idx) {
        r->all_idx = malloc(r->n_idx * sizeof(size_t));
        if (!r->all_idx)
            return -1;
        for (size_t i = 0; i < r->n_idx; i++)
            r->all_idx[i] = i;
        r->fit_idx = r->all_idx;
    }
    return 0;
}

int lr_train(const lr_problem *p, const lr_optim_config *opt, const lr_rate_source *rates,
             const lr_train_config *tc, const lr_kernels *k, const lr_train_hooks *hooks)
{
    if (!subsets_valid(p, tc))
        return -2;
    train_run r = {.p = p, .rates = rates, .tc = tc, .k = k, .hooks = hooks};
    r.params = malloc((p->dim ? p->dim : 1) * sizeof(float));
    r.grad = malloc((p->dim ? p->dim : 1) * sizeof(float));
    int rc = -1;
    if (!r.params || !r.grad || choose_samples(&r) != 0 ||
        lr_optimizer_init(&r.opt, opt, p->dim, k) != 0)
        goto out;
    if (tc->x0) {
        for (size_t i = 0; i < p->dim; i++)
            r.params[i] = tc->x0[i];
    } else {
        p->init_params(p->ctx, tc->seed, r.params);
    }
    r.total_steps = lr_train_total_steps(p, tc);
    rc = p->n_train == 0 ? run_full_batch(&r) : run_minibatch(&r);
    lr_optimizer_free(&r.opt);
out:
    free(r.params);
    free(r.grad);
    free(r.idx);
    free(r.all_idx);
    return rc;
}
