/* C07-C15 AVX2 twin of reference/schedule.c's table: the rates (and momenta) of consecutive steps,
 * 4 doubles per vector. Steps are cut into segments where the position inside a period or phase is
 * affine in t (whole-number bookkeeping, as the reference does it), and each segment is computed
 * lane-wise with SLEEF 3.5's 1.0-ULP vector functions. Bounds: lrlab/schedule.h. */
#include <limits.h>
#include <math.h>
#include <sleef.h>

#include "avx2.h"
#include "lrlab/schedule.h"

/* doc:schedule-table-lanes */
/* Lanes 0..k-1 of 4 doubles. */
LR_INLINE __m256i tail_mask4(size_t k)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)k), _mm256_setr_epi64x(0, 1, 2, 3));
}

/* Stores min(k, 4) lanes; never touches memory past them. */
LR_INLINE void store4(double *p, __m256d v, size_t k)
{
    if (k >= 4)
        _mm256_storeu_pd(p, v);
    else
        _mm256_maskstore_pd(p, tail_mask4(k), v);
}

/* x + {0, 1, 2, 3}: four consecutive whole numbers, exact as doubles below 2^53. */
LR_INLINE __m256d iota4(double x)
{
    return _mm256_add_pd(_mm256_set1_pd(x), _mm256_setr_pd(0.0, 1.0, 2.0, 3.0));
}

static size_t min_size(long a, size_t b)
{
    return (size_t)a < b ? (size_t)a : b;
}
/* end */

/* ---- Runs of one rate: constant, step, multistep ------------------------------------------- */

/* doc:schedule-table-runs */
/* The first step after t where the rate may change. */
static long run_end(const lr_schedule *s, long t)
{
    switch (s->kind) {
    case LR_SCHED_CONSTANT:
        return t < s->total_iters ? s->total_iters : LONG_MAX;
    case LR_SCHED_STEP:
        return (t / s->step_size + 1) * s->step_size;
    default: { /* multistep */
        long next = LONG_MAX;
        for (size_t i = 0; i < s->n_milestones; i++)
            if (s->milestones[i] > t && s->milestones[i] < next)
                next = s->milestones[i];
        return next;
    }
    }
}

static void fill_runs(const lr_schedule *s, long t0, size_t n, double *lr)
{
    size_t i = 0;
    while (i < n) {
        long t = t0 + (long)i;
        size_t len = min_size(run_end(s, t) - t, n - i);
        __m256d v = _mm256_set1_pd(lr_schedule_lr(s, t)); /* the reference's value, broadcast */
        for (size_t j = 0; j < len; j += 4)
            store4(lr + i + j, v, len - j);
        i += len;
    }
}

/* end */

/* ---- Lane-wise closed forms: the reference's operations in the same order ------------------- */

/* doc:schedule-table-anneal */
/* start * cos^2(h) + end * sin^2(h), h = pi/2 * (the smaller of p, q): reference anneal_cos. */
LR_INLINE __m256d anneal_cos4(__m256d start, __m256d end, __m256d pn, __m256d qn, __m256d den)
{
    const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
    __m256d p = _mm256_div_pd(pn, den), q = _mm256_div_pd(qn, den);
    __m256d use_p = _mm256_cmp_pd(_mm256_and_pd(p, abs_mask), _mm256_and_pd(q, abs_mask), _CMP_LE_OQ);
    __m256d h = _mm256_mul_pd(_mm256_set1_pd(LR_HALF_PI), _mm256_blendv_pd(q, p, use_p));
    Sleef___m256d_2 sc = Sleef_sincosd4_u10avx2(h); /* x: sin, y: cos */
    __m256d cc = _mm256_mul_pd(sc.y, sc.y), ss = _mm256_mul_pd(sc.x, sc.x);
    __m256d c = _mm256_blendv_pd(ss, cc, use_p), s = _mm256_blendv_pd(cc, ss, use_p);
    return _mm256_add_pd(_mm256_mul_pd(start, c), _mm256_mul_pd(end, s));
}

