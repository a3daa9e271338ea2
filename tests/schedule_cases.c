/* C07-C16 test support: random valid schedules for the property and table suites. */
#include "schedule_cases.h"

#include <criterion/criterion.h>
#include <math.h>

static long log_long(lr_test_rng *r, double lo, double hi)
{
    return (long)floor(rng_log_uniform(r, lo, hi));
}

static bool coin(lr_test_rng *r, double p)
{
    return rng_uniform(r) < p;
}

/* Mostly a decay in (0.5, 1), sometimes the edges 0 and 1 or a growth. */
static double random_gamma(lr_test_rng *r)
{
    double u = rng_uniform(r);
    if (u < 0.05)
        return 0.0;
    if (u < 0.1)
        return 1.0;
    if (u < 0.15)
        return rng_range(r, 1.0, 1.05);
    return 1.0 - rng_log_uniform(r, 1e-6, 0.5);
}

/* Keras PolynomialDecay: whole or fractional decay_steps; decaying to 0 or to a smaller end, or
 * rising to a larger one; cycling half of the time. */
static void random_keras_polynomial(lr_test_rng *r, lr_schedule *s)
{
    double u = rng_uniform(r);
    s->keras = true;
    s->cycle = coin(r, 0.5);
    s->decay_steps = coin(r, 0.6) ? (double)log_long(r, 1, 1e6) : rng_log_uniform(r, s->cycle ? 1.0 : 0.05, 1e4);
    s->end_learning_rate = u < 0.1   ? 0.0
                           : u < 0.2 ? s->lr
                           : u < 0.7 ? s->lr * rng_log_uniform(r, 1e-4, 1.0)
                                     : s->lr * rng_log_uniform(r, 1.0, 1e3);
}

static void random_decay_params(lr_test_rng *r, lr_schedule *s)
{
    switch (s->kind) {
    case LR_SCHED_CONSTANT:
        s->factor = coin(r, 0.1) ? 1.0 : rng_range(r, 1e-3, 1.0);
        s->total_iters = log_long(r, 1, 1e4);
        break;
    case LR_SCHED_STEP:
        s->step_size = log_long(r, 1, 1e4);
        s->gamma = random_gamma(r);
        break;
    case LR_SCHED_MULTISTEP:
        s->n_milestones = rng_below(r, 12);
        for (size_t i = 0; i < s->n_milestones; i++)
            s->milestones[i] = coin(r, 0.1) ? 0 : log_long(r, 1, 1e5);
        s->gamma = random_gamma(r);
        break;
    case LR_SCHED_EXPONENTIAL:
        s->gamma = random_gamma(r);
        if (coin(r, 0.5)) {
            s->decay_steps = coin(r, 0.5) ? (double)log_long(r, 1, 1e4) : rng_log_uniform(r, 0.1, 1e4);
            s->staircase = coin(r, 0.5);
        }
        break;
    case LR_SCHED_POLYNOMIAL:
        s->total_iters = log_long(r, 1, 1e6);
        s->power = coin(r, 0.1) ? 0.0 : coin(r, 0.1) ? rng_range(r, 10, 80) : rng_range(r, 0.1, 4.0);
        if (coin(r, 0.5))
            random_keras_polynomial(r, s);
        break;
    case LR_SCHED_LINEAR:
        s->start_factor = rng_range(r, 1e-3, 1.0);
        s->end_factor = coin(r, 0.1) ? 0.0 : rng_range(r, 0.0, 1.0);
        s->total_iters = log_long(r, 1, 1e5);
        break;
    case LR_SCHED_INVERSE_TIME:
        s->decay_steps = rng_log_uniform(r, 0.1, 1e4);
        s->decay_rate = coin(r, 0.05) ? 0.0 : rng_log_uniform(r, 1e-4, 10.0);
        s->staircase = coin(r, 0.5);
        break;
    default:
        break;
    }
}

