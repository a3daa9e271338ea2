/* The training loop shared by lrlab train, the range test and sweeps (C21-C25 with C01-C16):
 * seeded shuffling, minibatches, a rate per step from a schedule, evaluation rows, divergence. */
#ifndef LRLAB_TRAIN_H
#define LRLAB_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrlab/optim.h"
#include "lrlab/problem.h"

struct lr_kernels;

/* Where the rate of each step comes from. lr_at(ctx, t) is the rate in force for the step taken
 * after t steps (t = 0, 1, ...). A performance-based schedule (reduce on plateau) also receives
 * one metric per epoch through on_metric, which may be NULL, before the next rate is read:
 * minibatch problems feed the held-out loss (test_loss) after each epoch; full-batch problems,
 * whose every step is a pass over all the data, feed the objective (train_loss) after each step. */
typedef struct lr_rate_source {
    double (*lr_at)(void *ctx, long t);
    void (*on_metric)(void *ctx, double metric);
    void *ctx;
} lr_rate_source;

typedef struct lr_train_config {
    long epochs;       /* minibatch problems: passes over the training set */
    long steps;        /* full-batch problems, or a cap on minibatch steps; 0 = no cap */
    size_t batch_size; /* minibatch size (the last batch of an epoch may be smaller) */
    uint64_t seed;     /* parameters and shuffling */
    long log_every;    /* 0: full-batch every step, minibatch every epoch; K: every K steps */
    const float *x0;   /* optional starting point (dim floats), else the problem's init */
    /* Optional subsets of the training samples (minibatch problems only; NULL: unused), as k-fold
     * cross-validation (C19) needs them. train_idx: train on these n_train_idx samples only (the
     * epoch is a pass over them). val_idx: the n_val_idx held-out samples; when set, every row
     * reports val_loss, their mean loss (the problem's loss_grad over chunks, into a scratch
     * gradient), train_loss becomes the mean loss over the training samples in use, and the problem's
     * evaluate is never called, so its test set is never touched (test_loss, test_acc, dist are
     * NaN). The watched loss (divergence, on_metric) is then val_loss. Entries must be < n_train. */
    const size_t *train_idx;
    size_t n_train_idx;
    const size_t *val_idx;
    size_t n_val_idx;
} lr_train_config;

typedef struct lr_train_row {
    long epoch;      /* completed epochs (0 before training; full-batch: 0) */
    long step;       /* optimizer steps taken */
    double lr_now;   /* rate in force for the next step */
    lr_eval eval;    /* losses, accuracy, dist at this point */
    double seconds;  /* wall time spent training so far, evaluation excluded */
    bool diverged;   /* the loss became non-finite: this is the last row */
    double val_loss; /* mean loss over lr_train_config.val_idx; NaN without one */
    const float *params; /* the problem's dim parameters at this point; valid during the sink call */
} lr_train_row;

/* Receives each row as it is made; 0 to go on, a negative value to stop training (lr_train
 * returns it). */
typedef int (*lr_row_sink)(void *ctx, const lr_train_row *row);

/* Optional progress callback: done out of total steps. */
typedef void (*lr_progress_fn)(void *ctx, long done, long total);

typedef struct lr_train_hooks {
    lr_row_sink sink;
    void *sink_ctx;
    lr_progress_fn progress;
    void *progress_ctx;
} lr_train_hooks;

/* Trains `problem` with optimizer `opt` at the rates of `rates`, kernels from `k`. Returns 0 when
 * training ran to the end or diverged (the last row says which), -1 when memory ran out, -2 for
 * invalid sample subsets (given for a full-batch problem, empty, or an index >= n_train), or the
 * sink's non-zero value. */
int lr_train(const lr_problem *problem, const lr_optim_config *opt, const lr_rate_source *rates,
             const lr_train_config *tc, const struct lr_kernels *k, const lr_train_hooks *hooks);

/* Optimizer steps lr_train will take (before any divergence): full-batch, tc->steps; minibatch,
 * epochs * ceil(n_train / batch_size), capped by tc->steps when that is > 0 (LONG_MAX when the
 * product overflows). A schedule that cannot be stepped that far is refused before training. */
long lr_train_total_steps(const lr_problem *problem, const lr_train_config *tc);

/* Monotonic wall-clock seconds (CLOCK_MONOTONIC, arbitrary origin): the clock of the rows'
 * `seconds`, of the lanes' split of step time and of the sweeps' progress lines. */
double lr_wall_seconds(void);

/* A rate source that always gives `*lr` (ctx points at the double). */
double lr_rate_constant(void *ctx, long t);
/* Rate sources of the schedules (C07-C16): lr_rate_chain reads a closed-form lr_chain (ctx: const
 * lr_chain *); lr_rate_plateau and lr_rate_plateau_metric, as lr_at and on_metric, drive an
 * lr_plateau (ctx: lr_plateau *, initialised; the run changes it, so use it for one run). */
double lr_rate_chain(void *ctx, long t);
double lr_rate_plateau(void *ctx, long t);
void lr_rate_plateau_metric(void *ctx, double metric);

/* Seeded Fisher-Yates shuffle of idx[0..n) (splitmix64), the same on every machine. */
void lr_shuffle(size_t *idx, size_t n, uint64_t *state);
uint64_t lr_splitmix64(uint64_t *state);

#endif
