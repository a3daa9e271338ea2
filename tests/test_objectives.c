/* C21-C23 kernel tests: each AVX2 twin within exactly the bound lrlab/objective.h states, on random
 * shapes (every size mod 8, odd strides, misaligned pointers) and data; each reference gradient
 * against central finite differences of the objective written independently in double. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/objective.h"

static const double U = FLT_EPSILON / 2.0; /* float unit roundoff */

/* Higham's gamma(h) = h u / (1 - h u): the relative error of h roundings. */
static double gamma_u(double h)
{
    return h * U / (1.0 - h * U);
}

static int have_avx2(void)
{
    return lr_cpu_has_avx2_fma();
}

/* The largest |avx2 - ref| / bound seen by one test, reported in the log. */
typedef struct ratio_log {
    const char *what;
    double max;
    double max_large; /* over reductions of 256 terms or more, where the bound is loosest */
} ratio_log;

/* Checks |a - r| <= k n eps T and records the ratio; a failure names the case's seed. */
static void check_bound(ratio_log *log, double a, double r, double k, double n, double T,
                        uint64_t seed, const char *where)
{
    double bound = k * n * FLT_EPSILON * T, diff = fabs(a - r);
    cr_assert(diff <= bound, "%s: %s |avx2 - ref| = %.9g exceeds the bound %.9g (avx2 %.9g, ref %.9g, "
              "n %g, T %.9g), seed %llu", log->what, where, diff, bound, a, r, n, T,
              (unsigned long long)seed);
    if (bound > 0.0 && diff / bound > log->max)
        log->max = diff / bound;
    if (bound > 0.0 && n >= 256 && diff / bound > log->max_large)
        log->max_large = diff / bound;
}

static void report(const ratio_log *log)
{
    cr_log_info("%s: max |avx2 - ref| / bound = %.3g (%.3g for n >= 256)", log->what, log->max,
                log->max_large);
}

static float rand_value(lr_test_rng *r)
{
    return rng_float(r, 1.0f, 0.0); /* sign random, magnitude 1e-4 .. 1e2 */
}

/* Sizes: every n in 0..lo, then `extra` random ones up to hi. */
static size_t case_size(lr_test_rng *r, int c, size_t lo, size_t hi)
{
    return (size_t)c <= lo ? (size_t)c : lo + 1 + rng_below(r, hi - lo);
}

/* ---- C21 diagonal --------------------------------------------------------------------------- */

Test(objectives_twins, quadratic_diag_within_bound)
{
    if (!have_avx2())
        cr_skip_test("no AVX2+FMA on this CPU");
    ratio_log loss_log = {"quadratic_diag loss", 0.0, 0.0};
    for (int c = 0; c < 400; c++) {
        uint64_t seed = 1000 + (uint64_t)c;
        lr_test_rng r = {seed};
        size_t n = c < 398 ? case_size(&r, c, 70, 300) : (c == 398 ? 1003 : 4099);
        lr_test_buf eig = buf_alloc(n, rng_below(&r, 8)), x = buf_alloc(n, rng_below(&r, 8));
        lr_test_buf g_ref = buf_alloc(n, rng_below(&r, 8)), g_avx = buf_alloc(n, rng_below(&r, 8));
        for (size_t i = 0; i < n; i++) {
            eig.data[i] = (float)rng_log_uniform(&r, 1e-3, 1e3);
            x.data[i] = rand_value(&r);
        }
        float lr = lr_quadratic_diag_ref(n, eig.data, x.data, g_ref.data);
        float la = lr_quadratic_diag_avx2(n, eig.data, x.data, g_avx.data);
        cr_assert(n == 0 || memcmp(g_ref.data, g_avx.data, n * sizeof(float)) == 0,
                  "diag gradient not bitwise equal, n %zu, seed %llu", n, (unsigned long long)seed);
        double T = 0.0;
        for (size_t i = 0; i < n; i++)
            T += 0.5 * fabs((double)x.data[i] * g_ref.data[i]);
        check_bound(&loss_log, la, lr, LR_BOUND_K_QUADRATIC_DIAG_LOSS, (double)n, T, seed, "loss");
        buf_free(&eig), buf_free(&x), buf_free(&g_ref), buf_free(&g_avx);
    }
    report(&loss_log);
}

