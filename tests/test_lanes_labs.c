/* C20 lanes of the quadratic (C21) and linear regression (C23) labs against the plain procedure:
 * every lane's rows (but seconds) and final parameters are bitwise those of lr_train on the AVX2
 * table, for K = 1, 3, 8, 16, diagonal and rotated, mse and huber with outliers, per-lane
 * schedules; a diverging lane and a sink-stopped lane stop alone. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/kernels.h"
#include "lrlab/lanes.h"
#include "lrlab/objective.h"
#include "lrlab/objective_nn.h"
#include "lrlab/schedule.h"

/* Why bitwise: each lane's gradient and loss are computed with the single-run kernel's operations
 * in its order (include/lrlab/lanes.h says how, pass by pass), and the update is the single run's
 * elementwise call. A difference of one ulp anywhere is a bug. */

enum { MAX_ROWS = 128 };

typedef struct row_log {
    lr_train_row row[MAX_ROWS];
    float *last;       /* the parameters of the last row (row.params), dim floats */
    size_t n, dim;
    size_t stop_after; /* 0: never; else the sink returns -5 after this many rows */
} row_log;

static int keep(void *ctx, const lr_train_row *row)
{
    row_log *log = ctx;
    cr_assert_lt(log->n, MAX_ROWS, "more rows than the test expects");
    cr_assert(row->params, "row %zu carries no parameters", log->n);
    memcpy(log->last, row->params, log->dim * sizeof(float));
    log->row[log->n++] = *row;
    return log->stop_after && log->n == log->stop_after ? -5 : 0;
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void assert_same_rows(const row_log *a_log, const row_log *b_log, size_t which)
{
    cr_assert_eq(a_log->n, b_log->n, "lane %zu: %zu rows, its single run %zu", which, a_log->n,
                 b_log->n);
    for (size_t i = 0; i < a_log->n; i++) {
        const lr_train_row *a = &a_log->row[i], *b = &b_log->row[i];
        cr_assert(a->epoch == b->epoch && a->step == b->step && a->diverged == b->diverged,
                  "lane %zu row %zu: epoch %ld/%ld step %ld/%ld diverged %d/%d", which, i,
                  a->epoch, b->epoch, a->step, b->step, a->diverged, b->diverged);
        cr_assert(same_bits(a->lr_now, b->lr_now) && same_bits(a->val_loss, b->val_loss) &&
                      same_bits(a->eval.train_loss, b->eval.train_loss) &&
                      same_bits(a->eval.test_loss, b->eval.test_loss) &&
                      same_bits(a->eval.test_acc, b->eval.test_acc) &&
                      same_bits(a->eval.dist, b->eval.dist),
                  "lane %zu row %zu (step %ld): lr %.17g/%.17g train %.17g/%.17g test %.17g/%.17g "
                  "dist %.17g/%.17g", which, i, a->step, a->lr_now, b->lr_now, a->eval.train_loss,
                  b->eval.train_loss, a->eval.test_loss, b->eval.test_loss, a->eval.dist,
                  b->eval.dist);
    }
    cr_assert_eq(memcmp(a_log->last, b_log->last, a_log->dim * sizeof(float)), 0,
                 "lane %zu: the parameters of the last row differ", which);
}

/* ---- A lane's settings, run both ways -------------------------------------------------------- */

typedef enum { RATE_CONSTANT, RATE_PLATEAU, RATE_CHAIN } rate_kind;

typedef struct lane_case {
    lr_optim_config opt;
    double lr;
    rate_kind rate;
    lr_plateau plateau[2]; /* [0] the lane's, [1] the single run's */
    lr_chain chain;
    row_log rows[2];       /* [0] the lane's, [1] the single run's */
    float *final;          /* the lane's final_params */
} lane_case;

static lr_rate_source rates_of(lane_case *c, int which)
{
    if (c->rate == RATE_PLATEAU)
        return (lr_rate_source){lr_rate_plateau, lr_rate_plateau_metric, &c->plateau[which]};
    if (c->rate == RATE_CHAIN)
        return (lr_rate_source){lr_rate_chain, NULL, &c->chain};
    return (lr_rate_source){lr_rate_constant, NULL, &c->lr};
}

static void case_init(lane_case *c, lr_optim_kind kind, double lr, size_t dim)
{
    memset(c, 0, sizeof *c);
    c->opt = lr_optim_defaults(kind);
    c->opt.lr = c->lr = lr;
    for (int w = 0; w < 2; w++) {
        c->rows[w].dim = dim;
        c->rows[w].last = calloc(dim, sizeof(float));
        cr_assert(c->rows[w].last);
    }
    c->final = calloc(dim, sizeof(float));
    cr_assert(c->final);
}

static void case_free(lane_case *c)
{
    free(c->rows[0].last);
    free(c->rows[1].last);
    free(c->final);
}

/* Lane i of k: rates log-spaced in [lo, hi], optimizers in turn, and every few lanes a schedule. */
static void case_setup(lane_case *c, size_t i, size_t k, double lo, double hi, size_t dim)
{
    static const lr_optim_kind kinds[] = {LR_OPT_SGD, LR_OPT_ADAM, LR_OPT_SGD, LR_OPT_RMSPROP,
                                          LR_OPT_ADAGRAD, LR_OPT_ADAMW};
    double t = k > 1 ? (double)i / (double)(k - 1) : 0.0;
    case_init(c, kinds[i % 6], lo * pow(hi / lo, t), dim);
    if (c->opt.kind == LR_OPT_SGD && i % 4 == 2)
        c->opt.momentum = 0.9;
    if (c->opt.kind == LR_OPT_SGD && i % 4 == 2 && i % 8 == 2)
        c->opt.nesterov = true;
    if (i % 5 == 1) { /* reduce on plateau, fed its own lane's metric */
        lr_schedule s = lr_schedule_defaults(LR_SCHED_PLATEAU);
        s.lr = c->lr;
        s.patience = 0;
        s.factor = 0.5;
        s.threshold = 0.05;
        lr_config_error err;
        cr_assert_eq(lr_schedule_validate(&s, &err), 0, "%s", err.message);
        lr_plateau_init(&c->plateau[0], &s);
        lr_plateau_init(&c->plateau[1], &s);
        c->rate = RATE_PLATEAU;
    } else if (i % 5 == 3) { /* cosine after a warmup: a closed-form chain */
        lr_schedule s = lr_schedule_defaults(LR_SCHED_COSINE);
        s.lr = c->lr;
        s.T_max = 17;
        lr_chain_warmup(&c->chain, &s, 4, 0.25);
        lr_config_error err;
        cr_assert_eq(lr_chain_validate(&c->chain, &err), 0, "%s", err.message);
        c->rate = RATE_CHAIN;
    }
}

static void lanes_of(lane_case *cases, size_t k, lr_lane *lanes)
{
    for (size_t i = 0; i < k; i++) {
        lr_config_error err;
        cr_assert_eq(lr_optim_validate(&cases[i].opt, &err), 0, "%s", err.message);
        lanes[i] = (lr_lane){.opt = cases[i].opt, .rates = rates_of(&cases[i], 0),
                             .hooks = {.sink = keep, .sink_ctx = &cases[i].rows[0]},
                             .final_params = cases[i].final};
    }
}

static int single_run(const lr_problem *p, const lr_train_config *tc, lane_case *c)
{
    lr_rate_source rs = rates_of(c, 1);
    lr_train_hooks hooks = {.sink = keep, .sink_ctx = &c->rows[1]};
    return lr_train(p, &c->opt, &rs, tc, &lr_kernels_avx2, &hooks);
}

/* Each lane against lr_train alone: rows, the last row's parameters, final_params, steps. */
static void assert_lanes_are_singles(const lr_problem *p, const lr_train_config *tc,
                                     lane_case *cases, const lr_lane *lanes, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        int rc = single_run(p, tc, &cases[i]);
        cr_assert_eq(rc, lanes[i].rc, "lane %zu: rc %d, single run %d", i, lanes[i].rc, rc);
        assert_same_rows(&cases[i].rows[0], &cases[i].rows[1], i);
        cr_assert_eq(memcmp(cases[i].final, cases[i].rows[1].last, p->dim * sizeof(float)), 0,
                      "lane %zu: final_params are not the single run's last point", i);
        const lr_train_row *last = &cases[i].rows[1].row[cases[i].rows[1].n - 1];
        cr_assert_eq(lanes[i].diverged, last->diverged);
        cr_assert_eq(lanes[i].steps, last->step, "lane %zu: %ld steps, last row at %ld", i,
                     lanes[i].steps, last->step);
    }
}

