/* C07-C16 glue: schedule names, PyTorch 1.13 defaults and validation (with the configurations
 * PyTorch accepts but then fails on), step-dependent checks, the table's ULP contract, and C14
 * sequencing (SequentialLR / join_schedules) on top of the closed forms. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lrlab/schedule.h"

static const char *const schedule_names[LR_SCHED_COUNT] = {
    "constant", "step",            "multistep", "exponential", "polynomial", "linear",
    "inverse-time", "cosine",      "cosine-restarts", "cyclic", "onecycle",  "plateau",
};

const char *lr_schedule_name(lr_schedule_kind kind)
{
    return (unsigned)kind < LR_SCHED_COUNT ? schedule_names[kind] : "?";
}

static int parse_word(const char *name, const char *const *words, int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(name, words[i]) == 0)
            return i;
    return -1;
}

int lr_schedule_parse(const char *name, lr_schedule_kind *kind)
{
    int i = parse_word(name, schedule_names, LR_SCHED_COUNT);
    if (i >= 0)
        *kind = (lr_schedule_kind)i;
    return i >= 0 ? 0 : -1;
}

int lr_cyclic_mode_parse(const char *name, lr_cyclic_mode *mode)
{
    static const char *const words[] = {"triangular", "triangular2", "exp_range"};
    int i = parse_word(name, words, 3);
    if (i >= 0)
        *mode = (lr_cyclic_mode)i;
    return i >= 0 ? 0 : -1;
}

int lr_anneal_strategy_parse(const char *name, lr_anneal_strategy *s)
{
    static const char *const words[] = {"cos", "linear"};
    int i = parse_word(name, words, 2);
    if (i >= 0)
        *s = (lr_anneal_strategy)i;
    return i >= 0 ? 0 : -1;
}

int lr_plateau_mode_parse(const char *name, lr_plateau_mode *mode)
{
    static const char *const words[] = {"min", "max"};
    int i = parse_word(name, words, 2);
    if (i >= 0)
        *mode = (lr_plateau_mode)i;
    return i >= 0 ? 0 : -1;
}

int lr_threshold_mode_parse(const char *name, lr_threshold_mode *mode)
{
    static const char *const words[] = {"rel", "abs"};
    int i = parse_word(name, words, 2);
    if (i >= 0)
        *mode = (lr_threshold_mode)i;
    return i >= 0 ? 0 : -1;
}

lr_schedule lr_schedule_defaults(lr_schedule_kind kind)
{
    lr_schedule s = {
        .kind = kind,
        .lr = NAN,
        .factor = 1.0 / 3, /* ConstantLR; plateau's 0.1 below */
        .total_iters = 5,
        .step_size = LR_REQUIRED,
        .gamma = 0.1, /* StepLR, MultiStepLR; required for ExponentialLR, 1.0 for CyclicLR */
        .decay_steps = 1.0,
        .decay_rate = NAN,
        .power = 1.0,
        .keras = false,
        .end_learning_rate = 1e-4, /* Keras PolynomialDecay */
        .cycle = false,
        .start_factor = 1.0 / 3,
        .end_factor = 1.0,
        .T_max = LR_REQUIRED,
        .T_0 = LR_REQUIRED,
        .T_mult = 1,
        .eta_min = 0.0,
        .base_lr = NAN,
        .step_size_up = 2000,
        .step_size_down = -1,
        .cyclic_mode = LR_CYCLIC_TRIANGULAR,
        .max_lr = NAN,
        .cycle_momentum = true,
        .base_momentum = 0.8,
        .max_momentum = 0.9,
        .total_steps = LR_REQUIRED,
        .pct_start = 0.3,
        .anneal_strategy = LR_ANNEAL_COS,
        .div_factor = 25.0,
        .final_div_factor = 1e4,
        .plateau_mode = LR_PLATEAU_MIN,
        .patience = 10,
        .cooldown = 0,
        .threshold = 1e-4,
        .threshold_mode = LR_THRESHOLD_REL,
        .min_lr = 0.0,
        .eps = 1e-8,
    };
    switch (kind) {
    case LR_SCHED_EXPONENTIAL:
        s.gamma = NAN;
        break;
    case LR_SCHED_INVERSE_TIME:
    case LR_SCHED_POLYNOMIAL: /* required by Keras' PolynomialDecay; PolynomialLR ignores it */
        s.decay_steps = NAN;
        break;
    case LR_SCHED_CYCLIC:
        s.gamma = 1.0;
        break;
    case LR_SCHED_ONECYCLE:
        s.base_momentum = 0.85;
        s.max_momentum = 0.95;
        break;
    case LR_SCHED_PLATEAU:
        s.factor = 0.1;
        break;
    default:
        break;
    }
    return s;
}

