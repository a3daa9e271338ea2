/* C21 theory tests (claims K01, K03, K06): on the quadratic, plain GD converges just below lr = 2/L
 * and diverges just above; 2/(L+mu) is the fastest fixed rate; heavy ball with its optimal rate and
 * momentum needs about sqrt(kappa) times fewer steps. Runs use lr_optimizer (SGD) on the
 * lr_problem in float32, and every step count is checked against the same iteration in double. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/objective.h"
#include "lrlab/optim.h"

#define TOL 1e-6        /* converged: dist <= TOL * dist0 */
#define BLOWUP 1e3      /* diverged: dist > BLOWUP * dist0, or not finite */
#define MAX_STEPS 200000L

/* Steps until converged (> 0), minus the step at which it diverged (< 0), or 0 for neither. */
typedef long run_steps;

static run_steps classify(double dist, double dist0, long t)
{
    if (!(dist <= BLOWUP * dist0))
        return -t;
    if (dist <= TOL * dist0)
        return t;
    return 0;
}

/* SGD (momentum as in PyTorch: b = m b + g, x -= lr b) on the problem, in float32. */
static run_steps run_float(lr_problem *p, const lr_kernels *k, double lr, double momentum)
{
    float *x = malloc(p->dim * sizeof *x), *g = malloc(p->dim * sizeof *g);
    p->init_params(p->ctx, 0, x);
    lr_optim_config cfg = lr_optim_defaults(LR_OPT_SGD);
    cfg.lr = lr;
    cfg.momentum = momentum;
    lr_optimizer opt;
    cr_assert_eq(lr_optimizer_init(&opt, &cfg, p->dim, k), 0);
    lr_eval ev;
    p->evaluate(p->ctx, k, x, &ev);
    double dist0 = ev.dist;
    run_steps out = 0;
    for (long t = 1; t <= MAX_STEPS && out == 0; t++) {
        p->loss_grad(p->ctx, k, x, NULL, 0, g);
        lr_optimizer_step(&opt, lr, x, g);
        p->evaluate(p->ctx, k, x, &ev);
        out = classify(ev.dist, dist0, t);
    }
    lr_optimizer_free(&opt);
    free(x);
    free(g);
    return out;
}

/* The same iteration in double on the diagonal (mode by mode), from x0 = ones, with the rate and
 * momentum rounded to float as the optimizer rounds them and the problem's float eigenvalues. */
static run_steps run_double(const lr_quadratic_info *q, double lr, double momentum)
{
    size_t n = q->dim;
    double *x = malloc(n * sizeof *x), *b = calloc(n, sizeof *b);
    double lrf = (float)lr, mf = (float)momentum, dist0 = sqrt((double)n);
    for (size_t i = 0; i < n; i++)
        x[i] = 1.0;
    run_steps out = 0;
    for (long t = 1; t <= MAX_STEPS && out == 0; t++) {
        double ss = 0.0;
        for (size_t i = 0; i < n; i++) {
            double g = q->eigenvalues[i] * x[i];
            b[i] = momentum == 0.0 ? g : (t == 1 ? g : mf * b[i] + g);
            x[i] -= lrf * b[i];
            ss += x[i] * x[i];
        }
        out = classify(sqrt(ss), dist0, t);
    }
    free(x);
    free(b);
    return out;
}

/* A float run and its double twin: the same verdict, and step counts within one step (float rounding
 * perturbs each factor (1 - lr lambda) by about 1e-7 relative, far too little to move the crossing
 * of the tolerance by more than a step at these step counts). */
static run_steps run_checked(lr_problem *p, const lr_kernels *k, double lr, double momentum)
{
    run_steps f = run_float(p, k, lr, momentum);
    const lr_quadratic_info *q = lr_problem_quadratic_info(p);
    if (!q->rotated) {
        run_steps d = run_double(q, lr, momentum);
        cr_assert((f > 0) == (d > 0) && (f < 0) == (d < 0) && labs(f - d) <= 1,
                  "float run %ld steps, double run %ld steps (lr %.9g, momentum %.9g, %s)", f, d,
                  lr, momentum, k->impl);
    }
    return f;
}

static lr_problem make_quadratic(size_t dim, double mu, double L, bool rotate, uint64_t seed)
{
    lr_problem p;
    char err[200];
    cr_assert_eq(lr_problem_quadratic(&p, dim, mu, L, rotate, seed, err, sizeof err), 0, "%s", err);
    return p;
}

/* The kernel tables to run: the reference always, AVX2 when the CPU has it. */
static size_t tables(const lr_kernels *out[2])
{
    out[0] = &lr_kernels_reference;
    out[1] = &lr_kernels_avx2;
    return lr_cpu_has_avx2_fma() ? 2 : 1;
}

