/* The flags and set-up of one training run, shared by lrlab train, find-lr and sweep: problem,
 * optimizer, schedule, training length, seed and implementation, each validated by name. */
#include <stdlib.h>
#include <string.h>

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
    if (lr_optim_flags_finish(cmd, opt_args, &rf->raw_opt, kind, &run->opt) != 0)
        return LR_EXIT_USAGE;
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
    int rc = lr_problem_from_flags(cmd, args, nargs, &rf->problem, (uint64_t)rf->seed,
                                   &run->problem, &run->x0);
    if (rc != LR_EXIT_OK)
        return rc;
    if (training_config(cmd, args, nargs, rf, run) != 0) {
        lr_run_setup_free(run);
        return LR_EXIT_USAGE;
    }
    run->constant_lr = run->opt.lr;
    run->rates = (lr_rate_source){.lr_at = lr_rate_constant, .ctx = &run->constant_lr};
    run->labels = (lr_train_labels){.problem = rf->problem.problem,
                                    .optimizer = lr_optim_name(kind),
                                    .schedule = "constant",
                                    .lr = run->opt.lr,
                                    .seed = (uint64_t)rf->seed};
    return LR_EXIT_OK;
}

void lr_run_setup_free(lr_run_setup *run)
{
    lr_problem_free(&run->problem);
    free(run->x0);
    run->x0 = NULL;
}