LR_INLINE __m256d anneal_linear4(__m256d start, __m256d end, __m256d pn, __m256d qn, __m256d den)
{
    __m256d p = _mm256_div_pd(pn, den), q = _mm256_div_pd(qn, den);
    return _mm256_add_pd(_mm256_mul_pd(start, q), _mm256_mul_pd(end, p));
}

/* end */

/* doc:schedule-table-decay-power */
/* t / decay_steps, floored with staircase (exponential, inverse-time). */
LR_INLINE __m256d decay_power4(const lr_schedule *s, __m256d t)
{
    __m256d p = _mm256_div_pd(t, _mm256_set1_pd(s->decay_steps));
    return s->staircase ? _mm256_floor_pd(p) : p;
}
/* end */

/* doc:schedule-table-keras-polynomial */
/* Keras PolynomialDecay, lane-wise: the cycle count k of each lane by the reference's operations
 * (lr_polynomial_cycles), so 1 - p is bitwise the reference's and only the power differs. */
LR_INLINE __m256d keras_polynomial4(const lr_schedule *s, __m256d t)
{
    __m256d D = _mm256_set1_pd(s->decay_steps), q;
    if (s->cycle) {
        __m256d k = _mm256_max_pd(_mm256_ceil_pd(_mm256_div_pd(t, D)), _mm256_set1_pd(1.0));
        __m256d short_ = _mm256_cmp_pd(_mm256_mul_pd(D, k), t, _CMP_LT_OQ);
        k = _mm256_blendv_pd(k, _mm256_add_pd(k, _mm256_set1_pd(1.0)), short_);
        __m256d Dk = _mm256_mul_pd(D, k);
        q = _mm256_div_pd(_mm256_sub_pd(Dk, t), Dk);
    } else {
        q = _mm256_div_pd(_mm256_sub_pd(D, _mm256_min_pd(t, D)), D);
    }
    __m256d g = Sleef_powd4_u10avx2(q, _mm256_set1_pd(s->power));
    __m256d end = _mm256_set1_pd(s->end_learning_rate);
    return _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(s->lr - s->end_learning_rate), g), end);
}
/* end */

/* Rates that are a function of t alone: exponential, polynomial, linear, inverse-time. */
LR_INLINE __m256d direct4(const lr_schedule *s, __m256d t)
{
    __m256d base = _mm256_set1_pd(s->lr), T = _mm256_set1_pd((double)s->total_iters);
    switch (s->kind) {
    /* doc:schedule-table-exponential */
    case LR_SCHED_EXPONENTIAL:
        return _mm256_mul_pd(base, Sleef_powd4_u10avx2(_mm256_set1_pd(s->gamma), decay_power4(s, t)));
    /* end */
    /* doc:schedule-table-polynomial */
    case LR_SCHED_POLYNOMIAL: {
        if (s->keras)
            return keras_polynomial4(s, t);
        __m256d q = _mm256_div_pd(_mm256_sub_pd(T, _mm256_min_pd(t, T)), T);
        return _mm256_mul_pd(base, Sleef_powd4_u10avx2(q, _mm256_set1_pd(s->power)));
    }
    /* end */
    /* doc:schedule-table-linear */
    case LR_SCHED_LINEAR: {
        __m256d m = _mm256_min_pd(t, T);
        __m256d f = _mm256_add_pd(
            _mm256_mul_pd(_mm256_set1_pd(s->start_factor), _mm256_div_pd(_mm256_sub_pd(T, m), T)),
            _mm256_mul_pd(_mm256_set1_pd(s->end_factor), _mm256_div_pd(m, T)));
        return _mm256_mul_pd(base, f);
    }
    /* end */
    /* doc:schedule-table-inverse-time */
    default: { /* inverse-time */
        __m256d d = _mm256_mul_pd(_mm256_set1_pd(s->decay_rate), decay_power4(s, t));
        return _mm256_div_pd(base, _mm256_add_pd(_mm256_set1_pd(1.0), d));
    }
    /* end */
    }
}

/* doc:schedule-table-direct */
static void fill_direct(const lr_schedule *s, long t0, size_t n, double *lr)
{
    for (size_t i = 0; i < n; i += 4)
        store4(lr + i, direct4(s, iota4((double)(t0 + (long)i))), n - i);
}

