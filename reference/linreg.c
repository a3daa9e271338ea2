/* C23 linear regression: the reference minibatch kernel for the squared (1/2 r^2) and Huber losses.
 * One sample at a time: residual, loss, then the sample's share of the gradient; the mean at the
 * end. optimized/linreg.c is the twin, within the bounds of lrlab/objective.h. */
#include <math.h>

#include "lrlab/objective.h"

/* doc:linreg */
static float sample_loss(const lr_linreg_batch *b, float r)
{
    if (b->loss == LR_LOSS_HUBER) {
        float a = fabsf(r);
        return a < b->delta ? 0.5f * r * r : b->delta * (a - 0.5f * b->delta);
    }
    return 0.5f * r * r;
}

/* The derivative of sample_loss: Huber clips the residual's pull at delta. */
static float sample_psi(const lr_linreg_batch *b, float r)
{
    if (b->loss == LR_LOSS_HUBER)
        return r < -b->delta ? -b->delta : (r > b->delta ? b->delta : r);
    return r;
}

float lr_linreg_ref(const lr_linreg_batch *b, const float *w, float *grad)
{
    size_t d = b->features;
    if (grad)
        for (size_t j = 0; j < d; j++)
            grad[j] = 0.0f;
    if (b->batch == 0)
        return 0.0f;
    float loss = 0.0f;
    for (size_t k = 0; k < b->batch; k++) {
        size_t i = b->idx ? b->idx[k] : k;
        const float *x = b->X + i * b->ld;
        float r = 0.0f;
        for (size_t j = 0; j < d; j++)
            r += x[j] * w[j];
        r -= b->y[i];
        loss += sample_loss(b, r);
        if (grad) {
            float psi = sample_psi(b, r);
            for (size_t j = 0; j < d; j++)
                grad[j] += psi * x[j];
        }
    }
    float B = (float)b->batch;
    if (grad)
        for (size_t j = 0; j < d; j++)
            grad[j] /= B;
    return loss / B;
}
/* end */
