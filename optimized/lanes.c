/* C20 lane-batched training of fmnist-softmax (C24): K weight matrices in one wider GEMM, each
 * lane's softmax, L2 and optimizer step its own, lanes stopping alone. The plain procedure it must
 * reproduce byte for byte is lr_train (src/train.c) over src/nn_problem.c; tests/test_lanes.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lrlab/kernels.h"
#include "lrlab/lanes.h"
#include "lrlab/objective_nn.h"

/* One lane while it trains. Its weights live in the run's slot-major arrays; `slot` is where. */
typedef struct lane_state {
    lr_lane *lane;
    lr_optimizer opt_w, opt_b; /* W and b stepped as two slices, one step count */
    double seconds;
} lane_state;

/* Everything the batched run needs. Slots 0..active-1 hold the lanes still training, so the GEMM
 * covers exactly them: slot s's W is w[s*wsize ..], its b is b[s*classes ..]. */
typedef struct lanes_run {
    const lr_problem *p;
    const lr_dataset *ds;
    double l2;
    const lr_train_config *tc;
    const lr_kernels *k;
    size_t in, classes, wsize, nlanes, active;
    lane_state *slot[LR_LANES_MAX];
    lane_state state[LR_LANES_MAX];
    float *w, *b, *dw, *db;    /* LR_LANES_MAX slots each */
    float *x;                  /* LR_NN_CHUNK gathered inputs */
    uint8_t *labels;
    float *logits, *dlogits;   /* LR_NN_CHUNK rows x (classes * active) */
    float *z, *dz;             /* one lane's LR_NN_CHUNK x classes, contiguous for softmax_xent */
    float *scratch;
    double loss[LR_LANES_MAX]; /* per slot: the batch loss */
    size_t *idx;
    long step, epoch, total_steps;
} lanes_run;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *slot_w(lanes_run *r, size_t s)
{
    return r->w + s * r->wsize;
}

static float *slot_b(lanes_run *r, size_t s)
{
    return r->b + s * r->classes;
}

/* ---- The shared passes ------------------------------------------------------------------------ */

/* A run of consecutive slots [first, first + count): the lanes one wide GEMM covers. */
typedef struct slot_range {
    size_t first, count;
} slot_range;

/* Logits of the slots in g for `rows` inputs x: one GEMM of rows x in times in x (classes *
 * count), bias included. */
static void forward_all(lanes_run *r, slot_range g, const float *x, size_t rows)
{
    r->k->dense_forward(rows, r->in, r->classes * g.count, x, slot_w(r, g.first),
                        slot_b(r, g.first), false, r->logits, r->scratch);
}

/* Lane j of the range's columns of the wide logits into r->z (rows x classes, as a single run
 * has them). */
static void take_lane(lanes_run *r, slot_range g, size_t j, size_t rows)
{
    size_t width = r->classes * g.count;
    for (size_t i = 0; i < rows; i++)
        memcpy(r->z + i * r->classes, r->logits + i * width + j * r->classes,
               r->classes * sizeof(float));
}

/* r->dz into lane j's columns of the wide logit gradient. */
static void put_lane(lanes_run *r, slot_range g, size_t j, size_t rows)
{
    size_t width = r->classes * g.count;
    for (size_t i = 0; i < rows; i++)
        memcpy(r->dlogits + i * width + j * r->classes, r->dz + i * r->classes,
               r->classes * sizeof(float));
}

/* The minibatch's samples, as nn_problem.c gathers them (bytes when the split has them). */
static void gather(lanes_run *r, const size_t *idx, size_t rows)
{
    const lr_split *train = &r->ds->train;
    if (train->pixels) {
        r->k->gather_pixels(rows, r->in, train->pixels, idx, r->x);
    } else {
        for (size_t i = 0; i < rows; i++)
            memcpy(r->x + i * r->in, train->x + idx[i] * r->in, r->in * sizeof(float));
    }
    for (size_t i = 0; i < rows; i++)
        r->labels[i] = train->y[idx[i]];
}

/* l2/2 * sum of squared weights, summed in nn_problem.c's order. */
static double l2_penalty(const lanes_run *r, const float *w)
{
    double s = 0.0;
    for (size_t i = 0; i < r->wsize; i++) {
        double v = w[i];
        s += v * v;
    }
    return 0.5 * r->l2 * s;
}

