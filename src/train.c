/* The training loop (C21-C25 x C01-C16): written once, readably; kernels come from the table it is
 * handed. Full-batch problems log every step, minibatch problems every epoch (or every K steps). */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "lrlab/kernels.h"
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

static double now_seconds(void)
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
    size_t *idx;
    lr_optimizer opt;
    double seconds; /* training time so far */
    long step, epoch, total_steps;
} train_run;

/* Sends the row for the current point to the sink. `ev` may carry an evaluation already made at
 * this point (NULL: evaluate now). Returns the sink's non-zero value, 1 after a diverged row, else 0. */
static int emit(train_run *r, bool diverged, const lr_eval *ev)
{
    lr_train_row row = {.epoch = r->epoch, .step = r->step, .seconds = r->seconds,
                        .lr_now = r->rates->lr_at(r->rates->ctx, r->step), .diverged = diverged,
                        .params = r->params};
    if (ev)
        row.eval = *ev;
    else
        r->p->evaluate(r->p->ctx, r->k, r->params, &row.eval);
    /* The loss that always applies (the objective for full-batch problems, the held-out loss
     * otherwise) going non-finite ends the run here, without a further step. */
    double watched = r->p->n_train == 0 ? row.eval.train_loss : row.eval.test_loss;
    if (!isfinite(watched))
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
    double t0 = now_seconds();
    double lr = r->rates->lr_at(r->rates->ctx, r->step);
    double loss = r->p->loss_grad(r->p->ctx, r->k, r->params, idx, b, r->grad);
    if (isfinite(loss))
        lr_optimizer_step(&r->opt, lr, r->params, r->grad);
    r->seconds += now_seconds() - t0;
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
        if (r->step % every == 0 || r->step == r->total_steps) {
            rc = emit(r, false, NULL);
            if (rc)
                return stop_code(rc);
        }
    }
    return 0;
}

static int run_minibatch(train_run *r)
{
    size_t n = r->p->n_train, bs = r->tc->batch_size ? r->tc->batch_size : 1;
    uint64_t shuffle_state = r->tc->seed ^ 0x5eedf00dull;
    for (size_t i = 0; i < n; i++)
        r->idx[i] = i;
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
        lr_eval ev;
        bool have_eval = r->rates->on_metric || r->tc->log_every <= 0;
        if (have_eval)
            r->p->evaluate(r->p->ctx, r->k, r->params, &ev);
        if (r->rates->on_metric)
            r->rates->on_metric(r->rates->ctx, ev.test_loss);
        if (r->tc->log_every <= 0) {
            rc = emit(r, false, &ev);
            if (rc)
                return stop_code(rc);
        }
    }
    if (r->tc->log_every > 0 && r->step % r->tc->log_every != 0)
        return stop_code(emit(r, false, NULL)); /* the end point is always reported */
    return 0;
}

int lr_train(const lr_problem *p, const lr_optim_config *opt, const lr_rate_source *rates,
             const lr_train_config *tc, const lr_kernels *k, const lr_train_hooks *hooks)
{
    train_run r = {.p = p, .rates = rates, .tc = tc, .k = k, .hooks = hooks};
    r.params = malloc((p->dim ? p->dim : 1) * sizeof(float));
    r.grad = malloc((p->dim ? p->dim : 1) * sizeof(float));
    r.idx = malloc((p->n_train ? p->n_train : 1) * sizeof(size_t));
    int rc = -1;
    if (!r.params || !r.grad || !r.idx || lr_optimizer_init(&r.opt, opt, p->dim, k) != 0)
        goto out;
    if (tc->x0) {
        for (size_t i = 0; i < p->dim; i++)
            r.params[i] = tc->x0[i];
    } else {
        p->init_params(p->ctx, tc->seed, r.params);
    }
    if (p->n_train == 0) {
        r.total_steps = tc->steps;
        rc = run_full_batch(&r);
    } else {
        size_t bs = tc->batch_size ? tc->batch_size : 1;
        long per_epoch = (long)((p->n_train + bs - 1) / bs);
        r.total_steps = per_epoch * tc->epochs;
        if (tc->steps > 0 && tc->steps < r.total_steps)
            r.total_steps = tc->steps;
        rc = run_minibatch(&r);
    }
    lr_optimizer_free(&r.opt);
out:
    free(r.params);
    free(r.grad);
    free(r.idx);
    return rc;
}
