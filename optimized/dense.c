/* C24/C25 dense layer, AVX2+FMA twin: the forward pass and the two backward products run on the
 * blocked GEMM of gemm.c; bias, ReLU and the bias gradient are vector loops around it. */
#include <immintrin.h>
#include <string.h>

#include "avx2.h"
#include "gemm.h"
#include "lrlab/objective_nn.h"

/* doc:dense-forward-avx2 */
void lr_dense_forward_avx2(size_t rows, size_t in, size_t out, const float *x, const float *w,
                           const float *b, bool relu, float *y, float *scratch)
{
    /* C starts as the bias, so each output is b + (block sums of x w), in increasing k. */
    for (size_t i = 0; i < rows; i++)
        memcpy(y + i * out, b, out * sizeof(float));
    lr_cmat xm = {x, in, 1};  /* A = x: rows x in */
    lr_cmat wt = {w, 1, in};  /* B = w^T: in x out, a transposed view of w */
    lr_gemm_avx2(rows, out, in, xm, wt, y, out, 1, true, scratch);
    if (!relu)
        return;
    size_t n = rows * out, i = 0;
    const __m256 zero = _mm256_setzero_ps();
    /* max(0, y) returns its second operand when y is NaN: NaN survives, as in the reference. */
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_max_ps(zero, _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] = y[i] < 0.0f ? 0.0f : y[i];
}
/* end */

/* db_j (+)= sum_i dy_ij, eight outputs per vector, rows in order: the reference's order exactly. */
static void bias_grad(size_t rows, size_t out, const float *dy, bool accumulate, float *db)
{
    for (size_t j = 0; j < out; j += 8) {
        size_t left = out - j;
        bool tail = left < 8;
        __m256i mask = lr_tail_mask(tail ? left : 8);
        __m256 s = accumulate ? lr_load(db + j, mask, tail) : _mm256_setzero_ps();
        for (size_t i = 0; i < rows; i++)
            s = _mm256_add_ps(s, lr_load(dy + i * out + j, mask, tail));
        lr_store(db + j, s, mask, tail);
    }
}

/* doc:dense-backward-avx2 */
void lr_dense_backward_avx2(size_t rows, size_t in, size_t out, const float *x, const float *w,
                            const float *dy, bool accumulate, float *dw, float *db, float *dx,
                            bool relu_x, float *scratch)
{
    lr_cmat dyt = {dy, 1, out}; /* dy^T: out x rows */
    lr_cmat xm = {x, in, 1};
    lr_gemm_avx2(out, in, rows, dyt, xm, dw, in, 1, accumulate, scratch);
    bias_grad(rows, out, dy, accumulate, db);
    if (!dx)
        return;
    lr_cmat dym = {dy, out, 1};
    lr_cmat wm = {w, in, 1};
    lr_gemm_avx2(rows, in, out, dym, wm, dx, in, 1, false, scratch);
    if (!relu_x)
        return;
    size_t n = rows * in, i = 0;
    const __m256 zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        __m256 active = _mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_GT_OQ);
        _mm256_storeu_ps(dx + i, _mm256_and_ps(_mm256_loadu_ps(dx + i), active));
    }
    for (; i < n; i++)
        dx[i] = x[i] > 0.0f ? dx[i] : 0.0f;
}
/* end */
