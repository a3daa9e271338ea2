/* C21-C23 problem tests: constructor validation (a message naming the parameter), the quadratic's
 * exact constants and its rotated matrix's spectrum, the Rosenbrock start and minimizer, the
 * synthetic regression data (outliers, noise, truth), and determinism (same seed, same bytes). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/objective.h"
#include "lrlab/optim.h"

/* ---- Validation ----------------------------------------------------------------------------- */

static void expect_quadratic_error(size_t dim, double mu, double L, bool rotate, const char *word)
{
    lr_problem p;
    char err[256] = "";
    cr_assert_eq(lr_problem_quadratic(&p, dim, mu, L, rotate, 1, err, sizeof err), -1,
                 "dim %zu mu %g L %g accepted", dim, mu, L);
    cr_assert(strstr(err, word) != NULL, "message \"%s\" does not name %s", err, word);
    cr_assert_null(p.ctx);
}

Test(objective_problems, quadratic_rejects_bad_parameters)
{
    expect_quadratic_error(0, 0.1, 1.0, false, "dim");
    expect_quadratic_error(4, 2.0, 1.0, false, "mu (2) must not exceed L (1)");
    expect_quadratic_error(4, 0.0, 1.0, false, "mu");
    expect_quadratic_error(4, -1.0, 1.0, false, "mu");
    expect_quadratic_error(4, NAN, 1.0, false, "mu");
    expect_quadratic_error(4, 0.1, NAN, false, "L");
    expect_quadratic_error(4, 0.1, INFINITY, false, "L");
    expect_quadratic_error(4, 1e-50, 1.0, false, "mu");     /* rounds to 0 in float32 */
    expect_quadratic_error(4, 0.1, 1e39, false, "L");       /* beyond FLT_MAX */
    expect_quadratic_error(LR_QUADRATIC_MAX_ROTATED_DIM + 1, 0.1, 1.0, true, "dim");
    expect_quadratic_error(16, 1e-9, 1.0, true, "mu");      /* below the rounding of rotated A */
}

Test(objective_problems, rosenbrock_rejects_bad_dim)
{
    lr_problem p;
    char err[256] = "";
    cr_assert_eq(lr_problem_rosenbrock(&p, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "dim") != NULL, "%s", err);
    cr_assert_eq(lr_problem_rosenbrock(&p, 0, NULL, 0), -1); /* no buffer: still an error */
}

static void expect_linreg_error(lr_linreg_config cfg, const char *word)
{
    lr_problem p;
    char err[256] = "";
    cr_assert_eq(lr_problem_linreg(&p, &cfg, err, sizeof err), -1);
    cr_assert(strstr(err, word) != NULL, "message \"%s\" does not name %s", err, word);
    cr_assert_null(p.ctx);
}

Test(objective_problems, linreg_rejects_bad_parameters)
{
    lr_linreg_config c = lr_linreg_defaults();
    c.samples = 0;
    expect_linreg_error(c, "samples");
    c = lr_linreg_defaults();
    c.features = 0;
    expect_linreg_error(c, "features");
    c = lr_linreg_defaults();
    c.test_samples = 0;
    expect_linreg_error(c, "test samples");
    const double bad_noise[] = {-0.1, NAN, INFINITY};
    for (size_t i = 0; i < 3; i++) {
        c = lr_linreg_defaults();
        c.noise = bad_noise[i];
        expect_linreg_error(c, "noise");
    }
    const double bad_frac[] = {-0.01, 1.01, NAN};
    for (size_t i = 0; i < 3; i++) {
        c = lr_linreg_defaults();
        c.outliers = bad_frac[i];
        expect_linreg_error(c, "outliers");
    }
    const double bad_delta[] = {0.0, -1.0, NAN, INFINITY, 1e-60};
    for (size_t i = 0; i < 5; i++) {
        c = lr_linreg_defaults();
        c.loss = LR_LOSS_HUBER;
        c.huber_delta = bad_delta[i];
        expect_linreg_error(c, "huber delta");
    }
    c = lr_linreg_defaults();
    c.loss = (lr_reg_loss)7;
    expect_linreg_error(c, "loss");
    c = lr_linreg_defaults();
    c.samples = SIZE_MAX / 8;
    expect_linreg_error(c, "too large");
}

/* ---- C21 constants and spectrum ------------------------------------------------------------- */

