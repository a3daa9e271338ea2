/* C07-C16 schedule flags of lrlab schedule and lrlab train: one table of PyTorch 1.13's keywords,
 * defaults and the schedules each applies to, PyTorch's required arguments and checks, and the
 * configured schedule (behind an optional SequentialLR warmup) that the flags given describe. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "schedule_flags.h"

/* Schedule flags use the schedule family of lr_arg.groups (bits 16-31; see cli.h). */
#define G(kind) (1u << (16 + (kind)))
#define SCHEDULE_FAMILY 0xffff0000u
#define ALL_CLOSED ((((1u << LR_SCHED_COUNT) - 1) << 16) & ~G(LR_SCHED_PLATEAU))
#define CYCLERS (G(LR_SCHED_CYCLIC) | G(LR_SCHED_ONECYCLE))

/* One flag: its spelling in each command (NULL where it does not exist), where it is stored, and
 * whether it is a field of lr_schedule (copied over the defaults when given). */
typedef struct schedule_flag {
    const char *name, *train_name;
    lr_arg_kind kind;
    size_t offset; /* in lr_schedule_flags */
    bool field;
    unsigned groups;
    const char *metavar, *help;
    const char *train_help; /* NULL: help */
} schedule_flag;

#define O(member) offsetof(lr_schedule_flags, member)
#define F(field) (offsetof(lr_schedule_flags, raw) + offsetof(lr_schedule, field))

