/* C22 chained Rosenbrock: the reference loss-and-gradient kernel. Its AVX2 twin performs the same
 * float operations per element (no FMA), so gradients agree bit for bit and only the loss sum's order
 * differs. */
#include "lrlab/objective.h"

/* doc:rosenbrock */
float lr_rosenbrock_ref(size_t n, const float *x, float *grad)
{
    float loss = 0.0f;
    for (size_t i = 0; i + 1 < n; i++) {
        float r = x[i + 1] - x[i] * x[i]; /* the valley floor is r = 0 */
        float s = 1.0f - x[i];
        loss += 100.0f * r * r + s * s;
    }
    for (size_t i = 0; i < n; i++) {
        float g = 0.0f;
        if (i + 1 < n) { /* x[i] as the left end of term i */
            float r = x[i + 1] - x[i] * x[i];
            float s = 1.0f - x[i];
            g = -400.0f * x[i] * r - 2.0f * s;
        }
        if (i > 0) { /* x[i] as the right end of term i-1 */
            float r = x[i] - x[i - 1] * x[i - 1];
            g += 200.0f * r;
        }
        grad[i] = g;
    }
    return loss;
}
/* end */
