/* C24/C25 softmax cross-entropy, reference: the loss of a batch of logits against their labels and
 * its gradient, as plain loops (exp from libm), max-shifted so exp never overflows. */
#include <math.h>

#include "lrlab/objective_nn.h"

/* doc:softmax-xent-ref */
double lr_softmax_xent_ref(size_t rows, size_t classes, const float *logits, const uint8_t *labels,
                           float scale, float *dlogits)
{
    double total = 0.0;
    for (size_t i = 0; i < rows; i++) {
        const float *z = logits + i * classes;
        float *g = dlogits + i * classes;
        float m = z[0];
        for (size_t j = 1; j < classes; j++)
            m = z[j] > m ? z[j] : m;
        /* softmax(z) = softmax(z - m): the largest exponent is 0, so the sum lies in [1, classes]. */
        float s = 0.0f;
        for (size_t j = 0; j < classes; j++) {
            g[j] = expf(z[j] - m);
            s += g[j];
        }
        for (size_t j = 0; j < classes; j++)
            g[j] = (g[j] / s - (j == labels[i] ? 1.0f : 0.0f)) * scale;
        /* -log softmax_y = log(s) - (z_y - m) */
        total += log((double)s) - (double)(z[labels[i]] - m);
    }
    return total;
}
/* end */
