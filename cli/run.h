/* The flags of one training run (problem, optimizer, schedule, training) shared by train, find-lr
 * and sweep, and what they turn into: a problem, an optimizer config, a rate source, kernels. */
#ifndef LRLAB_CLI_RUN_H
#define LRLAB_CLI_RUN_H

#include "cli.h"
#include "lrlab/train.h"

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
} lr_problem_flags;

enum { LR_PROBLEM_NFLAGS = 14 };

/* The problem flags bound to *pf, with their groups (bits 8..15). */
void lr_problem_flag_args(lr_arg *out, lr_problem_flags *pf);

/* Builds the problem named in pf (defaults for flags not given, per problem), checking that every
 * problem flag given applies to it. x0 (when --x0 was given) is malloc'ed into *x0 (else NULL).
 * Returns 0, or prints a message naming the flag or file and returns 2 (1 for I/O failures). */
int lr_problem_from_flags(const char *cmd, const lr_arg *args, size_t nargs,
                          const lr_problem_flags *pf, uint64_t seed, lr_problem *out, float **x0);

/* Default training length and batch size of a problem (full-batch: steps; else epochs). */
void lr_problem_training_defaults(const char *problem, long *epochs, long *steps, long *batch);

#endif
