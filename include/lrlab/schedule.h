/* C07-C16 learning-rate schedules with PyTorch 1.13 semantics (plus Keras' ExponentialDecay,
 * PolynomialDecay and InverseTimeDecay): one parameter struct, validation, closed forms in double, a batched table
 * generator (reference + AVX2 twin), the stateful ReduceLROnPlateau, and chaining at milestones. */
#ifndef LRLAB_SCHEDULE_H
#define LRLAB_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

#include "lrlab/optim.h" /* lr_config_error */

typedef enum lr_schedule_kind {
    LR_SCHED_CONSTANT,        /* C07 ConstantLR */
    LR_SCHED_STEP,            /* C08 StepLR */
    LR_SCHED_MULTISTEP,       /* C08 MultiStepLR */
    LR_SCHED_EXPONENTIAL,     /* C09 ExponentialLR; Keras ExponentialDecay (decay_steps, staircase) */
    LR_SCHED_POLYNOMIAL,      /* C10 PolynomialLR; Keras PolynomialDecay (keras: decay_steps, end, cycle) */
    LR_SCHED_LINEAR,          /* C14 LinearLR */
    LR_SCHED_INVERSE_TIME,    /* C11 Keras InverseTimeDecay */
    LR_SCHED_COSINE,          /* C13 CosineAnnealingLR (periodic past T_max, as PyTorch's) */
    LR_SCHED_COSINE_RESTARTS, /* C13 CosineAnnealingWarmRestarts */
    LR_SCHED_CYCLIC,          /* C12 CyclicLR */
    LR_SCHED_ONECYCLE,        /* C15 OneCycleLR */
    LR_SCHED_PLATEAU,         /* C16 ReduceLROnPlateau: stateful, see lr_plateau */
    LR_SCHED_COUNT
} lr_schedule_kind;

typedef enum lr_cyclic_mode { LR_CYCLIC_TRIANGULAR, LR_CYCLIC_TRIANGULAR2, LR_CYCLIC_EXP_RANGE } lr_cyclic_mode;
typedef enum lr_anneal_strategy { LR_ANNEAL_COS, LR_ANNEAL_LINEAR } lr_anneal_strategy;
typedef enum lr_plateau_mode { LR_PLATEAU_MIN, LR_PLATEAU_MAX } lr_plateau_mode;
typedef enum lr_threshold_mode { LR_THRESHOLD_REL, LR_THRESHOLD_ABS } lr_threshold_mode;

enum { LR_SCHEDULE_MAX_MILESTONES = 64 };

/* Steps are whole numbers 0 <= t <= LR_SCHEDULE_MAX_STEP, so every step is exact as a double. */
#define LR_SCHEDULE_MAX_STEP 4503599627370496L /* 2^52 */

/* pi/2 rounded to double (M_PI_2 is not in C11); both table twins scale angles by this one value. */
#define LR_HALF_PI 1.57079632679489661923132169163975144

/* Required parameters that have no PyTorch default start as NaN (doubles) or LR_REQUIRED (whole
 * numbers) in lr_schedule_defaults(); validation names them until the caller sets them. */
#define LR_REQUIRED (-9223372036854775807L - 1)

/* Every schedule's parameters, under PyTorch 1.13's keyword names; each kind reads its own. */
typedef struct lr_schedule {
    lr_schedule_kind kind;
    double lr; /* the optimizer's rate, PyTorch's initial_lr (base_lrs); cyclic and onecycle set
                  their own rates and use it only as the target of a warmup in front of them */
    /* constant (factor), plateau (factor) */
    double factor;
    /* constant, polynomial, linear */
    long total_iters;
    /* step */
    long step_size;
    /* step, multistep, exponential (Keras: decay_rate), cyclic exp_range */
    double gamma;
    /* multistep: a multiset in any order; a milestone listed k times decays by gamma^k */
    long milestones[LR_SCHEDULE_MAX_MILESTONES];
    size_t n_milestones;
    /* exponential (Keras ExponentialDecay; 1 = ExponentialLR), inverse-time, Keras polynomial */
    double decay_steps;
    bool staircase;
    /* inverse-time */
    double decay_rate;
    /* polynomial (both forms) */
    double power;
    /* polynomial: true selects Keras PolynomialDecay(initial_learning_rate = lr, decay_steps,
     * end_learning_rate, power, cycle) in place of PolynomialLR(total_iters, power). PolynomialLR
     * is the Keras form with end_learning_rate = 0, cycle = false and decay_steps = total_iters. */
    bool keras;
    double end_learning_rate; /* Keras' default 1e-4 */
    bool cycle;
    /* linear */
    double start_factor, end_factor;
    /* cosine, cosine-restarts */
    long T_max, T_0, T_mult;
    double eta_min;
    /* cyclic */
    double base_lr;
    long step_size_up;
    long step_size_down; /* < 0: PyTorch's None, i.e. step_size_up */
    lr_cyclic_mode cyclic_mode;
    /* cyclic, onecycle */
    double max_lr;
    bool cycle_momentum;
    double base_momentum, max_momentum;
    /* onecycle */
    long total_steps;
    double pct_start;
    lr_anneal_strategy anneal_strategy;
    double div_factor, final_div_factor;
    bool three_phase;
    /* plateau */
    lr_plateau_mode plateau_mode;
    long patience, cooldown;
    double threshold;
    lr_threshold_mode threshold_mode;
    double min_lr, eps;
} lr_schedule;

