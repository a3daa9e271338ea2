/* C20 lanes of fmnist-softmax (C24): K weight matrices in one wider GEMM, each lane's softmax and
 * L2 its own; the loop and the bookkeeping are optimized/lanes.c's. The plain procedure it must
 * reproduce byte for byte is lr_train (src/train.c) over src/nn_problem.c; tests/test_lanes.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lanes_core.h"
#include "lrlab/objective_nn.h"

/* The softmax's scratch. A slot's parameters are two parts: W (part 0, classes x in, so the slots
 * stacked are one (classes * active) x in matrix for the GEMM) and b (part 1). */
typedef struct softmax_lanes {
    const lr_dataset *ds;
    double l2;
    size_t in, classes, wsize;
    float *x;                  /* LR_NN_CHUNK gathered inputs */
    uint8_t *labels;
    float *logits, *dlogits;   /* LR_NN_CHUNK rows x (classes * active) */
    float *z, *dz;             /* one lane's LR_NN_CHUNK x classes, contiguous for softmax_xent
                                  (training; evaluation reads the wide logits in place) */
    float *scratch;
} softmax_lanes;

static softmax_lanes *sm(const lanes_run *r)
{
    return r->ctx;
}

/* ---- The shared passes ------------------------------------------------------------------------ */

/* Logits of the slots in g for `rows` inputs x: one GEMM of rows x in times in x (classes *
 * count), bias included. */
static void forward_all(lanes_run *r, slot_range g, const float *x, size_t rows)
{
    softmax_lanes *c = sm(r);
    r->k->dense_forward(rows, c->in, c->classes * g.count, x, lanes_w(r, 0, g.first),
                        lanes_w(r, 1, g.first), false, c->logits, c->scratch);
}

/* Lane j of the range's columns of the wide logits into c->z (rows x classes, as a single run
 * has them). */
static void take_lane(softmax_lanes *c, slot_range g, size_t j, size_t rows)
{
    size_t width = c->classes * g.count;
    for (size_t i = 0; i < rows; i++)
        memcpy(c->z + i * c->classes, c->logits + i * width + j * c->classes,
               c->classes * sizeof(float));
}

/* c->dz into lane j's columns of the wide logit gradient. */
static void put_lane(softmax_lanes *c, slot_range g, size_t j, size_t rows)
{
    size_t width = c->classes * g.count;
    for (size_t i = 0; i < rows; i++)
        memcpy(c->dlogits + i * width + j * c->classes, c->dz + i * c->classes,
               c->classes * sizeof(float));
}

/* The minibatch's samples, as nn_problem.c gathers them (bytes when the split has them). */
static void gather(lanes_run *r, const size_t *idx, size_t rows)
{
    softmax_lanes *c = sm(r);
    const lr_split *train = &c->ds->train;
    if (train->pixels) {
        r->k->gather_pixels(rows, c->in, train->pixels, idx, c->x);
    } else {
        for (size_t i = 0; i < rows; i++)
            memcpy(c->x + i * c->in, train->x + idx[i] * c->in, c->in * sizeof(float));
    }
    for (size_t i = 0; i < rows; i++)
        c->labels[i] = train->y[idx[i]];
}

/* l2/2 * sum of squared weights, summed in nn_problem.c's order. */
static double l2_penalty(const softmax_lanes *c, const float *w)
{
    double s = 0.0;
    for (size_t i = 0; i < c->wsize; i++) {
        double v = w[i];
        s += v * v;
    }
    return 0.5 * c->l2 * s;
}

/* doc:lanes-loss-grad */
/* Every active slot's mean loss over the batch idx[0..batch) into r->loss and its gradient into
 * the parts' g: nn_loss_grad's chunks, with the K lanes' GEMMs made one. */
static void loss_grad_all(lanes_run *r, const size_t *idx, size_t batch)
{
    softmax_lanes *c = sm(r);
    float scale = (float)(1.0 / (double)batch);
    slot_range all = {0, r->active};
    size_t width = c->classes * r->active;
    for (size_t s = 0; s < r->active; s++)
        r->loss[s] = 0.0;
    for (size_t c0 = 0; c0 < batch; c0 += LR_NN_CHUNK) {
        size_t rows = batch - c0 < LR_NN_CHUNK ? batch - c0 : LR_NN_CHUNK;
        gather(r, idx + c0, rows);
        forward_all(r, all, c->x, rows);
        for (size_t s = 0; s < r->active; s++) {
            take_lane(c, all, s, rows);
            r->loss[s] += r->k->softmax_xent(rows, c->classes, c->z, c->labels, scale, c->dz);
            put_lane(c, all, s, rows);
        }
        /* dW (classes*active x in) = dlogits^T x, db = its column sums; no input gradient. */
        r->k->dense_backward(rows, c->in, width, c->x, r->part[0].w, c->dlogits, c0 > 0,
                             r->part[0].g, r->part[1].g, NULL, false, c->scratch);
    }
    for (size_t s = 0; s < r->active; s++) {
        r->loss[s] /= (double)batch;
        if (c->l2 > 0.0) {
            float l2 = (float)c->l2, *w = lanes_w(r, 0, s), *g = lanes_g(r, 0, s);
            for (size_t i = 0; i < c->wsize; i++)
                g[i] += l2 * w[i];
            r->loss[s] += l2_penalty(c, w);
        }
    }
}
/* end */

