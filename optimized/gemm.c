/* C24/C25 AVX2+FMA GEMM: where training time goes. BLIS's loop nest around a 6x16 register tile:
 * B packed in KC x NR micro-panels, A in MR x KC micro-panels, zero-padded edges, and either
 * orientation of C chosen so the tiles waste the least work. */
#include <immintrin.h>
#include <string.h>

#include "avx2.h"
#include "gemm.h"
#include "lrlab/objective_nn.h"

#define MR LR_GEMM_MR
#define NR LR_GEMM_NR
#define KC LR_GEMM_KC
#define MC LR_GEMM_MC
#define NC LR_GEMM_NC
#define PACK_SLACK 64 /* the 6-row packer stores 8 floats where 6 belong */

_Static_assert(KC * NC + MC * KC + MR * KC + NR * KC + PACK_SLACK <= LR_DENSE_SCRATCH_FLOATS,
               "LR_DENSE_SCRATCH_FLOATS must hold the packed B and A blocks, two edge panels and "
               "the slack");
_Static_assert(MC % MR == 0 && NC % NR == 0, "blocks must be whole micro-panels");

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static lr_cmat sub(lr_cmat m, size_t i, size_t j)
{
    return (lr_cmat){m.p + i * m.rs + j * m.cs, m.rs, m.cs};
}

/* ---- Packing --------------------------------------------------------------------------------
 * A micro-panel: for p = 0..kc-1, the MR values A[i0..i0+MR)[p]. B micro-panel: for each p, the
 * NR values B[p][j0..j0+NR). The kernel then reads both with unit stride. */

/* Full panel from MR rows that are contiguous along k: 8x8 transposes (two rows of zeros). Each
 * store writes 8 floats at a stride of 6; the next store overwrites the 2 extra. */
static void pack_a_rows(size_t kc, const float *a, size_t rs, float *ap)
{
    size_t p = 0;
    for (; p + 8 <= kc; p += 8) {
        __m256 r[8];
        for (int i = 0; i < MR; i++)
            r[i] = _mm256_loadu_ps(a + i * rs + p);
        r[6] = r[7] = _mm256_setzero_ps();
        lr_transpose8(r);
        for (int t = 0; t < 8; t++)
            _mm256_storeu_ps(ap + (p + t) * MR, r[t]);
    }
    for (; p < kc; p++)
        for (int i = 0; i < MR; i++)
            ap[p * MR + i] = a[i * rs + p];
}

static void pack_a(size_t mc, size_t kc, lr_cmat a, float *ap)
{
    for (size_t i0 = 0; i0 < mc; i0 += MR, ap += MR * kc) {
        size_t mr = min_size(MR, mc - i0);
        const float *src = a.p + i0 * a.rs;
        if (mr == MR && a.cs == 1) {
            pack_a_rows(kc, src, a.rs, ap);
        } else if (mr == MR && a.rs == 1) {
            for (size_t p = 0; p < kc; p++)
                memcpy(ap + p * MR, src + p * a.cs, MR * sizeof(float));
        } else {
            for (size_t p = 0; p < kc; p++)
                for (size_t i = 0; i < MR; i++)
                    ap[p * MR + i] = i < mr ? src[i * a.rs + p * a.cs] : 0.0f;
        }
    }
}

/* Full panel from NR columns that are contiguous along k: two 8x8 transposes per 8 values of k. */
static void pack_b_cols(size_t kc, const float *b, size_t cs, float *bp)
{
    size_t p = 0;
    for (; p + 8 <= kc; p += 8) {
        for (int half = 0; half < 2; half++) {
            __m256 r[8];
            for (int j = 0; j < 8; j++)
                r[j] = _mm256_loadu_ps(b + (size_t)(8 * half + j) * cs + p);
            lr_transpose8(r);
            for (int t = 0; t < 8; t++)
                _mm256_store_ps(bp + (p + t) * NR + 8 * half, r[t]);
        }
    }
    for (; p < kc; p++)
        for (size_t j = 0; j < NR; j++)
            bp[p * NR + j] = b[j * cs + p];
}

static void pack_b(size_t kc, size_t nc, lr_cmat b, float *bp)
{
    for (size_t j0 = 0; j0 < nc; j0 += NR, bp += NR * kc) {
        size_t nr = min_size(NR, nc - j0);
        const float *src = b.p + j0 * b.cs;
        if (nr == NR && b.cs == 1) {
            for (size_t p = 0; p < kc; p++) {
                _mm256_store_ps(bp + p * NR, _mm256_loadu_ps(src + p * b.rs));
                _mm256_store_ps(bp + p * NR + 8, _mm256_loadu_ps(src + p * b.rs + 8));
            }
        } else if (nr == NR && b.rs == 1) {
            pack_b_cols(kc, src, b.cs, bp);
        } else {
            for (size_t p = 0; p < kc; p++)
                for (size_t j = 0; j < NR; j++)
                    bp[p * NR + j] = j < nr ? src[p * b.rs + j * b.cs] : 0.0f;
        }
    }
}

