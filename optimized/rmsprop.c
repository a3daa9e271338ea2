/* C04 RMSProp, AVX2 twin of reference/rmsprop.c: plain, centered and momentum variants each get a
 * branch-free loop; same operation order as the reference, bitwise equal. */
#include "avx2.h"
#include "lrlab/optim.h"

/* doc:rmsprop-avx2 */
LR_INLINE void rmsprop8(const lr_rmsprop_scalars *s, size_t i, float *param, const float *grad,
                        float *square_avg, float *grad_avg, float *momentum_buffer, __m256i mask,
                        bool tail, bool wd, bool centered, bool mom)
{
    const __m256 alpha = _mm256_set1_ps(s->alpha), oma = _mm256_set1_ps(s->one_minus_alpha);
    __m256 p = lr_load(param + i, mask, tail);
    __m256 d = lr_negate_if(lr_load(grad + i, mask, tail), s->maximize);
    if (wd)
        d = _mm256_fmadd_ps(_mm256_set1_ps(s->weight_decay), p, d);
    __m256 v = _mm256_fmadd_ps(_mm256_mul_ps(oma, d), d,
                               _mm256_mul_ps(alpha, lr_load(square_avg + i, mask, tail)));
    lr_store(square_avg + i, lr_canon8(v), mask, tail);
    __m256 avg;
    if (centered) {
        __m256 ga = _mm256_fmadd_ps(oma, d, _mm256_mul_ps(alpha, lr_load(grad_avg + i, mask, tail)));
        lr_store(grad_avg + i, lr_canon8(ga), mask, tail);
        avg = _mm256_sqrt_ps(_mm256_fnmadd_ps(ga, ga, v)); /* fmaf(-ga, ga, v) */
    } else {
        avg = _mm256_sqrt_ps(v);
    }
    avg = _mm256_add_ps(avg, _mm256_set1_ps(s->eps));
    const __m256 neg_lr = _mm256_set1_ps(s->neg_lr);
    if (mom) {
        __m256 b = _mm256_add_ps(
            _mm256_mul_ps(_mm256_set1_ps(s->momentum), lr_load(momentum_buffer + i, mask, tail)),
            _mm256_div_ps(d, avg));
        lr_store(momentum_buffer + i, lr_canon8(b), mask, tail);
        p = _mm256_fmadd_ps(neg_lr, b, p);
    } else {
        p = _mm256_add_ps(p, _mm256_div_ps(_mm256_mul_ps(neg_lr, d), avg));
    }
    lr_store(param + i, lr_canon8(p), mask, tail);
}
/* end */

LR_INLINE void rmsprop_loop(const lr_rmsprop_scalars *s, size_t n, float *param, const float *grad,
                            float *square_avg, float *grad_avg, float *momentum_buffer, bool wd,
                            bool centered, bool mom)
{
    const __m256i all = _mm256_set1_epi32(-1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        rmsprop8(s, i, param, grad, square_avg, grad_avg, momentum_buffer, all, false, wd,
                 centered, mom);
    if (i < n)
        rmsprop8(s, i, param, grad, square_avg, grad_avg, momentum_buffer, lr_tail_mask(n - i),
                 true, wd, centered, mom);
}

void lr_rmsprop_step_avx2(const lr_rmsprop_scalars *s, size_t n, float *param, const float *grad,
                          float *square_avg, float *grad_avg, float *momentum_buffer)
{
    /* A private copy of the scalars: the stores to the arrays cannot alias it, so the compiler keeps
     * every broadcast in a register instead of reloading it for each block of 8. */
    const lr_rmsprop_scalars copy = *s;
    s = &copy;
    bool wd = s->use_weight_decay;
    if (s->centered) {
        if (s->use_momentum)
            rmsprop_loop(s, n, param, grad, square_avg, grad_avg, momentum_buffer, wd, true, true);
        else
            rmsprop_loop(s, n, param, grad, square_avg, grad_avg, momentum_buffer, wd, true, false);
    } else {
        if (s->use_momentum)
            rmsprop_loop(s, n, param, grad, square_avg, grad_avg, momentum_buffer, wd, false, true);
        else
            rmsprop_loop(s, n, param, grad, square_avg, grad_avg, momentum_buffer, wd, false, false);
    }
}
