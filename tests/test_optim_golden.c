/* C01-C06 conformance: `lrlab replay` reproduces PyTorch 1.13's own trajectories (tests/golden/optim/,
 * written by scripts/golden_torch.py) with the reference and the AVX2 kernels, and the two print the
 * same bytes. Owns the golden-file reader and the conformance tolerance. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/csv.h"
#include "lrlab/kernels.h"

#define GOLDEN_DIR LRLAB_ROOT "/tests/golden/optim"

/* PyTorch's fp32 tolerance, as the issue states it: relative 1e-5 measured against the largest
 * |p| this coordinate has had so far (so a coordinate crossing zero is not judged by its tiny
 * current value), absolute 1e-6. Non-finite values must match exactly and do not enter the max. */
enum { MAX_REPORTS_PER_RUN = 5 };
static const double golden_atol = 1e-6, golden_rtol = 1e-5;

static double golden_bound(double running_max)
{
    return golden_atol + golden_rtol * running_max;
}

static bool golden_agree(double ours, double torch, double running_max)
{
    if (isnan(torch) || isnan(ours))
        return isnan(torch) && isnan(ours);
    if (isinf(torch) || isinf(ours))
        return ours == torch;
    return fabs(ours - torch) <= golden_bound(running_max);
}

/* ---- Reading the golden files ------------------------------------------------------------------ */

typedef struct golden_grid {
    size_t rows, cols;
    double *v; /* row-major */
} golden_grid;

static void grid_free(golden_grid *g)
{
    free(g->v);
    memset(g, 0, sizeof *g);
}

/* Reads every row of a headerless numeric CSV; all rows must have the same width. Returns 0, or -1
 * with `why` set. */
static int grid_read(FILE *f, const char *name, golden_grid *g, char *why, size_t whylen)
{
    lr_csv_reader r;
    lr_csv_init(&r, f, name);
    memset(g, 0, sizeof *g);
    size_t cap = 0;
    int got;
    while ((got = lr_csv_next(&r)) > 0) {
        if (g->rows == 0)
            g->cols = r.ncells;
        if (r.ncells != g->cols) {
            snprintf(why, whylen, "%s:%ld: %zu values, row 1 has %zu", name, r.lineno, r.ncells,
                     g->cols);
            got = -2;
            break;
        }
        if ((g->rows + 1) * g->cols > cap) {
            cap = 2 * (g->rows + 1) * g->cols;
            g->v = realloc(g->v, cap * sizeof *g->v);
            cr_assert_not_null(g->v);
        }
        memcpy(g->v + g->rows * g->cols, r.row, g->cols * sizeof *g->v);
        g->rows++;
    }
    if (got == -1)
        snprintf(why, whylen, "%s", r.error);
    lr_csv_free(&r);
    if (got < 0)
        grid_free(g);
    return got < 0 ? -1 : 0;
}

static int grid_read_file(const char *path, golden_grid *g, char *why, size_t whylen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, whylen, "cannot open %s", path);
        return -1;
    }
    int rc = grid_read(f, path, g, why, whylen);
    fclose(f);
    return rc;
}

static int grid_read_text(const char *text, const char *name, golden_grid *g, char *why,
                          size_t whylen)
{
    if (!*text) { /* fmemopen may refuse an empty buffer */
        memset(g, 0, sizeof *g);
        return 0;
    }
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    int rc = grid_read(f, name, g, why, whylen);
    fclose(f);
    return rc;
}

/* One line of cases.tsv: the case name and its lrlab replay flags, split into words. */
typedef struct golden_case {
    char *name;
    char **flags; /* NULL-terminated */
    size_t nflags;
} golden_case;

typedef struct golden_index {
    golden_case *cases;
    size_t count;
} golden_index;

