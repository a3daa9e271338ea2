/* C24/C25 softmax cross-entropy, AVX2+FMA twin: eight classes per vector, exp from a polynomial
 * (within LR_EXP_AVX2_ULP ulp), the row sum as a tree. Bound against the reference: objective_nn.h. */
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
