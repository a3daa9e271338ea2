/* lrlab schedule (C07-C16): the rate a schedule gives at each step, as PyTorch 1.13's
 * optimizer.param_groups[0]['lr'] after t calls of scheduler.step(), with PyTorch's flag names and
 * defaults, an optional linear warmup (SequentialLR) and metrics files for ReduceLROnPlateau. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lrlab/csv.h"
#include "lrlab/schedule.h"

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
    "  polynomial       --total-iters --power                               (PolynomialLR)\n"
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

/* Schedule flags use the schedule family of lr_arg.groups (bits 16-31; see cli.h). */
#define G(kind) (1u << (16 + (kind)))
#define SCHEDULE_FAMILY 0xffff0000u
#define ALL_CLOSED ((((1u << LR_SCHED_COUNT) - 1) << 16) & ~G(LR_SCHED_PLATEAU))
#define CYCLERS (G(LR_SCHED_CYCLIC) | G(LR_SCHED_ONECYCLE))

/* A flag stored straight into a field of lr_schedule. */
typedef struct field_flag {
    const char *name;
    lr_arg_kind kind;
    size_t offset;
    unsigned groups;
    const char *metavar, *help;
} field_flag;

#define F(field) offsetof(lr_schedule, field)
static const field_flag field_flags[] = {
    {"--lr", LR_ARG_DOUBLE, F(lr), 0, "BASE", "the optimizer's rate (required except for cyclic and onecycle)"},
    {"--factor", LR_ARG_DOUBLE, F(factor), G(LR_SCHED_CONSTANT) | G(LR_SCHED_PLATEAU), "F",
     "constant: factor until total_iters (1/3); plateau: new_lr = lr * factor (0.1)"},
    {"--total-iters", LR_ARG_LONG, F(total_iters),
     G(LR_SCHED_CONSTANT) | G(LR_SCHED_POLYNOMIAL) | G(LR_SCHED_LINEAR), "T", "steps of the change (5)"},
    {"--step-size", LR_ARG_LONG, F(step_size), G(LR_SCHED_STEP), "S", "period of the decay (required)"},
    {"--gamma", LR_ARG_DOUBLE, F(gamma),
     G(LR_SCHED_STEP) | G(LR_SCHED_MULTISTEP) | G(LR_SCHED_EXPONENTIAL) | G(LR_SCHED_CYCLIC), "G",
     "decay factor (0.1 step, multistep; required for exponential; 1.0 cyclic exp_range)"},
    {"--decay-steps", LR_ARG_DOUBLE, F(decay_steps), G(LR_SCHED_EXPONENTIAL) | G(LR_SCHED_INVERSE_TIME),
     "S", "Keras decay_steps (required for inverse-time; 1 for exponential)"},
    {"--decay-rate", LR_ARG_DOUBLE, F(decay_rate), G(LR_SCHED_INVERSE_TIME), "R", "Keras decay_rate (required)"},
    {"--staircase", LR_ARG_FLAG, F(staircase), G(LR_SCHED_EXPONENTIAL) | G(LR_SCHED_INVERSE_TIME), NULL,
     "decay in whole multiples of decay_steps (Keras)"},
    {"--power", LR_ARG_DOUBLE, F(power), G(LR_SCHED_POLYNOMIAL), "P", "power of the polynomial (1.0)"},
    {"--start-factor", LR_ARG_DOUBLE, F(start_factor), G(LR_SCHED_LINEAR), "F", "factor at step 0 (1/3)"},
    {"--end-factor", LR_ARG_DOUBLE, F(end_factor), G(LR_SCHED_LINEAR), "F", "factor from total_iters on (1.0)"},
    {"--t-max", LR_ARG_LONG, F(T_max), G(LR_SCHED_COSINE), "T", "half period of the cosine (required)"},
    {"--eta-min", LR_ARG_DOUBLE, F(eta_min), G(LR_SCHED_COSINE) | G(LR_SCHED_COSINE_RESTARTS), "LR",
     "minimum rate (0)"},
    {"--t-0", LR_ARG_LONG, F(T_0), G(LR_SCHED_COSINE_RESTARTS), "T", "length of the first cycle (required)"},
    {"--t-mult", LR_ARG_LONG, F(T_mult), G(LR_SCHED_COSINE_RESTARTS), "M",
     "whole factor by which each cycle grows (1)"},
    {"--base-lr", LR_ARG_DOUBLE, F(base_lr), G(LR_SCHED_CYCLIC), "LR", "lower boundary of the cycle (required)"},
    {"--max-lr", LR_ARG_DOUBLE, F(max_lr), CYCLERS, "LR", "upper boundary / peak rate (required)"},
    {"--step-size-up", LR_ARG_LONG, F(step_size_up), G(LR_SCHED_CYCLIC), "S", "steps rising (2000)"},
    {"--step-size-down", LR_ARG_LONG, F(step_size_down), G(LR_SCHED_CYCLIC), "S",
     "steps falling (default: step_size_up)"},
    {"--cycle-momentum", LR_ARG_FLAG, F(cycle_momentum), CYCLERS, NULL,
     "print the momentum PyTorch cycles inversely to the rate (the rates are the same either way)"},
    {"--base-momentum", LR_ARG_DOUBLE, F(base_momentum), CYCLERS, "M",
     "momentum at the peak rate (0.8 cyclic, 0.85 onecycle)"},
    {"--max-momentum", LR_ARG_DOUBLE, F(max_momentum), CYCLERS, "M",
     "momentum at the lowest rate (0.9 cyclic, 0.95 onecycle)"},
    {"--total-steps", LR_ARG_LONG, F(total_steps), G(LR_SCHED_ONECYCLE), "N", "steps of the cycle (required)"},
    {"--pct-start", LR_ARG_DOUBLE, F(pct_start), G(LR_SCHED_ONECYCLE), "P", "fraction of steps rising (0.3)"},
    {"--div-factor", LR_ARG_DOUBLE, F(div_factor), G(LR_SCHED_ONECYCLE), "D", "initial_lr = max_lr / D (25)"},
    {"--final-div-factor", LR_ARG_DOUBLE, F(final_div_factor), G(LR_SCHED_ONECYCLE), "D",
     "min_lr = initial_lr / D (1e4)"},
    {"--three-phase", LR_ARG_FLAG, F(three_phase), G(LR_SCHED_ONECYCLE), NULL,
     "rise, fall back to initial_lr, then anneal to min_lr"},
    {"--patience", LR_ARG_LONG, F(patience), G(LR_SCHED_PLATEAU), "P", "bad epochs tolerated (10)"},
    {"--threshold", LR_ARG_DOUBLE, F(threshold), G(LR_SCHED_PLATEAU), "T", "significant improvement (1e-4)"},
    {"--cooldown", LR_ARG_LONG, F(cooldown), G(LR_SCHED_PLATEAU), "C", "epochs ignored after a reduction (0)"},
    {"--min-lr", LR_ARG_DOUBLE, F(min_lr), G(LR_SCHED_PLATEAU), "LR", "lower bound of the rate (0)"},
    {"--eps", LR_ARG_DOUBLE, F(eps), G(LR_SCHED_PLATEAU), "EPS", "smaller reductions are ignored (1e-8)"},
};
#undef F
enum { NFIELD = sizeof field_flags / sizeof field_flags[0] };