Test(objective_problems, quadratic_constants_are_the_float_eigenvalues)
{
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_quadratic(&p, 5, 0.01, 1.0, false, 0, err, sizeof err), 0, "%s", err);
    const lr_quadratic_info *q = lr_problem_quadratic_info(&p);
    cr_assert_not_null(q);
    cr_assert_eq(q->mu, (double)0.01f);
    cr_assert_eq(q->L, 1.0);
    cr_assert_eq(q->kappa, 1.0 / (double)0.01f);
    cr_assert_eq(q->eig_error, 0.0);
    for (size_t i = 0; i < 5; i++) { /* log-spaced: 0.01, 0.0316, 0.1, 0.316, 1 */
        double want = (float)pow(10.0, -2.0 + 0.5 * (double)i);
        cr_assert(fabs(q->eigenvalues[i] - want) <= 1e-7 * want, "eig %zu = %.9g", i,
                  q->eigenvalues[i]);
    }
    float x[5], g[5];
    p.init_params(p.ctx, 99, x);
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(x[i], 1.0f);
    lr_eval ev;
    p.evaluate(p.ctx, &lr_kernels_reference, x, &ev);
    cr_assert(fabs(ev.dist - sqrt(5.0)) < 1e-12);
    cr_assert(isnan(ev.test_loss) && isnan(ev.test_acc));
    double f = p.loss_grad(p.ctx, &lr_kernels_reference, x, NULL, 0, g);
    cr_assert_eq(f, ev.train_loss);
    cr_assert_eq(p.n_train, 0);
    cr_assert_null(lr_problem_linreg_info(&p));
    lr_problem_free(&p);

    /* dim 1: the one eigenvalue is L. */
    cr_assert_eq(lr_problem_quadratic(&p, 1, 0.5, 3.0, false, 0, err, sizeof err), 0);
    q = lr_problem_quadratic_info(&p);
    cr_assert(q->mu == 3.0 && q->L == 3.0 && q->kappa == 1.0);
    lr_problem_free(&p);
}

/* All eigenvalues of a small symmetric matrix by cyclic Jacobi rotations, in double. */
static void jacobi_eigenvalues(size_t n, double *a, double *eig)
{
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                off += a[i * n + j] * a[i * n + j];
        if (off < 1e-300)
            break;
        for (size_t p = 0; p < n; p++) {
            for (size_t q = p + 1; q < n; q++) {
                double apq = a[p * n + q];
                if (apq == 0.0)
                    continue;
                double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                double t = copysign(1.0, theta) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (size_t k = 0; k < n; k++) { /* columns p, q */
                    double akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (size_t k = 0; k < n; k++) { /* rows p, q */
                    double apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        eig[i] = a[i * n + i];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The float matrix is read back through the kernel: A e_j is column j exactly (products with 0 and
 * 1 and sums of zeros are exact). It must be symmetric, dense (really rotated), and have the stated
 * eigenvalues within eig_error (plus Jacobi's own double rounding, ~1e-15 here). */
Test(objective_problems, rotated_quadratic_has_the_stated_spectrum)
{
    const size_t n = 12;
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_quadratic(&p, n, 0.05, 2.0, true, 42, err, sizeof err), 0, "%s", err);
    const lr_quadratic_info *q = lr_problem_quadratic_info(&p);
    cr_assert(q->rotated && q->eig_error > 0.0 && q->eig_error < 1e-6);
    float e[12], col[12];
    double A[144], eig[12];
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < n; i++)
            e[i] = i == j ? 1.0f : 0.0f;
        p.loss_grad(p.ctx, &lr_kernels_reference, e, NULL, 0, col);
        for (size_t i = 0; i < n; i++)
            A[i * n + j] = col[i];
    }
    size_t small = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            cr_assert_eq(A[i * n + j], A[j * n + i], "A is not exactly symmetric at %zu,%zu", i, j);
            small += fabs(A[i * n + j]) < 1e-6;
        }
    cr_assert_lt(small, n, "A is (nearly) diagonal: not rotated");
    jacobi_eigenvalues(n, A, eig);
    qsort(eig, n, sizeof eig[0], cmp_double);
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(eig[i] - q->eigenvalues[i]) <= q->eig_error + 1e-14,
                  "eigenvalue %zu: %.12g, stated %.12g (error bound %.3g)", i, eig[i],
                  (double)q->eigenvalues[i], q->eig_error);
    lr_problem_free(&p);
}

/* ---- C22 ------------------------------------------------------------------------------------ */

Test(objective_problems, rosenbrock_start_and_minimizer)
{
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_rosenbrock(&p, 5, err, sizeof err), 0, "%s", err);
    float x[5], g[5];
    p.init_params(p.ctx, 3, x);
    const float start[5] = {-1.2f, 1.0f, -1.2f, 1.0f, -1.2f};
    cr_assert(memcmp(x, start, sizeof x) == 0);
    lr_eval ev;
    p.evaluate(p.ctx, &lr_kernels_reference, x, &ev);
    cr_assert(fabs(ev.dist - sqrt(3 * 2.2 * 2.2)) < 1e-6, "dist %.9g", ev.dist);
    /* The 2-D value at the classic start is 24.2; the chain repeats it and adds the (1,-1.2) links:
     * 100 (-1.2 - 1)^2 + 0 = 484 each. */
    cr_assert(fabs(ev.train_loss - (2 * 24.2 + 2 * 484.0)) < 1e-3, "f %.9g", ev.train_loss);
    for (size_t i = 0; i < 5; i++)
        x[i] = 1.0f;
    double f = p.loss_grad(p.ctx, &lr_kernels_reference, x, NULL, 0, g);
    cr_assert_eq(f, 0.0);
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(g[i], 0.0f);
    p.evaluate(p.ctx, &lr_kernels_reference, x, &ev);
    cr_assert_eq(ev.dist, 0.0);
    lr_problem_free(&p);
}