/* ---- C21 dense ------------------------------------------------------------------------------ */

Test(objectives_twins, quadratic_dense_within_bound)
{
    if (!have_avx2())
        cr_skip_test("no AVX2+FMA on this CPU");
    ratio_log grad_log = {"quadratic_dense grad", 0.0, 0.0};
    ratio_log loss_log = {"quadratic_dense loss", 0.0, 0.0};
    for (int c = 0; c < 160; c++) {
        uint64_t seed = 2000 + (uint64_t)c;
        lr_test_rng r = {seed};
        size_t n = c < 159 ? case_size(&r, c, 40, 300) : 517;
        size_t lda = n + rng_below(&r, 10);
        lr_test_buf A = buf_alloc(n * lda, rng_below(&r, 8)), x = buf_alloc(n, rng_below(&r, 8));
        lr_test_buf g_ref = buf_alloc(n, rng_below(&r, 8)), g_avx = buf_alloc(n, rng_below(&r, 8));
        for (size_t i = 0; i < n * lda; i++)
            A.data[i] = rand_value(&r);
        for (size_t i = 0; i < n; i++)
            x.data[i] = rand_value(&r);
        float lr = lr_quadratic_dense_ref(n, A.data, lda, x.data, g_ref.data);
        float la = lr_quadratic_dense_avx2(n, A.data, lda, x.data, g_avx.data);
        double Tloss = 0.0;
        for (size_t i = 0; i < n; i++) {
            double Ti = 0.0;
            for (size_t j = 0; j < n; j++)
                Ti += fabs((double)A.data[i * lda + j] * x.data[j]);
            check_bound(&grad_log, g_avx.data[i], g_ref.data[i], LR_BOUND_K_QUADRATIC_DENSE_GRAD,
                        (double)n, Ti, seed, "grad");
            Tloss += 0.5 * fabs((double)x.data[i]) * Ti;
        }
        check_bound(&loss_log, la, lr, LR_BOUND_K_QUADRATIC_DENSE_LOSS, (double)n, Tloss, seed,
                    "loss");
        buf_free(&A), buf_free(&x), buf_free(&g_ref), buf_free(&g_avx);
    }
    report(&grad_log);
    report(&loss_log);
}

/* ---- C22 Rosenbrock ------------------------------------------------------------------------- */

Test(objectives_twins, rosenbrock_within_bound)
{
    if (!have_avx2())
        cr_skip_test("no AVX2+FMA on this CPU");
    ratio_log loss_log = {"rosenbrock loss", 0.0, 0.0};
    for (int c = 0; c < 400; c++) {
        uint64_t seed = 3000 + (uint64_t)c;
        lr_test_rng r = {seed};
        size_t n = c < 398 ? case_size(&r, c, 70, 300) : (c == 398 ? 1001 : 4100);
        lr_test_buf x = buf_alloc(n, rng_below(&r, 8));
        lr_test_buf g_ref = buf_alloc(n, rng_below(&r, 8)), g_avx = buf_alloc(n, rng_below(&r, 8));
        /* Around the valley and the minimizer as well as far out. */
        double scale = c % 3 == 0 ? 0.01 : (c % 3 == 1 ? 2.0 : 20.0);
        for (size_t i = 0; i < n; i++)
            x.data[i] = (float)(c % 3 == 0 ? 1.0 + rng_range(&r, -scale, scale)
                                           : rng_range(&r, -scale, scale));
        float lr = lr_rosenbrock_ref(n, x.data, g_ref.data);
        float la = lr_rosenbrock_avx2(n, x.data, g_avx.data);
        cr_assert(n == 0 || memcmp(g_ref.data, g_avx.data, n * sizeof(float)) == 0,
                  "Rosenbrock gradient not bitwise equal, n %zu, seed %llu", n,
                  (unsigned long long)seed);
        /* T = sum of the computed terms (all >= 0) <= ref / (1 - gamma(m-1)), m = n-1 terms. */
        double m = n > 1 ? (double)(n - 1) : 0.0;
        double T = m > 0 ? lr / (1.0 - gamma_u(m - 1.0)) : 0.0;
        check_bound(&loss_log, la, lr, LR_BOUND_K_ROSENBROCK_LOSS, m, T, seed, "loss");
        buf_free(&x), buf_free(&g_ref), buf_free(&g_avx);
    }
    report(&loss_log);
}