static void check_k(const lr_problem *p, const lr_train_config *tc, size_t k, double lo, double hi)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    lane_case *cases = calloc(k, sizeof *cases);
    lr_lane lanes[LR_LANES_MAX];
    cr_assert(cases);
    for (size_t i = 0; i < k; i++)
        case_setup(&cases[i], i, k, lo, hi, p->dim);
    lanes_of(cases, k, lanes);
    cr_assert_eq(lr_lanes_train(p, NULL, 0.0, tc, lanes, k), 0);
    assert_lanes_are_singles(p, tc, cases, lanes, k);
    for (size_t i = 0; i < k; i++) {
        cr_assert(!lanes[i].diverged, "lane %zu diverged: these rates are meant to train", i);
        case_free(&cases[i]);
    }
    free(cases);
}

/* ---- The quadratic ----------------------------------------------------------------------------- */

/* dim 37: four 8-blocks and a masked tail of 5; rotated, an odd row count for the 2-row tiles. */
static lr_problem quadratic(bool rotate)
{
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_quadratic(&p, 37, 0.1, 10.0, rotate, 3, err, sizeof err), 0, "%s", err);
    return p;
}

static void quadratic_k(bool rotate, size_t k, long log_every)
{
    lr_problem p = quadratic(rotate);
    lr_train_config tc = {.steps = 40, .seed = 1, .log_every = log_every};
    check_k(&p, &tc, k, 1e-3, 0.15); /* below 2/L = 0.2 */
    lr_problem_free(&p);
}

