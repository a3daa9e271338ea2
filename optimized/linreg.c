/* C23 linear regression, AVX2+FMA twin of reference/linreg.c: samples go 8 at a time through a
 * register-tiled dot product (residuals), vector loss and psi, and an 8-sample update of the
 * gradient that adds the samples in batch order, as the reference does. Bounds in
 * lrlab/objective.h. loss8 (linreg_tile.h) is shared with the lanes of C20. */
#include "lrlab/objective.h"
#include "linreg_tile.h"
#include "rowdot.h"

/* doc:linreg-avx2 */
/* grad += psi[r] * rows[r] for r = 0..R-1 in that order: each gradient block is loaded and stored
 * once per tile instead of once per sample. */
LR_INLINE void update_tile(float *grad, size_t d, const float *const rows[8], const float psi[8],
                           size_t R)
{
    size_t j = 0;
    for (; j + 8 <= d; j += 8) {
        __m256 g = _mm256_loadu_ps(grad + j);
        for (size_t r = 0; r < R; r++)
            g = _mm256_fmadd_ps(_mm256_set1_ps(psi[r]), _mm256_loadu_ps(rows[r] + j), g);
        _mm256_storeu_ps(grad + j, g);
    }
    if (j < d) {
        __m256i m = lr_tail_mask(d - j);
        __m256 g = _mm256_maskload_ps(grad + j, m);
        for (size_t r = 0; r < R; r++)
            g = _mm256_fmadd_ps(_mm256_set1_ps(psi[r]), _mm256_maskload_ps(rows[r] + j, m), g);
        _mm256_maskstore_ps(grad + j, m, g);
    }
}

float lr_linreg_avx2(const lr_linreg_batch *b, const float *w, float *grad)
{
    size_t d = b->features;
    if (grad)
        for (size_t j = 0; j < d; j++)
            grad[j] = 0.0f;
    if (b->batch == 0)
        return 0.0f;
    __m256 loss_acc = _mm256_setzero_ps(); /* lane l sums the losses of samples k = l mod 8 */
    for (size_t k = 0; k < b->batch; k += 8) {
        size_t R = b->batch - k < 8 ? b->batch - k : 8;
        const float *rows[8];
        float yv[8] = {0}, dots[8] = {0};
        for (size_t r = 0; r < R; r++) {
            size_t i = b->idx ? b->idx[k + r] : k + r;
            rows[r] = b->X + i * b->ld;
            yv[r] = b->y[i];
        }
        __m256 dot;
        if (R == 8) {
            dot = lr_rowdot8(rows, w, d);
        } else { /* the batch's last, partial tile: the same sums one row at a time */
            for (size_t r = 0; r < R; r++)
                dots[r] = lr_rowdot1(rows[r], w, d);
            dot = _mm256_loadu_ps(dots);
        }
        __m256 psi;
        __m256 res = _mm256_sub_ps(dot, _mm256_loadu_ps(yv));
        loss_acc = _mm256_add_ps(loss_acc, loss8(b, res, &psi));
        if (grad) {
            float psis[8];
            _mm256_storeu_ps(psis, psi);
            if (R == 8) /* a constant row count: the 8 FMAs per block are unrolled */
                update_tile(grad, d, rows, psis, 8);
            else
                update_tile(grad, d, rows, psis, R);
        }
    }
    float B = (float)b->batch;
    if (grad) {
        __m256 Bv = _mm256_set1_ps(B);
        size_t j = 0;
        for (; j + 8 <= d; j += 8)
            _mm256_storeu_ps(grad + j, _mm256_div_ps(_mm256_loadu_ps(grad + j), Bv));
        for (; j < d; j++)
            grad[j] /= B;
    }
    return lr_reduce8(loss_acc) / B;
}
/* end */
