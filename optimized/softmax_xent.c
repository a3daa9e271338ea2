/* C24/C25 softmax cross-entropy, AVX2+FMA twin: eight classes per vector, exp from a polynomial
 * (within LR_EXP_AVX2_ULP ulp), the row sum as a tree. Bound against the reference: objective_nn.h.
 * Its evaluation half (loss and count right) runs the same operations on eight rows per vector. */
#include <immintrin.h>
#include <math.h>

#include "avx2.h"
#include "lrlab/objective_nn.h"

/* doc:softmax-exp-avx2 */
/* exp(t) for t <= 0: t = n ln2 + r with |r| <= ln2/2 (ln2 split in two for an exact n*ln2_hi),
 * e^r = 1 + r + r^2 q(r) with q a degree-5 fit of relative error 1e-9, then times 2^n as two
 * normal powers of two, so results below FLT_MIN come out as correctly scaled subnormals (one
 * rounding), as libm's do. Below ln(2^-150) the result is 0; NaN stays NaN. */
LR_INLINE __m256 exp_nonpositive(__m256 t)
{
    const __m256 lo = _mm256_set1_ps(-104.0f); /* exp(-104) < 2^-150 rounds to 0 */
    __m256 under = _mm256_cmp_ps(t, lo, _CMP_LT_OQ);
    t = _mm256_max_ps(lo, t); /* NaN passes (second operand) */
    __m256 n = _mm256_round_ps(_mm256_mul_ps(t, _mm256_set1_ps(1.44269504f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), t);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 q = _mm256_set1_ps(1.979029912e-04f);
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.394470339e-03f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(8.333497681e-03f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(4.166629538e-02f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.666666567e-01f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.5f));
    __m256 e = _mm256_fmadd_ps(q, _mm256_mul_ps(r, r), r);
    e = _mm256_add_ps(e, _mm256_set1_ps(1.0f));
    /* 2^n, n in [-150, 0], as 2^h * 2^(n-h) with h = floor(n/2): both factors are
     * normal, the first product is exact and only the second can round (into the subnormals). */
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i h = _mm256_srai_epi32(ni, 1);
    const __m256i bias = _mm256_set1_epi32(127);
    __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, bias), 23));
    __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, h), bias), 23));
    e = _mm256_mul_ps(_mm256_mul_ps(e, p1), p2);
    return _mm256_andnot_ps(under, e);
}
/* end */

void lr_exp_avx2(size_t n, const float *t, float *e)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(e + i, exp_nonpositive(_mm256_loadu_ps(t + i)));
    if (i < n) {
        __m256i mask = lr_tail_mask(n - i);
        lr_store(e + i, exp_nonpositive(lr_load(t + i, mask, true)), mask, true);
    }
}

LR_INLINE float hmax(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

LR_INLINE float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* One row: the max, then e = exp(z - m) parked in g, then g = (e/s - onehot) * scale. */
static double softmax_row(size_t classes, const float *z, unsigned label, float scale, float *g)
{
    const __m256 ninf = _mm256_set1_ps(-INFINITY);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 vmax = ninf;
    for (size_t j = 0; j < classes; j += 8) {
        size_t left = classes - j;
        __m256i mask = lr_tail_mask(left < 8 ? left : 8);
        __m256 v = left < 8 ? _mm256_blendv_ps(ninf, lr_load(z + j, mask, true), _mm256_castsi256_ps(mask))
                            : _mm256_loadu_ps(z + j);
        vmax = _mm256_max_ps(vmax, v);
    }
    float m = hmax(vmax);
    __m256 vm = _mm256_set1_ps(m), vsum = _mm256_setzero_ps();
    for (size_t j = 0; j < classes; j += 8) {
        size_t left = classes - j;
        __m256i mask = lr_tail_mask(left < 8 ? left : 8);
        if (left < 8) {
            __m256 e = exp_nonpositive(_mm256_sub_ps(lr_load(z + j, mask, true), vm));
            e = _mm256_and_ps(e, _mm256_castsi256_ps(mask));
            lr_store(g + j, e, mask, true);
            vsum = _mm256_add_ps(vsum, e);
        } else {
            __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(z + j), vm));
            _mm256_storeu_ps(g + j, e);
            vsum = _mm256_add_ps(vsum, e);
        }
    }
    float s = hsum(vsum);
    __m256 vs = _mm256_set1_ps(s), vscale = _mm256_set1_ps(scale), one = _mm256_set1_ps(1.0f);
    for (size_t j = 0; j < classes; j += 8) {
        size_t left = classes - j;
        bool tail = left < 8;
        __m256i mask = lr_tail_mask(tail ? left : 8);
        __m256i is_label = _mm256_cmpeq_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32((int)j)),
                                              _mm256_set1_epi32((int)label));
        __m256 onehot = _mm256_and_ps(one, _mm256_castsi256_ps(is_label));
        __m256 e = tail ? lr_load(g + j, mask, true) : _mm256_loadu_ps(g + j);
        __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_div_ps(e, vs), onehot), vscale);
        if (tail)
            lr_store(g + j, d, mask, true);
        else
            _mm256_storeu_ps(g + j, d);
    }
    return log((double)s) - (double)(z[label] - m);
}

