/* C03 AdaGrad, AVX2 twin of reference/adagrad.c: same operation order, 8 lanes at a time,
 * bitwise equal. IEEE division and square root are correctly rounded in both. */
#include "avx2.h"
#include "lrlab/optim.h"

/* doc:adagrad-avx2 */
LR_INLINE void adagrad8(const lr_adagrad_scalars *s, size_t i, float *param, const float *grad,
                        float *state_sum, __m256i mask, bool tail, bool wd)
{
    __m256 p = lr_load(param + i, mask, tail);
    __m256 d = lr_negate_if(lr_load(grad + i, mask, tail), s->maximize);
    if (wd)
        d = _mm256_fmadd_ps(_mm256_set1_ps(s->weight_decay), p, d);
    __m256 sum = _mm256_fmadd_ps(d, d, lr_load(state_sum + i, mask, tail)); /* fmaf(d, d, sum) */
    __m256 std = _mm256_add_ps(_mm256_sqrt_ps(sum), _mm256_set1_ps(s->eps));
    lr_store(state_sum + i, lr_canon8(sum), mask, tail);
    __m256 step = _mm256_div_ps(_mm256_mul_ps(_mm256_set1_ps(s->neg_clr), d), std);
    lr_store(param + i, lr_canon8(_mm256_add_ps(p, step)), mask, tail);
}
/* end */

LR_INLINE void adagrad_loop(const lr_adagrad_scalars *s, size_t n, float *param,
                            const float *grad, float *state_sum, bool wd)
{
    const __m256i all = _mm256_set1_epi32(-1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        adagrad8(s, i, param, grad, state_sum, all, false, wd);
    if (i < n)
        adagrad8(s, i, param, grad, state_sum, lr_tail_mask(n - i), true, wd);
}

void lr_adagrad_step_avx2(const lr_adagrad_scalars *s, size_t n, float *param, const float *grad,
                          float *state_sum)
{
    /* A private copy of the scalars: the stores to the arrays cannot alias it, so the compiler keeps
     * every broadcast in a register instead of reloading it for each block of 8. */
    const lr_adagrad_scalars copy = *s;
    s = &copy;
    if (s->use_weight_decay)
        adagrad_loop(s, n, param, grad, state_sum, true);
    else
        adagrad_loop(s, n, param, grad, state_sum, false);
}
