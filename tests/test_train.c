/* The training loop (src/train.c) on two tiny problems defined here: a full-batch 1-D quadratic and
 * a minibatch mean of squares, so rows, divergence, logging and determinism can be checked exactly. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "lrlab/kernels.h"
#include "lrlab/train.h"

/* f(x) = c/2 x^2, full batch. */
static void quad_init(void *ctx, uint64_t seed, float *x) { (void)ctx; (void)seed; x[0] = 1.0f; }
static double quad_loss_grad(void *ctx, const struct lr_kernels *k, const float *x,
                             const size_t *idx, size_t b, float *g)
{
    (void)k; (void)idx; (void)b;
    double c = *(const double *)ctx;
    g[0] = (float)(c * x[0]);
    return 0.5 * c * (double)x[0] * (double)x[0];
}
static void quad_eval(void *ctx, const struct lr_kernels *k, const float *x, lr_eval *e)
{
    (void)k;
    double c = *(const double *)ctx;
    e->train_loss = 0.5 * c * (double)x[0] * (double)x[0];
    e->test_loss = e->test_acc = NAN;
    e->dist = fabs((double)x[0]);
}

/* mean over the batch of 1/2 (x - a_i)^2 with a_i = i, 10 samples. */
static void ms_init(void *ctx, uint64_t seed, float *x) { (void)ctx; (void)seed; x[0] = 0.0f; }
static double ms_loss_grad(void *ctx, const struct lr_kernels *k, const float *x, const size_t *idx,
                           size_t b, float *g)
{
    (void)ctx; (void)k;
    double loss = 0, grad = 0;
    for (size_t j = 0; j < b; j++) {
        double r = (double)x[0] - (double)idx[j];
        loss += 0.5 * r * r;
        grad += r;
    }
    g[0] = (float)(grad / (double)b);
    return loss / (double)b;
}
static void ms_eval(void *ctx, const struct lr_kernels *k, const float *x, lr_eval *e)
{
    size_t all[10];
    float g;
    for (size_t i = 0; i < 10; i++)
        all[i] = i;
    e->train_loss = ms_loss_grad(ctx, k, x, all, 10, &g);
    e->test_loss = e->train_loss;
    e->test_acc = e->dist = NAN;
}

typedef struct rows {
    lr_train_row row[256];
    int n;
} rows;
static int collect(void *ctx, const lr_train_row *row)
{
    rows *r = ctx;
    cr_assert_lt(r->n, 256);
    r->row[r->n++] = *row;
    return 0;
}

static lr_problem quadratic(double *c)
{
    return (lr_problem){.name = "q", .dim = 1, .ctx = c, .init_params = quad_init,
                        .loss_grad = quad_loss_grad, .evaluate = quad_eval};
}

static lr_optim_config sgd(double lr)
{
    lr_optim_config o = lr_optim_defaults(LR_OPT_SGD);
    o.lr = lr;
    return o;
}

Test(train, full_batch_rows_every_step_from_the_start)
{
    double c = 1.0, lr = 0.5;
    lr_problem p = quadratic(&c);
    lr_optim_config o = sgd(lr);
    lr_rate_source rates = {.lr_at = lr_rate_constant, .ctx = &lr};
    lr_train_config tc = {.steps = 5};
    rows out = {.n = 0};
    lr_train_hooks hooks = {.sink = collect, .sink_ctx = &out};
    cr_assert_eq(lr_train(&p, &o, &rates, &tc, &lr_kernels_reference, &hooks), 0);
    cr_assert_eq(out.n, 6, "rows for steps 0..5, got %d", out.n);
    for (int t = 0; t <= 5; t++) {
        /* x_t = (1 - lr c)^t exactly: halving is exact in float */
        cr_assert_eq(out.row[t].step, t);
        cr_assert_float_eq(out.row[t].eval.dist, ldexp(1.0, -t), 0.0);
        cr_assert(!out.row[t].diverged);
    }
}

Test(train, divergence_stops_and_marks_the_last_row)
{
    double c = 1.0, lr = 1e30; /* each step multiplies x by about -1e30: overflow in a few steps */
    lr_problem p = quadratic(&c);
    lr_optim_config o = sgd(lr);
    lr_rate_source rates = {.lr_at = lr_rate_constant, .ctx = &lr};
    lr_train_config tc = {.steps = 100};
    rows out = {.n = 0};
    lr_train_hooks hooks = {.sink = collect, .sink_ctx = &out};
    cr_assert_eq(lr_train(&p, &o, &rates, &tc, &lr_kernels_reference, &hooks), 0);
    cr_assert_lt(out.n, 10);
    cr_assert(out.row[out.n - 1].diverged);
    for (int i = 0; i < out.n - 1; i++)
        cr_assert(!out.row[i].diverged);
}

Test(train, log_every_thins_rows_and_keeps_the_end)
{
    double c = 1.0, lr = 0.1;
    lr_problem p = quadratic(&c);
    lr_optim_config o = sgd(lr);
    lr_rate_source rates = {.lr_at = lr_rate_constant, .ctx = &lr};
    lr_train_config tc = {.steps = 10, .log_every = 4};
    rows out = {.n = 0};
    lr_train_hooks hooks = {.sink = collect, .sink_ctx = &out};
    cr_assert_eq(lr_train(&p, &o, &rates, &tc, &lr_kernels_reference, &hooks), 0);
    cr_assert_eq(out.n, 4); /* steps 0, 4, 8, 10 */
    cr_assert_eq(out.row[1].step, 4);
    cr_assert_eq(out.row[3].step, 10);
}

typedef struct plateau_probe {
    int metrics;
    double lr;
} plateau_probe;
static double probe_lr(void *ctx, long t) { (void)t; return ((plateau_probe *)ctx)->lr; }
static void probe_metric(void *ctx, double m)
{
    plateau_probe *pp = ctx;
    cr_assert(isfinite(m));
    pp->metrics++;
    pp->lr *= 0.5;
}

Test(train, minibatch_epochs_metrics_and_determinism)
{
    lr_problem p = {.name = "ms", .dim = 1, .n_train = 10, .init_params = ms_init,
                    .loss_grad = ms_loss_grad, .evaluate = ms_eval};
    lr_optim_config o = sgd(0.1);
    rows a = {.n = 0}, b = {.n = 0};
    for (int run = 0; run < 2; run++) {
        plateau_probe pp = {.lr = 0.1};
        lr_rate_source rates = {.lr_at = probe_lr, .on_metric = probe_metric, .ctx = &pp};
        lr_train_config tc = {.epochs = 3, .batch_size = 4, .seed = 42};
        lr_train_hooks hooks = {.sink = collect, .sink_ctx = run ? &b : &a};
        cr_assert_eq(lr_train(&p, &o, &rates, &tc, &lr_kernels_reference, &hooks), 0);
        cr_assert_eq(pp.metrics, 3, "one metric per epoch");
    }
    cr_assert_eq(a.n, 4); /* epoch 0 (before training) .. 3 */
    for (int e = 0; e <= 3; e++) {
        cr_assert_eq(a.row[e].epoch, e);
        cr_assert_eq(a.row[e].step, 3 * e, "10 samples in batches of 4: 3 steps an epoch");
        /* the rate after each epoch's metric is halved and shown in that epoch's row */
        cr_assert_float_eq(a.row[e].lr_now, 0.1 * ldexp(1.0, -e), 1e-15);
        cr_assert_eq(memcmp(&a.row[e].eval, &b.row[e].eval, sizeof(lr_eval)), 0);
    }
    cr_assert_lt(a.row[3].eval.train_loss, a.row[0].eval.train_loss);
}
