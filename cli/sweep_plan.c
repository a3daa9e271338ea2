/* The plan of lrlab sweep (C18 grid and random search, C19 folds): parsing the search flags, the
 * runs in a fixed order with their canonical train arguments, run ids, shares and shell commands. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/select.h"
#include "lrlab/train.h"
#include "sweep.h"

/* ---- Flag texts ------------------------------------------------------------------------------ */

/* Splits text at ':' into at most max fields (copied into buf); returns the field count (0 when
 * the text does not fit, max + 1 when there are too many fields). */
static size_t split_fields(const char *text, char *buf, size_t buflen, char **field, size_t max)
{
    size_t len = strlen(text);
    if (len >= buflen)
        return 0;
    memcpy(buf, text, len + 1);
    size_t n = 0;
    char *s = buf;
    for (;;) {
        if (n == max)
            return max + 1; /* too many */
        field[n++] = s;
        char *colon = strchr(s, ':');
        if (!colon)
            return n;
        *colon = '\0';
        s = colon + 1;
    }
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return end != s && *end == '\0';
}

static bool parse_whole(const char *s, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return end != s && *end == '\0' && errno != ERANGE;
}

/* LO and HI of a range of rates: 0 < LO <= HI, both finite; equal ends only when allowed. */
static int check_rate_range(const char *cmd, const char *flag, double lo, double hi,
                            bool equal_ok)
{
    if (!(lo > 0.0) || !isfinite(lo)) {
        lr_errorf(cmd, "%s: LO must be a positive finite rate, got %g", flag, lo);
        return LR_EXIT_USAGE;
    }
    if (!isfinite(hi) || hi < lo) {
        lr_errorf(cmd, "%s: inverted range: HI (%g) must be a finite rate at or above LO (%g)",
                  flag, hi, lo);
        return LR_EXIT_USAGE;
    }
    if (hi == lo && !equal_ok) {
        lr_errorf(cmd, "%s: empty range: LO and HI are both %g", flag, lo);
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

int sweep_parse_grid(const char *cmd, const char *text, sweep_spec *spec)
{
    char buf[256], *f[3];
    double lo, hi;
    long count;
    if (split_fields(text, buf, sizeof buf, f, 3) != 3 || !parse_number(f[0], &lo) ||
        !parse_number(f[1], &hi) || !parse_whole(f[2], &count)) {
        lr_errorf(cmd, "--lr-grid: '%s' is not LO:HI:COUNT (e.g. 1e-4:1:9)", text);
        return LR_EXIT_USAGE;
    }
    if (count < 1 || count > SWEEP_MAX_RUNS) {
        lr_errorf(cmd, "--lr-grid: COUNT must be between 1 and %d, got %ld", SWEEP_MAX_RUNS, count);
        return LR_EXIT_USAGE;
    }
    if (check_rate_range(cmd, "--lr-grid", lo, hi, true) != LR_EXIT_OK)
        return LR_EXIT_USAGE;
    if (hi == lo && count > 1) {
        lr_errorf(cmd, "--lr-grid: empty range: LO and HI are both %g, so COUNT %ld would repeat "
                       "one rate (use COUNT 1)", lo, count);
        return LR_EXIT_USAGE;
    }
    spec->random = false;
    spec->lo = lo;
    spec->hi = hi;
    spec->count = count;
    return LR_EXIT_OK;
}

int sweep_parse_range(const char *cmd, const char *text, sweep_spec *spec)
{
    char buf[256], *f[2];
    double lo, hi;
    if (split_fields(text, buf, sizeof buf, f, 2) != 2 || !parse_number(f[0], &lo) ||
        !parse_number(f[1], &hi)) {
        lr_errorf(cmd, "--lr-range: '%s' is not LO:HI (e.g. 1e-5:1)", text);
        return LR_EXIT_USAGE;
    }
    if (check_rate_range(cmd, "--lr-range", lo, hi, false) != LR_EXIT_OK)
        return LR_EXIT_USAGE;
    spec->lo = lo;
    spec->hi = hi;
    return LR_EXIT_OK;
}

int sweep_parse_shard(const char *cmd, const char *text, sweep_spec *spec)
{
    char buf[64];
    size_t len = strlen(text);
    char *slash = NULL;
    if (len < sizeof buf) {
        memcpy(buf, text, len + 1);
        slash = strchr(buf, '/');
    }
    long i, n;
    if (!slash || (*slash = '\0', !parse_whole(buf, &i)) || !parse_whole(slash + 1, &n)) {
        lr_errorf(cmd, "--shard: '%s' is not I/N (e.g. 2/8: the second of 8 shares)", text);
        return LR_EXIT_USAGE;
    }
    if (n < 1 || i < 1 || i > n) {
        lr_errorf(cmd, "--shard %s: out of range: N must be at least 1 and I between 1 and N",
                  text);
        return LR_EXIT_USAGE;
    }
    spec->shard_i = i;
    spec->shard_n = n;
    return LR_EXIT_OK;
}

/* The optimizer flags that take a number, --lr excepted: what --vary may draw. */
static const lr_arg *varyable(const lr_arg *run_args, size_t nrun, const char *flag)
{
    const lr_arg *opt = run_args + nrun - LR_OPTIM_NFLAGS;
    for (size_t i = 0; i < LR_OPTIM_NFLAGS; i++)
        if (opt[i].kind == LR_ARG_DOUBLE && strcmp(opt[i].name, "--lr") != 0 &&
            strcmp(opt[i].name, flag) == 0)
            return &opt[i];
    return NULL;
}

static void list_varyable(const lr_arg *run_args, size_t nrun, char *out, size_t len)
{
    const lr_arg *opt = run_args + nrun - LR_OPTIM_NFLAGS;
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < LR_OPTIM_NFLAGS && used < len; i++)
        if (opt[i].kind == LR_ARG_DOUBLE && strcmp(opt[i].name, "--lr") != 0)
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "",
                                     opt[i].name + 2);
}