/* ---- C23 ------------------------------------------------------------------------------------ */

static lr_problem make_linreg(lr_linreg_config cfg)
{
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_linreg(&p, &cfg, err, sizeof err), 0, "%s", err);
    return p;
}

/* Outliers: exactly round(fraction * samples) labels change, the features stay, a larger fraction
 * keeps the smaller one's outliers. */
Test(objective_problems, linreg_outliers_and_streams)
{
    lr_linreg_config c = lr_linreg_defaults();
    c.samples = 1001;
    c.seed = 5;
    lr_problem p0 = make_linreg(c);
    c.outliers = 0.1;
    lr_problem p1 = make_linreg(c);
    c.outliers = 0.3;
    lr_problem p3 = make_linreg(c);
    const lr_linreg_info *i0 = lr_problem_linreg_info(&p0), *i1 = lr_problem_linreg_info(&p1);
    const lr_linreg_info *i3 = lr_problem_linreg_info(&p3);
    cr_assert_eq(i1->n_outliers, 100); /* round(100.1) */
    cr_assert_eq(i3->n_outliers, 300);
    size_t bytes = c.samples * i0->ld * sizeof(float);
    cr_assert(memcmp(i0->X_train, i1->X_train, bytes) == 0);
    cr_assert(memcmp(i0->w_true, i3->w_true, c.features * sizeof(float)) == 0);
    cr_assert(memcmp(i0->y_test, i3->y_test, c.test_samples * sizeof(float)) == 0);
    size_t changed1 = 0, changed3 = 0, kept = 0;
    for (size_t i = 0; i < c.samples; i++) {
        bool o1 = i0->y_train[i] != i1->y_train[i], o3 = i0->y_train[i] != i3->y_train[i];
        changed1 += o1;
        changed3 += o3;
        kept += o1 && o3 && i1->y_train[i] == i3->y_train[i];
    }
    cr_assert_eq(changed1, 100);
    cr_assert_eq(changed3, 300);
    cr_assert_eq(kept, 100, "the 10%% outliers are not among the 30%% ones");
    lr_problem_free(&p0), lr_problem_free(&p1), lr_problem_free(&p3);
}

/* Noise-free labels: a residual at the truth is float rounding only, the label's (u |y|) and the
 * kernel's dot product's (gamma(d) R_i), so the mean loss is at most mean (gamma(d+1) R_i)^2 / 2
 * (and the chunked mean adds a negligible 1e-16 relative). */
static double rounding_loss_bound(const lr_linreg_info *info, const float *X, const float *y,
                                  size_t n)
{
    size_t d = info->cfg.features;
    double h = (double)(d + 1), g = h * (FLT_EPSILON / 2) / (1 - h * FLT_EPSILON / 2), sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double R = fabs((double)y[i]);
        for (size_t j = 0; j < d; j++)
            R += fabs((double)X[i * info->ld + j] * info->w_true[j]);
        sum += 0.5 * (g * R) * (g * R);
    }
    return sum / (double)n;
}