/* doc:softmax-xent-avx2 */
double lr_softmax_xent_avx2(size_t rows, size_t classes, const float *logits,
                            const uint8_t *labels, float scale, float *dlogits)
{
    double total = 0.0;
    for (size_t i = 0; i < rows; i++)
        total += softmax_row(classes, logits + i * classes, labels[i], scale, dlogits + i * classes);
    return total;
}
/* end */

/* ---- The evaluation half: eight rows at once ---------------------------------------------------
 * softmax_row's operations on one row per lane instead of eight classes per lane. Its vmax lane c
 * holds the max over the classes j = c (mod 8), its vsum lane c their sum of exps; here vector c
 * holds lane c's value for eight rows, one per lane, and the same operations in the same order
 * (operand order too: max and NaN propagation are not symmetric) give every row the same bits. */

/* Classes j..j+n-1 (n <= 8) of the rows z, z + ld, ... (nr <= 8 of them) as t[c] = class j + c of
 * row r in lane r. The rows past nr are zeros and the classes past n zeros (masked loads, so
 * nothing past either end is read); callers never use those lanes of the result. */
LR_INLINE void load_rows(size_t nr, size_t n, const float *z, size_t ld, __m256 t[8])
{
    __m256i mask = lr_tail_mask(n);
    for (size_t r = 0; r < 8; r++)
        t[r] = r >= nr ? _mm256_setzero_ps()
               : n < 8 ? _mm256_maskload_ps(z + r * ld, mask)
                       : _mm256_loadu_ps(z + r * ld);
    lr_transpose8(t);
}

/* hmax and hsum of softmax_row, lane c of their input being vector c here. */
LR_INLINE __m256 vmax_tree(const __m256 v[8])
{
    __m256 a0 = _mm256_max_ps(v[0], v[4]), a1 = _mm256_max_ps(v[1], v[5]);
    __m256 a2 = _mm256_max_ps(v[2], v[6]), a3 = _mm256_max_ps(v[3], v[7]);
    return _mm256_max_ps(_mm256_max_ps(a0, a2), _mm256_max_ps(a1, a3));
}

LR_INLINE __m256 vsum_tree(const __m256 v[8])
{
    __m256 a0 = _mm256_add_ps(v[0], v[4]), a1 = _mm256_add_ps(v[1], v[5]);
    __m256 a2 = _mm256_add_ps(v[2], v[6]), a3 = _mm256_add_ps(v[3], v[7]);
    return _mm256_add_ps(_mm256_add_ps(a0, a2), _mm256_add_ps(a1, a3));
}

/* The rows' running maxima and first argmax over the classes as the reference's loop walks them
 * (a later class takes over only if strictly greater: _CMP_GT_OQ, false on NaN like `>`), and
 * whether all logits so far are finite (|z| < inf, ordered: false for NaN and inf). */
typedef struct metrics_scan {
    __m256 vmax[8], best, finite;
    __m256i arg;
} metrics_scan;

