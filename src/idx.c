/* C24/C25 data: the IDX reader (plain or gzip through zlib) and the Fashion-MNIST loader. Owns
 * the checks on every file (magic, dimensions, sizes, gzip integrity, labels) and their messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "lrlab/data.h"

/* Fashion-MNIST's training images are 47 MB; anything past this is a corrupt header, not data. */
#define IDX_MAX_BYTES ((size_t)1 << 31)
#define IDX_CHUNK 65536
#define IDX_TYPE_UBYTE 0x08

const char *lr_data_dir(const char *flag)
{
    if (flag && *flag)
        return flag;
    const char *env = getenv("LRLAB_DATA");
    if (env && *env)
        return env;
    return LR_FMNIST_DEFAULT_DIR;
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* An open IDX file and where messages go. */
typedef struct idx_file {
    const char *path;
    gzFile gz;
    bool gz_name; /* the name ends in .gz, so the content must be gzip */
    char *err;
    size_t errlen;
} idx_file;

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int idx_open(idx_file *f, const char *path, char *err, size_t errlen)
{
    f->path = path;
    f->err = err;
    f->errlen = errlen;
    f->gz_name = ends_with(path, ".gz");
    f->gz = gzopen(path, "rb");
    if (!f->gz) {
        if (errno == ENOMEM)
            return fail(err, errlen, LR_DATA_FAILURE, "%s: out of memory", path);
        return fail(err, errlen, LR_DATA_BAD, "%s: cannot open: %s", path,
                    errno ? strerror(errno) : "unknown error");
    }
    gzbuffer(f->gz, 1u << 17);
    return LR_DATA_OK;
}

static void idx_close(idx_file *f)
{
    if (f->gz)
        gzclose_r(f->gz);
    f->gz = NULL;
}

/* Reads up to n bytes; returns how many, or reports a zlib or system error (-1). A short count
 * without an error is the end of the data. */
static long long idx_read(idx_file *f, void *buf, size_t n, int *code)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got > IDX_CHUNK ? IDX_CHUNK : n - got;
        int r = gzread(f->gz, (char *)buf + got, (unsigned)want);
        int zerr;
        const char *zmsg = gzerror(f->gz, &zerr);
        if (zerr == Z_ERRNO) {
            *code = fail(f->err, f->errlen, LR_DATA_FAILURE, "%s: read error: %s", f->path,
                         strerror(errno));
            return -1;
        }
        if (zerr == Z_MEM_ERROR) {
            *code = fail(f->err, f->errlen, LR_DATA_FAILURE, "%s: out of memory", f->path);
            return -1;
        }
        if (zerr == Z_BUF_ERROR) {
            *code = fail(f->err, f->errlen, LR_DATA_BAD,
                         "%s: truncated gzip data (the compressed stream ends early)", f->path);
            return -1;
        }
        if (zerr != Z_OK || r < 0) {
            /* zlib prefixes its message with the path, which ours already names. */
            size_t plen = strlen(f->path);
            if (strncmp(zmsg, f->path, plen) == 0 && strncmp(zmsg + plen, ": ", 2) == 0)
                zmsg += plen + 2;
            *code = fail(f->err, f->errlen, LR_DATA_BAD, "%s: corrupt gzip data (zlib: %s)",
                         f->path, zmsg);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long long)got;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The magic number and dimensions; *size gets the payload size in bytes. */
static int idx_header(idx_file *f, unsigned ndims, size_t dims[3], size_t *size)
{
    unsigned char head[4 + 4 * 3];
    int code = LR_DATA_OK;
    long long got = idx_read(f, head, 4, &code);
    if (got < 0)
        return code;
    if (f->gz_name && gzdirect(f->gz))
        return fail(f->err, f->errlen, LR_DATA_BAD,
                    "%s: not gzip data (a file named .gz must be gzip-compressed)", f->path);
    if (got == 0)
        return fail(f->err, f->errlen, LR_DATA_BAD, "%s: empty file (no IDX header)", f->path);
    if (got < 4)
        return fail(f->err, f->errlen, LR_DATA_BAD, "%s: truncated: the file ends inside the IDX header",
                    f->path);
    uint32_t magic = be32(head), want = IDX_TYPE_UBYTE << 8 | ndims;
    if (magic != want)
        return fail(f->err, f->errlen, LR_DATA_BAD,
                    "%s: bad magic number 0x%08X (expected 0x%08X: unsigned bytes in %u dimension%s)",
                    f->path, (unsigned)magic, (unsigned)want, ndims, ndims == 1 ? "" : "s");
    got = idx_read(f, head + 4, 4 * ndims, &code);
    if (got < 0)
        return code;
    if (got < 4 * (long long)ndims)
        return fail(f->err, f->errlen, LR_DATA_BAD, "%s: truncated: the file ends inside the IDX header",
                    f->path);
    *size = 1;
    for (unsigned d = 0; d < ndims; d++) {
        dims[d] = be32(head + 4 + 4 * d);
        if (dims[d] == 0)
            return fail(f->err, f->errlen, LR_DATA_BAD, "%s: dimension %u is zero", f->path, d + 1);
        if (*size > IDX_MAX_BYTES / dims[d])
            return fail(f->err, f->errlen, LR_DATA_BAD,
                        "%s: the header's dimensions describe more than 2 GiB of data", f->path);
        *size *= dims[d];
    }
    return LR_DATA_OK;
}

/* Where the payload goes: byte arrays (and, for images, byte/255 as floats through a table, so each
 * value is the correctly rounded quotient) that grow with the data actually read. The header's
 * size is a claim the file may not back: a 9-byte file may declare 2 GiB, and nothing that large
 * is allocated before the bytes arrive. */
typedef struct payload {
    size_t size, cap; /* declared payload size; bytes allocated so far */
    uint8_t *bytes;
    float *x;         /* NULL unless floats are wanted */
    bool want_x;
    float scale[256];
} payload;

/* Makes room for `need` bytes (at most the declared size), doubling. Returns 0 or -1. */
static int payload_reserve(payload *p, size_t need)
{
    if (need <= p->cap)
        return 0;
    size_t cap = p->cap ? p->cap : IDX_CHUNK;
    while (cap < need)
        cap = cap > p->size / 2 ? p->size : 2 * cap;
    uint8_t *bytes = realloc(p->bytes, cap);
    if (!bytes)
        return -1;
    p->bytes = bytes;
    if (p->want_x) {
        float *x = realloc(p->x, cap * sizeof(float));
        if (!x)
            return -1;
        p->x = x;
    }
    p->cap = cap;
    return 0;
}

static int idx_payload(idx_file *f, payload *p)
{
    uint8_t chunk[IDX_CHUNK];
    int code = LR_DATA_OK;
    size_t done = 0, size = p->size;
    while (done < size) {
        size_t want = size - done < IDX_CHUNK ? size - done : IDX_CHUNK;
        long long got = idx_read(f, chunk, want, &code);
        if (got < 0)
            return code;
        if (got > 0) { /* nothing is allocated before the first byte arrives */
            if (payload_reserve(p, done + (size_t)got) != 0)
                return fail(f->err, f->errlen, LR_DATA_FAILURE, "%s: out of memory for %zu bytes",
                            f->path, done + (size_t)got);
            memcpy(p->bytes + done, chunk, (size_t)got);
            for (size_t i = 0; p->want_x && i < (size_t)got; i++)
                p->x[done + i] = p->scale[chunk[i]];
            done += (size_t)got;
        }
        if ((size_t)got < want)
            return fail(f->err, f->errlen, LR_DATA_BAD,
                        "%s: truncated: the header declares %zu bytes of data, the file holds %zu",
                        f->path, size, done);
    }
    /* Reading past the end also makes zlib check the gzip trailer (CRC and length). */
    long long extra = idx_read(f, chunk, 1, &code);
    if (extra < 0)
        return code;
    if (extra > 0)
        return fail(f->err, f->errlen, LR_DATA_BAD,
                    "%s: trailing data after the %zu bytes the header declares", f->path, size);
    return LR_DATA_OK;
}

/* Opens, checks the header and streams the payload into byte arrays (and, when `x` is given, as
 * many floats) that grow as it arrives. */
static int idx_load(const char *path, unsigned ndims, size_t dims[3], size_t *size, uint8_t **out,
                    float **x, char *err, size_t errlen)
{
    idx_file f;
    *out = NULL;
    if (x)
        *x = NULL;
    int code = idx_open(&f, path, err, errlen);
    if (code != LR_DATA_OK)
        return code;
    code = idx_header(&f, ndims, dims, size);
    payload p = {.size = *size, .want_x = x != NULL};
    for (int b = 0; b < 256; b++)
        p.scale[b] = (float)b / 255.0f;
    if (code == LR_DATA_OK)
        code = idx_payload(&f, &p);
    idx_close(&f);
    if (code != LR_DATA_OK) {
        free(p.bytes);
        free(p.x);
        return code;
    }
    *out = p.bytes;
    if (x)
        *x = p.x;
    return LR_DATA_OK;
}

int lr_idx_read(const char *path, unsigned ndims, lr_idx *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (ndims < 1 || ndims > 3)
        return fail(err, errlen, LR_DATA_BAD, "%s: IDX files with %u dimensions are not supported",
                    path, ndims);
    uint8_t *data;
    int code = idx_load(path, ndims, out->dims, &out->size, &data, NULL, err, errlen);
    if (code == LR_DATA_OK) {
        out->ndims = ndims;
        out->data = data;
    }
    return code;
}

void lr_idx_free(lr_idx *idx)
{
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}

/* ---- Fashion-MNIST ------------------------------------------------------------------------ */

/* DIR/BASE.gz when it exists, else DIR/BASE; NULL (with a message) when neither does. */
static char *resolve(const char *dir, const char *base, char *err, size_t errlen, int *code)
{
    size_t len = strlen(dir) + strlen(base) + sizeof "/.gz";
    char *path = malloc(len);
    if (!path) {
        *code = fail(err, errlen, LR_DATA_FAILURE, "out of memory");
        return NULL;
    }
    struct stat st;
    snprintf(path, len, "%s/%s.gz", dir, base);
    if (stat(path, &st) == 0)
        return path;
    snprintf(path, len, "%s/%s", dir, base);
    if (stat(path, &st) == 0)
        return path;
    *code = fail(err, errlen, LR_DATA_BAD,
                 "%s/%s.gz: missing (nor is there an uncompressed %s); is dataset-fashion-mnist "
                 "installed, or does --data / LRLAB_DATA name the right directory?",
                 dir, base, base);
    free(path);
    return NULL;
}

/* Images and labels of one part (train or test), checked against each other. */
typedef struct part {
    size_t n, rows, cols;
    float *x;
    uint8_t *y, *pixels;
} part;

static void part_free(part *p)
{
    free(p->x);
    free(p->y);
    free(p->pixels);
}

static int load_part(const char *dir, const char *images, const char *labels, part *p, char *err,
                     size_t errlen)
{
    memset(p, 0, sizeof *p);
    int code = LR_DATA_OK;
    char *ipath = resolve(dir, images, err, errlen, &code);
    char *lpath = ipath ? resolve(dir, labels, err, errlen, &code) : NULL;
    size_t idims[3], ldims[3], isize, lsize;
    float *x = NULL;
    uint8_t *y = NULL, *pixels = NULL;
    if (lpath)
        code = idx_load(ipath, 3, idims, &isize, &pixels, &x, err, errlen);
    if (lpath && code == LR_DATA_OK)
        code = idx_load(lpath, 1, ldims, &lsize, &y, NULL, err, errlen);
    if (lpath && code == LR_DATA_OK && ldims[0] != idims[0])
        code = fail(err, errlen, LR_DATA_BAD, "%s holds %zu images but %s holds %zu labels", ipath,
                    idims[0], lpath, ldims[0]);
    for (size_t i = 0; lpath && code == LR_DATA_OK && i < lsize; i++) {
        unsigned v = y[i];
        if (v >= LR_FMNIST_CLASSES)
            code = fail(err, errlen, LR_DATA_BAD, "%s: label %u of item %zu is outside 0..%d", lpath,
                        v, i, LR_FMNIST_CLASSES - 1);
    }
    if (lpath && code == LR_DATA_OK) {
        *p = (part){.n = idims[0], .rows = idims[1], .cols = idims[2], .x = x, .y = y,
                    .pixels = pixels};
    } else {
        free(x);
        free(y);
        free(pixels);
    }
    free(ipath);
    free(lpath);
    return code;
}

int lr_dataset_load(lr_dataset *ds, const char *dir, size_t validation, char *err, size_t errlen)
{
    memset(ds, 0, sizeof *ds);
    part train, test;
    int code = load_part(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", &train, err, errlen);
    if (code != LR_DATA_OK)
        return code;
    code = load_part(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", &test, err, errlen);
    if (code == LR_DATA_OK && (test.rows != train.rows || test.cols != train.cols))
        code = fail(err, errlen, LR_DATA_BAD,
                    "%s: the t10k images are %zux%zu but the training images are %zux%zu",
                    dir, test.rows, test.cols, train.rows, train.cols);
    if (code == LR_DATA_OK && validation >= train.n)
        code = fail(err, errlen, LR_DATA_BAD,
                    "cannot hold out %zu validation images: the training set has %zu and at least "
                    "one must remain for training", validation, train.n);
    if (code != LR_DATA_OK) {
        part_free(&train);
        part_free(&test);
        return code;
    }
    size_t dim = train.rows * train.cols, kept = train.n - validation;
    *ds = (lr_dataset){
        .rows = train.rows, .cols = train.cols, .dim = dim, .n_classes = LR_FMNIST_CLASSES,
        .train = {.n = kept, .x = train.x, .y = train.y, .pixels = train.pixels},
        .validation = {.n = validation, .x = train.x + kept * dim, .y = train.y + kept,
                       .pixels = train.pixels + kept * dim},
        .test = {.n = test.n, .x = test.x, .y = test.y, .pixels = test.pixels},
        .train_x_all = train.x, .train_y_all = train.y, .test_x = test.x, .test_y = test.y,
        .train_pixels_all = train.pixels, .test_pixels = test.pixels,
    };
    return LR_DATA_OK;
}

void lr_dataset_free(lr_dataset *ds)
{
    free(ds->train_x_all);
    free(ds->train_y_all);
    free(ds->test_x);
    free(ds->test_y);
    free(ds->train_pixels_all);
    free(ds->test_pixels);
    memset(ds, 0, sizeof *ds);
}
