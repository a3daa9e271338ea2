/* C24/C25 data: the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist) read once into float
 * pixels in [0, 1] and byte labels, with the last K training images held out for validation.
 * Every failure names the file and what is wrong with it. */
#ifndef LRLAB_DATA_H
#define LRLAB_DATA_H

#include <stddef.h>
#include <stdint.h>

#define LR_FMNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"
#define LR_FMNIST_CLASSES 10

/* The directory to read: `flag` (--data DIR) when given and not empty, else $LRLAB_DATA when set
 * and not empty, else LR_FMNIST_DEFAULT_DIR. */
const char *lr_data_dir(const char *flag);

/* One part of the data: n samples, sample i's pixels at x[i*dim .. i*dim+dim) (row-major image,
 * scaled to [0, 1] as byte/255), its class y[i] in 0..9. `pixels` holds the same images as the
 * file's bytes (x = pixels/255), a quarter of the memory traffic for minibatch gathers; it may be
 * NULL in a data set built by hand, whose users then copy x. */
typedef struct lr_split {
    size_t n;
    const float *x;
    const uint8_t *y;
    const uint8_t *pixels;
} lr_split;

typedef struct lr_dataset {
    size_t rows, cols;  /* image height and width (28 x 28 for Fashion-MNIST) */
    size_t dim;         /* rows * cols: the number of input features */
    size_t n_classes;   /* LR_FMNIST_CLASSES */
    lr_split train;     /* the first N - K images of the training file */
    lr_split validation;/* its last K images (n = 0 when none are held out) */
    lr_split test;      /* the t10k file */
    /* Owned storage; train and validation share one block. */
    float *train_x_all, *test_x;
    uint8_t *train_y_all, *test_y, *train_pixels_all, *test_pixels;
} lr_dataset;

/* Return codes of the readers, chosen to be the exit status of the command that calls them. */
enum { LR_DATA_OK = 0, LR_DATA_FAILURE = 1, LR_DATA_BAD = 2 };

/* Reads DIR/train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
 * t10k-labels-idx1-ubyte.gz; for each, the uncompressed name without ".gz" is used when the .gz
 * file does not exist. A name ending in .gz must hold gzip data; a plain name may hold either.
 * Checked: the magic number (unsigned bytes, 3 dimensions for images, 1 for labels), non-zero
 * dimensions, the payload size against the header (truncated or trailing data), gzip integrity,
 * labels in 0..9, as many labels as images, and train and test images of the same size.
 * `validation` images are held out from the end of the training file; at least one must remain.
 * Returns LR_DATA_OK; LR_DATA_BAD for a missing, corrupt or invalid data set (or a validation
 * count too large); LR_DATA_FAILURE for a read error or lack of memory. On failure `err` holds
 * one sentence naming the file and the fault, and *ds is empty (lr_dataset_free is harmless). */
int lr_dataset_load(lr_dataset *ds, const char *dir, size_t validation, char *err, size_t errlen);

void lr_dataset_free(lr_dataset *ds);

/* One IDX file of unsigned bytes with `ndims` (1..3) dimensions, read whole and checked as above
 * (without the label range). data holds dims[0] * ... * dims[ndims-1] bytes (malloc'ed). */
typedef struct lr_idx {
    unsigned ndims;
    size_t dims[3];
    size_t size;
    uint8_t *data;
} lr_idx;

int lr_idx_read(const char *path, unsigned ndims, lr_idx *out, char *err, size_t errlen);
void lr_idx_free(lr_idx *idx);

#endif