/* ---- Validation ----------------------------------------------------------------------------- */

/* A finite number >= lo; `what` completes "must be ...". */
static int check_real(lr_config_error *err, const char *field, double v, double lo)
{
    if (isnan(v))
        return lr_config_fail(err, field, "is required (got nan)");
    if (!isfinite(v))
        return lr_config_fail(err, field, "must be a finite number, got %g", v);
    if (v < lo)
        return lr_config_fail(err, field, "must be >= %g, got %.17g", lo, v);
    return 0;
}

/* A whole number in [lo, LR_SCHEDULE_MAX_STEP]. */
static int check_whole(lr_config_error *err, const char *field, long v, long lo)
{
    if (v == LR_REQUIRED)
        return lr_config_fail(err, field, "is required");
    if (v < lo)
        return lr_config_fail(err, field, "must be a whole number >= %ld, got %ld", lo, v);
    if (v > LR_SCHEDULE_MAX_STEP)
        return lr_config_fail(err, field, "must be at most 2^52 (%ld), got %ld", LR_SCHEDULE_MAX_STEP, v);
    return 0;
}

/* Keras 3's PolynomialDecay raises only for decay_steps <= 0; the rest keeps every rate finite and
 * non-negative. */
static int validate_keras_polynomial(const lr_schedule *s, lr_config_error *err)
{
    if (check_real(err, "decay_steps", s->decay_steps, 0.0))
        return -1;
    if (s->decay_steps == 0.0)
        return lr_config_fail(err, "decay_steps", "must be > 0 (Keras: Argument `decay_steps` must be > 0)");
    /* The cycle count k = ceil(t / decay_steps) must stay below 2^53 for every step t <= 2^52, where
     * k + 1 still differs from k (lr_polynomial_cycles raises k by one). */
    if (s->cycle && s->decay_steps < 1.0)
        return lr_config_fail(err, "decay_steps", "must be >= 1 with cycle, got %.17g (shorter cycles than a "
                                                  "step count past 2^53 at late steps)", s->decay_steps);
    if (check_real(err, "end_learning_rate", s->end_learning_rate, 0.0))
        return -1;
    if (check_real(err, "power", s->power, -INFINITY))
        return -1;
    if (s->power < 0.0)
        return lr_config_fail(err, "power", "must be >= 0, got %.17g (Keras accepts it, then raises 0 to it "
                                            "at decay_steps: inf)", s->power);
    return 0;
}