/* The order is the schedule command's --help order. */
static const schedule_flag schedule_flag_table[] = {
    {"--name", "--schedule", LR_ARG_STRING, O(name), false, 0, "NAME", "the schedule (required; see above)",
     "a schedule stepped once per optimizer step (see above; default: the constant --lr)"},
    {"--steps", NULL, LR_ARG_LONG, O(steps), false, ALL_CLOSED, "N", "rows to print, steps 0..N-1 (required)",
     NULL},
    {"--warmup-steps", "--warmup-steps", LR_ARG_LONG, O(warmup_steps), false, ALL_CLOSED, "W",
     "linear warmup over the first W steps (SequentialLR)", NULL},
    {"--warmup-start-factor", "--warmup-start-factor", LR_ARG_DOUBLE, O(warmup_start_factor), false,
     ALL_CLOSED, "F", "warmup factor at step 0 (LinearLR's 1/3)", NULL},
    {"--metrics", NULL, LR_ARG_STRING, O(metrics), false, G(LR_SCHED_PLATEAU), "FILE",
     "plateau: one metric a line ('-' for stdin)", NULL},
    {"--output", NULL, LR_ARG_STRING, O(output), false, 0, "FILE",
     "CSV output, written atomically (default: stdout)", NULL},
    {"--milestones", "--milestones", LR_ARG_STRING, O(milestones), false, G(LR_SCHED_MULTISTEP),
     "M1,M2,...", "steps where the rate decays by gamma (required)", NULL},
    {"--mode", "--mode", LR_ARG_STRING, O(mode), false, G(LR_SCHED_CYCLIC) | G(LR_SCHED_PLATEAU), "MODE",
     "cyclic: triangular (default), triangular2, exp_range; plateau: min (default), max", NULL},
    {"--anneal-strategy", "--anneal-strategy", LR_ARG_STRING, O(anneal_strategy), false,
     G(LR_SCHED_ONECYCLE), "cos|linear", "onecycle annealing (cos)", NULL},
    {"--threshold-mode", "--threshold-mode", LR_ARG_STRING, O(threshold_mode), false, G(LR_SCHED_PLATEAU),
     "rel|abs", "plateau threshold mode (rel)", NULL},
    {"--lr", NULL, LR_ARG_DOUBLE, F(lr), true, 0, "BASE",
     "the optimizer's rate (required except for cyclic and onecycle)", NULL},
    {"--factor", "--factor", LR_ARG_DOUBLE, F(factor), true, G(LR_SCHED_CONSTANT) | G(LR_SCHED_PLATEAU), "F",
     "constant: factor until total_iters (1/3); plateau: new_lr = lr * factor (0.1)", NULL},
    {"--total-iters", "--total-iters", LR_ARG_LONG, F(total_iters), true,
     G(LR_SCHED_CONSTANT) | G(LR_SCHED_POLYNOMIAL) | G(LR_SCHED_LINEAR), "T", "steps of the change (5)", NULL},
    {"--step-size", "--step-size", LR_ARG_LONG, F(step_size), true, G(LR_SCHED_STEP), "S",
     "period of the decay (required)", NULL},
    {"--gamma", "--gamma", LR_ARG_DOUBLE, F(gamma), true,
     G(LR_SCHED_STEP) | G(LR_SCHED_MULTISTEP) | G(LR_SCHED_EXPONENTIAL) | G(LR_SCHED_CYCLIC), "G",
     "decay factor (0.1 step, multistep; required for exponential; 1.0 cyclic exp_range)", NULL},
    {"--decay-steps", "--decay-steps", LR_ARG_DOUBLE, F(decay_steps), true,
     G(LR_SCHED_EXPONENTIAL) | G(LR_SCHED_INVERSE_TIME) | G(LR_SCHED_POLYNOMIAL), "S",
     "Keras decay_steps (required for inverse-time; 1 for exponential; makes polynomial Keras')", NULL},
    {"--decay-rate", "--decay-rate", LR_ARG_DOUBLE, F(decay_rate), true, G(LR_SCHED_INVERSE_TIME), "R",
     "Keras decay_rate (required)", NULL},
    {"--staircase", "--staircase", LR_ARG_FLAG, F(staircase), true,
     G(LR_SCHED_EXPONENTIAL) | G(LR_SCHED_INVERSE_TIME), NULL, "decay in whole multiples of decay_steps (Keras)",
     NULL},
    {"--power", "--power", LR_ARG_DOUBLE, F(power), true, G(LR_SCHED_POLYNOMIAL), "P",
     "power of the polynomial (1.0)", NULL},
    /* Keras' keyword, not --end-lr: find-lr's --end-lr is the end of its ramp, another meaning. */
    {"--end-learning-rate", "--end-learning-rate", LR_ARG_DOUBLE, F(end_learning_rate), true,
     G(LR_SCHED_POLYNOMIAL), "LR", "Keras PolynomialDecay's end rate (1e-4; needs --decay-steps)", NULL},
    {"--cycle", "--cycle", LR_ARG_FLAG, F(cycle), true, G(LR_SCHED_POLYNOMIAL), NULL,
     "Keras PolynomialDecay: restart over the next multiple of decay_steps (needs --decay-steps)",
     NULL},
    {"--start-factor", "--start-factor", LR_ARG_DOUBLE, F(start_factor), true, G(LR_SCHED_LINEAR), "F",
     "factor at step 0 (1/3)", NULL},
    {"--end-factor", "--end-factor", LR_ARG_DOUBLE, F(end_factor), true, G(LR_SCHED_LINEAR), "F",
     "factor from total_iters on (1.0)", NULL},
    {"--t-max", "--t-max", LR_ARG_LONG, F(T_max), true, G(LR_SCHED_COSINE), "T",
     "half period of the cosine (required)", NULL},
    {"--eta-min", "--eta-min", LR_ARG_DOUBLE, F(eta_min), true, G(LR_SCHED_COSINE) | G(LR_SCHED_COSINE_RESTARTS),
     "LR", "minimum rate (0)", NULL},
    {"--t-0", "--t-0", LR_ARG_LONG, F(T_0), true, G(LR_SCHED_COSINE_RESTARTS), "T",
     "length of the first cycle (required)", NULL},
    {"--t-mult", "--t-mult", LR_ARG_LONG, F(T_mult), true, G(LR_SCHED_COSINE_RESTARTS), "M",
     "whole factor by which each cycle grows (1)", NULL},
    {"--base-lr", "--base-lr", LR_ARG_DOUBLE, F(base_lr), true, G(LR_SCHED_CYCLIC), "LR",
     "lower boundary of the cycle (required)", NULL},
    {"--max-lr", "--max-lr", LR_ARG_DOUBLE, F(max_lr), true, CYCLERS, "LR",
     "upper boundary / peak rate (required)", NULL},
    {"--step-size-up", "--step-size-up", LR_ARG_LONG, F(step_size_up), true, G(LR_SCHED_CYCLIC), "S",
     "steps rising (2000)", NULL},
    {"--step-size-down", "--step-size-down", LR_ARG_LONG, F(step_size_down), true, G(LR_SCHED_CYCLIC), "S",
     "steps falling (default: step_size_up)", NULL},
    {"--cycle-momentum", "--cycle-momentum", LR_ARG_FLAG, F(cycle_momentum), true, CYCLERS, NULL,
     "print the momentum PyTorch cycles inversely to the rate (the rates are the same either way)",
     "not in train: the optimizer's momentum stays fixed (PyTorch's cycle_momentum=False)"},
    {"--base-momentum", "--base-momentum", LR_ARG_DOUBLE, F(base_momentum), true, CYCLERS, "M",
     "momentum at the peak rate (0.8 cyclic, 0.85 onecycle)", "not in train (see --cycle-momentum)"},
    {"--max-momentum", "--max-momentum", LR_ARG_DOUBLE, F(max_momentum), true, CYCLERS, "M",
     "momentum at the lowest rate (0.9 cyclic, 0.95 onecycle)", "not in train (see --cycle-momentum)"},
    {"--total-steps", "--total-steps", LR_ARG_LONG, F(total_steps), true, G(LR_SCHED_ONECYCLE), "N",
     "steps of the cycle (required)", "steps of the cycle (required; at least the run's steps)"},
    {"--pct-start", "--pct-start", LR_ARG_DOUBLE, F(pct_start), true, G(LR_SCHED_ONECYCLE), "P",
     "fraction of steps rising (0.3)", NULL},
    {"--div-factor", "--div-factor", LR_ARG_DOUBLE, F(div_factor), true, G(LR_SCHED_ONECYCLE), "D",
     "initial_lr = max_lr / D (25)", NULL},
    {"--final-div-factor", "--final-div-factor", LR_ARG_DOUBLE, F(final_div_factor), true,
     G(LR_SCHED_ONECYCLE), "D", "min_lr = initial_lr / D (1e4)", NULL},
    {"--three-phase", "--three-phase", LR_ARG_FLAG, F(three_phase), true, G(LR_SCHED_ONECYCLE), NULL,
     "rise, fall back to initial_lr, then anneal to min_lr", NULL},
    {"--patience", "--patience", LR_ARG_LONG, F(patience), true, G(LR_SCHED_PLATEAU), "P",
     "bad epochs tolerated (10)", NULL},
    {"--threshold", "--threshold", LR_ARG_DOUBLE, F(threshold), true, G(LR_SCHED_PLATEAU), "T",
     "significant improvement (1e-4)", NULL},
    {"--cooldown", "--cooldown", LR_ARG_LONG, F(cooldown), true, G(LR_SCHED_PLATEAU), "C",
     "epochs ignored after a reduction (0)", NULL},
    {"--min-lr", "--min-lr", LR_ARG_DOUBLE, F(min_lr), true, G(LR_SCHED_PLATEAU), "LR",
     "lower bound of the rate (0)", NULL},
    {"--eps", "--plateau-eps", LR_ARG_DOUBLE, F(eps), true, G(LR_SCHED_PLATEAU), "EPS",
     "smaller reductions are ignored (1e-8)",
     "plateau's eps: smaller reductions are ignored (1e-8; --eps is the optimizer's)"},
};
#undef O
#undef F
#define NTABLE (sizeof schedule_flag_table / sizeof schedule_flag_table[0])
_Static_assert(NTABLE <= LR_SCHEDULE_NFLAGS_MAX, "LR_SCHEDULE_NFLAGS_MAX is too small");

