/* C24 softmax regression and C25 MLP: the dense-layer and softmax cross-entropy kernel pairs
 * (reference + AVX2, error-bounded contract) and the Fashion-MNIST problems built from them.
 * Softmax regression is the MLP with no hidden layer. */
#ifndef LRLAB_OBJECTIVE_NN_H
#define LRLAB_OBJECTIVE_NN_H

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrlab/data.h"
#include "lrlab/problem.h"

/* ---- The error bound ------------------------------------------------------------------------
 * Every dense-layer output is a sum of n terms (products count as one term). Each twin computes
 * it in float, in its own fixed order, so every term passes through at most n roundings of unit
 * roundoff u = FLT_EPSILON/2, and each twin is within gamma_n * sum|terms| of the exact value,
 * gamma_n = n*u / (1 - n*u) (Higham, Accuracy and Stability, 3.1 and 3.5; with FMA a multiply-add
 * is one rounding). The two twins may round differently, so
 *
 *     |avx2 - ref| <= 2*gamma_n * sum|terms| = k * n * FLT_EPSILON * sum|terms|,
 *     k = 1 / (1 - n*FLT_EPSILON/2)            (k < 1.0005 for n <= 8000),
 *
 * as long as nothing overflows and no term is subnormal. lr_nn_bound(n) is k * n * FLT_EPSILON;
 * the tests check every output against exactly this, with sum|terms| computed in double. */
static inline double lr_nn_bound(double n)
{
    return n * FLT_EPSILON / (1.0 - n * FLT_EPSILON / 2);
}

/* Scratch (floats, 64-byte aligned) the AVX2 dense kernels pack their GEMM panels into; the
 * reference ignores it. One buffer serves any shape: the blocking bounds the panels (a B block of
 * KC x NC = 400 x 512, an A block of 120 x 400, two edge panels and slack; optimized/gemm.c checks
 * the sum at compile time). */
#define LR_DENSE_SCRATCH_FLOATS ((size_t)(400 * 512 + 120 * 400 + 6 * 400 + 16 * 400 + 64))

/* ---- Dense layer ------------------------------------------------------------------------------
 * A batch of `rows` samples through a layer with `in` inputs and `out` outputs. All matrices are
 * row-major and contiguous: x[rows][in], w[out][in] (PyTorch's Linear.weight), b[out],
 * y and dy [rows][out], dw[out][in], db[out], dx[rows][in]. Outputs must not overlap inputs. */

/* y = x w^T + b, then y = max(0, y) (NaN kept) when relu.
 * Bound (ReLU is 1-Lipschitz, so it holds after it too):
 *     |y_ij avx2 - ref| <= lr_nn_bound(in + 1) * (|b_j| + sum_k |x_ik w_jk|). */
typedef void (*lr_dense_forward_fn)(size_t rows, size_t in, size_t out, const float *x,
                                    const float *w, const float *b, bool relu, float *y,
                                    float *scratch);

/* dw (+)= dy^T x and db (+)= column sums of dy (added to what they hold when accumulate, else
 * overwritten); dx = dy w unless dx is NULL, zeroed where x <= 0 when relu_x (x being the output
 * of a ReLU, so that dx is the gradient before that ReLU).
 * Bounds, with a = 1 when accumulate, else 0:
 *     |dw_jk avx2 - ref| <= lr_nn_bound(rows + a) * (sum_i |dy_ij x_ik| + a |old dw_jk|),
 *     |db_j avx2 - ref|  <= lr_nn_bound(rows + a) * (sum_i |dy_ij| + a |old db_j|)
 *                           (in fact 0: both sum over i in the same order, without FMA),
 *     |dx_ik avx2 - ref| <= lr_nn_bound(out) * sum_j |dy_ij w_jk|  (masked entries exactly 0). */
typedef void (*lr_dense_backward_fn)(size_t rows, size_t in, size_t out, const float *x,
                                     const float *w, const float *dy, bool accumulate, float *dw,
                                     float *db, float *dx, bool relu_x, float *scratch);