static int validate_decays(const lr_schedule *s, lr_config_error *err)
{
    switch (s->kind) {
    case LR_SCHED_CONSTANT:
        if (check_real(err, "factor", s->factor, 0.0))
            return -1;
        if (s->factor > 1.0)
            return lr_config_fail(err, "factor", "Constant multiplicative factor expected to be between 0 "
                                       "and 1, got %.17g", s->factor);
        if (s->factor == 0.0)
            return lr_config_fail(err, "factor", "must be > 0: PyTorch 1.13 multiplies by 1/factor at step "
                                       "total_iters and raises ZeroDivisionError");
        return check_whole(err, "total_iters", s->total_iters, 1);
    case LR_SCHED_STEP:
        if (check_whole(err, "step_size", s->step_size, 1))
            return -1;
        return check_real(err, "gamma", s->gamma, 0.0);
    case LR_SCHED_MULTISTEP:
        if (s->n_milestones > LR_SCHEDULE_MAX_MILESTONES)
            return lr_config_fail(err, "milestones", "at most %d milestones", LR_SCHEDULE_MAX_MILESTONES);
        for (size_t i = 0; i < s->n_milestones; i++)
            if (s->milestones[i] < 0)
                return lr_config_fail(err, "milestones", "must be whole numbers >= 0, got %ld",
                            s->milestones[i]);
        return check_real(err, "gamma", s->gamma, 0.0);
    case LR_SCHED_EXPONENTIAL:
        if (check_real(err, "gamma", s->gamma, 0.0) || check_real(err, "decay_steps", s->decay_steps, 0.0))
            return -1;
        if (s->decay_steps == 0.0)
            return lr_config_fail(err, "decay_steps", "must be > 0");
        return 0;
    case LR_SCHED_POLYNOMIAL:
        if (s->keras)
            return validate_keras_polynomial(s, err);
        if (check_whole(err, "total_iters", s->total_iters, 1))
            return -1;
        return check_real(err, "power", s->power, 0.0);
    case LR_SCHED_LINEAR:
        if (check_real(err, "start_factor", s->start_factor, 0.0) ||
            check_real(err, "end_factor", s->end_factor, 0.0))
            return -1;
        if (s->start_factor > 1.0)
            return lr_config_fail(err, "start_factor", "Starting multiplicative factor expected to be "
                                             "between 0 and 1, got %.17g", s->start_factor);
        if (s->start_factor == 0.0)
            return lr_config_fail(err, "start_factor", "must be > 0: PyTorch 1.13 divides by "
                                             "total_iters * start_factor at step 1");
        if (s->end_factor > 1.0)
            return lr_config_fail(err, "end_factor", "Ending multiplicative factor expected to be between "
                                           "0 and 1, got %.17g", s->end_factor);
        return check_whole(err, "total_iters", s->total_iters, 1);
    case LR_SCHED_INVERSE_TIME:
        if (check_real(err, "decay_steps", s->decay_steps, 0.0) ||
            check_real(err, "decay_rate", s->decay_rate, 0.0))
            return -1;
        if (s->decay_steps == 0.0)
            return lr_config_fail(err, "decay_steps", "must be > 0");
        return 0;
    default:
        return 0;
    }
}

static int validate_cosines(const lr_schedule *s, lr_config_error *err)
{
    if (check_real(err, "eta_min", s->eta_min, 0.0))
        return -1;
    if (s->kind == LR_SCHED_COSINE)
        return check_whole(err, "T_max", s->T_max, 1);
    if (s->T_0 != LR_REQUIRED && s->T_0 < 1)
        return lr_config_fail(err, "T_0", "Expected positive integer T_0, but got %ld", s->T_0);
    if (check_whole(err, "T_0", s->T_0, 1))
        return -1;
    if (s->T_mult < 1)
        return lr_config_fail(err, "T_mult", "Expected integer T_mult >= 1, but got %ld", s->T_mult);
    return 0;
}

static int validate_momenta(const lr_schedule *s, lr_config_error *err, bool ordered)
{
    if (!s->cycle_momentum)
        return 0;
    if (check_real(err, "base_momentum", s->base_momentum, 0.0) ||
        check_real(err, "max_momentum", s->max_momentum, 0.0))
        return -1;
    if (ordered && s->max_momentum < s->base_momentum)
        return lr_config_fail(err, "max_momentum", "must be >= base_momentum (%.17g): it is the upper "
                                         "boundary of the cycle", s->base_momentum);
    return 0;
}

