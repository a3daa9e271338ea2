/* C21-C25 problem plumbing shared by src/problem_*.c and src/nn_problem.c: error sentences for the
 * constructors and zeroed, 64-byte aligned float arrays (rows of the AVX2 kernels start on a cache
 * line). Internal. */
#ifndef LRLAB_SRC_OBJECTIVE_UTIL_H
#define LRLAB_SRC_OBJECTIVE_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes the sentence into err (when there is room) and returns -1, the constructors' failure. */
static inline __attribute__((format(printf, 3, 4))) int obj_fail(char *err, size_t errlen,
                                                                const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* n zeroed floats on a 64-byte boundary, or NULL (also when n floats would not fit in size_t). */
static inline float *obj_floats(size_t n)
{
    if (n > (SIZE_MAX - 64) / sizeof(float))
        return NULL;
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    float *a = aligned_alloc(64, bytes ? bytes : 64);
    if (a)
        memset(a, 0, bytes ? bytes : 64);
    return a;
}

/* A row stride of at least n floats that keeps every row on a 32-byte boundary. */
static inline size_t obj_row_stride(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

#endif