Test(lanes_labs, quadratic_diagonal_one_three_eight_sixteen_lanes)
{
    quadratic_k(false, 1, 0);
    quadratic_k(false, 3, 0);
    quadratic_k(false, 8, 3);
    quadratic_k(false, 16, 0);
}

Test(lanes_labs, quadratic_rotated_one_three_eight_sixteen_lanes)
{
    quadratic_k(true, 1, 0);
    quadratic_k(true, 3, 7);
    quadratic_k(true, 8, 0);
    quadratic_k(true, 16, 0);
}

/* ---- Linear regression ------------------------------------------------------------------------ */

/* 203 samples in batches of 20 (two full 8-sample tiles and a tile of 4; the epoch's last batch is
 * 3), 13 features (a block and a masked tail). */
static lr_problem linreg(lr_reg_loss loss, double outliers)
{
    lr_linreg_config cfg = lr_linreg_defaults();
    cfg.samples = 203;
    cfg.features = 13;
    cfg.test_samples = 150;
    cfg.noise = 0.3;
    cfg.outliers = outliers;
    cfg.loss = loss;
    cfg.seed = 4;
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_linreg(&p, &cfg, err, sizeof err), 0, "%s", err);
    return p;
}

static void linreg_k(lr_reg_loss loss, double outliers, size_t k, long log_every)
{
    lr_problem p = linreg(loss, outliers);
    lr_train_config tc = {.epochs = 4, .batch_size = 20, .seed = 8, .log_every = log_every};
    check_k(&p, &tc, k, 1e-3, 0.3);
    lr_problem_free(&p);
}

