/* The flags of one training run (problem, optimizer, schedule, training) shared by train, find-lr
 * and sweep, and what they turn into: a problem, an optimizer config, a rate source, kernels. */
#ifndef LRLAB_CLI_RUN_H
#define LRLAB_CLI_RUN_H

#include "cli.h"
#include "lrlab/train.h"
#include "schedule_flags.h"

/* Problem flags as given (strings are parsed after --problem is known). */
typedef struct lr_problem_flags {
    const char *problem;
    long dim;
    double mu, L;
    bool rotate;
    const char *x0;
    long samples, features;
    double noise, outliers;
    const char *loss;
    const char *data;
    long validation;
    const char *hidden;
    double l2;
    double huber_delta;
    long train_size;
    /* Not a flag: when set, a Fashion-MNIST problem is built on this data set (loaded with the
     * same flags) instead of loading its own; sweep --batched shares one copy among its lanes. */
    const struct lr_dataset *shared_data;
} lr_problem_flags;

enum { LR_PROBLEM_NFLAGS = 17 };

/* Defaults before parsing (per-problem choices are made when the problem is known). */
void lr_problem_flags_defaults(lr_problem_flags *pf);

/* The problem flags bound to *pf, with their groups (bits 8..15). */
void lr_problem_flag_args(lr_arg *out, lr_problem_flags *pf);

/* Builds the problem named in pf (defaults for flags not given, per problem), checking that every
 * problem flag given applies to it. x0 (when --x0 was given) is malloc'ed into *x0 (else NULL).
 * Returns 0, or prints a message naming the flag or file and returns 2 (1 for I/O failures). */
struct lr_dataset;
/* Fashion-MNIST problems also load the data set into *data (malloc'ed; it must outlive the
 * problem: free with lr_dataset_free and free after lr_problem_free); NULL for the others, and
 * NULL when pf->shared_data was used. */
int lr_problem_from_flags(const char *cmd, const lr_arg *args, size_t nargs,
                          const lr_problem_flags *pf, uint64_t seed, lr_problem *out, float **x0,
                          struct lr_dataset **data);

/* Default training length and batch size of a problem (full-batch: steps; else epochs). */
void lr_problem_training_defaults(const char *problem, long *epochs, long *steps, long *batch);

/* Every flag of one training run. */
typedef struct lr_run_flags {
    lr_problem_flags problem;
    const char *optimizer, *impl, *output;
    lr_optim_config raw_opt;
    long epochs, steps, batch_size, log_every, seed;
    /* lrlab train's schedule flags, bound beside the run flags (NULL: find-lr, whose range test
     * sets its own rates). Without --schedule the rate is the constant --lr. */
    const lr_schedule_flags *schedule;
    const lr_arg *schedule_args;
    size_t schedule_nargs;
} lr_run_flags;

enum { LR_RUN_NFLAGS = LR_PROBLEM_NFLAGS + LR_OPTIM_NFLAGS + 9 };

void lr_run_flags_defaults(lr_run_flags *rf);
/* Binds every run flag to *rf into out[] (LR_RUN_NFLAGS entries); returns the count. */
size_t lr_run_flag_args(lr_arg *out, lr_run_flags *rf);

/* What a run's rows are labelled with. */
typedef struct lr_train_labels {
    const char *problem, *optimizer, *schedule;
    double lr;
    uint64_t seed;
} lr_train_labels;

/* A run ready for lr_train: owns the problem and the starting point. `rates` points into the
 * setup itself (a plateau's state changes as it is fed), so a setup serves one run and is not
 * copied. */
typedef struct lr_run_setup {
    lr_problem problem;
    lr_optim_config opt;
    lr_rate_source rates;
    double constant_lr;
    bool scheduled;       /* --schedule was given: */
    lr_schedule schedule; /* its configuration, base rate = opt.lr */
    lr_chain chain;       /* closed forms: the schedule behind its warmup */
    lr_plateau plateau;   /* plateau: its state */
    lr_train_config train;
    const struct lr_kernels *kernels;
    lr_train_labels labels;
    float *x0;
    struct lr_dataset *data; /* Fashion-MNIST: the data the problem reads */
} lr_run_setup;

/* Validates every flag (naming the one at fault) and builds the run: the schedule is checked
 * before the problem is built, and refused when it cannot be stepped through the run (OneCycleLR
 * past total_steps). Returns 0, or 2 (1 for I/O failures) after printing why; nothing to free
 * then. */
int lr_run_setup_make(const char *cmd, const lr_arg *args, size_t nargs, const lr_run_flags *rf,
                      lr_run_setup *run);
void lr_run_setup_free(lr_run_setup *run);

#endif