/* "constant", "step", "multistep", "exponential", "polynomial", "linear", "inverse-time",
 * "cosine", "cosine-restarts", "cyclic", "onecycle", "plateau". Parsers return -1 when unknown. */
const char *lr_schedule_name(lr_schedule_kind kind);
int lr_schedule_parse(const char *name, lr_schedule_kind *kind);
int lr_cyclic_mode_parse(const char *name, lr_cyclic_mode *mode);       /* triangular, triangular2, exp_range */
int lr_anneal_strategy_parse(const char *name, lr_anneal_strategy *s);  /* cos, linear */
int lr_plateau_mode_parse(const char *name, lr_plateau_mode *mode);     /* min, max */
int lr_threshold_mode_parse(const char *name, lr_threshold_mode *mode); /* rel, abs */

/* PyTorch 1.13's defaults for that kind (Keras' for inverse-time and for the Keras fields of
 * polynomial, keras = false; decay_steps = 1 for exponential); the base lr and every required
 * parameter unset (NaN / LR_REQUIRED; decay_steps for inverse-time and Keras polynomial). */
lr_schedule lr_schedule_defaults(lr_schedule_kind kind);

/* PyTorch 1.13's checks (the ValueErrors of the constructors), plus the configurations PyTorch
 * accepts but then fails on or cannot mean, so that every valid schedule has one well-defined rate
 * at each step:
 *   - NaN or infinite values; negative rates (lr, eta_min, base_lr, max_lr, min_lr, momenta);
 *   - gamma < 0 (negative rates); cyclic exp_range needs 0 <= gamma <= 1 (PyTorch documents
 *     0 <= scale_fn <= 1); max_lr < base_lr and max_momentum < base_momentum for cyclic (the
 *     documented upper boundaries);
 *   - total_iters < 1 (constant, linear, polynomial: PyTorch's chainable and closed forms then
 *     disagree or divide by zero); factor = 0 for constant and start_factor = 0 for linear
 *     (PyTorch divides by them); power < 0 (0 to a negative power at total_iters);
 *   - step_size, T_max, step_size_up < 1, step_size_down < 0 (explicitly), negative milestones;
 *   - onecycle: div_factor, final_div_factor <= 0; pct_start * total_steps == 1 (PyTorch divides
 *     0 by 0 at step 0);
 *   - plateau: factor < 0, negative patience, cooldown or eps;
 *   - inverse-time, Keras exponential: decay_steps <= 0, decay_rate < 0.
 *   - Keras polynomial: decay_steps <= 0 (Keras' ValueError), and < 1 with cycle (the cycle count
 *     t / decay_steps would pass 2^53, where counting on by one fails); end_learning_rate < 0;
 *     power < 0 (Keras accepts it and returns inf at decay_steps, (1 - 1)^power).
 * Returns 0 when valid; otherwise fills err with the PyTorch keyword at fault and a sentence. */
int lr_schedule_validate(const lr_schedule *s, lr_config_error *err);

/* Failures that depend on how far the schedule is stepped: rows t = 0..n-1 are wanted. OneCycleLR
 * raises past total_steps (t > total_steps) and divides by zero in a last phase of length zero;
 * triangular2 overflows 2.**(cycle-1) from cycle 1025 on. Returns 0 or fills err (field "steps"
 * or the parameter at fault). s must be valid. */
