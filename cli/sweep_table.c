/* The table of lrlab sweep (C18, C19): a finished run's row made from the CSV lrlab train wrote for
 * it, the sweep file read back to resume and rewritten atomically, and the summary that chooses
 * the rate. The built-in sweep and the merge of planned runs both go through the train CSV text, so
 * they write the same bytes. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/train.h"
#include "sweep.h"

/* ---- Text ------------------------------------------------------------------------------------ */

typedef struct text_buf {
    char *s;
    size_t len, cap;
} text_buf;

static int put(text_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
    return 0;
}

/* Splits line (modified in place) at commas into a malloc'ed array of cells; *n gets the count. */
static char **split_cells(char *line, size_t *n)
{
    size_t count = 1;
    for (const char *c = line; *c; c++)
        count += *c == ',';
    char **cell = malloc(count * sizeof *cell);
    if (!cell)
        return NULL;
    size_t i = 0;
    cell[i++] = line;
    for (char *c = line; *c; c++)
        if (*c == ',') {
            *c = '\0';
            cell[i++] = c + 1;
        }
    *n = count;
    return cell;
}

static long find_cell(char *const *cell, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cell[i], name) == 0)
            return (long)i;
    return -1;
}

/* The train columns the sweep keeps in place; fold and val_loss move behind them. */
static bool moved(const char *name)
{
    return strcmp(name, "fold") == 0 || strcmp(name, "val_loss") == 0;
}

/* ---- The table ------------------------------------------------------------------------------- */

static int build_header(sweep_table *t, const char *train_header)
{
    char *copy = strdup(train_header);
    size_t n;
    char **cell = copy ? split_cells(copy, &n) : NULL;
    text_buf b = {0};
    int bad = !cell || put(&b, "run_id,run");
    for (size_t i = 0; !bad && i < n; i++)
        if (!moved(cell[i]))
            bad = put(&b, ",") || put(&b, cell[i]);
    bad = bad || put(&b, ",fold,val_loss,steps_to_target");
    for (size_t j = 0; !bad && j < t->spec->nvary; j++)
        bad = put(&b, ",") || put(&b, t->spec->vary[j].column);
    free(cell);
    free(copy);
    if (bad) {
        free(b.s);
        return -1;
    }
    t->header = b.s;
    return 0;
}

/* Column positions in the sweep header, found by name. */
static int locate_columns(sweep_table *t)
{
    char *copy = strdup(t->header);
    size_t n;
    char **cell = copy ? split_cells(copy, &n) : NULL;
    if (!cell) {
        free(copy);
        return -1;
    }
    long w = find_cell(cell, n, t->watched), d = find_cell(cell, n, "diverged");
    t->ncols = n;
    free(cell);
    free(copy);
    if (w < 0 || d < 0)
        return -2;
    t->watched_col = (size_t)w;
    t->diverged_col = (size_t)d;
    return 0;
}

int sweep_table_init(sweep_table *t, const sweep_plan *plan, const sweep_spec *spec,
                     const char *train_header, const char *watched, double target)
{
    memset(t, 0, sizeof *t);
    t->plan = plan;
    t->spec = spec;
    t->watched = watched;
    t->target = target;
    t->train_header = strdup(train_header);
    t->payload = calloc(plan->n ? plan->n : 1, sizeof *t->payload);
    if (!t->train_header || !t->payload || build_header(t, train_header) != 0)
        return LR_EXIT_FAILURE;
    return locate_columns(t) == 0 ? LR_EXIT_OK : LR_EXIT_FAILURE;
}

void sweep_table_free(sweep_table *t)
{
    for (size_t i = 0; t->payload && i < t->plan->n; i++)
        free(t->payload[i]);
    free(t->payload);
    free(t->train_header);
    free(t->header);
    memset(t, 0, sizeof *t);
}

static void store(sweep_table *t, size_t index, char *payload)
{
    if (!t->payload[index])
        t->finished++;
    free(t->payload[index]);
    t->payload[index] = payload;
}

