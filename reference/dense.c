/* C24/C25 dense layer, reference: the forward pass y = x w^T + b (with optional ReLU) and its
 * backward pass, as plain loops in float with one fixed summation order (the executable spec). */
#include "lrlab/objective_nn.h"

/* doc:dense-forward-ref */
void lr_dense_forward_ref(size_t rows, size_t in, size_t out, const float *x, const float *w,
                          const float *b, bool relu, float *y, float *scratch)
{
    (void)scratch;
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < out; j++) {
            float s = b[j];
            for (size_t k = 0; k < in; k++)
                s += x[i * in + k] * w[j * in + k];
            /* Not s > 0 ? s : 0, which would turn a NaN into 0 and hide a diverged run. */
            y[i * out + j] = (relu && s < 0.0f) ? 0.0f : s;
        }
    }
}
/* end */

/* doc:dense-backward-ref */
void lr_dense_backward_ref(size_t rows, size_t in, size_t out, const float *x, const float *w,
                           const float *dy, bool accumulate, float *dw, float *db, float *dx,
                           bool relu_x, float *scratch)
{
    (void)scratch;
    /* dL/dw_jk = sum over the batch of dy_ij * x_ik. */
    for (size_t j = 0; j < out; j++) {
        for (size_t k = 0; k < in; k++) {
            float s = accumulate ? dw[j * in + k] : 0.0f;
            for (size_t i = 0; i < rows; i++)
                s += dy[i * out + j] * x[i * in + k];
            dw[j * in + k] = s;
        }
        float s = accumulate ? db[j] : 0.0f;
        for (size_t i = 0; i < rows; i++)
            s += dy[i * out + j];
        db[j] = s;
    }
    if (!dx)
        return;
    /* dL/dx_ik = sum over outputs of dy_ij * w_jk; a ReLU passes it only where it was active. */
    for (size_t i = 0; i < rows; i++) {
        for (size_t k = 0; k < in; k++) {
            float s = 0.0f;
            for (size_t j = 0; j < out; j++)
                s += dy[i * out + j] * w[j * in + k];
            dx[i * in + k] = (relu_x && !(x[i * in + k] > 0.0f)) ? 0.0f : s;
        }
    }
}
/* end */