/* ---- C23 linear regression ------------------------------------------------------------------ */

typedef struct linreg_case {
    lr_test_buf X, y, w, g_ref, g_avx;
    size_t *idx;
    lr_linreg_batch b;
} linreg_case;

/* A random minibatch: d features, B samples drawn (with repeats) from a pool, odd row stride,
 * misaligned buffers, delta placed among the residuals so both Huber branches occur. */
static linreg_case make_linreg_case(lr_test_rng *r, size_t d, size_t B, lr_reg_loss loss)
{
    linreg_case k;
    size_t pool = B + 1 + rng_below(r, 20), ld = d + rng_below(r, 9);
    k.X = buf_alloc(pool * ld, rng_below(r, 8));
    k.y = buf_alloc(pool, rng_below(r, 8));
    k.w = buf_alloc(d, rng_below(r, 8));
    k.g_ref = buf_alloc(d, rng_below(r, 8));
    k.g_avx = buf_alloc(d, rng_below(r, 8));
    for (size_t i = 0; i < pool * ld; i++)
        k.X.data[i] = rand_value(r);
    for (size_t i = 0; i < pool; i++)
        k.y.data[i] = rand_value(r);
    for (size_t j = 0; j < d; j++)
        k.w.data[j] = rand_value(r);
    bool use_idx = rng_uniform(r) < 0.8;
    k.idx = malloc((B ? B : 1) * sizeof *k.idx);
    for (size_t i = 0; i < B; i++)
        k.idx[i] = use_idx ? rng_below(r, pool) : i;
    size_t probe = B ? k.idx[rng_below(r, B)] : 0;
    double res = -(double)k.y.data[probe];
    for (size_t j = 0; j < d; j++)
        res += (double)k.X.data[probe * ld + j] * k.w.data[j];
    lr_linreg_batch b = {k.X.data, ld, k.y.data, use_idx ? k.idx : NULL, B, d, loss,
                         (float)(fabs(res) * rng_range(r, 0.5, 2.0) + 1e-3)};
    k.b = b;
    return k;
}

static void free_linreg_case(linreg_case *k)
{
    buf_free(&k->X), buf_free(&k->y), buf_free(&k->w), buf_free(&k->g_ref), buf_free(&k->g_avx);
    free(k->idx);
}

/* R_i = sum_j |x_ij w_j| + |y_i|: the terms of residual i. */
static double residual_terms(const lr_linreg_batch *b, const float *w, size_t k)
{
    size_t i = b->idx ? b->idx[k] : k;
    double R = fabs((double)b->y[i]);
    for (size_t j = 0; j < b->features; j++)
        R += fabs((double)b->X[i * b->ld + j] * w[j]);
    return R;
}

static void check_linreg_case(linreg_case *k, uint64_t seed, ratio_log *grad_log,
                              ratio_log *loss_log)
{
    const lr_linreg_batch *b = &k->b;
    size_t d = b->features, B = b->batch;
    float lr = lr_linreg_ref(b, k->w.data, k->g_ref.data);
    float la = lr_linreg_avx2(b, k->w.data, k->g_avx.data);
    /* Loss only (grad NULL) is the same computation without the gradient: the same bits. */
    cr_assert(lr_linreg_ref(b, k->w.data, NULL) == lr && lr_linreg_avx2(b, k->w.data, NULL) == la,
              "loss-only call differs, seed %llu", (unsigned long long)seed);
    double n = (double)(d + B), Tloss = 0.0;
    double *Tg = calloc(d ? d : 1, sizeof *Tg);
    for (size_t s = 0; s < B; s++) {
        size_t i = b->idx ? b->idx[s] : s;
        double R = residual_terms(b, k->w.data, s);
        Tloss += R * R / 2.0;
        for (size_t j = 0; j < d; j++)
            Tg[j] += fabs((double)b->X[i * b->ld + j]) * R;
    }
    double invB = B ? 1.0 / (double)B : 0.0;
    for (size_t j = 0; j < d; j++)
        check_bound(grad_log, k->g_avx.data[j], k->g_ref.data[j], LR_BOUND_K_LINREG_GRAD, n,
                    Tg[j] * invB, seed, "grad");
    check_bound(loss_log, la, lr, LR_BOUND_K_LINREG_LOSS, n, Tloss * invB, seed, "loss");
    free(Tg);
}

