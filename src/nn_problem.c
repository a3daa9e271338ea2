/* C24 softmax regression and C25 MLP on Fashion-MNIST as lr_problems: parameter layout, He
 * initialisation, minibatch loss and gradient (chunked, through the kernel table) and evaluation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/train.h"
#include "lrlab/kernels.h"
#include "lrlab/objective_nn.h"
#include "objective_util.h"

typedef struct nn_layer {
    size_t in, out;
    size_t w_off, b_off; /* offsets of W[out][in] and b[out] in the parameter vector */
} nn_layer;

typedef struct nn_ctx {
    const lr_dataset *ds;
    size_t nlayers;
    nn_layer layer[LR_NN_MAX_LAYERS];
    size_t nparams;
    double l2;
    float *x;                        /* LR_NN_CHUNK gathered inputs */
    uint8_t *labels;                 /* and their labels */
    float *act[LR_NN_MAX_LAYERS];    /* each layer's output for a chunk; the last is the logits */
    float *dlogits;
    float *dact[2];                  /* gradients w.r.t. hidden activations, alternating layers */
    float *scratch;                  /* LR_DENSE_SCRATCH_FLOATS for the AVX2 GEMM */
} nn_ctx;


/* ---- Initialisation ----------------------------------------------------------------------- */

/* A standard normal by Box-Muller; u1 in (0, 1] keeps the log finite. */
static double next_normal(uint64_t *state)
{
    double u1 = (double)((lr_splitmix64(state) >> 11) + 1) * 0x1.0p-53;
    double u2 = (double)(lr_splitmix64(state) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* doc:nn-he-init */
/* He et al. (2015): W ~ N(0, 2/fan_in) keeps the variance of ReLU activations constant from layer
 * to layer; biases start at 0. */
static void nn_init(void *vctx, uint64_t seed, float *params)
{
    nn_ctx *c = vctx;
    uint64_t state = seed;
    for (size_t l = 0; l < c->nlayers; l++) {
        const nn_layer *L = &c->layer[l];
        double sd = sqrt(2.0 / (double)L->in);
        for (size_t i = 0; i < L->out * L->in; i++)
            params[L->w_off + i] = (float)(sd * next_normal(&state));
        memset(params + L->b_off, 0, L->out * sizeof(float));
    }
}
/* end */

/* ---- Forward and backward over one chunk ---------------------------------------------------- */

/* doc:nn-forward-backward */
static const float *forward(nn_ctx *c, const lr_kernels *k, const float *params, const float *x,
                            size_t rows)
{
    const float *in = x;
    for (size_t l = 0; l < c->nlayers; l++) {
        const nn_layer *L = &c->layer[l];
        bool hidden = l + 1 < c->nlayers;
        k->dense_forward(rows, L->in, L->out, in, params + L->w_off, params + L->b_off, hidden,
                         c->act[l], c->scratch);
        in = c->act[l];
    }
    return in;
}

/* Backpropagates c->dlogits; adds to grad when accumulate (later chunks of one batch). */
static void backward(nn_ctx *c, const lr_kernels *k, const float *params, size_t rows,
                     bool accumulate, float *grad)
{
    const float *dy = c->dlogits;
    for (size_t l = c->nlayers; l-- > 0;) {
        const nn_layer *L = &c->layer[l];
        const float *x = l == 0 ? c->x : c->act[l - 1];
        float *dx = l == 0 ? NULL : c->dact[l % 2]; /* the first layer's input gradient is unused */
        k->dense_backward(rows, L->in, L->out, x, params + L->w_off, dy, accumulate,
                          grad + L->w_off, grad + L->b_off, dx, l > 0, c->scratch);
        dy = dx;
    }
}
/* end */

/* l2/2 * sum of squared weights (biases are not decayed). */
static double l2_penalty(const nn_ctx *c, const float *params)
{
    double s = 0.0;
    for (size_t l = 0; l < c->nlayers; l++)
        for (size_t i = 0; i < c->layer[l].out * c->layer[l].in; i++) {
            double w = params[c->layer[l].w_off + i];
            s += w * w;
        }
    return 0.5 * c->l2 * s;
}

/* The chunk's samples into c->x: from the data set's bytes when it has them (a quarter of the
 * memory traffic of copying floats, and these rows are scattered over the whole training set). */
static void gather(nn_ctx *c, const lr_kernels *k, const lr_split *train, const size_t *idx,
                   size_t rows)
{
    size_t d = c->ds->dim;
    if (train->pixels) {
        k->gather_pixels(rows, d, train->pixels, idx, c->x);
    } else {
        for (size_t r = 0; r < rows; r++)
            memcpy(c->x + r * d, train->x + idx[r] * d, d * sizeof(float));
    }
    for (size_t r = 0; r < rows; r++)
        c->labels[r] = train->y[idx[r]];
}

static double nn_loss_grad(void *vctx, const lr_kernels *k, const float *params, const size_t *idx,
                           size_t batch, float *grad)
{
    nn_ctx *c = vctx;
    const lr_split *train = &c->ds->train;
    size_t classes = c->ds->n_classes;
    if (batch == 0) {
        memset(grad, 0, c->nparams * sizeof(float));
        return NAN; /* the mean over no samples */
    }
    /* doc:nn-loss-grad-chunks */
    /* Rounded once, the same for both twins: the gradient is that of the mean over the batch. */
    float scale = (float)(1.0 / (double)batch);
    double total = 0.0;
    for (size_t c0 = 0; c0 < batch; c0 += LR_NN_CHUNK) {
        size_t rows = batch - c0 < LR_NN_CHUNK ? batch - c0 : LR_NN_CHUNK;
        gather(c, k, train, idx + c0, rows);
        const float *logits = forward(c, k, params, c->x, rows);
        total += k->softmax_xent(rows, classes, logits, c->labels, scale, c->dlogits);
        backward(c, k, params, rows, c0 > 0, grad);
    }
    /* end */
    double loss = total / (double)batch;
    if (c->l2 > 0.0) {
        float l2 = (float)c->l2;
        for (size_t l = 0; l < c->nlayers; l++)
            for (size_t i = 0; i < c->layer[l].out * c->layer[l].in; i++) {
                size_t at = c->layer[l].w_off + i;
                grad[at] += l2 * params[at];
            }
        loss += l2_penalty(c, params);
    }
    return loss;
}

/* Mean cross-entropy over a split and the fraction classified right (ties go to the first
 * class; a row with a non-finite logit counts as wrong): the softmax_metrics kernel, which sums
 * the loss exactly as softmax_xent would. Its samples are contiguous: no gather. */
static void split_metrics(nn_ctx *c, const lr_kernels *k, const float *params, const lr_split *s,
                          double *loss, double *acc)
{
    size_t d = c->ds->dim, classes = c->ds->n_classes, right = 0;
    double total = 0.0;
    for (size_t c0 = 0; c0 < s->n; c0 += LR_NN_CHUNK) {
        size_t rows = s->n - c0 < LR_NN_CHUNK ? s->n - c0 : LR_NN_CHUNK;
        const float *logits = forward(c, k, params, s->x + c0 * d, rows);
        total += k->softmax_metrics(rows, classes, logits, classes, s->y + c0, &right);
    }
    *loss = s->n ? total / (double)s->n : NAN;
    *acc = s->n ? (double)right / (double)s->n : NAN;
}

static void nn_evaluate(void *vctx, const lr_kernels *k, const float *params, lr_eval *out)
{
    nn_ctx *c = vctx;
    const lr_split *held = c->ds->validation.n ? &c->ds->validation : &c->ds->test;
    double train_acc;
    split_metrics(c, k, params, &c->ds->train, &out->train_loss, &train_acc);
    out->train_loss += l2_penalty(c, params);
    split_metrics(c, k, params, held, &out->test_loss, &out->test_acc);
    out->dist = NAN;
}

static void nn_destroy(void *vctx)
{
    nn_ctx *c = vctx;
    if (!c)
        return;
    free(c->x);
    free(c->labels);
    for (size_t l = 0; l < c->nlayers; l++)
        free(c->act[l]);
    free(c->dlogits);
    free(c->dact[0]);
    free(c->dact[1]);
    free(c->scratch);
    free(c);
}

/* ---- Construction ---------------------------------------------------------------------------- */

static float *floats(size_t n)
{
    return malloc((n ? n : 1) * sizeof(float));
}

static int nn_alloc(nn_ctx *c)
{
    size_t widest = 1;
    for (size_t l = 0; l + 1 < c->nlayers; l++)
        widest = c->layer[l].out > widest ? c->layer[l].out : widest;
    c->x = floats(LR_NN_CHUNK * c->ds->dim);
    c->labels = malloc(LR_NN_CHUNK);
    for (size_t l = 0; l < c->nlayers; l++)
        if (!(c->act[l] = floats(LR_NN_CHUNK * c->layer[l].out)))
            return -1;
    c->dlogits = floats(LR_NN_CHUNK * c->ds->n_classes);
    c->dact[0] = floats(LR_NN_CHUNK * widest);
    c->dact[1] = floats(LR_NN_CHUNK * widest);
    c->scratch = aligned_alloc(64, LR_DENSE_SCRATCH_FLOATS * sizeof(float));
    return c->x && c->labels && c->dlogits && c->dact[0] && c->dact[1] && c->scratch ? 0 : -1;
}

static int nn_build(lr_problem *p, const char *name, const lr_dataset *ds, const size_t *hidden,
                    size_t nhidden, double l2, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (!ds || ds->dim == 0 || ds->n_classes == 0 || ds->train.n == 0)
        return obj_fail(err, errlen, "%s: the data set has no training samples", name);
    if (nhidden >= LR_NN_MAX_LAYERS)
        return obj_fail(err, errlen, "%s: at most %d hidden layers, not %zu", name,
                    LR_NN_MAX_LAYERS - 1, nhidden);
    if (!(l2 >= 0.0) || !isfinite(l2))
        return obj_fail(err, errlen, "%s: the L2 coefficient must be finite and >= 0, not %g", name, l2);
    nn_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return obj_fail(err, errlen, "%s: out of memory", name);
    c->ds = ds;
    c->l2 = l2;
    c->nlayers = nhidden + 1;
    size_t in = ds->dim, off = 0;
    for (size_t l = 0; l < c->nlayers; l++) {
        size_t out = l < nhidden ? hidden[l] : ds->n_classes;
        if (out == 0 || out > ((size_t)1 << 24) || in > ((size_t)1 << 40) / out) {
            nn_destroy(c);
            return obj_fail(err, errlen, "%s: hidden layer %zu has width %zu (must be 1..16777216)",
                        name, l + 1, out);
        }
        c->layer[l] = (nn_layer){.in = in, .out = out, .w_off = off, .b_off = off + out * in};
        off += out * in + out;
        in = out;
    }
    c->nparams = off;
    if (nn_alloc(c) != 0) {
        nn_destroy(c);
        return obj_fail(err, errlen, "%s: out of memory", name);
    }
    *p = (lr_problem){.name = name, .dim = off, .n_train = ds->train.n, .ctx = c,
                      .init_params = nn_init, .loss_grad = nn_loss_grad,
                      .evaluate = nn_evaluate, .destroy = nn_destroy};
    return 0;
}

int lr_problem_fmnist_softmax(lr_problem *p, const lr_dataset *ds, double l2, char *err,
                              size_t errlen)
{
    return nn_build(p, "fmnist-softmax", ds, NULL, 0, l2, err, errlen);
}

int lr_problem_fmnist_mlp(lr_problem *p, const lr_dataset *ds, const size_t *hidden, size_t nhidden,
                          double l2, char *err, size_t errlen)
{
    return nn_build(p, "fmnist-mlp", ds, hidden, nhidden, l2, err, errlen);
}
