/* C20 lane-batched training against the plain procedure: every lane's rows (but seconds) and
 * final parameters are bitwise those of lr_train with that lane's settings on the AVX2 table, for
 * K = 1, 3, 8, 16 on a Fashion-MNIST subset; diverging and sink-stopped lanes stop alone. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/lanes.h"
#include "lrlab/schedule.h"

/* Why bitwise and not the dense kernels' bound: the AVX2 GEMM forms each output element on its own
 * (one register lane, FMA from 0 over k blocks that depend on k alone, blocks added in order), so
 * the wider output of the batched GEMM changes where an element is computed, never how; the rest
 * is per lane or elementwise (include/lrlab/lanes.h). A difference of even one ulp is a bug. */

static const char fmnist_dir[] = "/usr/share/datasets/fashion-mnist";

/* The first ntrain training and ntest test images (views into the loaded files). */
static void load_subset(lr_dataset *ds, size_t ntrain, size_t ntest)
{
    char path[256], err[512] = "";
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", fmnist_dir);
    if (access(path, R_OK) != 0)
        cr_skip_test("Fashion-MNIST is not installed");
    cr_assert_eq(lr_dataset_load(ds, fmnist_dir, 0, err, sizeof err), LR_DATA_OK, "%s", err);
    ds->train.n = ntrain;
    ds->test.n = ntest;
}

/* ---- Rows ---------------------------------------------------------------------------------------- */

typedef struct row_log {
    lr_train_row row[64];
    size_t n;
    size_t stop_after; /* 0: never; else the sink returns -5 after this many rows */
} row_log;

