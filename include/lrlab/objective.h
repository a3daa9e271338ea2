/* C21 quadratic, C22 Rosenbrock, C23 linear regression: the loss-and-gradient kernels (reference and
 * AVX2+FMA twin, one call returns the loss and writes the gradient) with the error bound of each
 * twin, and the constructors that wrap each objective as an lr_problem for the training loop. */
#ifndef LRLAB_OBJECTIVE_H
#define LRLAB_OBJECTIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrlab/problem.h"

/* ---- How the twins' error bounds are derived ----------------------------------------------
 * Parameters, data and gradients are float32, accumulators too (as in PyTorch). The two twins add
 * the same terms in different orders, so they agree within a bound, not bit for bit:
 *
 *   |avx2 - ref| <= k * n * FLT_EPSILON * T,     T = sum of |terms| (named at each kernel).
 *
 * With u = FLT_EPSILON/2 (the unit roundoff) and gamma(h) = h*u / (1 - h*u), a computed sum in
 * which no term passes through more than h roundings is within gamma(h) * T of the exact sum
 * (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., Lemma 3.1 and section 3.1),
 * whatever the order. So |avx2 - ref| <= (gamma(h_ref) + gamma(h_avx2)) * T, and k is the largest
 * value of that over n, divided by n*FLT_EPSILON, rounded up. The round counts per term:
 *
 * - reference dot product of length n (s = 0; s += a[i]*b[i]): one product and up to n-1 additions
 *   (the first addition, to 0, is exact): h = n.
 * - AVX2 dot product of length n: 8 lane sums by FMA (a term meets at most ceil(n/8) roundings,
 *   the first FMA onto 0 rounding only the product), then a pairwise tree over the 8 lanes, 3 levels
 *   deep. Lanes that received no term hold exact zeros and adding zero is exact, so a term meets at
 *   most min(3, n-1) inexact tree additions: h = ceil(n/8) + min(3, n-1). The tree is the same for
 *   every row and sample (rowdot in optimized/rowdot.h), so an AVX2 result never depends on tiling.
 * - sums of terms already computed (no products): reference h = n-1; AVX2 h = ceil(n/8) - 1 +
 *   min(3, n-1).
 * - a final division by the batch size is one more rounding on each side.
 *
 * The sup over n is attained at small n (for a dot product of length 4 the two counts add up to
 * exactly 2n); for long dot products (h_ref + h_avx2) / 2n falls to about (1 + 1/8) / 2, so there
 * the bound is about twice what the worst case needs. The bounds assume no overflow or underflow
 * and reductions of at most LR_BOUND_MAX_N = 65536 terms (for linreg, d and B each at most 65536),
 * where the factor 1/(1 - h*u) is at most 1.012. tests/test_objectives.c checks exactly these
 * bounds and reports the largest ratio |avx2 - ref| / bound it meets. */

/* ---- C21 quadratic: f(x) = 1/2 x^T A x ------------------------------------------------------
 * Gradient A x, loss 1/2 x . g computed from the gradient as stored. x and grad must not overlap;
 * no alignment is needed. */

/* Diagonal A = diag(eig): grad[i] = eig[i] * x[i], loss = 0.5 * sum x[i] * grad[i].
 * Bounds: gradient: k = 0 (one multiplication per element: bitwise equal for finite input).
 *         loss: k = 1.01, T = 1/2 sum |x[i] * grad[i]| (h_ref = n, h_avx2 = ceil(n/8)+min(3,n-1)). */
typedef float (*lr_quadratic_diag_fn)(size_t n, const float *eig, const float *x, float *grad);
float lr_quadratic_diag_ref(size_t n, const float *eig, const float *x, float *grad);
float lr_quadratic_diag_avx2(size_t n, const float *eig, const float *x, float *grad);