/* Mean cross-entropy and accuracy of the slots in g over a split (loss[j], acc[j] for slot
 * g.first + j): nn_problem.c's split_metrics with the forward pass shared. Lane j's logits are
 * read in place: columns j*classes.. of the wide rows forward_all wrote (row stride `width`). */
static void split_metrics_all(lanes_run *r, slot_range g, const lr_split *sp, double *loss,
                              double *acc)
{
    softmax_lanes *c = sm(r);
    size_t right[LR_LANES_MAX] = {0}, classes = c->classes, width = classes * g.count;
    for (size_t j = 0; j < g.count; j++)
        loss[j] = 0.0;
    for (size_t c0 = 0; c0 < sp->n; c0 += LR_NN_CHUNK) {
        size_t rows = sp->n - c0 < LR_NN_CHUNK ? sp->n - c0 : LR_NN_CHUNK;
        forward_all(r, g, sp->x + c0 * c->in, rows);
        for (size_t j = 0; j < g.count; j++)
            loss[j] += r->k->softmax_metrics(rows, classes, c->logits + j * classes, width,
                                             sp->y + c0, &right[j]);
    }
    for (size_t j = 0; j < g.count; j++) {
        loss[j] = sp->n ? loss[j] / (double)sp->n : NAN;
        acc[j] = sp->n ? (double)right[j] / (double)sp->n : NAN;
    }
}

/* nn_evaluate for the slots in g (ev[j] for slot g.first + j). */
static void evaluate_slots(lanes_run *r, slot_range g, lr_eval *ev)
{
    softmax_lanes *c = sm(r);
    double train_loss[LR_LANES_MAX], train_acc[LR_LANES_MAX];
    double test_loss[LR_LANES_MAX], test_acc[LR_LANES_MAX];
    const lr_split *held = c->ds->validation.n ? &c->ds->validation : &c->ds->test;
    split_metrics_all(r, g, &c->ds->train, train_loss, train_acc);
    split_metrics_all(r, g, held, test_loss, test_acc);
    for (size_t j = 0; j < g.count; j++)
        ev[j] = (lr_eval){.train_loss = train_loss[j] + l2_penalty(c, lanes_w(r, 0, g.first + j)),
                          .test_loss = test_loss[j], .test_acc = test_acc[j], .dist = NAN};
}

static const lanes_ops softmax_ops = {loss_grad_all, evaluate_slots};

/* ---- Set-up ------------------------------------------------------------------------------------ */

static int alloc_scratch(softmax_lanes *c)
{
    size_t wide = LR_LANES_MAX * c->classes;
    c->x = malloc(LR_NN_CHUNK * c->in * sizeof(float));
    c->labels = malloc(LR_NN_CHUNK);
    c->logits = malloc(LR_NN_CHUNK * wide * sizeof(float));
    c->dlogits = malloc(LR_NN_CHUNK * wide * sizeof(float));
    c->z = malloc(LR_NN_CHUNK * c->classes * sizeof(float));
    c->dz = malloc(LR_NN_CHUNK * c->classes * sizeof(float));
    c->scratch = aligned_alloc(64, LR_DENSE_SCRATCH_FLOATS * sizeof(float));
    return c->x && c->labels && c->logits && c->dlogits && c->z && c->dz && c->scratch ? 0 : -1;
}

static void free_scratch(softmax_lanes *c)
{
    free(c->x);
    free(c->labels);
    free(c->logits);
    free(c->dlogits);
    free(c->z);
    free(c->dz);
    free(c->scratch);
}

int lanes_train_softmax(const lr_problem *p, const lr_dataset *ds, double l2,
                        const lr_train_config *tc, lr_lane *lanes, size_t nlanes)
{
    if (p->dim != ds->n_classes * (ds->dim + 1) || p->n_train != ds->train.n || p->n_train == 0)
        return -2;
    softmax_lanes c = {.ds = ds, .l2 = l2, .in = ds->dim, .classes = ds->n_classes,
                       .wsize = ds->dim * ds->n_classes};
    const size_t parts[2] = {c.wsize, c.classes};
    int rc = alloc_scratch(&c) == 0
                 ? lanes_train(p, tc, &softmax_ops, &c, parts, 2, lanes, nlanes)
                 : -1;
    free_scratch(&c);
    return rc;
}