int lr_schedule_check_steps(const lr_schedule *s, long n, lr_config_error *err);

/* False only for plateau, whose rate depends on the metrics fed to it. */
bool lr_schedule_is_closed_form(lr_schedule_kind kind);
/* True for cyclic and onecycle with cycle_momentum. */
bool lr_schedule_has_momentum(const lr_schedule *s);
/* The rate that a warmup in front of this schedule ramps to: PyTorch's initial_lr after the
 * schedule was constructed (max_lr / div_factor for onecycle, which overwrites it; lr otherwise). */
double lr_schedule_initial_lr(const lr_schedule *s);
/* The largest rate the schedule's parameters name (>= 0); the floor of the table's ULP metric. */
double lr_schedule_scale(const lr_schedule *s);

/* Keras PolynomialDecay's cycle bookkeeping (shared by the twins' cycle arithmetic, not a rounding
 * of its own): with cycle, step t decays over decay_steps * k, k = ceil(t / decay_steps), and
 * k = 1 at step 0 (Keras 3's `where(step == 0, 1, ceil(step / decay_steps))`). In doubles, k is
 * ceil of the rounded quotient, raised by one when decay_steps * k (rounded) is still below t,
 * so that 1 - t / (decay_steps * k) is never negative (Keras' float32 quotient can leave it so,
 * and a fractional power of a negative base is NaN). Exact for whole decay_steps and t < 2^53;
 * validation keeps decay_steps >= 1 with cycle, so k <= 2^52 and k + 1 is exact. */
double lr_polynomial_cycles(const lr_schedule *s, long t);

/* ---- Closed forms (reference/schedule.c) ----------------------------------------------------
 * The rate in force for step t (0 <= t <= LR_SCHEDULE_MAX_STEP), i.e. PyTorch's
 * optimizer.param_groups[0]['lr'] after t calls of scheduler.step(); s valid and closed-form.
 * PyTorch computes most schedules recursively (lr_t = lr_{t-1} * ratio); these are the closed forms
 * of those recursions, arranged so no step costs more than another and no term cancels: they stay
 * within a few ULPs of the exact rates and hit documented values exactly (base at restarts, eta_min
 * at the end of a cosine period, base_lr/max_lr in cycles, max_lr at the one-cycle peak,
 * initial_lr/final_div_factor at its end). PyTorch's values differ from them by its own rounding:
 * within rtol 1e-9 in every check here, but its recursion drifts, most near eta_min of a long
 * CosineAnnealingLR (measured against 40-digit arithmetic: 2e-13 at T_max = 300, 8e-10 at 10^4,
 * growing like T_max^2). Keras computes its decays in the rate's dtype (float32 by default); lrlab
 * computes them in double. */
double lr_schedule_lr(const lr_schedule *s, long t);
/* The momentum in force for step t (cyclic and onecycle with cycle_momentum; NaN otherwise). */
double lr_schedule_momentum(const lr_schedule *s, long t);

/* Whole-number bookkeeping both table twins share (no rounding happens here beyond PyTorch's own):
 * where step t falls in CosineAnnealingWarmRestarts' cycles (T_cur, T_i as exact doubles, T_i
 * rounded only past 2^53 where no cycle ends within LR_SCHEDULE_MAX_STEP), and which OneCycleLR
 * phase holds step t (PyTorch's search over its float end_steps: the first phase whose end_step
 * >= t, else the last; start_step is the previous phase's end_step, 0 for the first). */
typedef struct lr_restart_pos {
    double cur, period;
} lr_restart_pos;
lr_restart_pos lr_restart_position(const lr_schedule *s, long t);

typedef struct lr_onecycle_phase {
    double start_step, end_step;
    double start_lr, end_lr, start_momentum, end_momentum;
    bool last;
} lr_onecycle_phase;
lr_onecycle_phase lr_onecycle_phase_at(const lr_schedule *s, long t);