/* The flags are plain words separated by single spaces (the generator writes no quoting). */
static char **split_words(const char *s, size_t *count)
{
    size_t cap = 8, n = 0;
    char **words = malloc(cap * sizeof *words);
    cr_assert_not_null(words);
    while (*s) {
        while (*s == ' ')
            s++;
        size_t len = strcspn(s, " ");
        if (!len)
            break;
        if (n + 2 > cap)
            words = realloc(words, (cap *= 2) * sizeof *words);
        cr_assert_not_null(words);
        words[n++] = strndup(s, len);
        s += len;
    }
    words[n] = NULL;
    *count = n;
    return words;
}

static golden_index index_load(void)
{
    const char *path = GOLDEN_DIR "/cases.tsv";
    char *text = slurp(path);
    cr_assert_not_null(text, "cannot read %s (run scripts/golden_torch.py)", path);
    golden_index ix = {0};
    size_t cap = 0, lineno = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *tab = strchr(line, '\t');
        cr_assert_not_null(tab, "%s:%zu: expected NAME<tab>FLAGS", path, lineno);
        *tab = '\0';
        if (ix.count == cap)
            ix.cases = realloc(ix.cases, (cap = cap ? 2 * cap : 64) * sizeof *ix.cases);
        cr_assert_not_null(ix.cases);
        golden_case *c = &ix.cases[ix.count++];
        c->name = strdup(line);
        c->flags = split_words(tab + 1, &c->nflags);
    }
    free(text);
    return ix;
}

static void index_free(golden_index *ix)
{
    for (size_t i = 0; i < ix->count; i++) {
        free(ix->cases[i].name);
        for (size_t k = 0; k < ix->cases[i].nflags; k++)
            free(ix->cases[i].flags[k]);
        free(ix->cases[i].flags);
    }
    free(ix->cases);
    memset(ix, 0, sizeof *ix);
}

static const char *case_flag_value(const golden_case *c, const char *flag)
{
    for (size_t k = 0; k + 1 < c->nflags; k++)
        if (strcmp(c->flags[k], flag) == 0)
            return c->flags[k + 1];
    return NULL;
}

static bool case_has_flag(const golden_case *c, const char *flag)
{
    for (size_t k = 0; k < c->nflags; k++)
        if (strcmp(c->flags[k], flag) == 0)
            return true;
    return false;
}

static char *case_path(const golden_case *c, const char *suffix)
{
    size_t len = strlen(GOLDEN_DIR) + strlen(c->name) + strlen(suffix) + 2;
    char *p = malloc(len);
    cr_assert_not_null(p);
    snprintf(p, len, "%s/%s%s", GOLDEN_DIR, c->name, suffix);
    return p;
}

/* ---- Running replay and comparing --------------------------------------------------------------- */

/* `lrlab replay FLAGS --impl IMPL --input NAME.in.csv`; the output on success, NULL after logging. */
static char *replay_case(const golden_case *c, const char *impl, const char *in_path)
{
    const char **argv = calloc(c->nflags + 6, sizeof *argv);
    cr_assert_not_null(argv);
    size_t a = 0;
    argv[a++] = "replay";
    for (size_t k = 0; k < c->nflags; k++)
        argv[a++] = c->flags[k];
    argv[a++] = "--impl";
    argv[a++] = impl;
    argv[a++] = "--input";
    argv[a++] = in_path;
    argv[a] = NULL;
    lr_cmd_result r = run_lrlab(argv, NULL);
    free(argv);
    char *out = NULL;
    if (r.status != 0)
        cr_log_error("%s (--impl %s): lrlab replay exited with %d: %s", c->name, impl, r.status,
                     r.err);
    else
        out = strdup(r.out);
    cmd_result_free(&r);
    return out;
}

/* Compares one replay output with torch's trajectory; logs the first few misses. Returns the
 * number of cells out of tolerance (or 1 for a shape mismatch). */
