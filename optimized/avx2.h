/* Helpers shared by the AVX2+FMA twins: 8-lane loads and stores with a masked tail, and the
 * canonical NaN of lrlab/numerics.h. Only files under optimized/ include this. */
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

#endif