static const char *flag_name(const schedule_flag *f, lr_schedule_flags_use use)
{
    return use == LR_SCHEDULE_FOR_TRAIN ? f->train_name : f->name;
}

size_t lr_schedule_flags_bind(lr_schedule_flags *sf, lr_schedule_flags_use use, lr_arg *out)
{
    memset(sf, 0, sizeof *sf);
    sf->use = use;
    sf->warmup_start_factor = 1.0 / 3;
    size_t n = 0;
    for (size_t i = 0; i < NTABLE; i++) {
        const schedule_flag *f = &schedule_flag_table[i];
        const char *name = flag_name(f, use);
        if (!name)
            continue;
        const char *help = use == LR_SCHEDULE_FOR_TRAIN && f->train_help ? f->train_help : f->help;
        out[n++] = (lr_arg){name, f->kind, (char *)sf + f->offset, f->metavar, help, f->groups, false};
    }
    return n;
}

bool lr_schedule_flags_any_seen(const lr_arg *args, size_t nargs)
{
    for (size_t i = 0; i < nargs; i++)
        if (args[i].seen)
            return true;
    return false;
}

/* Whether the flag stored at `offset` was given. Every bound flag has its own offset. */
static bool given(const lr_arg *args, size_t nargs, const lr_schedule_flags *sf, size_t offset)
{
    for (size_t i = 0; i < nargs; i++)
        if (args[i].dest == (const char *)sf + offset)
            return args[i].seen;
    return false;
}