Test(objectives_twins, linreg_within_bound)
{
    if (!have_avx2())
        cr_skip_test("no AVX2+FMA on this CPU");
    ratio_log grad_log = {"linreg grad", 0.0, 0.0}, loss_log = {"linreg loss", 0.0, 0.0};
    for (int c = 0; c < 600; c++) {
        uint64_t seed = 4000 + (uint64_t)c;
        lr_test_rng r = {seed};
        size_t d = c < 500 ? 1 + (size_t)c % 40 : 1 + rng_below(&r, 300);
        size_t B = c < 500 ? (size_t)(c / 40) * 3 + rng_below(&r, 3) : rng_below(&r, 90);
        if (c == 598)
            d = 1000, B = 37;
        if (c == 599)
            d = 13, B = 1500;
        linreg_case k = make_linreg_case(&r, d, B, c % 2 ? LR_LOSS_HUBER : LR_LOSS_MSE);
        check_linreg_case(&k, seed, &grad_log, &loss_log);
        free_linreg_case(&k);
    }
    report(&grad_log);
    report(&loss_log);
}

/* objective.h promises an AVX2 row sum that does not depend on where the row falls in a tile: a
 * sample alone (the one-row path) and the same sample 8 times (the 8-row tile, whose 8 equal losses
 * add up exactly, as does the division by 8) give the same bits. */
Test(objectives_twins, avx2_row_sums_do_not_depend_on_tiling)
{
    if (!have_avx2())
        cr_skip_test("no AVX2+FMA on this CPU");
    for (int c = 0; c < 100; c++) {
        lr_test_rng r = {9000 + (uint64_t)c};
        linreg_case k = make_linreg_case(&r, 1 + rng_below(&r, 60), 1, LR_LOSS_MSE);
        size_t same[8];
        for (size_t t = 0; t < 8; t++)
            same[t] = k.idx[0];
        lr_linreg_batch one = k.b, eight = k.b;
        one.idx = eight.idx = same;
        eight.batch = 8;
        cr_assert_eq(lr_linreg_avx2(&one, k.w.data, NULL), lr_linreg_avx2(&eight, k.w.data, NULL),
                     "case %d", c);
        free_linreg_case(&k);
    }
}

/* ---- Reference gradients against finite differences in double ------------------------------
 * The objective is written again in double from the same float inputs; central differences of it
 * approximate the exact gradient. A reference gradient element may differ from it by its own
 * rounding (the gamma bound of its computation, from the same counts as the twin bounds) plus the
 * difference quotient's error: its truncation term (zero for quadratics and for each Huber piece,
 * h^2/6 |f'''| for Rosenbrock) and double rounding, 4 eps_d F / h for terms of size F. */

static const double EPS_D = DBL_EPSILON;

typedef double (*f64_fn)(const void *ctx, const double *x);

static double central_diff(f64_fn f, const void *ctx, double *x, size_t j, double h)
{
    double keep = x[j];
    x[j] = keep + h;
    double fp = f(ctx, x);
    x[j] = keep - h;
    double fm = f(ctx, x);
    x[j] = keep;
    return (fp - fm) / (2.0 * h);
}

typedef struct dense_ctx {
    size_t n;
    const float *A;
} dense_ctx;

static double dense_f64(const void *vctx, const double *x)
{
    const dense_ctx *c = vctx;
    double s = 0.0;
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->n; j++)
            s += x[i] * (double)c->A[i * c->n + j] * x[j];
    return 0.5 * s;
}