/* ---- Minibatch assembly ------------------------------------------------------------------------
 * x[r][k] = pixels[idx[r]*dim + k] / 255 for r < rows, k < dim: the rows of a minibatch gathered
 * from a data set's bytes and scaled as the loader scales them (correctly rounded quotient).
 * Reading bytes moves a quarter of the memory a float gather would, and the rows come from all
 * over the training set, so from memory rather than cache. The AVX2 twin is bitwise identical to
 * the reference (its reciprocal multiply is corrected by FMA; tested for all 256 bytes). */
typedef void (*lr_gather_pixels_fn)(size_t rows, size_t dim, const uint8_t *pixels,
                                    const size_t *idx, float *x);

void lr_gather_pixels_ref(size_t rows, size_t dim, const uint8_t *pixels, const size_t *idx,
                          float *x);
void lr_gather_pixels_avx2(size_t rows, size_t dim, const uint8_t *pixels, const size_t *idx,
                           float *x);

/* ---- Softmax cross-entropy ---------------------------------------------------------------------
 * For each row i of logits[rows][classes] with label y_i: m = max_j z_ij, t_j = z_ij - m,
 * e_j = exp(t_j), s = sum_j e_j, loss_i = log(s) - t_{y_i}; returns sum_i loss_i (double; the
 * caller divides by its batch size) and writes dlogits = scale * (e_j/s - [j == y_i]) (the
 * caller's scale is 1/batch, so the gradient is that of the mean loss). NaN or +inf logits give a
 * NaN loss. dlogits must not overlap logits.
 *
 * Bound. Both twins form t_j = z_ij - m with the same float subtraction; the reference takes exp
 * from libm (glibc 2.36 expf: 0.502 ulp at most over all t in [-104, 0], measured), the AVX2 twin
 * from its polynomial (LR_EXP_AVX2_ULP = 1 ulp; 0.987 at most over all those t, measured with
 * LRLAB_EXHAUSTIVE=1, and tested on a sample); one ulp is at most FLT_EPSILON relative. With
 * P_j the exact softmax of the t_j, the first-order relative errors are: exp (1 ulp taken for libm and
 * LR_EXP_AVX2_ULP ulp, entering through e_j and through s), the sum of `classes` positive terms
 * (classes - 1 roundings), the division, the subtraction of the label (exact when P >= 1/2, else
 * one rounding of |P - 1|) and the scaling. They add to
 *     |dlogit avx2 - ref| <= lr_nn_bound(classes + 2*1 + 2*LR_EXP_AVX2_ULP + 3)
 *                            * |scale| * (P_j + [j == y_i])  +  LR_SOFTMAX_FLOOR(scale),
 * where the floor covers subnormal e_j, p_j or dlogits, whose rounding errors are absolute
 * (at most half of 2^-149 each): (1 + LR_EXP_AVX2_ULP) |scale| 2^-149 from the two exps and
 * 2 * 2^-149 from the divisions and products of both twins. And
 *     |loss avx2 - ref| <= lr_nn_bound(classes + 1 + LR_EXP_AVX2_ULP) * rows,
 * since the log of a sum of positive terms moves by at most the sum's relative error, and the
 * softmax terms of a row sum to 1 (the double-precision log and sum add far less than one
 * float rounding, which the count includes). lr_nn_bound's k > 1 covers the second-order terms,
 * which are below (n * FLT_EPSILON)^2 / 4. */
#define LR_EXP_AVX2_ULP 1
#define LR_SOFTMAX_FLOOR(scale) \
    (((1.0 + LR_EXP_AVX2_ULP) * fabs((double)(scale)) + 2.0) * 0x1p-149)
typedef double (*lr_softmax_xent_fn)(size_t rows, size_t classes, const float *logits,
                                     const uint8_t *labels, float scale, float *dlogits);

