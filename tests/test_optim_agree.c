/* C01-C06 agreement: every AVX2 twin in LR_UPDATE_KERNELS is bitwise identical (memcmp) to its
 * reference, for every flag combination, lengths 0-300 and above 10^4, offsets 0-7 from 32-byte
 * alignment, special values, and 100-step trajectories through lr_optimizer with each table. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/optim.h"

enum {
    MAX_STATE = 3,       /* state arrays of the widest kernel (adam: m, v, vmax) */
    GUARD = 8,           /* floats after the end of every array that no kernel may touch */
    MAX_LEN = 300,       /* lengths 0..MAX_LEN each get a case per flag combination */
    MIN_CASES = 10000,   /* per kernel, not counting trajectories */
    TRAJ_STEPS = 100,
    TRAJ_PER_COMBO = 3,
    MSG = 1024,
};

/* A signalling-NaN pattern: no kernel stores it (they store the canonical quiet NaN), so a
 * write outside [0, n) shows up even when the written value is a NaN. */
#define CANARY_BITS 0x7f8abcdeu

/* How the cases of one kernel are generated. One generator per LR_UPDATE_KERNELS entry, named
 * gen_<name>: a kernel added to the list without one does not compile. */
typedef struct kernel_gen {
    const char *name;                  /* must equal the list's name */
    unsigned nflags;                   /* flag combinations are the numbers 0 .. 2^nflags - 1 */
    const char *flag_names[8];         /* bit i of a combination */
    unsigned kinds;                    /* bit set of the lr_optim_kind values it produces */
    const char *state_names[MAX_STATE];
    bool state_nonneg[MAX_STATE];      /* sums of squares: mostly non-negative when random */
    /* False for combinations PyTorch rejects (they are the validation tests' business). */
    bool (*valid)(unsigned combo);
    /* A random valid config for the combination and the step number to prepare scalars for. */
    void (*make)(unsigned combo, lr_test_rng *r, lr_optim_config *cfg, long *step);
    /* Bit set of the state arrays the kernel uses under cfg; the others are passed as NULL. */
    unsigned (*state_used)(const lr_optim_config *cfg);
    /* Prepares the scalars with the real lr_*_prepare and calls the table's kernel. */
    void (*call)(const lr_kernels *k, const lr_optim_config *cfg, long step, size_t n,
                 float *param, const float *grad, float *const state[MAX_STATE]);
} kernel_gen;

/* ---- random hyperparameters (valid for PyTorch 1.13) ---------------------------------------- */

static double rand_lr(lr_test_rng *r)
{
    return rng_uniform(r) < 0.02 ? 0.0 : rng_log_uniform(r, 1e-6, 10.0);
}

/* A decay factor in [0, 1): momentum, alpha, betas; close to 1 as often as far from it. */
static double rand_decay(lr_test_rng *r)
{
    return rng_uniform(r) < 0.05 ? 0.0 : 1.0 - rng_log_uniform(r, 1e-4, 1.0);
}

static double rand_positive_decay(lr_test_rng *r)
{
    return 1.0 - rng_log_uniform(r, 1e-3, 0.99);
}

static double rand_eps(lr_test_rng *r)
{
    return rng_uniform(r) < 0.05 ? 0.0 : rng_log_uniform(r, 1e-12, 1e-1);
}

static double rand_wd(lr_test_rng *r)
{
    return rng_log_uniform(r, 1e-6, 1.0);
}

static long rand_later_step(lr_test_rng *r)
{
    return 2 + (long)rng_log_uniform(r, 1.0, 1e5);
}

/* ---- sgd (C01, C02) -------------------------------------------------------------------------- */

enum { SGD_MOM = 1, SGD_DAMP = 2, SGD_NEST = 4, SGD_LATER = 8, SGD_WD = 16, SGD_MAX = 32 };

static bool sgd_valid(unsigned c)
{
    return !((c & SGD_NEST) && (!(c & SGD_MOM) || (c & SGD_DAMP)));
}

