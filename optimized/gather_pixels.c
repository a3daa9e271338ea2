/* C24/C25 minibatch assembly, AVX2+FMA twin: eight bytes at a time widened to float and divided by
 * 255 through a reciprocal multiply that one FMA step makes correctly rounded (bitwise equal to
 * the reference's division for every byte value). */
#include <immintrin.h>

#include "avx2.h"
#include "lrlab/objective_nn.h"

/* doc:gather-pixels-avx2 */
/* q = b * r with r = RN(1/255) may be one ulp off; e = b - 255 q is exact with FMA, and q + e r
 * rounds to RN(b/255) (Markstein's correction; the test checks all 256 bytes). */
LR_INLINE __m256 div255(__m256 b)
{
    const __m256 r = _mm256_set1_ps(1.0f / 255.0f), d = _mm256_set1_ps(255.0f);
    __m256 q = _mm256_mul_ps(b, r);
    __m256 e = _mm256_fnmadd_ps(q, d, b);
    return _mm256_fmadd_ps(e, r, q);
}

/* Rows come from anywhere in the data set, so each one waits for memory; asking for the row
 * GATHER_AHEAD places later while this one is converted keeps several fetches in flight. */
#define GATHER_AHEAD 8

LR_INLINE void prefetch_row(const uint8_t *row, size_t dim)
{
    for (size_t k = 0; k < dim; k += 64)
        _mm_prefetch((const char *)(row + k), _MM_HINT_T0);
    _mm_prefetch((const char *)(row + dim - 1), _MM_HINT_T0);
}

void lr_gather_pixels_avx2(size_t rows, size_t dim, const uint8_t *pixels, const size_t *idx,
                           float *x)
{
    for (size_t r = 0; r < rows && r < GATHER_AHEAD; r++)
        prefetch_row(pixels + idx[r] * dim, dim);
    for (size_t r = 0; r < rows; r++) {
        if (r + GATHER_AHEAD < rows)
            prefetch_row(pixels + idx[r + GATHER_AHEAD] * dim, dim);
        const uint8_t *src = pixels + idx[r] * dim;
        float *dst = x + r * dim;
        size_t k = 0;
        for (; k + 8 <= dim; k += 8) {
            __m128i bytes = _mm_loadl_epi64((const __m128i *)(src + k));
            __m256 b = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
            _mm256_storeu_ps(dst + k, div255(b));
        }
        for (; k < dim; k++) {
            __m256 b = _mm256_set1_ps((float)src[k]);
            dst[k] = _mm256_cvtss_f32(div255(b));
        }
    }
}
/* end */