static int keep(void *ctx, const lr_train_row *row)
{
    row_log *log = ctx;
    cr_assert_lt(log->n, 64, "more rows than the test expects");
    log->row[log->n++] = *row;
    return log->stop_after && log->n == log->stop_after ? -5 : 0;
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Every field but seconds, bit for bit. */
static void assert_same_rows(const row_log *lane, const row_log *single, size_t which)
{
    cr_assert_eq(lane->n, single->n, "lane %zu: %zu rows, its single run %zu", which, lane->n,
                 single->n);
    for (size_t i = 0; i < lane->n; i++) {
        const lr_train_row *a = &lane->row[i], *b = &single->row[i];
        cr_assert(a->epoch == b->epoch && a->step == b->step && a->diverged == b->diverged,
                  "lane %zu row %zu: epoch %ld/%ld step %ld/%ld diverged %d/%d", which, i,
                  a->epoch, b->epoch, a->step, b->step, a->diverged, b->diverged);
        cr_assert(same_bits(a->lr_now, b->lr_now) && same_bits(a->val_loss, b->val_loss),
                  "lane %zu row %zu: lr_now %.17g/%.17g", which, i, a->lr_now, b->lr_now);
        cr_assert(same_bits(a->eval.train_loss, b->eval.train_loss) &&
                      same_bits(a->eval.test_loss, b->eval.test_loss) &&
                      same_bits(a->eval.test_acc, b->eval.test_acc) &&
                      same_bits(a->eval.dist, b->eval.dist),
                  "lane %zu row %zu: train_loss %.17g/%.17g test_loss %.17g/%.17g acc %.17g/%.17g",
                  which, i, a->eval.train_loss, b->eval.train_loss, a->eval.test_loss,
                  b->eval.test_loss, a->eval.test_acc, b->eval.test_acc);
    }
}

/* ---- The single run, with its final parameters ------------------------------------------------
 * lr_train keeps its parameters to itself; the problem's evaluate sees them at every row, and the
 * last row is made at the final point. A wrapper problem keeps a copy. */

typedef struct spy {
    const lr_problem *inner;
    float *last;
} spy;

static void spy_init(void *ctx, uint64_t seed, float *params)
{
    const spy *s = ctx;
    s->inner->init_params(s->inner->ctx, seed, params);
}

static double spy_loss_grad(void *ctx, const lr_kernels *k, const float *params,
                            const size_t *idx, size_t batch, float *grad)
{
    const spy *s = ctx;
    return s->inner->loss_grad(s->inner->ctx, k, params, idx, batch, grad);
}

static void spy_evaluate(void *ctx, const lr_kernels *k, const float *params, lr_eval *out)
{
    spy *s = ctx;
    memcpy(s->last, params, s->inner->dim * sizeof(float));
    s->inner->evaluate(s->inner->ctx, k, params, out);
}

/* A lane's settings; the test keeps a second rate source state for the single run. */
typedef struct lane_case {
    lr_optim_config opt;
    double lr;
    bool plateau;
    lr_plateau plateau_state[2]; /* [0] the lane's, [1] the single run's */
    row_log rows[2];
    float *params[2];
} lane_case;

static lr_rate_source rates_of(lane_case *c, int which)
{
    if (c->plateau)
        return (lr_rate_source){lr_rate_plateau, lr_rate_plateau_metric, &c->plateau_state[which]};
    return (lr_rate_source){lr_rate_constant, NULL, &c->lr};
}

static void case_init(lane_case *c, lr_optim_kind kind, double lr, size_t dim)
{
    memset(c, 0, sizeof *c);
    c->opt = lr_optim_defaults(kind);
    c->opt.lr = c->lr = lr;
    c->params[0] = calloc(dim, sizeof(float));
    c->params[1] = calloc(dim, sizeof(float));
    cr_assert(c->params[0] && c->params[1]);
}

static void case_plateau(lane_case *c)
{
    lr_schedule s = lr_schedule_defaults(LR_SCHED_PLATEAU);
    s.lr = c->lr;
    s.patience = 0;
    s.factor = 0.5;
    s.threshold = 0.05; /* so the rate falls within a few epochs */
    lr_config_error err;
    cr_assert_eq(lr_schedule_validate(&s, &err), 0, "%s", err.message);
    c->plateau = true;
    lr_plateau_init(&c->plateau_state[0], &s);
    lr_plateau_init(&c->plateau_state[1], &s);
}

static void case_free(lane_case *c)
{
    free(c->params[0]);
    free(c->params[1]);
}

/* Runs the cases as lanes of one batched run, then each alone through lr_train on the AVX2
 * table. */
static void run_both(const lr_problem *p, const lr_dataset *ds, double l2,
                     const lr_train_config *tc, lane_case *cases, size_t k)
{
    lr_lane lanes[LR_LANES_MAX];
    for (size_t i = 0; i < k; i++) {
        lr_config_error err;
        cr_assert_eq(lr_optim_validate(&cases[i].opt, &err), 0, "%s", err.message);
        lanes[i] = (lr_lane){.opt = cases[i].opt, .rates = rates_of(&cases[i], 0),
                             .hooks = {.sink = keep, .sink_ctx = &cases[i].rows[0]},
                             .final_params = cases[i].params[0]};
    }
    cr_assert_eq(lr_lanes_train_softmax(p, ds, l2, tc, lanes, k), 0);
    for (size_t i = 0; i < k; i++) {
        spy s = {p, cases[i].params[1]};
        lr_problem wrapped = {.name = p->name, .dim = p->dim, .n_train = p->n_train, .ctx = &s,
                              .init_params = spy_init, .loss_grad = spy_loss_grad,
                              .evaluate = spy_evaluate};
        lr_rate_source rs = rates_of(&cases[i], 1);
        lr_train_hooks hooks = {.sink = keep, .sink_ctx = &cases[i].rows[1]};
        cr_assert_eq(lr_train(&wrapped, &cases[i].opt, &rs, tc, &lr_kernels_avx2, &hooks), 0);
        cr_assert_eq(lanes[i].rc, 0);
        cr_assert_eq(lanes[i].diverged, cases[i].rows[1].row[cases[i].rows[1].n - 1].diverged);
    }
}

/* Every lane equals its single run: rows and final parameters, bit for bit. */
static void assert_lanes_equal_singles(const lr_problem *p, lane_case *cases, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        assert_same_rows(&cases[i].rows[0], &cases[i].rows[1], i);
        size_t differ = 0, first = 0;
        for (size_t j = 0; j < p->dim; j++)
            if (memcmp(&cases[i].params[0][j], &cases[i].params[1][j], sizeof(float)) != 0 &&
                differ++ == 0)
                first = j;
        cr_assert_eq(differ, 0, "lane %zu: %zu parameters differ, first [%zu] %.9g vs %.9g", i,
                     differ, first, cases[i].params[0][first], cases[i].params[1][first]);
    }
}