/* Flags that are not fields: chosen names, lists and the run itself. */
typedef struct schedule_opts {
    const char *name, *milestones, *mode, *anneal_strategy, *threshold_mode, *metrics, *output;
    long steps, warmup_steps;
    double warmup_start_factor;
} schedule_opts;

enum { A_NAME, A_STEPS, A_WARMUP, A_WARMUP_F, A_METRICS, A_OUTPUT, A_MILESTONES, A_MODE, A_ANNEAL,
       A_THRESHOLD_MODE, NOPT };

static void bind_args(lr_arg *args, schedule_opts *o, lr_schedule *raw)
{
    const unsigned closed = ALL_CLOSED;
    args[A_NAME] = (lr_arg){"--name", LR_ARG_STRING, &o->name, "NAME", "the schedule (required; see above)", 0, false};
    args[A_STEPS] = (lr_arg){"--steps", LR_ARG_LONG, &o->steps, "N", "rows to print, steps 0..N-1 (required)", closed, false};
    args[A_WARMUP] = (lr_arg){"--warmup-steps", LR_ARG_LONG, &o->warmup_steps, "W",
                              "linear warmup over the first W steps (SequentialLR)", closed, false};
    args[A_WARMUP_F] = (lr_arg){"--warmup-start-factor", LR_ARG_DOUBLE, &o->warmup_start_factor, "F",
                                "warmup factor at step 0 (LinearLR's 1/3)", closed, false};
    args[A_METRICS] = (lr_arg){"--metrics", LR_ARG_STRING, &o->metrics, "FILE",
                               "plateau: one metric a line ('-' for stdin)", G(LR_SCHED_PLATEAU), false};
    args[A_OUTPUT] = (lr_arg){"--output", LR_ARG_STRING, &o->output, "FILE",
                              "CSV output, written atomically (default: stdout)", 0, false};
    args[A_MILESTONES] = (lr_arg){"--milestones", LR_ARG_STRING, &o->milestones, "M1,M2,...",
                                  "steps where the rate decays by gamma (required)", G(LR_SCHED_MULTISTEP), false};
    args[A_MODE] = (lr_arg){"--mode", LR_ARG_STRING, &o->mode, "MODE",
                            "cyclic: triangular (default), triangular2, exp_range; plateau: min (default), max",
                            G(LR_SCHED_CYCLIC) | G(LR_SCHED_PLATEAU), false};
    args[A_ANNEAL] = (lr_arg){"--anneal-strategy", LR_ARG_STRING, &o->anneal_strategy, "cos|linear",
                              "onecycle annealing (cos)", G(LR_SCHED_ONECYCLE), false};
    args[A_THRESHOLD_MODE] = (lr_arg){"--threshold-mode", LR_ARG_STRING, &o->threshold_mode, "rel|abs",
                                      "plateau threshold mode (rel)", G(LR_SCHED_PLATEAU), false};
    for (size_t i = 0; i < NFIELD; i++) {
        const field_flag *f = &field_flags[i];
        args[NOPT + i] = (lr_arg){f->name, f->kind, (char *)raw + f->offset, f->metavar, f->help,
                                  f->groups, false};
    }
}

