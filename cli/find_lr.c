/* lrlab find-lr (C17): the LR range test on any problem and optimizer; CSV lr,loss,smoothed_loss,
 * the suggestions (minimum, steep, valley) on stderr and optionally as CSV method,lr. */
#include <math.h>
#include <string.h>

#include "lrlab/select.h"
#include "run.h"

static const char find_lr_usage[] =
    "usage: lrlab find-lr --problem NAME --optimizer NAME [optimizer and problem flags]\n"
    "                     [--start-lr 1e-7] [--end-lr 10] [--num-it 100] [--no-stop-div]\n"
    "                     [--batch-size B] [--seed S] [--impl IMPL] [--output FILE]\n"
    "                     [--suggestions FILE]\n\n"
    "fast.ai's range test: num-it minibatch steps at rates growing exponentially from start-lr\n"
    "toward end-lr, the loss smoothed (beta 0.98, bias-corrected), stopping once the smoothed loss\n"
    "exceeds 4x its best (unless --no-stop-div). Writes CSV lr,loss,smoothed_loss; prints the\n"
    "suggestions minimum (rate at the least loss / 10), steep (steepest descent) and valley\n"
    "(fast.ai's default) on stderr, and as CSV method,lr with --suggestions.\n";

static int write_curve(FILE *f, const lr_find_result *r)
{
    fputs("lr,loss,smoothed_loss\n", f);
    for (size_t i = 0; i < r->n; i++)
        fprintf(f, "%.10g,%.9g,%.9g\n", r->lrs[i], r->losses[i], r->smoothed[i]);
    return 0;
}

static int write_suggestions(const char *cmd, const char *path, const lr_find_result *r)
{
    lr_output out;
    int rc = lr_output_open(&out, cmd, path);
    if (rc != LR_EXIT_OK)
        return rc;
    fprintf(out.f, "method,lr\nminimum,%.10g\nsteep,%.10g\nvalley,%.10g\n", r->minimum, r->steep,
            r->valley);
    return lr_output_commit(&out, cmd);
}

static int reject_training_flags(const char *cmd, const lr_arg *args, size_t nargs)
{
    const lr_arg *schedule = lr_args_find((lr_arg *)args, nargs, "--schedule");
    if (schedule->seen) {
        lr_errorf(cmd, "--schedule does not apply to find-lr: the range test sets its own rates "
                       "(--start-lr, --end-lr, --num-it)");
        return LR_EXIT_USAGE;
    }
    static const char *const not_here[] = {"--epochs", "--steps", "--log-every"};
    for (size_t i = 0; i < nargs; i++)
        for (size_t j = 0; j < sizeof not_here / sizeof not_here[0]; j++)
            if (args[i].seen && strcmp(args[i].name, not_here[j]) == 0) {
                lr_errorf(cmd, "%s does not apply to find-lr (use --num-it)", not_here[j]);
                return LR_EXIT_USAGE;
            }
    return LR_EXIT_OK;
}

int lr_cmd_find_lr(int argc, char **argv)
{
    const char *cmd = "find-lr";
    lr_run_flags rf;
    lr_run_flags_defaults(&rf);
    lr_find_config fc = lr_find_defaults();
    const char *suggestions = NULL, *schedule = NULL;
    bool no_stop_div = false;
    long num_it = fc.num_it;
    enum { EXTRA = 6 };
    lr_arg args[LR_RUN_NFLAGS + EXTRA];
    size_t nargs = lr_run_flag_args(args, &rf);
    const lr_arg extra[EXTRA] = {
        {"--start-lr", LR_ARG_DOUBLE, &fc.start_lr, "LR", "first rate (default 1e-7)", 0, false},
        {"--end-lr", LR_ARG_DOUBLE, &fc.end_lr, "LR", "rate the ramp heads for (default 10)", 0,
         false},
        {"--num-it", LR_ARG_LONG, &num_it, "N", "steps (default 100; at least 6)", 0, false},
        {"--no-stop-div", LR_ARG_FLAG, &no_stop_div, NULL, "run all num-it steps even after the "
         "loss blows up", 0, false},
        {"--suggestions", LR_ARG_STRING, &suggestions, "FILE", "also write the suggestions as CSV "
         "method,lr", 0, false},
        {"--schedule", LR_ARG_STRING, &schedule, "NAME", "refused: the range test sets its own "
         "rates (a schedule belongs to lrlab train)", 0, false},
    };
    /* The optimizer flags must stay last: lr_run_setup_make finds them there. */
    memmove(args + EXTRA, args, nargs * sizeof args[0]);
    memcpy(args, extra, sizeof extra);
    nargs += EXTRA;
    int rc = lr_args_parse(cmd, find_lr_usage, args, nargs, argc, argv);
    if (rc != LR_PARSE_OK)
        return rc == LR_PARSE_HELP ? LR_EXIT_OK : LR_EXIT_USAGE;
    if (reject_training_flags(cmd, args, nargs) != LR_EXIT_OK)
        return LR_EXIT_USAGE;
    if (!(fc.start_lr > 0.0) || !isfinite(fc.start_lr)) {
        lr_errorf(cmd, "--start-lr must be a positive number, got %g", fc.start_lr);
        return LR_EXIT_USAGE;
    }
    if (!(fc.end_lr > fc.start_lr) || !isfinite(fc.end_lr)) {
        lr_errorf(cmd, "--end-lr must be finite and above --start-lr (%g), got %g", fc.start_lr,
                  fc.end_lr);
        return LR_EXIT_USAGE;
    }
    if (num_it < 1 || num_it > 10000000) {
        lr_errorf(cmd, "--num-it must be between 1 and 10000000, got %ld", num_it);
        return LR_EXIT_USAGE;
    }
    lr_run_setup run;
    if ((rc = lr_run_setup_make(cmd, args + EXTRA, nargs - EXTRA, &rf, &run)) != LR_EXIT_OK)
        return rc;
    fc.num_it = num_it;
    fc.stop_div = !no_stop_div;
    fc.batch_size = run.train.batch_size;
    fc.seed = run.train.seed;

    lr_output out;
    if ((rc = lr_output_open(&out, cmd, rf.output)) != LR_EXIT_OK) {
        lr_run_setup_free(&run);
        return rc;
    }
    lr_find_result res;
    if (lr_find(&run.problem, &run.opt, &fc, run.kernels, run.x0, &res) != 0) {
        lr_errorf(cmd, "out of memory");
        lr_output_abort(&out);
        lr_run_setup_free(&run);
        return LR_EXIT_FAILURE;
    }
    write_curve(out.f, &res);
    rc = lr_output_commit(&out, cmd);
    if (rc == LR_EXIT_OK && suggestions)
        rc = write_suggestions(cmd, suggestions, &res);
    if (isnan(res.valley))
        fprintf(stderr, "lrlab find-lr: %zu points: too few after trimming for suggestions "
                        "(raise --num-it or --end-lr)\n", res.n);
    else
        fprintf(stderr, "suggestions: minimum %.3g, steep %.3g, valley %.3g\n", res.minimum,
                res.steep, res.valley);
    lr_find_result_free(&res);
    lr_run_setup_free(&run);
    return rc;
}