static int validate_cyclic(const lr_schedule *s, lr_config_error *err)
{
    if (check_real(err, "base_lr", s->base_lr, 0.0) || check_real(err, "max_lr", s->max_lr, 0.0))
        return -1;
    if (s->max_lr < s->base_lr)
        return lr_config_fail(err, "max_lr", "must be >= base_lr (%.17g): it is the upper boundary of the "
                                   "cycle", s->base_lr);
    if (check_whole(err, "step_size_up", s->step_size_up, 1))
        return -1;
    if (s->step_size_down >= 0 && check_whole(err, "step_size_down", s->step_size_down, 0))
        return -1;
    if ((unsigned)s->cyclic_mode > LR_CYCLIC_EXP_RANGE)
        return lr_config_fail(err, "mode", "mode is invalid and scale_fn is None");
    if (s->cyclic_mode == LR_CYCLIC_EXP_RANGE) {
        if (check_real(err, "gamma", s->gamma, 0.0))
            return -1;
        if (s->gamma > 1.0)
            return lr_config_fail(err, "gamma", "must be <= 1 for exp_range (PyTorch requires 0 <= "
                                      "scale_fn(x) <= 1), got %.17g", s->gamma);
    }
    return validate_momenta(s, err, true);
}

static int validate_onecycle(const lr_schedule *s, lr_config_error *err)
{
    if (check_real(err, "max_lr", s->max_lr, 0.0))
        return -1;
    if (s->total_steps != LR_REQUIRED && s->total_steps <= 0)
        return lr_config_fail(err, "total_steps", "Expected positive integer total_steps, but got %ld",
                    s->total_steps);
    if (check_whole(err, "total_steps", s->total_steps, 1))
        return -1;
    if (!(s->pct_start >= 0.0 && s->pct_start <= 1.0))
        return lr_config_fail(err, "pct_start", "Expected float between 0 and 1 pct_start, but got %g",
                    s->pct_start);
    if ((unsigned)s->anneal_strategy > LR_ANNEAL_LINEAR)
        return lr_config_fail(err, "anneal_strategy", "anneal_strategy must by one of 'cos' or 'linear'");
    if (check_real(err, "div_factor", s->div_factor, 0.0) ||
        check_real(err, "final_div_factor", s->final_div_factor, 0.0))
        return -1;
    if (s->div_factor == 0.0)
        return lr_config_fail(err, "div_factor", "must be > 0 (initial_lr = max_lr / div_factor)");
    if (s->final_div_factor == 0.0)
        return lr_config_fail(err, "final_div_factor", "must be > 0 (min_lr = initial_lr / final_div_factor)");
    /* PyTorch's first phase ends at float(pct_start * total_steps) - 1: at 0 it is empty and step 0
     * computes 0 / 0 (and so does the second phase of three). */
    if (s->pct_start * (double)s->total_steps - 1.0 == 0.0)
        return lr_config_fail(err, "pct_start", "pct_start * total_steps = 1 leaves the first phase empty: "
                                      "PyTorch 1.13 divides by zero at step 0");
    return validate_momenta(s, err, false);
}

static int validate_plateau(const lr_schedule *s, lr_config_error *err)
{
    if (isnan(s->factor) || s->factor >= 1.0)
        return lr_config_fail(err, "factor", "Factor should be < 1.0, got %.17g", s->factor);
    if (check_real(err, "factor", s->factor, 0.0))
        return -1;
    if ((unsigned)s->plateau_mode > LR_PLATEAU_MAX)
        return lr_config_fail(err, "mode", "mode is unknown (min or max)");
    if ((unsigned)s->threshold_mode > LR_THRESHOLD_ABS)
        return lr_config_fail(err, "threshold_mode", "threshold mode is unknown (rel or abs)");
    if (s->patience < 0)
        return lr_config_fail(err, "patience", "must be a whole number >= 0, got %ld", s->patience);
    if (s->cooldown < 0)
        return lr_config_fail(err, "cooldown", "must be a whole number >= 0, got %ld", s->cooldown);
    if (check_real(err, "threshold", s->threshold, -INFINITY) ||
        check_real(err, "min_lr", s->min_lr, 0.0) || check_real(err, "eps", s->eps, 0.0))
        return -1;
    return 0;
}