/* "30,80": whole numbers separated by commas. */
static int parse_milestones(const char *cmd, const char *text, lr_schedule *cfg)
{
    const char *p = text;
    cfg->n_milestones = 0;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno == ERANGE || (*end != ',' && *end != '\0')) {
            lr_errorf(cmd, "--milestones: expected whole numbers separated by commas, got '%s'", text);
            return -1;
        }
        if (cfg->n_milestones == LR_SCHEDULE_MAX_MILESTONES) {
            lr_errorf(cmd, "--milestones: at most %d milestones", LR_SCHEDULE_MAX_MILESTONES);
            return -1;
        }
        cfg->milestones[cfg->n_milestones++] = v;
        if (*end == '\0')
            return 0;
        p = end + 1;
    }
}

/* The words of --mode, --anneal-strategy and --threshold-mode. */
static int parse_words(const char *cmd, const schedule_opts *o, lr_schedule *cfg)
{
    if (o->mode && cfg->kind == LR_SCHED_CYCLIC && lr_cyclic_mode_parse(o->mode, &cfg->cyclic_mode)) {
        lr_errorf(cmd, "--mode: unknown mode '%s' for cyclic (choose triangular, triangular2 or exp_range)",
                  o->mode);
        return -1;
    }
    if (o->mode && cfg->kind == LR_SCHED_PLATEAU && lr_plateau_mode_parse(o->mode, &cfg->plateau_mode)) {
        lr_errorf(cmd, "--mode: unknown mode '%s' for plateau (choose min or max)", o->mode);
        return -1;
    }
    if (o->anneal_strategy && lr_anneal_strategy_parse(o->anneal_strategy, &cfg->anneal_strategy)) {
        lr_errorf(cmd, "--anneal-strategy: unknown strategy '%s' (choose cos or linear)", o->anneal_strategy);
        return -1;
    }
    if (o->threshold_mode && lr_threshold_mode_parse(o->threshold_mode, &cfg->threshold_mode)) {
        lr_errorf(cmd, "--threshold-mode: unknown mode '%s' (choose rel or abs)", o->threshold_mode);
        return -1;
    }
    return 0;
}