/* ---- The micro-kernel -------------------------------------------------------------------------
 * 12 accumulators hold the 6x16 tile; per k: two loads of B, six broadcasts of A, twelve FMAs.
 * A's six values for step p are at a + p*lda, B's sixteen at b + p*ldb: packed panels have
 * lda = MR and ldb = NR, an operand already laid out that way is read in place. The tile starts
 * at 0 and is added to C at the end (or stored when `add` is false). */

/* doc:gemm-microkernel-avx2 */
#define LR_GEMM_STEP()                                                                        \
    do {                                                                                      \
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);                          \
        __m256 a0 = _mm256_broadcast_ss(a + 0);                                               \
        c00 = _mm256_fmadd_ps(a0, b0, c00);                                                   \
        c01 = _mm256_fmadd_ps(a0, b1, c01);                                                   \
        a0 = _mm256_broadcast_ss(a + 1);                                                      \
        c10 = _mm256_fmadd_ps(a0, b0, c10);                                                   \
        c11 = _mm256_fmadd_ps(a0, b1, c11);                                                   \
        a0 = _mm256_broadcast_ss(a + 2);                                                      \
        c20 = _mm256_fmadd_ps(a0, b0, c20);                                                   \
        c21 = _mm256_fmadd_ps(a0, b1, c21);                                                   \
        a0 = _mm256_broadcast_ss(a + 3);                                                      \
        c30 = _mm256_fmadd_ps(a0, b0, c30);                                                   \
        c31 = _mm256_fmadd_ps(a0, b1, c31);                                                   \
        a0 = _mm256_broadcast_ss(a + 4);                                                      \
        c40 = _mm256_fmadd_ps(a0, b0, c40);                                                   \
        c41 = _mm256_fmadd_ps(a0, b1, c41);                                                   \
        a0 = _mm256_broadcast_ss(a + 5);                                                      \
        c50 = _mm256_fmadd_ps(a0, b0, c50);                                                   \
        c51 = _mm256_fmadd_ps(a0, b1, c51);                                                   \
        a += lda;                                                                             \
        b += ldb;                                                                             \
    } while (0)

/* C's tile is a column-major 6x16 block (csc contiguous rows of C^T): transpose it in registers
 * and move six floats per column. */
static inline void store_transposed(__m256 acc[MR][2], float *c, size_t csc, bool add)
{
    for (int half = 0; half < 2; half++) {
        __m256 r[8];
        for (int i = 0; i < MR; i++)
            r[i] = acc[i][half];
        r[6] = r[7] = _mm256_setzero_ps();
        lr_transpose8(r);
        for (int t = 0; t < 8; t++) {
            float *col = c + (size_t)(8 * half + t) * csc;
            __m128 lo = _mm256_castps256_ps128(r[t]), hi = _mm256_extractf128_ps(r[t], 1);
            /* Two floats move as one 64-bit integer; memcpy keeps the unaligned access defined. */
            if (add) {
                long long old;
                memcpy(&old, col + 4, sizeof old);
                lo = _mm_add_ps(_mm_loadu_ps(col), lo);
                hi = _mm_add_ps(_mm_castsi128_ps(_mm_cvtsi64_si128(old)), hi);
            }
            _mm_storeu_ps(col, lo);
            long long last2 = _mm_cvtsi128_si64(_mm_castps_si128(hi));
            memcpy(col + 4, &last2, sizeof last2);
        }
    }
}

/* One step per iteration: with strides known at the call site the compiler keeps all twelve
 * accumulators in registers; a manual unroll with run-time strides made it spill them. */
LR_INLINE void kernel_6x16(size_t kc, const float *restrict a, size_t lda,
                           const float *restrict b, size_t ldb, float *c, size_t rsc, size_t csc,
                           size_t mr, size_t nr, bool add)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (size_t p = 0; p < kc; p++)
        LR_GEMM_STEP();

    __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    if (mr == MR && nr == NR && csc == 1) {
        for (int i = 0; i < MR; i++) {
            float *row = c + i * rsc;
            __m256 v0 = acc[i][0], v1 = acc[i][1];
            if (add) {
                v0 = _mm256_add_ps(_mm256_loadu_ps(row), v0);
                v1 = _mm256_add_ps(_mm256_loadu_ps(row + 8), v1);
            }
            _mm256_storeu_ps(row, v0);
            _mm256_storeu_ps(row + 8, v1);
        }
        return;
    }
    if (mr == MR && nr == NR && rsc == 1) {
        store_transposed(acc, c, csc, add);
        return;
    }
    float tile[MR][NR];
    for (int i = 0; i < MR; i++) {
        _mm256_storeu_ps(tile[i], acc[i][0]);
        _mm256_storeu_ps(tile[i] + 8, acc[i][1]);
    }
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < nr; j++) {
            float *dst = c + i * rsc + j * csc;
            *dst = add ? *dst + tile[i][j] : tile[i][j];
        }
}
/* end */

