/* C20 lane-batched training: the loop every problem's lanes share (rows, rates, lanes stopping
 * alone, the split of step time), lr_train's two loops with every lane in step, and the public
 * entries. The plain procedure it must reproduce is lr_train (src/train.c); tests/test_lanes*.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lanes_core.h"

/* Whether every active slot holds the same parameter bytes as slot 0. */
static bool all_slots_equal(const lanes_run *r)
{
    for (size_t j = 0; j < r->nparts; j++)
        for (size_t s = 1; s < r->active; s++)
            if (memcmp(lanes_w(r, j, 0), lanes_w(r, j, s), r->part[j].size * sizeof(float)) != 0)
                return false;
    return true;
}

/* doc:lanes-evaluate */
/* An evaluation is a function of the parameters and the data alone, and ops->evaluate gives each
 * slot the single run's bits whatever range it is asked for; so lanes holding the same bytes have
 * the same evaluation. All of them do at the start, where every lane begins from the seed's
 * point: one evaluation then serves the whole pass (K - 1 forward passes over the training and
 * held-out sets saved). Later the lanes differ and each is evaluated in the shared pass. */
static void evaluate_all(lanes_run *r, lr_eval *ev)
{
    if (r->active > 1 && all_slots_equal(r)) {
        r->ops->evaluate(r, (slot_range){0, 1}, ev);
        for (size_t s = 1; s < r->active; s++)
            ev[s] = ev[0];
        return;
    }
    r->ops->evaluate(r, (slot_range){0, r->active}, ev);
}
/* end */

/* ---- Lanes starting and stopping ------------------------------------------------------------- */

/* doc:lanes-emit */
/* Sends slot s's row at the current point (evaluation ev). Returns true when the lane stops: the
 * row is diverged (asked, or the watched loss is non-finite: the objective for full-batch
 * problems, the held-out loss otherwise, as lr_train watches) or the sink said so. */
static bool emit(lanes_run *r, size_t s, bool diverged, const lr_eval *ev)
{
    lane_state *ls = r->slot[s];
    lr_lane *lane = ls->lane;
    lr_train_row row = {.epoch = r->epoch, .step = r->step, .seconds = ls->seconds,
                        .lr_now = lane->rates.lr_at(lane->rates.ctx, r->step), .eval = *ev,
                        .diverged = diverged, .val_loss = NAN,
                        .params = r->nparts == 1 ? lanes_w(r, 0, s) : NULL};
    if (!isfinite(r->p->n_train == 0 ? ev->train_loss : ev->test_loss))
        row.diverged = diverged = true;
    lane->diverged = diverged;
    if (lane->hooks.sink && (lane->rc = lane->hooks.sink(lane->hooks.sink_ctx, &row)) != 0)
        return true;
    return diverged;
}
/* end */

/* The lane in slot s ends: its parameters are handed out and the last active slot moves into
 * its place, so the passes keep covering active lanes only. */
static void stop_slot(lanes_run *r, size_t s)
{
    lane_state *ls = r->slot[s];
    ls->lane->steps = r->step;
    float *out = ls->lane->final_params;
    for (size_t j = 0; j < r->nparts; j++) {
        size_t bytes = r->part[j].size * sizeof(float);
        if (out) {
            memcpy(out, lanes_w(r, j, s), bytes);
            out += r->part[j].size;
        }
    }
    size_t last = --r->active;
    if (s != last) {
        for (size_t j = 0; j < r->nparts; j++)
            memcpy(lanes_w(r, j, s), lanes_w(r, j, last), r->part[j].size * sizeof(float));
        r->slot[s] = r->slot[last];
    }
}

/* Stops the slots flagged in stop[]: from the highest, so a slot moved down is never one still to
 * be looked at. */
static void stop_flagged(lanes_run *r, const bool *stop)
{
    for (size_t s = r->active; s-- > 0;)
        if (stop[s])
            stop_slot(r, s);
}

/* Every active lane reports the current point; those whose row ends them stop. `ev` may carry
 * an evaluation made here already (NULL: evaluate now). */
static void emit_all(lanes_run *r, const lr_eval *ev)
{
    lr_eval here[LR_LANES_MAX];
    bool stop[LR_LANES_MAX] = {false};
    if (!ev) {
        evaluate_all(r, here);
        ev = here;
    }
    for (size_t s = 0; s < r->active; s++)
        stop[s] = emit(r, s, false, &ev[s]);
    stop_flagged(r, stop);
}

/* A lane whose batch loss is non-finite took no step: it reports the point it is at, alone (a
 * one-lane pass is the single run's), marked diverged, and stops. */
static void diverge_slot(lanes_run *r, size_t s)
{
    lr_eval ev;
    r->ops->evaluate(r, (slot_range){s, 1}, &ev);
    emit(r, s, true, &ev);
    stop_slot(r, s);
}