/* PyTorch's positional (required) arguments of each schedule, as flags. */
static int check_required(const char *cmd, const lr_arg *args, lr_schedule_kind kind)
{
    static const struct {
        lr_schedule_kind kind;
        const char *flag;
    } required[] = {
        {LR_SCHED_STEP, "--step-size"},      {LR_SCHED_MULTISTEP, "--milestones"},
        {LR_SCHED_EXPONENTIAL, "--gamma"},   {LR_SCHED_INVERSE_TIME, "--decay-steps"},
        {LR_SCHED_INVERSE_TIME, "--decay-rate"}, {LR_SCHED_COSINE, "--t-max"},
        {LR_SCHED_COSINE_RESTARTS, "--t-0"}, {LR_SCHED_CYCLIC, "--base-lr"},
        {LR_SCHED_CYCLIC, "--max-lr"},       {LR_SCHED_ONECYCLE, "--max-lr"},
        {LR_SCHED_ONECYCLE, "--total-steps"}, {LR_SCHED_PLATEAU, "--metrics"},
    };
    size_t nargs = NOPT + NFIELD;
    const char *name = lr_schedule_name(kind);
    if (kind != LR_SCHED_CYCLIC && kind != LR_SCHED_ONECYCLE &&
        !lr_args_find((lr_arg *)args, nargs, "--lr")->seen) {
        lr_errorf(cmd, "--lr is required for --name %s", name);
        return -1;
    }
    if (kind != LR_SCHED_PLATEAU && !args[A_STEPS].seen) {
        lr_errorf(cmd, "--steps is required for --name %s", name);
        return -1;
    }
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (required[i].kind == kind && !lr_args_find((lr_arg *)args, nargs, required[i].flag)->seen) {
            lr_errorf(cmd, "%s is required for --name %s", required[i].flag, name);
            return -1;
        }
    }
    return 0;
}

/* Flags that belong to the name but not to the other choices made. */
static int check_combinations(const char *cmd, const lr_arg *args, const lr_schedule *cfg)
{
    size_t nargs = NOPT + NFIELD;
    bool cycling = lr_args_find((lr_arg *)args, nargs, "--cycle-momentum")->seen;
    const char *momentum_flags[] = {"--base-momentum", "--max-momentum"};
    for (size_t i = 0; i < 2; i++) {
        if (!cycling && lr_args_find((lr_arg *)args, nargs, momentum_flags[i])->seen) {
            lr_errorf(cmd, "%s needs --cycle-momentum", momentum_flags[i]);
            return -1;
        }
    }
    if (cfg->kind == LR_SCHED_CYCLIC && cfg->cyclic_mode != LR_CYCLIC_EXP_RANGE &&
        lr_args_find((lr_arg *)args, nargs, "--gamma")->seen) {
        lr_errorf(cmd, "--gamma applies to --mode exp_range only");
        return -1;
    }
    if (args[A_WARMUP_F].seen && !args[A_WARMUP].seen) {
        lr_errorf(cmd, "--warmup-start-factor needs --warmup-steps");
        return -1;
    }
    return 0;
}

