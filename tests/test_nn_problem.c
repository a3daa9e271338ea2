/* C24/C25 problems: the gradient of the minibatch loss against central finite differences of an
 * independent double-precision model (ReLU kept away from its kink), evaluation against that
 * model, He initialisation, determinism, and the constructors' checks. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/objective_nn.h"

/* A small data set in the shape the loader produces: 5 features, 10 classes. */
#define FEATURES 5
#define NTRAIN 12
#define NVAL 4
#define NTEST 6

typedef struct tiny {
    lr_dataset ds;
    float x[(NTRAIN + NVAL + NTEST) * FEATURES];
    uint8_t px[(NTRAIN + NVAL + NTEST) * FEATURES];
    uint8_t y[NTRAIN + NVAL + NTEST];
} tiny;

/* Pixels are random bytes and x = byte/255, as the loader makes them; without `bytes` the splits
 * carry only x, as a hand-made data set may. */
static void tiny_init(tiny *t, uint64_t seed, bool hold_out, bool bytes)
{
    lr_test_rng r = {seed};
    for (size_t i = 0; i < sizeof t->px; i++) {
        t->px[i] = (uint8_t)rng_below(&r, 256);
        t->x[i] = (float)t->px[i] / 255.0f;
    }
    for (size_t i = 0; i < sizeof t->y; i++)
        t->y[i] = (uint8_t)rng_below(&r, 10);
    memset(&t->ds, 0, sizeof t->ds);
    t->ds.rows = 1;
    t->ds.cols = FEATURES;
    t->ds.dim = FEATURES;
    t->ds.n_classes = 10;
    size_t v = NTRAIN * FEATURES, e = (NTRAIN + NVAL) * FEATURES;
    t->ds.train = (lr_split){NTRAIN, t->x, t->y, bytes ? t->px : NULL};
    if (hold_out)
        t->ds.validation = (lr_split){NVAL, t->x + v, t->y + NTRAIN, bytes ? t->px + v : NULL};
    t->ds.test = (lr_split){NTEST, t->x + e, t->y + NTRAIN + NVAL, bytes ? t->px + e : NULL};
}

/* ---- The double-precision model, written independently of src/nn_problem.c ------------------ */

typedef struct model {
    size_t nl, width[LR_NN_MAX_LAYERS + 1]; /* width[0] inputs ... width[nl] classes */
    double l2;
} model;

static size_t model_params(const model *m)
{
    size_t n = 0;
    for (size_t l = 0; l < m->nl; l++)
        n += m->width[l + 1] * (m->width[l] + 1);
    return n;
}

/* Mean cross-entropy (+ l2/2 |W|^2) over samples idx of split s at theta; *min_abs_z gets the
 * pre-activation of a hidden unit closest to the ReLU's kink; *right counts argmax hits. */
static double model_loss(const model *m, const lr_split *s, const double *theta, const size_t *idx,
                         size_t batch, double *min_abs_z, size_t *right, bool with_l2)
{
    double total = 0, act[2][64];
    if (min_abs_z)
        *min_abs_z = INFINITY;
    if (right)
        *right = 0;
    for (size_t b = 0; b < batch; b++) {
        size_t i = idx ? idx[b] : b;
        for (size_t k = 0; k < m->width[0]; k++)
            act[0][k] = s->x[i * m->width[0] + k];
        const double *p = theta;
        int cur = 0;
        for (size_t l = 0; l < m->nl; l++) {
            size_t in = m->width[l], out = m->width[l + 1];
            for (size_t j = 0; j < out; j++) {
                double z = p[out * in + j];
                for (size_t k = 0; k < in; k++)
                    z += p[j * in + k] * act[cur][k];
                bool hidden = l + 1 < m->nl;
                if (hidden && min_abs_z && fabs(z) < *min_abs_z)
                    *min_abs_z = fabs(z);
                act[1 - cur][j] = hidden && z < 0 ? 0 : z;
            }
            p += out * in + out;
            cur = 1 - cur;
        }
        size_t classes = m->width[m->nl], best = 0;
        double mx = act[cur][0], sum = 0;
        for (size_t j = 1; j < classes; j++) {
            mx = fmax(mx, act[cur][j]);
            best = act[cur][j] > act[cur][best] ? j : best;
        }
        for (size_t j = 0; j < classes; j++)
            sum += exp(act[cur][j] - mx);
        total += log(sum) + mx - act[cur][s->y[i]];
        if (right)
            *right += best == s->y[i];
    }
    double loss = total / (double)batch;
    if (with_l2) {
        const double *p = theta;
        for (size_t l = 0; l < m->nl; l++) {
            size_t in = m->width[l], out = m->width[l + 1];
            for (size_t k = 0; k < out * in; k++)
                loss += 0.5 * m->l2 * p[k] * p[k];
            p += out * in + out;
        }
    }
    return loss;
}