int lr_schedule_validate(const lr_schedule *s, lr_config_error *err)
{
    err->field = NULL;
    err->message[0] = '\0';
    if ((unsigned)s->kind >= LR_SCHED_COUNT)
        return lr_config_fail(err, "name", "unknown schedule");
    /* OneCycleLR overwrites the optimizer's rate (which may stay unset); every other schedule
     * starts from it. */
    if (isnan(s->lr) && s->kind != LR_SCHED_ONECYCLE)
        return lr_config_fail(err, "lr", "a base learning rate is required");
    if (!isnan(s->lr) && (!isfinite(s->lr) || s->lr < 0.0))
        return lr_config_fail(err, "lr", "Invalid learning rate: %g (must be finite and >= 0)", s->lr);
    switch (s->kind) {
    case LR_SCHED_COSINE:
    case LR_SCHED_COSINE_RESTARTS:
        return validate_cosines(s, err);
    case LR_SCHED_CYCLIC:
        return validate_cyclic(s, err);
    case LR_SCHED_ONECYCLE:
        return validate_onecycle(s, err);
    case LR_SCHED_PLATEAU:
        return validate_plateau(s, err);
    default:
        return validate_decays(s, err);
    }
}

/* The end of OneCycleLR's last phase minus its start, and the step where it starts. */
static double onecycle_last_phase_length(const lr_schedule *s)
{
    double total = (double)s->total_steps;
    double prev = s->three_phase ? 2.0 * s->pct_start * total - 2.0 : s->pct_start * total - 1.0;
    return (total - 1.0) - prev;
}

int lr_schedule_check_steps(const lr_schedule *s, long n, lr_config_error *err)
{
    err->field = NULL;
    err->message[0] = '\0';
    if (n < 1 || n - 1 > LR_SCHEDULE_MAX_STEP)
        return lr_config_fail(err, "steps", "must be between 1 and 2^52 + 1, got %ld", n);
    long last = n - 1;
    if (s->kind == LR_SCHED_ONECYCLE) {
        if (last > s->total_steps)
            return lr_config_fail(err, "steps", "asks for step %ld but OneCycleLR is defined for steps 0.."
                                      "total_steps=%ld (PyTorch 1.13 raises past it)",
                        last, s->total_steps);
        if (last == s->total_steps && onecycle_last_phase_length(s) == 0.0)
            return lr_config_fail(err, "pct_start", "leaves the last phase empty: PyTorch 1.13 divides by "
                                          "zero at step total_steps=%ld", s->total_steps);
    }
    if (s->kind == LR_SCHED_CYCLIC && s->cyclic_mode == LR_CYCLIC_TRIANGULAR2) {
        long down = s->step_size_down < 0 ? s->step_size_up : s->step_size_down;
        if (last / (s->step_size_up + down) >= 1024)
            return lr_config_fail(err, "steps", "reaches cycle %ld of triangular2, where PyTorch 1.13's "
                                      "2.**(cycle - 1) overflows (cycles 1..1024 are defined)",
                        last / (s->step_size_up + down) + 1);
    }
    return 0;
}

bool lr_schedule_is_closed_form(lr_schedule_kind kind)
{
    return kind != LR_SCHED_PLATEAU;
}

bool lr_schedule_has_momentum(const lr_schedule *s)
{
    return (s->kind == LR_SCHED_CYCLIC || s->kind == LR_SCHED_ONECYCLE) && s->cycle_momentum;
}

double lr_schedule_initial_lr(const lr_schedule *s)
{
    return s->kind == LR_SCHED_ONECYCLE ? s->max_lr / s->div_factor : s->lr;
}