Test(lanes_labs, linreg_mse_one_three_eight_sixteen_lanes)
{
    linreg_k(LR_LOSS_MSE, 0.0, 1, 0);
    linreg_k(LR_LOSS_MSE, 0.0, 3, 0);
    linreg_k(LR_LOSS_MSE, 0.0, 8, 5);
    linreg_k(LR_LOSS_MSE, 0.0, 16, 0);
}

Test(lanes_labs, linreg_huber_with_outliers_one_three_eight_sixteen_lanes)
{
    linreg_k(LR_LOSS_HUBER, 0.1, 1, 0);
    linreg_k(LR_LOSS_HUBER, 0.1, 3, 7);
    linreg_k(LR_LOSS_HUBER, 0.1, 8, 0);
    linreg_k(LR_LOSS_HUBER, 0.1, 16, 0);
}

/* Lanes with the same settings hold the same bytes at every row, so every evaluation is shared
 * (optimized/lanes.c evaluates once when all lanes' parameters are equal; at the start they always
 * are): each must still be its single run, on both labs, full batch and minibatch. */
Test(lanes_labs, identical_lanes_share_every_evaluation_and_stay_their_single_runs)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    lr_problem probs[2] = {quadratic(true), linreg(LR_LOSS_HUBER, 0.1)};
    lr_train_config tcs[2] = {{.steps = 40, .seed = 3, .log_every = 3},
                              {.epochs = 3, .batch_size = 20, .seed = 8}};
    for (int q = 0; q < 2; q++) {
        lane_case cases[4];
        lr_lane lanes[4];
        for (size_t i = 0; i < 4; i++) {
            case_init(&cases[i], LR_OPT_ADAM, 0.01, probs[q].dim);
            cases[i].opt.amsgrad = true;
        }
        lanes_of(cases, 4, lanes);
        cr_assert_eq(lr_lanes_train(&probs[q], NULL, 0.0, &tcs[q], lanes, 4), 0);
        assert_lanes_are_singles(&probs[q], &tcs[q], cases, lanes, 4);
        for (size_t i = 0; i < 4; i++) {
            cr_assert_gt(cases[i].rows[0].n, 2, "problem %d: too few rows to test", q);
            case_free(&cases[i]);
        }
        lr_problem_free(&probs[q]);
    }
}

/* ---- Lanes that stop ------------------------------------------------------------------------- */

/* Five SGD lanes: lane 1's rate is far above 2/L (quadratic) or overflows at once (linreg), so it
 * diverges; lane 3's sink stops it after a few rows. The other three are bitwise what they are
 * without lanes 1 and 3, and all five equal their single runs. */
static void stops_alone(const lr_problem *p, const lr_train_config *tc, const double rates[5],
                        size_t stop_after)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    lane_case with[5], without[3];
    lr_lane lanes[5], alone[3];
    const size_t kept[3] = {0, 2, 4};
    for (size_t i = 0; i < 5; i++)
        case_init(&with[i], LR_OPT_SGD, rates[i], p->dim);
    with[3].rows[0].stop_after = with[3].rows[1].stop_after = stop_after;
    for (size_t i = 0; i < 3; i++)
        case_init(&without[i], LR_OPT_SGD, rates[kept[i]], p->dim);
    lanes_of(with, 5, lanes);
    lanes_of(without, 3, alone);
    cr_assert_eq(lr_lanes_train(p, NULL, 0.0, tc, lanes, 5), 0);
    cr_assert_eq(lr_lanes_train(p, NULL, 0.0, tc, alone, 3), 0);
    cr_assert(lanes[1].diverged && with[1].rows[0].row[with[1].rows[0].n - 1].diverged);
    cr_assert_lt(lanes[1].steps, tc->steps ? tc->steps : 1000, "lane 1 should stop early");
    cr_assert_eq(lanes[3].rc, -5);
    cr_assert_eq(with[3].rows[0].n, stop_after);
    for (size_t i = 0; i < 3; i++) {
        assert_same_rows(&with[kept[i]].rows[0], &without[i].rows[0], kept[i]);
        cr_assert_eq(memcmp(with[kept[i]].final, without[i].final, p->dim * sizeof(float)), 0);
        cr_assert_eq(lanes[kept[i]].steps, alone[i].steps);
        cr_assert(!lanes[kept[i]].diverged);
    }
    assert_lanes_are_singles(p, tc, with, lanes, 5);
    for (size_t i = 0; i < 5; i++)
        case_free(&with[i]);
    for (size_t i = 0; i < 3; i++)
        case_free(&without[i]);
}

