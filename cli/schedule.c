/* lrlab schedule (C07-C16): the rate a schedule gives at each step, as PyTorch 1.13's
 * optimizer.param_groups[0]['lr'] after t calls of scheduler.step(), with PyTorch's flag names and
 * defaults, an optional linear warmup (SequentialLR) and metrics files for ReduceLROnPlateau. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/csv.h"
#include "schedule_flags.h"

static const char schedule_usage[] =
    "usage: lrlab schedule --name NAME --lr BASE --steps N [schedule flags] [--warmup-steps W\n"
    "                      [--warmup-start-factor F]] [--metrics FILE] [--output FILE]\n\n"
    "Prints CSV 'step,lr' (plus ',momentum' for cyclic and onecycle with --cycle-momentum): row t is\n"
    "the rate in force for step t, i.e. PyTorch 1.13's optimizer.param_groups[0]['lr'] after t\n"
    "calls of scheduler.step(), t = 0..N-1, printed with %.17g.\n\n"
    "NAME and its flags (PyTorch 1.13 keywords in kebab-case, with PyTorch's defaults):\n"
    "  constant         --factor --total-iters                              (ConstantLR)\n"
    "  step             --step-size --gamma                                 (StepLR)\n"
    "  multistep        --milestones 30,80 --gamma                          (MultiStepLR)\n"
    "  exponential      --gamma [--decay-steps S --staircase]   (ExponentialLR; Keras ExponentialDecay\n"
    "                   with decay_rate = gamma when --decay-steps is given)\n"
    "  polynomial       --total-iters --power                               (PolynomialLR), or\n"
    "                   --decay-steps S [--end-learning-rate E --cycle] --power\n"
    "                   (Keras PolynomialDecay, end_learning_rate 1e-4, when --decay-steps is given)\n"
    "  linear           --start-factor --end-factor --total-iters           (LinearLR)\n"
    "  inverse-time     --decay-steps --decay-rate --staircase              (Keras InverseTimeDecay)\n"
    "  cosine           --t-max --eta-min                                   (CosineAnnealingLR)\n"
    "  cosine-restarts  --t-0 --t-mult --eta-min                (CosineAnnealingWarmRestarts)\n"
    "  cyclic           --base-lr --max-lr --step-size-up --step-size-down --mode --gamma\n"
    "                   --cycle-momentum --base-momentum --max-momentum     (CyclicLR)\n"
    "  onecycle         --max-lr --total-steps --pct-start --anneal-strategy --div-factor\n"
    "                   --final-div-factor --three-phase --cycle-momentum --base-momentum\n"
    "                   --max-momentum                                      (OneCycleLR)\n"
    "  plateau          --mode --factor --patience --threshold --threshold-mode --cooldown --min-lr\n"
    "                   --eps --metrics FILE          (ReduceLROnPlateau; N = metric lines + 1 and\n"
    "                   row t is the rate after t metrics were fed; --steps does not apply)\n\n"
    "--lr is the optimizer's rate (PyTorch's initial_lr). CyclicLR replaces it by --base-lr (the\n"
    "default of --lr for cyclic) and OneCycleLR by max_lr/div_factor (--lr is not used); a warmup\n"
    "ramps to that rate. --warmup-steps W puts LinearLR(start_factor=F, end_factor=1, total_iters=W)\n"
    "in front, constructed first, joined by SequentialLR(milestones=[W]).\n"
    "PyTorch's recursive forms are evaluated in closed form (agreeing within rtol 1e-9); rows come\n"
    "from the reference implementation: the AVX2 table may differ from it by a few ULPs, which\n"
    "%.17g would show, and formatting costs more than computing.\n"
    "Exit status 2 for bad flags, values PyTorch rejects (or fails on later: see lrlab/schedule.h),\n"
    "or a bad metrics file (the line is named); no output file is left behind then.\n\n"
    "example: lrlab schedule --name cosine --lr 0.1 --t-max 100 --steps 300 --warmup-steps 10\n";

static void write_closed(const lr_chain *chain, long n, FILE *f)
{
    enum { CHUNK = 1024 };
    double lr[CHUNK], momentum[CHUNK];
    bool with_momentum = lr_chain_has_momentum(chain);
    fputs(with_momentum ? "step,lr,momentum\n" : "step,lr\n", f);
    for (long t = 0; t < n; t += CHUNK) {
        size_t len = n - t < CHUNK ? (size_t)(n - t) : CHUNK;
        lr_chain_table(chain, lr_schedule_table_ref, t, len, lr, with_momentum ? momentum : NULL);
        for (size_t i = 0; i < len; i++) {
            if (with_momentum)
                fprintf(f, "%ld,%.17g,%.17g\n", t + (long)i, lr[i], momentum[i]);
            else
                fprintf(f, "%ld,%.17g\n", t + (long)i, lr[i]);
        }
    }
}

/* Reads one metric a line. Returns 0, or prints the file and line at fault and returns 2. */
static int read_metrics(const char *cmd, const char *path, double **values, size_t *count)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    FILE *in = lr_input_open(cmd, path);
    if (!in)
        return LR_EXIT_USAGE;
    lr_csv_reader csv;
    lr_csv_init(&csv, in, name);
    size_t cap = 0;
    int got, rc = LR_EXIT_OK;
    *values = NULL;
    *count = 0;
    while ((got = lr_csv_next(&csv)) > 0) {
        if (csv.ncells != 1) {
            lr_errorf(cmd, "%s:%ld: expected one metric a line, found %zu values", name, csv.lineno,
                      csv.ncells);
            rc = LR_EXIT_USAGE;
            break;
        }
        if (*count == cap) {
            cap = cap ? 2 * cap : 256;
            double *grown = realloc(*values, cap * sizeof **values);
            if (!grown) {
                lr_errorf(cmd, "out of memory reading %s", name);
                rc = LR_EXIT_FAILURE;
                break;
            }
            *values = grown;
        }
        (*values)[(*count)++] = csv.row[0];
    }
    if (got < 0) {
        lr_errorf(cmd, "--metrics: %s", csv.error);
        rc = LR_EXIT_USAGE;
    }
    lr_csv_free(&csv);
    if (in != stdin)
        fclose(in);
    return rc;
}