/* K01: the factor of the top mode, |1 - lr L|, crosses 1 at lr = 2/L. */
Test(objectives_theory, gd_converges_below_2_over_L_and_diverges_above)
{
    const lr_kernels *ks[2];
    size_t nk = tables(ks);
    struct { size_t dim; double mu, L; bool rotate; } cases[] = {
        {8, 0.01, 1.0, false}, {8, 0.01, 1.0, true}, {5, 0.5, 4.0, false}, {13, 0.1, 3.0, true},
        {1, 1.0, 2.0, false}, {2, 0.01, 1.0, false},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        lr_problem p = make_quadratic(cases[c].dim, cases[c].mu, cases[c].L, cases[c].rotate, 7);
        const lr_quadratic_info *q = lr_problem_quadratic_info(&p);
        for (size_t ki = 0; ki < nk; ki++) {
            run_steps below = run_checked(&p, ks[ki], 0.99 * 2.0 / q->L, 0.0);
            run_steps above = run_checked(&p, ks[ki], 1.01 * 2.0 / q->L, 0.0);
            cr_log_info("K01 dim %zu kappa %g%s (%s): lr = 0.99*2/L converges in %ld steps; "
                        "1.01*2/L diverges at step %ld", q->dim, q->kappa,
                        q->rotated ? " rotated" : "", ks[ki]->impl, below, -above);
            cr_assert_gt(below, 0, "lr just below 2/L did not converge (case %zu)", c);
            cr_assert_lt(above, 0, "lr just above 2/L did not diverge (case %zu)", c);
        }
        lr_problem_free(&p);
    }
}

/* K03: the rate max(|1 - lr mu|, |1 - lr L|) is smallest at lr* = 2/(L+mu), where it is
 * (kappa-1)/(kappa+1). Steps to tolerance on a grid around lr*: U-shaped with its minimum at lr*.
 * The grid is coarse below lr* on purpose: from x0 = ones two modes decay at the optimal rate at
 * lr*, one just below it, which makes steps-to-tolerance flat within about 2.5% below lr* (at this
 * tolerance); the asymptotic rate, measured separately below, is sharp. */
Test(objectives_theory, best_fixed_rate_is_2_over_L_plus_mu)
{
    const lr_kernels *ks[2];
    size_t nk = tables(ks);
    lr_problem p = make_quadratic(8, 0.01, 1.0, false, 0);
    const lr_quadratic_info *q = lr_problem_quadratic_info(&p);
    double best = 2.0 / (q->L + q->mu);
    const double factors[] = {0.5, 0.8, 0.9, 1.0, 1.002, 1.005}; /* lr* (1 + 1/kappa) = 2/L */
    const size_t nf = sizeof factors / sizeof factors[0], at_best = 3;
    for (size_t ki = 0; ki < nk; ki++) {
        run_steps steps[6];
        for (size_t f = 0; f < nf; f++) {
            steps[f] = run_checked(&p, ks[ki], factors[f] * best, 0.0);
            cr_log_info("K03 kappa %g (%s): lr = %.3f * 2/(L+mu): %ld steps", q->kappa,
                        ks[ki]->impl, factors[f], steps[f]);
            cr_assert_gt(steps[f], 0, "lr = %g lr* did not converge", factors[f]);
        }
        for (size_t f = 0; f < nf; f++)
            if (f != at_best)
                cr_assert_gt(steps[f], steps[at_best], "lr = %g lr* took %ld steps, lr* %ld",
                             factors[f], steps[f], steps[at_best]);
        for (size_t f = 0; f + 1 < nf; f++) /* U-shaped: down to lr*, then up */
            cr_assert(f < at_best ? steps[f] > steps[f + 1] : steps[f] < steps[f + 1]);
    }
    lr_problem_free(&p);
}

/* The measured contraction per step late in the run: the dist ratio over steps 2000..3000. By then
 * the inner modes (factors <= 0.962) are gone and, on the grid below, the faster extreme mode holds
 * at most 3.1e-4 of dist^2 (the closest pair of rates, at 1.001 lr*, differ by 0.2% per step),
 * which biases the measured rate by at most 1.6e-7; float rounding of dist (1e-7 relative) adds
 * 1e-10 over 1000 steps. Values stay above 1e-30, far from subnormals. Tolerance: 1e-6. */
static double late_rate(lr_problem *p, double lr)
{
    float x[8], g[8];
    cr_assert_eq(p->dim, 8);
    p->init_params(p->ctx, 0, x);
    lr_optim_config cfg = lr_optim_defaults(LR_OPT_SGD);
    cfg.lr = lr;
    lr_optimizer opt;
    cr_assert_eq(lr_optimizer_init(&opt, &cfg, 8, &lr_kernels_reference), 0);
    lr_eval ev;
    double d2000 = 0.0;
    for (long t = 1; t <= 3000; t++) {
        p->loss_grad(p->ctx, &lr_kernels_reference, x, NULL, 0, g);
        lr_optimizer_step(&opt, lr, x, g);
        p->evaluate(p->ctx, &lr_kernels_reference, x, &ev);
        if (t == 2000)
            d2000 = ev.dist;
    }
    lr_optimizer_free(&opt);
    return pow(ev.dist / d2000, 1.0 / 1000.0);
}