/* ---- A row from a train CSV ------------------------------------------------------------------ */

/* The train CSV cut into lines (in place); NULL-terminated array. */
static char **split_lines(char *text, size_t *n)
{
    size_t count = 0;
    for (const char *c = text; *c; c++)
        count += *c == '\n';
    char **line = malloc((count + 1) * sizeof *line);
    if (!line)
        return NULL;
    size_t i = 0;
    for (char *c = text; *c; c = strchr(c, '\0') + 1) {
        char *nl = strchr(c, '\n');
        *nl = '\0';
        line[i++] = c;
    }
    line[i] = NULL;
    *n = i;
    return line;
}

/* The step of the first row whose watched loss is at or below the target ("" if none). */
static const char *steps_to_target(const sweep_table *t, char **line, size_t nlines, size_t ncols,
                                   long watched, long step)
{
    if (isnan(t->target))
        return "";
    for (size_t r = 1; r < nlines; r++) {
        size_t n;
        char *copy = strdup(line[r]);
        char **cell = copy ? split_cells(copy, &n) : NULL;
        bool hit = cell && n == ncols && cell[watched][0] && strtod(cell[watched], NULL) <= t->target;
        free(cell);
        free(copy);
        if (hit) {
            /* the step cell of line r, found again on the original text */
            const char *s = line[r];
            for (long c = 0; c < step; c++)
                s = strchr(s, ',') + 1;
            return s;
        }
    }
    return "";
}

/* The payload of a run: the last row's cells around the moved ones, then fold, val_loss,
 * steps_to_target and the drawn values. */
