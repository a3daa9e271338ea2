/* C20 lane-batched training: K runs of one problem (fmnist-softmax C24, quadratic C21, linreg C23)
 * that differ only in their optimizer settings and rates train side by side, every pass over the
 * data shared. An optimized procedure (optimized/lanes*.c, AVX2). */
#ifndef LRLAB_LANES_H
#define LRLAB_LANES_H

#include <stdbool.h>
#include <stddef.h>

#include "lrlab/data.h"
#include "lrlab/optim.h"
#include "lrlab/problem.h"
#include "lrlab/train.h"

#define LR_LANES_MAX 16

/* One lane: what lr_train would be handed for that run, and what became of it. */
typedef struct lr_lane {
    lr_optim_config opt;   /* valid (lr_optim_validate) */
    lr_rate_source rates;  /* the lane's own: a plateau's state is fed this lane's metric */
    lr_train_hooks hooks;  /* the sink receives this lane's rows */
    float *final_params;   /* optional (NULL: unused): p->dim floats, the lane's last parameters */
    /* The rows the sink receives carry `params` (the lane's parameters at that row) for quadratic
     * and linreg; NULL for fmnist-softmax, whose W and b live apart. */
    int rc;                /* out: 0, or the sink's non-zero value that stopped this lane */
    bool diverged;         /* out: the lane's last row says diverged */
    long steps;            /* out: optimizer steps the lane took */
} lr_lane;

/* Trains the lanes as lr_train(p, &lane.opt, &lane.rates, tc, &lr_kernels_avx2, &lane.hooks)
 * would train each one alone, with the same shuffled batches (tc->seed) and starting point.
 *
 * The contract, which tests/test_lanes.c checks with memcmp: every lane's rows (but `seconds`)
 * and final parameters are bitwise those of its single run. Why it holds: the AVX2 GEMM computes
 * each output element alone, in one register lane, from 0 over k blocks fixed by k only (784 =
 * 2 x 392), and adds the blocks to C in increasing k; widening the output from 10 to 10K columns
 * (forward: logits; backward: dW rows) changes which tile holds an element and perhaps the
 * orientation, never that element's operations (fma(a, b, c) = fma(b, a, c)). The bias gradient
 * sums each column over the rows in order, the softmax and the L2 term are per lane, and the
 * update rules are elementwise, so a lane's W and b can be stepped as two slices (two
 * lr_optimizer states with the same step count) with the bytes of one call over the vector.
 *
 * A lane stops alone when its batch loss or its watched loss (test_loss: the held-out split) is
 * non-finite (its last row diverged, as lr_train writes it) or its sink returns non-zero; the
 * others go on and their rows do not change. Stopped lanes leave the GEMM.
 * `seconds` in a lane's rows is its share of the batched training time: each step's wall time
 * divided among the lanes that took it (evaluation excluded, as in lr_train).
 *
 * p must be lr_problem_fmnist_softmax(p, ds, l2) (checked: name, dim, n_train). Not supported:
 * tc->train_idx / val_idx (cross-validation). Returns 0 (every lane ran to its end), -1 when
 * memory runs out, -2 for invalid arguments (nlanes not in 1..LR_LANES_MAX, another problem,
 * sample subsets), -3 when the CPU lacks AVX2+FMA. */
int lr_lanes_train_softmax(const lr_problem *p, const lr_dataset *ds, double l2,
                           const lr_train_config *tc, lr_lane *lanes, size_t nlanes);

/* Trains the lanes of any supported problem as lr_train(p, &lane.opt, &lane.rates, tc,
 * &lr_kernels_avx2, &lane.hooks) would train each one alone: fmnist-softmax as above (ds and l2
 * as given to lr_problem_fmnist_softmax), quadratic (diagonal or rotated; full batch, a row per
 * step or per tc->log_every, with dist) and linreg (mse or huber, outliers or not; minibatches of
 * tc->batch_size in lr_train's shuffled order, a row per epoch or per tc->log_every); ds and l2
 * are ignored for these two (NULL, 0).
 *
 * The lanes' parameter vectors sit side by side, K contiguous blocks of dim floats: each lane's
 * vector is laid out as the single run's, so its optimizer steps it in one elementwise call (the
 * single run's bytes) and the kernels below read it with the single run's loads. The contract, as
 * for the softmax, is bitwise: every lane's rows (but `seconds`) and final parameters equal its
 * single run's (tests/test_lanes_labs.c checks with memcmp). Why it holds, per pass:
 * - quadratic, rotated: the gradient of every lane is A times the dim x K block, one pass over A
 *   in tiles of 2 rows by 4 lanes; each of the 8 dot products of a tile keeps 8 FMA lanes over the
 *   row and ends with the pairwise tree of optimized/rowdot.h, which is exactly how
 *   lr_quadratic_dense_avx2 sums every row (rowdot8 and rowdot1 alike). The loss 1/2 x.(Ax) is the
 *   kernel's own call per lane. (A GEMM would sum each element in one FMA chain: another order,
 *   so it is not used.)
 * - quadratic, diagonal: each 8-float block of eig is read once for all lanes; per lane the
 *   product, the store and the 8-lane loss FMA are lr_quadratic_diag_avx2's, masked tail included.
 * - linreg: per 8-sample tile of the batch, the residual dot products X_b W of all lanes by the
 *   same 2 x 4 tiles (the rowdot tree), each lane's loss and psi by the kernel's own loss8, and
 *   X_b^T psi with each row block loaded once for all lanes, every gradient element accumulated
 *   by FMA over the samples in batch order as in lr_linreg_avx2; then the same division by B.
 *   Evaluation reuses the same pass (no gradient) over the problem's chunks.
 * Stopping, rates, rows and `seconds` follow the softmax contract above; the watched loss is the
 * objective (train_loss) for the quadratic and test_loss for linreg, as in lr_train; a plateau
 * schedule is fed that lane's objective after each step (quadratic) or its test_loss after each
 * epoch (linreg).
 *
 * Returns as lr_lanes_train_softmax: 0, -1 (memory), -2 for invalid arguments (nlanes not in
 * 1..LR_LANES_MAX, tc->train_idx or val_idx, a problem not built by its lrlab constructor, ds NULL
 * for fmnist-softmax, or another problem: rosenbrock and fmnist-mlp have no lanes), -3 without
 * AVX2+FMA. */
int lr_lanes_train(const lr_problem *p, const lr_dataset *ds, double l2, const lr_train_config *tc,
                   lr_lane *lanes, size_t nlanes);

#endif
