/* C21 quadratic, AVX2+FMA twin of reference/quadratic.c: the diagonal kernel is one pass (bitwise
 * equal gradient, 8-lane loss), the dense kernel a mat-vec blocked in 8-row register tiles. Bounds
 * in lrlab/objective.h. */
#include "lrlab/objective.h"
#include "rowdot.h"

/* doc:quadratic-diag-avx2 */
float lr_quadratic_diag_avx2(size_t n, const float *eig, const float *x, float *grad)
{
    __m256 acc = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 xv = _mm256_loadu_ps(x + i);
        __m256 g = _mm256_mul_ps(_mm256_loadu_ps(eig + i), xv);
        _mm256_storeu_ps(grad + i, g);
        acc = _mm256_fmadd_ps(xv, g, acc);
    }
    if (i < n) {
        __m256i m = lr_tail_mask(n - i);
        __m256 xv = _mm256_maskload_ps(x + i, m);
        __m256 g = _mm256_mul_ps(_mm256_maskload_ps(eig + i, m), xv);
        _mm256_maskstore_ps(grad + i, m, g);
        acc = _mm256_fmadd_ps(xv, g, acc);
    }
    return 0.5f * lr_reduce8(acc);
}
/* end */

/* doc:quadratic-dense-avx2 */
float lr_quadratic_dense_avx2(size_t n, const float *A, size_t lda, const float *x, float *grad)
{
    /* A is read once, so the mat-vec is bound by memory; the 8-row tile makes each load of x serve
     * 8 rows and keeps 8 FMA chains in flight. x (4n bytes) stays in L1/L2 across tiles. */
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float *rows[8];
        for (int r = 0; r < 8; r++)
            rows[r] = A + (i + (size_t)r) * lda;
        _mm256_storeu_ps(grad + i, lr_rowdot8(rows, x, n));
    }
    for (; i < n; i++)
        grad[i] = lr_rowdot1(A + i * lda, x, n);
    return 0.5f * lr_reduce8(lr_dot_lanes(x, grad, n));
}
/* end */