/* ---- Batched table: the rates (and momenta) of steps t0 .. t0+n-1 ----------------------------
 * lr[0..n) receives the rates; momentum (may be NULL) the momenta when lr_schedule_has_momentum.
 * s must be valid and closed-form, t0 >= 0 and t0 + n - 1 <= LR_SCHEDULE_MAX_STEP; for onecycle
 * lr_schedule_check_steps(s, t0 + n) must pass (PyTorch raises past total_steps, and the
 * extrapolated cosine's angle would leave the range where SLEEF states its bound).
 * The reference loops over lr_schedule_lr; the AVX2 twin works on 4 steps per vector (runs of a
 * constant rate are broadcast, transcendental parts use SLEEF 3.5's 1.0-ULP vector functions).
 *
 * Contract of the twin, in ULPs of the reference value (SLEEF habit: the bound is the interface):
 *   |avx2 - ref| <= bound * ulp(max(|ref|, floor)),
 * floor = lr_schedule_scale(s) * DBL_MIN for rates (rates below it, far from any meaningful rate,
 * are compared at that floor; Keras polynomial: see LR_TABLE_ULP_POLY_END) and max_momentum for
 * momenta (lr_schedule_table_ulp_floor). With u = 2^-53, a value within 1 ULP of
 * x is within 2u|x| of it, and ulp(x) > u|x|, so a relative difference of k*u is < k ULPs:
 *   LR_TABLE_ULP_EXACT (0): the twin performs the reference's operations in the same order
 *     (constant, step, multistep, linear, inverse-time, cyclic triangular/triangular2, onecycle
 *     linear; runs of one rate are the reference's value broadcast): bitwise equal.
 *   LR_TABLE_ULP_POW (6): base * g, g = pow(x, y) of the same operands (exponential, PyTorch's polynomial):
 *     glibc's pow and SLEEF's Sleef_powd4_u10avx2 are each within 1 ULP of the exact power, so the
 *     two g differ by <= 4u relative; the product rounds once in each: + 2u. Where g is subnormal
 *     the 1-ULP statements are absolute (2^-1074), which the floor covers.
 *   LR_TABLE_ULP_POLY_END (8): Keras polynomial, (lr - end) * g + end with g = pow(q, power) of the
 *     same q in both twins: (lr - end) * g differs by <= 6u |lr - end| g as above; the sum rounds
 *     once in each: + 2u. Decaying (lr >= end), both terms are >= 0 and |lr - end| g <= rate: 8u
 *     of the rate. Rising (lr < end), the rate nears lr where |lr - end| g nears end - lr, and a
 *     relative bound on g cannot bound the small rate relatively; the difference is <= 8u end.
 *     So this bound (only) is in ULPs of max(|ref|, end_learning_rate): the floor is
 *     end_learning_rate, which the rate never exceeds rising and never falls below decaying.
 *   LR_TABLE_ULP_EXP_RANGE (14): cyclic exp_range, base_lr * (1 - w) + max_lr * w with w = sf * g,
 *     1 - w = cf + sf * (1 - g), g = gamma^t (pow as above): w differs by <= 6u relative, 1 - w by
 *     <= 4u w + 6u (1 - w) absolute; weighting and the final rounding give <= 14u of the rate when
 *     base_lr <= max_lr (which validation requires). The momentum max_m * (1 - w) + base_m * w is
 *     bounded the same way in units of max_momentum (its floor): 14.
 *   LR_TABLE_ULP_COS (14): start * cos^2(h) + end * sin^2(h) (cosine, cosine-restarts, onecycle
 *     cos; start, end >= 0), with h in [0, pi/4] computed by the same operations in both: glibc's
 *     sin/cos and SLEEF's Sleef_sincosd4_u10avx2 are each within 1 ULP, so the two cos(h) (sin(h))
 *     differ by <= 4u; squaring doubles that and rounds: 10u; times the rate, rounded: 12u; the sum
 *     of two non-negative terms keeps the relative bound and rounds: 14u. Momenta likewise.
 * tests/test_schedule_table.c checks exactly these bounds over random parameters and steps up to
 * LR_SCHEDULE_MAX_STEP. */
#define LR_TABLE_ULP_EXACT 0u
#define LR_TABLE_ULP_POW 6u
#define LR_TABLE_ULP_POLY_END 8u
#define LR_TABLE_ULP_EXP_RANGE 14u
#define LR_TABLE_ULP_COS 14u