/* Dense A (n x n, row i at A + i*lda, lda >= n; symmetric when grad is to be the gradient of f):
 * grad = A x, loss = 0.5 * sum x[i] * grad[i]. The AVX2 twin is a register-blocked mat-vec.
 * Bounds: grad[i]: k = 1.01, T_i = sum_j |A[i][j] * x[j]|        (a dot product of length n);
 *         loss:    k = 2.01, T = 1/2 sum_i |x[i]| * T_i           (a rounded dot product of rounded
 *                  dot products: each side gamma(h) + gamma(h) + gamma(h)^2 <= gamma(2h)). */
typedef float (*lr_quadratic_dense_fn)(size_t n, const float *A, size_t lda, const float *x,
                                       float *grad);
float lr_quadratic_dense_ref(size_t n, const float *A, size_t lda, const float *x, float *grad);
float lr_quadratic_dense_avx2(size_t n, const float *A, size_t lda, const float *x, float *grad);

/* ---- C22 Rosenbrock (chained): f(x) = sum_{i=0}^{n-2} 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 ---
 * n >= 2 (n = 2 is the classic banana valley of the plane). Global minimizer: all ones, f = 0.
 * grad[i] = -400 x[i] (x[i+1] - x[i]^2) - 2 (1 - x[i])   (i < n-1)
 *         + 200 (x[i] - x[i-1]^2)                        (i > 0).
 * Bounds: gradient: k = 0 (the same operations in the same order, no FMA: bitwise equal for
 *         finite input). loss: a sum of the m = n-1 terms t_i as computed (bitwise equal in both
 *         twins, all >= 0): |avx2 - ref| <= 0.76 * m * FLT_EPSILON * T, T = sum t_i, which is at
 *         most ref / (1 - gamma(m-1)) (h_ref = m-1, h_avx2 = ceil(m/8)-1+min(3,m-1)). */
typedef float (*lr_rosenbrock_fn)(size_t n, const float *x, float *grad);
float lr_rosenbrock_ref(size_t n, const float *x, float *grad);
float lr_rosenbrock_avx2(size_t n, const float *x, float *grad);

/* ---- C23 linear regression: mean loss of r_i = x_i . w - y_i over a minibatch ----------------
 * Squared loss: l(r) = r^2 / 2, psi(r) = l'(r) = r. The 1/2 makes the Hessian X^T X / B and
 * makes Huber equal to it for small residuals; PyTorch's MSELoss is mean(r^2), twice this loss, so
 * a step at rate lr here is a step at rate lr/2 on MSELoss.
 * Huber loss (PyTorch 1.13 HuberLoss): l(r) = r^2 / 2 when |r| < delta, delta (|r| - delta/2)
 * otherwise; psi(r) = r clipped to [-delta, delta] (continuous, so the choice at |r| = delta does
 * not matter). The model has no intercept (the synthetic data are centred: see the constructor). */
typedef enum lr_reg_loss { LR_LOSS_MSE, LR_LOSS_HUBER } lr_reg_loss;

typedef struct lr_linreg_batch {
    const float *X;     /* sample i has its features at X + i*ld */
    size_t ld;          /* row stride in floats, >= features */
    const float *y;     /* label of sample i at y[i] */
    const size_t *idx;  /* the samples of this batch, repeats allowed; NULL: samples 0..batch-1 */
    size_t batch;       /* B; B = 0 gives loss 0 and a zero gradient */
    size_t features;    /* d, the number of weights */
    lr_reg_loss loss;
    float delta;        /* Huber threshold, > 0 (ignored for MSE) */
} lr_linreg_batch;