/* end */

/* doc:schedule-table-cosine */
/* CosineAnnealingLR by half periods [kT, (k+1)T): the distance a from the last peak rises with t
 * for even k and falls for odd k (the reference's a = min(r, 2T - r), r = t mod 2T). */
static void fill_cosine(const lr_schedule *s, long t0, size_t n, double *lr)
{
    long T = s->T_max;
    __m256d base = _mm256_set1_pd(s->lr), eta = _mm256_set1_pd(s->eta_min);
    __m256d Tv = _mm256_set1_pd((double)T);
    size_t i = 0;
    while (i < n) {
        long t = t0 + (long)i, k = t / T;
        size_t len = min_size((k + 1) * T - t, n - i);
        bool rising = k % 2 == 0;
        double a0 = rising ? (double)(t - k * T) : (double)((k + 1) * T - t);
        for (size_t j = 0; j < len; j += 4) {
            __m256d a = rising ? iota4(a0 + (double)j)
                               : _mm256_sub_pd(_mm256_set1_pd(a0 - (double)j), iota4(0.0));
            store4(lr + i + j, anneal_cos4(base, eta, a, _mm256_sub_pd(Tv, a), Tv), len - j);
        }
        i += len;
    }
}

/* CosineAnnealingWarmRestarts cycle by cycle: T_cur = cur + j inside a cycle of length T_i. */
static void fill_restarts(const lr_schedule *s, long t0, size_t n, double *lr)
{
    __m256d base = _mm256_set1_pd(s->lr), eta = _mm256_set1_pd(s->eta_min);
    size_t i = 0;
    while (i < n) {
        lr_restart_pos p = lr_restart_position(s, t0 + (long)i);
        double left = p.period - p.cur;
        size_t len = left < (double)(n - i) ? (size_t)left : n - i;
        __m256d period = _mm256_set1_pd(p.period);
        for (size_t j = 0; j < len; j += 4) {
            __m256d cur = iota4(p.cur + (double)j);
            store4(lr + i + j, anneal_cos4(base, eta, cur, _mm256_sub_pd(period, cur), period), len - j);
        }
        i += len;
    }
}

/* end */

/* doc:schedule-table-cyclic */
/* CyclicLR by ramps: within a cycle, r = t mod total rises through [0, step_size_up]
 * (sf = r/up, cf = (up - r)/up) and then falls (sf = (total - r)/down, cf = (r - up)/down); the
 * amplitude scale is per cycle or gamma^t per lane. Reference: cyclic_position. */
static void fill_cyclic(const lr_schedule *s, long t0, size_t n, double *lr, double *momentum)
{
    long up = s->step_size_up, down = s->step_size_down < 0 ? up : s->step_size_down;
    long total = up + down;
    __m256d base = _mm256_set1_pd(s->base_lr), top = _mm256_set1_pd(s->max_lr);
    __m256d mtop = _mm256_set1_pd(s->max_momentum), mbase = _mm256_set1_pd(s->base_momentum);
    __m256d gamma = _mm256_set1_pd(s->gamma), one = _mm256_set1_pd(1.0);
    size_t i = 0;
    while (i < n) {
        long t = t0 + (long)i, cycle = t / total, r = t % total;
        bool rising = r <= up;
        long ramp_last = rising ? (up < total - 1 ? up : total - 1) : total - 1;
        size_t len = min_size(ramp_last - r + 1, n - i);
        __m256d den = _mm256_set1_pd((double)(rising ? up : down));
        __m256d cycle_scale = _mm256_set1_pd(1.0);
        if (s->cyclic_mode == LR_CYCLIC_TRIANGULAR2)
            cycle_scale = _mm256_set1_pd(cycle < 2000 ? ldexp(1.0, -(int)cycle) : 0.0);
        for (size_t j = 0; j < len; j += 4) {
            __m256d rv = iota4((double)r + (double)j);
            __m256d sf_num = rising ? rv : _mm256_sub_pd(_mm256_set1_pd((double)total), rv);
            __m256d cf_num = rising ? _mm256_sub_pd(_mm256_set1_pd((double)up), rv)
                                    : _mm256_sub_pd(rv, _mm256_set1_pd((double)up));
            __m256d sf = _mm256_div_pd(sf_num, den), cf = _mm256_div_pd(cf_num, den);
            __m256d scale = s->cyclic_mode == LR_CYCLIC_EXP_RANGE
                                ? Sleef_powd4_u10avx2(gamma, iota4((double)(t + (long)j)))
                                : cycle_scale;
            __m256d w = _mm256_mul_pd(sf, scale);
            __m256d om = _mm256_add_pd(cf, _mm256_mul_pd(sf, _mm256_sub_pd(one, scale)));
            store4(lr + i + j, _mm256_add_pd(_mm256_mul_pd(base, om), _mm256_mul_pd(top, w)), len - j);
            if (momentum)
                store4(momentum + i + j, _mm256_add_pd(_mm256_mul_pd(mtop, om), _mm256_mul_pd(mbase, w)),
                       len - j);
        }
        i += len;
    }
}