static void sgd_make(unsigned c, lr_test_rng *r, lr_optim_config *cfg, long *step)
{
    *cfg = lr_optim_defaults(LR_OPT_SGD);
    cfg->lr = rand_lr(r);
    cfg->momentum = (c & SGD_MOM) ? rand_positive_decay(r) : 0.0;
    cfg->dampening = (c & SGD_DAMP) ? rng_range(r, 0.0, 1.0) : 0.0;
    cfg->nesterov = c & SGD_NEST;
    cfg->weight_decay = (c & SGD_WD) ? rand_wd(r) : 0.0;
    cfg->maximize = c & SGD_MAX;
    *step = (c & SGD_LATER) ? rand_later_step(r) : 1;
}

static unsigned sgd_state(const lr_optim_config *cfg)
{
    return cfg->momentum != 0.0 ? 1u : 0u;
}

static void sgd_call(const lr_kernels *k, const lr_optim_config *cfg, long step, size_t n,
                     float *param, const float *grad, float *const st[MAX_STATE])
{
    lr_sgd_scalars s = lr_sgd_prepare(cfg, cfg->lr, step);
    k->sgd(&s, n, param, grad, st[0]);
}

static const kernel_gen gen_sgd = {
    .name = "sgd",
    .nflags = 6,
    .flag_names = {"momentum", "dampening", "nesterov", "later-step", "weight-decay", "maximize"},
    .kinds = 1u << LR_OPT_SGD,
    .state_names = {"momentum_buffer"},
    .valid = sgd_valid,
    .make = sgd_make,
    .state_used = sgd_state,
    .call = sgd_call,
};

/* ---- adagrad (C03) --------------------------------------------------------------------------- */

enum { ADAGRAD_DECAY = 1, ADAGRAD_INIT = 2, ADAGRAD_WD = 4, ADAGRAD_MAX = 8, ADAGRAD_LATER = 16 };

static bool always_valid(unsigned c)
{
    (void)c;
    return true;
}

static void adagrad_make(unsigned c, lr_test_rng *r, lr_optim_config *cfg, long *step)
{
    *cfg = lr_optim_defaults(LR_OPT_ADAGRAD);
    cfg->lr = rand_lr(r);
    cfg->lr_decay = (c & ADAGRAD_DECAY) ? rng_log_uniform(r, 1e-6, 1.0) : 0.0;
    cfg->initial_accumulator_value = (c & ADAGRAD_INIT) ? rng_log_uniform(r, 1e-4, 10.0) : 0.0;
    cfg->weight_decay = (c & ADAGRAD_WD) ? rand_wd(r) : 0.0;
    cfg->maximize = c & ADAGRAD_MAX;
    cfg->eps = rand_eps(r);
    *step = (c & ADAGRAD_LATER) ? rand_later_step(r) : 1;
}

static unsigned adagrad_state(const lr_optim_config *cfg)
{
    (void)cfg;
    return 1u;
}

static void adagrad_call(const lr_kernels *k, const lr_optim_config *cfg, long step, size_t n,
                         float *param, const float *grad, float *const st[MAX_STATE])
{
    lr_adagrad_scalars s = lr_adagrad_prepare(cfg, cfg->lr, step);
    k->adagrad(&s, n, param, grad, st[0]);
}

static const kernel_gen gen_adagrad = {
    .name = "adagrad",
    .nflags = 5,
    .flag_names = {"lr-decay", "initial-accumulator", "weight-decay", "maximize", "later-step"},
    .kinds = 1u << LR_OPT_ADAGRAD,
    .state_names = {"state_sum"},
    .state_nonneg = {true},
    .valid = always_valid,
    .make = adagrad_make,
    .state_used = adagrad_state,
    .call = adagrad_call,
};

/* ---- rmsprop (C04) --------------------------------------------------------------------------- */

enum { RMS_CENTERED = 1, RMS_MOM = 2, RMS_WD = 4, RMS_MAX = 8 };

