/* lrlab train --schedule (C07-C16 inside the training loop): every schedule's lr_now per row equals
 * lrlab schedule's rate for the same flags at that row's step, warmup, ReduceLROnPlateau fed once
 * per epoch (per step in full batch) with patience obeyed, OneCycleLR's end, and the flag rules. */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/objective.h"
#include "lrlab/train.h"

/* ---- A CSV with a header, split into cells ------------------------------------------------- */

enum { MAX_COLS = 16, MAX_ROWS = 1100 };

typedef struct table {
    char *text;
    char *head[MAX_COLS];
    char *cell[MAX_ROWS][MAX_COLS];
    int ncols, nrows;
} table;

/* Splits `csv` (copied) into rows and cells; every row must have the header's width. */
static table *table_parse(const char *csv)
{
    table *t = calloc(1, sizeof *t);
    cr_assert_not_null(t);
    t->text = strdup(csv);
    char *line = t->text;
    for (int r = -1; *line; r++) {
        char *end = strchr(line, '\n');
        cr_assert_not_null(end, "unterminated line: %s", line);
        *end = '\0';
        cr_assert_lt(r, MAX_ROWS);
        char **cells = r < 0 ? t->head : t->cell[r];
        int c = 0;
        for (char *p = line;; c++) {
            cr_assert_lt(c, MAX_COLS);
            cells[c] = p;
            char *comma = strchr(p, ',');
            if (!comma)
                break;
            *comma = '\0';
            p = comma + 1;
        }
        if (r < 0)
            t->ncols = c + 1;
        else
            cr_assert_eq(c + 1, t->ncols, "row %d has %d cells, the header %d", r, c + 1, t->ncols);
        t->nrows = r + 1;
        line = end + 1;
    }
    return t;
}

static void table_free(table *t)
{
    free(t->text);
    free(t);
}

static int col(const table *t, const char *name)
{
    for (int c = 0; c < t->ncols; c++)
        if (strcmp(t->head[c], name) == 0)
            return c;
    cr_assert_fail("no column %s", name);
    return -1;
}

static double num(const table *t, int row, const char *name)
{
    return strtod(t->cell[row][col(t, name)], NULL);
}

/* ---- Running the two commands ---------------------------------------------------------------- */

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* argv = cmd, then each list in turn (NULL-terminated lists). */
static lr_cmd_result run_joined(const char *cmd, const char *const *a, const char *const *b)
{
    const char *argv[96] = {cmd};
    size_t n = 1;
    for (const char *const *l = a; l && *l; l++)
        argv[n++] = *l;
    for (const char *const *l = b; l && *l; l++)
        argv[n++] = *l;
    cr_assert_lt(n, 96);
    argv[n] = NULL;
    return run_lrlab(argv, NULL);
}

static table *train_table(const char *const *run, const char *const *sched)
{
    lr_cmd_result r = run_joined("train", run, sched);
    cr_assert_eq(r.status, 0, "train failed: %s", r.err);
    table *t = table_parse(r.out);
    cmd_result_free(&r);
    return t;
}

/* lrlab schedule's rates for rows 0..steps-1 (the `lr` column). */
static double *schedule_rates(const char *const *sched, long steps)
{
    char n[32];
    snprintf(n, sizeof n, "%ld", steps);
    lr_cmd_result r = run_joined("schedule", sched, ARGS("--steps", n));
    cr_assert_eq(r.status, 0, "schedule failed: %s", r.err);
    table *t = table_parse(r.out);
    cr_assert_eq(t->nrows, steps);
    double *lr = malloc((size_t)steps * sizeof *lr);
    for (long i = 0; i < steps; i++) {
        cr_assert_eq(num(t, (int)i, "step"), (double)i);
        lr[i] = num(t, (int)i, "lr");
    }
    table_free(t);
    cmd_result_free(&r);
    return lr;
}

