/* C05 Adam/AMSGrad and C06 AdamW, AVX2 twin of reference/adam.c: same operation order, 8 lanes at
 * a time, bitwise equal; one pass reading p, g, m, v (and vmax) and writing them back. */
#include "avx2.h"
#include "lrlab/optim.h"

/* doc:adam-max-nan-avx2 */
/* torch.maximum on 8 lanes, matching the reference's `a < b ? b : a` with NaN propagated:
 * MAXPS(x, y) returns x > y ? x : y, so the operands go in as (b, a). */
LR_INLINE __m256 max_propagating_nan8(__m256 a, __m256 b)
{
    __m256 nan = _mm256_castsi256_ps(_mm256_set1_epi32((int)LR_CANONICAL_NAN_BITS));
    return _mm256_blendv_ps(_mm256_max_ps(b, a), nan, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
}
/* end */

/* doc:adam-avx2 */
LR_INLINE void adam8(const lr_adam_scalars *s, size_t i, float *param, const float *grad,
                     float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq, __m256i mask,
                     bool tail, bool wd, bool decoupled, bool amsgrad)
{
    __m256 p = lr_load(param + i, mask, tail);
    __m256 d = lr_negate_if(lr_load(grad + i, mask, tail), s->maximize);
    if (decoupled)
        p = _mm256_mul_ps(p, _mm256_set1_ps(s->decay));
    if (wd)
        d = _mm256_fmadd_ps(_mm256_set1_ps(s->weight_decay), p, d);
    __m256 m = _mm256_fmadd_ps(_mm256_set1_ps(s->one_minus_beta1), d,
                               _mm256_mul_ps(_mm256_set1_ps(s->beta1), lr_load(exp_avg + i, mask, tail)));
    __m256 v = _mm256_fmadd_ps(
        _mm256_mul_ps(_mm256_set1_ps(s->one_minus_beta2), d), d,
        _mm256_mul_ps(_mm256_set1_ps(s->beta2), lr_load(exp_avg_sq + i, mask, tail)));
    lr_store(exp_avg + i, lr_canon8(m), mask, tail);
    lr_store(exp_avg_sq + i, lr_canon8(v), mask, tail);
    if (amsgrad) {
        v = max_propagating_nan8(lr_load(max_exp_avg_sq + i, mask, tail), v);
        lr_store(max_exp_avg_sq + i, lr_canon8(v), mask, tail);
    }
    __m256 denom = _mm256_add_ps(
        _mm256_div_ps(_mm256_sqrt_ps(v), _mm256_set1_ps(s->bias_correction2_sqrt)),
        _mm256_set1_ps(s->eps));
    __m256 step = _mm256_div_ps(_mm256_mul_ps(_mm256_set1_ps(s->neg_step_size), m), denom);
    lr_store(param + i, lr_canon8(_mm256_add_ps(p, step)), mask, tail);
}
/* end */

/* doc:adam-avx2-loop */
LR_INLINE void adam_loop(const lr_adam_scalars *s, size_t n, float *param, const float *grad,
                         float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq, bool wd,
                         bool decoupled, bool amsgrad)
{
    const __m256i all = _mm256_set1_epi32(-1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        adam8(s, i, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, all, false, wd, decoupled,
              amsgrad);
    if (i < n)
        adam8(s, i, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr_tail_mask(n - i), true,
              wd, decoupled, amsgrad);
}

void lr_adam_step_avx2(const lr_adam_scalars *s, size_t n, float *param, const float *grad,
                       float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq)
{
    /* A private copy of the scalars: the stores to the arrays cannot alias it, so the compiler keeps
     * every broadcast in a register instead of reloading it for each block of 8. */
    const lr_adam_scalars copy = *s;
    s = &copy;
    bool wd = s->use_weight_decay, ams = s->amsgrad;
    if (s->decoupled) {
        if (ams)
            adam_loop(s, n, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, false, true, true);
        else
            adam_loop(s, n, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, false, true, false);
    } else if (ams) {
        adam_loop(s, n, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, wd, false, true);
    } else {
        adam_loop(s, n, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, wd, false, false);
    }
}
/* end */