#define GIVEN(member) given(args, nargs, sf, offsetof(lr_schedule_flags, member))
#define GIVEN_FIELD(field) \
    given(args, nargs, sf, offsetof(lr_schedule_flags, raw) + offsetof(lr_schedule, field))

/* "--name" in the schedule command, "--schedule" in train: the choice that sets the group. */
static const char *selector(const lr_schedule_flags *sf)
{
    return sf->use == LR_SCHEDULE_FOR_TRAIN ? "--schedule" : "--name";
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
static int parse_words(const char *cmd, const lr_schedule_flags *sf, lr_schedule *cfg)
{
    if (sf->mode && cfg->kind == LR_SCHED_CYCLIC && lr_cyclic_mode_parse(sf->mode, &cfg->cyclic_mode)) {
        lr_errorf(cmd, "--mode: unknown mode '%s' for cyclic (choose triangular, triangular2 or exp_range)",
                  sf->mode);
        return -1;
    }
    if (sf->mode && cfg->kind == LR_SCHED_PLATEAU && lr_plateau_mode_parse(sf->mode, &cfg->plateau_mode)) {
        lr_errorf(cmd, "--mode: unknown mode '%s' for plateau (choose min or max)", sf->mode);
        return -1;
    }
    if (sf->anneal_strategy && lr_anneal_strategy_parse(sf->anneal_strategy, &cfg->anneal_strategy)) {
        lr_errorf(cmd, "--anneal-strategy: unknown strategy '%s' (choose cos or linear)", sf->anneal_strategy);
        return -1;
    }
    if (sf->threshold_mode && lr_threshold_mode_parse(sf->threshold_mode, &cfg->threshold_mode)) {
        lr_errorf(cmd, "--threshold-mode: unknown mode '%s' (choose rel or abs)", sf->threshold_mode);
        return -1;
    }
    return 0;
}

/* PyTorch's positional (required) arguments of each schedule, as flags. In train the base rate is
 * the optimizer's, the length is the run's and plateau's metrics come from training. */
static int check_required(const char *cmd, const lr_arg *args, size_t nargs, const lr_schedule_flags *sf,
                          lr_schedule_kind kind)
{
    static const struct {
        lr_schedule_kind kind;
        const char *flag;
        size_t offset;
    } required[] = {
#define R(kind, flag, field) {kind, flag, offsetof(lr_schedule_flags, raw) + offsetof(lr_schedule, field)}
        R(LR_SCHED_STEP, "--step-size", step_size),
        {LR_SCHED_MULTISTEP, "--milestones", offsetof(lr_schedule_flags, milestones)},
        R(LR_SCHED_EXPONENTIAL, "--gamma", gamma),
        R(LR_SCHED_INVERSE_TIME, "--decay-steps", decay_steps),
        R(LR_SCHED_INVERSE_TIME, "--decay-rate", decay_rate),
        R(LR_SCHED_COSINE, "--t-max", T_max),
        R(LR_SCHED_COSINE_RESTARTS, "--t-0", T_0),
        R(LR_SCHED_CYCLIC, "--base-lr", base_lr),
        R(LR_SCHED_CYCLIC, "--max-lr", max_lr),
        R(LR_SCHED_ONECYCLE, "--max-lr", max_lr),
        R(LR_SCHED_ONECYCLE, "--total-steps", total_steps),
#undef R
    };
    const char *name = lr_schedule_name(kind);
    bool command = sf->use == LR_SCHEDULE_FOR_COMMAND;
    if (command && kind != LR_SCHED_CYCLIC && kind != LR_SCHED_ONECYCLE && !GIVEN_FIELD(lr)) {
        lr_errorf(cmd, "--lr is required for --name %s", name);
        return -1;
    }
    if (command && kind != LR_SCHED_PLATEAU && !GIVEN(steps)) {
        lr_errorf(cmd, "--steps is required for --name %s", name);
        return -1;
    }
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (required[i].kind == kind && !given(args, nargs, sf, required[i].offset)) {
            lr_errorf(cmd, "%s is required for %s %s", required[i].flag, selector(sf), name);
            return -1;
        }
    }
    if (command && kind == LR_SCHED_PLATEAU && !GIVEN(metrics)) {
        lr_errorf(cmd, "--metrics is required for --name %s", name);
        return -1;
    }
    return 0;
}