/* Tiles cover ceil(m/MR)*MR x ceil(n/NR)*NR; computing C^T = B^T A^T swaps the roles. */
static size_t padded_work(size_t m, size_t n)
{
    return (m + MR - 1) / MR * MR * ((n + NR - 1) / NR * NR);
}

/* doc:gemm-avx2 */
/* One call after orientation: operands, where C lives, and the panels' homes in scratch. A
 * column-major A or a row-major B already holds its panels' values at a fixed stride (`direct`):
 * the kernel reads it in place and only the ragged edge panels are packed (zero-padded). */
typedef struct gemm_job {
    lr_cmat a, b;
    float *c;
    size_t rsc, csc;
    bool a_direct, b_direct;
    float *bp, *ap, *edge_a, *edge_b;
} gemm_job;

/* Every tile of the block C[ic..ic+mc)[jc..jc+nc) for the k block [pc, pc+kc), whose B block is
 * packed already (unless direct). */
static void macro_kernel(const gemm_job *g, size_t ic, size_t mc, size_t jc, size_t nc, size_t pc,
                         size_t kc, bool add)
{
    size_t mfull = mc / MR * MR;
    if (!g->a_direct)
        pack_a(mc, kc, sub(g->a, ic, pc), g->ap);
    else if (mfull < mc)
        pack_a(mc - mfull, kc, sub(g->a, ic + mfull, pc), g->edge_a);
    for (size_t jr = 0; jr < nc; jr += NR) {
        size_t nr = min_size(NR, nc - jr), ldb = NR;
        const float *bpan = g->bp + jr * kc;
        if (g->b_direct && nr == NR) {
            bpan = g->b.p + pc * g->b.rs + (jc + jr);
            ldb = g->b.rs;
        } else if (g->b_direct) {
            pack_b(kc, nr, sub(g->b, pc, jc + jr), g->edge_b);
            bpan = g->edge_b;
        }
        for (size_t ir = 0; ir < mc; ir += MR) {
            size_t mr = min_size(MR, mc - ir), lda = MR;
            const float *apan = g->ap + ir * kc;
            if (g->a_direct && mr == MR) {
                apan = g->a.p + (ic + ir) + pc * g->a.cs;
                lda = g->a.cs;
            } else if (g->a_direct) {
                apan = g->edge_a;
            }
            float *ct = g->c + (ic + ir) * g->rsc + (jc + jr) * g->csc;
            /* The packed cases get their constant strides compiled in. */
            if (lda == MR && ldb == NR)
                kernel_6x16(kc, apan, MR, bpan, NR, ct, g->rsc, g->csc, mr, nr, add);
            else if (lda == MR)
                kernel_6x16(kc, apan, MR, bpan, ldb, ct, g->rsc, g->csc, mr, nr, add);
            else if (ldb == NR)
                kernel_6x16(kc, apan, lda, bpan, NR, ct, g->rsc, g->csc, mr, nr, add);
            else
                kernel_6x16(kc, apan, lda, bpan, ldb, ct, g->rsc, g->csc, mr, nr, add);
        }
    }
}

void lr_gemm_avx2(size_t m, size_t n, size_t k, lr_cmat a, lr_cmat b, float *c, size_t rsc,
                  size_t csc, bool accumulate, float *scratch)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        for (size_t i = 0; !accumulate && i < m; i++)
            for (size_t j = 0; j < n; j++)
                c[i * rsc + j * csc] = 0.0f;
        return;
    }
    gemm_job g = {.a = a, .b = b, .c = c, .rsc = rsc, .csc = csc};
    if (padded_work(n, m) < padded_work(m, n)) {
        g.a = (lr_cmat){b.p, b.cs, b.rs};
        g.b = (lr_cmat){a.p, a.cs, a.rs};
        g.rsc = csc;
        g.csc = rsc;
        size_t t = m;
        m = n;
        n = t;
    }
    g.a_direct = g.a.rs == 1;
    g.b_direct = g.b.cs == 1;
    g.bp = scratch;
    g.ap = g.bp + KC * NC;
    g.edge_a = g.ap + MC * KC;
    g.edge_b = g.edge_a + MR * KC;
    /* Equal k blocks (784 = 2 x 392, not 400 + 384): no block is a short tail. */
    size_t kblocks = (k + KC - 1) / KC, kcb = (k + kblocks - 1) / kblocks;
    for (size_t jc = 0; jc < n; jc += NC) {
        size_t nc = min_size(NC, n - jc);
        for (size_t pc = 0; pc < k; pc += kcb) {
            size_t kc = min_size(kcb, k - pc);
            if (!g.b_direct)
                pack_b(kc, nc, sub(g.b, pc, jc), g.bp);
            for (size_t ic = 0; ic < m; ic += MC)
                macro_kernel(&g, ic, min_size(MC, m - ic), jc, nc, pc, kc, accumulate || pc > 0);
        }
    }
}
/* end */
