/* C22 chained Rosenbrock, AVX2 twin of reference/rosenbrock.c: the same float operations per
 * element in the same order, without FMA, so the gradient is bitwise equal; the loss terms are
 * summed in 8 lanes and a tree (bound in lrlab/objective.h). */
#include "avx2.h"
#include "lrlab/objective.h"
#include "rowdot.h"

/* The two ends of the chain, written exactly as the reference writes every element. */
static float edge_grad(size_t n, const float *x, size_t i)
{
    float g = 0.0f;
    if (i + 1 < n) {
        float r = x[i + 1] - x[i] * x[i];
        float s = 1.0f - x[i];
        g = -400.0f * x[i] * r - 2.0f * s;
    }
    if (i > 0) {
        float r = x[i] - x[i - 1] * x[i - 1];
        g += 200.0f * r;
    }
    return g;
}

/* doc:rosenbrock-avx2 */
/* Terms i..i+7 of the loss: 100 r^2 + s^2 with r = x[i+1] - x[i]^2, s = 1 - x[i]. */
LR_INLINE __m256 terms8(const float *x, size_t i, __m256i m, bool tail)
{
    __m256 xi = lr_load(x + i, m, tail), xn = lr_load(x + i + 1, m, tail);
    __m256 r = _mm256_sub_ps(xn, _mm256_mul_ps(xi, xi));
    __m256 s = _mm256_sub_ps(_mm256_set1_ps(1.0f), xi);
    __m256 t = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(100.0f), r), r),
                             _mm256_mul_ps(s, s));
    return tail ? _mm256_and_ps(t, _mm256_castsi256_ps(m)) : t; /* masked lanes would give 1 */
}

/* Gradient of interior elements i..i+7 (0 < i, i+7 < n-1): both terms touch each of them. */
LR_INLINE void grad8(const float *x, float *grad, size_t i, __m256i m, bool tail)
{
    __m256 xp = lr_load(x + i - 1, m, tail), xi = lr_load(x + i, m, tail);
    __m256 xn = lr_load(x + i + 1, m, tail);
    __m256 r = _mm256_sub_ps(xn, _mm256_mul_ps(xi, xi));
    __m256 s = _mm256_sub_ps(_mm256_set1_ps(1.0f), xi);
    __m256 left = _mm256_sub_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(-400.0f), xi), r),
                                _mm256_mul_ps(_mm256_set1_ps(2.0f), s));
    __m256 rp = _mm256_sub_ps(xi, _mm256_mul_ps(xp, xp));
    __m256 g = _mm256_add_ps(left, _mm256_mul_ps(_mm256_set1_ps(200.0f), rp));
    lr_store(grad + i, g, m, tail);
}

float lr_rosenbrock_avx2(size_t n, const float *x, float *grad)
{
    if (n < 2) {
        if (n == 1)
            grad[0] = 0.0f;
        return 0.0f;
    }
    const __m256i all = _mm256_set1_epi32(-1);
    size_t m = n - 1; /* terms */
    __m256 acc = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= m; i += 8)
        acc = _mm256_add_ps(acc, terms8(x, i, all, false));
    if (i < m)
        acc = _mm256_add_ps(acc, terms8(x, i, lr_tail_mask(m - i), true));

    grad[0] = edge_grad(n, x, 0);
    size_t end = n - 1; /* interior elements are 1..n-2 */
    for (i = 1; i + 8 <= end; i += 8)
        grad8(x, grad, i, all, false);
    if (i < end)
        grad8(x, grad, i, lr_tail_mask(end - i), true);
    grad[n - 1] = edge_grad(n, x, n - 1);
    return lr_reduce8(acc);
}
/* end */