/* The evaluation half of softmax_xent: over `rows` rows of logits (row i at logits + i*ld,
 * ld >= classes >= 1), returns the sum of the rows' cross-entropies, bit for bit what
 * softmax_xent of the same twin returns for those rows packed (so an evaluation may use either),
 * and adds to *right the number of rows whose logits are all finite and whose first largest
 * logit (strict >, ties to the lower class) is at the label: an exact count, the same from both
 * twins for the same logits. No gradient. Only the first `classes` floats of a row are read, so
 * the rows may be one lane's columns of a wider matrix.
 * A NaN sum is NaN from both, but its payload and sign are not promised: when two NaNs meet in an
 * addition the CPU returns the first operand's, and the compiler may order the operands of a
 * commutative addition either way (GCC puts a sum kept in memory second: the AVX2 twin's vsum
 * accumulation), so two compiled functions agree on NaN bits only by chance. No output of lrlab
 * shows a NaN's bits (a NaN loss is an empty CSV cell). */
typedef double (*lr_softmax_metrics_fn)(size_t rows, size_t classes, const float *logits,
                                        size_t ld, const uint8_t *labels, size_t *right);

void lr_dense_forward_ref(size_t rows, size_t in, size_t out, const float *x, const float *w,
                          const float *b, bool relu, float *y, float *scratch);
void lr_dense_backward_ref(size_t rows, size_t in, size_t out, const float *x, const float *w,
                           const float *dy, bool accumulate, float *dw, float *db, float *dx,
                           bool relu_x, float *scratch);
double lr_softmax_xent_ref(size_t rows, size_t classes, const float *logits, const uint8_t *labels,
                           float scale, float *dlogits);
double lr_softmax_metrics_ref(size_t rows, size_t classes, const float *logits, size_t ld,
                              const uint8_t *labels, size_t *right);

void lr_dense_forward_avx2(size_t rows, size_t in, size_t out, const float *x, const float *w,
                           const float *b, bool relu, float *y, float *scratch);
void lr_dense_backward_avx2(size_t rows, size_t in, size_t out, const float *x, const float *w,
                            const float *dy, bool accumulate, float *dw, float *db, float *dx,
                            bool relu_x, float *scratch);
double lr_softmax_xent_avx2(size_t rows, size_t classes, const float *logits,
                            const uint8_t *labels, float scale, float *dlogits);
double lr_softmax_metrics_avx2(size_t rows, size_t classes, const float *logits, size_t ld,
                               const uint8_t *labels, size_t *right);

/* The AVX2 twin's exp on t <= 0 (the softmax only needs that range): within LR_EXP_AVX2_ULP ulp
 * of exp(t) (subnormal results included, ulp 2^-149 there), 0 for t < -104 (where exp(t) rounds
 * to 0), NaN for NaN. Exposed for its accuracy test. Needs AVX2 and FMA. */
void lr_exp_avx2(size_t n, const float *t, float *e);

/* ---- The problems ------------------------------------------------------------------------------
 * Parameters, layer after layer: W_l[out][in] then b_l[out]. init_params draws W from He's
 * normal N(0, 2/in) with a seeded generator and sets b = 0 (the same bytes for a seed, run after
 * run; the normal draws go through libm's log and cos). loss_grad returns the mean cross-entropy over the batch plus l2/2 * sum of squared
 * weights (not biases), and its gradient. Batches of any size are processed in chunks of
 * LR_NN_CHUNK samples, so memory does not grow with the batch.
 * evaluate: train_loss is that objective over the whole training split (one forward pass over
 * it: about a third of an epoch's work); test_loss (cross-entropy only) and test_acc are on the
 * validation split when one is held out, else on the test set; dist is NaN.
 * The dataset must outlive the problem. A problem holds its work buffers: one per thread. */
#define LR_NN_CHUNK 256
#define LR_NN_MAX_LAYERS 16

/* C24: classes = softmax(W x + b). Returns 0, or -1 with a message in err. */
int lr_problem_fmnist_softmax(lr_problem *p, const lr_dataset *ds, double l2, char *err,
                              size_t errlen);

/* C25: nhidden dense ReLU layers of the given widths (each >= 1, at most LR_NN_MAX_LAYERS - 1),
 * then a dense layer to the classes and softmax. nhidden = 0 is softmax regression. */
int lr_problem_fmnist_mlp(lr_problem *p, const lr_dataset *ds, const size_t *hidden, size_t nhidden,
                          double l2, char *err, size_t errlen);

#endif
