/* C24/C25 data: the IDX reader and the Fashion-MNIST loader on small fixtures written here (plain
 * and gzipped) and on corrupt variants, each with its message; and the real files when installed. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "helpers.h"
#include "lrlab/data.h"

/* A fixture: 5 training and 3 test images of 4x3 pixels, pixel p of image i = 7*i + 11*p (mod 256). */
#define ROWS 4
#define COLS 3
#define NTRAIN 5
#define NTEST 3

typedef struct idx_bytes {
    unsigned char *b;
    size_t n;
} idx_bytes;

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static idx_bytes make_idx(uint32_t magic, const uint32_t *dims, unsigned nd, const uint8_t *payload,
                          size_t size)
{
    idx_bytes x = {.n = 4 + 4 * nd + size};
    x.b = malloc(x.n + 16);
    cr_assert_not_null(x.b);
    put32(x.b, magic);
    for (unsigned d = 0; d < nd; d++)
        put32(x.b + 4 + 4 * d, dims[d]);
    memcpy(x.b + 4 + 4 * nd, payload, size);
    return x;
}

static idx_bytes images_idx(size_t n, size_t rows, size_t cols, unsigned salt)
{
    size_t size = n * rows * cols;
    uint8_t *px = malloc(size);
    for (size_t i = 0; i < size; i++)
        px[i] = (uint8_t)(7 * (i / (rows * cols)) + 11 * (i % (rows * cols)) + salt);
    uint32_t dims[3] = {(uint32_t)n, (uint32_t)rows, (uint32_t)cols};
    idx_bytes x = make_idx(0x803, dims, 3, px, size);
    free(px);
    return x;
}

static idx_bytes labels_idx(size_t n, unsigned salt)
{
    uint8_t y[64];
    for (size_t i = 0; i < n; i++)
        y[i] = (uint8_t)((3 * i + salt) % 10);
    uint32_t dims[1] = {(uint32_t)n};
    return make_idx(0x801, dims, 1, y, n);
}

static void write_file(const char *dir, const char *name, const idx_bytes *x, bool gz)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, gz ? ".gz" : "");
    if (gz) {
        gzFile f = gzopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(gzwrite(f, x->b, (unsigned)x->n), (int)x->n);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(x->b, 1, x->n, f), x->n);
        cr_assert_eq(fclose(f), 0);
    }
}

/* The four files of a valid fixture; the caller may then overwrite one of them. */
static char *write_fixture(bool gz)
{
    char *dir = make_temp_dir();
    idx_bytes f[4] = {images_idx(NTRAIN, ROWS, COLS, 0), labels_idx(NTRAIN, 0),
                      images_idx(NTEST, ROWS, COLS, 100), labels_idx(NTEST, 5)};
    const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (int i = 0; i < 4; i++) {
        write_file(dir, names[i], &f[i], gz);
        free(f[i].b);
    }
    return dir;
}