static size_t compare_run(const golden_case *c, const char *impl, const golden_grid *in,
                          const golden_grid *torch, const char *out)
{
    golden_grid ours;
    char why[320];
    if (grid_read_text(out, "replay output", &ours, why, sizeof why) != 0) {
        cr_log_error("%s (--impl %s): unreadable output: %s", c->name, impl, why);
        return 1;
    }
    if (ours.rows != torch->rows || (ours.rows && ours.cols != torch->cols)) {
        cr_log_error("%s (--impl %s): %zu rows of %zu values, torch has %zu rows of %zu", c->name,
                     impl, ours.rows, ours.cols, torch->rows, torch->cols);
        grid_free(&ours);
        return 1;
    }
    size_t n = torch->cols, misses = 0;
    double *running_max = calloc(n ? n : 1, sizeof *running_max);
    cr_assert_not_null(running_max);
    for (size_t j = 0; j < n; j++)
        running_max[j] = isfinite(in->v[j]) ? fabs(in->v[j]) : 0.0;
    for (size_t t = 0; t < torch->rows; t++) {
        for (size_t j = 0; j < n; j++) {
            double want = torch->v[t * n + j], got = ours.v[t * n + j];
            if (isfinite(want) && fabs(want) > running_max[j])
                running_max[j] = fabs(want);
            if (golden_agree(got, want, running_max[j]))
                continue;
            if (++misses <= MAX_REPORTS_PER_RUN)
                cr_log_error("%s (--impl %s): step %zu, p[%zu]: lrlab %.9g, torch %.9g, "
                             "|diff| %.3g, bound %.3g",
                             c->name, impl, t + 1, j, got, want, fabs(got - want),
                             golden_bound(running_max[j]));
        }
    }
    if (misses > MAX_REPORTS_PER_RUN)
        cr_log_error("%s (--impl %s): %zu cells out of tolerance in all", c->name, impl, misses);
    free(running_max);
    grid_free(&ours);
    return misses;
}

/* The first line where two outputs differ, 1-based; 0 when they are equal. */
static size_t first_differing_line(const char *a, const char *b)
{
    size_t line = 1;
    for (; *a && *a == *b; a++, b++)
        line += *a == '\n';
    return *a == *b ? 0 : line;
}

/* Checks one case with every implementation this CPU has. Returns the number of problems. */
static size_t check_case(const golden_case *c, bool have_avx2)
{
    char *in_path = case_path(c, ".in.csv"), *out_path = case_path(c, ".out.csv");
    golden_grid in, torch;
    char why[320];
    cr_assert_eq(grid_read_file(in_path, &in, why, sizeof why), 0, "%s", why);
    cr_assert_eq(grid_read_file(out_path, &torch, why, sizeof why), 0, "%s", why);
    cr_assert(in.rows == torch.rows + 1 && in.cols == torch.cols && in.cols > 0,
              "%s: %zu input rows of %zu, %zu torch rows of %zu", c->name, in.rows, in.cols,
              torch.rows, torch.cols);
    const char *impls[] = {"reference", "avx2"};
    char *outs[2] = {NULL, NULL};
    size_t problems = 0;
    for (int k = 0; k < (have_avx2 ? 2 : 1); k++) {
        outs[k] = replay_case(c, impls[k], in_path);
        problems += outs[k] ? compare_run(c, impls[k], &in, &torch, outs[k]) : 1;
    }
    if (outs[0] && outs[1]) {
        size_t line = first_differing_line(outs[0], outs[1]);
        if (line) {
            cr_log_error("%s: --impl reference and --impl avx2 differ first in output line %zu",
                         c->name, line);
            problems++;
        }
    }
    free(outs[0]);
    free(outs[1]);
    grid_free(&in);
    grid_free(&torch);
    free(in_path);
    free(out_path);
    return problems;
}

static void check_optimizer(const char *optimizer)
{
    golden_index ix = index_load();
    bool have_avx2 = lr_cpu_has_avx2_fma();
    if (!have_avx2)
        cr_log_warn("this CPU lacks AVX2+FMA: only --impl reference is checked");
    size_t cases = 0, failed = 0;
    for (size_t i = 0; i < ix.count; i++) {
        const char *opt = case_flag_value(&ix.cases[i], "--optimizer");
        if (!opt || strcmp(opt, optimizer) != 0)
            continue;
        cases++;
        if (check_case(&ix.cases[i], have_avx2))
            failed++;
    }
    index_free(&ix);
    cr_assert_gt(cases, 0, "no golden case for %s in %s/cases.tsv", optimizer, GOLDEN_DIR);
    cr_assert_eq(failed, 0, "%zu of %zu %s cases disagree with PyTorch 1.13 (details above)",
                 failed, cases, optimizer);
}

