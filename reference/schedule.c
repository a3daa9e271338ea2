/* C07-C15 closed forms: the rate (and momentum) in force at step t for every closed-form schedule,
 * with PyTorch 1.13's semantics (Keras' for its decays), and the reference table generator. This
 * is the specification that optimized/schedule.c must match within the bounds of lrlab/schedule.h. */
#include <math.h>

#include "lrlab/schedule.h"

/* doc:schedule-anneal */
/* (1 + cos(pi p)) / 2 = cos^2(pi p / 2) and (1 - cos(pi p)) / 2 = sin^2(pi p / 2): annealing from
 * `start` to `end` as p = pn/den runs from 0 to 1, with q = qn/den = 1 - p. Written with squares so
 * no term cancels (1 + cos(x) near x = pi would), and the angle taken from the smaller of p and q
 * (cos^2(pi p/2) = sin^2(pi q/2)), so for p in [0, 1] it stays in [0, pi/4] where sin and cos are
 * well-conditioned, and start and end are hit exactly. */
static double anneal_cos(double start, double end, double pn, double qn, double den)
{
    double p = pn / den, q = qn / den;
    bool use_p = fabs(p) <= fabs(q);
    double h = LR_HALF_PI * (use_p ? p : q);
    double cs = cos(h), sn = sin(h);
    double cc = cs * cs, ss = sn * sn;
    return start * (use_p ? cc : ss) + end * (use_p ? ss : cc);
}

/* PyTorch's linear anneal (end - start) * p + start, written as a weighted mean. */
static double anneal_linear(double start, double end, double pn, double qn, double den)
{
    double p = pn / den, q = qn / den;
    return start * q + end * p;
}

/* end */

/* doc:schedule-constant */
/* C07 ConstantLR: factor until total_iters. */
static double constant_lr(const lr_schedule *s, long t)
{
    return t < s->total_iters ? s->lr * s->factor : s->lr;
}

/* end */

/* doc:schedule-step */
/* C08 StepLR: gamma^(t div step_size); MultiStepLR: gamma^(milestones <= t, with repeats). */
static double step_lr(const lr_schedule *s, long t)
{
    return s->lr * pow(s->gamma, (double)(t / s->step_size));
}

static double multistep_lr(const lr_schedule *s, long t)
{
    long k = 0;
    for (size_t i = 0; i < s->n_milestones; i++)
        k += s->milestones[i] <= t;
    return s->lr * pow(s->gamma, (double)k);
}

/* end */

/* doc:schedule-exponential */
/* C09 ExponentialLR (decay_steps = 1) and Keras ExponentialDecay: gamma^(t / decay_steps),
 * floored with staircase. */
static double exponential_lr(const lr_schedule *s, long t)
{
    double p = (double)t / s->decay_steps;
    if (s->staircase)
        p = floor(p);
    return s->lr * pow(s->gamma, p);
}

/* end */

/* doc:schedule-polynomial */
/* C10 PolynomialLR: (1 - min(t, T)/T)^power, the fraction computed from whole numbers. */
static double polynomial_lr(const lr_schedule *s, long t)
{
    long m = t < s->total_iters ? t : s->total_iters;
    double q = (double)(s->total_iters - m) / (double)s->total_iters;
    return s->lr * pow(q, s->power);
}

/* end */

/* doc:schedule-keras-polynomial */
/* C10 Keras PolynomialDecay (Keras 3, keras/src/optimizers/schedules/learning_rate_schedule.py):
 *   (initial - end) * (1 - p)^power + end,  p = min(t, D) / D,  or with cycle p = t / (D k).
 * 1 - p is formed as (D - min(t, D)) / D and (D k - t) / (D k): the subtraction is exact for whole
 * steps up to D (Keras' 1 - t/D rounds twice and cancels near the end of the decay). */
double lr_polynomial_cycles(const lr_schedule *s, long t)
{
    double x = (double)t, D = s->decay_steps;
    double k = fmax(ceil(x / D), 1.0); /* Keras: 1 at step 0 */
    if (D * k < x)                     /* the quotient rounded down onto a whole number */
        k += 1.0;
    return k;
}

static double keras_polynomial_lr(const lr_schedule *s, long t)
{
    double x = (double)t, D = s->decay_steps, q;
    if (s->cycle) {
        double Dk = D * lr_polynomial_cycles(s, t);
        q = (Dk - x) / Dk;
    } else {
        q = (D - fmin(x, D)) / D;
    }
    double g = pow(q, s->power);
    return (s->lr - s->end_learning_rate) * g + s->end_learning_rate;
}

