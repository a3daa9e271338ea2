/* The flags and set-up of one training run, shared by lrlab train, find-lr and sweep: problem,
 * optimizer, schedule, training length, seed and implementation, each validated by name. */
#include <stdlib.h>
#include <string.h>

#include "lrlab/data.h"
#include "lrlab/kernels.h"
#include "run.h"

void lr_run_flags_defaults(lr_run_flags *rf)
{
    memset(rf, 0, sizeof *rf);
    lr_problem_flags_defaults(&rf->problem);
    rf->impl = "auto";
    rf->epochs = rf->steps = rf->batch_size = -1; /* per problem */
}

size_t lr_run_flag_args(lr_arg *out, lr_run_flags *rf)
{
    size_t n = 0;
    lr_problem_flag_args(out, &rf->problem);
    n += LR_PROBLEM_NFLAGS;
    const lr_arg run_args[] = {
        {"--optimizer", LR_ARG_STRING, &rf->optimizer, "NAME",
         "sgd, adagrad, rmsprop, adam or adamw (required)", 0, false},
        {"--epochs", LR_ARG_LONG, &rf->epochs, "E",
         "passes over the training set (minibatch problems; default per problem)", 0, false},
        {"--steps", LR_ARG_LONG, &rf->steps, "S",
         "optimizer steps (full-batch problems: default 1000; minibatch: a cap)", 0, false},
        {"--batch-size", LR_ARG_LONG, &rf->batch_size, "B", "minibatch size (default per problem)",
         0, false},
        {"--seed", LR_ARG_LONG, &rf->seed, "S", "seed of data, initial parameters and shuffling "
         "(default 0)", 0, false},
        {"--log-every", LR_ARG_LONG, &rf->log_every, "K",
         "a row every K steps (default: every step for full-batch problems, every epoch else)", 0,
         false},
        {"--impl", LR_ARG_STRING, &rf->impl, "IMPL", "auto (default; or LRLAB_IMPL), reference or "
         "avx2", 0, false},
        {"--output", LR_ARG_STRING, &rf->output, "FILE", "CSV output, written atomically (default: "
         "stdout)", 0, false},
    };
    memcpy(out + n, run_args, sizeof run_args);
    n += sizeof run_args / sizeof run_args[0];
    lr_optim_flags(out + n, &rf->raw_opt);
    n += LR_OPTIM_NFLAGS;
    return n;
}

static int nonnegative(const char *cmd, const char *flag, long v)
{
    if (v >= 0)
        return 0;
    lr_errorf(cmd, "%s must not be negative, got %ld", flag, v);
    return -1;
}

static int seen(const lr_arg *args, size_t nargs, const char *name)
{
    for (size_t i = 0; i < nargs; i++)
        if (strcmp(args[i].name, name) == 0)
            return args[i].seen;
    return 0;
}

/* Training length and batch size: flags given, else the problem's defaults. */
static int training_config(const char *cmd, const lr_arg *args, size_t nargs,
                           const lr_run_flags *rf, lr_run_setup *run)
{
    long epochs, steps, batch;
    lr_problem_training_defaults(rf->problem.problem, &epochs, &steps, &batch);
    bool full_batch = run->problem.n_train == 0;
    if (full_batch && seen(args, nargs, "--epochs")) {
        lr_errorf(cmd, "--epochs does not apply to --problem %s (full batch): use --steps",
                  rf->problem.problem);
        return -1;
    }
    if (full_batch && seen(args, nargs, "--batch-size")) {
        lr_errorf(cmd, "--batch-size does not apply to --problem %s (full batch)",
                  rf->problem.problem);
        return -1;
    }
    if (seen(args, nargs, "--epochs")) {
        if (rf->epochs < 1) {
            lr_errorf(cmd, "--epochs must be at least 1, got %ld", rf->epochs);
            return -1;
        }
        epochs = rf->epochs;
    }
    if (seen(args, nargs, "--steps")) {
        if (rf->steps < 1) {
            lr_errorf(cmd, "--steps must be at least 1, got %ld", rf->steps);
            return -1;
        }
        steps = rf->steps;
    } else if (!full_batch) {
        steps = 0; /* no cap */
    }
    if (seen(args, nargs, "--batch-size")) {
        if (rf->batch_size < 1) {
            lr_errorf(cmd, "--batch-size must be at least 1, got %ld", rf->batch_size);
            return -1;
        }
        batch = rf->batch_size;
    }
    if (nonnegative(cmd, "--log-every", rf->log_every) || nonnegative(cmd, "--seed", rf->seed))
        return -1;
    run->train = (lr_train_config){.epochs = epochs, .steps = steps, .batch_size = (size_t)batch,
                                   .seed = (uint64_t)rf->seed, .log_every = rf->log_every,
                                   .x0 = run->x0};
    return 0;
}

/* The schedule's flags and configuration, before anything is built. The base rate is the
 * optimizer's (PyTorch's initial_lr), so this follows the optimizer's validation. */
static int schedule_configure(const char *cmd, const lr_run_flags *rf, lr_run_setup *run)
{
    const lr_schedule_flags *sf = rf->schedule;
    if (!sf)
        return LR_EXIT_OK;
    if (!sf->name) {
        for (size_t i = 0; i < rf->schedule_nargs; i++) {
            if (rf->schedule_args[i].seen) {
                lr_errorf(cmd, "%s needs --schedule NAME (see lrlab %s --help)",
                          rf->schedule_args[i].name, cmd);
                return LR_EXIT_USAGE;
            }
        }
        return LR_EXIT_OK;
    }
    run->scheduled = true;
    return lr_schedule_flags_configure(cmd, rf->schedule_args, rf->schedule_nargs, sf, run->opt.lr,
                                       &run->schedule, &run->chain);
}