static void rmsprop_make(unsigned c, lr_test_rng *r, lr_optim_config *cfg, long *step)
{
    *cfg = lr_optim_defaults(LR_OPT_RMSPROP);
    cfg->lr = rand_lr(r);
    /* PyTorch only asks alpha >= 0: now and then a value outside [0, 1) too */
    cfg->alpha = rng_uniform(r) < 0.05 ? rng_range(r, 1.0, 2.0) : rand_decay(r);
    cfg->eps = rand_eps(r);
    cfg->centered = c & RMS_CENTERED;
    cfg->momentum = (c & RMS_MOM) ? rand_positive_decay(r) : 0.0;
    cfg->weight_decay = (c & RMS_WD) ? rand_wd(r) : 0.0;
    cfg->maximize = c & RMS_MAX;
    *step = rng_uniform(r) < 0.5 ? 1 : rand_later_step(r);
}

static unsigned rmsprop_state(const lr_optim_config *cfg)
{
    return 1u | (cfg->centered ? 2u : 0u) | (cfg->momentum > 0.0 ? 4u : 0u);
}

static void rmsprop_call(const lr_kernels *k, const lr_optim_config *cfg, long step, size_t n,
                         float *param, const float *grad, float *const st[MAX_STATE])
{
    lr_rmsprop_scalars s = lr_rmsprop_prepare(cfg, cfg->lr, step);
    k->rmsprop(&s, n, param, grad, st[0], st[1], st[2]);
}

static const kernel_gen gen_rmsprop = {
    .name = "rmsprop",
    .nflags = 4,
    .flag_names = {"centered", "momentum", "weight-decay", "maximize"},
    .kinds = 1u << LR_OPT_RMSPROP,
    .state_names = {"square_avg", "grad_avg", "momentum_buffer"},
    .state_nonneg = {true, false, false},
    .valid = always_valid,
    .make = rmsprop_make,
    .state_used = rmsprop_state,
    .call = rmsprop_call,
};

/* ---- adam, adamw (C05, C06): one kernel, AdamW is Adam with decoupled scalars ---------------- */

enum { ADAM_W = 1, ADAM_AMS = 2, ADAM_WD = 4, ADAM_MAX = 8 };

static void adam_make(unsigned c, lr_test_rng *r, lr_optim_config *cfg, long *step)
{
    *cfg = lr_optim_defaults((c & ADAM_W) ? LR_OPT_ADAMW : LR_OPT_ADAM);
    cfg->lr = rand_lr(r);
    cfg->beta1 = rand_decay(r);
    cfg->beta2 = rand_decay(r);
    cfg->eps = rand_eps(r);
    cfg->amsgrad = c & ADAM_AMS;
    cfg->weight_decay = (c & ADAM_WD) ? rand_wd(r) : 0.0;
    cfg->maximize = c & ADAM_MAX;
    *step = rng_uniform(r) < 0.25 ? 1 : rand_later_step(r);
}

static unsigned adam_state(const lr_optim_config *cfg)
{
    return 3u | (cfg->amsgrad ? 4u : 0u);
}

static void adam_call(const lr_kernels *k, const lr_optim_config *cfg, long step, size_t n,
                      float *param, const float *grad, float *const st[MAX_STATE])
{
    lr_adam_scalars s = lr_adam_prepare(cfg, cfg->lr, step);
    k->adam(&s, n, param, grad, st[0], st[1], st[2]);
}

static const kernel_gen gen_adam = {
    .name = "adam",
    .nflags = 4,
    .flag_names = {"adamw", "amsgrad", "weight-decay", "maximize"},
    .kinds = (1u << LR_OPT_ADAM) | (1u << LR_OPT_ADAMW),
    .state_names = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    .state_nonneg = {false, true, true},
    .valid = always_valid,
    .make = adam_make,
    .state_used = adam_state,
    .call = adam_call,
};

/* The generators in LR_UPDATE_KERNELS order: a const table, like the dispatch tables it checks. */
#define GEN_ENTRY(name, type, ref, avx2, ids) &gen_##name,
static const kernel_gen *const generators[] = {LR_UPDATE_KERNELS(GEN_ENTRY)};
#undef GEN_ENTRY
enum { NGEN = sizeof generators / sizeof generators[0] };

/* ---- buffers with guards --------------------------------------------------------------------- */

/* `n` floats at `off` floats past a 32-byte boundary, with canaries before (the offset gap) and
 * after (GUARD floats). */
typedef struct guarded {
    lr_test_buf buf;
    size_t n, off;
} guarded;