/* Every row's lr_now is the schedule's rate at the row's step, as train prints it (%.10g). */
static void expect_rows_follow(const table *t, const double *rates, long nrates, const char *name)
{
    for (int i = 0; i < t->nrows; i++) {
        long step = (long)num(t, i, "step");
        cr_assert_lt(step, nrates);
        char want[64];
        snprintf(want, sizeof want, "%.10g", rates[step]);
        cr_assert_str_eq(t->cell[i][col(t, "lr_now")], want, "%s: row %d (step %ld)", name, i, step);
        cr_assert_str_eq(t->cell[i][col(t, "schedule")], name);
        cr_assert_str_eq(t->cell[i][col(t, "diverged")], "0", "%s: row %d diverged", name, i);
    }
}

/* The schedule flags shared by both commands; lrlab schedule also gets --lr BASE. */
typedef struct sched_case {
    const char *name;
    const char *flags[16];
} sched_case;

static const sched_case closed_cases[] = {
    {"constant", {"--factor", "0.5", "--total-iters", "4"}},
    {"step", {"--step-size", "3", "--gamma", "0.5"}},
    {"multistep", {"--milestones", "2,5,5", "--gamma", "0.5"}},
    {"exponential", {"--gamma", "0.9"}},
    {"exponential", {"--gamma", "0.5", "--decay-steps", "4", "--staircase"}},
    {"polynomial", {"--total-iters", "10", "--power", "2"}},
    {"polynomial", {"--decay-steps", "6", "--end-learning-rate", "0.02", "--power", "0.5", "--cycle"}},
    {"polynomial", {"--decay-steps", "4.5", "--warmup-steps", "3"}},
    {"linear", {"--start-factor", "0.25", "--end-factor", "0.75", "--total-iters", "8"}},
    {"inverse-time", {"--decay-steps", "3", "--decay-rate", "0.5", "--staircase"}},
    {"cosine", {"--t-max", "7", "--eta-min", "0.01"}},
    {"cosine-restarts", {"--t-0", "3", "--t-mult", "2", "--eta-min", "0.001"}},
    {"cyclic", {"--base-lr", "0.05", "--max-lr", "0.5", "--step-size-up", "3", "--mode", "triangular2"}},
    {"cyclic", {"--base-lr", "0.05", "--max-lr", "0.5", "--step-size-up", "2", "--step-size-down", "4",
                "--mode", "exp_range", "--gamma", "0.9"}},
    {"onecycle", {"--max-lr", "0.5", "--total-steps", "20"}}, /* 20 steps: the last defined rate */
    {"onecycle", {"--max-lr", "0.5", "--total-steps", "30", "--three-phase", "--anneal-strategy", "linear"}},
    {"cosine", {"--t-max", "10", "--warmup-steps", "5", "--warmup-start-factor", "0.1"}},
    {"step", {"--step-size", "4", "--warmup-steps", "3"}},
    {"onecycle", {"--max-lr", "0.5", "--total-steps", "16", "--warmup-steps", "4"}},
    {"cyclic", {"--base-lr", "0.05", "--max-lr", "0.5", "--step-size-up", "3", "--warmup-steps", "6"}},
};

/* Full batch: rows are steps 0..20, and row t's lr_now is lrlab schedule's row t. */
Test(train_schedule, every_closed_form_on_the_quadratic_matches_lrlab_schedule)
{
    for (size_t i = 0; i < sizeof closed_cases / sizeof closed_cases[0]; i++) {
        const sched_case *c = &closed_cases[i];
        const char *const run[] = {"--problem", "quadratic", "--dim", "4", "--optimizer", "sgd", "--lr", "0.1",
                                   "--steps", "20", "--schedule", c->name, NULL};
        const char *const sched[] = {"--name", c->name, "--lr", "0.1", NULL};
        table *t = train_table(run, c->flags);
        cr_assert_eq(t->nrows, 21, "case %zu", i);
        const char *argv[32];
        size_t n = 0;
        for (const char *const *s = sched; *s; s++)
            argv[n++] = *s;
        for (const char *const *f = c->flags; *f; f++)
            argv[n++] = *f;
        argv[n] = NULL;
        double *rates = schedule_rates(argv, 21);
        for (int r = 0; r < t->nrows; r++)
            cr_assert_eq(num(t, r, "step"), r, "case %zu", i);
        expect_rows_follow(t, rates, 21, c->name);
        cr_assert_str_eq(t->cell[0][col(t, "lr")], "0.1", "the lr column is the optimizer's --lr");
        free(rates);
        table_free(t);
    }
}