/* ReduceLROnPlateau's eps is --plateau-eps in a run: say so when --eps lands on an optimizer
 * without one. */
static int plateau_eps_hint(const char *cmd, const lr_arg *opt_args, const lr_run_flags *rf,
                            lr_optim_kind kind)
{
    const lr_arg *eps = lr_args_find((lr_arg *)opt_args, LR_OPTIM_NFLAGS, "--eps");
    if (rf->schedule && rf->schedule->name && strcmp(rf->schedule->name, "plateau") == 0 &&
        kind == LR_OPT_SGD && eps->seen) {
        lr_errorf(cmd, "--eps does not apply to --optimizer sgd (ReduceLROnPlateau's eps is "
                       "--plateau-eps in lrlab %s)", cmd);
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

/* The rate source: constant, the chain's closed form, or the plateau fed by training. A closed
 * form must be defined for every rate the run reads: rows t = 0..steps. */
static int schedule_rates(const char *cmd, lr_run_setup *run)
{
    if (!run->scheduled) {
        run->constant_lr = run->opt.lr;
        run->rates = (lr_rate_source){.lr_at = lr_rate_constant, .ctx = &run->constant_lr};
        return LR_EXIT_OK;
    }
    if (run->schedule.kind == LR_SCHED_PLATEAU) {
        lr_plateau_init(&run->plateau, &run->schedule);
        run->rates = (lr_rate_source){.lr_at = lr_rate_plateau, .on_metric = lr_rate_plateau_metric,
                                      .ctx = &run->plateau};
        return LR_EXIT_OK;
    }
    long steps = lr_train_total_steps(&run->problem, &run->train);
    lr_config_error err;
    if (steps > LR_SCHEDULE_MAX_STEP) {
        lr_errorf(cmd, "--schedule %s: the run takes %ld optimizer steps, more than a schedule is "
                       "defined for (2^52)", lr_schedule_name(run->schedule.kind), steps);
        return LR_EXIT_USAGE;
    }
    if (lr_chain_check_steps(&run->chain, steps + 1, &err) != 0) {
        if (strcmp(err.field, "steps") != 0) {
            lr_schedule_flags_report(cmd, LR_SCHEDULE_FOR_TRAIN, &run->schedule, &err);
        } else {
            bool onecycle = run->schedule.kind == LR_SCHED_ONECYCLE;
            lr_errorf(cmd, "--schedule %s: the run takes %ld optimizer steps, and the rate after the "
                           "last one %s%s", lr_schedule_name(run->schedule.kind), steps, err.message,
                      onecycle ? ": raise --total-steps or shorten the run" : "");
        }
        return LR_EXIT_USAGE;
    }
    run->rates = (lr_rate_source){.lr_at = lr_rate_chain, .ctx = &run->chain};
    return LR_EXIT_OK;
}

int lr_run_setup_make(const char *cmd, const lr_arg *args, size_t nargs, const lr_run_flags *rf,
                      lr_run_setup *run)
{
    memset(run, 0, sizeof *run);
    if (!rf->optimizer) {
        lr_errorf(cmd, "--optimizer is required (sgd, adagrad, rmsprop, adam or adamw)");
        return LR_EXIT_USAGE;
    }
    lr_optim_kind kind;
    if (lr_optim_parse(rf->optimizer, &kind) != 0) {
        lr_errorf(cmd, "--optimizer: unknown optimizer '%s' (choose sgd, adagrad, rmsprop, adam or "
                       "adamw)", rf->optimizer);
        return LR_EXIT_USAGE;
    }
    const lr_arg *opt_args = args + nargs - LR_OPTIM_NFLAGS;
    if (plateau_eps_hint(cmd, opt_args, rf, kind) != 0 ||
        lr_optim_flags_finish(cmd, opt_args, &rf->raw_opt, kind, &run->opt) != 0)
        return LR_EXIT_USAGE;
    int rc = schedule_configure(cmd, rf, run);
    if (rc != LR_EXIT_OK)
        return rc;
    lr_impl impl;
    if (lr_impl_parse(rf->impl, &impl) != 0) {
        lr_errorf(cmd, "--impl: unknown implementation '%s' (choose auto, reference or avx2)",
                  rf->impl);
        return LR_EXIT_USAGE;
    }
    const char *why;
    run->kernels = lr_kernels_select(impl, &why);
    if (!run->kernels) {
        lr_errorf(cmd, "%s%s", impl == LR_IMPL_AVX2 ? "--impl avx2: " : "", why);
        return LR_EXIT_USAGE;
    }
    if (nonnegative(cmd, "--seed", rf->seed))
        return LR_EXIT_USAGE;
    rc = lr_problem_from_flags(cmd, args, nargs, &rf->problem, (uint64_t)rf->seed,
                               &run->problem, &run->x0, &run->data);
    if (rc != LR_EXIT_OK)
        return rc;
    if (training_config(cmd, args, nargs, rf, run) != 0 || schedule_rates(cmd, run) != 0) {
        lr_run_setup_free(run);
        return LR_EXIT_USAGE;
    }
    run->labels = (lr_train_labels){.problem = rf->problem.problem,
                                    .optimizer = lr_optim_name(kind),
                                    .schedule = run->scheduled ? lr_schedule_name(run->schedule.kind)
                                                               : "constant",
                                    .lr = run->opt.lr,
                                    .seed = (uint64_t)rf->seed};
    return LR_EXIT_OK;
}

void lr_run_setup_free(lr_run_setup *run)
{
    lr_problem_free(&run->problem);
    if (run->data) /* after the problem, which reads it */
        lr_dataset_free(run->data);
    free(run->data);
    run->data = NULL;
    free(run->x0);
    run->x0 = NULL;
}
