/* C21 quadratic f(x) = 1/2 x^T A x: the reference loss-and-gradient kernels, diagonal and dense.
 * Plain left-to-right float sums; optimized/quadratic.c is the twin, within the bounds of
 * lrlab/objective.h. */
#include "lrlab/objective.h"

/* doc:quadratic-diag */
float lr_quadratic_diag_ref(size_t n, const float *eig, const float *x, float *grad)
{
    float xAx = 0.0f;
    for (size_t i = 0; i < n; i++) {
        grad[i] = eig[i] * x[i];
        xAx += x[i] * grad[i];
    }
    return 0.5f * xAx;
}
/* end */

/* doc:quadratic-dense */
float lr_quadratic_dense_ref(size_t n, const float *A, size_t lda, const float *x, float *grad)
{
    for (size_t i = 0; i < n; i++) {
        const float *row = A + i * lda;
        float dot = 0.0f;
        for (size_t j = 0; j < n; j++)
            dot += row[j] * x[j];
        grad[i] = dot;
    }
    /* The loss reuses the gradient: 1/2 x.(Ax), one more dot product instead of a second mat-vec. */
    float xAx = 0.0f;
    for (size_t i = 0; i < n; i++)
        xAx += x[i] * grad[i];
    return 0.5f * xAx;
}
/* end */