/* Prints a validation error under the flag that names the PyTorch keyword at fault. */
static void report_invalid(const char *cmd, const lr_config_error *err)
{
    char flag[64];
    lr_flag_from_keyword(err->field, flag, sizeof flag);
    for (char *c = flag; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    lr_errorf(cmd, "%s: %s", flag, err->message);
}

/* Builds the chain the CLI runs: the schedule, maybe behind a warmup. */
static int build_chain(const char *cmd, const schedule_opts *o, bool warmup, const lr_schedule *cfg,
                       lr_chain *chain)
{
    if (!warmup) {
        lr_chain_single(chain, cfg);
        return 0;
    }
    if (o->warmup_steps < 1 || o->warmup_steps > LR_SCHEDULE_MAX_STEP) {
        lr_errorf(cmd, "--warmup-steps: must be a whole number >= 1, got %ld (leave it out for no warmup)",
                  o->warmup_steps);
        return -1;
    }
    double f = o->warmup_start_factor;
    if (!(f > 0.0 && f <= 1.0)) {
        lr_errorf(cmd, "--warmup-start-factor: must be in (0, 1] (LinearLR's start_factor), got %g", f);
        return -1;
    }
    lr_chain_warmup(chain, cfg, o->warmup_steps, f);
    return 0;
}

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

/* Defaults for the name, then every field flag given. */
static lr_schedule config_from_flags(const lr_arg *fields, const lr_schedule *raw, lr_schedule_kind kind)
{
    lr_schedule cfg = lr_schedule_defaults(kind);
    for (size_t i = 0; i < NFIELD; i++) {
        if (!fields[i].seen)
            continue;
        size_t off = field_flags[i].offset;
        size_t size = field_flags[i].kind == LR_ARG_FLAG ? sizeof(bool)
                      : field_flags[i].kind == LR_ARG_LONG ? sizeof(long) : sizeof(double);
        memcpy((char *)&cfg + off, (const char *)raw + off, size);
    }
    /* The momentum column is asked for; PyTorch's default (True) cycles it either way. */
    cfg.cycle_momentum = lr_args_find((lr_arg *)fields, NFIELD, "--cycle-momentum")->seen;
    if (kind == LR_SCHED_CYCLIC && !lr_args_find((lr_arg *)fields, NFIELD, "--lr")->seen)
        cfg.lr = cfg.base_lr;
    return cfg;
}

/* Parses and checks everything. Returns 0 with *cfg (and *chain for closed forms) set, or an exit
 * status after printing why. */
static int configure(const char *cmd, lr_arg *args, const schedule_opts *o, const lr_schedule *raw,
                     lr_schedule *cfg, lr_chain *chain)
{
    lr_schedule_kind kind;
    if (!o->name) {
        lr_errorf(cmd, "--name is required (constant, step, multistep, exponential, polynomial, linear, "
                       "inverse-time, cosine, cosine-restarts, cyclic, onecycle or plateau)");
        return LR_EXIT_USAGE;
    }
    if (lr_schedule_parse(o->name, &kind) != 0) {
        lr_errorf(cmd, "--name: unknown schedule '%s' (choose constant, step, multistep, exponential, "
                       "polynomial, linear, inverse-time, cosine, cosine-restarts, cyclic, onecycle or "
                       "plateau)", o->name);
        return LR_EXIT_USAGE;
    }
    char what[64];
    snprintf(what, sizeof what, "--name %s", o->name);
    if (lr_args_check_group(cmd, args, NOPT + NFIELD, SCHEDULE_FAMILY, G(kind), what) != 0 ||
        check_required(cmd, args, kind) != 0)
        return LR_EXIT_USAGE;
    *cfg = config_from_flags(args + NOPT, raw, kind);
    if ((o->milestones && parse_milestones(cmd, o->milestones, cfg) != 0) ||
        parse_words(cmd, o, cfg) != 0 || check_combinations(cmd, args, cfg) != 0)
        return LR_EXIT_USAGE;
    lr_config_error err;
    if (lr_schedule_validate(cfg, &err) != 0) {
        report_invalid(cmd, &err);
        return LR_EXIT_USAGE;
    }
    if (kind == LR_SCHED_PLATEAU)
        return LR_EXIT_OK;
    if (build_chain(cmd, o, args[A_WARMUP].seen, cfg, chain) != 0)
        return LR_EXIT_USAGE;
    if (lr_chain_validate(chain, &err) != 0 || lr_chain_check_steps(chain, o->steps, &err) != 0) {
        report_invalid(cmd, &err);
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

int lr_cmd_schedule(int argc, char **argv)
{
    const char *cmd = "schedule";
    schedule_opts o = {.warmup_start_factor = 1.0 / 3};
    lr_schedule raw, cfg;
    memset(&raw, 0, sizeof raw);
    lr_arg args[NOPT + NFIELD];
    bind_args(args, &o, &raw);
    int rc = lr_args_parse(cmd, schedule_usage, args, NOPT + NFIELD, argc, argv);
    if (rc != LR_PARSE_OK)
        return rc == LR_PARSE_HELP ? LR_EXIT_OK : LR_EXIT_USAGE;
    lr_chain *chain = malloc(sizeof *chain);
    if (!chain) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    double *metrics = NULL;
    size_t nmetrics = 0;
    rc = configure(cmd, args, &o, &raw, &cfg, chain);
    if (rc == LR_EXIT_OK && cfg.kind == LR_SCHED_PLATEAU)
        rc = read_metrics(cmd, o.metrics, &metrics, &nmetrics);
    lr_output out;
    if (rc == LR_EXIT_OK)
        rc = lr_output_open(&out, cmd, o.output);
    if (rc == LR_EXIT_OK) {
        if (cfg.kind == LR_SCHED_PLATEAU)
            write_plateau(&cfg, metrics, nmetrics, out.f);
        else
            write_closed(chain, o.steps, out.f);
        rc = lr_output_commit(&out, cmd);
    }
    free(metrics);
    free(chain);
    return rc;
}