static void set_bits(float *f, uint32_t bits)
{
    memcpy(f, &bits, sizeof bits);
}

static guarded guarded_alloc(size_t n, size_t off)
{
    guarded g = {buf_alloc(n + GUARD, off), n, off};
    float *base = g.buf.base;
    for (size_t i = 0; i < off; i++)
        set_bits(&base[i], CANARY_BITS);
    for (size_t i = 0; i < GUARD; i++)
        set_bits(&g.buf.data[n + i], CANARY_BITS);
    return g;
}

static bool guards_intact(const guarded *g)
{
    const float *base = g->buf.base;
    uint32_t bits;
    for (size_t i = 0; i < g->off; i++)
        if (memcpy(&bits, &base[i], sizeof bits), bits != CANARY_BITS)
            return false;
    for (size_t i = 0; i < GUARD; i++)
        if (memcpy(&bits, &g->buf.data[g->n + i], sizeof bits), bits != CANARY_BITS)
            return false;
    return true;
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* memcmp decides; the loop only finds the index to report. */
static bool same_bits(const float *a, const float *b, size_t n, size_t *first)
{
    if (n == 0 || memcmp(a, b, n * sizeof *a) == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&a[i], &b[i], sizeof *a) != 0) {
            *first = i;
            break;
        }
    }
    return false;
}

/* ---- describing a case ----------------------------------------------------------------------- */

/* The flag names of the combination, then the hyperparameters that apply to the optimizer. */
static void describe(const kernel_gen *g, unsigned combo, const lr_optim_config *c, char *buf,
                     size_t len)
{
    int used = snprintf(buf, len, "flags=[");
    for (unsigned b = 0; b < g->nflags; b++)
        if (combo & (1u << b))
            used += snprintf(buf + used, len - (size_t)used, " %s", g->flag_names[b]);
    used += snprintf(buf + used, len - (size_t)used,
                     " ] config={%s lr=%.17g weight_decay=%.17g maximize=%d",
                     lr_optim_name(c->kind), c->lr, c->weight_decay, c->maximize);
    switch (c->kind) {
    case LR_OPT_SGD:
        snprintf(buf + used, len - (size_t)used, " momentum=%.17g dampening=%.17g nesterov=%d}",
                 c->momentum, c->dampening, c->nesterov);
        break;
    case LR_OPT_ADAGRAD:
        snprintf(buf + used, len - (size_t)used,
                 " lr_decay=%.17g initial_accumulator_value=%.17g eps=%.17g}", c->lr_decay,
                 c->initial_accumulator_value, c->eps);
        break;
    case LR_OPT_RMSPROP:
        snprintf(buf + used, len - (size_t)used,
                 " alpha=%.17g eps=%.17g momentum=%.17g centered=%d}", c->alpha, c->eps,
                 c->momentum, c->centered);
        break;
    default:
        snprintf(buf + used, len - (size_t)used, " beta1=%.17g beta2=%.17g eps=%.17g amsgrad=%d}",
                 c->beta1, c->beta2, c->eps, c->amsgrad);
        break;
    }
}

static uint64_t base_seed(void)
{
    const char *env = getenv("LRLAB_TEST_SEED");
    return env && *env ? strtoull(env, NULL, 0) : 0x6c726c6162u; /* "lrlab" */
}

static uint64_t case_seed(uint64_t base, size_t kernel, uint64_t index)
{
    lr_test_rng mix = {base ^ ((uint64_t)kernel << 56) ^ index};
    return rng_next(&mix);
}

/* Magnitudes from subnormal to near overflow; mostly the ordinary range. */
static float rand_scale(lr_test_rng *r)
{
    double u = rng_uniform(r);
    if (u < 0.1)
        return 1e-38f;
    if (u < 0.2)
        return 1e34f;
    return (float)pow(10.0, rng_range(r, -6.0, 2.0));
}

static double rand_p_special(lr_test_rng *r)
{
    static const double p[] = {0.0, 0.01, 0.1, 0.5};
    return p[rng_below(r, sizeof p / sizeof p[0])];
}