/* Rate 3 on L = 10: the top eigen-direction grows by |1 - 30| = 29 a step and overflows float in
 * about 27 steps, inside the 60. */
Test(lanes_labs, quadratic_lane_above_two_over_l_diverges_alone)
{
    const double rates[5] = {0.01, 3.0, 0.1, 0.05, 0.15};
    for (int rotate = 0; rotate < 2; rotate++) {
        lr_problem p = quadratic(rotate);
        lr_train_config tc = {.steps = 60, .seed = 1, .log_every = rotate ? 4 : 0};
        stops_alone(&p, &tc, rates, 5);
        lr_problem_free(&p);
    }
}

/* log_every 0: the batch loss goes non-finite (no step taken); 1: a row's test_loss does. */
Test(lanes_labs, linreg_lane_that_overflows_diverges_alone)
{
    const double rates[5] = {0.01, 1e37, 0.1, 0.05, 0.2};
    for (long every = 0; every < 2; every++) {
        lr_problem p = linreg(LR_LOSS_HUBER, 0.05);
        lr_train_config tc = {.epochs = 3, .batch_size = 16, .seed = 2, .log_every = every};
        stops_alone(&p, &tc, rates, 2);
        lr_problem_free(&p);
    }
}

/* ---- What it refuses ------------------------------------------------------------------------- */

Test(lanes_labs, refuses_problems_without_lanes)
{
    lr_lane lanes[2];
    for (size_t i = 0; i < 2; i++) {
        lanes[i] = (lr_lane){.opt = lr_optim_defaults(LR_OPT_SGD)};
        lanes[i].opt.lr = 0.01;
        lanes[i].rates = (lr_rate_source){lr_rate_constant, NULL, &lanes[i].opt.lr};
    }
    lr_train_config tc = {.steps = 3, .epochs = 1, .batch_size = 4};
    char err[256];
    lr_problem rb;
    cr_assert_eq(lr_problem_rosenbrock(&rb, 2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(lr_lanes_train(&rb, NULL, 0.0, &tc, lanes, 2), -2);
    lr_problem_free(&rb);
    /* a problem named like a lab but not built by its constructor */
    lr_problem fake = {.name = "quadratic", .dim = 2};
    cr_assert_eq(lr_lanes_train(&fake, NULL, 0.0, &tc, lanes, 2), -2);
    lr_problem no_images = {.name = "fmnist-softmax", .dim = 7850, .n_train = 10};
    cr_assert_eq(lr_lanes_train(&no_images, NULL, 0.0, &tc, lanes, 2), -2);
    lr_problem lin = linreg(LR_LOSS_MSE, 0.0);
    size_t subset[3] = {0, 1, 2};
    lr_train_config folds = tc;
    folds.train_idx = subset;
    folds.n_train_idx = 3;
    cr_assert_eq(lr_lanes_train(&lin, NULL, 0.0, &folds, lanes, 2), -2);
    cr_assert_eq(lr_lanes_train(&lin, NULL, 0.0, &tc, lanes, 0), -2);
    cr_assert_eq(lr_lanes_train(&lin, NULL, 0.0, &tc, lanes, LR_LANES_MAX + 1), -2);
    /* the softmax entry takes the softmax only */
    cr_assert_eq(lr_lanes_train_softmax(&lin, NULL, 0.0, &tc, lanes, 2), -2);
    lr_problem_free(&lin);
}