/* One chunk of n <= 8 classes starting at class j into the scan. */
LR_INLINE void scan_chunk(metrics_scan *sc, const __m256 t[8], size_t j, size_t n)
{
    const __m256 ninf = _mm256_set1_ps(-INFINITY), inf = _mm256_set1_ps(INFINITY);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (size_t c = 0; c < 8; c++)
        sc->vmax[c] = _mm256_max_ps(sc->vmax[c], c < n ? t[c] : ninf);
    for (size_t c = 0; c < n; c++) {
        sc->finite = _mm256_and_ps(sc->finite,
                                   _mm256_cmp_ps(_mm256_andnot_ps(sign, t[c]), inf, _CMP_LT_OQ));
        if (j + c == 0) {
            sc->best = t[c];
            continue;
        }
        __m256 gt = _mm256_cmp_ps(t[c], sc->best, _CMP_GT_OQ);
        sc->best = _mm256_blendv_ps(sc->best, t[c], gt);
        sc->arg = _mm256_blendv_epi8(sc->arg, _mm256_set1_epi32((int)(j + c)), _mm256_castps_si256(gt));
    }
}

/* softmax_row's exp pass for one chunk: class lanes past n add +0, as its masked exps do. */
LR_INLINE void exp_chunk(__m256 vsum[8], const __m256 t[8], __m256 vm, size_t n)
{
    for (size_t c = 0; c < 8; c++)
        vsum[c] = _mm256_add_ps(vsum[c], c < n ? exp_nonpositive(_mm256_sub_ps(t[c], vm))
                                               : _mm256_setzero_ps());
}

/* doc:softmax-metrics-avx2 */
/* nr <= 8 rows at z (labels y): adds their losses to total, in row order, and their count
 * classified right to *right. */
static double metrics_rows(size_t nr, size_t classes, const float *z, size_t ld, const uint8_t *y,
                           size_t *right, double total)
{
    metrics_scan sc = {.finite = _mm256_castsi256_ps(_mm256_set1_epi32(-1)),
                       .arg = _mm256_setzero_si256()};
    for (size_t c = 0; c < 8; c++)
        sc.vmax[c] = _mm256_set1_ps(-INFINITY);
    __m256 t[8];
    for (size_t j = 0; j < classes; j += 8) {
        size_t n = classes - j < 8 ? classes - j : 8;
        load_rows(nr, n, z + j, ld, t);
        if (n == 8)
            scan_chunk(&sc, t, j, 8);
        else
            scan_chunk(&sc, t, j, n);
    }
    __m256 vm = vmax_tree(sc.vmax), vsum[8];
    for (size_t c = 0; c < 8; c++)
        vsum[c] = _mm256_setzero_ps();
    for (size_t j = 0; j < classes; j += 8) {
        size_t n = classes - j < 8 ? classes - j : 8;
        load_rows(nr, n, z + j, ld, t);
        if (n == 8)
            exp_chunk(vsum, t, vm, 8);
        else
            exp_chunk(vsum, t, vm, n);
    }
    float m[8], s[8];
    int32_t label[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    _mm256_storeu_ps(m, vm);
    _mm256_storeu_ps(s, vsum_tree(vsum));
    for (size_t r = 0; r < nr; r++) {
        label[r] = y[r];
        total += log((double)s[r]) - (double)(z[r * ld + y[r]] - m[r]);
    }
    __m256i hit = _mm256_cmpeq_epi32(sc.arg, _mm256_loadu_si256((const __m256i *)label));
    unsigned ok = (unsigned)_mm256_movemask_ps(_mm256_and_ps(sc.finite, _mm256_castsi256_ps(hit)));
    *right += (size_t)__builtin_popcount(ok & ((1u << nr) - 1));
    return total;
}

double lr_softmax_metrics_avx2(size_t rows, size_t classes, const float *logits, size_t ld,
                               const uint8_t *labels, size_t *right)
{
    double total = 0.0;
    for (size_t i = 0; i < rows; i += 8)
        total = metrics_rows(rows - i < 8 ? rows - i : 8, classes, logits + i * ld, ld, labels + i,
                             right, total);
    return total;
}
/* end */