/* Minibatch: 100 samples in batches of 8 = 13 steps an epoch, 4 epochs = 52 steps; rows per epoch
 * and every 5 steps (plus the end) land on steps whose rate lrlab schedule gives at that row. */
Test(train_schedule, minibatch_rows_carry_the_rate_of_their_step)
{
    const char *const cos[] = {"--t-max", "40", "--eta-min", "0.001", "--warmup-steps", "7", NULL};
    for (int thin = 0; thin < 2; thin++) {
        const char *const run[] = {"--problem", "linreg", "--samples", "100", "--optimizer", "adam",
                                   "--lr", "0.05", "--epochs", "4", "--batch-size", "8", "--schedule",
                                   "cosine", thin ? "--log-every" : NULL, "5", NULL};
        table *t = train_table(run, cos);
        cr_assert_eq(t->nrows, thin ? 1 + 10 + 1 : 5, "steps 0,5,..,50,52 or epochs 0..4");
        cr_assert_eq(num(t, t->nrows - 1, "step"), 52);
        if (!thin)
            for (int e = 0; e <= 4; e++)
                cr_assert_eq(num(t, e, "step"), 13 * e);
        double *rates = schedule_rates(ARGS("--name", "cosine", "--lr", "0.05", "--t-max", "40", "--eta-min",
                                            "0.001", "--warmup-steps", "7"), 53);
        expect_rows_follow(t, rates, 53, "cosine");
        free(rates);
        table_free(t);
    }
}

/* Without --lr, the base rate is the optimizer's default (PyTorch's initial_lr): adam's 1e-3. */
Test(train_schedule, base_rate_is_the_optimizers_default_lr)
{
    table *t = train_table(ARGS("--problem", "quadratic", "--optimizer", "adam", "--steps", "12", "--schedule",
                                "exponential"),
                           ARGS("--gamma", "0.8"));
    double *rates = schedule_rates(ARGS("--name", "exponential", "--lr", "0.001", "--gamma", "0.8"), 13);
    expect_rows_follow(t, rates, 13, "exponential");
    cr_assert_str_eq(t->cell[0][col(t, "lr")], "0.001");
    free(rates);
    table_free(t);
}

/* The rate a row shows is the rate its next step uses. On f(x) = x^2/2 a step at rate h multiplies
 * the loss by (1 - h)^2, so each row's lr_now can be read back from the next row's loss. */
Test(train_schedule, the_rate_a_row_shows_is_the_rate_of_the_next_step)
{
    table *t = train_table(ARGS("--problem", "quadratic", "--dim", "1", "--mu", "1", "--L", "1", "--optimizer",
                                "sgd", "--lr", "0.5", "--steps", "12", "--schedule", "cosine"),
                           ARGS("--t-max", "6", "--warmup-steps", "3"));
    cr_assert_eq(t->nrows, 13);
    for (int r = 0; r + 1 < t->nrows; r++) {
        double h = num(t, r, "lr_now"), ratio = num(t, r + 1, "train_loss") / num(t, r, "train_loss");
        /* float parameters: the ratio is good to a few float ULPs */
        cr_assert_float_eq(ratio, (1 - h) * (1 - h), 1e-6, "row %d: lr_now %.9g, loss ratio %.9g", r, h, ratio);
    }
    table_free(t);
    t = train_table(ARGS("--problem", "quadratic", "--optimizer", "sgd", "--lr", "0.05", "--steps", "3"), NULL);
    cr_assert_str_eq(t->cell[0][col(t, "schedule")], "constant", "no --schedule: the constant --lr");
    table_free(t);
}

/* ---- ReduceLROnPlateau ------------------------------------------------------------------------ */

