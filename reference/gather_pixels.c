/* C24/C25 minibatch assembly, reference: the rows of a minibatch gathered from the data set's
 * bytes and scaled to [0, 1] exactly as the loader scales them. */
#include "lrlab/objective_nn.h"

/* doc:gather-pixels-ref */
void lr_gather_pixels_ref(size_t rows, size_t dim, const uint8_t *pixels, const size_t *idx,
                          float *x)
{
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *src = pixels + idx[r] * dim;
        for (size_t k = 0; k < dim; k++)
            x[r * dim + k] = (float)src[k] / 255.0f;
    }
}
/* end */
