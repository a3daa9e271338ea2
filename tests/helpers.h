/* Test helpers shared by every Criterion suite: a seeded generator, special float values, aligned
 * buffers at chosen offsets, and running the lrlab binary with captured output. */
#ifndef LRLAB_TESTS_HELPERS_H
#define LRLAB_TESTS_HELPERS_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: small, seedable, the same sequence on every machine. */
typedef struct lr_test_rng {
    uint64_t state;
} lr_test_rng;

uint64_t rng_next(lr_test_rng *r);
double rng_uniform(lr_test_rng *r);             /* [0, 1) */
double rng_range(lr_test_rng *r, double lo, double hi);
size_t rng_below(lr_test_rng *r, size_t n);     /* [0, n) */
double rng_log_uniform(lr_test_rng *r, double lo, double hi);
/* Mostly ordinary values of random sign and magnitude (about 10^-4..10^2 times `scale`); with
 * probability p_special one of +-0, subnormals, FLT_MAX, +-inf or NaN. */
float rng_float(lr_test_rng *r, float scale, double p_special);

/* A float buffer whose element 0 sits `offset` floats past a 32-byte boundary; free with
 * buf_free. */
typedef struct lr_test_buf {
    void *base;
    float *data;
} lr_test_buf;
lr_test_buf buf_alloc(size_t n, size_t offset);
void buf_free(lr_test_buf *b);

/* Runs LRLAB_BIN with argv (NULL-terminated, not including the program), feeding `input` (may be
 * NULL) on stdin. Captures stdout and stderr (NUL-terminated, malloc'ed) and the exit status
 * (-1 when killed by a signal). */
typedef struct lr_cmd_result {
    int status;
    char *out;
    char *err;
} lr_cmd_result;
lr_cmd_result run_lrlab(const char *const *argv, const char *input);
/* run_lrlab with a changed environment: env holds "NAME=value" entries (NULL-terminated) that are
 * set in the child, replacing any NAME already there; the rest of the environment is kept. */
lr_cmd_result run_lrlab_env(const char *const *argv, const char *input, const char *const *env);
void cmd_result_free(lr_cmd_result *r);

/* A fresh empty directory under /tmp for one test; the returned path is malloc'ed. */
char *make_temp_dir(void);
/* Entries of dir other than ".", ".." and `keep` (NULL: none kept): left-over outputs. The first
 * one's name goes to first[0..len) when first is not NULL. 0 for a missing directory. */
size_t dir_leftovers(const char *dir, const char *keep, char *first, size_t len);
/* Removes dir and everything below it (what is there: a test's scratch directory). */
void remove_tree(const char *dir);
/* Whole file as a NUL-terminated string, or NULL. */
char *slurp(const char *path);
int write_text(const char *path, const char *text);
/* Lines (newlines) in a NUL-terminated text. */
size_t count_lines(const char *s);
/* Field `col` (1-based) of the last line of a CSV text, read with strtod. */
double csv_last_field(const char *csv, int col);
/* Column index (0-based) of `name` in the header line of a CSV text; a missing column fails
 * the test. */
int csv_column(const char *csv, const char *name);
/* Cell `col` (0-based) of data line `row` (0-based, header excluded), copied into buf. */
const char *csv_cell(const char *csv, size_t row, int col, char *buf, size_t len);
/* The cell of column `name` on data line `row`, read with strtod. */
double csv_number(const char *csv, size_t row, const char *name);
/* A malloc'ed copy of the CSV with every cell of column `name` emptied, header included: what is
 * left to compare when that column (wall time) differs between runs. */
char *csv_without_column(const char *csv, const char *name);

#endif