/* polynomial is PolynomialLR (--total-iters) or, with --decay-steps, Keras PolynomialDecay
 * (--end-learning-rate, --cycle): flags of one form do not apply to the other. */
static int check_keras_polynomial(const char *cmd, const lr_arg *args, size_t nargs, const lr_schedule_flags *sf)
{
    bool keras = GIVEN_FIELD(decay_steps);
    if (keras && GIVEN_FIELD(total_iters)) {
        lr_errorf(cmd, "--total-iters does not apply with --decay-steps (Keras PolynomialDecay decays over "
                       "decay_steps; PolynomialLR over total_iters: give one)");
        return -1;
    }
    if (!keras && GIVEN_FIELD(end_learning_rate)) {
        lr_errorf(cmd, "--end-learning-rate needs --decay-steps (Keras PolynomialDecay; PolynomialLR ends at 0)");
        return -1;
    }
    if (!keras && GIVEN_FIELD(cycle)) {
        lr_errorf(cmd, "--cycle needs --decay-steps (Keras PolynomialDecay; PolynomialLR does not cycle)");
        return -1;
    }
    return 0;
}

/* Flags that belong to the name but not to the other choices made. */
static int check_combinations(const char *cmd, const lr_arg *args, size_t nargs, const lr_schedule_flags *sf,
                              const lr_schedule *cfg)
{
    static const char *const momentum_flags[] = {"--cycle-momentum", "--base-momentum", "--max-momentum"};
    const bool momentum_given[] = {GIVEN_FIELD(cycle_momentum), GIVEN_FIELD(base_momentum),
                                   GIVEN_FIELD(max_momentum)};
    for (size_t i = 0; i < 3; i++) {
        /* lr_optimizer fixes its momentum (and whether it keeps a momentum buffer) when it is made. */
        if (sf->use == LR_SCHEDULE_FOR_TRAIN && momentum_given[i]) {
            lr_errorf(cmd, "%s: lrlab train does not cycle the optimizer's momentum; it keeps the "
                           "optimizer's own (PyTorch's cycle_momentum=False, the same rates)",
                      momentum_flags[i]);
            return -1;
        }
    }
    for (size_t i = 1; i < 3; i++) {
        if (!momentum_given[0] && momentum_given[i]) {
            lr_errorf(cmd, "%s needs --cycle-momentum", momentum_flags[i]);
            return -1;
        }
    }
    if (cfg->kind == LR_SCHED_CYCLIC && cfg->cyclic_mode != LR_CYCLIC_EXP_RANGE && GIVEN_FIELD(gamma)) {
        lr_errorf(cmd, "--gamma applies to --mode exp_range only");
        return -1;
    }
    if (cfg->kind == LR_SCHED_POLYNOMIAL && check_keras_polynomial(cmd, args, nargs, sf) != 0)
        return -1;
    if (GIVEN(warmup_start_factor) && !GIVEN(warmup_steps)) {
        lr_errorf(cmd, "--warmup-start-factor needs --warmup-steps");
        return -1;
    }
    return 0;
}

