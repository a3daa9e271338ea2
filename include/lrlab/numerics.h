/* lrlab numerics shared by every kernel pair: the canonical NaN and the rounding rule
 * for per-step scalars. Both twins include this, so they write NaN with the same bits. */
#ifndef LRLAB_NUMERICS_H
#define LRLAB_NUMERICS_H

#include <stdint.h>
#include <string.h>

/* IEEE 754 does not fix which payload an operation returns when several operands are NaN, and
 * compilers may swap the operands of commutative operations. To keep the reference and its AVX2
 * twin bitwise equal, every value a kernel stores passes through lr_canon(): any NaN becomes this
 * one positive quiet NaN. NaN-ness propagates exactly as in PyTorch; only the payload is fixed. */
/* doc:canonical-nan */
#define LR_CANONICAL_NAN_BITS 0x7fc00000u

static inline float lr_canonical_nan(void)
{
    uint32_t bits = LR_CANONICAL_NAN_BITS;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline float lr_canon(float x)
{
    return x != x ? lr_canonical_nan() : x;
}
/* end */

/* Per-step scalars are computed in double and rounded once to float, identically for both twins. */
static inline float lr_round(double x)
{
    return (float)x;
}

#endif