static char *make_payload(const sweep_table *t, const sweep_run *run, char **hcell, size_t ncols,
                          char **last, const char *target_step)
{
    text_buf b = {0};
    int bad = 0;
    bool first = true;
    for (size_t c = 0; c < ncols && !bad; c++)
        if (!moved(hcell[c])) {
            bad = (!first && put(&b, ",")) || put(&b, last[c]);
            first = false;
        }
    long f = find_cell(hcell, ncols, "fold"), v = find_cell(hcell, ncols, "val_loss");
    bad = bad || put(&b, ",") || put(&b, f >= 0 ? last[f] : "") || put(&b, ",") ||
          put(&b, v >= 0 ? last[v] : "") || put(&b, ",");
    size_t step_len = strcspn(target_step, ",");
    char step[32];
    snprintf(step, sizeof step, "%.*s", (int)(step_len < 31 ? step_len : 31), target_step);
    bad = bad || put(&b, step);
    for (size_t j = 0; j < t->spec->nvary && !bad; j++) {
        char num[40];
        snprintf(num, sizeof num, ",%.10g", run->vary[j]);
        bad = put(&b, num);
    }
    if (bad) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

int sweep_table_add_csv(sweep_table *t, const char *cmd, const sweep_run *run, const char *csv,
                        const char *what)
{
    size_t len = strlen(csv);
    if (len == 0 || csv[len - 1] != '\n') {
        lr_errorf(cmd, "%s: empty or cut short (no final newline)", what);
        return LR_EXIT_USAGE;
    }
    char *text = strdup(csv), *last_copy = NULL, *head_copy = NULL;
    size_t nlines = 0, ncols = 0, nlast = 0;
    char **line = text ? split_lines(text, &nlines) : NULL;
    char **hcell = NULL, **last = NULL, *payload = NULL;
    int rc = LR_EXIT_FAILURE;
    if (!line)
        goto out;
    if (strcmp(line[0], t->train_header) != 0 || nlines < 2) {
        lr_errorf(cmd, "%s: not a CSV of lrlab train for this sweep (%s)", what,
                  nlines < 2 ? "no rows" : "another header");
        rc = LR_EXIT_USAGE;
        goto out;
    }
    head_copy = strdup(line[0]);
    last_copy = strdup(line[nlines - 1]);
    if (!head_copy || !last_copy || !(hcell = split_cells(head_copy, &ncols)) ||
        !(last = split_cells(last_copy, &nlast)))
        goto out;
    if (nlast != ncols) {
        lr_errorf(cmd, "%s: its last row has %zu cells, the header %zu", what, nlast, ncols);
        rc = LR_EXIT_USAGE;
        goto out;
    }
    long watched = find_cell(hcell, ncols, t->watched), step = find_cell(hcell, ncols, "step");
    if (watched < 0 || step < 0) {
        lr_errorf(cmd, "%s: no %s or step column", what, t->watched);
        rc = LR_EXIT_USAGE;
        goto out;
    }
    const char *target_step = steps_to_target(t, line, nlines, ncols, watched, step);
    if (!(payload = make_payload(t, run, hcell, ncols, last, target_step)))
        goto out;
    store(t, run->index, payload);
    rc = LR_EXIT_OK;
out:
    if (rc == LR_EXIT_FAILURE)
        lr_errorf(cmd, "out of memory");
    free(hcell);
    free(last);
    free(head_copy);
    free(last_copy);
    free(line);
    free(text);
    return rc;
}

/* ---- The sweep file -------------------------------------------------------------------------- */

static char *read_file(const char *path, bool *missing)
{
    *missing = false;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *missing = errno == ENOENT;
        return NULL;
    }
    text_buf b = {0};
    char chunk[4096];
    size_t got;
    int bad = put(&b, "");
    while (!bad && (got = fread(chunk, 1, sizeof chunk - 1, f)) > 0) {
        chunk[got] = '\0';
        if (strlen(chunk) != got) { /* a NUL byte: not text */
            errno = EINVAL;
            bad = 1;
        } else {
            bad = put(&b, chunk);
        }
    }
    bad |= ferror(f);
    fclose(f);
    if (bad) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* One row of an existing sweep file. */
static int load_row(sweep_table *t, const char *cmd, const char *path, size_t lineno, char *row)
{
    char *copy = strdup(row);
    size_t n;
    char **cell = copy ? split_cells(copy, &n) : NULL;
    int rc = LR_EXIT_USAGE;
    if (!cell) {
        lr_errorf(cmd, "out of memory");
        rc = LR_EXIT_FAILURE;
    } else if (n != t->ncols) {
        lr_errorf(cmd, "%s: line %zu has %zu cells, the header %zu; not overwriting it", path,
                  lineno, n, t->ncols);
    } else {
        const sweep_run *run = sweep_plan_find(t->plan, cell[0]);
        if (!run)
            lr_errorf(cmd, "%s: line %zu: run_id '%s' is not a run of this sweep (other flags?); "
                           "not overwriting it", path, lineno, cell[0]);
        else if (t->payload[run->index])
            lr_errorf(cmd, "%s: line %zu: run_id %s appears twice; not overwriting it", path,
                      lineno, cell[0]);
        else {
            /* the payload starts after run_id and run; the run number comes from the plan */
            char *payload = strdup(strchr(strchr(row, ',') + 1, ',') + 1);
            if (!payload) {
                lr_errorf(cmd, "out of memory");
                rc = LR_EXIT_FAILURE;
            } else {
                store(t, run->index, payload);
                rc = LR_EXIT_OK;
            }
        }
    }
    free(cell);
    free(copy);
    return rc;
}

int sweep_table_load(sweep_table *t, const char *cmd, const char *path)
{
    bool missing;
    char *text = read_file(path, &missing);
    if (!text) {
        if (missing)
            return LR_EXIT_OK;
        lr_errorf(cmd, "cannot read '%s' to resume from it: %s", path, strerror(errno));
        return LR_EXIT_FAILURE;
    }
    size_t len = strlen(text), nlines;
    if (len == 0) {
        free(text);
        return LR_EXIT_OK;
    }
    int rc = LR_EXIT_USAGE;
    char **line = NULL;
    if (text[len - 1] != '\n') {
        lr_errorf(cmd, "%s: cut short (no final newline): not a file lrlab sweep wrote; not "
                       "overwriting it", path);
    } else if (!(line = split_lines(text, &nlines))) {
        lr_errorf(cmd, "out of memory");
        rc = LR_EXIT_FAILURE;
    } else if (strcmp(line[0], t->header) != 0) {
        lr_errorf(cmd, "%s: its header is not this sweep's (another problem, optimizer, --vary or "
                       "lrlab version?); not overwriting it", path);
    } else {
        rc = LR_EXIT_OK;
        for (size_t i = 1; i < nlines && rc == LR_EXIT_OK; i++)
            rc = load_row(t, cmd, path, i + 1, line[i]);
    }
    free(line);
    free(text);
    return rc;
}

/* doc:sweep-write */
int sweep_table_write(const sweep_table *t, const char *cmd, const char *path)
{
    lr_output out;
    int rc = lr_output_open(&out, cmd, path);
    if (rc != LR_EXIT_OK)
        return rc;
    fprintf(out.f, "%s\n", t->header);
    for (size_t i = 0; i < t->plan->n; i++)
        if (t->payload[i])
            fprintf(out.f, "%s,%zu,%s\n", t->plan->runs[i].id, i, t->payload[i]);
    return lr_output_commit(&out, cmd);
}
/* end */

/* ---- Scores and the summary ------------------------------------------------------------------ */

bool sweep_table_score(const sweep_table *t, size_t index, double *score, bool *diverged)
{
    const char *p = t->payload[index];
    if (!p)
        return false;
    /* payload cell k is sweep column k + 2 */
    const char *w = p, *d = p;
    for (size_t c = 2; c < t->watched_col; c++)
        w = strchr(w, ',') + 1;
    for (size_t c = 2; c < t->diverged_col; c++)
        d = strchr(d, ',') + 1;
    *score = (*w == ',' || *w == '\0') ? NAN : strtod(w, NULL);
    *diverged = d[0] == '1' && (d[1] == ',' || d[1] == '\0');
    return true;
}

void sweep_table_progress(const sweep_table *t, const sweep_run *run, size_t done, size_t ntodo,
                          double start)
{
    double score;
    bool diverged;
    sweep_table_score(t, run->index, &score, &diverged);
    fprintf(stderr, "sweep: %zu/%zu done (%.1f s): run %zu lr %.4g seed %ld", done, ntodo,
            lr_wall_seconds() - start, run->index, run->lr, run->seed);
    if (run->fold >= 0)
        fprintf(stderr, " fold %ld", run->fold);
    if (diverged)
        fprintf(stderr, ": diverged\n");
    else
        fprintf(stderr, ": %s %.6g\n", t->watched, score);
}

typedef struct point_stats {
    size_t finished, diverged, scored;
    double mean, std, min, max;
    bool eligible;
} point_stats;

/* doc:sweep-point-summary */
static point_stats point_summary(const sweep_table *t, size_t point)
{
    point_stats s = {.mean = NAN, .std = NAN, .min = NAN, .max = NAN};
    size_t first = point * t->plan->per_point;
    double sum = 0.0;
    for (size_t i = first; i < first + t->plan->per_point; i++) {
        double v;
        bool div;
        if (!sweep_table_score(t, i, &v, &div))
            continue;
        s.finished++;
        s.diverged += div;
        if (div || !isfinite(v))
            continue;
        s.min = s.scored ? fmin(s.min, v) : v;
        s.max = s.scored ? fmax(s.max, v) : v;
        sum += v;
        s.scored++;
    }
    if (s.scored) {
        s.mean = sum / (double)s.scored;
        double ss = 0.0;
        for (size_t i = first; i < first + t->plan->per_point; i++) {
            double v;
            bool div;
            if (sweep_table_score(t, i, &v, &div) && !div && isfinite(v))
                ss += (v - s.mean) * (v - s.mean);
        }
        if (s.scored > 1)
            s.std = sqrt(ss / (double)(s.scored - 1));
    }
    s.eligible = s.scored == t->plan->per_point;
    return s;
}
/* end */

/* doc:sweep-choice */
/* The rule (also in --help): the least mean score among points whose runs all finished, none
 * diverged and all scores are finite; a tie goes to the smaller rate, then to the earlier point. */
static long choose(const sweep_table *t, const point_stats *st)
{
    long best = -1;
    for (size_t p = 0; p < t->plan->points; p++) {
        if (!st[p].eligible)
            continue;
        if (best < 0 || st[p].mean < st[best].mean)
            best = (long)p;
        else if (st[p].mean == st[best].mean &&
                 t->plan->runs[p * t->plan->per_point].lr < t->plan->runs[best * t->plan->per_point].lr)
            best = (long)p;
    }
    return best;
}
/* end */

static void stat_cell(FILE *f, double v)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, "%.9g", v);
}