double lr_schedule_scale(const lr_schedule *s)
{
    switch (s->kind) {
    case LR_SCHED_COSINE:
    case LR_SCHED_COSINE_RESTARTS:
        return fmax(s->lr, s->eta_min);
    case LR_SCHED_CYCLIC:
        return s->max_lr;
    case LR_SCHED_ONECYCLE:
        return fmax(s->max_lr, s->max_lr / s->div_factor);
    case LR_SCHED_POLYNOMIAL:
        return s->keras ? fmax(s->lr, s->end_learning_rate) : s->lr;
    default:
        return s->lr;
    }
}

unsigned lr_schedule_table_ulp_bound(const lr_schedule *s, bool momentum)
{
    switch (s->kind) {
    case LR_SCHED_POLYNOMIAL:
        if (s->keras)
            return momentum ? LR_TABLE_ULP_EXACT : LR_TABLE_ULP_POLY_END;
        return momentum ? LR_TABLE_ULP_EXACT : LR_TABLE_ULP_POW;
    case LR_SCHED_EXPONENTIAL:
        return momentum ? LR_TABLE_ULP_EXACT : LR_TABLE_ULP_POW;
    case LR_SCHED_COSINE:
    case LR_SCHED_COSINE_RESTARTS:
        return momentum ? LR_TABLE_ULP_EXACT : LR_TABLE_ULP_COS;
    case LR_SCHED_CYCLIC:
        if (s->cyclic_mode != LR_CYCLIC_EXP_RANGE)
            return LR_TABLE_ULP_EXACT;
        return LR_TABLE_ULP_EXP_RANGE;
    case LR_SCHED_ONECYCLE:
        return s->anneal_strategy == LR_ANNEAL_COS ? LR_TABLE_ULP_COS : LR_TABLE_ULP_EXACT;
    default:
        return LR_TABLE_ULP_EXACT;
    }
}

double lr_schedule_table_ulp_floor(const lr_schedule *s, bool momentum)
{
    if (momentum)
        return s->max_momentum;
    double floor = lr_schedule_scale(s) * DBL_MIN;
    if (s->kind == LR_SCHED_POLYNOMIAL && s->keras)
        floor = fmax(floor, s->end_learning_rate);
    return floor;
}

double lr_ulp_error(double x, double ref, double floor)
{
    if (x == ref || (isnan(x) && isnan(ref)))
        return 0.0;
    if (!isfinite(x) || !isfinite(ref))
        return INFINITY;
    double m = fmax(fabs(ref), floor);
    double ulp = m > 0.0 ? nextafter(m, INFINITY) - m : nextafter(0.0, 1.0);
    return fabs(x - ref) / ulp;
}

/* ---- C14 Sequencing --------------------------------------------------------------------------- */

void lr_chain_single(lr_chain *c, const lr_schedule *s)
{
    memset(c, 0, sizeof *c);
    c->n = 1;
    c->parts[0] = *s;
}

void lr_chain_warmup(lr_chain *c, const lr_schedule *main, long warmup_steps, double start_factor)
{
    memset(c, 0, sizeof *c);
    lr_schedule warm = lr_schedule_defaults(LR_SCHED_LINEAR);
    /* LinearLR is constructed first, so its base is the optimizer's initial_lr as the group holds it
     * once SequentialLR resets the rate, i.e. after main's constructor (OneCycleLR rewrites it). */
    warm.lr = lr_schedule_initial_lr(main);
    warm.start_factor = start_factor;
    warm.end_factor = 1.0;
    warm.total_iters = warmup_steps;
    c->n = 2;
    c->parts[0] = warm;
    c->parts[1] = *main;
    c->milestones[0] = warmup_steps;
}