static void remove_fixture(char *dir)
{
    const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    char path[512];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
        snprintf(path, sizeof path, "%s/%s.gz", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    free(dir);
}

static void check_fixture(const lr_dataset *ds, size_t validation)
{
    cr_assert_eq(ds->rows, ROWS);
    cr_assert_eq(ds->cols, COLS);
    cr_assert_eq(ds->dim, ROWS * COLS);
    cr_assert_eq(ds->n_classes, 10);
    cr_assert_eq(ds->train.n, NTRAIN - validation);
    cr_assert_eq(ds->validation.n, validation);
    cr_assert_eq(ds->test.n, NTEST);
    size_t d = ROWS * COLS;
    for (size_t i = 0; i < NTRAIN; i++) {
        const lr_split *s = i < NTRAIN - validation ? &ds->train : &ds->validation;
        size_t j = i < NTRAIN - validation ? i : i - (NTRAIN - validation);
        cr_assert_eq(s->y[j], (3 * i) % 10, "label %zu", i);
        for (size_t p = 0; p < d; p++) {
            uint8_t byte = (uint8_t)(7 * i + 11 * p);
            cr_assert_eq(s->pixels[j * d + p], byte, "train image %zu byte %zu", i, p);
            cr_assert_eq(s->x[j * d + p], (float)byte / 255.0f, "train image %zu pixel %zu", i, p);
        }
    }
    for (size_t i = 0; i < NTEST; i++) {
        cr_assert_eq(ds->test.y[i], (3 * i + 5) % 10);
        cr_assert_eq(ds->test.x[i * d + 5], (float)(uint8_t)(7 * i + 55 + 100) / 255.0f);
        cr_assert_eq(ds->test.pixels[i * d + 5], (uint8_t)(7 * i + 55 + 100));
    }
}

Test(data, fixture_plain_loads)
{
    char *dir = write_fixture(false);
    lr_dataset ds;
    char err[512] = "";
    cr_assert_eq(lr_dataset_load(&ds, dir, 2, err, sizeof err), LR_DATA_OK, "%s", err);
    check_fixture(&ds, 2);
    lr_dataset_free(&ds);
    remove_fixture(dir);
}

Test(data, fixture_gzip_loads)
{
    char *dir = write_fixture(true);
    lr_dataset ds;
    char err[512] = "";
    cr_assert_eq(lr_dataset_load(&ds, dir, 0, err, sizeof err), LR_DATA_OK, "%s", err);
    check_fixture(&ds, 0);
    lr_dataset_free(&ds);
    remove_fixture(dir);
}

Test(data, idx_read_gives_dims_and_bytes)
{
    char *dir = write_fixture(true);
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
    lr_idx idx;
    cr_assert_eq(lr_idx_read(path, 3, &idx, err, sizeof err), LR_DATA_OK, "%s", err);
    cr_assert_eq(idx.ndims, 3);
    cr_assert_eq(idx.dims[0], NTRAIN);
    cr_assert_eq(idx.dims[1], ROWS);
    cr_assert_eq(idx.dims[2], COLS);
    cr_assert_eq(idx.size, NTRAIN * ROWS * COLS);
    cr_assert_eq(idx.data[13], (uint8_t)(7 + 11));
    lr_idx_free(&idx);
    remove_fixture(dir);
}

/* Loads `dir` and expects LR_DATA_BAD with a message containing each of the given fragments. */
static void expect_bad(char *dir, size_t validation, const char *frag1, const char *frag2)
{
    lr_dataset ds;
    char err[512] = "";
    int code = lr_dataset_load(&ds, dir, validation, err, sizeof err);
    cr_assert_eq(code, LR_DATA_BAD, "code %d, message: %s", code, err);
    cr_assert(strstr(err, frag1), "message '%s' lacks '%s'", err, frag1);
    if (frag2)
        cr_assert(strstr(err, frag2), "message '%s' lacks '%s'", err, frag2);
    cr_assert_null(ds.train.x);
    lr_dataset_free(&ds);
    remove_fixture(dir);
}

Test(data, bad_magic_is_named)
{
    char *dir = write_fixture(true);
    idx_bytes x = images_idx(NTRAIN, ROWS, COLS, 0);
    put32(x.b, 0x804);
    write_file(dir, "train-images-idx3-ubyte", &x, true);
    free(x.b);
    expect_bad(dir, 0, "train-images-idx3-ubyte.gz: bad magic number 0x00000804",
               "expected 0x00000803");
}

Test(data, labels_with_image_magic_are_rejected)
{
    char *dir = write_fixture(false);
    idx_bytes x = images_idx(NTRAIN, ROWS, COLS, 0);
    write_file(dir, "t10k-labels-idx1-ubyte", &x, false);
    free(x.b);
    expect_bad(dir, 0, "t10k-labels-idx1-ubyte: bad magic number 0x00000803", "expected 0x00000801");
}

Test(data, truncated_payload_is_named)
{
    char *dir = write_fixture(false);
    idx_bytes x = images_idx(NTRAIN, ROWS, COLS, 0);
    x.n -= 1;
    write_file(dir, "train-images-idx3-ubyte", &x, false);
    free(x.b);
    expect_bad(dir, 0, "train-images-idx3-ubyte: truncated: the header declares 60 bytes",
               "the file holds 59");
}

Test(data, truncated_payload_inside_gzip_is_named)
{
    char *dir = write_fixture(true);
    idx_bytes x = labels_idx(NTEST, 5);
    x.n -= 2;
    write_file(dir, "t10k-labels-idx1-ubyte", &x, true);
    free(x.b);
    expect_bad(dir, 0, "t10k-labels-idx1-ubyte.gz: truncated: the header declares 3 bytes",
               "holds 1");
}

Test(data, truncated_header_is_named)
{
    char *dir = write_fixture(false);
    idx_bytes x = images_idx(NTRAIN, ROWS, COLS, 0);
    x.n = 9;
    write_file(dir, "train-images-idx3-ubyte", &x, false);
    free(x.b);
    expect_bad(dir, 0, "train-images-idx3-ubyte: truncated: the file ends inside the IDX header", NULL);
}

Test(data, truncated_gzip_stream_is_named)
{
    char *dir = write_fixture(true);
    char path[512];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(truncate(path, st.st_size - 12), 0); /* drop the trailer and some data */
    expect_bad(dir, 0, "train-images-idx3-ubyte.gz: truncated gzip data", NULL);
}

Test(data, trailing_data_is_named)
{
    char *dir = write_fixture(true);
    idx_bytes x = labels_idx(NTRAIN, 0);
    x.b[x.n++] = 1;
    write_file(dir, "train-labels-idx1-ubyte", &x, true);
    free(x.b);
    expect_bad(dir, 0, "train-labels-idx1-ubyte.gz: trailing data after the 5 bytes", NULL);
}

Test(data, not_gzip_is_named)
{
    char *dir = write_fixture(true);
    idx_bytes x = images_idx(NTEST, ROWS, COLS, 100);
    write_file(dir, "t10k-images-idx3-ubyte.gz", &x, false); /* plain bytes under a .gz name */
    free(x.b);
    expect_bad(dir, 0, "t10k-images-idx3-ubyte.gz: not gzip data", NULL);
}

Test(data, corrupt_gzip_checksum_is_named)
{
    char *dir = write_fixture(true);
    char path[512];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, -8, SEEK_END), 0); /* the CRC-32 of the gzip trailer */
    int c = fgetc(f);
    cr_assert_eq(fseek(f, -8, SEEK_END), 0);
    fputc(c ^ 0x5a, f);
    cr_assert_eq(fclose(f), 0);
    expect_bad(dir, 0, "train-images-idx3-ubyte.gz: corrupt gzip data (zlib: incorrect data check)",
               NULL);
}

