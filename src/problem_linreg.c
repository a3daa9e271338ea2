/* C23 linear regression as an lr_problem: seeded synthetic data (unit-length true weights, Gaussian
 * features, label noise, gross-error outliers, a clean held-out test set), validation, minibatch
 * loss and gradient through the kernel table, and chunked full-set evaluation. */
#include <float.h>
#include <math.h>

#include "lrlab/kernels.h"
#include "lrlab/objective.h"
#include "objective_util.h"
#include "synth_rng.h"

/* One stream per ingredient (see synth_stream), so they vary independently. */
enum {
    STREAM_TRUTH = 1,
    STREAM_TRAIN_FEATURES,
    STREAM_TRAIN_NOISE,
    STREAM_OUTLIER_PICK,
    STREAM_OUTLIER_NOISE,
    STREAM_TEST_FEATURES,
    STREAM_TEST_NOISE,
};

/* Full-set evaluation sums chunks of LR_LINREG_EVAL_CHUNK samples in float (well inside the
 * kernels' bound range) and combines the chunk means in double, so a large set loses no accuracy. */

typedef struct linreg_ctx {
    lr_linreg_info info;
    float *w_true, *X, *y, *Xt, *yt;
} linreg_ctx;

static void linreg_destroy(void *ctx)
{
    linreg_ctx *c = ctx;
    if (!c)
        return;
    free(c->w_true);
    free(c->X);
    free(c->y);
    free(c->Xt);
    free(c->yt);
    free(c);
}

static void linreg_init_params(void *ctx, uint64_t seed, float *params)
{
    (void)seed; /* zeros: the usual start for a convex regression */
    linreg_ctx *c = ctx;
    for (size_t j = 0; j < c->info.cfg.features; j++)
        params[j] = 0.0f;
}

static lr_linreg_batch batch_of(const linreg_ctx *c, const float *X, const float *y,
                                const size_t *idx, size_t batch)
{
    lr_linreg_batch b = {
        .X = X,
        .ld = c->info.ld,
        .y = y,
        .idx = idx,
        .batch = batch,
        .features = c->info.cfg.features,
        .loss = c->info.cfg.loss,
        .delta = (float)c->info.cfg.huber_delta,
    };
    return b;
}

static double linreg_loss_grad(void *ctx, const lr_kernels *k, const float *params,
                               const size_t *idx, size_t batch, float *grad)
{
    linreg_ctx *c = ctx;
    lr_linreg_batch b = batch_of(c, c->X, c->y, idx, batch);
    return k->linreg(&b, params, grad);
}

static double mean_loss(const linreg_ctx *c, const lr_kernels *k, const float *X, const float *y,
                        size_t n, const float *w)
{
    double total = 0.0;
    for (size_t start = 0; start < n; start += LR_LINREG_EVAL_CHUNK) {
        size_t m = n - start < LR_LINREG_EVAL_CHUNK ? n - start : LR_LINREG_EVAL_CHUNK;
        lr_linreg_batch b = batch_of(c, X + start * c->info.ld, y + start, NULL, m);
        total += (double)k->linreg(&b, w, NULL) * (double)m;
    }
    return total / (double)n;
}

static void linreg_evaluate(void *ctx, const lr_kernels *k, const float *params, lr_eval *out)
{
    linreg_ctx *c = ctx;
    out->train_loss = mean_loss(c, k, c->X, c->y, c->info.cfg.samples, params);
    out->test_loss = mean_loss(c, k, c->Xt, c->yt, c->info.cfg.test_samples, params);
    out->test_acc = NAN;
    out->dist = NAN;
}

/* ---- Data ----------------------------------------------------------------------------------- */

static void make_truth(size_t d, uint64_t seed, float *w)
{
    synth_rng rng = synth_stream(seed, STREAM_TRUTH);
    double *tmp = malloc(d * sizeof *tmp), ss = 0.0;
    if (!tmp) { /* too small to fail in practice; fall back to the unit vector e_0 */
        w[0] = 1.0f;
        return;
    }
    for (size_t j = 0; j < d; j++) {
        tmp[j] = synth_normal(&rng);
        ss += tmp[j] * tmp[j];
    }
    double norm = sqrt(ss);
    for (size_t j = 0; j < d; j++)
        w[j] = (float)(tmp[j] / norm);
    free(tmp);
}

/* n rows of d standard normal features, labels x.w* (in double, from the stored floats) plus
 * noise * e. */
static void make_samples(size_t n, size_t d, size_t ld, const float *w, double noise, uint64_t seed,
                         int feature_stream, int noise_stream, float *X, float *y)
{
    synth_rng feat = synth_stream(seed, (uint64_t)feature_stream);
    synth_rng eps = synth_stream(seed, (uint64_t)noise_stream);
    for (size_t i = 0; i < n; i++) {
        float *x = X + i * ld;
        double clean = 0.0;
        for (size_t j = 0; j < d; j++) {
            x[j] = (float)synth_normal(&feat);
            clean += (double)x[j] * w[j];
        }
        y[i] = (float)(clean + noise * synth_normal(&eps));
    }
}

/* Replaces the labels of round(fraction * n) training samples by gross errors. The picks are a
 * partial Fisher-Yates shuffle, so a larger fraction keeps the smaller fraction's outliers. */