/* K lanes with log-spaced rates between lo and hi, optimizers taken in turn from kinds[]. */
static void check_k(size_t k, const lr_optim_kind *kinds, size_t nkinds, double lo, double hi,
                    double l2, const lr_train_config *tc, size_t ntrain, bool with_plateau)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    lr_dataset ds;
    load_subset(&ds, ntrain, 300);
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_fmnist_softmax(&p, &ds, l2, err, sizeof err), 0, "%s", err);
    lane_case *cases = calloc(k, sizeof *cases);
    cr_assert(cases);
    for (size_t i = 0; i < k; i++) {
        double t = k > 1 ? (double)i / (double)(k - 1) : 0.0;
        case_init(&cases[i], kinds[i % nkinds], lo * pow(hi / lo, t), p.dim);
        if (cases[i].opt.kind == LR_OPT_SGD)
            cases[i].opt.momentum = i % 2 ? 0.9 : 0.0;
        if (with_plateau && i == 1)
            case_plateau(&cases[i]);
    }
    run_both(&p, &ds, l2, tc, cases, k);
    assert_lanes_equal_singles(&p, cases, k);
    for (size_t i = 0; i < k; i++)
        cr_assert_eq(cases[i].rows[0].row[cases[i].rows[0].n - 1].diverged, false,
                     "lane %zu diverged: the rates of this test are meant to train", i);
    for (size_t i = 0; i < k; i++)
        case_free(&cases[i]);
    free(cases);
    lr_problem_free(&p);
    lr_dataset_free(&ds);
}

Test(lanes, one_lane_is_the_single_run)
{
    const lr_optim_kind kinds[] = {LR_OPT_SGD};
    lr_train_config tc = {.epochs = 2, .batch_size = 64, .seed = 7};
    check_k(1, kinds, 1, 0.05, 0.05, 0.0, &tc, 650, false);
}

/* Batches of 300 are two chunks (256 + 44): the wide weight gradient accumulates across them.
 * log_every 3 puts rows inside epochs. */
Test(lanes, three_lanes_two_chunk_batches_and_rows_every_three_steps)
{
    const lr_optim_kind kinds[] = {LR_OPT_ADAM};
    lr_train_config tc = {.epochs = 2, .batch_size = 300, .seed = 3, .log_every = 3};
    check_k(3, kinds, 1, 1e-4, 1e-2, 1e-3, &tc, 700, false);
}

/* Eight lanes of mixed optimizers, a plateau schedule fed its own lane's loss, L2 on the weights. */
Test(lanes, eight_lanes_mixed_optimizers_with_l2_and_a_plateau)
{
    const lr_optim_kind kinds[] = {LR_OPT_SGD, LR_OPT_ADAM, LR_OPT_RMSPROP, LR_OPT_ADAGRAD,
                                   LR_OPT_ADAMW};
    lr_train_config tc = {.epochs = 3, .batch_size = 50, .seed = 11};
    check_k(8, kinds, 5, 1e-4, 3e-2, 1e-4, &tc, 520, true);
}

/* Sixteen lanes, the most one pass takes; a step cap ends the run inside the second epoch. */
Test(lanes, sixteen_lanes_with_a_step_cap)
{
    const lr_optim_kind kinds[] = {LR_OPT_SGD, LR_OPT_ADAM};
    lr_train_config tc = {.epochs = 2, .steps = 13, .batch_size = 40, .seed = 5};
    check_k(16, kinds, 2, 1e-4, 1e-1, 0.0, &tc, 400, false);
}

/* ---- Lanes that stop ------------------------------------------------------------------------ */

/* Lane 1 diverges inside the first epoch (SGD at 1e38 overflows the weights in its first step),
 * lane 3's sink stops it after two rows. The others are bitwise what they are in a run without
 * lanes 1 and 3, and every lane (the stopped ones too) equals its single run. log_every 0: the
 * second batch loss is non-finite (no step taken); log_every 1: the row after step 1 finds the
 * held-out loss non-finite. */