/* end */

/* doc:schedule-linear */
/* C14 LinearLR: the factor moves from start_factor to end_factor over total_iters steps. */
static double linear_lr(const lr_schedule *s, long t)
{
    long m = t < s->total_iters ? t : s->total_iters;
    double T = (double)s->total_iters;
    double f = s->start_factor * ((double)(s->total_iters - m) / T) + s->end_factor * ((double)m / T);
    return s->lr * f;
}

/* end */

/* doc:schedule-inverse-time */
/* C11 Keras InverseTimeDecay: lr / (1 + decay_rate * t / decay_steps), floored with staircase. */
static double inverse_time_lr(const lr_schedule *s, long t)
{
    double p = (double)t / s->decay_steps;
    if (s->staircase)
        p = floor(p);
    return s->lr / (1.0 + s->decay_rate * p);
}

/* end */

/* doc:schedule-cosine */
/* C13 CosineAnnealingLR: PyTorch's recursion does not stop at T_max; its closed form is periodic
 * with period 2 T_max, down from lr to eta_min and back up. a = distance from the last peak. */
static double cosine_lr(const lr_schedule *s, long t)
{
    long T = s->T_max, r = t % (2 * T);
    long a = r <= T ? r : 2 * T - r;
    return anneal_cos(s->lr, s->eta_min, (double)a, (double)(T - a), (double)T);
}

/* C13 CosineAnnealingWarmRestarts: where step t falls in the cycles T_0, T_0 T_mult, ... */
lr_restart_pos lr_restart_position(const lr_schedule *s, long t)
{
    if (s->T_mult == 1)
        return (lr_restart_pos){(double)(t % s->T_0), (double)s->T_0};
    long cur = t, Ti = s->T_0;
    while (cur >= Ti) {
        cur -= Ti;
        if (Ti > LR_SCHEDULE_MAX_STEP / s->T_mult) /* the next cycle outlasts every step */
            return (lr_restart_pos){(double)cur, (double)Ti * (double)s->T_mult};
        Ti *= s->T_mult;
    }
    return (lr_restart_pos){(double)cur, (double)Ti};
}

static double restarts_lr(const lr_schedule *s, long t)
{
    lr_restart_pos p = lr_restart_position(s, t);
    return anneal_cos(s->lr, s->eta_min, p.cur, p.period - p.cur, p.period);
}

/* end */

/* doc:schedule-cyclic */
/* C12 CyclicLR: sf rises 0 -> 1 over step_size_up steps and falls back over step_size_down;
 * the amplitude is scaled per cycle (triangular2: 1/2^(cycle-1)) or per step (exp_range: gamma^t).
 * PyTorch takes x = 1 + t/total - floor(1 + t/total); the remainder in whole numbers is the same
 * fraction without its rounding. The rate base + (max - base) * w is written as the weighted mean
 * base * (1 - w) + max * w, with 1 - w = cf + sf * (1 - scale) (cf = 1 - sf, also a whole-number
 * fraction): no term cancels, and base and max are hit exactly. */
typedef struct cyclic_pos {
    double w, one_minus_w;
} cyclic_pos;

static cyclic_pos cyclic_position(const lr_schedule *s, long t)
{
    long up = s->step_size_up, down = s->step_size_down < 0 ? up : s->step_size_down;
    long total = up + down, cycle = t / total, r = t % total;
    double sf, cf, scale;
    if (r <= up) {
        sf = (double)r / (double)up;
        cf = (double)(up - r) / (double)up;
    } else {
        sf = (double)(total - r) / (double)down;
        cf = (double)(r - up) / (double)down;
    }
    switch (s->cyclic_mode) {
    case LR_CYCLIC_TRIANGULAR2:
        scale = cycle < 2000 ? ldexp(1.0, -(int)cycle) : 0.0;
        break;
    case LR_CYCLIC_EXP_RANGE:
        scale = pow(s->gamma, (double)t);
        break;
    default:
        scale = 1.0;
        break;
    }
    return (cyclic_pos){sf * scale, cf + sf * (1.0 - scale)};
}

static double cyclic_lr(const lr_schedule *s, long t)
{
    cyclic_pos c = cyclic_position(s, t);
    return s->base_lr * c.one_minus_w + s->max_lr * c.w;
}

