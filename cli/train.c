/* lrlab train: one training run of a problem (C21-C25) with an optimizer (C01-C06) and a schedule
 * (C07-C16) stepped once per optimizer step, written as CSV rows (one per step for full-batch
 * problems, per epoch otherwise). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "lrlab/kernels.h"
#include "lrlab/train.h"

static const char train_usage[] =
    "usage: lrlab train --problem quadratic|rosenbrock|linreg|fmnist-softmax|fmnist-mlp\n"
    "                   --optimizer NAME [optimizer flags as in replay] [--schedule NAME [flags]\n"
    "                   [--warmup-steps W [--warmup-start-factor F]]] [--epochs E | --steps S]\n"
    "                   [--batch-size B] [--seed S] [--impl IMPL] [--log-every K] [--output FILE]\n"
    "                   [problem flags]\n\n"
    "Writes CSV: problem,optimizer,schedule,lr,seed,epoch,step,lr_now,train_loss,test_loss,\n"
    "test_acc,seconds,diverged,dist (empty cells where a column does not apply). Full-batch\n"
    "problems (quadratic, rosenbrock) write a row per step from step 0; minibatch problems a row\n"
    "per epoch from epoch 0 (before training). A run whose loss becomes non-finite stops; its rows\n"
    "carry diverged=1 and the exit status is 0.\n\n"
    "Schedules: --schedule NAME takes the names and flags of lrlab schedule (see lrlab schedule\n"
    "--help), with the optimizer's --lr (or its default) as the base rate, PyTorch's initial_lr.\n"
    "The schedule is stepped once per optimizer step: the row after t steps has lr_now = the rate\n"
    "in force for step t + 1, which is row t of lrlab schedule with the same flags. The column\n"
    "'schedule' holds NAME ('constant' without --schedule: the constant --lr).\n"
    "  --eps, --lr, --steps and --output are the run's; ReduceLROnPlateau's eps is --plateau-eps.\n"
    "  cyclic and onecycle set their own rates (--base-lr; --max-lr/--div-factor), as PyTorch\n"
    "  replaces the optimizer's lr; --lr is then only what a warmup ramps to (cyclic), yet sgd\n"
    "  still requires it, as PyTorch's SGD does. Momentum is not cycled: --cycle-momentum is\n"
    "  refused (PyTorch's cycle_momentum=False; the rates are the same).\n"
    "  onecycle: PyTorch raises when stepped past --total-steps, so a run of more optimizer steps\n"
    "  than --total-steps is refused before training (exit 2).\n"
    "  plateau (ReduceLROnPlateau; its patience and cooldown count epochs) is fed once per epoch,\n"
    "  before the next rate is read: minibatch problems feed the held-out loss (test_loss) after\n"
    "  each epoch; full-batch problems feed the objective (train_loss) after each step, since a\n"
    "  full-batch step is a pass over all the data and the objective is exact, not a noisy\n"
    "  estimate. Feeding the rows' metric column to lrlab schedule --name plateau --metrics gives\n"
    "  the rows' lr_now.\n\n"
    "example: lrlab train --problem linreg --optimizer sgd --lr 0.05 --momentum 0.9 --epochs 30\n"
    "         --schedule cosine --t-max 896 --warmup-steps 64\n";

typedef struct train_rows {
    lr_train_row *row;
    size_t n, cap;
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
        t->cap = cap;
    }
    t->row[t->n++] = *row;
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
          "seconds,diverged,dist\n", f);
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
        fputc('\n', f);
    }
}

/* Trains and writes the rows: all of them or, when training fails, no file. */
static int train_and_write(const char *cmd, lr_run_setup *run, const char *output)
{
    lr_output out;
    int rc = lr_output_open(&out, cmd, output);
    if (rc != LR_EXIT_OK)
        return rc;
    train_rows rows = {0};
    lr_progress bar;
    lr_progress_init(&bar, "train");
    lr_train_hooks hooks = {.sink = keep_row, .sink_ctx = &rows,
                            .progress = lr_progress_update, .progress_ctx = &bar};
    int trc = lr_train(&run->problem, &run->opt, &run->rates, &run->train, run->kernels, &hooks);
    lr_progress_done(&bar);
    if (trc != 0) {
        lr_errorf(cmd, "out of memory");
        rc = LR_EXIT_FAILURE;
        lr_output_abort(&out);
    } else {
        write_rows(out.f, &rows, &run->labels);
        rc = lr_output_commit(&out, cmd);
    }
    free(rows.row);
    return rc;
}

int lr_cmd_train(int argc, char **argv)
{
    const char *cmd = "train";
    lr_run_flags rf;
    lr_run_flags_defaults(&rf);
    lr_schedule_flags sf;
    /* The schedule flags first: lr_run_setup_make finds the optimizer flags at the end. */
    lr_arg args[LR_SCHEDULE_NFLAGS_MAX + LR_RUN_NFLAGS];
    size_t ns = lr_schedule_flags_bind(&sf, LR_SCHEDULE_FOR_TRAIN, args);
    size_t nargs = ns + lr_run_flag_args(args + ns, &rf);
    rf.schedule = &sf;
    rf.schedule_args = args;
    rf.schedule_nargs = ns;
    int rc = lr_args_parse(cmd, train_usage, args, nargs, argc, argv);
    if (rc != LR_PARSE_OK)
        return rc == LR_PARSE_HELP ? LR_EXIT_OK : LR_EXIT_USAGE;
    lr_run_setup run;
    if ((rc = lr_run_setup_make(cmd, args + ns, nargs - ns, &rf, &run)) != LR_EXIT_OK)
        return rc;
    rc = train_and_write(cmd, &run, rf.output);
    lr_run_setup_free(&run);
    return rc;
}
