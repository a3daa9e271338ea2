/* lrlab sweep (C18 grid and random search, C19 k-fold cross-validation): the plan of runs with their
 * run ids, the table of finished rows that is resumed and rewritten atomically, and the summary. */
#ifndef LRLAB_CLI_SWEEP_H
#define LRLAB_CLI_SWEEP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

enum { SWEEP_MAX_VARY = 8, SWEEP_MAX_RUNS = 100000 };

/* One hyperparameter drawn per point: --vary NAME:LO:HI[:log]. */
typedef struct sweep_vary {
    char flag[48];   /* "--weight-decay" */
    char column[48]; /* "weight_decay", PyTorch's keyword */
    double lo, hi;
    bool log;        /* log-uniform; uniform otherwise */
} sweep_vary;

/* What the sweep flags ask for. */
typedef struct sweep_spec {
    bool random;            /* --lr-random COUNT --lr-range LO:HI; else --lr-grid LO:HI:COUNT */
    double lo, hi;
    long count;             /* points */
    uint64_t search_seed;   /* the streams of random rates and --vary draws */
    sweep_vary vary[SWEEP_MAX_VARY];
    size_t nvary;
    long seeds;             /* each point with seeds base_seed .. base_seed + seeds - 1 */
    long base_seed;
    long folds;             /* 0: no cross-validation; else K >= 2 */
    long shard_i, shard_n;  /* this process runs share I of N (1-based) */
} sweep_spec;

/* One run of the plan. */
typedef struct sweep_run {
    size_t index;           /* (point * seeds + seed offset) * max(folds, 1) + fold */
    size_t point;
    long seed, fold;        /* fold -1 without cross-validation */
    double lr, vary[SWEEP_MAX_VARY];
    int argc;
    char **argv;            /* "train" and the run's flags, canonical; no --output */
    char id[17];            /* FNV-1a 64 of argv, 16 hex digits */
} sweep_run;

typedef struct sweep_plan {
    sweep_run *runs;
    size_t n, points, per_point;
    sweep_run **by_id;      /* the runs sorted by id, for lookups */
} sweep_plan;

/* ---- sweep_plan.c --------------------------------------------------------------------------- */

/* Each parses the text of one sweep flag into spec; 0, or 2 after a message naming the flag. */
int sweep_parse_grid(const char *cmd, const char *text, sweep_spec *spec);
int sweep_parse_range(const char *cmd, const char *text, sweep_spec *spec);
int sweep_parse_shard(const char *cmd, const char *text, sweep_spec *spec);
/* run_args: the flags every run is given, as lrlab train binds them: the schedule flags, then the
 * run flags (the optimizer flags last, as lr_run_flag_args binds them). */
int sweep_parse_vary(const char *cmd, const char *text, const lr_arg *run_args, size_t nrun,
                     sweep_spec *spec);

/* Every run of the sweep, in plan order. run_args carry the flags given to the sweep; each run gets
 * those (canonically formatted, in binding order, --output left out; --schedule and its flags
 * included, so they are part of the id) with its own --lr, --seed, drawn values and
 * --folds K --fold F. Returns 0, 1 when memory runs out, 2 for a plan over SWEEP_MAX_RUNS or two
 * runs with one id. */
int sweep_plan_build(const char *cmd, const sweep_spec *spec, const lr_arg *run_args, size_t nrun,
                     sweep_plan *plan);
void sweep_plan_free(sweep_plan *plan);
/* Run `index` belongs to share I of N when index mod N == I - 1. */
bool sweep_in_share(const sweep_spec *spec, size_t index);
/* The run whose id is `id`, or NULL. */
const sweep_run *sweep_plan_find(const sweep_plan *plan, const char *id);
/* One self-contained shell command: lrlab train ARGS --output DIR/ID.csv, and a newline. Returns 0,
 * or -1 when memory runs out. */
int sweep_print_command(FILE *f, const sweep_run *run, const char *plan_dir);

/* ---- sweep_table.c -------------------------------------------------------------------------- */

/* The sweep's CSV: run_id,run, then the train columns (without fold,val_loss), then
 * fold,val_loss,steps_to_target and one column per varied hyperparameter. */
typedef struct sweep_table {
    const sweep_plan *plan;
    const sweep_spec *spec;
    char *train_header;   /* the header lrlab train writes for these runs */
    char *header;         /* the sweep's header */
    const char *watched;  /* the loss a run is scored by: val_loss, test_loss or train_loss */
    size_t watched_col;   /* its column in the sweep's header */
    size_t diverged_col;
    size_t ncols;
    double target;        /* --target-loss, NAN without */
    char **payload;       /* per run index: the row after "run_id,run,", NULL while unfinished */
    size_t finished;
} sweep_table;

/* train_header: what lrlab train writes (header line, no newline) for the plan's runs. Returns 0,
 * or 1 when memory runs out. */
int sweep_table_init(sweep_table *t, const sweep_plan *plan, const sweep_spec *spec,
                     const char *train_header, const char *watched, double target);
void sweep_table_free(sweep_table *t);

/* The row of `run` from the whole CSV lrlab train wrote for it (`what` names it in messages).
 * Stores it in the table and returns 0, or returns 2 after a message when the CSV is not one. */
int sweep_table_add_csv(sweep_table *t, const char *cmd, const sweep_run *run, const char *csv,
                        const char *what);

/* Reads an existing sweep file (resume): every row must be a run of this plan with the same header.
 * A missing or empty file holds no rows. Returns 0, 2 after a message, 1 for read errors. */
int sweep_table_load(sweep_table *t, const char *cmd, const char *path);

/* Writes the header and the finished rows in plan order, atomically. Returns 0, or 2 when the file
 * cannot be created, 1 for write errors. */
int sweep_table_write(const sweep_table *t, const char *cmd, const char *path);

/* The summary per point and the chosen rate: CSV to `csv_path` (NULL: none) and one line on
 * stderr. Returns 0 or 1 (I/O). */
int sweep_summary(const sweep_table *t, const char *cmd, const char *csv_path);

/* The score (the watched loss of the last row) and diverged flag of a finished run. */
bool sweep_table_score(const sweep_table *t, size_t index, double *score, bool *diverged);
/* The progress line of a finished run on stderr: done of ntodo, seconds since `start`
 * (lr_wall_seconds), the run, and its score or that it diverged. */
void sweep_table_progress(const sweep_table *t, const sweep_run *run, size_t done, size_t ntodo,
                          double start);

/* ---- sweep_batched.c -------------------------------------------------------------------------
 * --batched (C20): the runs todo[0..ntodo) (fmnist-softmax, quadratic or linreg, AVX2, no folds;
 * checked before) in passes of up to `lanes` (<= LR_LANES_MAX) runs of one seed, `jobs` passes at
 * once; each lane's train CSV goes
 * into the table as execute_run's would, and the output is rewritten after every pass. Returns 0,
 * 2 after a message for a run that cannot be set up, 1 for failures while running. */
int sweep_run_batched(const char *cmd, sweep_table *t, const size_t *todo, size_t ntodo,
                      size_t lanes, long jobs, const char *output);

#endif