Test(objectives_fd, quadratic_gradients)
{
    for (int c = 0; c < 40; c++) {
        lr_test_rng r = {5000 + (uint64_t)c};
        size_t n = 1 + rng_below(&r, 24);
        float *A = calloc(n * n, sizeof *A), *eig = malloc(n * sizeof *eig);
        float *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g);
        double *xd = malloc(n * sizeof *xd);
        for (size_t i = 0; i < n; i++) {
            eig[i] = (float)rng_log_uniform(&r, 1e-2, 1e2);
            x[i] = (float)rng_range(&r, -3.0, 3.0);
            xd[i] = x[i];
            for (size_t j = 0; j <= i; j++) /* symmetric, so A x is the gradient */
                A[i * n + j] = A[j * n + i] = (float)rng_range(&r, -2.0, 2.0);
        }
        double h = 1e-3, F = 0.0; /* quadratic: the difference quotient is exact but for rounding */
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                F += 0.5 * fabs(xd[i] * A[i * n + j] * xd[j]);
        lr_quadratic_dense_ref(n, A, n, x, g);
        dense_ctx ctx = {n, A};
        for (size_t i = 0; i < n; i++) {
            double Ti = 0.0;
            for (size_t j = 0; j < n; j++)
                Ti += fabs((double)A[i * n + j] * x[j]);
            double fd = central_diff(dense_f64, &ctx, xd, i, h);
            double tol = gamma_u((double)n) * Ti + 4.0 * EPS_D * F / h;
            cr_assert(fabs(g[i] - fd) <= tol, "dense grad[%zu] = %.9g, central difference %.9g, "
                      "tolerance %.3g (n %zu, case %d)", i, g[i], fd, tol, n, c);
        }
        /* The diagonal kernel against the same check with A = diag(eig). */
        memset(A, 0, n * n * sizeof *A);
        for (size_t i = 0; i < n; i++)
            A[i * n + i] = eig[i];
        lr_quadratic_diag_ref(n, eig, x, g);
        F = 0.0;
        for (size_t i = 0; i < n; i++)
            F += 0.5 * eig[i] * xd[i] * xd[i];
        for (size_t i = 0; i < n; i++) {
            double fd = central_diff(dense_f64, &ctx, xd, i, h);
            double tol = U * fabs((double)eig[i] * x[i]) + 4.0 * EPS_D * F / h;
            cr_assert(fabs(g[i] - fd) <= tol, "diag grad[%zu] = %.9g, central difference %.9g",
                      i, g[i], fd);
        }
        free(A), free(eig), free(x), free(g), free(xd);
    }
}

typedef struct rosen_ctx {
    size_t n;
} rosen_ctx;

static double rosen_f64(const void *vctx, const double *x)
{
    const rosen_ctx *c = vctx;
    double s = 0.0;
    for (size_t i = 0; i + 1 < c->n; i++) {
        double r = x[i + 1] - x[i] * x[i], t = 1.0 - x[i];
        s += 100.0 * r * r + t * t;
    }
    return s;
}

Test(objectives_fd, rosenbrock_gradient)
{
    for (int c = 0; c < 60; c++) {
        lr_test_rng r = {6000 + (uint64_t)c};
        size_t n = 2 + rng_below(&r, 30);
        float *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g);
        double *xd = malloc(n * sizeof *xd), h = 1e-5;
        for (size_t i = 0; i < n; i++) {
            x[i] = (float)(c % 2 ? rng_range(&r, -2.0, 2.0) : 1.0 + rng_range(&r, -0.1, 0.1));
            xd[i] = x[i];
        }
        lr_rosenbrock_ref(n, x, g);
        rosen_ctx ctx = {n};
        double F = 0.0; /* sizes of the terms of f */
        for (size_t i = 0; i + 1 < n; i++)
            F += 100.0 * (fabs(xd[i + 1]) + xd[i] * xd[i]) * (fabs(xd[i + 1]) + xd[i] * xd[i]) +
                 (1.0 + fabs(xd[i])) * (1.0 + fabs(xd[i]));
        for (size_t i = 0; i < n; i++) {
            double a = fabs(xd[i]);
            /* Terms of the expanded gradient element; each passes through at most 6 roundings. */
            double S = 0.0;
            if (i + 1 < n)
                S += 400.0 * a * fabs(xd[i + 1]) + 400.0 * a * a * a + 2.0 + 2.0 * a;
            if (i > 0)
                S += 200.0 * a + 200.0 * xd[i - 1] * xd[i - 1];
            double fd = central_diff(rosen_f64, &ctx, xd, i, h);
            double tol = gamma_u(6.0) * S + 400.0 * h * h * (a + h) + 4.0 * EPS_D * F / h;
            cr_assert(fabs(g[i] - fd) <= tol, "Rosenbrock grad[%zu] = %.9g, central difference "
                      "%.9g, tolerance %.3g (n %zu, case %d)", i, g[i], fd, tol, n, c);
        }
        free(x), free(g), free(xd);
    }
}