/* lrlab schedule --name plateau fed `metric` of rows 1..n-1: its rows must be the rows' lr_now. */
static void expect_plateau_replay(const table *t, const char *metric, const char *const *flags)
{
    char *dir = make_temp_dir(), path[512];
    snprintf(path, sizeof path, "%s/metrics.txt", dir);
    size_t cap = (size_t)t->nrows * 32 + 1, len = 0;
    char *text = malloc(cap);
    text[0] = '\0';
    for (int r = 1; r < t->nrows; r++)
        len += (size_t)snprintf(text + len, cap - len, "%s\n", t->cell[r][col(t, metric)]);
    cr_assert_eq(write_text(path, text), 0);
    lr_cmd_result s = run_joined("schedule", flags, ARGS("--name", "plateau", "--metrics", path));
    cr_assert_eq(s.status, 0, "%s", s.err);
    table *p = table_parse(s.out);
    cr_assert_eq(p->nrows, t->nrows);
    for (int r = 0; r < t->nrows; r++) {
        char want[64];
        snprintf(want, sizeof want, "%.10g", num(p, r, "lr"));
        cr_assert_str_eq(t->cell[r][col(t, "lr_now")], want, "row %d", r);
    }
    table_free(p);
    cmd_result_free(&s);
    free(text);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* PyTorch's rule with cooldown 0 and a relative threshold, written out: a reduction happens exactly
 * at the epoch that makes patience + 1 bad epochs in a row (counted since the last improvement or
 * reduction), and multiplies the rate by factor. Returns the reductions seen. */
static int expect_patience(const table *t, long patience, double threshold, double factor)
{
    double best = INFINITY;
    long bad = 0;
    int reductions = 0;
    for (int r = 1; r < t->nrows; r++) {
        double m = num(t, r, "test_loss"), prev = num(t, r - 1, "lr_now"), now = num(t, r, "lr_now");
        if (m < best * (1.0 - threshold)) {
            best = m;
            bad = 0;
        } else {
            bad++;
        }
        if (bad > patience) {
            cr_assert_float_eq(now, prev * factor, 1e-9 * prev, "epoch %d: %ld bad epochs, rate %g -> %g", r,
                               bad, prev, now);
            bad = 0;
            reductions++;
        } else {
            cr_assert_eq(now, prev, "epoch %d: only %ld bad epochs, yet the rate moved %g -> %g", r, bad,
                         prev, now);
        }
    }
    return reductions;
}

/* Noisy labels and a large rate: the held-out loss stalls and wobbles, so the plateau rule fires. */
Test(train_schedule, plateau_reduces_on_a_stalled_linreg_run_after_patience)
{
    const char *const run[] = {"--problem", "linreg", "--samples", "200", "--noise", "1", "--optimizer", "sgd",
                               "--lr", "0.3", "--batch-size", "8", "--epochs", "30", "--schedule", "plateau",
                               NULL};
    table *t = train_table(run, ARGS("--patience", "2", "--factor", "0.5"));
    cr_assert_eq(t->nrows, 31);
    int reductions = expect_patience(t, 2, 1e-4, 0.5);
    cr_assert_geq(reductions, 3, "a stalled run should see several reductions, saw %d", reductions);
    cr_assert_lt(num(t, 30, "lr_now"), 0.3 / 4);
    expect_plateau_replay(t, "test_loss", ARGS("--lr", "0.3", "--patience", "2", "--factor", "0.5"));
    table_free(t);

    /* More patience than epochs: the same stalled run keeps its rate. */
    t = train_table(run, ARGS("--patience", "40", "--factor", "0.5"));
    cr_assert_eq(expect_patience(t, 40, 1e-4, 0.5), 0);
    for (int r = 0; r < t->nrows; r++)
        cr_assert_str_eq(t->cell[r][col(t, "lr_now")], "0.3");
    table_free(t);

    /* min_lr, cooldown and an absolute threshold are ReduceLROnPlateau's too: the replay agrees. */
    t = train_table(run, ARGS("--patience", "1", "--cooldown", "2", "--min-lr", "0.05", "--threshold", "0.01",
                              "--threshold-mode", "abs"));
    expect_plateau_replay(t, "test_loss", ARGS("--lr", "0.3", "--patience", "1", "--cooldown", "2", "--min-lr",
                                               "0.05", "--threshold", "0.01", "--threshold-mode", "abs"));
    cr_assert_str_eq(t->cell[30][col(t, "lr_now")], "0.05", "floored at min_lr");
    table_free(t);
}

/* Full batch: each step is an epoch and the metric is the objective at the new point (train_loss of
 * the same row). A 50% relative threshold makes most steps "bad", so the rate falls step by step. */
Test(train_schedule, plateau_in_full_batch_is_fed_the_objective_every_step)
{
    for (int thin = 0; thin < 2; thin++) {
        const char *const run[] = {"--problem", "quadratic", "--dim", "8", "--optimizer", "sgd", "--lr", "0.5",
                                   "--steps", "40", "--schedule", "plateau", NULL};
        table *t = train_table(run, ARGS("--patience", "3", "--threshold", "0.5"));
        cr_assert_eq(t->nrows, 41);
        cr_assert_lt(num(t, 40, "lr_now"), 0.5 * 0.1, "at least one reduction");
        expect_plateau_replay(t, "train_loss", ARGS("--lr", "0.5", "--patience", "3", "--threshold", "0.5"));
        if (thin) {
            /* --log-every thins the rows, not the metrics: rows 0,10,..,40 are the same as above */
            table *s = train_table(run, ARGS("--patience", "3", "--threshold", "0.5", "--log-every", "10"));
            cr_assert_eq(s->nrows, 5);
            for (int r = 0; r < 5; r++) {
                cr_assert_str_eq(s->cell[r][col(s, "lr_now")], t->cell[10 * r][col(t, "lr_now")]);
                cr_assert_str_eq(s->cell[r][col(s, "train_loss")], t->cell[10 * r][col(t, "train_loss")]);
            }
            table_free(s);
        }
        table_free(t);
    }
}

/* --eps is the optimizer's, --plateau-eps ReduceLROnPlateau's. */
Test(train_schedule, eps_is_the_optimizers_and_plateau_eps_the_schedules)
{
    /* threshold 0.99: every step after the first is bad; patience 0: every bad step reduces */
    const char *const run[] = {"--problem", "quadratic", "--dim", "8", "--optimizer", "adam", "--lr", "0.01",
                               "--steps", "8", "--schedule", "plateau", "--patience", "0", "--threshold",
                               "0.99", NULL};
    table *a = train_table(run, NULL);
    table *b = train_table(run, ARGS("--plateau-eps", "0.001")); /* 0.01 -> 0.001 is a step of 9e-3: taken; */
    table *c = train_table(run, ARGS("--plateau-eps", "0.01"));  /* ... but not one of 0.01 or more */
    table *d = train_table(run, ARGS("--eps", "0.5"));
    cr_assert_str_eq(a->cell[1][col(a, "lr_now")], "0.01", "the first metric is an improvement");
    cr_assert_str_eq(a->cell[2][col(a, "lr_now")], "0.001");
    cr_assert_str_eq(a->cell[3][col(a, "lr_now")], "0.0001");
    cr_assert_str_eq(b->cell[2][col(b, "lr_now")], "0.001");
    cr_assert_str_eq(b->cell[3][col(b, "lr_now")], "0.001", "a decay of 9e-4 < eps 1e-3 is ignored");
    for (int r = 0; r < c->nrows; r++)
        cr_assert_str_eq(c->cell[r][col(c, "lr_now")], "0.01", "row %d", r);
    for (int r = 0; r < d->nrows; r++) {
        /* adam's eps changes the steps (and losses), not the schedule's decisions here */
        cr_assert_str_eq(d->cell[r][col(d, "lr_now")], a->cell[r][col(a, "lr_now")], "row %d", r);
        if (r > 0)
            cr_assert_str_neq(d->cell[r][col(d, "train_loss")], a->cell[r][col(a, "train_loss")], "row %d", r);
    }
    table_free(a);
    table_free(b);
    table_free(c);
    table_free(d);
}

/* ---- Refusals ---------------------------------------------------------------------------------- */

/* Runs `lrlab CMD ARGS --output DIR/out.csv`: exit 2, stderr naming `needle`, nothing written. */
static void expect_bad(const char *cmd, const char *needle, const char *const *args)
{
    char *dir = make_temp_dir(), out[512];
    snprintf(out, sizeof out, "%s/out.csv", dir);
    lr_cmd_result r = run_joined(cmd, args, ARGS("--output", out));
    cr_assert_eq(r.status, 2, "%s: exit %d, stderr: %s", needle, r.status, r.err);
    cr_assert_not_null(strstr(r.err, needle), "stderr does not name '%s': %s", needle, r.err);
    cr_assert_str_eq(r.out, "");
    char first[256] = "";
    cr_assert_eq(dir_leftovers(dir, NULL, first, sizeof first), 0, "%s: left %s behind", needle,
                 first);
    rmdir(dir);
    free(dir);
    cmd_result_free(&r);
}

#define BAD(needle, ...) expect_bad("train", needle, ARGS(__VA_ARGS__))
#define QUAD "--problem", "quadratic", "--dim", "4", "--optimizer", "sgd", "--lr", "0.1"

/* PyTorch's OneCycleLR raises once stepped past total_steps: a run of more steps is refused before
 * training; exactly total_steps is the last run allowed. */
Test(train_schedule, onecycle_past_total_steps_is_refused_up_front)
{
    BAD("the run takes 21 optimizer steps, and the rate after the last one asks for step 21 but OneCycleLR "
        "is defined for steps 0..total_steps=20",
        QUAD, "--steps", "21", "--schedule", "onecycle", "--max-lr", "1", "--total-steps", "20");
    BAD("raise --total-steps or shorten the run", QUAD, "--schedule", "onecycle", "--max-lr", "1", "--total-steps",
        "999"); /* the quadratic's default is 1000 steps */
    /* 100 samples in batches of 10, 3 epochs: 30 steps */
    BAD("the run takes 30 optimizer steps", "--problem", "linreg", "--samples", "100", "--batch-size", "10",
        "--epochs", "3", "--optimizer", "sgd", "--lr", "0.1", "--schedule", "onecycle", "--max-lr", "1",
        "--total-steps", "29");
    BAD("(steps of onecycle count from 5) asks for step 21", QUAD, "--steps", "26", "--schedule", "onecycle",
        "--max-lr", "1", "--total-steps", "20", "--warmup-steps", "5");
    BAD("--pct-start: leaves the last phase empty", QUAD, "--steps", "10", "--schedule", "onecycle", "--max-lr",
        "1", "--total-steps", "10", "--pct-start", "1");
    table *t = train_table(ARGS("--problem", "linreg", "--samples", "100", "--batch-size", "10", "--epochs", "3",
                                "--optimizer", "sgd", "--lr", "0.1", "--schedule", "onecycle"),
                           ARGS("--max-lr", "0.1", "--total-steps", "30"));
    cr_assert_eq(num(t, t->nrows - 1, "step"), 30);
    /* (the rate after step total_steps is PyTorch's, past its end: never used for a step) */
    double *rates = schedule_rates(ARGS("--name", "onecycle", "--max-lr", "0.1", "--total-steps", "30"), 31);
    expect_rows_follow(t, rates, 31, "onecycle");
    free(rates);
    table_free(t);
    t = train_table(ARGS("--problem", "linreg", "--samples", "100", "--batch-size", "10", "--epochs", "3",
                         "--steps", "29", "--optimizer", "sgd", "--lr", "0.1", "--schedule", "onecycle"),
                    ARGS("--max-lr", "0.1", "--total-steps", "29"));
    cr_assert_eq(num(t, t->nrows - 1, "step"), 29, "--steps caps a minibatch run, and the check counts it");
    table_free(t);
}

Test(train_schedule, flags_that_do_not_apply_are_errors_naming_the_schedule)
{
    BAD("--t-max does not apply to --schedule step", QUAD, "--schedule", "step", "--step-size", "2", "--t-max",
        "3");
    BAD("--plateau-eps does not apply to --schedule cosine", QUAD, "--schedule", "cosine", "--t-max", "3",
        "--plateau-eps", "0.1");
    BAD("--warmup-steps does not apply to --schedule plateau", QUAD, "--schedule", "plateau", "--warmup-steps",
        "3");
    BAD("--max-lr does not apply to --schedule exponential", QUAD, "--schedule", "exponential", "--gamma", "0.5",
        "--max-lr", "1");
    BAD("--gamma needs --schedule NAME", QUAD, "--gamma", "0.5");
    BAD("--warmup-steps needs --schedule NAME", QUAD, "--warmup-steps", "5");
    BAD("--gamma applies to --mode exp_range only", QUAD, "--schedule", "cyclic", "--base-lr", "0.1", "--max-lr",
        "1", "--gamma", "0.5");
    BAD("--warmup-start-factor needs --warmup-steps", QUAD, "--schedule", "exponential", "--gamma", "0.5",
        "--warmup-start-factor", "0.5");
    BAD("--t-max is required for --schedule cosine", QUAD, "--schedule", "cosine");
    BAD("--total-steps is required for --schedule onecycle", QUAD, "--schedule", "onecycle", "--max-lr", "1");
    BAD("--schedule: unknown schedule 'cosine-annealing'", QUAD, "--schedule", "cosine-annealing");
    BAD("--gamma: must be a finite number", QUAD, "--schedule", "step", "--step-size", "2", "--gamma", "inf");
    BAD("--plateau-eps: must be >= 0", QUAD, "--schedule", "plateau", "--plateau-eps", "-1");
    BAD("--eps does not apply to --optimizer sgd (ReduceLROnPlateau's eps is --plateau-eps", QUAD, "--schedule",
        "plateau", "--eps", "0.1");
    BAD("--eps does not apply to --optimizer sgd", QUAD, "--schedule", "cosine", "--t-max", "3", "--eps", "0.1");
    BAD("--lr: invalid learning rate: -1", "--problem", "quadratic", "--optimizer", "adam", "--lr", "-1", "--schedule",
        "step", "--step-size", "2");
    BAD("--lr: Invalid learning rate: inf", "--problem", "quadratic", "--optimizer", "adam", "--lr", "inf",
        "--schedule", "step", "--step-size", "2");
    /* sgd needs its --lr even when cyclic or onecycle sets the rates, as PyTorch's SGD does */
    BAD("--lr: a learning rate is required for sgd", "--problem", "quadratic", "--optimizer", "sgd", "--schedule",
        "cyclic", "--base-lr", "0.1", "--max-lr", "1");
    /* the schedule command's own flags are not train's */
    BAD("unknown option '--metrics'", QUAD, "--schedule", "plateau", "--metrics", "/dev/null");
    BAD("unknown option '--name'", QUAD, "--name", "cosine", "--t-max", "3");
    /* the optimizer's momentum is not cycled */
    BAD("--cycle-momentum: lrlab train does not cycle the optimizer's momentum", QUAD, "--schedule", "cyclic",
        "--base-lr", "0.1", "--max-lr", "1", "--cycle-momentum");
    BAD("--base-momentum: lrlab train does not cycle the optimizer's momentum", QUAD, "--schedule", "onecycle",
        "--max-lr", "1", "--total-steps", "1000", "--base-momentum", "0.8");
    BAD("--cycle-momentum does not apply to --schedule cosine", QUAD, "--schedule", "cosine", "--t-max", "3",
        "--cycle-momentum");
    BAD("--schedule cyclic: the run takes 2048 optimizer steps, and the rate after the last one reaches cycle 1025",
        QUAD, "--steps", "2048", "--schedule", "cyclic", "--base-lr", "0.1", "--max-lr", "1", "--step-size-up",
        "1", "--mode", "triangular2");
    expect_bad("find-lr", "--schedule does not apply to find-lr", ARGS("--problem", "linreg", "--optimizer", "adam",
                                                                       "--schedule", "cosine"));
}

/* Every flag of train appears once in its --help (a duplicate name would shadow the other). */
Test(train_schedule, help_names_each_flag_once)
{
    lr_cmd_result r = run_lrlab(ARGS("train", "--help"), NULL);
    cr_assert_eq(r.status, 0);
    const char *opts = strstr(r.out, "\nOptions:\n");
    cr_assert_not_null(opts);
    char names[128][40];
    int n = 0;
    for (const char *line = strchr(opts + 1, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        char name[40];
        cr_assert_eq(sscanf(line, " %39[^ \n,]", name), 1);
        for (int i = 0; i < n; i++)
            cr_assert_str_neq(names[i], name, "%s listed twice", name);
        cr_assert_lt(n, 128);
        strcpy(names[n++], name);
    }
    const char *want[] = {"--schedule", "--plateau-eps", "--eps", "--lr", "--steps", "--warmup-steps", "--t-max",
                          "--total-steps", "--cycle-momentum", "--decay-steps",
                          "--end-learning-rate", "--cycle"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int found = 0;
        for (int j = 0; j < n; j++)
            found |= strcmp(names[j], want[i]) == 0;
        cr_assert(found, "%s missing from train --help", want[i]);
    }
    cr_assert_not_null(strstr(r.out, "plateau"), "--help says how plateau is fed");
    cmd_result_free(&r);
}

/* ---- The loop itself: how many steps, and the full-batch metric ------------------------------- */

typedef struct metric_probe {
    double lr;
    long fed;
    double last;
} metric_probe;
static double probe_lr(void *ctx, long t)
{
    (void)t;
    return ((metric_probe *)ctx)->lr;
}
static void probe_metric(void *ctx, double m)
{
    metric_probe *p = ctx;
    p->fed++;
    p->last = m;
}
typedef struct last_rows {
    long n;
    double train_loss[64];
    long fed_before[64];
    metric_probe *probe;
} last_rows;
static int keep(void *ctx, const lr_train_row *row)
{
    last_rows *l = ctx;
    cr_assert_lt(l->n, 64);
    l->train_loss[l->n] = row->eval.train_loss;
    l->fed_before[l->n] = l->probe->fed;
    if (row->step > 0)
        cr_assert_eq(l->probe->last, row->eval.train_loss, "step %ld: the metric is this row's objective",
                     row->step);
    l->n++;
    return 0;
}

Test(train_schedule, full_batch_feeds_one_metric_per_step_before_the_row)
{
    lr_problem p;
    char err[128];
    cr_assert_eq(lr_problem_quadratic(&p, 5, 0.1, 1.0, false, 1, err, sizeof err), 0, "%s", err);
    lr_optim_config o = lr_optim_defaults(LR_OPT_SGD);
    o.lr = 0.5;
    metric_probe probe = {.lr = 0.5};
    lr_rate_source rates = {.lr_at = probe_lr, .on_metric = probe_metric, .ctx = &probe};
    last_rows rows = {.probe = &probe};
    lr_train_config tc = {.steps = 12, .log_every = 4};
    lr_train_hooks hooks = {.sink = keep, .sink_ctx = &rows};
    cr_assert_eq(lr_train(&p, &o, &rates, &tc, &lr_kernels_reference, &hooks), 0);
    cr_assert_eq(probe.fed, 12, "one metric per step even when rows are thinned");
    cr_assert_eq(rows.n, 4); /* steps 0, 4, 8, 12 */
    for (long i = 0; i < rows.n; i++)
        cr_assert_eq(rows.fed_before[i], 4 * i, "row %ld comes after its step's metric", i);
    lr_problem_free(&p);
}

Test(train_schedule, total_steps_counts_what_the_loop_runs)
{
    lr_problem full = {.n_train = 0}, mini = {.n_train = 100};
    cr_assert_eq(lr_train_total_steps(&full, &(lr_train_config){.steps = 17}), 17);
    cr_assert_eq(lr_train_total_steps(&mini, &(lr_train_config){.epochs = 3, .batch_size = 8}), 39);
    cr_assert_eq(lr_train_total_steps(&mini, &(lr_train_config){.epochs = 3, .batch_size = 8, .steps = 20}), 20);
    cr_assert_eq(lr_train_total_steps(&mini, &(lr_train_config){.epochs = 3, .batch_size = 8, .steps = 50}), 39);
    cr_assert_eq(lr_train_total_steps(&mini, &(lr_train_config){.epochs = LONG_MAX / 2, .batch_size = 8}),
                 LONG_MAX, "overflow saturates");
    cr_assert_eq(lr_train_total_steps(&mini, &(lr_train_config){.epochs = 0, .batch_size = 8}), 0);
}