/* doc:lanes-loss-grad */
/* Every active slot's mean loss over the batch idx[0..batch) into r->loss and its gradient into
 * dw, db: nn_loss_grad's chunks, with the K lanes' GEMMs made one. */
static void loss_grad_all(lanes_run *r, const size_t *idx, size_t batch)
{
    float scale = (float)(1.0 / (double)batch);
    slot_range all = {0, r->active};
    size_t width = r->classes * r->active;
    for (size_t s = 0; s < r->active; s++)
        r->loss[s] = 0.0;
    for (size_t c0 = 0; c0 < batch; c0 += LR_NN_CHUNK) {
        size_t rows = batch - c0 < LR_NN_CHUNK ? batch - c0 : LR_NN_CHUNK;
        gather(r, idx + c0, rows);
        forward_all(r, all, r->x, rows);
        for (size_t s = 0; s < r->active; s++) {
            take_lane(r, all, s, rows);
            r->loss[s] += r->k->softmax_xent(rows, r->classes, r->z, r->labels, scale, r->dz);
            put_lane(r, all, s, rows);
        }
        /* dW (classes*active x in) = dlogits^T x, db = its column sums; no input gradient. */
        r->k->dense_backward(rows, r->in, width, r->x, r->w, r->dlogits, c0 > 0, r->dw, r->db,
                             NULL, false, r->scratch);
    }
    for (size_t s = 0; s < r->active; s++) {
        r->loss[s] /= (double)batch;
        if (r->l2 > 0.0) {
            float l2 = (float)r->l2, *w = slot_w(r, s), *g = r->dw + s * r->wsize;
            for (size_t i = 0; i < r->wsize; i++)
                g[i] += l2 * w[i];
            r->loss[s] += l2_penalty(r, w);
        }
    }
}
/* end */

/* Mean cross-entropy and accuracy of the slots in g over a split (loss[j], acc[j] for slot
 * g.first + j): nn_problem.c's split_metrics with the forward pass shared. */
static void split_metrics_all(lanes_run *r, slot_range g, const lr_split *sp, double *loss,
                              double *acc)
{
    size_t right[LR_LANES_MAX] = {0}, classes = r->classes;
    for (size_t j = 0; j < g.count; j++)
        loss[j] = 0.0;
    for (size_t c0 = 0; c0 < sp->n; c0 += LR_NN_CHUNK) {
        size_t rows = sp->n - c0 < LR_NN_CHUNK ? sp->n - c0 : LR_NN_CHUNK;
        forward_all(r, g, sp->x + c0 * r->in, rows);
        for (size_t j = 0; j < g.count; j++) {
            take_lane(r, g, j, rows);
            loss[j] += r->k->softmax_xent(rows, classes, r->z, sp->y + c0, 1.0f, r->dz);
            for (size_t i = 0; i < rows; i++) {
                const float *z = r->z + i * classes;
                size_t best = 0;
                bool finite = true;
                for (size_t c = 1; c < classes; c++)
                    if (z[c] > z[best])
                        best = c;
                for (size_t c = 0; c < classes; c++)
                    finite = finite && isfinite(z[c]);
                right[j] += finite && best == sp->y[c0 + i];
            }
        }
    }
    for (size_t j = 0; j < g.count; j++) {
        loss[j] = sp->n ? loss[j] / (double)sp->n : NAN;
        acc[j] = sp->n ? (double)right[j] / (double)sp->n : NAN;
    }
}

/* nn_evaluate for the slots in g (ev[j] for slot g.first + j). */
static void evaluate_slots(lanes_run *r, slot_range g, lr_eval *ev)
{
    double train_loss[LR_LANES_MAX], train_acc[LR_LANES_MAX];
    double test_loss[LR_LANES_MAX], test_acc[LR_LANES_MAX];
    const lr_split *held = r->ds->validation.n ? &r->ds->validation : &r->ds->test;
    split_metrics_all(r, g, &r->ds->train, train_loss, train_acc);
    split_metrics_all(r, g, held, test_loss, test_acc);
    for (size_t j = 0; j < g.count; j++)
        ev[j] = (lr_eval){.train_loss = train_loss[j] + l2_penalty(r, slot_w(r, g.first + j)),
                          .test_loss = test_loss[j], .test_acc = test_acc[j], .dist = NAN};
}