typedef struct linreg_f64_ctx {
    const lr_linreg_batch *b;
} linreg_f64_ctx;

static double huber_f64(double r, double delta)
{
    double a = fabs(r);
    return a < delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
}

static double linreg_f64(const void *vctx, const double *w)
{
    const lr_linreg_batch *b = ((const linreg_f64_ctx *)vctx)->b;
    double s = 0.0;
    for (size_t k = 0; k < b->batch; k++) {
        size_t i = b->idx ? b->idx[k] : k;
        double res = -(double)b->y[i];
        for (size_t j = 0; j < b->features; j++)
            res += (double)b->X[i * b->ld + j] * w[j];
        s += b->loss == LR_LOSS_HUBER ? huber_f64(res, b->delta) : 0.5 * res * res;
    }
    return s / (double)b->batch;
}

/* Labels set so residuals sit at +-delta (1 + t), 1e-3 <= |t| <= 0.1: both sides of the kink,
 * close to it, never on it. */
static void put_residuals_near_kink(lr_test_rng *r, linreg_case *k)
{
    const lr_linreg_batch *b = &k->b;
    for (size_t s = 0; s < b->batch; s++) {
        size_t i = b->idx ? b->idx[s] : s;
        double dot = 0.0;
        for (size_t j = 0; j < b->features; j++)
            dot += (double)b->X[i * b->ld + j] * k->w.data[j];
        double t = rng_log_uniform(r, 1e-3, 0.1) * (rng_uniform(r) < 0.5 ? -1.0 : 1.0);
        double sign = rng_uniform(r) < 0.5 ? -1.0 : 1.0;
        k->y.data[i] = (float)(dot - sign * b->delta * (1.0 + t));
    }
}

Test(objectives_fd, linreg_gradients_including_huber_kink)
{
    int checked = 0, skipped = 0;
    for (int c = 0; c < 80; c++) {
        lr_test_rng r = {7000 + (uint64_t)c};
        size_t d = 1 + rng_below(&r, 12), B = 1 + rng_below(&r, 20);
        lr_reg_loss loss = c % 4 == 0 ? LR_LOSS_MSE : LR_LOSS_HUBER;
        linreg_case k = make_linreg_case(&r, d, B, loss);
        for (size_t j = 0; j < d; j++)
            k.w.data[j] = (float)rng_range(&r, -2.0, 2.0);
        k.b.delta = (float)rng_log_uniform(&r, 0.1, 10.0);
        if (c % 2 == 1)
            put_residuals_near_kink(&r, &k);
        lr_linreg_batch *b = &k.b;
        lr_linreg_ref(b, k.w.data, k.g_ref.data);
        double *wd = malloc(d * sizeof *wd), Tloss = 0.0;
        for (size_t j = 0; j < d; j++)
            wd[j] = k.w.data[j];
        for (size_t s = 0; s < B; s++) {
            double R = residual_terms(b, k.w.data, s);
            Tloss += R * R / 2.0 / (double)B;
        }
        linreg_f64_ctx ctx = {b};
        for (size_t j = 0; j < d; j++) {
            /* The step must not carry any residual across the kink: a margin per sample. */
            double margin = INFINITY, Tj = 0.0;
            for (size_t s = 0; s < B; s++) {
                size_t i = b->idx ? b->idx[s] : s;
                double res = -(double)b->y[i], xij = fabs((double)b->X[i * b->ld + j]);
                for (size_t q = 0; q < d; q++)
                    res += (double)b->X[i * b->ld + q] * wd[q];
                if (xij > 0.0 && loss == LR_LOSS_HUBER)
                    margin = fmin(margin, fabs(fabs(res) - b->delta) / xij);
                Tj += xij * residual_terms(b, k.w.data, s) / (double)B;
            }
            double h = fmin(1e-3, 0.5 * margin);
            if (!(h > 1e-9)) {
                skipped++;
                continue;
            }
            double fd = central_diff(linreg_f64, &ctx, wd, j, h);
            double tol = gamma_u((double)(d + B + 2)) * Tj + 4.0 * EPS_D * Tloss / h;
            cr_assert(fabs(k.g_ref.data[j] - fd) <= tol, "linreg grad[%zu] = %.9g, central "
                      "difference %.9g, tolerance %.3g (d %zu, B %zu, case %d)", j,
                      k.g_ref.data[j], fd, tol, d, B, c);
            checked++;
        }
        free(wd);
        free_linreg_case(&k);
    }
    cr_assert(skipped * 20 < checked, "too many coordinates skipped (%d of %d)", skipped,
              skipped + checked);
}

