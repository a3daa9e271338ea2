/* One `lrlab train` run as a job (C21-C25; C19 folds): its flags, set-up, training and CSV, shared
 * by lrlab train and lrlab sweep, so a sweep's run is exactly the train command it plans. */
#ifndef LRLAB_CLI_TRAIN_JOB_H
#define LRLAB_CLI_TRAIN_JOB_H

#include <stdio.h>

#include "run.h"
#include "schedule_flags.h"

enum { LR_JOB_NEXTRA = 3 };

/* --trace writes a column per parameter: meant for pictures of small problems. */
enum { LR_TRACE_MAX_DIM = 64 };

typedef struct lr_train_job {
    lr_run_flags rf;
    long folds, fold;               /* --folds K --fold F: train on the other folds, report F's loss */
    bool trace;                     /* --trace: the parameters x1..xD on every row */
    lr_schedule_flags sf;           /* --schedule NAME and its flags */
    /* bound to the fold fields, sf and rf, in that order (the optimizer flags last) */
    lr_arg args[LR_JOB_NEXTRA + LR_SCHEDULE_NFLAGS_MAX + LR_RUN_NFLAGS];
    size_t nargs;
    size_t nsched;                  /* schedule flags at args + LR_JOB_NEXTRA */
    lr_run_setup run;
    size_t *train_idx, *val_idx;    /* the fold's split (NULL without --folds) */
    bool ready;                     /* run is set up and must be freed */
} lr_train_job;

/* Binds the job's flags: the fold flags, the schedule flags, then the run flags (lr_run_setup_make
 * wants the optimizer flags last).
 * The job must stay where it is: the flags point into it. */
void lr_train_job_flags(lr_train_job *job);

/* After lr_args_parse on job->args: validates every flag (naming the one at fault) and builds the
 * run and its fold split. Returns 0, or 2 (1 for I/O failures) after printing why. */
int lr_train_job_setup(const char *cmd, lr_train_job *job);

/* Trains and writes the whole CSV (header and rows) to f. Returns 0, or 1 after printing why
 * (memory ran out). */
int lr_train_job_run(const char *cmd, lr_train_job *job, FILE *f, lr_progress_fn progress,
                     void *progress_ctx);

void lr_train_job_free(lr_train_job *job);

/* The CSV lrlab train writes: header, then one line per row. fold < 0: no fold columns; else the
 * columns fold,val_loss follow the usual ones. trace_dim > 0: columns x1..x{trace_dim} follow,
 * from trace (trace_dim floats per row). n = 0 writes the header alone. */
void lr_train_csv_write(FILE *f, const lr_train_row *rows, size_t n, const lr_train_labels *lab,
                        long fold, const float *trace, size_t trace_dim);

#endif