/* rng_float, with half of its NaNs replaced by NaNs of any sign and payload, signalling ones
 * included: the twins must not let an input payload leak into what they store. */
static float rand_value(lr_test_rng *r, float scale, double p_special)
{
    float x = rng_float(r, scale, p_special);
    if (x != x && rng_below(r, 2)) {
        uint32_t payload = (uint32_t)rng_next(r) & 0x003fffffu;
        uint32_t bits = 0x7f800000u | (rng_below(r, 2) ? 0x00400000u : 0u) | (payload | 1u) |
                        (rng_below(r, 2) ? 0x80000000u : 0u);
        set_bits(&x, bits);
    }
    return x;
}

static float rand_state_value(lr_test_rng *r, float scale, double p_special, bool nonneg)
{
    float x = rand_value(r, scale, p_special);
    return nonneg && rng_uniform(r) < 0.95 ? fabsf(x) : x;
}

/* What lr_optimizer_init puts in a state array. */
static float fresh_state_value(const lr_optim_config *cfg, unsigned slot)
{
    return cfg->kind == LR_OPT_ADAGRAD && slot == 0 ? (float)cfg->initial_accumulator_value : 0.0f;
}

/* ---- one kernel case: both twins on the same inputs ------------------------------------------ */

typedef struct kcase {
    const kernel_gen *g;
    uint64_t base, seed;
    unsigned combo;
    size_t n, offset;
} kcase;

