/* C01/C02 SGD, AVX2+FMA twin of reference/sgd.c: the same operations in the same order, 8 lanes
 * at a time, so every output is bitwise equal. One pass over memory; flags fixed per loop. */
#include "avx2.h"
#include "lrlab/optim.h"

/* doc:sgd-avx2 */
/* One block of 8 at index i. The flags are constants at each call, so each combination compiles
 * into its own branch-free loop. */
LR_INLINE void sgd8(const lr_sgd_scalars *s, size_t i, float *param, const float *grad,
                    float *momentum_buffer, __m256i mask, bool tail, bool wd, bool mom, bool first)
{
    __m256 p = lr_load(param + i, mask, tail);
    __m256 d = lr_negate_if(lr_load(grad + i, mask, tail), s->maximize);
    if (wd)
        d = _mm256_fmadd_ps(_mm256_set1_ps(s->weight_decay), p, d);   /* fmaf(wd, p, d) */
    if (mom) {
        __m256 m = _mm256_set1_ps(s->momentum);
        __m256 b = d;
        if (!first) {
            __m256 old = lr_load(momentum_buffer + i, mask, tail);
            b = _mm256_fmadd_ps(_mm256_set1_ps(s->one_minus_dampening), d, _mm256_mul_ps(m, old));
        }
        lr_store(momentum_buffer + i, lr_canon8(b), mask, tail);
        d = s->nesterov ? _mm256_fmadd_ps(m, b, d) : b;
    }
    p = _mm256_fmadd_ps(_mm256_set1_ps(s->neg_lr), d, p);              /* fmaf(-lr, d, p) */
    lr_store(param + i, lr_canon8(p), mask, tail);
}

LR_INLINE void sgd_loop(const lr_sgd_scalars *s, size_t n, float *param, const float *grad,
                        float *momentum_buffer, bool wd, bool mom, bool first)
{
    const __m256i all = _mm256_set1_epi32(-1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        sgd8(s, i, param, grad, momentum_buffer, all, false, wd, mom, first);
    if (i < n)
        sgd8(s, i, param, grad, momentum_buffer, lr_tail_mask(n - i), true, wd, mom, first);
}
/* end */

void lr_sgd_step_avx2(const lr_sgd_scalars *s, size_t n, float *param, const float *grad,
                      float *momentum_buffer)
{
    /* A private copy of the scalars: the stores to the arrays cannot alias it, so the compiler keeps
     * every broadcast in a register instead of reloading it for each block of 8. */
    const lr_sgd_scalars copy = *s;
    s = &copy;
    bool wd = s->use_weight_decay;
    if (!s->use_momentum) {
        if (wd)
            sgd_loop(s, n, param, grad, momentum_buffer, true, false, false);
        else
            sgd_loop(s, n, param, grad, momentum_buffer, false, false, false);
    } else if (s->first_step) {
        sgd_loop(s, n, param, grad, momentum_buffer, wd, true, true);
    } else if (wd) {
        sgd_loop(s, n, param, grad, momentum_buffer, true, true, false);
    } else {
        sgd_loop(s, n, param, grad, momentum_buffer, false, true, false);
    }
}