static model make_model(const size_t *hidden, size_t nhidden, double l2)
{
    model m = {.nl = nhidden + 1, .l2 = l2};
    m.width[0] = FEATURES;
    for (size_t l = 0; l < nhidden; l++)
        m.width[l + 1] = hidden[l];
    m.width[nhidden + 1] = 10;
    return m;
}

/* Parameters from He initialisation plus random biases (so units sit at various distances from
 * the kink), redrawn until every hidden pre-activation is at least `margin` from 0. */
static void pick_point(const lr_problem *p, const model *m, const tiny *t, const size_t *idx,
                       size_t batch, float *params, uint64_t seed, double margin)
{
    double *theta = malloc(p->dim * sizeof(double));
    lr_test_rng r = {seed};
    for (int attempt = 0;; attempt++) {
        cr_assert_lt(attempt, 1000, "no point away from the ReLU kinks");
        p->init_params(p->ctx, seed + (uint64_t)attempt, params);
        size_t off = 0;
        for (size_t l = 0; l < m->nl; l++) {
            size_t in = m->width[l], out = m->width[l + 1];
            for (size_t j = 0; j < out; j++)
                params[off + out * in + j] = (float)rng_range(&r, -0.5, 0.5);
            off += out * in + out;
        }
        for (size_t i = 0; i < p->dim; i++)
            theta[i] = params[i];
        double min_z;
        model_loss(m, &t->ds.train, theta, idx, batch, &min_z, NULL, true);
        if (min_z >= margin)
            break;
    }
    free(theta);
}

/* The float gradient against central differences of the double model, step h = 1e-4: its
 * truncation error (h^2/6 |f'''|, about 1e-9 here) and cancellation (1e-16/h) are far below float
 * rounding. A float pipeline this small (widths <= 10, depth <= 3) carries errors of order a
 * hundred ulps of the values involved, so each entry must agree within 256 eps of the larger of
 * its own size and the gradient's; a wrong formula (a missing mask, a transposed product, a
 * wrong scale) is off by a large fraction of the entry. The ReLU kink stays at least 1e-2 away,
 * 100 times any change the step makes to a pre-activation. */
static void gradient_check(const lr_kernels *k, const size_t *hidden, size_t nhidden, double l2,
                           size_t batch, uint64_t seed)
{
    tiny t;
    tiny_init(&t, seed, true, seed % 2 == 0); /* odd seeds: the float-copy gather */
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_fmnist_mlp(&p, &t.ds, hidden, nhidden, l2, err, sizeof err), 0, "%s", err);
    model m = make_model(hidden, nhidden, l2);
    cr_assert_eq(p.dim, model_params(&m));
    size_t *idx = malloc(batch * sizeof *idx);
    lr_test_rng r = {seed ^ 0x1d};
    for (size_t b = 0; b < batch; b++)
        idx[b] = rng_below(&r, NTRAIN);
    float *params = malloc(p.dim * sizeof(float)), *grad = malloc(p.dim * sizeof(float));
    double *theta = malloc(p.dim * sizeof(double));
    pick_point(&p, &m, &t, idx, batch, params, seed, 1e-2);
    double loss = p.loss_grad(p.ctx, k, params, idx, batch, grad);
    for (size_t i = 0; i < p.dim; i++)
        theta[i] = params[i];
    double want_loss = model_loss(&m, &t.ds.train, theta, idx, batch, NULL, NULL, true);
    cr_assert(fabs(loss - want_loss) <= 256 * FLT_EPSILON * (fabs(want_loss) + 1),
              "%s loss %.9g, double model %.9g", k->impl, loss, want_loss);
    double *fd = malloc(p.dim * sizeof(double)), gmax = 0, worst = 0;
    for (size_t i = 0; i < p.dim; i++) {
        const double h = 1e-4;
        double keep = theta[i], zmin;
        theta[i] = keep + h;
        double up = model_loss(&m, &t.ds.train, theta, idx, batch, &zmin, NULL, true);
        theta[i] = keep - h;
        double down = model_loss(&m, &t.ds.train, theta, idx, batch, NULL, NULL, true);
        theta[i] = keep;
        fd[i] = (up - down) / (2 * h);
        gmax = fmax(gmax, fabs(fd[i]));
    }
    for (size_t i = 0; i < p.dim; i++) {
        double tol = 256 * FLT_EPSILON * fmax(fabs(fd[i]), gmax);
        cr_assert(fabs(grad[i] - fd[i]) <= tol, "%s, %zu hidden, batch %zu: grad[%zu] = %.9g, finite "
                  "difference %.9g (tolerance %.3g)", k->impl, nhidden, batch, i, grad[i], fd[i], tol);
        worst = fmax(worst, fabs(grad[i] - fd[i]) / tol);
    }
    cr_log_info("gradient check %s, %zu hidden layer(s), batch %zu: max error/tolerance %.3g",
                k->impl, nhidden, batch, worst);
    free(fd), free(theta), free(params), free(grad), free(idx);
    lr_problem_free(&p);
}

