/* Helpers shared by the AVX2+FMA twins: 8-lane loads and stores with a masked tail, the
 * canonical NaN of lrlab/numerics.h, an 8x8 transpose. Only files under optimized/ include this. */
#ifndef LRLAB_OPTIMIZED_AVX2_H
#define LRLAB_OPTIMIZED_AVX2_H

#include <immintrin.h>
#include <stdbool.h>
#include <stddef.h>

#include "lrlab/numerics.h"

#define LR_INLINE static inline __attribute__((always_inline))

/* doc:avx2-helpers */
/* Lanes 0..k-1 on (all bits set), the rest off: the mask for a tail of k < 8 elements. */
LR_INLINE __m256i lr_tail_mask(size_t k)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)k), lane);
}

/* Full blocks use plain unaligned moves; the one tail block uses masked moves, which neither read
 * nor write past the end of the arrays. `tail` is a constant at every call site. */
LR_INLINE __m256 lr_load(const float *p, __m256i mask, bool tail)
{
    return tail ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
}

LR_INLINE void lr_store(float *p, __m256 v, __m256i mask, bool tail)
{
    if (tail)
        _mm256_maskstore_ps(p, mask, v);
    else
        _mm256_storeu_ps(p, v);
}

/* lr_canon() on 8 lanes: NaN lanes become the canonical quiet NaN. */
LR_INLINE __m256 lr_canon8(__m256 x)
{
    __m256 nan = _mm256_castsi256_ps(_mm256_set1_epi32((int)LR_CANONICAL_NAN_BITS));
    return _mm256_blendv_ps(x, nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

/* -x when `negate`, as the reference's unary minus: flip the sign bit only. Branch-free (XOR with
 * +0.0f changes nothing), so inside a loop it costs one XOR and the mask is hoisted. */
LR_INLINE __m256 lr_negate_if(__m256 x, bool negate)
{
    return _mm256_xor_ps(x, _mm256_set1_ps(negate ? -0.0f : 0.0f));
}
/* end */

/* In-register 8x8 transpose: row t of the result is column t of the input. The GEMM packs panels
 * with it; the softmax metrics turn eight rows of logits into one row per lane with it. */
LR_INLINE void lr_transpose8(__m256 r[8])
{
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

#endif