static void evaluate_all(lanes_run *r, lr_eval *ev)
{
    evaluate_slots(r, (slot_range){0, r->active}, ev);
}

/* ---- Lanes starting and stopping ------------------------------------------------------------- */

/* Sends slot s's row at the current point (evaluation ev). Returns true when the lane stops: the
 * row is diverged (asked, or the watched loss is non-finite) or the sink said so. */
static bool emit(lanes_run *r, size_t s, bool diverged, const lr_eval *ev)
{
    lane_state *ls = r->slot[s];
    lr_lane *lane = ls->lane;
    lr_train_row row = {.epoch = r->epoch, .step = r->step, .seconds = ls->seconds,
                        .lr_now = lane->rates.lr_at(lane->rates.ctx, r->step), .eval = *ev,
                        .diverged = diverged, .val_loss = NAN};
    if (!isfinite(ev->test_loss))
        row.diverged = diverged = true;
    lane->diverged = diverged;
    if (lane->hooks.sink && (lane->rc = lane->hooks.sink(lane->hooks.sink_ctx, &row)) != 0)
        return true;
    return diverged;
}

/* The lane in slot s ends: its parameters are handed out and the last active slot moves into
 * its place, so the GEMM keeps covering active lanes only. */
static void stop_slot(lanes_run *r, size_t s)
{
    lane_state *ls = r->slot[s];
    ls->lane->steps = r->step;
    if (ls->lane->final_params) {
        memcpy(ls->lane->final_params, slot_w(r, s), r->wsize * sizeof(float));
        memcpy(ls->lane->final_params + r->wsize, slot_b(r, s), r->classes * sizeof(float));
    }
    size_t last = --r->active;
    if (s != last) {
        memcpy(slot_w(r, s), slot_w(r, last), r->wsize * sizeof(float));
        memcpy(slot_b(r, s), slot_b(r, last), r->classes * sizeof(float));
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
 * one-lane GEMM is the single run's), marked diverged, and stops. */
static void diverge_slot(lanes_run *r, size_t s)
{
    lr_eval ev;
    evaluate_slots(r, (slot_range){s, 1}, &ev);
    emit(r, s, true, &ev);
    stop_slot(r, s);
}

/* ---- The loop: lr_train's minibatch loop, every lane in step ---------------------------------- */

/* One optimizer step of every active lane on the batch idx[0..b). Lanes with a non-finite loss
 * take none and stop. */
static void train_step(lanes_run *r, const size_t *idx, size_t b)
{
    double t0 = now_seconds(), lr[LR_LANES_MAX];
    for (size_t s = 0; s < r->active; s++)
        lr[s] = r->slot[s]->lane->rates.lr_at(r->slot[s]->lane->rates.ctx, r->step);
    loss_grad_all(r, idx, b);
    for (size_t s = 0; s < r->active; s++) {
        if (!isfinite(r->loss[s]))
            continue;
        lane_state *ls = r->slot[s];
        lr_optimizer_step(&ls->opt_w, lr[s], slot_w(r, s), r->dw + s * r->wsize);
        lr_optimizer_step(&ls->opt_b, lr[s], slot_b(r, s), r->db + s * r->classes);
    }
    double share = (now_seconds() - t0) / (double)r->active;
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

static void progress_all(lanes_run *r)
{
    for (size_t s = 0; s < r->active; s++) {
        const lr_train_hooks *h = &r->slot[s]->lane->hooks;
        if (h->progress)
            h->progress(h->progress_ctx, r->step, r->total_steps);
    }
}

/* After each epoch: plateau schedules see their lane's held-out loss, then the rows. */
static void end_epoch(lanes_run *r)
{
    const lr_train_config *tc = r->tc;
    bool any_metric = false;
    for (size_t s = 0; s < r->active; s++)
        any_metric = any_metric || r->slot[s]->lane->rates.on_metric;
    if (!any_metric && tc->log_every > 0)
        return;
    lr_eval ev[LR_LANES_MAX];
    evaluate_all(r, ev);
    for (size_t s = 0; s < r->active; s++) {
        const lr_rate_source *rs = &r->slot[s]->lane->rates;
        if (rs->on_metric)
            rs->on_metric(rs->ctx, ev[s].test_loss);
    }
    if (tc->log_every <= 0)
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
    while (r->active > 0)
        stop_slot(r, r->active - 1);
}

/* ---- Set-up ------------------------------------------------------------------------------------ */

static bool arguments_valid(const lr_problem *p, const lr_dataset *ds, const lr_train_config *tc,
                            size_t nlanes)
{
    if (nlanes == 0 || nlanes > LR_LANES_MAX || !p || !ds || !p->name ||
        strcmp(p->name, "fmnist-softmax") != 0)
        return false;
    if (p->dim != ds->n_classes * (ds->dim + 1) || p->n_train != ds->train.n || p->n_train == 0)
        return false;
    return !tc->train_idx && !tc->val_idx;
}

static int alloc_run(lanes_run *r)
{
    size_t wide = LR_LANES_MAX * r->classes;
    r->w = malloc(LR_LANES_MAX * r->wsize * sizeof(float));
    r->dw = malloc(LR_LANES_MAX * r->wsize * sizeof(float));
    r->b = malloc(wide * sizeof(float));
    r->db = malloc(wide * sizeof(float));
    r->x = malloc(LR_NN_CHUNK * r->in * sizeof(float));
    r->labels = malloc(LR_NN_CHUNK);
    r->logits = malloc(LR_NN_CHUNK * wide * sizeof(float));
    r->dlogits = malloc(LR_NN_CHUNK * wide * sizeof(float));
    r->z = malloc(LR_NN_CHUNK * r->classes * sizeof(float));
    r->dz = malloc(LR_NN_CHUNK * r->classes * sizeof(float));
    r->scratch = aligned_alloc(64, LR_DENSE_SCRATCH_FLOATS * sizeof(float));
    r->idx = malloc(r->p->n_train * sizeof(size_t));
    return r->w && r->dw && r->b && r->db && r->x && r->labels && r->logits && r->dlogits &&
                   r->z && r->dz && r->scratch && r->idx
               ? 0
               : -1;
}

static void free_run(lanes_run *r)
{
    for (size_t l = 0; l < r->nlanes; l++) {
        lr_optimizer_free(&r->state[l].opt_w);
        lr_optimizer_free(&r->state[l].opt_b);
    }
    free(r->w);
    free(r->dw);
    free(r->b);
    free(r->db);
    free(r->x);
    free(r->labels);
    free(r->logits);
    free(r->dlogits);
    free(r->z);
    free(r->dz);
    free(r->scratch);
    free(r->idx);
}

/* Every lane starts where the single run starts: the problem's initial point for the seed (or
 * tc->x0), laid out as W then b. */
static int start_lanes(lanes_run *r, lr_lane *lanes)
{
    float *p0 = malloc(r->p->dim * sizeof(float));
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
        if (lr_optimizer_init(&ls->opt_w, &lanes[l].opt, r->wsize, r->k) != 0 ||
            lr_optimizer_init(&ls->opt_b, &lanes[l].opt, r->classes, r->k) != 0)
            rc = -1;
        memcpy(slot_w(r, l), p0, r->wsize * sizeof(float));
        memcpy(slot_b(r, l), p0 + r->wsize, r->classes * sizeof(float));
        r->slot[l] = ls;
    }
    free(p0);
    return rc;
}

int lr_lanes_train_softmax(const lr_problem *p, const lr_dataset *ds, double l2,
                           const lr_train_config *tc, lr_lane *lanes, size_t nlanes)
{
    if (!arguments_valid(p, ds, tc, nlanes))
        return -2;
    if (!lr_cpu_has_avx2_fma())
        return -3;
    lanes_run r = {.p = p, .ds = ds, .l2 = l2, .tc = tc, .k = &lr_kernels_avx2, .in = ds->dim,
                   .classes = ds->n_classes, .wsize = ds->dim * ds->n_classes, .nlanes = nlanes,
                   .active = nlanes};
    int rc = alloc_run(&r) == 0 ? start_lanes(&r, lanes) : -1;
    if (rc == 0) {
        r.total_steps = lr_train_total_steps(p, tc);
        run_minibatch(&r);
    }
    free_run(&r);
    return rc;
}