Test(nn_problem, softmax_gradient_matches_finite_differences)
{
    gradient_check(&lr_kernels_reference, NULL, 0, 0.0, 7, 11);
    gradient_check(&lr_kernels_reference, NULL, 0, 0.05, 1, 12);
}

Test(nn_problem, mlp_gradient_matches_finite_differences)
{
    const size_t one[1] = {7}, two[2] = {6, 4};
    gradient_check(&lr_kernels_reference, one, 1, 0.0, 9, 21);
    gradient_check(&lr_kernels_reference, two, 2, 0.01, 5, 22);
}

Test(nn_problem, chunked_batch_gradient_matches_finite_differences)
{
    /* 600 samples: three chunks of LR_NN_CHUNK accumulate into one gradient. */
    const size_t two[2] = {6, 4};
    gradient_check(&lr_kernels_reference, two, 2, 0.0, 600, 31);
}

Test(nn_problem, avx2_gradient_matches_finite_differences)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("this CPU lacks AVX2+FMA");
    const size_t two[2] = {6, 4};
    gradient_check(&lr_kernels_avx2, NULL, 0, 0.0, 7, 41);
    gradient_check(&lr_kernels_avx2, two, 2, 0.01, 600, 42);
}

static void check_evaluate(bool hold_out)
{
    tiny t;
    tiny_init(&t, 5, hold_out, true);
    const size_t hidden[1] = {8};
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_fmnist_mlp(&p, &t.ds, hidden, 1, 0.02, err, sizeof err), 0, "%s", err);
    model m = make_model(hidden, 1, 0.02);
    float *params = malloc(p.dim * sizeof(float));
    double *theta = malloc(p.dim * sizeof(double));
    p.init_params(p.ctx, 99, params);
    for (size_t i = 0; i < p.dim; i++)
        theta[i] = params[i];
    lr_eval ev;
    p.evaluate(p.ctx, &lr_kernels_reference, params, &ev);
    const lr_split *held = hold_out ? &t.ds.validation : &t.ds.test;
    size_t right;
    double train = model_loss(&m, &t.ds.train, theta, NULL, NTRAIN, NULL, NULL, true);
    double test = model_loss(&m, held, theta, NULL, held->n, NULL, &right, false);
    cr_assert(fabs(ev.train_loss - train) <= 256 * FLT_EPSILON * (train + 1), "%g vs %g",
              ev.train_loss, train);
    cr_assert(fabs(ev.test_loss - test) <= 256 * FLT_EPSILON * (test + 1), "%g vs %g", ev.test_loss,
              test);
    cr_assert_eq(ev.test_acc, (double)right / (double)held->n);
    cr_assert(isnan(ev.dist));
    free(params), free(theta);
    lr_problem_free(&p);
}

Test(nn_problem, evaluate_uses_validation_when_held_out)
{
    check_evaluate(true);
}

Test(nn_problem, evaluate_uses_test_set_otherwise)
{
    check_evaluate(false);
}