/* One NAME:LO:HI[:log|:uniform] item of --vary. */
static int parse_vary_item(const char *cmd, const char *item, const lr_arg *run_args, size_t nrun,
                           sweep_vary *v)
{
    char buf[256], *f[4];
    size_t n = split_fields(item, buf, sizeof buf, f, 4);
    if (n < 3 || n > 4 || !parse_number(f[1], &v->lo) || !parse_number(f[2], &v->hi) ||
        (n == 4 && strcmp(f[3], "log") != 0 && strcmp(f[3], "uniform") != 0)) {
        lr_errorf(cmd, "--vary: '%s' is not NAME:LO:HI or NAME:LO:HI:log (e.g. momentum:0.5:0.99)",
                  item);
        return LR_EXIT_USAGE;
    }
    v->log = n == 4 && strcmp(f[3], "log") == 0;
    char keyword[48];
    if (strlen(f[0]) >= sizeof keyword) {
        lr_errorf(cmd, "--vary: '%.40s...' is not an optimizer hyperparameter", f[0]);
        return LR_EXIT_USAGE;
    }
    memcpy(keyword, f[0], strlen(f[0]) + 1);
    for (char *c = keyword; *c; c++)
        if (*c == '-')
            *c = '_';
    lr_flag_from_keyword(keyword, v->flag, sizeof v->flag);
    memcpy(v->column, keyword, strlen(keyword) + 1);
    const lr_arg *a = varyable(run_args, nrun, v->flag);
    if (!a) {
        char names[256];
        list_varyable(run_args, nrun, names, sizeof names);
        lr_errorf(cmd, "--vary: '%s' is not an optimizer hyperparameter that takes a number "
                       "(choose %s)", f[0], names);
        return LR_EXIT_USAGE;
    }
    if (a->seen) {
        lr_errorf(cmd, "--vary %s: %s is given too; give it or vary it", item, a->name);
        return LR_EXIT_USAGE;
    }
    if (!isfinite(v->lo) || !isfinite(v->hi) || v->hi < v->lo) {
        lr_errorf(cmd, "--vary %s: inverted or non-finite range: need finite LO < HI", item);
        return LR_EXIT_USAGE;
    }
    if (v->hi == v->lo) {
        lr_errorf(cmd, "--vary %s: empty range: LO and HI are both %g", item, v->lo);
        return LR_EXIT_USAGE;
    }
    if (v->log && !(v->lo > 0.0)) {
        lr_errorf(cmd, "--vary %s: a log-uniform range needs LO > 0", item);
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

int sweep_parse_vary(const char *cmd, const char *text, const lr_arg *run_args, size_t nrun,
                     sweep_spec *spec)
{
    char buf[1024];
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof buf) {
        lr_errorf(cmd, "--vary: '%.40s' is empty or too long", text);
        return LR_EXIT_USAGE;
    }
    memcpy(buf, text, len + 1);
    spec->nvary = 0;
    for (char *item = buf, *next; item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (spec->nvary == SWEEP_MAX_VARY) {
            lr_errorf(cmd, "--vary: at most %d hyperparameters", SWEEP_MAX_VARY);
            return LR_EXIT_USAGE;
        }
        sweep_vary *v = &spec->vary[spec->nvary];
        if (parse_vary_item(cmd, item, run_args, nrun, v) != LR_EXIT_OK)
            return LR_EXIT_USAGE;
        for (size_t j = 0; j < spec->nvary; j++)
            if (strcmp(spec->vary[j].flag, v->flag) == 0) {
                lr_errorf(cmd, "--vary: %s appears twice", v->column);
                return LR_EXIT_USAGE;
            }
        spec->nvary++;
    }
    return LR_EXIT_OK;
}

/* ---- The plan -------------------------------------------------------------------------------- */

/* doc:sweep-streams */
/* The initial state of the stream that draws quantity `what` (0: the rate, j + 1: --vary item j)
 * for `point`: each draw has its own stream, so adding points or varied names keeps earlier draws. */
static uint64_t stream(uint64_t seed, uint64_t point, uint64_t what)
{
    uint64_t s = seed;
    uint64_t a = lr_splitmix64(&s) ^ (point * 0x9e3779b97f4a7c15ull);
    uint64_t b = lr_splitmix64(&a) ^ (what * 0xd1b54a32d192ed03ull);
    return lr_splitmix64(&b);
}
/* end */

/* The shortest %g text that reads back as exactly v, so a planned command reproduces the run. */
static void exact_text(char *buf, size_t len, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

typedef struct words {
    char **w;
    int n, cap;
} words;

static int push(words *ws, const char *s)
{
    if (ws->n + 1 >= ws->cap) {
        int cap = ws->cap ? 2 * ws->cap : 48;
        char **w = realloc(ws->w, (size_t)cap * sizeof *w);
        if (!w)
            return -1;
        ws->w = w;
        ws->cap = cap;
    }
    if (!(ws->w[ws->n] = strdup(s)))
        return -1;
    ws->w[++ws->n] = NULL;
    return 0;
}

static int push_number(words *ws, double v)
{
    char buf[40];
    exact_text(buf, sizeof buf, v);
    return push(ws, buf);
}

static int push_long(words *ws, long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    return push(ws, buf);
}

/* A flag as given to the sweep, its value in canonical text. */
static int push_given(words *ws, const lr_arg *a)
{
    if (push(ws, a->name) != 0)
        return -1;
    switch (a->kind) {
    case LR_ARG_DOUBLE:
        return push_number(ws, *(const double *)a->dest);
    case LR_ARG_LONG:
        return push_long(ws, *(const long *)a->dest);
    case LR_ARG_STRING:
        return push(ws, *(const char *const *)a->dest);
    case LR_ARG_FLAG:
        return 0;
    }
    return -1;
}

static int run_words(const sweep_spec *spec, const lr_arg *run_args, size_t nrun,
                     const sweep_run *run, words *ws)
{
    int bad = push(ws, "train");
    for (size_t i = 0; i < nrun && !bad; i++) {
        const lr_arg *a = &run_args[i];
        int vary = -1;
        for (size_t j = 0; j < spec->nvary; j++)
            if (strcmp(spec->vary[j].flag, a->name) == 0)
                vary = (int)j;
        if (strcmp(a->name, "--output") == 0)
            continue;
        if (strcmp(a->name, "--lr") == 0)
            bad = push(ws, a->name) || push_number(ws, run->lr);
        else if (strcmp(a->name, "--seed") == 0)
            bad = push(ws, a->name) || push_long(ws, run->seed);
        else if (vary >= 0)
            bad = push(ws, a->name) || push_number(ws, run->vary[vary]);
        else if (a->seen)
            bad = push_given(ws, a);
    }
    if (!bad && run->fold >= 0)
        bad = push(ws, "--folds") || push_long(ws, spec->folds) || push(ws, "--fold") ||
              push_long(ws, run->fold);
    return bad ? -1 : 0;
}

/* doc:sweep-run-id */
/* FNV-1a over the words, each ended by a NUL, then MurmurHash3's 64-bit finalizer so that runs
 * differing in one late character get unrelated ids: the same on every machine. */
static void run_id(const sweep_run *run, char out[17])
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < run->argc; i++) {
        const unsigned char *s = (const unsigned char *)run->argv[i];
        do {
            h ^= *s;
            h *= 0x100000001b3ull;
        } while (*s++);
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}
/* end */

/* by_id sorts run indices by id for lookups; qsort has no context argument, so compare ids. */
static int by_id_cmp(const void *a, const void *b)
{
    const sweep_run *x = *(const sweep_run *const *)a, *y = *(const sweep_run *const *)b;
    return strcmp(x->id, y->id);
}

/* doc:sweep-points */
static double *point_rates(const sweep_spec *spec)
{
    double *lr = malloc((size_t)spec->count * sizeof *lr);
    if (!lr)
        return NULL;
    if (!spec->random)
        lr_log_grid(spec->lo, spec->hi, (size_t)spec->count, lr);
    for (long p = 0; spec->random && p < spec->count; p++) {
        uint64_t st = stream(spec->search_seed, (uint64_t)p, 0);
        lr[p] = lr_log_uniform(&st, spec->lo, spec->hi);
    }
    return lr;
}

static void draw_varied(const sweep_spec *spec, size_t point, double *out)
{
    for (size_t j = 0; j < spec->nvary; j++) {
        const sweep_vary *v = &spec->vary[j];
        uint64_t st = stream(spec->search_seed, point, j + 1);
        out[j] = v->log ? lr_log_uniform(&st, v->lo, v->hi) : lr_uniform(&st, v->lo, v->hi);
    }
}
/* end */

int sweep_plan_build(const char *cmd, const sweep_spec *spec, const lr_arg *run_args, size_t nrun,
                     sweep_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    long folds = spec->folds >= 2 ? spec->folds : 1;
    if ((double)spec->count * (double)spec->seeds * (double)folds > SWEEP_MAX_RUNS) {
        lr_errorf(cmd, "%ld points x %ld seeds x %ld folds is more than %d runs", spec->count,
                  spec->seeds, folds, SWEEP_MAX_RUNS);
        return LR_EXIT_USAGE;
    }
    plan->points = (size_t)spec->count;
    plan->per_point = (size_t)(spec->seeds * folds);
    plan->n = plan->points * plan->per_point;
    plan->runs = calloc(plan->n, sizeof *plan->runs);
    plan->by_id = malloc(plan->n * sizeof *plan->by_id);
    double *lr = point_rates(spec);
    int rc = LR_EXIT_FAILURE;
    if (!plan->runs || !plan->by_id || !lr)
        goto out;
    /* doc:sweep-run-numbers */
    for (size_t i = 0; i < plan->n; i++) {
        sweep_run *r = &plan->runs[i];
        r->index = i;
        r->point = i / plan->per_point;
        r->seed = spec->base_seed + (long)(i % plan->per_point) / folds;
        r->fold = spec->folds >= 2 ? (long)(i % (size_t)folds) : -1;
        r->lr = lr[r->point];
        draw_varied(spec, r->point, r->vary);
        /* end */
        words ws = {0};
        if (run_words(spec, run_args, nrun, r, &ws) != 0) {
            for (int w = 0; w < ws.n; w++)
                free(ws.w[w]);
            free(ws.w);
            goto out;
        }
        r->argv = ws.w;
        r->argc = ws.n;
        run_id(r, r->id);
        plan->by_id[i] = r;
    }
    qsort(plan->by_id, plan->n, sizeof *plan->by_id, by_id_cmp);
    for (size_t i = 1; i < plan->n; i++)
        if (strcmp(plan->by_id[i - 1]->id, plan->by_id[i]->id) == 0) {
            lr_errorf(cmd, "runs %zu and %zu have the same id %s: their configurations coincide",
                      plan->by_id[i - 1]->index, plan->by_id[i]->index, plan->by_id[i]->id);
            rc = LR_EXIT_USAGE;
            goto out;
        }
    rc = LR_EXIT_OK;
out:
    free(lr);
    if (rc == LR_EXIT_FAILURE)
        lr_errorf(cmd, "out of memory");
    if (rc != LR_EXIT_OK)
        sweep_plan_free(plan);
    return rc;
}

void sweep_plan_free(sweep_plan *plan)
{
    for (size_t i = 0; plan->runs && i < plan->n; i++) {
        for (int w = 0; w < plan->runs[i].argc; w++)
            free(plan->runs[i].argv[w]);
        free(plan->runs[i].argv);
    }
    free(plan->runs);
    free(plan->by_id);
    memset(plan, 0, sizeof *plan);
}

bool sweep_in_share(const sweep_spec *spec, size_t index)
{
    return index % (size_t)spec->shard_n == (size_t)(spec->shard_i - 1);
}

const sweep_run *sweep_plan_find(const sweep_plan *plan, const char *id)
{
    size_t lo = 0, hi = plan->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(plan->by_id[mid]->id, id);
        if (c == 0)
            return plan->by_id[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* A word as the shell reads it back: bare when it holds only safe characters, else single-quoted. */
static void put_word(FILE *f, const char *s)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                               "_@%+=:,./-";
    if (*s && strspn(s, safe) == strlen(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

int sweep_print_command(FILE *f, const sweep_run *run, const char *plan_dir)
{
    size_t len = strlen(plan_dir) + sizeof "/.csv" + sizeof run->id;
    char *path = malloc(len);
    if (!path)
        return -1;
    snprintf(path, len, "%s/%s.csv", plan_dir, run->id);
    fputs("lrlab", f);
    for (int i = 0; i < run->argc; i++) {
        fputc(' ', f);
        put_word(f, run->argv[i]);
    }
    fputs(" --output ", f);
    put_word(f, path);
    fputc('\n', f);
    free(path);
    return 0;
}
