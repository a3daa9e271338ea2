/* C21/C23 shared AVX2 core: dot products of rows with one vector, 8 rows per register tile.
 * Every row, in a tile or alone, is summed the same way (8 FMA lanes, then the pairwise tree
 * ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7))), which is the accumulation order the bounds of
 * lrlab/objective.h count. Only files under optimized/ include this. */
#ifndef LRLAB_OPTIMIZED_ROWDOT_H
#define LRLAB_OPTIMIZED_ROWDOT_H

#include "avx2.h"

/* doc:rowdot-avx2 */
/* Lane r of the result is the full sum of the 8 lanes of a[r]: two rounds of hadd pair the lanes
 * within each 128-bit half ((l0+l1)+(l2+l3) and (l4+l5)+(l6+l7)), the last add joins the halves. */
LR_INLINE __m256 lr_reduce8x8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5,
                              __m256 a6, __m256 a7)
{
    __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    __m256 u1 = _mm256_hadd_ps(_mm256_hadd_ps(a4, a5), _mm256_hadd_ps(a6, a7));
    __m256 lo = _mm256_permute2f128_ps(u0, u1, 0x20); /* low halves: rows 0-3 | rows 4-7 */
    __m256 hi = _mm256_permute2f128_ps(u0, u1, 0x31); /* high halves */
    return _mm256_add_ps(lo, hi);
}

/* The sum of the 8 lanes of a, by the same tree as lr_reduce8x8. */
LR_INLINE float lr_reduce8(__m256 a)
{
    __m256 h = _mm256_hadd_ps(a, a);
    h = _mm256_hadd_ps(h, h);
    __m128 s = _mm_add_ss(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    return _mm_cvtss_f32(s);
}

/* rows[r] . x for the 8 rows of a tile, returned as one vector (lane r for row r). Each x block is
 * loaded once for 8 rows: the register tile is 8 rows by 8 columns, 8 independent FMA chains. */
LR_INLINE __m256 lr_rowdot8(const float *const rows[8], const float *x, size_t n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
    const float *r4 = rows[4], *r5 = rows[5], *r6 = rows[6], *r7 = rows[7];
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 xv = _mm256_loadu_ps(x + j);
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + j), xv, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + j), xv, a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + j), xv, a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + j), xv, a3);
        a4 = _mm256_fmadd_ps(_mm256_loadu_ps(r4 + j), xv, a4);
        a5 = _mm256_fmadd_ps(_mm256_loadu_ps(r5 + j), xv, a5);
        a6 = _mm256_fmadd_ps(_mm256_loadu_ps(r6 + j), xv, a6);
        a7 = _mm256_fmadd_ps(_mm256_loadu_ps(r7 + j), xv, a7);
    }
    if (j < n) { /* masked loads: zeros beyond the row, nothing read past its end */
        __m256i m = lr_tail_mask(n - j);
        __m256 xv = _mm256_maskload_ps(x + j, m);
        a0 = _mm256_fmadd_ps(_mm256_maskload_ps(r0 + j, m), xv, a0);
        a1 = _mm256_fmadd_ps(_mm256_maskload_ps(r1 + j, m), xv, a1);
        a2 = _mm256_fmadd_ps(_mm256_maskload_ps(r2 + j, m), xv, a2);
        a3 = _mm256_fmadd_ps(_mm256_maskload_ps(r3 + j, m), xv, a3);
        a4 = _mm256_fmadd_ps(_mm256_maskload_ps(r4 + j, m), xv, a4);
        a5 = _mm256_fmadd_ps(_mm256_maskload_ps(r5 + j, m), xv, a5);
        a6 = _mm256_fmadd_ps(_mm256_maskload_ps(r6 + j, m), xv, a6);
        a7 = _mm256_fmadd_ps(_mm256_maskload_ps(r7 + j, m), xv, a7);
    }
    return lr_reduce8x8(a0, a1, a2, a3, a4, a5, a6, a7);
}

/* 8 lane sums of a[j] * b[j], not yet reduced. */
LR_INLINE __m256 lr_dot_lanes(const float *a, const float *b, size_t n)
{
    __m256 acc = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), acc);
    if (j < n) {
        __m256i m = lr_tail_mask(n - j);
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(a + j, m), _mm256_maskload_ps(b + j, m), acc);
    }
    return acc;
}

/* One row . x, for rows left over after the tiles: the same lanes and tree as lr_rowdot8. */
LR_INLINE float lr_rowdot1(const float *row, const float *x, size_t n)
{
    return lr_reduce8(lr_dot_lanes(row, x, n));
}
/* end */

/* doc:rowdot-lanes-avx2 */
/* The 8 dot products rows[r] . x[v] (r < 2, v < 4) in lane 4r + v, each summed exactly as
 * lr_rowdot8 and lr_rowdot1 sum a row (8 FMA lanes along the row, masked tail, the same tree), so
 * a tile of several vectors gives each the single vector's bits. A block of a row is loaded once
 * for 4 vectors, a block of a vector once for 2 rows: 6 loads for 8 FMAs. Callers with fewer rows
 * or vectors repeat a pointer and drop the copies. */
/* One block: row blocks u, w against vector blocks v0..v3 into the named accumulators (named, not
 * an array, so they stay in registers). */
#define LR_FMA2X4(u, w)                                                                        \
    do {                                                                                       \
        a0 = _mm256_fmadd_ps(u, v0, a0), a1 = _mm256_fmadd_ps(u, v1, a1);                      \
        a2 = _mm256_fmadd_ps(u, v2, a2), a3 = _mm256_fmadd_ps(u, v3, a3);                      \
        a4 = _mm256_fmadd_ps(w, v0, a4), a5 = _mm256_fmadd_ps(w, v1, a5);                      \
        a6 = _mm256_fmadd_ps(w, v2, a6), a7 = _mm256_fmadd_ps(w, v3, a7);                      \
    } while (0)

LR_INLINE __m256 lr_rowdot2x4(const float *const rows[2], const float *const x[4], size_t n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    const float *r0 = rows[0], *r1 = rows[1], *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 v0 = _mm256_loadu_ps(x0 + j), v1 = _mm256_loadu_ps(x1 + j);
        __m256 v2 = _mm256_loadu_ps(x2 + j), v3 = _mm256_loadu_ps(x3 + j);
        LR_FMA2X4(_mm256_loadu_ps(r0 + j), _mm256_loadu_ps(r1 + j));
    }
    if (j < n) { /* the same masked block as lr_rowdot8's */
        __m256i m = lr_tail_mask(n - j);
        __m256 v0 = _mm256_maskload_ps(x0 + j, m), v1 = _mm256_maskload_ps(x1 + j, m);
        __m256 v2 = _mm256_maskload_ps(x2 + j, m), v3 = _mm256_maskload_ps(x3 + j, m);
        LR_FMA2X4(_mm256_maskload_ps(r0 + j, m), _mm256_maskload_ps(r1 + j, m));
    }
    return lr_reduce8x8(a0, a1, a2, a3, a4, a5, a6, a7);
}
#undef LR_FMA2X4
/* end */

#endif