/* The bound above that applies to s's rates (momentum = false) or momenta (momentum = true). */
unsigned lr_schedule_table_ulp_bound(const lr_schedule *s, bool momentum);
/* The floor of the ULP metric for that bound: max_momentum for momenta; for rates
 * lr_schedule_scale(s) * DBL_MIN, raised to end_learning_rate for Keras polynomial. */
double lr_schedule_table_ulp_floor(const lr_schedule *s, bool momentum);

typedef void (*lr_schedule_table_fn)(const lr_schedule *s, long t0, size_t n, double *lr,
                                     double *momentum);
void lr_schedule_table_ref(const lr_schedule *s, long t0, size_t n, double *lr, double *momentum);
void lr_schedule_table_avx2(const lr_schedule *s, long t0, size_t n, double *lr, double *momentum);

/* ---- C16 ReduceLROnPlateau (reference/plateau.c) ---------------------------------------------
 * Fed one metric at a time, exactly as PyTorch 1.13's step(metrics): the same comparisons in the
 * same double arithmetic, so its decisions (and rates) are PyTorch's bit for bit. NaN metrics are
 * data (never an improvement), as in PyTorch. */
typedef struct lr_plateau {
    lr_schedule cfg;     /* kind == LR_SCHED_PLATEAU, valid */
    double lr;           /* the rate in force */
    double best;         /* best metric so far (starts at +inf for min, -inf for max) */
    long num_bad_epochs;
    long cooldown_counter;
    long last_epoch;     /* metrics fed so far */
} lr_plateau;

void lr_plateau_init(lr_plateau *p, const lr_schedule *cfg);
/* Feeds one metric; returns the rate in force after it. */
double lr_plateau_step(lr_plateau *p, double metric);

/* ---- C14 Sequencing (src/schedule.c) -----------------------------------------------------------
 * Schedules joined at milestones, as PyTorch's SequentialLR and Optax's join_schedules: part 0
 * holds for t < milestones[0], part i for milestones[i-1] <= t < milestones[i], each evaluated at
 * its local step t - milestones[i-1] with its own parameters. (SequentialLR restarts a part with
 * step(0), i.e. its closed form at local step 0: the validation above excludes the parameters for
 * which that differs from the part's own first rate.) */
enum { LR_CHAIN_MAX = 8 };

typedef struct lr_chain {
    size_t n;                          /* parts, 1..LR_CHAIN_MAX */
    lr_schedule parts[LR_CHAIN_MAX];   /* each closed-form */
    long milestones[LR_CHAIN_MAX - 1]; /* n - 1 global steps, strictly increasing, >= 1 */
} lr_chain;

/* A chain of one part. */
void lr_chain_single(lr_chain *c, const lr_schedule *s);
/* `--warmup-steps W --warmup-start-factor F` in front of `main`: PyTorch's LinearLR(start_factor=F,
 * end_factor=1, total_iters=W) constructed first, then main, joined by SequentialLR(milestones=[W]).
 * The warmup ramps to lr_schedule_initial_lr(main). Validate the result with lr_chain_validate. */
void lr_chain_warmup(lr_chain *c, const lr_schedule *main, long warmup_steps, double start_factor);
/* Every part valid and closed-form, milestones increasing and >= 1. Field names the part's
 * parameter, or "milestones". */
int lr_chain_validate(const lr_chain *c, lr_config_error *err);
/* lr_schedule_check_steps for each part over the local steps it is asked for. */
int lr_chain_check_steps(const lr_chain *c, long n, lr_config_error *err);
double lr_chain_lr(const lr_chain *c, long t);
/* True when some part cycles momentum. */
bool lr_chain_has_momentum(const lr_chain *c);
/* The momentum in the optimizer's group at step t: a part that cycles momentum sets it; in other
 * parts it is what was last set (the previous cycling part's last value, or, before any, the value
 * the last-constructed cycling part set at construction: its value at local step 0). */
double lr_chain_momentum(const lr_chain *c, long t);
/* The rates (and momenta, when momentum is not NULL) of steps t0..t0+n-1 with table function fn,
 * segment by segment. */
void lr_chain_table(const lr_chain *c, lr_schedule_table_fn fn, long t0, size_t n, double *lr,
                    double *momentum);

/* ---- ULP distance used by the contract and its tests ------------------------------------------ */
/* |x - ref| in units of ulp(max(|ref|, floor)); 0 when both are equal (including both NaN). */
double lr_ulp_error(double x, double ref, double floor);

#endif