/* The truth has unit length; with no noise the truth fits to rounding; with noise sigma the mean
 * squared loss at the truth is sigma^2/2 (a mean of n chi-square(1) draws: relative standard
 * deviation sqrt(2/n) = 3.2% at n = 2000; 5 of them allowed); outliers add
 * fraction * OUTLIER_SCALE^2 / 2 to the training loss only. */
Test(objective_problems, linreg_data_follow_the_model)
{
    lr_linreg_config c = lr_linreg_defaults();
    c.samples = c.test_samples = 2000;
    c.features = 7;
    c.noise = 0.0;
    lr_problem p = make_linreg(c);
    const lr_linreg_info *info = lr_problem_linreg_info(&p);
    double norm = 0.0;
    for (size_t j = 0; j < c.features; j++)
        norm += (double)info->w_true[j] * info->w_true[j];
    cr_assert(fabs(norm - 1.0) < 1e-6);
    lr_eval ev;
    p.evaluate(p.ctx, &lr_kernels_reference, info->w_true, &ev);
    double btrain = rounding_loss_bound(info, info->X_train, info->y_train, c.samples);
    double btest = rounding_loss_bound(info, info->X_test, info->y_test, c.test_samples);
    cr_log_info("noise-free loss at the truth: train %.3g (bound %.3g), test %.3g (bound %.3g)",
                ev.train_loss, btrain, ev.test_loss, btest);
    cr_assert(ev.train_loss <= btrain && ev.test_loss <= btest);
    cr_assert(isnan(ev.dist) && isnan(ev.test_acc));
    lr_problem_free(&p);

    c.noise = 0.5;
    c.outliers = 0.05;
    p = make_linreg(c);
    info = lr_problem_linreg_info(&p);
    p.evaluate(p.ctx, &lr_kernels_reference, info->w_true, &ev);
    double clean = 0.25 / 2.0, with_outliers = 0.95 * clean + 0.05 * 100.0 / 2.0;
    cr_assert(fabs(ev.test_loss / clean - 1.0) < 5 * sqrt(2.0 / 2000.0), "test loss %g, expected "
              "%g", ev.test_loss, clean);
    /* The outliers' share dominates the spread: 100 chi-square(1) draws of size 50, sd ~14%. */
    cr_assert(fabs(ev.train_loss / with_outliers - 1.0) < 5 * sqrt(2.0 / 100.0),
              "train loss %g, expected %g", ev.train_loss, with_outliers);
    lr_problem_free(&p);
}

/* Full-batch GD at rate 1 (about 2/(L+mu): the Hessian X^T X/n has its spectrum near 1) recovers the
 * truth to the estimator's own error, sigma sqrt(d/n) ~ 0.007; and the minibatch gradient with the
 * identity index list is the full gradient. */
Test(objective_problems, linreg_gd_recovers_the_truth)
{
    lr_linreg_config c = lr_linreg_defaults();
    c.samples = 2000;
    c.features = 5;
    c.noise = 0.1;
    lr_problem p = make_linreg(c);
    const lr_linreg_info *info = lr_problem_linreg_info(&p);
    size_t *all = malloc(c.samples * sizeof *all);
    for (size_t i = 0; i < c.samples; i++)
        all[i] = i;
    float w[5], g[5], g_null[5];
    p.init_params(p.ctx, 1, w);
    for (size_t j = 0; j < 5; j++)
        cr_assert_eq(w[j], 0.0f);
    lr_optim_config cfg = lr_optim_defaults(LR_OPT_SGD);
    cfg.lr = 1.0;
    lr_optimizer opt;
    cr_assert_eq(lr_optimizer_init(&opt, &cfg, 5, &lr_kernels_reference), 0);
    for (int t = 0; t < 50; t++) {
        double f = p.loss_grad(p.ctx, &lr_kernels_reference, w, all, c.samples, g);
        lr_linreg_batch b = {info->X_train, info->ld, info->y_train, NULL, c.samples, 5,
                             LR_LOSS_MSE, 1.0f};
        cr_assert_eq(lr_linreg_ref(&b, w, g_null), (float)f);
        cr_assert(memcmp(g, g_null, sizeof g) == 0);
        lr_optimizer_step(&opt, 1.0, w, g);
    }
    double err2 = 0.0;
    for (size_t j = 0; j < 5; j++)
        err2 += ((double)w[j] - info->w_true[j]) * ((double)w[j] - info->w_true[j]);
    cr_assert(sqrt(err2) < 5 * 0.1 * sqrt(5.0 / 2000.0), "|w - w*| = %g", sqrt(err2));
    lr_optimizer_free(&opt);
    free(all);
    lr_problem_free(&p);
}