static void write_plateau(const lr_schedule *cfg, const double *metrics, size_t n, FILE *f)
{
    lr_plateau p;
    lr_plateau_init(&p, cfg);
    fprintf(f, "step,lr\n0,%.17g\n", p.lr);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%zu,%.17g\n", i + 1, lr_plateau_step(&p, metrics[i]));
}

/* Configures the schedule and checks that it can be stepped through the rows asked for. */
static int configure(const char *cmd, const lr_arg *args, size_t nargs, const lr_schedule_flags *sf,
                     lr_schedule *cfg, lr_chain *chain)
{
    int rc = lr_schedule_flags_configure(cmd, args, nargs, sf, NAN, cfg, chain);
    if (rc != LR_EXIT_OK || cfg->kind == LR_SCHED_PLATEAU)
        return rc;
    lr_config_error err;
    if (lr_chain_check_steps(chain, sf->steps, &err) != 0) {
        lr_schedule_flags_report(cmd, sf->use, cfg, &err);
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

int lr_cmd_schedule(int argc, char **argv)
{
    const char *cmd = "schedule";
    lr_schedule_flags sf;
    lr_schedule cfg;
    lr_arg args[LR_SCHEDULE_NFLAGS_MAX];
    size_t nargs = lr_schedule_flags_bind(&sf, LR_SCHEDULE_FOR_COMMAND, args);
    int rc = lr_args_parse(cmd, schedule_usage, args, nargs, argc, argv);
    if (rc != LR_PARSE_OK)
        return rc == LR_PARSE_HELP ? LR_EXIT_OK : LR_EXIT_USAGE;
    lr_chain *chain = malloc(sizeof *chain);
    if (!chain) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    double *metrics = NULL;
    size_t nmetrics = 0;
    rc = configure(cmd, args, nargs, &sf, &cfg, chain);
    if (rc == LR_EXIT_OK && cfg.kind == LR_SCHED_PLATEAU)
        rc = read_metrics(cmd, sf.metrics, &metrics, &nmetrics);
    lr_output out;
    if (rc == LR_EXIT_OK)
        rc = lr_output_open(&out, cmd, sf.output);
    if (rc == LR_EXIT_OK) {
        if (cfg.kind == LR_SCHED_PLATEAU)
            write_plateau(&cfg, metrics, nmetrics, out.f);
        else
            write_closed(chain, sf.steps, out.f);
        rc = lr_output_commit(&out, cmd);
    }
    free(metrics);
    free(chain);
    return rc;
}
