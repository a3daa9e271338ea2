/* C07-C16 conformance: `lrlab schedule` reproduces the rates and momenta PyTorch 1.13 wrote
 * (tests/golden/schedule/index.txt, from scripts/golden_schedules.py) and Keras' PolynomialDecay
 * formula evaluated exactly (index_keras.txt, from scripts/golden_keras_poly.py: TensorFlow is not
 * available) within rtol 1e-9, row for row. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define GOLDEN_DIR LRLAB_ROOT "/tests/golden/schedule"
#define RTOL 1e-9

enum { MAX_ARGS = 64 };

typedef struct golden_case {
    char name[128], source[32];
    char *flags; /* malloc'ed, split in place into argv */
    const char *argv[MAX_ARGS];
} golden_case;

/* One index line: name<TAB>source<TAB>flags separated by spaces. Returns false at the end. */
static bool next_case(FILE *f, golden_case *c)
{
    char *line = NULL;
    size_t cap = 0;
    for (;;) {
        if (getline(&line, &cap, f) < 0) {
            free(line);
            return false;
        }
        if (line[0] != '#' && line[0] != '\n')
            break;
    }
    line[strcspn(line, "\n")] = '\0';
    char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    cr_assert(tab1 && tab2, "bad index line: %s", line);
    *tab1 = *tab2 = '\0';
    snprintf(c->name, sizeof c->name, "%s", line);
    snprintf(c->source, sizeof c->source, "%s", tab1 + 1);
    c->flags = strdup(tab2 + 1);
    free(line);
    size_t n = 0;
    c->argv[n++] = "schedule";
    for (char *tok = strtok(c->flags, " "); tok; tok = strtok(NULL, " ")) {
        cr_assert_lt(n, MAX_ARGS - 1);
        c->argv[n++] = tok;
    }
    c->argv[n] = NULL;
    return true;
}

/* Compares CSV text `got` with the golden file, cell by cell; returns the rows compared. */
static size_t compare_csv(const char *name, const char *got, const char *want)
{
    const char *g = got, *w = want;
    size_t hg = strcspn(g, "\n"), hw = strcspn(w, "\n");
    cr_assert(hg == hw && strncmp(g, w, hg) == 0, "%s: header '%.*s' != '%.*s'", name, (int)hg, g,
              (int)hw, w);
    g += hg + 1, w += hw + 1;
    size_t rows = 0;
    while (*w) {
        cr_assert(*g, "%s: %zu rows, golden has more", name, rows);
        for (int col = 0;; col++) {
            char *ge, *we;
            double gv = strtod(g, &ge), wv = strtod(w, &we);
            cr_assert(ge != g && we != w, "%s: row %zu col %d unreadable", name, rows, col);
            if (col == 0)
                cr_assert_eq(gv, wv, "%s: row %zu is step %g, golden step %g", name, rows, gv, wv);
            else
                cr_assert(fabs(gv - wv) <= RTOL * fabs(wv), "%s: step %zu column %d: lrlab %.17g, "
                          "golden %.17g (rel. error %.3g > 1e-9)", name, rows, col, gv, wv,
                          fabs(gv - wv) / fabs(wv));
            cr_assert_eq(*ge, *we, "%s: row %zu: different number of columns", name, rows);
            g = ge + 1, w = we + 1;
            if (*we == '\n' || *we == '\0')
                break;
        }
        rows++;
    }
    cr_assert(*g == '\0', "%s: lrlab printed more rows than the golden %zu", name, rows);
    return rows;
}

typedef struct golden_totals {
    size_t cases, rows, torch;
} golden_totals;

/* Runs every case of one index file. */
static void run_index(const char *index_path, const char *writer, golden_totals *tot)
{
    FILE *index = fopen(index_path, "r");
    cr_assert_not_null(index, "missing %s (%s writes it)", index_path, writer);
    golden_case c;
    size_t cases = 0, rows = 0, torch = 0;
    while (next_case(index, &c)) {
        lr_cmd_result r = run_lrlab(c.argv, NULL);
        cr_assert_eq(r.status, 0, "%s: exit %d: %s", c.name, r.status, r.err);
        char path[512];
        snprintf(path, sizeof path, GOLDEN_DIR "/%s.csv", c.name);
        char *want = slurp(path);
        cr_assert_not_null(want, "missing %s", path);
        rows += compare_csv(c.name, r.out, want);
        cases++;
        torch += strcmp(c.source, "torch") == 0;
        free(want);
        free(c.flags);
        cmd_result_free(&r);
    }
    fclose(index);
    tot->cases += cases, tot->rows += rows, tot->torch += torch;
}

Test(schedule_golden, cli_reproduces_pytorch)
{
    golden_totals tot = {0, 0, 0};
    run_index(GOLDEN_DIR "/index.txt", "scripts/golden_schedules.py", &tot);
    cr_assert_geq(tot.torch, 60, "at least 60 PyTorch configurations, found %zu", tot.torch);
    cr_log_info("%zu golden cases (%zu from PyTorch's own schedulers), %zu rows within rtol 1e-9",
                tot.cases, tot.torch, tot.rows);
}

Test(schedule_golden, cli_reproduces_keras_polynomial_decay)
{
    golden_totals tot = {0, 0, 0};
    run_index(GOLDEN_DIR "/index_keras.txt", "scripts/golden_keras_poly.py", &tot);
    cr_assert_geq(tot.cases, 10, "at least 10 Keras PolynomialDecay configurations, found %zu", tot.cases);
    cr_log_info("%zu Keras PolynomialDecay cases, %zu rows within rtol 1e-9", tot.cases, tot.rows);
}

/* Every schedule name has golden data (the conformance test cannot skip one silently). */
Test(schedule_golden, every_schedule_is_covered)
{
    const char *names[] = {"constant", "step", "multistep", "exponential", "polynomial", "linear",
                           "inverse-time", "cosine", "cosine-restarts", "cyclic", "onecycle", "plateau"};
    char *index = slurp(GOLDEN_DIR "/index.txt");
    cr_assert_not_null(index);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "--name %s ", names[i]);
        cr_assert_not_null(strstr(index, needle), "no golden case for %s", names[i]);
    }
    cr_assert_not_null(strstr(index, "--warmup-steps"));
    cr_assert_not_null(strstr(index, "--cycle-momentum"));
    free(index);
    char *keras = slurp(GOLDEN_DIR "/index_keras.txt");
    cr_assert_not_null(keras);
    const char *needles[] = {"--name polynomial ", "--decay-steps", "--end-learning-rate", "--cycle",
                             "--warmup-steps", "--power 0.5", "--power 2"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        cr_assert_not_null(strstr(keras, needles[i]), "index_keras.txt has no case with %s", needles[i]);
    free(keras);
}