/* Momentum moves the other way: max_momentum at the lowest rate, base_momentum at the peak. */
static double cyclic_momentum(const lr_schedule *s, long t)
{
    cyclic_pos c = cyclic_position(s, t);
    return s->max_momentum * c.one_minus_w + s->base_momentum * c.w;
}

/* end */

/* doc:schedule-onecycle */
/* C15 OneCycleLR: two phases (up to max_lr, down to min_lr) or three (up, back to initial_lr, down
 * to min_lr); phase i covers the steps after the previous phase's end_step up to its own, and the
 * last phase everything after (PyTorch's search, with its float end_steps). */
lr_onecycle_phase lr_onecycle_phase_at(const lr_schedule *s, long t)
{
    double total = (double)s->total_steps;
    double initial = s->max_lr / s->div_factor, min_lr = initial / s->final_div_factor;
    double bm = s->base_momentum, mm = s->max_momentum;
    double e1 = s->pct_start * total - 1.0, e2 = 2.0 * s->pct_start * total - 2.0;
    lr_onecycle_phase two[2] = {{0, e1, initial, s->max_lr, mm, bm, false},
                                {0, total - 1.0, s->max_lr, min_lr, bm, mm, true}};
    lr_onecycle_phase three[3] = {{0, e1, initial, s->max_lr, mm, bm, false},
                                  {0, e2, s->max_lr, initial, bm, mm, false},
                                  {0, total - 1.0, initial, min_lr, mm, mm, true}};
    lr_onecycle_phase *ph = s->three_phase ? three : two;
    double start = 0.0;
    int i = 0;
    while (!ph[i].last && (double)t > ph[i].end_step) {
        start = ph[i].end_step;
        i++;
    }
    ph[i].start_step = start;
    return ph[i];
}

static double onecycle_anneal(const lr_schedule *s, long t, double start, double end,
                              const lr_onecycle_phase *p)
{
    double x = (double)t;
    if (s->anneal_strategy == LR_ANNEAL_COS)
        return anneal_cos(start, end, x - p->start_step, p->end_step - x, p->end_step - p->start_step);
    return anneal_linear(start, end, x - p->start_step, p->end_step - x, p->end_step - p->start_step);
}

static double onecycle_lr(const lr_schedule *s, long t)
{
    lr_onecycle_phase p = lr_onecycle_phase_at(s, t);
    return onecycle_anneal(s, t, p.start_lr, p.end_lr, &p);
}

static double onecycle_momentum(const lr_schedule *s, long t)
{
    lr_onecycle_phase p = lr_onecycle_phase_at(s, t);
    return onecycle_anneal(s, t, p.start_momentum, p.end_momentum, &p);
}

/* end */

/* doc:schedule-closed-forms */
double lr_schedule_lr(const lr_schedule *s, long t)
{
    switch (s->kind) {
    case LR_SCHED_CONSTANT: return constant_lr(s, t);
    case LR_SCHED_STEP: return step_lr(s, t);
    case LR_SCHED_MULTISTEP: return multistep_lr(s, t);
    case LR_SCHED_EXPONENTIAL: return exponential_lr(s, t);
    case LR_SCHED_POLYNOMIAL: return s->keras ? keras_polynomial_lr(s, t) : polynomial_lr(s, t);
    case LR_SCHED_LINEAR: return linear_lr(s, t);
    case LR_SCHED_INVERSE_TIME: return inverse_time_lr(s, t);
    case LR_SCHED_COSINE: return cosine_lr(s, t);
    case LR_SCHED_COSINE_RESTARTS: return restarts_lr(s, t);
    case LR_SCHED_CYCLIC: return cyclic_lr(s, t);
    case LR_SCHED_ONECYCLE: return onecycle_lr(s, t);
    default: return NAN; /* plateau: the rate depends on the metrics (lr_plateau) */
    }
}

double lr_schedule_momentum(const lr_schedule *s, long t)
{
    if (!lr_schedule_has_momentum(s))
        return NAN;
    return s->kind == LR_SCHED_CYCLIC ? cyclic_momentum(s, t) : onecycle_momentum(s, t);
}

void lr_schedule_table_ref(const lr_schedule *s, long t0, size_t n, double *lr, double *momentum)
{
    for (size_t i = 0; i < n; i++)
        lr[i] = lr_schedule_lr(s, t0 + (long)i);
    if (momentum && lr_schedule_has_momentum(s))
        for (size_t i = 0; i < n; i++)
            momentum[i] = lr_schedule_momentum(s, t0 + (long)i);
}
/* end */
