/* C21 quadratic as an lr_problem: log-spaced eigenvalues, the optional seeded random rotation (built
 * in double, rounded once), the exact constants callers need (mu, L, kappa, x* = 0), and validation
 * of the parameters. The loss and gradient come from the kernel table handed in. */
#include <float.h>
#include <math.h>

#include "lrlab/kernels.h"
#include "lrlab/objective.h"
#include "objective_util.h"
#include "synth_rng.h"

enum { STREAM_ROTATION = 1 };

typedef struct quadratic_ctx {
    size_t n, lda;
    float *eig;     /* ascending eigenvalues: the diagonal of A, or its spectrum when rotated */
    float *A;       /* rotated only: n rows of lda floats */
    float *scratch; /* the gradient evaluate() does not return */
    lr_quadratic_info info;
} quadratic_ctx;

static void quadratic_destroy(void *ctx)
{
    quadratic_ctx *q = ctx;
    if (!q)
        return;
    free(q->eig);
    free(q->A);
    free(q->scratch);
    free(q);
}

static void quadratic_init_params(void *ctx, uint64_t seed, float *params)
{
    (void)seed; /* the start is fixed; the seed chose the rotation at construction */
    quadratic_ctx *q = ctx;
    for (size_t i = 0; i < q->n; i++)
        params[i] = 1.0f;
}

static double quadratic_loss_grad(void *ctx, const lr_kernels *k, const float *params,
                                  const size_t *idx, size_t batch, float *grad)
{
    (void)idx, (void)batch; /* full batch: the whole objective */
    quadratic_ctx *q = ctx;
    if (q->A)
        return k->quadratic_dense(q->n, q->A, q->lda, params, grad);
    return k->quadratic_diag(q->n, q->eig, params, grad);
}

static void quadratic_evaluate(void *ctx, const lr_kernels *k, const float *params, lr_eval *out)
{
    quadratic_ctx *q = ctx;
    out->train_loss = quadratic_loss_grad(ctx, k, params, NULL, 0, q->scratch);
    double ss = 0.0;
    for (size_t i = 0; i < q->n; i++)
        ss += (double)params[i] * params[i];
    out->dist = sqrt(ss); /* the minimizer is 0 */
    out->test_loss = NAN;
    out->test_acc = NAN;
}

/* lambda_i = mu (L/mu)^(i/(n-1)) in double, ends exact, rounded to float (monotone, so ascending). */
static void log_spaced(size_t n, double mu, double L, float *eig)
{
    if (n == 1) {
        eig[0] = (float)L;
        return;
    }
    double lmu = log(mu), lL = log(L);
    for (size_t i = 0; i < n; i++)
        eig[i] = (float)exp(lmu + (double)i / (double)(n - 1) * (lL - lmu));
    eig[0] = (float)mu;
    eig[n - 1] = (float)L;
}

/* Householder QR of an n x n Gaussian matrix G (column-major, so columns are contiguous). The R
 * factor is not needed: reflector k, H_k = I - c[k] v v^T with v zero above row k, overwrites
 * column k of G. */
static void householder_qr(size_t n, double *G, double *c)
{
    for (size_t k = 0; k + 1 < n; k++) {
        double *v = G + k * n;
        double norm2 = 0.0;
        for (size_t i = k; i < n; i++)
            norm2 += v[i] * v[i];
        /* v = x - alpha e_k with alpha of the sign opposite to x_k: no cancellation in v_k. */
        v[k] += copysign(sqrt(norm2), v[k]);
        double vv = 0.0;
        for (size_t i = k; i < n; i++)
            vv += v[i] * v[i];
        c[k] = vv > 0.0 ? 2.0 / vv : 0.0;
        for (size_t j = k + 1; j < n; j++) {
            double *col = G + j * n, s = 0.0;
            for (size_t i = k; i < n; i++)
                s += v[i] * col[i];
            s *= c[k];
            for (size_t i = k; i < n; i++)
                col[i] -= s * v[i];
        }
        for (size_t i = 0; i < k; i++)
            v[i] = 0.0;
    }
}

/* M <- H M H for symmetric M (row-major) and H = I - c v v^T, v zero above row k:
 * with p = c M v and q = p - (c/2)(v.p) v, H M H = M - v q^T - q v^T. */
static void reflect_both_sides(size_t n, double *M, const double *v, size_t k, double c,
                               double *q)
{
    for (size_t i = 0; i < n; i++) {
        const double *row = M + i * n;
        double s = 0.0;
        for (size_t j = k; j < n; j++)
            s += row[j] * v[j];
        q[i] = c * s;
    }
    double vp = 0.0;
    for (size_t i = k; i < n; i++)
        vp += v[i] * q[i];
    double half = 0.5 * c * vp;
    for (size_t i = k; i < n; i++)
        q[i] -= half * v[i];
    for (size_t i = 0; i < n; i++) {
        double *row = M + i * n;
        if (i < k) { /* v_i = 0: only the q v^T part, in columns k.. */
            for (size_t j = k; j < n; j++)
                row[j] -= q[i] * v[j];
        } else {
            for (size_t j = 0; j < n; j++)
                row[j] -= v[i] * q[j] + q[i] * v[j];
        }
    }
}