/* end */

/* doc:schedule-table-onecycle */
/* OneCycleLR phase by phase: pct = (t - start_step) / (end_step - start_step) inside a phase. */
static void fill_onecycle(const lr_schedule *s, long t0, size_t n, double *lr, double *momentum)
{
    bool cos = s->anneal_strategy == LR_ANNEAL_COS;
    size_t i = 0;
    while (i < n) {
        long t = t0 + (long)i;
        lr_onecycle_phase p = lr_onecycle_phase_at(s, t);
        size_t len = n - i;
        if (!p.last) /* the phase holds the steps t <= end_step */
            len = min_size((long)floor(p.end_step) + 1 - t, len);
        __m256d st = _mm256_set1_pd(p.start_step), en = _mm256_set1_pd(p.end_step);
        __m256d den = _mm256_set1_pd(p.end_step - p.start_step);
        __m256d lr0 = _mm256_set1_pd(p.start_lr), lr1 = _mm256_set1_pd(p.end_lr);
        __m256d m0 = _mm256_set1_pd(p.start_momentum), m1 = _mm256_set1_pd(p.end_momentum);
        for (size_t j = 0; j < len; j += 4) {
            __m256d x = iota4((double)(t + (long)j));
            __m256d pn = _mm256_sub_pd(x, st), qn = _mm256_sub_pd(en, x);
            store4(lr + i + j, cos ? anneal_cos4(lr0, lr1, pn, qn, den) : anneal_linear4(lr0, lr1, pn, qn, den),
                   len - j);
            if (momentum)
                store4(momentum + i + j,
                       cos ? anneal_cos4(m0, m1, pn, qn, den) : anneal_linear4(m0, m1, pn, qn, den),
                       len - j);
        }
        i += len;
    }
}
/* end */

/* doc:schedule-table-avx2 */
void lr_schedule_table_avx2(const lr_schedule *s, long t0, size_t n, double *lr, double *momentum)
{
    if (!lr_schedule_has_momentum(s))
        momentum = NULL;
    switch (s->kind) {
    case LR_SCHED_CONSTANT:
    case LR_SCHED_STEP:
    case LR_SCHED_MULTISTEP:
        fill_runs(s, t0, n, lr);
        break;
    case LR_SCHED_EXPONENTIAL:
    case LR_SCHED_POLYNOMIAL:
    case LR_SCHED_LINEAR:
    case LR_SCHED_INVERSE_TIME:
        fill_direct(s, t0, n, lr);
        break;
    case LR_SCHED_COSINE:
        fill_cosine(s, t0, n, lr);
        break;
    case LR_SCHED_COSINE_RESTARTS:
        fill_restarts(s, t0, n, lr);
        break;
    case LR_SCHED_CYCLIC:
        fill_cyclic(s, t0, n, lr, momentum);
        break;
    case LR_SCHED_ONECYCLE:
        fill_onecycle(s, t0, n, lr, momentum);
        break;
    default: /* plateau has no closed form: the reference says NaN */
        lr_schedule_table_ref(s, t0, n, lr, momentum);
        break;
    }
}
/* end */
