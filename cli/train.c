/* lrlab train: one training run of a problem (C21-C25) with an optimizer (C01-C06) and a schedule
 * (C07-C16), written as CSV rows (one per step for full-batch problems, per epoch otherwise). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "lrlab/kernels.h"
#include "lrlab/train.h"

static const char train_usage[] =
    "usage: lrlab train --problem quadratic|rosenbrock|linreg|fmnist-softmax|fmnist-mlp\n"
    "                   --optimizer NAME [optimizer flags as in replay] [--schedule NAME [flags]]\n"
    "                   [--epochs E | --steps S] [--batch-size B] [--seed S] [--impl IMPL]\n"
    "                   [--log-every K] [--trace] [--output FILE] [problem flags]\n\n"
    "Writes CSV: problem,optimizer,schedule,lr,seed,epoch,step,lr_now,train_loss,test_loss,\n"
    "test_acc,seconds,diverged,dist (empty cells where a column does not apply). Full-batch\n"
    "problems (quadratic, rosenbrock) write a row per step from step 0; minibatch problems a row\n"
    "per epoch from epoch 0 (before training). A run whose loss becomes non-finite stops; its rows\n"
    "carry diverged=1 and the exit status is 0. --trace appends the parameters as columns\n"
    "x1..xD (problems with at most 64 parameters), e.g. for drawing Rosenbrock trajectories.\n";

/* Tracing writes a column per parameter: meant for pictures of small problems, not for logging a
 * network's weights. */
enum { TRACE_MAX_DIM = 64 };

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
    if (t->trace_dim)
        memcpy(t->params + t->n * t->trace_dim, row->params, t->trace_dim * sizeof(float));
    t->row[t->n] = *row;
    t->row[t->n].params = NULL; /* the loop's buffer moves on; the copy above is what stays */
    t->n++;
    return 0;
}

/* A cell: empty when the value does not apply (NaN). */
static void cell(FILE *f, double v)
{
    if (!isnan(v))
        fprintf(f, "%.9g", v);
}

static void write_rows(FILE *f, const train_rows *t, const lr_train_labels *lab)
{
    bool diverged = t->n > 0 && t->row[t->n - 1].diverged;
    fputs("problem,optimizer,schedule,lr,seed,epoch,step,lr_now,train_loss,test_loss,test_acc,"
          "seconds,diverged,dist", f);
    for (size_t j = 0; j < t->trace_dim; j++)
        fprintf(f, ",x%zu", j + 1);
    fputc('\n', f);
    for (size_t i = 0; i < t->n; i++) {
        const lr_train_row *r = &t->row[i];
        fprintf(f, "%s,%s,%s,%.10g,%llu,%ld,%ld,%.10g,", lab->problem, lab->optimizer,
                lab->schedule, lab->lr, (unsigned long long)lab->seed, r->epoch, r->step, r->lr_now);
        cell(f, r->eval.train_loss);
        fputc(',', f);
        cell(f, r->eval.test_loss);
        fputc(',', f);
        cell(f, r->eval.test_acc);
        fprintf(f, ",%.6f,%d,", r->seconds, diverged ? 1 : 0);
        cell(f, r->eval.dist);
        for (size_t j = 0; j < t->trace_dim; j++)
            fprintf(f, ",%.9g", (double)t->params[i * t->trace_dim + j]);
        fputc('\n', f);
    }
}

int lr_cmd_train(int argc, char **argv)
{
    const char *cmd = "train";
    lr_run_flags rf;
    lr_run_flags_defaults(&rf);
    bool trace = false;
    enum { EXTRA = 1 };
    lr_arg args[LR_RUN_NFLAGS + EXTRA];
    size_t nargs = lr_run_flag_args(args, &rf);
    const lr_arg extra[EXTRA] = {
        {"--trace", LR_ARG_FLAG, &trace, NULL, "append the parameters x1..xD to every row (at most "
         "64 parameters)", 0, false},
    };
    /* The optimizer flags must stay last: lr_run_setup_make finds them there. */
    memmove(args + EXTRA, args, nargs * sizeof args[0]);
    memcpy(args, extra, sizeof extra);
    nargs += EXTRA;
    int rc = lr_args_parse(cmd, train_usage, args, nargs, argc, argv);
    if (rc != LR_PARSE_OK)
        return rc == LR_PARSE_HELP ? LR_EXIT_OK : LR_EXIT_USAGE;
    lr_run_setup run;
    if ((rc = lr_run_setup_make(cmd, args + EXTRA, nargs - EXTRA, &rf, &run)) != LR_EXIT_OK)
        return rc;
    if (trace && run.problem.dim > TRACE_MAX_DIM) {
        lr_errorf(cmd, "--trace: --problem %s has %zu parameters, more than the %d a trace can "
                  "show", rf.problem.problem, run.problem.dim, TRACE_MAX_DIM);
        lr_run_setup_free(&run);
        return LR_EXIT_USAGE;
    }

    lr_output out;
    rc = lr_output_open(&out, cmd, rf.output);
    if (rc != LR_EXIT_OK) {
        lr_run_setup_free(&run);
        return rc;
    }
    train_rows rows = {.trace_dim = trace ? run.problem.dim : 0};
    lr_progress bar;
    lr_progress_init(&bar, "train");
    lr_train_hooks hooks = {.sink = keep_row, .sink_ctx = &rows,
                            .progress = lr_progress_update, .progress_ctx = &bar};
    int trc = lr_train(&run.problem, &run.opt, &run.rates, &run.train, run.kernels, &hooks);
    lr_progress_done(&bar);
    if (trc != 0) {
        lr_errorf(cmd, "out of memory");
        rc = LR_EXIT_FAILURE;
        lr_output_abort(&out);
    } else {
        write_rows(out.f, &rows, &run.labels);
        rc = lr_output_commit(&out, cmd);
    }
    free(rows.row);
    free(rows.params);
    lr_run_setup_free(&run);
    return rc;
}