/* Returns (1/B) sum_i l(r_i) and writes grad = (1/B) sum_i psi(r_i) x_i (d values) unless grad is
 * NULL (loss only). grad must not overlap the inputs.
 * Bounds, with n = d + B and R_i = sum_j |x_ij w_j| + |y_i| (the terms of residual i):
 *   grad[j]: k = 2.01, T_j = (1/B) sum_i |x_ij| R_i. psi is 1-Lipschitz and |psi(r)| <= |r|, so a
 *            residual's error carries into the gradient with the factor |x_ij|: h = the residual's
 *            count + the batch sum's B + 1 for the division; h_ref = (d+1) + B + 1, h_avx2 =
 *            (ceil(d/8)+min(3,d-1)+1) + B + 1 (both twins add the samples in batch order).
 *   loss:    k = 3.51, T = (1/B) sum_i R_i^2 / 2. For both losses |l(r+e) - l(r)| <= |e||r| + e^2/2
 *            and the formula rounds at most twice, so a computed l(r_i) is within gamma(2h+2) R_i^2/2,
 *            h the residual's count; then the batch sum and the division: h_ref = 2(d+1)+2 + (B-1)
 *            + 1, h_avx2 = 2(ceil(d/8)+min(3,d-1)+1)+2 + (ceil(B/8)-1+min(3,B-1)) + 1 (8 loss lanes). */
typedef float (*lr_linreg_fn)(const lr_linreg_batch *b, const float *w, float *grad);
float lr_linreg_ref(const lr_linreg_batch *b, const float *w, float *grad);
float lr_linreg_avx2(const lr_linreg_batch *b, const float *w, float *grad);

/* The k of each bound above, for tests and docs. */
#define LR_BOUND_K_QUADRATIC_DIAG_LOSS 1.01
#define LR_BOUND_K_QUADRATIC_DENSE_GRAD 1.01
#define LR_BOUND_K_QUADRATIC_DENSE_LOSS 2.01
#define LR_BOUND_K_ROSENBROCK_LOSS 0.76
#define LR_BOUND_K_LINREG_GRAD 2.01
#define LR_BOUND_K_LINREG_LOSS 3.51
#define LR_BOUND_MAX_N 65536

/* ---- The objectives as lr_problems ----------------------------------------------------------
 * Each constructor validates its parameters and returns 0, or -1 with a sentence naming the
 * parameter at fault in err (when err is not NULL), leaving *p empty. Free with lr_problem_free.
 * The loss and gradient always come from the kernel table handed to loss_grad/evaluate. */

/* C21. Eigenvalues log-spaced from mu to L: lambda_i = mu (L/mu)^(i/(dim-1)), i = 0..dim-1,
 * computed in double and rounded to float32; for dim = 1 the one eigenvalue is L (so the problem's
 * mu is L and kappa is 1: the step limit 2/L the caller asked about is kept). Unrotated, A is that
 * diagonal. Rotated, A = Q diag(lambda) Q^T with Q Haar-random orthogonal from the seed (Householder
 * QR of a Gaussian matrix; the sign choices of QR cancel in Q D Q^T), built in double, symmetrised
 * and rounded once to float32. Start x0 = all ones (dist0 = sqrt(dim)); the minimizer is x* = 0.
 * Full batch: n_train = 0. Requires 0 < mu <= L, both normal float32 values; rotated, dim <=
 * LR_QUADRATIC_MAX_ROTATED_DIM (the O(dim^3) build in double takes about 1.3 s at 1024 here, 20 s
 * at 2048) and mu above the eigenvalue error of the rounding (see below). */
#define LR_QUADRATIC_MAX_ROTATED_DIM 1024
int lr_problem_quadratic(lr_problem *p, size_t dim, double mu, double L, bool rotate, uint64_t seed,
                         char *err, size_t errlen);

typedef struct lr_quadratic_info {
    size_t dim;
    bool rotated;
    double mu, L;   /* exact: the float32 eigenvalues actually used (the requested values rounded) */
    double kappa;   /* L / mu */
    /* Rotated only (0 otherwise): rounding A to float32 moves each eigenvalue by at most
     * ||A_float - A||_2 <= u ||A||_F = u sqrt(sum lambda_i^2) (Weyl), u = FLT_EPSILON/2; the
     * double-precision construction adds about 1e-16 * dim relative, far below this. */
    double eig_error;
    const float *eigenvalues; /* dim values, ascending; owned by the problem */
    const float *A;           /* rotated only (NULL otherwise): the matrix the kernels read, dim
                               * rows of lda floats; owned by the problem */
    size_t lda;
} lr_quadratic_info;

