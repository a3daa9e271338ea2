/* C20 lane-batched training: K runs of fmnist-softmax (C24) that differ only in their optimizer
 * settings and rates train side by side on the same minibatches, every pass over the data shared:
 * the K weight matrices are one wider GEMM. An optimized procedure (optimized/lanes.c, AVX2). */
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

#endif