static void write_summary(FILE *f, const sweep_table *t, const point_stats *st, long chosen)
{
    fputs("point,lr", f);
    for (size_t j = 0; j < t->spec->nvary; j++)
        fprintf(f, ",%s", t->spec->vary[j].column);
    fputs(",runs,finished,diverged,metric,mean,std,min,max,chosen\n", f);
    for (size_t p = 0; p < t->plan->points; p++) {
        const sweep_run *r = &t->plan->runs[p * t->plan->per_point];
        fprintf(f, "%zu,%.10g", p, r->lr);
        for (size_t j = 0; j < t->spec->nvary; j++)
            fprintf(f, ",%.10g", r->vary[j]);
        fprintf(f, ",%zu,%zu,%zu,%s", t->plan->per_point, st[p].finished, st[p].diverged,
                t->watched);
        stat_cell(f, st[p].mean);
        stat_cell(f, st[p].std);
        stat_cell(f, st[p].min);
        stat_cell(f, st[p].max);
        fprintf(f, ",%d\n", (long)p == chosen);
    }
}

static void print_choice(const sweep_table *t, const char *cmd, const point_stats *st, long chosen)
{
    if (chosen < 0) {
        fprintf(stderr, "lrlab %s: no rate chosen: no point has all %zu of its runs finished "
                        "without diverging (%zu of %zu runs finished)\n", cmd, t->plan->per_point,
                t->finished, t->plan->n);
        return;
    }
    const sweep_run *r = &t->plan->runs[(size_t)chosen * t->plan->per_point];
    fprintf(stderr, "lrlab %s: chosen lr %.10g (point %ld", cmd, r->lr, chosen);
    for (size_t j = 0; j < t->spec->nvary; j++)
        fprintf(stderr, ", %s %.10g", t->spec->vary[j].column, r->vary[j]);
    fprintf(stderr, "): mean %s %.9g", t->watched, st[chosen].mean);
    if (!isnan(st[chosen].std))
        fprintf(stderr, ", std %.9g", st[chosen].std);
    fprintf(stderr, " over %zu run%s\n", st[chosen].scored, st[chosen].scored == 1 ? "" : "s");
}

int sweep_summary(const sweep_table *t, const char *cmd, const char *csv_path)
{
    point_stats *st = malloc((t->plan->points ? t->plan->points : 1) * sizeof *st);
    if (!st) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    for (size_t p = 0; p < t->plan->points; p++)
        st[p] = point_summary(t, p);
    long chosen = choose(t, st);
    print_choice(t, cmd, st, chosen);
    int rc = LR_EXIT_OK;
    if (csv_path) {
        lr_output out;
        rc = lr_output_open(&out, cmd, csv_path);
        if (rc == LR_EXIT_OK) {
            write_summary(out.f, t, st, chosen);
            rc = lr_output_commit(&out, cmd);
        }
    }
    free(st);
    return rc;
}