Test(data, label_out_of_range_is_named)
{
    char *dir = write_fixture(false);
    idx_bytes x = labels_idx(NTRAIN, 0);
    x.b[8 + 2] = 10;
    write_file(dir, "train-labels-idx1-ubyte", &x, false);
    free(x.b);
    expect_bad(dir, 0, "train-labels-idx1-ubyte: label 10 of item 2 is outside 0..9", NULL);
}

Test(data, label_count_mismatch_is_named)
{
    char *dir = write_fixture(true);
    idx_bytes x = labels_idx(NTRAIN - 1, 0);
    write_file(dir, "train-labels-idx1-ubyte", &x, true);
    free(x.b);
    expect_bad(dir, 0, "train-images-idx3-ubyte.gz holds 5 images but", "train-labels-idx1-ubyte.gz holds 4 labels");
}

Test(data, image_size_mismatch_is_named)
{
    char *dir = write_fixture(true);
    idx_bytes x = images_idx(NTEST, ROWS, ROWS, 100);
    write_file(dir, "t10k-images-idx3-ubyte", &x, true);
    free(x.b);
    expect_bad(dir, 0, "the t10k images are 4x4 but the training images are 4x3", NULL);
}

Test(data, zero_dimension_is_named)
{
    char *dir = write_fixture(false);
    idx_bytes x = images_idx(NTRAIN, ROWS, COLS, 0);
    put32(x.b + 8, 0);
    x.n = 16;
    write_file(dir, "train-images-idx3-ubyte", &x, false);
    free(x.b);
    expect_bad(dir, 0, "train-images-idx3-ubyte: dimension 2 is zero", NULL);
}

Test(data, huge_header_is_rejected_before_allocating)
{
    char *dir = write_fixture(false);
    idx_bytes x = images_idx(NTRAIN, ROWS, COLS, 0);
    put32(x.b + 4, 0xffffffffu);
    put32(x.b + 8, 0xffffffffu);
    write_file(dir, "train-images-idx3-ubyte", &x, false);
    free(x.b);
    expect_bad(dir, 0, "train-images-idx3-ubyte: the header's dimensions describe more than 2 GiB",
               NULL);
}

Test(data, missing_file_is_named)
{
    char *dir = write_fixture(true);
    char path[512];
    snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte.gz", dir);
    cr_assert_eq(unlink(path), 0);
    expect_bad(dir, 0, "t10k-labels-idx1-ubyte.gz: missing", NULL);
}

Test(data, validation_must_leave_training_images)
{
    char *dir = write_fixture(true);
    expect_bad(dir, NTRAIN, "cannot hold out 5 validation images: the training set has 5", NULL);
}