Test(objectives_theory, asymptotic_rate_is_smallest_at_2_over_L_plus_mu)
{
    lr_problem p = make_quadratic(8, 0.01, 1.0, false, 0);
    const lr_quadratic_info *q = lr_problem_quadratic_info(&p);
    double best = 2.0 / (q->L + q->mu), theory = (q->kappa - 1.0) / (q->kappa + 1.0);
    const double factors[] = {0.97, 0.98, 0.99, 1.0, 1.001, 1.002};
    double at_best = late_rate(&p, best);
    cr_log_info("K03 kappa %g: measured rate at lr* %.9f, theory (kappa-1)/(kappa+1) = %.9f",
                q->kappa, at_best, theory);
    cr_assert(fabs(at_best - theory) <= 1e-6, "rate at lr* %.7f, theory %.7f", at_best, theory);
    for (size_t f = 0; f < sizeof factors / sizeof factors[0]; f++) {
        if (factors[f] == 1.0)
            continue;
        double rate = late_rate(&p, factors[f] * best);
        double lrf = (float)(factors[f] * best); /* the rate as the optimizer rounds it */
        double predicted = fmax(fabs(1.0 - lrf * q->mu), fabs(1.0 - lrf * q->L));
        cr_log_info("K03 lr = %.3f lr*: measured rate %.9f, predicted %.9f", factors[f], rate,
                    predicted);
        cr_assert_gt(rate, at_best, "lr = %g lr* converges faster than lr*", factors[f]);
        cr_assert(fabs(rate - predicted) <= 1e-6, "measured %.9f, predicted %.9f", rate, predicted);
    }
    lr_problem_free(&p);
}

/* K06: heavy ball (Polyak) with lr = (2/(sqrt L + sqrt mu))^2 and momentum
 * ((sqrt kappa - 1)/(sqrt kappa + 1))^2 contracts by (sqrt kappa - 1)/(sqrt kappa + 1) per step
 * against GD's (kappa - 1)/(kappa + 1): about sqrt(kappa) times fewer steps. At these parameters the
 * extreme modes meet a double eigenvalue (a Jordan block: t rho^t decay), which costs heavy ball a
 * logarithmic factor; measured ratios are 0.6 to 0.8 sqrt(kappa), so "about" is checked as a factor
 * of 2 either way, and the growth with kappa as kappa for GD and sqrt(kappa) for heavy ball. */
Test(objectives_theory, heavy_ball_needs_sqrt_kappa_fewer_steps)
{
    const lr_kernels *ks[2];
    size_t nk = tables(ks);
    const double mus[] = {1e-2, 1e-4};
    for (size_t ki = 0; ki < nk; ki++) {
        run_steps gd[2], hb[2];
        for (size_t c = 0; c < 2; c++) {
            lr_problem p = make_quadratic(8, mus[c], 1.0, false, 0);
            const lr_quadratic_info *q = lr_problem_quadratic_info(&p);
            double sk = sqrt(q->kappa);
            double lr_hb = pow(2.0 / (sqrt(q->L) + sqrt(q->mu)), 2.0);
            double m_hb = pow((sk - 1.0) / (sk + 1.0), 2.0);
            gd[c] = run_checked(&p, ks[ki], 2.0 / (q->L + q->mu), 0.0);
            hb[c] = run_checked(&p, ks[ki], lr_hb, m_hb);
            cr_assert_gt(gd[c], 0);
            cr_assert_gt(hb[c], 0);
            double ratio = (double)gd[c] / (double)hb[c];
            cr_log_info("K06 kappa %g (%s): GD at 2/(L+mu) %ld steps, heavy ball %ld steps, "
                        "ratio %.2f = %.2f sqrt(kappa)", q->kappa, ks[ki]->impl, gd[c], hb[c],
                        ratio, ratio / sk);
            cr_assert(ratio >= 0.5 * sk && ratio <= 2.0 * sk, "GD/HB step ratio %.2f, sqrt(kappa) "
                      "%.2f", ratio, sk);
            lr_problem_free(&p);
        }
        double gd_growth = (double)gd[1] / gd[0], hb_growth = (double)hb[1] / hb[0];
        cr_log_info("K06 kappa 100 -> 10000: GD steps x%.1f, heavy ball x%.1f", gd_growth,
                    hb_growth);
        cr_assert(gd_growth >= 50.0 && gd_growth <= 200.0, "GD grew %.1fx for 100x kappa",
                  gd_growth);
        cr_assert(hb_growth >= 5.0 && hb_growth <= 20.0, "heavy ball grew %.1fx for 100x kappa",
                  hb_growth);
    }
}
