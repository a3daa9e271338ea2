/* One `lrlab train` run as a job (C21-C25; C19 folds): flags, set-up with the fold split, training,
 * and the CSV writer that lrlab train and lrlab sweep share. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/select.h"
#include "train_job.h"

void lr_train_job_flags(lr_train_job *job)
{
    memset(job, 0, sizeof *job);
    lr_run_flags_defaults(&job->rf);
    job->folds = job->fold = -1;
    const lr_arg extra[LR_JOB_NEXTRA] = {
        {"--folds", LR_ARG_LONG, &job->folds, "K",
         "k-fold cross-validation on the training set (minibatch problems): train on all folds "
         "but one; with --fold", 0, false},
        {"--fold", LR_ARG_LONG, &job->fold, "F",
         "the held-out fold, 0..K-1: rows report its loss as val_loss; the test set is not used",
         0, false},
        {"--trace", LR_ARG_FLAG, &job->trace, NULL,
         "append the parameters x1..xD to every row (at most 64 parameters)", 0, false},
    };
    memcpy(job->args, extra, sizeof extra);
    lr_arg *sched = job->args + LR_JOB_NEXTRA;
    job->nsched = lr_schedule_flags_bind(&job->sf, LR_SCHEDULE_FOR_TRAIN, sched);
    job->rf.schedule = &job->sf;
    job->rf.schedule_args = sched;
    job->rf.schedule_nargs = job->nsched;
    job->nargs = LR_JOB_NEXTRA + job->nsched + lr_run_flag_args(sched + job->nsched, &job->rf);
}

static bool seen(const lr_train_job *job, const char *name)
{
    for (size_t i = 0; i < job->nargs; i++)
        if (strcmp(job->args[i].name, name) == 0)
            return job->args[i].seen;
    return false;
}

/* The fold flags alone, before anything is built. */
static int check_fold_flags(const char *cmd, const lr_train_job *job)
{
    bool has_folds = seen(job, "--folds"), has_fold = seen(job, "--fold");
    if (has_folds != has_fold) {
        lr_errorf(cmd, "%s needs %s", has_folds ? "--folds" : "--fold",
                  has_folds ? "--fold (the held-out fold, 0..K-1)" : "--folds K");
        return LR_EXIT_USAGE;
    }
    if (!has_folds)
        return LR_EXIT_OK;
    if (job->folds < 2) {
        lr_errorf(cmd, "--folds must be at least 2, got %ld", job->folds);
        return LR_EXIT_USAGE;
    }
    if (job->fold < 0 || job->fold >= job->folds) {
        lr_errorf(cmd, "--fold must be between 0 and %ld (--folds %ld), got %ld", job->folds - 1,
                  job->folds, job->fold);
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

/* The fold's split of the training samples; the permutation is drawn from the run's seed. */
static int split_folds(const char *cmd, lr_train_job *job)
{
    const lr_problem *p = &job->run.problem;
    if (p->n_train == 0) {
        lr_errorf(cmd, "--folds does not apply to --problem %s (full batch: it has no training "
                       "samples to split)", job->rf.problem.problem);
        return LR_EXIT_USAGE;
    }
    size_t k = (size_t)job->folds, f = (size_t)job->fold, start, end;
    if (k > p->n_train) {
        lr_errorf(cmd, "--folds %zu is more than the %zu training samples of --problem %s", k,
                  p->n_train, job->rf.problem.problem);
        return LR_EXIT_USAGE;
    }
    lr_fold_bounds(p->n_train, k, f, &start, &end);
    job->val_idx = malloc((end - start) * sizeof(size_t));
    job->train_idx = malloc((p->n_train - (end - start)) * sizeof(size_t));
    if (!job->val_idx || !job->train_idx ||
        lr_fold_split(p->n_train, k, f, job->run.train.seed, job->train_idx, job->val_idx) != 0) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    job->run.train.train_idx = job->train_idx;
    job->run.train.n_train_idx = p->n_train - (end - start);
    job->run.train.val_idx = job->val_idx;
    job->run.train.n_val_idx = end - start;
    return LR_EXIT_OK;
}

int lr_train_job_setup(const char *cmd, lr_train_job *job)
{
    int rc = check_fold_flags(cmd, job);
    if (rc != LR_EXIT_OK)
        return rc;
    rc = lr_run_setup_make(cmd, job->args + LR_JOB_NEXTRA + job->nsched,
                           job->nargs - LR_JOB_NEXTRA - job->nsched, &job->rf,
                           &job->run);
    if (rc != LR_EXIT_OK)
        return rc;
    job->ready = true;
    if (job->trace && job->run.problem.dim > LR_TRACE_MAX_DIM) {
        lr_errorf(cmd, "--trace: --problem %s has %zu parameters, more than the %d a trace can show",
                  job->rf.problem.problem, job->run.problem.dim, LR_TRACE_MAX_DIM);
        lr_train_job_free(job);
        return LR_EXIT_USAGE;
    }
    if (job->folds >= 2 && (rc = split_folds(cmd, job)) != LR_EXIT_OK) {
        lr_train_job_free(job);
        return rc;
    }
    return LR_EXIT_OK;
}

void lr_train_job_free(lr_train_job *job)
{
    if (job->ready)
        lr_run_setup_free(&job->run);
    job->ready = false;
    free(job->train_idx);
    free(job->val_idx);
    job->train_idx = job->val_idx = NULL;
}

typedef struct train_rows {
    lr_train_row *row;
    size_t n, cap;
    size_t trace_dim; /* 0: no trace; else params holds trace_dim floats per row */
    float *params;
} train_rows;

static int keep_row(void *ctx, const lr_train_row *row)
{
    train_rows *t = ctx;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        lr_train_row *r = realloc(t->row, cap * sizeof *r);
        if (!r)
            return -1;
        t->row = r;
        if (t->trace_dim) {
            float *p = realloc(t->params, cap * t->trace_dim * sizeof *p);
            if (!p)
                return -1;
            t->params = p;
        }
        t->cap = cap;
    }
    if (t->trace_dim) /* the loop's buffer moves on; this copy is what stays */
        memcpy(t->params + t->n * t->trace_dim, row->params, t->trace_dim * sizeof(float));
    t->row[t->n] = *row;
    t->row[t->n].params = NULL;
    t->n++;
    return 0;
}

/* A cell: empty when the value does not apply (NaN). */
static void cell(FILE *f, double v)
{
    if (!isnan(v))
        fprintf(f, "%.9g", v);
}

void lr_train_csv_write(FILE *f, const lr_train_row *rows, size_t n, const lr_train_labels *lab,
                        long fold, const float *trace, size_t trace_dim)
{
    bool diverged = n > 0 && rows[n - 1].diverged;
    fputs("problem,optimizer,schedule,lr,seed,epoch,step,lr_now,train_loss,test_loss,test_acc,"
          "seconds,diverged,dist", f);
    if (fold >= 0)
        fputs(",fold,val_loss", f);
    for (size_t j = 0; j < trace_dim; j++)
        fprintf(f, ",x%zu", j + 1);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        const lr_train_row *r = &rows[i];
        fprintf(f, "%s,%s,%s,%.10g,%llu,%ld,%ld,%.10g,", lab->problem, lab->optimizer,
                lab->schedule, lab->lr, (unsigned long long)lab->seed, r->epoch, r->step, r->lr_now);
        cell(f, r->eval.train_loss);
        fputc(',', f);
        cell(f, r->eval.test_loss);
        fputc(',', f);
        cell(f, r->eval.test_acc);
        fprintf(f, ",%.6f,%d,", r->seconds, diverged ? 1 : 0);
        cell(f, r->eval.dist);
        if (fold >= 0) {
            fprintf(f, ",%ld,", fold);
            cell(f, r->val_loss);
        }
        for (size_t j = 0; j < trace_dim; j++)
            fprintf(f, ",%.9g", (double)trace[i * trace_dim + j]);
        fputc('\n', f);
    }
}

int lr_train_job_run(const char *cmd, lr_train_job *job, FILE *f, lr_progress_fn progress,
                     void *progress_ctx)
{
    train_rows rows = {.trace_dim = job->trace ? job->run.problem.dim : 0};
    lr_train_hooks hooks = {.sink = keep_row, .sink_ctx = &rows, .progress = progress,
                            .progress_ctx = progress_ctx};
    lr_run_setup *run = &job->run;
    int trc = lr_train(&run->problem, &run->opt, &run->rates, &run->train, run->kernels, &hooks);
    if (trc != 0) {
        lr_errorf(cmd, trc == -2 ? "invalid fold split (a bug)" : "out of memory");
        free(rows.row);
        free(rows.params);
        return LR_EXIT_FAILURE;
    }
    lr_train_csv_write(f, rows.row, rows.n, &run->labels, job->folds >= 2 ? job->fold : -1,
                       rows.params, rows.trace_dim);
    free(rows.row);
    free(rows.params);
    return LR_EXIT_OK;
}