Test(data, directory_precedence)
{
    unsetenv("LRLAB_DATA");
    cr_assert_str_eq(lr_data_dir(NULL), LR_FMNIST_DEFAULT_DIR);
    setenv("LRLAB_DATA", "/from/env", 1);
    cr_assert_str_eq(lr_data_dir(NULL), "/from/env");
    cr_assert_str_eq(lr_data_dir(""), "/from/env");
    cr_assert_str_eq(lr_data_dir("/from/flag"), "/from/flag");
    setenv("LRLAB_DATA", "", 1);
    cr_assert_str_eq(lr_data_dir(NULL), LR_FMNIST_DEFAULT_DIR);
}

Test(data, real_fashion_mnist_when_installed)
{
    char path[512];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", LR_FMNIST_DEFAULT_DIR);
    if (access(path, R_OK) != 0)
        cr_skip_test("dataset-fashion-mnist is not installed");
    lr_dataset ds;
    char err[512] = "";
    cr_assert_eq(lr_dataset_load(&ds, LR_FMNIST_DEFAULT_DIR, 5000, err, sizeof err), LR_DATA_OK,
                 "%s", err);
    cr_assert_eq(ds.rows, 28);
    cr_assert_eq(ds.cols, 28);
    cr_assert_eq(ds.train.n, 55000);
    cr_assert_eq(ds.validation.n, 5000);
    cr_assert_eq(ds.test.n, 10000);
    cr_assert_eq(ds.train.n + ds.validation.n, 60000);
    /* The published set is balanced: 6000 training and 1000 test images per class. */
    size_t train_count[10] = {0}, test_count[10] = {0};
    for (size_t i = 0; i < ds.train.n; i++)
        train_count[ds.train.y[i]]++;
    for (size_t i = 0; i < ds.validation.n; i++)
        train_count[ds.validation.y[i]]++;
    for (size_t i = 0; i < ds.test.n; i++)
        test_count[ds.test.y[i]]++;
    for (int c = 0; c < 10; c++) {
        cr_assert_eq(train_count[c], 6000, "class %d", c);
        cr_assert_eq(test_count[c], 1000, "class %d", c);
    }
    float lo = 1, hi = 0;
    for (size_t i = 0; i < ds.test.n * ds.dim; i++) {
        lo = ds.test.x[i] < lo ? ds.test.x[i] : lo;
        hi = ds.test.x[i] > hi ? ds.test.x[i] : hi;
    }
    cr_assert_eq(lo, 0.0f);
    cr_assert_eq(hi, 1.0f);
    lr_dataset_free(&ds);
}

/* Regression (found by the idx fuzzer): a 9-byte labels file whose header declares 2^31 labels.
 * The reader used to allocate the declared size before reading, 2 GiB (and 4 bytes more per byte
 * for images) for a file that holds nothing; it now grows its arrays with the data that arrives
 * and reports the truncation. The address-space limit makes the old behaviour fail here as "out
 * of memory" instead of "truncated" (not under AddressSanitizer, whose shadow needs the space). */
#if defined(__SANITIZE_ADDRESS__)
#define LR_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LR_TEST_ASAN 1
#endif
#endif
#include <sys/resource.h>

Test(data, huge_declared_size_with_no_data_is_truncated_not_allocated)
{
#ifndef LR_TEST_ASAN
    struct rlimit lim = {.rlim_cur = (rlim_t)1 << 30, .rlim_max = (rlim_t)1 << 30};
    cr_assert_eq(setrlimit(RLIMIT_AS, &lim), 0);
#endif
    char *dir = make_temp_dir(), path[512];
    snprintf(path, sizeof path, "%s/labels", dir);
    static const unsigned char header[] = {0, 0, 8, 1, 0x80, 0, 0, 0, 7};
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(header, 1, sizeof header, f), sizeof header);
    fclose(f);
    lr_idx idx;
    char err[256];
    cr_assert_eq(lr_idx_read(path, 1, &idx, err, sizeof err), LR_DATA_BAD, "%s", err);
    cr_assert_not_null(strstr(err, "truncated"), "%s", err);
    /* The header alone, not one payload byte: nothing may be allocated or copied (the first fix
     * copied zero bytes to a null pointer, which UBSan reports). */
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(header, 1, sizeof header - 1, f), sizeof header - 1);
    fclose(f);
    cr_assert_eq(lr_idx_read(path, 1, &idx, err, sizeof err), LR_DATA_BAD, "%s", err);
    cr_assert_not_null(strstr(err, "truncated"), "%s", err);
    remove(path);
    remove(dir);
    free(dir);
}