/* ---- The loops: lr_train's, every lane in step ------------------------------------------------ */

/* doc:lanes-step */
/* One optimizer step of every active lane on the batch idx[0..b). Lanes with a non-finite loss
 * take none and stop. The step's wall time is shared equally by the lanes that took it. */
static void train_step(lanes_run *r, const size_t *idx, size_t b)
{
    double t0 = lr_wall_seconds(), lr[LR_LANES_MAX];
    for (size_t s = 0; s < r->active; s++)
        lr[s] = r->slot[s]->lane->rates.lr_at(r->slot[s]->lane->rates.ctx, r->step);
    r->ops->loss_grad_all(r, idx, b);
    for (size_t s = 0; s < r->active; s++) {
        if (!isfinite(r->loss[s]))
            continue;
        for (size_t j = 0; j < r->nparts; j++)
            lr_optimizer_step(&r->slot[s]->opt[j], lr[s], lanes_w(r, j, s), lanes_g(r, j, s));
    }
    double share = (lr_wall_seconds() - t0) / (double)r->active;
    for (size_t s = 0; s < r->active; s++)
        r->slot[s]->seconds += share;
    bool stop[LR_LANES_MAX];
    for (size_t s = 0; s < r->active; s++)
        stop[s] = !isfinite(r->loss[s]);
    /* From the highest slot: stop_slot moves only a slot above s, already looked at. */
    for (size_t s = r->active; s-- > 0;)
        if (stop[s])
            diverge_slot(r, s);
}
/* end */

static void progress_all(lanes_run *r)
{
    for (size_t s = 0; s < r->active; s++) {
        const lr_train_hooks *h = &r->slot[s]->lane->hooks;
        if (h->progress)
            h->progress(h->progress_ctx, r->step, r->total_steps);
    }
}

static bool any_metric(const lanes_run *r)
{
    for (size_t s = 0; s < r->active; s++)
        if (r->slot[s]->lane->rates.on_metric)
            return true;
    return false;
}

/* Plateau schedules see their own lane's metric (`train`: the objective, else the held-out loss)
 * at the point of ev, before the next rate is read. */
static void feed_metrics(lanes_run *r, const lr_eval *ev, bool train)
{
    for (size_t s = 0; s < r->active; s++) {
        const lr_rate_source *rs = &r->slot[s]->lane->rates;
        if (rs->on_metric)
            rs->on_metric(rs->ctx, train ? ev[s].train_loss : ev[s].test_loss);
    }
}

/* Full batch: row t is the point after t steps (thinned by log_every); each step is an epoch, so
 * plateau schedules see the objective after every step. */
static void run_full_batch(lanes_run *r)
{
    long every = r->tc->log_every > 0 ? r->tc->log_every : 1;
    emit_all(r, NULL);
    while (r->active > 0 && r->step < r->total_steps) {
        train_step(r, NULL, 0);
        if (r->active == 0)
            break;
        r->step++;
        progress_all(r);
        bool log = r->step % every == 0 || r->step == r->total_steps, metric = any_metric(r);
        if (!log && !metric)
            continue;
        lr_eval ev[LR_LANES_MAX];
        evaluate_all(r, ev);
        feed_metrics(r, ev, true);
        if (log)
            emit_all(r, ev);
    }
}

/* After each epoch: plateau schedules see their lane's held-out loss, then the rows. */
static void end_epoch(lanes_run *r)
{
    if (!any_metric(r) && r->tc->log_every > 0)
        return;
    lr_eval ev[LR_LANES_MAX];
    evaluate_all(r, ev);
    feed_metrics(r, ev, false);
    if (r->tc->log_every <= 0)
        emit_all(r, ev);
}

static void run_minibatch(lanes_run *r)
{
    const lr_train_config *tc = r->tc;
    size_t n = r->p->n_train, bs = tc->batch_size ? tc->batch_size : 1;
    uint64_t shuffle_state = tc->seed ^ 0x5eedf00dull; /* lr_train's stream: the same batches */
    for (size_t i = 0; i < n; i++)
        r->idx[i] = i;
    emit_all(r, NULL);
    for (r->epoch = 0; r->active > 0 && r->epoch < tc->epochs && r->step < r->total_steps;) {
        lr_shuffle(r->idx, n, &shuffle_state);
        for (size_t start = 0; r->active > 0 && start < n && r->step < r->total_steps;
             start += bs) {
            size_t b = n - start < bs ? n - start : bs;
            train_step(r, r->idx + start, b);
            if (r->active == 0)
                break;
            r->step++;
            progress_all(r);
            if (tc->log_every > 0 && r->step % tc->log_every == 0)
                emit_all(r, NULL);
        }
        if (r->active == 0)
            break;
        r->epoch++;
        end_epoch(r);
    }
    if (r->active > 0 && tc->log_every > 0 && r->step % tc->log_every != 0)
        emit_all(r, NULL); /* the end point is always reported */
}