/* The quadratic's constants, or NULL when p is not a quadratic. */
const lr_quadratic_info *lr_problem_quadratic_info(const lr_problem *p);

/* C22. dim >= 2. Start (-1.2, 1, -1.2, 1, ...): the classic (-1.2, 1) of the plane repeated, as in
 * the extended Rosenbrock of More, Garbow and Hillstrom (1981); an odd dim ends with -1.2. dist is
 * measured to the global minimizer (1, ..., 1); for 4 <= dim <= 7 the chained function also has a
 * local minimizer near (-1, 1, ..., 1), which runs from this start may reach. Full batch. */
int lr_problem_rosenbrock(lr_problem *p, size_t dim, char *err, size_t errlen);

/* C23. Synthetic data, all from the seed (float32 values generated in double and rounded once):
 * - true weights w*: Gaussian, scaled to unit length, so the clean label x.w* is N(0, 1);
 * - features x ~ N(0, I) (centred: no intercept needed; the Hessian of the squared loss, X^T X/n,
 *   has its spectrum near [(1 - sqrt(d/n))^2, (1 + sqrt(d/n))^2] by Marchenko-Pastur);
 * - training label y = x.w* + noise * e, e ~ N(0, 1);
 * - outliers: exactly round(outliers * samples) training samples, chosen at random, get
 *   y = x.w* + LR_LINREG_OUTLIER_SCALE * z, z ~ N(0, 1), instead: gross label errors ten times the
 *   clean signal, symmetric, so least squares stays unbiased but its gradient noise and estimator
 *   variance grow, while Huber's bounded psi caps each outlier's pull at delta;
 * - test set: test_samples fresh samples from the same w*, features and label noise, without
 *   outliers (test_loss measures the fit to the true model, with the training loss function).
 * Each ingredient has its own random stream, so changing noise or outliers keeps the same features,
 * w* and e. Initial weights are zeros. evaluate: train_loss over all training samples and test_loss
 * over the test set (means of float32 chunk means of at most 4096 samples, combined in double);
 * test_acc and dist are NaN. */
#define LR_LINREG_OUTLIER_SCALE 10.0
/* evaluate's chunk: the float32 means it combines in double cover at most this many samples. */
#define LR_LINREG_EVAL_CHUNK 4096

typedef struct lr_linreg_config {
    size_t samples;      /* training samples, >= 1 */
    size_t features;     /* d, >= 1 */
    size_t test_samples; /* >= 1 (default 1000) */
    double noise;        /* label noise sigma, >= 0 */
    double outliers;     /* fraction of training samples that are outliers, in [0, 1] */
    lr_reg_loss loss;
    double huber_delta;  /* > 0; PyTorch's default 1 */
    uint64_t seed;
} lr_linreg_config;

/* samples = 1000, features = 10, test_samples = 1000, noise = 0.1, outliers = 0, MSE, delta = 1,
 * seed = 0. */
lr_linreg_config lr_linreg_defaults(void);
int lr_problem_linreg(lr_problem *p, const lr_linreg_config *cfg, char *err, size_t errlen);

typedef struct lr_linreg_info {
    lr_linreg_config cfg;
    size_t n_outliers;     /* training samples that are outliers */
    const float *w_true;   /* features values; owned by the problem */
    /* The training and test data in the layout the kernel reads (row stride ld). */
    const float *X_train, *y_train, *X_test, *y_test;
    size_t ld;
} lr_linreg_info;

/* The data and truth of a linear-regression problem, or NULL when p is not one. */
const lr_linreg_info *lr_problem_linreg_info(const lr_problem *p);

#endif