Test(nn_problem, he_initialisation_and_layout)
{
    /* Fashion-MNIST's shapes without its pixels: init only looks at the layer sizes. */
    float x[784] = {0};
    uint8_t y[1] = {0};
    lr_dataset ds = {.rows = 28, .cols = 28, .dim = 784, .n_classes = 10,
                     .train = {1, x, y, NULL}, .test = {1, x, y, NULL}};
    const size_t hidden[1] = {100};
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_fmnist_mlp(&p, &ds, hidden, 1, 0.0, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(p.name, "fmnist-mlp");
    cr_assert_eq(p.dim, 100 * 784 + 100 + 10 * 100 + 10);
    cr_assert_eq(p.n_train, 1);
    float *a = malloc(p.dim * sizeof(float)), *b = malloc(p.dim * sizeof(float));
    p.init_params(p.ctx, 7, a);
    p.init_params(p.ctx, 7, b);
    cr_assert_eq(memcmp(a, b, p.dim * sizeof(float)), 0, "the same seed gives the same bytes");
    p.init_params(p.ctx, 8, b);
    cr_assert_neq(memcmp(a, b, p.dim * sizeof(float)), 0);
    /* W1 ~ N(0, 2/784): 78400 draws put the sample mean within 5 standard errors of 0 and the
     * sample deviation within 2% of sqrt(2/784) (its standard error is 0.25%). */
    size_t n1 = 100 * 784;
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n1; i++) {
        sum += a[i];
        sq += (double)a[i] * a[i];
    }
    double sd = sqrt(2.0 / 784), mean = sum / n1, dev = sqrt(sq / n1 - mean * mean);
    cr_assert(fabs(mean) < 5 * sd / sqrt((double)n1), "mean %g", mean);
    cr_assert(fabs(dev / sd - 1) < 0.02, "deviation %g, He %g", dev, sd);
    for (size_t j = 0; j < 100; j++)
        cr_assert_eq(a[n1 + j], 0.0f, "bias %zu", j);
    double sq2 = 0;
    for (size_t i = 0; i < 1000; i++)
        sq2 += (double)a[n1 + 100 + i] * a[n1 + 100 + i];
    cr_assert(fabs(sqrt(sq2 / 1000) / sqrt(2.0 / 100) - 1) < 0.1, "second layer N(0, 2/100)");
    for (size_t j = 0; j < 10; j++)
        cr_assert_eq(a[p.dim - 10 + j], 0.0f);
    free(a), free(b);
    lr_problem_free(&p);

    cr_assert_eq(lr_problem_fmnist_softmax(&p, &ds, 0.0, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(p.name, "fmnist-softmax");
    cr_assert_eq(p.dim, 7850);
    lr_problem_free(&p);
}

Test(nn_problem, loss_grad_is_deterministic)
{
    tiny t;
    tiny_init(&t, 3, false, true);
    const size_t hidden[2] = {9, 5};
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_fmnist_mlp(&p, &t.ds, hidden, 2, 0.01, err, sizeof err), 0, "%s", err);
    float *params = malloc(p.dim * sizeof(float));
    float *g[2] = {malloc(p.dim * sizeof(float)), malloc(p.dim * sizeof(float))};
    p.init_params(p.ctx, 1, params);
    size_t idx[300];
    for (size_t i = 0; i < 300; i++)
        idx[i] = (i * 7) % NTRAIN;
    const lr_kernels *tables[2] = {&lr_kernels_reference, &lr_kernels_avx2};
    for (int k = 0; k < (lr_cpu_has_avx2_fma() ? 2 : 1); k++) {
        double l0 = p.loss_grad(p.ctx, tables[k], params, idx, 300, g[0]);
        double l1 = p.loss_grad(p.ctx, tables[k], params, idx, 300, g[1]);
        cr_assert_eq(memcmp(&l0, &l1, sizeof l0), 0, "%s loss", tables[k]->impl);
        cr_assert_eq(memcmp(g[0], g[1], p.dim * sizeof(float)), 0, "%s gradient", tables[k]->impl);
    }
    free(params), free(g[0]), free(g[1]);
    lr_problem_free(&p);
}

Test(nn_problem, constructors_reject_bad_settings)
{
    tiny t;
    tiny_init(&t, 1, false, false);
    lr_problem p;
    char err[256];
    const size_t zero[2] = {4, 0};
    cr_assert_eq(lr_problem_fmnist_mlp(&p, &t.ds, zero, 2, 0.0, err, sizeof err), -1);
    cr_assert(strstr(err, "hidden layer 2 has width 0"), "%s", err);
    size_t many[LR_NN_MAX_LAYERS] = {0};
    cr_assert_eq(lr_problem_fmnist_mlp(&p, &t.ds, many, LR_NN_MAX_LAYERS, 0.0, err, sizeof err), -1);
    cr_assert(strstr(err, "at most 15 hidden layers"), "%s", err);
    cr_assert_eq(lr_problem_fmnist_softmax(&p, &t.ds, -1.0, err, sizeof err), -1);
    cr_assert(strstr(err, "L2 coefficient must be finite and >= 0"), "%s", err);
    cr_assert_eq(lr_problem_fmnist_softmax(&p, &t.ds, NAN, err, sizeof err), -1);
    t.ds.train.n = 0;
    cr_assert_eq(lr_problem_fmnist_softmax(&p, &t.ds, 0.0, err, sizeof err), -1);
    cr_assert(strstr(err, "no training samples"), "%s", err);
}