/* The reference losses against the double objective, within the reference's own bound. */
Test(objectives_fd, reference_losses_match_double)
{
    for (int c = 0; c < 60; c++) {
        lr_test_rng r = {8000 + (uint64_t)c};
        size_t d = 1 + rng_below(&r, 40), B = 1 + rng_below(&r, 40);
        linreg_case k = make_linreg_case(&r, d, B, c % 2 ? LR_LOSS_HUBER : LR_LOSS_MSE);
        double *wd = malloc(d * sizeof *wd), Tloss = 0.0;
        for (size_t j = 0; j < d; j++)
            wd[j] = k.w.data[j];
        for (size_t s = 0; s < B; s++) {
            double R = residual_terms(&k.b, k.w.data, s);
            Tloss += R * R / 2.0 / (double)B;
        }
        linreg_f64_ctx ctx = {&k.b};
        double exact = linreg_f64(&ctx, wd), got = lr_linreg_ref(&k.b, k.w.data, NULL);
        double tol = gamma_u((double)(2 * d + B + 4)) * Tloss + 4.0 * EPS_D * Tloss;
        cr_assert(fabs(got - exact) <= tol, "linreg loss %.9g vs double %.9g (tolerance %.3g)",
                  got, exact, tol);
        free(wd);
        free_linreg_case(&k);

        size_t n = 2 + rng_below(&r, 60);
        float *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g);
        double *xd = malloc(n * sizeof *xd), F = 0.0;
        for (size_t i = 0; i < n; i++)
            xd[i] = x[i] = (float)rng_range(&r, -2.0, 2.0);
        for (size_t i = 0; i + 1 < n; i++) /* the terms' magnitudes in expanded form */
            F += 100.0 * (fabs(xd[i + 1]) + xd[i] * xd[i]) * (fabs(xd[i + 1]) + xd[i] * xd[i]) +
                 (1.0 + fabs(xd[i])) * (1.0 + fabs(xd[i]));
        rosen_ctx rc = {n};
        double rexact = rosen_f64(&rc, xd), rgot = lr_rosenbrock_ref(n, x, g);
        /* A term meets at most 7 roundings against its expanded form (r: 2; 100 r r: 2 more, and
         * squaring doubles r's; s s: 3; their sum: 1), the running sum n-2 more. */
        double rtol = gamma_u(7.0 + (double)(n - 2)) * F;
        cr_assert(fabs(rgot - rexact) <= rtol, "Rosenbrock loss %.9g vs double %.9g (tol %.3g)",
                  rgot, rexact, rtol);
        free(x), free(g), free(xd);
    }
}

/* Regression: a NaN residual under the Huber loss once came out of the AVX2 twin as a finite
 * gradient (-delta: MAXPS returns its second operand for NaN), while the reference gave NaN. The
 * bounds speak of finite inputs, but a NaN must still reach the optimizer as NaN in both twins. */
Test(objectives_twins, linreg_huber_nan_residual_stays_nan)
{
    if (!have_avx2())
        cr_skip_test("no AVX2+FMA on this CPU");
    for (size_t B = 1; B <= 17; B += 8) {
        float X[17 * 3], y[17], w[3] = {0.5f, -1.0f, 2.0f}, g_ref[3], g_avx[3];
        for (size_t i = 0; i < 17 * 3; i++)
            X[i] = 0.25f * (float)(i % 5);
        for (size_t i = 0; i < 17; i++)
            y[i] = (float)i;
        y[B - 1] = NAN;
        lr_linreg_batch b = {X, 3, y, NULL, B, 3, LR_LOSS_HUBER, 1.0f};
        float lr = lr_linreg_ref(&b, w, g_ref), la = lr_linreg_avx2(&b, w, g_avx);
        cr_assert(isnan(lr) && isnan(la));
        for (size_t j = 0; j < 3; j++)
            cr_assert(isnan(g_ref[j]) == isnan(g_avx[j]), "B %zu grad %zu: ref %g avx2 %g", B, j,
                      g_ref[j], g_avx[j]);
    }
}