Test(optim_golden, sgd)
{
    check_optimizer("sgd");
}

Test(optim_golden, adagrad)
{
    check_optimizer("adagrad");
}

Test(optim_golden, rmsprop)
{
    check_optimizer("rmsprop");
}

Test(optim_golden, adam)
{
    check_optimizer("adam");
}

Test(optim_golden, adamw)
{
    check_optimizer("adamw");
}

/* ---- The data cover what the issue asks for --------------------------------------------------- */

static bool any_case(const golden_index *ix, const char *optimizer, const char *flag)
{
    for (size_t i = 0; i < ix->count; i++) {
        const char *opt = case_flag_value(&ix->cases[i], "--optimizer");
        if (opt && strcmp(opt, optimizer) == 0 && case_has_flag(&ix->cases[i], flag))
            return true;
    }
    return false;
}

/* Every flag of every optimizer is exercised somewhere, and AdamW's default decay is used as a
 * default (no --weight-decay given), so a gap in the generated matrix fails here, not silently. */
Test(optim_golden, matrix_covers_every_flag)
{
    static const struct {
        const char *optimizer, *flags[8];
    } want[] = {
        {"sgd", {"--momentum", "--dampening", "--nesterov", "--weight-decay", "--maximize"}},
        {"adagrad", {"--lr-decay", "--initial-accumulator-value", "--eps", "--weight-decay",
                     "--maximize"}},
        {"rmsprop", {"--alpha", "--eps", "--weight-decay", "--momentum", "--centered",
                     "--maximize"}},
        {"adam", {"--beta1", "--beta2", "--eps", "--weight-decay", "--amsgrad", "--maximize"}},
        {"adamw", {"--beta1", "--beta2", "--eps", "--weight-decay", "--amsgrad", "--maximize"}},
    };
    golden_index ix = index_load();
    for (size_t o = 0; o < sizeof want / sizeof want[0]; o++)
        for (size_t f = 0; want[o].flags[f]; f++)
            cr_expect(any_case(&ix, want[o].optimizer, want[o].flags[f]),
                      "no golden %s case uses %s", want[o].optimizer, want[o].flags[f]);
    bool adamw_default_decay = false;
    for (size_t i = 0; i < ix.count; i++) {
        const char *opt = case_flag_value(&ix.cases[i], "--optimizer");
        if (opt && strcmp(opt, "adamw") == 0 && !case_has_flag(&ix.cases[i], "--weight-decay"))
            adamw_default_decay = true;
    }
    cr_expect(adamw_default_decay, "no golden adamw case relies on the default weight_decay");
    index_free(&ix);
}

/* Some trajectories must contain NaN and infinities, or the exact-match rule is never tested. */
Test(optim_golden, data_hold_nan_and_infinities)
{
    golden_index ix = index_load();
    size_t nan_cells = 0, inf_cells = 0;
    for (size_t i = 0; i < ix.count; i++) {
        char *path = case_path(&ix.cases[i], ".out.csv"), why[320];
        golden_grid g;
        cr_assert_eq(grid_read_file(path, &g, why, sizeof why), 0, "%s", why);
        for (size_t k = 0; k < g.rows * g.cols; k++) {
            nan_cells += isnan(g.v[k]) != 0;
            inf_cells += isinf(g.v[k]) != 0;
        }
        grid_free(&g);
        free(path);
    }
    index_free(&ix);
    cr_expect_gt(nan_cells, 0, "no NaN in any golden trajectory");
    cr_expect_gt(inf_cells, 0, "no infinity in any golden trajectory");
}