static void diverging_lane_stops_alone(long log_every)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    lr_dataset ds;
    load_subset(&ds, 600, 300);
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_fmnist_softmax(&p, &ds, 0.0, err, sizeof err), 0, "%s", err);
    lr_train_config tc = {.epochs = 2, .batch_size = 64, .seed = 9, .log_every = log_every};
    const double rates[5] = {0.01, 1e38, 0.1, 0.03, 0.05};
    lane_case with[5], without[3];
    for (size_t i = 0; i < 5; i++)
        case_init(&with[i], LR_OPT_SGD, rates[i], p.dim);
    with[3].rows[0].stop_after = 2;
    with[3].rows[1].stop_after = 2;
    const size_t kept[3] = {0, 2, 4};
    for (size_t i = 0; i < 3; i++)
        case_init(&without[i], LR_OPT_SGD, rates[kept[i]], p.dim);

    lr_lane lanes[5];
    for (size_t i = 0; i < 5; i++)
        lanes[i] = (lr_lane){.opt = with[i].opt, .rates = rates_of(&with[i], 0),
                             .hooks = {.sink = keep, .sink_ctx = &with[i].rows[0]},
                             .final_params = with[i].params[0]};
    cr_assert_eq(lr_lanes_train_softmax(&p, &ds, 0.0, &tc, lanes, 5), 0);
    const row_log *div = &with[1].rows[0];
    cr_assert(lanes[1].diverged && div->row[div->n - 1].diverged);
    cr_assert(div->row[div->n - 1].epoch == 0 && lanes[1].steps > 0 && lanes[1].steps < 10,
              "lane 1 should diverge early in epoch 0 (epoch %ld, %ld steps)",
              div->row[div->n - 1].epoch, lanes[1].steps);
    cr_assert_eq(lanes[3].rc, -5);
    cr_assert_eq(with[3].rows[0].n, 2);

    lr_lane alone[3];
    for (size_t i = 0; i < 3; i++)
        alone[i] = (lr_lane){.opt = without[i].opt, .rates = rates_of(&without[i], 0),
                             .hooks = {.sink = keep, .sink_ctx = &without[i].rows[0]},
                             .final_params = without[i].params[0]};
    cr_assert_eq(lr_lanes_train_softmax(&p, &ds, 0.0, &tc, alone, 3), 0);
    for (size_t i = 0; i < 3; i++) {
        /* the rows[1] slot of `with` is free until the single runs below: compare first */
        assert_same_rows(&with[kept[i]].rows[0], &without[i].rows[0], kept[i]);
        cr_assert_eq(memcmp(with[kept[i]].params[0], without[i].params[0], p.dim * sizeof(float)),
                     0, "lane %zu's parameters changed when lanes 1 and 3 were added", kept[i]);
        cr_assert_eq(lanes[kept[i]].steps, alone[i].steps);
    }

    /* And each of the five against lr_train alone. */
    for (size_t i = 0; i < 5; i++) {
        spy s = {&p, with[i].params[1]};
        lr_problem wrapped = {.name = p.name, .dim = p.dim, .n_train = p.n_train, .ctx = &s,
                              .init_params = spy_init, .loss_grad = spy_loss_grad,
                              .evaluate = spy_evaluate};
        lr_rate_source rs = rates_of(&with[i], 1);
        lr_train_hooks hooks = {.sink = keep, .sink_ctx = &with[i].rows[1]};
        int rc = lr_train(&wrapped, &with[i].opt, &rs, &tc, &lr_kernels_avx2, &hooks);
        cr_assert_eq(rc, i == 3 ? -5 : 0);
    }
    assert_lanes_equal_singles(&p, with, 5);
    for (size_t i = 0; i < 5; i++)
        case_free(&with[i]);
    for (size_t i = 0; i < 3; i++)
        case_free(&without[i]);
    lr_problem_free(&p);
    lr_dataset_free(&ds);
}

Test(lanes, a_lane_whose_batch_loss_diverges_stops_alone)
{
    diverging_lane_stops_alone(0);
}

Test(lanes, a_lane_whose_held_out_loss_diverges_stops_alone)
{
    diverging_lane_stops_alone(1);
}

Test(lanes, refuses_what_it_does_not_do)
{
    lr_dataset ds;
    load_subset(&ds, 100, 50);
    lr_problem p;
    char err[256];
    cr_assert_eq(lr_problem_fmnist_softmax(&p, &ds, 0.0, err, sizeof err), 0, "%s", err);
    lr_train_config tc = {.epochs = 1, .batch_size = 10};
    lr_lane lanes[LR_LANES_MAX + 1];
    for (size_t i = 0; i <= LR_LANES_MAX; i++) {
        lanes[i] = (lr_lane){.opt = lr_optim_defaults(LR_OPT_ADAM)};
        lanes[i].rates = (lr_rate_source){lr_rate_constant, NULL, &lanes[i].opt.lr};
    }
    cr_assert_eq(lr_lanes_train_softmax(&p, &ds, 0.0, &tc, lanes, 0), -2);
    cr_assert_eq(lr_lanes_train_softmax(&p, &ds, 0.0, &tc, lanes, LR_LANES_MAX + 1), -2);
    size_t subset[3] = {0, 1, 2};
    lr_train_config folds = tc;
    folds.train_idx = subset;
    folds.n_train_idx = 3;
    cr_assert_eq(lr_lanes_train_softmax(&p, &ds, 0.0, &folds, lanes, 2), -2);
    lr_problem mlp;
    size_t hidden = 4;
    cr_assert_eq(lr_problem_fmnist_mlp(&mlp, &ds, &hidden, 1, 0.0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(lr_lanes_train_softmax(&mlp, &ds, 0.0, &tc, lanes, 2), -2);
    lr_problem_free(&mlp);
    lr_problem_free(&p);
    lr_dataset_free(&ds);
}