/* Runs one case; false with *msg filled on any difference. */
static bool run_kernel_case(const kcase *kc, char *msg, size_t len)
{
    const kernel_gen *g = kc->g;
    lr_test_rng r = {kc->seed};
    lr_optim_config cfg;
    long step;
    g->make(kc->combo, &r, &cfg, &step);
    lr_config_error verr;
    cr_assert_eq(lr_optim_validate(&cfg, &verr), 0, "generator %s made an invalid config: %s",
                 g->name, verr.message);
    unsigned used = g->state_used(&cfg);
    size_t n = kc->n;

    /* offsets: all arrays at the case's offset, or each array at its own */
    size_t off[2 + MAX_STATE];
    bool same_off = rng_below(&r, 2) == 0;
    for (size_t a = 0; a < 2 + MAX_STATE; a++)
        off[a] = same_off ? kc->offset : (a == 0 ? kc->offset : rng_below(&r, 8));
    float pscale = rand_scale(&r), gscale = rand_scale(&r), sscale = rand_scale(&r);
    double p_special = rand_p_special(&r);
    bool fresh = rng_below(&r, 3) == 0;

    guarded param[2], grad = guarded_alloc(n, off[1]), state[2][MAX_STATE];
    float *st[2][MAX_STATE] = {{NULL}};
    for (int k = 0; k < 2; k++) {
        param[k] = guarded_alloc(n, off[0]);
        for (unsigned s = 0; s < MAX_STATE; s++) {
            if (used & (1u << s)) {
                state[k][s] = guarded_alloc(n, off[2 + s]);
                st[k][s] = state[k][s].buf.data;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        param[0].buf.data[i] = param[1].buf.data[i] = rand_value(&r, pscale, p_special);
        grad.buf.data[i] = rand_value(&r, gscale, p_special);
        for (unsigned s = 0; s < MAX_STATE; s++)
            if (used & (1u << s))
                st[0][s][i] = st[1][s][i] =
                    fresh ? fresh_state_value(&cfg, s)
                          : rand_state_value(&r, sscale, p_special, g->state_nonneg[s]);
    }

    g->call(&lr_kernels_reference, &cfg, step, n, param[0].buf.data, grad.buf.data, st[0]);
    g->call(&lr_kernels_avx2, &cfg, step, n, param[1].buf.data, grad.buf.data, st[1]);

    char cfgtext[640];
    describe(g, kc->combo, &cfg, cfgtext, sizeof cfgtext);
    int head = snprintf(msg, len,
                        "kernel=%s base_seed=%#" PRIx64 " case_seed=%#" PRIx64 " %s step=%ld n=%zu "
                        "offsets(param=%zu grad=%zu state=%zu,%zu,%zu) fresh_state=%d "
                        "p_special=%g: ",
                        g->name, kc->base, kc->seed, cfgtext, step, n, off[0], off[1], off[2],
                        off[3], off[4], fresh, p_special);
    size_t rest = len - (size_t)(head > 0 && (size_t)head < len ? head : 0);
    char *tail = msg + (len - rest);

    bool ok = true;
    size_t at = 0;
    const char *what = NULL;
    const float *a = NULL, *b = NULL;
    if (!same_bits(param[0].buf.data, param[1].buf.data, n, &at)) {
        what = "param", a = param[0].buf.data, b = param[1].buf.data;
    } else {
        for (unsigned s = 0; s < MAX_STATE && !what; s++)
            if ((used & (1u << s)) && !same_bits(st[0][s], st[1][s], n, &at))
                what = g->state_names[s], a = st[0][s], b = st[1][s];
    }
    if (what) {
        snprintf(tail, rest, "%s[%zu] differs: reference %#010" PRIx32 " (%.9g), avx2 %#010" PRIx32
                             " (%.9g)", what, at, bits_of(a[at]), (double)a[at], bits_of(b[at]),
                 (double)b[at]);
        ok = false;
    }
    bool guards = guards_intact(&grad);
    for (int k = 0; k < 2; k++) {
        guards = guards && guards_intact(&param[k]);
        for (unsigned s = 0; s < MAX_STATE; s++)
            if (used & (1u << s))
                guards = guards && guards_intact(&state[k][s]);
    }
    if (ok && !guards) {
        snprintf(tail, rest, "a kernel wrote outside [0, n)");
        ok = false;
    }

    buf_free(&grad.buf);
    for (int k = 0; k < 2; k++) {
        buf_free(&param[k].buf);
        for (unsigned s = 0; s < MAX_STATE; s++)
            if (used & (1u << s))
                buf_free(&state[k][s].buf);
    }
    return ok;
}

static void skip_without_avx2(void)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("this CPU lacks AVX2+FMA: there is no twin to compare");
}

static size_t gen_index(const kernel_gen *g)
{
    for (size_t k = 0; k < NGEN; k++)
        if (generators[k] == g)
            return k;
    return NGEN;
}

/* Every valid combination at every length 0..MAX_LEN, repeated until MIN_CASES; in the first
 * repetition each combination meets every (length mod 8, offset) pair. Then one length above
 * 10^4 per combination. Returns the number of cases run. */
static size_t run_kernel_cases(const kernel_gen *g)
{
    skip_without_avx2();
    uint64_t base = base_seed(), index = 0;
    size_t kidx = gen_index(g), cases = 0;
    char msg[MSG];
    for (unsigned rep = 0; cases < MIN_CASES; rep++) {
        for (unsigned combo = 0; combo < (1u << g->nflags); combo++) {
            if (!g->valid(combo))
                continue;
            for (size_t n = 0; n <= MAX_LEN; n++) {
                kcase kc = {g, base, case_seed(base, kidx, index++), combo, n,
                            (n / 8 + rep + combo) % 8};
                cr_assert(run_kernel_case(&kc, msg, sizeof msg), "%s", msg);
                cases++;
            }
        }
    }
    for (unsigned combo = 0; combo < (1u << g->nflags); combo++) {
        if (!g->valid(combo))
            continue;
        uint64_t seed = case_seed(base, kidx, index++);
        kcase kc = {g, base, seed, combo, 10001 + (size_t)(seed % 4096), (size_t)(seed >> 32) % 8};
        cr_assert(run_kernel_case(&kc, msg, sizeof msg), "%s", msg);
        cases++;
    }
    return cases;
}

/* ---- trajectories: lr_optimizer with each table, state carried across steps ------------------ */

typedef struct named_state {
    const char *name;
    const float *ref, *avx2;
} named_state;

static bool same_optimizer_state(const lr_optimizer *a, const lr_optimizer *b, char *what,
                                 size_t len)
{
    const named_state arrays[] = {
        {"momentum_buffer", a->momentum_buffer, b->momentum_buffer},
        {"state_sum", a->state_sum, b->state_sum},
        {"square_avg", a->square_avg, b->square_avg},
        {"grad_avg", a->grad_avg, b->grad_avg},
        {"exp_avg", a->exp_avg, b->exp_avg},
        {"exp_avg_sq", a->exp_avg_sq, b->exp_avg_sq},
        {"max_exp_avg_sq", a->max_exp_avg_sq, b->max_exp_avg_sq},
    };
    for (size_t s = 0; s < sizeof arrays / sizeof arrays[0]; s++) {
        size_t at = 0;
        if ((arrays[s].ref == NULL) != (arrays[s].avx2 == NULL)) {
            snprintf(what, len, "%s allocated by one optimizer only", arrays[s].name);
            return false;
        }
        if (arrays[s].ref && !same_bits(arrays[s].ref, arrays[s].avx2, a->n, &at)) {
            snprintf(what, len, "%s[%zu] differs: reference %#010" PRIx32 ", avx2 %#010" PRIx32,
                     arrays[s].name, at, bits_of(arrays[s].ref[at]), bits_of(arrays[s].avx2[at]));
            return false;
        }
    }
    return true;
}

static bool run_trajectory(const kernel_gen *g, uint64_t base, uint64_t seed, unsigned combo,
                           size_t n, char *msg, size_t len)
{
    lr_test_rng r = {seed};
    lr_optim_config cfg;
    long unused_step;
    g->make(combo, &r, &cfg, &unused_step);
    size_t poff = rng_below(&r, 8), goff = rng_below(&r, 8);
    bool schedule = rng_below(&r, 2) == 0; /* a different rate at every step */
    static const double p_specials[] = {0.0, 0.0, 0.001, 0.01};
    double p_special = p_specials[rng_below(&r, 4)];
    float pscale = (float)rng_log_uniform(&r, 1e-3, 1e2), gscale = rand_scale(&r);

    lr_optimizer opt[2];
    cr_assert_eq(lr_optimizer_init(&opt[0], &cfg, n, &lr_kernels_reference), 0);
    cr_assert_eq(lr_optimizer_init(&opt[1], &cfg, n, &lr_kernels_avx2), 0);
    lr_test_buf param[2] = {buf_alloc(n, poff), buf_alloc(n, poff)}, grad = buf_alloc(n, goff);
    for (size_t i = 0; i < n; i++)
        param[0].data[i] = param[1].data[i] = rand_value(&r, pscale, p_special);

    char cfgtext[640], what[160] = "";
    describe(g, combo, &cfg, cfgtext, sizeof cfgtext);
    bool ok = true;
    int step;
    for (step = 1; step <= TRAJ_STEPS && ok; step++) {
        double lr = schedule ? cfg.lr * rng_log_uniform(&r, 0.1, 10.0) : cfg.lr;
        for (size_t i = 0; i < n; i++)
            grad.data[i] = rand_value(&r, gscale, p_special);
        lr_optimizer_step(&opt[0], lr, param[0].data, grad.data);
        lr_optimizer_step(&opt[1], lr, param[1].data, grad.data);
        size_t at = 0;
        if (!same_bits(param[0].data, param[1].data, n, &at)) {
            snprintf(what, sizeof what, "param[%zu] differs: reference %#010" PRIx32
                                        ", avx2 %#010" PRIx32,
                     at, bits_of(param[0].data[at]), bits_of(param[1].data[at]));
            ok = false;
        } else {
            ok = same_optimizer_state(&opt[0], &opt[1], what, sizeof what);
        }
    }
    if (!ok)
        snprintf(msg, len,
                 "trajectory kernel=%s base_seed=%#" PRIx64 " seed=%#" PRIx64 " %s n=%zu "
                 "offsets(param=%zu grad=%zu) schedule=%d p_special=%g, at step %d: %s",
                 g->name, base, seed, cfgtext, n, poff, goff, schedule, p_special, step - 1, what);
    lr_optimizer_free(&opt[0]);
    lr_optimizer_free(&opt[1]);
    buf_free(&param[0]);
    buf_free(&param[1]);
    buf_free(&grad);
    return ok;
}

/* TRAJ_PER_COMBO trajectories per valid combination, lengths 0..MAX_LEN, plus one of 1000-2000. */
static size_t run_trajectories(const kernel_gen *g)
{
    skip_without_avx2();
    uint64_t base = base_seed(), index = (uint64_t)1 << 40;
    size_t kidx = gen_index(g), count = 0;
    char msg[MSG];
    for (unsigned combo = 0; combo < (1u << g->nflags); combo++) {
        if (!g->valid(combo))
            continue;
        for (int t = 0; t <= TRAJ_PER_COMBO; t++) {
            uint64_t seed = case_seed(base, kidx, index++);
            size_t n = t < TRAJ_PER_COMBO ? (size_t)(seed % (MAX_LEN + 1))
                                          : 1000 + (size_t)(seed % 1000);
            cr_assert(run_trajectory(g, base, seed, combo, n, msg, sizeof msg), "%s", msg);
            count++;
        }
    }
    return count;
}

/* ---- the tests: two per LR_UPDATE_KERNELS entry, generated from the list ------------------------ */

#define AGREE_TESTS(name, type, ref, avx2, ids)                                                    \
    Test(optim_agree, name##_kernel_cases, .description = ids " " #ref " vs " #avx2)              \
    {                                                                                              \
        size_t cases = run_kernel_cases(&gen_##name);                                              \
        cr_assert_geq(cases, MIN_CASES);                                                           \
        cr_log_info("%s: %zu kernel cases agree", #name, cases);                                   \
    }                                                                                              \
    Test(optim_agree, name##_trajectories, .description = ids " 100-step lr_optimizer runs")      \
    {                                                                                              \
        size_t runs = run_trajectories(&gen_##name);                                               \
        cr_log_info("%s: %zu trajectories of %d steps agree", #name, runs, TRAJ_STEPS);            \
    }
LR_UPDATE_KERNELS(AGREE_TESTS)
#undef AGREE_TESTS

/* Both tables hold exactly the listed functions, none NULL, and the AVX2 entry is not the
 * reference itself (which would make every agreement test above vacuous). */
Test(optim_agree, tables_hold_every_listed_pair)
{
    cr_assert_str_eq(lr_kernels_reference.impl, "reference");
    cr_assert_str_eq(lr_kernels_avx2.impl, "avx2");
#define CHECK_PAIR(name, type, ref, avx2, ids)                                                     \
    cr_assert_not_null(lr_kernels_reference.name, "reference table: %s is NULL", #name);          \
    cr_assert_not_null(lr_kernels_avx2.name, "avx2 table: %s is NULL", #name);                    \
    cr_assert(lr_kernels_reference.name == (type)ref, "reference table: %s is not %s", #name,     \
              #ref);                                                                               \
    cr_assert(lr_kernels_avx2.name == (type)avx2, "avx2 table: %s is not %s", #name, #avx2);      \
    cr_assert((type)ref != (type)avx2, "%s: the twin is the reference itself", #name);
    LR_KERNEL_LIST(CHECK_PAIR)
#undef CHECK_PAIR
}

/* Each generator belongs to its list entry, and together they produce every optimizer kind. */
Test(optim_agree, generators_cover_list_and_kinds)
{
    size_t k = 0;
#define CHECK_NAME(kname, type, ref, avx2, ids)                                                    \
    cr_assert_str_eq(generators[k]->name, #kname, "generator %zu is for %s, list says %s", k,     \
                     generators[k]->name, #kname);                                                 \
    k++;
    LR_UPDATE_KERNELS(CHECK_NAME)
#undef CHECK_NAME
    cr_assert_eq(k, (size_t)NGEN);
    unsigned kinds = 0;
    for (size_t i = 0; i < NGEN; i++) {
        kinds |= generators[i]->kinds;
        unsigned valid = 0;
        for (unsigned c = 0; c < (1u << generators[i]->nflags); c++)
            valid += generators[i]->valid(c);
        cr_assert_gt(valid, 0u, "%s has no valid flag combination", generators[i]->name);
    }
    for (int kind = 0; kind < LR_OPT_COUNT; kind++)
        cr_assert(kinds & (1u << kind), "no generator exercises optimizer %s",
                  lr_optim_name((lr_optim_kind)kind));
}
