/* C24/C25 single-precision GEMM for the AVX2 dense twins: blocked, packed panels, a 6x16 FMA
 * register tile. Internal to optimized/ (its reference is the plain loops of reference/dense.c). */
#ifndef LRLAB_OPTIMIZED_GEMM_H
#define LRLAB_OPTIMIZED_GEMM_H

#include <stdbool.h>
#include <stddef.h>

/* A read-only matrix with general strides: element (i, j) is at p[i*rs + j*cs]. Any layout
 * (row-major, column-major, a transposed view) is one of these. */
typedef struct lr_cmat {
    const float *p;
    size_t rs, cs;
} lr_cmat;

/* Blocking (BLIS names): the register tile is MR x NR; a packed A block is MC x KC (meant for L2),
 * a packed B block KC x NC; one B micro-panel, KC x NR, is reused by every A micro-panel of the
 * block. KC = 400 takes a 784-input layer in two k blocks of 392; 256 and 800 timed the same
 * within this machine's noise (about 10%) on the Fashion-MNIST shapes. An operand already in
 * panel layout (A column-major, B row-major) is read in place; only its ragged edges are packed. */
#define LR_GEMM_MR 6
#define LR_GEMM_NR 16
#define LR_GEMM_KC 400
#define LR_GEMM_MC 120
#define LR_GEMM_NC 512

/* C = A B (accumulate: C += A B), A m x k, B k x n, C m x n at c[i*rsc + j*csc]. Each element
 * of C is accumulated in one register lane with FMA from 0 over a block of at most KC terms, then
 * added to C; the blocks run in increasing k, so every product passes through at most k + 1
 * roundings (the bound in objective_nn.h). Computes C^T = B^T A^T instead when that pads the
 * tiles less. `scratch`: LR_DENSE_SCRATCH_FLOATS floats, 32-byte aligned. C must not overlap A
 * or B. */
void lr_gemm_avx2(size_t m, size_t n, size_t k, lr_cmat a, lr_cmat b, float *c, size_t rsc,
                  size_t csc, bool accumulate, float *scratch);

#endif