void lr_schedule_flags_report(const char *cmd, lr_schedule_flags_use use, const lr_schedule *cfg,
                              const lr_config_error *err)
{
    char flag[64];
    if (use == LR_SCHEDULE_FOR_TRAIN && cfg->kind == LR_SCHED_PLATEAU && strcmp(err->field, "eps") == 0)
        snprintf(flag, sizeof flag, "--plateau-eps");
    else
        lr_flag_from_keyword(err->field, flag, sizeof flag);
    for (char *c = flag; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    lr_errorf(cmd, "%s: %s", flag, err->message);
}

/* Builds the chain that is run: the schedule, maybe behind a warmup. */
static int build_chain(const char *cmd, const lr_schedule_flags *sf, bool warmup, const lr_schedule *cfg,
                       lr_chain *chain)
{
    if (!warmup) {
        lr_chain_single(chain, cfg);
        return 0;
    }
    if (sf->warmup_steps < 1 || sf->warmup_steps > LR_SCHEDULE_MAX_STEP) {
        lr_errorf(cmd, "--warmup-steps: must be a whole number >= 1, got %ld (leave it out for no warmup)",
                  sf->warmup_steps);
        return -1;
    }
    double f = sf->warmup_start_factor;
    if (!(f > 0.0 && f <= 1.0)) {
        lr_errorf(cmd, "--warmup-start-factor: must be in (0, 1] (LinearLR's start_factor), got %g", f);
        return -1;
    }
    lr_chain_warmup(chain, cfg, sf->warmup_steps, f);
    return 0;
}

/* Defaults for the name, then every field flag given, then the base rate. */
static lr_schedule config_from_flags(const lr_arg *args, size_t nargs, const lr_schedule_flags *sf,
                                     lr_schedule_kind kind, double base_lr)
{
    lr_schedule cfg = lr_schedule_defaults(kind);
    const size_t raw = offsetof(lr_schedule_flags, raw);
    for (size_t i = 0; i < NTABLE; i++) {
        const schedule_flag *f = &schedule_flag_table[i];
        if (!f->field || !flag_name(f, sf->use) || !given(args, nargs, sf, f->offset))
            continue;
        size_t size = f->kind == LR_ARG_FLAG ? sizeof(bool) : f->kind == LR_ARG_LONG ? sizeof(long) : sizeof(double);
        memcpy((char *)&cfg + (f->offset - raw), (const char *)sf + f->offset, size);
    }
    /* The momentum column is asked for; PyTorch's default (True) cycles it either way. */
    cfg.cycle_momentum = GIVEN_FIELD(cycle_momentum);
    /* Keras' decay_steps turns PolynomialLR into PolynomialDecay, as it turns ExponentialLR into
     * ExponentialDecay (where decay_steps = 1 is PyTorch's, so no switch is needed there). */
    cfg.keras = kind == LR_SCHED_POLYNOMIAL && GIVEN_FIELD(decay_steps);
    if (sf->use == LR_SCHEDULE_FOR_TRAIN)
        cfg.lr = base_lr;
    else if (kind == LR_SCHED_CYCLIC && !GIVEN_FIELD(lr))
        cfg.lr = cfg.base_lr;
    return cfg;
}

int lr_schedule_flags_configure(const char *cmd, const lr_arg *args, size_t nargs,
                                const lr_schedule_flags *sf, double base_lr, lr_schedule *cfg,
                                lr_chain *chain)
{
    static const char names[] = "constant, step, multistep, exponential, polynomial, linear, "
                                "inverse-time, cosine, cosine-restarts, cyclic, onecycle or plateau";
    lr_schedule_kind kind;
    if (!sf->name) {
        lr_errorf(cmd, "%s is required (%s)", selector(sf), names);
        return LR_EXIT_USAGE;
    }
    if (lr_schedule_parse(sf->name, &kind) != 0) {
        lr_errorf(cmd, "%s: unknown schedule '%s' (choose %s)", selector(sf), sf->name, names);
        return LR_EXIT_USAGE;
    }
    char what[64];
    snprintf(what, sizeof what, "%s %s", selector(sf), sf->name);
    if (lr_args_check_group(cmd, args, nargs, SCHEDULE_FAMILY, G(kind), what) != 0 ||
        check_required(cmd, args, nargs, sf, kind) != 0)
        return LR_EXIT_USAGE;
    *cfg = config_from_flags(args, nargs, sf, kind, base_lr);
    if ((sf->milestones && parse_milestones(cmd, sf->milestones, cfg) != 0) ||
        parse_words(cmd, sf, cfg) != 0 || check_combinations(cmd, args, nargs, sf, cfg) != 0)
        return LR_EXIT_USAGE;
    lr_config_error err;
    if (lr_schedule_validate(cfg, &err) != 0) {
        lr_schedule_flags_report(cmd, sf->use, cfg, &err);
        return LR_EXIT_USAGE;
    }
    if (kind == LR_SCHED_PLATEAU)
        return LR_EXIT_OK;
    if (build_chain(cmd, sf, GIVEN(warmup_steps), cfg, chain) != 0)
        return LR_EXIT_USAGE;
    if (lr_chain_validate(chain, &err) != 0) {
        lr_schedule_flags_report(cmd, sf->use, cfg, &err);
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}