/* A = Q diag(eig) Q^T with Q = H_0 H_1 ... H_{n-2} Haar-distributed; symmetrised and rounded once
 * into rows of lda floats. Returns -1 when memory runs out. */
static int rotated_matrix(size_t n, const float *eig, uint64_t seed, float *A, size_t lda)
{
    double *G = malloc(n * n * sizeof *G), *M = calloc(n * n, sizeof *M);
    double *c = malloc(n * sizeof *c), *q = malloc(n * sizeof *q);
    int ok = G && M && c && q;
    if (ok) {
        synth_rng rng = synth_stream(seed, STREAM_ROTATION);
        for (size_t i = 0; i < n * n; i++)
            G[i] = synth_normal(&rng);
        householder_qr(n, G, c);
        for (size_t i = 0; i < n; i++)
            M[i * n + i] = eig[i];
        for (size_t k = n - 1; k-- > 0;) /* innermost reflector first */
            reflect_both_sides(n, M, G + k * n, k, c[k], q);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                A[i * lda + j] = (float)(0.5 * (M[i * n + j] + M[j * n + i]));
    }
    free(G);
    free(M);
    free(c);
    free(q);
    return ok ? 0 : -1;
}

static int check_curvature(const char *name, double v, char *err, size_t errlen)
{
    if (!(v > 0.0) || !isfinite(v))
        return obj_fail(err, errlen, "%s must be a positive finite number (got %g)", name, v);
    if ((float)v < FLT_MIN || (float)v > FLT_MAX)
        return obj_fail(err, errlen, "%s = %g is outside the normal float32 range [%g, %g]", name,
                        v, (double)FLT_MIN, (double)FLT_MAX);
    return 0;
}

static int quadratic_validate(size_t dim, double mu, double L, bool rotate, char *err,
                              size_t errlen)
{
    if (dim == 0)
        return obj_fail(err, errlen, "dim must be at least 1 (got 0)");
    if (check_curvature("mu", mu, err, errlen) || check_curvature("L", L, err, errlen))
        return -1;
    if (mu > L)
        return obj_fail(err, errlen, "mu (%g) must not exceed L (%g)", mu, L);
    if (rotate && dim > LR_QUADRATIC_MAX_ROTATED_DIM)
        return obj_fail(err, errlen,
                        "dim = %zu is too large for a rotated quadratic (at most %d: the dense "
                        "matrix takes dim^2 floats and O(dim^3) time to build)",
                        dim, LR_QUADRATIC_MAX_ROTATED_DIM);
    if (dim > (SIZE_MAX / sizeof(float)) / 2)
        return obj_fail(err, errlen, "dim = %zu is too large", dim);
    return 0;
}

static int quadratic_build(quadratic_ctx *q, size_t dim, double mu, double L, bool rotate,
                           uint64_t seed, char *err, size_t errlen)
{
    q->n = dim;
    q->eig = obj_floats(dim);
    q->scratch = obj_floats(dim);
    if (!q->eig || !q->scratch)
        return obj_fail(err, errlen, "out of memory for a quadratic of dim %zu", dim);
    log_spaced(dim, mu, L, q->eig);
    lr_quadratic_info *info = &q->info;
    info->dim = dim;
    info->rotated = rotate;
    info->mu = q->eig[0];
    info->L = q->eig[dim - 1];
    info->kappa = info->L / info->mu;
    info->eigenvalues = q->eig;
    if (!rotate)
        return 0;
    double ss = 0.0;
    for (size_t i = 0; i < dim; i++)
        ss += (double)q->eig[i] * q->eig[i];
    info->eig_error = 0.5 * FLT_EPSILON * sqrt(ss);
    if (!(info->mu > info->eig_error))
        return obj_fail(err, errlen,
                        "mu = %g is not above the float32 rounding error of the rotated matrix's "
                        "eigenvalues (%g): raise mu or do not rotate",
                        mu, info->eig_error);
    q->lda = obj_row_stride(dim);
    q->A = obj_floats(dim * q->lda);
    if (!q->A || rotated_matrix(dim, q->eig, seed, q->A, q->lda) != 0)
        return obj_fail(err, errlen, "out of memory for a rotated quadratic of dim %zu", dim);
    info->A = q->A;
    info->lda = q->lda;
    return 0;
}

int lr_problem_quadratic(lr_problem *p, size_t dim, double mu, double L, bool rotate, uint64_t seed,
                         char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (quadratic_validate(dim, mu, L, rotate, err, errlen) != 0)
        return -1;
    quadratic_ctx *q = calloc(1, sizeof *q);
    if (!q)
        return obj_fail(err, errlen, "out of memory for a quadratic of dim %zu", dim);
    if (quadratic_build(q, dim, mu, L, rotate, seed, err, errlen) != 0) {
        quadratic_destroy(q);
        return -1;
    }
    p->name = "quadratic";
    p->dim = dim;
    p->n_train = 0;
    p->ctx = q;
    p->init_params = quadratic_init_params;
    p->loss_grad = quadratic_loss_grad;
    p->evaluate = quadratic_evaluate;
    p->destroy = quadratic_destroy;
    return 0;
}

const lr_quadratic_info *lr_problem_quadratic_info(const lr_problem *p)
{
    if (!p || p->destroy != quadratic_destroy || !p->ctx)
        return NULL;
    return &((const quadratic_ctx *)p->ctx)->info;
}