static void random_cyclic(lr_test_rng *r, lr_schedule *s)
{
    s->base_lr = coin(r, 0.1) ? 0.0 : s->lr;
    s->max_lr = s->base_lr * rng_log_uniform(r, 1.0, 1e3) + (coin(r, 0.1) ? 0.0 : 1e-6);
    s->step_size_up = log_long(r, 1, 1e4);
    s->step_size_down = coin(r, 0.3) ? -1 : coin(r, 0.1) ? 0 : log_long(r, 1, 1e4);
    s->cyclic_mode = (lr_cyclic_mode)rng_below(r, 3);
    if (s->cyclic_mode == LR_CYCLIC_EXP_RANGE)
        s->gamma = coin(r, 0.1) ? 1.0 : coin(r, 0.05) ? 0.0 : 1.0 - rng_log_uniform(r, 1e-7, 1e-2);
    s->cycle_momentum = coin(r, 0.7);
    s->base_momentum = coin(r, 0.1) ? 0.0 : rng_range(r, 0.0, 0.9);
    s->max_momentum = s->base_momentum + rng_range(r, 0.0, 0.1);
}

static void random_onecycle(lr_test_rng *r, lr_schedule *s)
{
    s->max_lr = s->lr * 10;
    s->total_steps = log_long(r, 1, 1e6);
    do
        s->pct_start = coin(r, 0.1) ? (double)rng_below(r, 2) : rng_uniform(r);
    while (s->pct_start * (double)s->total_steps - 1.0 == 0.0);
    s->anneal_strategy = (lr_anneal_strategy)rng_below(r, 2);
    s->div_factor = rng_log_uniform(r, 1.0, 1e3);
    s->final_div_factor = rng_log_uniform(r, 1.0, 1e6);
    s->three_phase = coin(r, 0.4);
    s->cycle_momentum = coin(r, 0.7);
    s->base_momentum = rng_range(r, 0.5, 0.9);
    s->max_momentum = rng_range(r, 0.5, 0.99);
}

static void random_plateau(lr_test_rng *r, lr_schedule *s)
{
    s->plateau_mode = (lr_plateau_mode)rng_below(r, 2);
    s->threshold_mode = (lr_threshold_mode)rng_below(r, 2);
    s->factor = rng_range(r, 0.0, 0.99);
    s->patience = (long)rng_below(r, 6);
    s->cooldown = (long)rng_below(r, 4);
    s->threshold = coin(r, 0.2) ? 0.0 : rng_log_uniform(r, 1e-6, 0.1);
    s->min_lr = coin(r, 0.5) ? 0.0 : s->lr * rng_log_uniform(r, 1e-4, 1.0);
    s->eps = coin(r, 0.8) ? 1e-8 : s->lr * rng_log_uniform(r, 1e-4, 0.5);
}

lr_schedule random_schedule(lr_test_rng *r, lr_schedule_kind kind)
{
    lr_schedule s = lr_schedule_defaults(kind);
    s.lr = rng_log_uniform(r, 1e-5, 10.0);
    switch (kind) {
    case LR_SCHED_COSINE:
        s.T_max = log_long(r, 1, 1e6);
        s.eta_min = coin(r, 0.3) ? 0.0 : s.lr * rng_log_uniform(r, 1e-4, 3.0);
        break;
    case LR_SCHED_COSINE_RESTARTS:
        s.T_0 = log_long(r, 1, 1e5);
        s.T_mult = coin(r, 0.4) ? 1 : coin(r, 0.05) ? log_long(r, 1e3, 1e12) : log_long(r, 2, 6);
        s.eta_min = coin(r, 0.3) ? 0.0 : s.lr * rng_log_uniform(r, 1e-4, 3.0);
        break;
    case LR_SCHED_CYCLIC:
        random_cyclic(r, &s);
        break;
    case LR_SCHED_ONECYCLE:
        random_onecycle(r, &s);
        break;
    case LR_SCHED_PLATEAU:
        random_plateau(r, &s);
        break;
    default:
        random_decay_params(r, &s);
        break;
    }
    lr_config_error err;
    cr_assert_eq(lr_schedule_validate(&s, &err), 0, "generator drew an invalid %s: %s %s",
                 lr_schedule_name(kind), err.field, err.message);
    return s;
}

long random_step(lr_test_rng *r, long room)
{
    double u = rng_uniform(r);
    long top = LR_SCHEDULE_MAX_STEP - room;
    if (u < 0.3)
        return (long)rng_below(r, 1000);
    if (u < 0.6)
        return (long)rng_below(r, 10000000);
    if (u < 0.7)
        return top;
    return (long)(rng_uniform(r) * (double)top);
}
