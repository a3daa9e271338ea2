/* C23 linear regression, AVX2: the loss and psi of 8 residuals, shared by lr_linreg_avx2
 * (optimized/linreg.c) and its C20 lanes (optimized/lanes_linreg.c), so both compute them with the
 * same instructions, NaN included. Only files under optimized/ include this. */
#ifndef LRLAB_OPTIMIZED_LINREG_TILE_H
#define LRLAB_OPTIMIZED_LINREG_TILE_H

#include "avx2.h"
#include "lrlab/objective.h"

/* doc:linreg-avx2-loss8 */
/* Loss and psi of 8 residuals at once (lanes of unused samples hold r = 0, giving 0 and 0). */
LR_INLINE __m256 loss8(const lr_linreg_batch *b, __m256 r, __m256 *psi)
{
    __m256 quad = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), r), r);
    if (b->loss != LR_LOSS_HUBER) {
        *psi = r;
        return quad;
    }
    __m256 delta = _mm256_set1_ps(b->delta);
    __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), r); /* |r| */
    __m256 lin = _mm256_mul_ps(delta, _mm256_sub_ps(a, _mm256_set1_ps(0.5f * b->delta)));
    __m256 inner = _mm256_cmp_ps(a, delta, _CMP_LT_OQ);
    /* MAXPS(x, y) is x > y ? x : y and MINPS(x, y) is x < y ? x : y: with r second, a NaN
     * residual passes through both, as it does through the reference's comparisons. */
    *psi = _mm256_min_ps(delta, _mm256_max_ps(_mm256_sub_ps(_mm256_setzero_ps(), delta), r));
    return _mm256_blendv_ps(lin, quad, inner);
}
/* end */

#endif