static int make_outliers(linreg_ctx *c, size_t n_out)
{
    const lr_linreg_config *cfg = &c->info.cfg;
    size_t n = cfg->samples, d = cfg->features, ld = c->info.ld;
    size_t *perm = malloc(n * sizeof *perm);
    if (!perm)
        return -1;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    synth_rng pick = synth_stream(cfg->seed, STREAM_OUTLIER_PICK);
    synth_rng big = synth_stream(cfg->seed, STREAM_OUTLIER_NOISE);
    for (size_t t = 0; t < n_out; t++) {
        size_t s = t + synth_below(&pick, n - t), i = perm[s];
        perm[s] = perm[t];
        perm[t] = i;
        double clean = 0.0;
        for (size_t j = 0; j < d; j++)
            clean += (double)c->X[i * ld + j] * c->w_true[j];
        c->y[i] = (float)(clean + LR_LINREG_OUTLIER_SCALE * synth_normal(&big));
    }
    free(perm);
    return 0;
}

/* ---- Construction --------------------------------------------------------------------------- */

lr_linreg_config lr_linreg_defaults(void)
{
    lr_linreg_config c = {
        .samples = 1000,
        .features = 10,
        .test_samples = 1000,
        .noise = 0.1,
        .outliers = 0.0,
        .loss = LR_LOSS_MSE,
        .huber_delta = 1.0,
        .seed = 0,
    };
    return c;
}

static int linreg_validate(const lr_linreg_config *cfg, char *err, size_t errlen)
{
    if (cfg->samples == 0)
        return obj_fail(err, errlen, "samples must be at least 1 (got 0)");
    if (cfg->features == 0)
        return obj_fail(err, errlen, "features must be at least 1 (got 0)");
    if (cfg->test_samples == 0)
        return obj_fail(err, errlen, "test samples must be at least 1 (got 0)");
    if (!(cfg->noise >= 0.0) || !isfinite(cfg->noise))
        return obj_fail(err, errlen, "noise (the label noise sigma) must be a finite number >= 0 "
                        "(got %g)", cfg->noise);
    if (!(cfg->outliers >= 0.0 && cfg->outliers <= 1.0))
        return obj_fail(err, errlen, "outliers must be a fraction in [0, 1] (got %g)",
                        cfg->outliers);
    if (cfg->loss != LR_LOSS_MSE && cfg->loss != LR_LOSS_HUBER)
        return obj_fail(err, errlen, "loss must be mse or huber");
    if (cfg->loss == LR_LOSS_HUBER &&
        (!isfinite(cfg->huber_delta) || !((float)cfg->huber_delta >= FLT_MIN) ||
         (float)cfg->huber_delta > FLT_MAX))
        return obj_fail(err, errlen, "huber delta must be a positive normal float32 number (got %g)",
                        cfg->huber_delta);
    size_t ld = obj_row_stride(cfg->features), most = SIZE_MAX / sizeof(float) / 2;
    size_t n = cfg->samples > cfg->test_samples ? cfg->samples : cfg->test_samples;
    if (cfg->features > most || n > most / ld)
        return obj_fail(err, errlen, "samples x features (%zu x %zu) is too large", n,
                        cfg->features);
    return 0;
}

static int linreg_build(linreg_ctx *c, const lr_linreg_config *cfg)
{
    size_t d = cfg->features, ld = obj_row_stride(d);
    c->info.cfg = *cfg;
    c->info.ld = ld;
    c->w_true = obj_floats(d);
    c->X = obj_floats(cfg->samples * ld);
    c->y = obj_floats(cfg->samples);
    c->Xt = obj_floats(cfg->test_samples * ld);
    c->yt = obj_floats(cfg->test_samples);
    if (!c->w_true || !c->X || !c->y || !c->Xt || !c->yt)
        return -1;
    make_truth(d, cfg->seed, c->w_true);
    make_samples(cfg->samples, d, ld, c->w_true, cfg->noise, cfg->seed, STREAM_TRAIN_FEATURES,
                 STREAM_TRAIN_NOISE, c->X, c->y);
    make_samples(cfg->test_samples, d, ld, c->w_true, cfg->noise, cfg->seed, STREAM_TEST_FEATURES,
                 STREAM_TEST_NOISE, c->Xt, c->yt);
    c->info.n_outliers = (size_t)llround(cfg->outliers * (double)cfg->samples);
    if (make_outliers(c, c->info.n_outliers) != 0)
        return -1;
    c->info.w_true = c->w_true;
    c->info.X_train = c->X;
    c->info.y_train = c->y;
    c->info.X_test = c->Xt;
    c->info.y_test = c->yt;
    return 0;
}

int lr_problem_linreg(lr_problem *p, const lr_linreg_config *cfg, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (linreg_validate(cfg, err, errlen) != 0)
        return -1;
    linreg_ctx *c = calloc(1, sizeof *c);
    if (!c || linreg_build(c, cfg) != 0) {
        linreg_destroy(c);
        return obj_fail(err, errlen, "out of memory for %zu + %zu samples of %zu features",
                        cfg->samples, cfg->test_samples, cfg->features);
    }
    p->name = "linreg";
    p->dim = cfg->features;
    p->n_train = cfg->samples;
    p->ctx = c;
    p->init_params = linreg_init_params;
    p->loss_grad = linreg_loss_grad;
    p->evaluate = linreg_evaluate;
    p->destroy = linreg_destroy;
    return 0;
}

const lr_linreg_info *lr_problem_linreg_info(const lr_problem *p)
{
    if (!p || p->destroy != linreg_destroy || !p->ctx)
        return NULL;
    return &((const linreg_ctx *)p->ctx)->info;
}