/* ---- Determinism ---------------------------------------------------------------------------- */

/* 30 SGD steps with momentum from the problem's start; the final parameters. */
static void trajectory(lr_problem *p, const lr_kernels *k, const size_t *idx, size_t batch,
                       float *out)
{
    float *g = malloc(p->dim * sizeof *g);
    p->init_params(p->ctx, 11, out);
    lr_optim_config cfg = lr_optim_defaults(LR_OPT_SGD);
    cfg.lr = 1e-3;
    cfg.momentum = 0.9;
    lr_optimizer opt;
    cr_assert_eq(lr_optimizer_init(&opt, &cfg, p->dim, k), 0);
    for (int t = 0; t < 30; t++) {
        p->loss_grad(p->ctx, k, out, idx, batch, g);
        lr_optimizer_step(&opt, cfg.lr, out, g);
    }
    lr_optimizer_free(&opt);
    free(g);
}

static void same_bytes(lr_problem *a, lr_problem *b, const size_t *idx, size_t batch, bool equal)
{
    const lr_kernels *ks[2] = {&lr_kernels_reference, &lr_kernels_avx2};
    size_t nk = lr_cpu_has_avx2_fma() ? 2 : 1;
    float *xa = malloc(a->dim * sizeof *xa), *xb = malloc(b->dim * sizeof *xb);
    for (size_t k = 0; k < nk; k++) {
        trajectory(a, ks[k], idx, batch, xa);
        trajectory(b, ks[k], idx, batch, xb);
        bool same = memcmp(xa, xb, a->dim * sizeof *xa) == 0;
        cr_assert_eq(same, equal, "%s (%s): trajectories %s", a->name, ks[k]->impl,
                     equal ? "differ for the same seed" : "agree for different seeds");
    }
    free(xa);
    free(xb);
}

Test(objective_problems, same_seed_same_bytes)
{
    char err[256];
    lr_problem a, b, c;
    cr_assert_eq(lr_problem_quadratic(&a, 37, 0.1, 3.0, true, 9, err, sizeof err), 0, "%s", err);
    cr_assert_eq(lr_problem_quadratic(&b, 37, 0.1, 3.0, true, 9, err, sizeof err), 0, "%s", err);
    cr_assert_eq(lr_problem_quadratic(&c, 37, 0.1, 3.0, true, 10, err, sizeof err), 0, "%s", err);
    same_bytes(&a, &b, NULL, 0, true);
    same_bytes(&a, &c, NULL, 0, false);
    lr_problem_free(&a), lr_problem_free(&b), lr_problem_free(&c);

    lr_linreg_config cfg = lr_linreg_defaults();
    cfg.samples = 300;
    cfg.features = 19;
    cfg.outliers = 0.2;
    cfg.loss = LR_LOSS_HUBER;
    cfg.seed = 77;
    a = make_linreg(cfg);
    b = make_linreg(cfg);
    cfg.seed = 78;
    c = make_linreg(cfg);
    const lr_linreg_info *ia = lr_problem_linreg_info(&a), *ib = lr_problem_linreg_info(&b);
    cr_assert(memcmp(ia->X_train, ib->X_train, 300 * ia->ld * sizeof(float)) == 0);
    cr_assert(memcmp(ia->y_train, ib->y_train, 300 * sizeof(float)) == 0);
    cr_assert(memcmp(ia->X_test, ib->X_test, 1000 * ia->ld * sizeof(float)) == 0);
    size_t idx[45];
    lr_test_rng r = {3};
    for (size_t i = 0; i < 45; i++)
        idx[i] = rng_below(&r, 300);
    same_bytes(&a, &b, idx, 45, true);
    same_bytes(&a, &c, idx, 45, false);
    lr_problem_free(&a), lr_problem_free(&b), lr_problem_free(&c);
}
