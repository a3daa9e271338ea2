/* C24/C25 softmax cross-entropy, reference: the loss of a batch of logits against their labels and
 * its gradient, as plain loops (exp from libm), max-shifted so exp never overflows; and its
 * evaluation half (loss and the count classified right, no gradient) from the same row code. */
#include <math.h>

#include "lrlab/objective_nn.h"

/* doc:softmax-xent-ref */
static float row_max(size_t classes, const float *z)
{
    float m = z[0];
    for (size_t j = 1; j < classes; j++)
        m = z[j] > m ? z[j] : m;
    return m;
}

/* softmax(z) = softmax(z - m): the largest exponent is 0, so the sum lies in [1, classes]. The
 * terms, left to right, are also kept in e[] when the caller wants them (the gradient). */
static float row_exp_sum(size_t classes, const float *z, float m, float *e)
{
    float s = 0.0f;
    for (size_t j = 0; j < classes; j++) {
        float t = expf(z[j] - m);
        if (e)
            e[j] = t;
        s += t;
    }
    return s;
}

/* -log softmax_y = log(s) - (z_y - m) */
static double row_loss(const float *z, unsigned label, float m, float s)
{
    return log((double)s) - (double)(z[label] - m);
}

double lr_softmax_xent_ref(size_t rows, size_t classes, const float *logits, const uint8_t *labels,
                           float scale, float *dlogits)
{
    double total = 0.0;
    for (size_t i = 0; i < rows; i++) {
        const float *z = logits + i * classes;
        float *g = dlogits + i * classes;
        float m = row_max(classes, z);
        float s = row_exp_sum(classes, z, m, g);
        for (size_t j = 0; j < classes; j++)
            g[j] = (g[j] / s - (j == labels[i] ? 1.0f : 0.0f)) * scale;
        total += row_loss(z, labels[i], m, s);
    }
    return total;
}
/* end */

/* doc:softmax-metrics-ref */
/* Classified right: every logit finite and the first largest (a later logit must be strictly
 * greater to take over) at the label. */
static bool row_right(size_t classes, const float *z, unsigned label)
{
    size_t best = 0;
    bool finite = true;
    for (size_t j = 0; j < classes; j++) {
        finite = finite && isfinite(z[j]);
        if (z[j] > z[best])
            best = j;
    }
    return finite && best == label;
}

/* The loss exactly as lr_softmax_xent_ref sums it (the same row code, no gradient kept). */
double lr_softmax_metrics_ref(size_t rows, size_t classes, const float *logits, size_t ld,
                              const uint8_t *labels, size_t *right)
{
    double total = 0.0;
    for (size_t i = 0; i < rows; i++) {
        const float *z = logits + i * ld;
        float m = row_max(classes, z);
        total += row_loss(z, labels[i], m, row_exp_sum(classes, z, m, NULL));
        *right += row_right(classes, z, labels[i]);
    }
    return total;
}
/* end */