/* ---- Set-up ------------------------------------------------------------------------------------ */

static void free_run(lanes_run *r)
{
    for (size_t l = 0; l < r->nlanes; l++)
        for (size_t j = 0; j < r->nparts; j++)
            lr_optimizer_free(&r->state[l].opt[j]);
    for (size_t j = 0; j < r->nparts; j++) {
        free(r->part[j].w);
        free(r->part[j].g);
    }
    free(r->idx);
}

static int alloc_run(lanes_run *r, const size_t *part_size)
{
    int rc = 0;
    for (size_t j = 0; j < r->nparts; j++) {
        r->part[j].size = part_size[j];
        r->part[j].w = malloc(LR_LANES_MAX * (part_size[j] ? part_size[j] : 1) * sizeof(float));
        r->part[j].g = malloc(LR_LANES_MAX * (part_size[j] ? part_size[j] : 1) * sizeof(float));
        if (!r->part[j].w || !r->part[j].g)
            rc = -1;
    }
    r->idx = malloc((r->p->n_train ? r->p->n_train : 1) * sizeof(size_t));
    return r->idx ? rc : -1;
}

/* Every lane starts where the single run starts: the problem's initial point for the seed (or
 * tc->x0), cut into the parts. */
static int start_lanes(lanes_run *r, lr_lane *lanes)
{
    float *p0 = malloc((r->p->dim ? r->p->dim : 1) * sizeof(float));
    if (!p0)
        return -1;
    if (r->tc->x0)
        memcpy(p0, r->tc->x0, r->p->dim * sizeof(float));
    else
        r->p->init_params(r->p->ctx, r->tc->seed, p0);
    int rc = 0;
    for (size_t l = 0; l < r->nlanes; l++) {
        lane_state *ls = &r->state[l];
        ls->lane = &lanes[l];
        lanes[l].rc = 0;
        lanes[l].diverged = false;
        lanes[l].steps = 0;
        const float *from = p0;
        for (size_t j = 0; j < r->nparts; j++) {
            if (lr_optimizer_init(&ls->opt[j], &lanes[l].opt, r->part[j].size, r->k) != 0)
                rc = -1;
            memcpy(lanes_w(r, j, l), from, r->part[j].size * sizeof(float));
            from += r->part[j].size;
        }
        r->slot[l] = ls;
    }
    free(p0);
    return rc;
}

int lanes_train(const lr_problem *p, const lr_train_config *tc, const lanes_ops *ops, void *ctx,
                const size_t *part_size, size_t nparts, lr_lane *lanes, size_t nlanes)
{
    lanes_run r = {.p = p, .tc = tc, .k = &lr_kernels_avx2, .ops = ops, .ctx = ctx,
                   .nparts = nparts, .nlanes = nlanes, .active = nlanes};
    int rc = alloc_run(&r, part_size) == 0 ? start_lanes(&r, lanes) : -1;
    if (rc == 0) {
        r.total_steps = lr_train_total_steps(p, tc);
        if (p->n_train == 0)
            run_full_batch(&r);
        else
            run_minibatch(&r);
        while (r.active > 0)
            stop_slot(&r, r.active - 1);
    }
    free_run(&r);
    return rc;
}

/* ---- The public entries ----------------------------------------------------------------------- */

int lr_lanes_train(const lr_problem *p, const lr_dataset *ds, double l2, const lr_train_config *tc,
                   lr_lane *lanes, size_t nlanes)
{
    if (nlanes == 0 || nlanes > LR_LANES_MAX || !p || !p->name || !tc || tc->train_idx ||
        tc->val_idx)
        return -2;
    bool softmax = strcmp(p->name, "fmnist-softmax") == 0;
    if (!softmax && strcmp(p->name, "quadratic") != 0 && strcmp(p->name, "linreg") != 0)
        return -2;
    if (softmax && !ds)
        return -2;
    if (!lr_cpu_has_avx2_fma())
        return -3;
    if (softmax)
        return lanes_train_softmax(p, ds, l2, tc, lanes, nlanes);
    if (strcmp(p->name, "quadratic") == 0)
        return lanes_train_quadratic(p, tc, lanes, nlanes);
    return lanes_train_linreg(p, tc, lanes, nlanes);
}

int lr_lanes_train_softmax(const lr_problem *p, const lr_dataset *ds, double l2,
                           const lr_train_config *tc, lr_lane *lanes, size_t nlanes)
{
    if (!p || !p->name || strcmp(p->name, "fmnist-softmax") != 0)
        return -2;
    return lr_lanes_train(p, ds, l2, tc, lanes, nlanes);
}