int lr_chain_validate(const lr_chain *c, lr_config_error *err)
{
    err->field = NULL;
    err->message[0] = '\0';
    if (c->n < 1 || c->n > LR_CHAIN_MAX)
        return lr_config_fail(err, "schedulers", "a chain holds 1 to %d schedules, got %zu", LR_CHAIN_MAX, c->n);
    for (size_t i = 0; i < c->n; i++) {
        if (lr_schedule_validate(&c->parts[i], err) != 0)
            return -1;
        if (!lr_schedule_is_closed_form(c->parts[i].kind))
            return lr_config_fail(err, "schedulers", "%s cannot be chained: SequentialLR steps it without a "
                                           "metric", lr_schedule_name(c->parts[i].kind));
    }
    for (size_t i = 0; i + 1 < c->n; i++) {
        long lo = i == 0 ? 1 : c->milestones[i - 1] + 1;
        if (c->milestones[i] < lo || c->milestones[i] > LR_SCHEDULE_MAX_STEP)
            return lr_config_fail(err, "milestones", "must be increasing whole numbers >= 1, got %ld at "
                                           "position %zu", c->milestones[i], i);
    }
    return 0;
}

/* doc:schedule-chain */
static long part_start(const lr_chain *c, size_t i)
{
    return i == 0 ? 0 : c->milestones[i - 1];
}

/* The part in force at step t. */
static size_t part_at(const lr_chain *c, long t)
{
    size_t i = 0;
    while (i + 1 < c->n && t >= c->milestones[i])
        i++;
    return i;
}

int lr_chain_check_steps(const lr_chain *c, long n, lr_config_error *err)
{
    if (n < 1 || n - 1 > LR_SCHEDULE_MAX_STEP)
        return lr_config_fail(err, "steps", "must be between 1 and 2^52 + 1, got %ld", n);
    for (size_t i = 0; i < c->n; i++) {
        long start = part_start(c, i);
        long end = i + 1 < c->n && c->milestones[i] < n ? c->milestones[i] : n;
        if (end > start && lr_schedule_check_steps(&c->parts[i], end - start, err) != 0) {
            if (start > 0) { /* the part counts its steps from its milestone */
                char own[sizeof err->message];
                memcpy(own, err->message, sizeof own);
                snprintf(err->message, sizeof err->message, "(steps of %s count from %ld) %.100s",
                         lr_schedule_name(c->parts[i].kind), start, own);
            }
            return -1;
        }
    }
    return 0;
}

double lr_chain_lr(const lr_chain *c, long t)
{
    size_t i = part_at(c, t);
    return lr_schedule_lr(&c->parts[i], t - part_start(c, i));
}

bool lr_chain_has_momentum(const lr_chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (lr_schedule_has_momentum(&c->parts[i]))
            return true;
    return false;
}

double lr_chain_momentum(const lr_chain *c, long t)
{
    size_t i = part_at(c, t);
    if (lr_schedule_has_momentum(&c->parts[i]))
        return lr_schedule_momentum(&c->parts[i], t - part_start(c, i));
    for (size_t j = i; j-- > 0;)
        if (lr_schedule_has_momentum(&c->parts[j]))
            return lr_schedule_momentum(&c->parts[j], c->milestones[j] - 1 - part_start(c, j));
    for (size_t j = c->n; j-- > 0;)
        if (lr_schedule_has_momentum(&c->parts[j]))
            return lr_schedule_momentum(&c->parts[j], 0);
    return NAN;
}

void lr_chain_table(const lr_chain *c, lr_schedule_table_fn fn, long t0, size_t n, double *lr,
                    double *momentum)
{
    size_t done = 0;
    while (done < n) {
        long t = t0 + (long)done;
        size_t i = part_at(c, t);
        long start = part_start(c, i);
        size_t len = n - done;
        if (i + 1 < c->n && (size_t)(c->milestones[i] - t) < len)
            len = (size_t)(c->milestones[i] - t);
        const lr_schedule *p = &c->parts[i];
        bool own = lr_schedule_has_momentum(p);
        fn(p, t - start, len, lr + done, momentum && own ? momentum + done : NULL);
        if (momentum && !own) {
            double m = lr_chain_momentum(c, t); /* constant while a part leaves it alone */
            for (size_t k = 0; k < len; k++)
                momentum[done + k] = m;
        }
        done += len;
    }
}
/* end */
