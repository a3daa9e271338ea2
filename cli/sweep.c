/* lrlab sweep (C18 grid and random search, C19 k-fold cross-validation): runs every planned train
 * run on -j threads, rewrites the output atomically after each, resumes from it, prints the plan
 * for GNU parallel or a cluster, merges planned runs' CSVs, and chooses the rate. */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lrlab/kernels.h"
#include "lrlab/lanes.h"
#include "sweep.h"
#include "train_job.h"

static const char sweep_usage[] =
    "usage: lrlab sweep --problem NAME --optimizer NAME [train flags]\n"
    "                   [--schedule NAME [schedule flags] [--warmup-steps W\n"
    "                   [--warmup-start-factor F]]]\n"
    "                   (--lr-grid LO:HI:COUNT | --lr-random COUNT --lr-range LO:HI)\n"
    "                   [--vary NAME:LO:HI[:log][,...]] [--search-seed N] [--seeds K] [--folds K]\n"
    "                   [--target-loss X] [-j JOBS] [--shard I/N] [--summary FILE] [--batched]\n"
    "                   --output FILE\n"
    "       lrlab sweep ... --plan --plan-dir DIR      (print one lrlab train command per run)\n"
    "       lrlab sweep ... --merge DIR --output FILE  (the sweep's file from DIR/RUN_ID.csv)\n\n"
    "Points: --lr-grid gives COUNT log-spaced rates from LO to HI, both ends exact; --lr-random\n"
    "COUNT rates log-uniform in [LO, HI]. --vary draws each named optimizer hyperparameter per\n"
    "point, uniform in [LO, HI] (log-uniform with :log). Every draw comes from its own stream of\n"
    "--search-seed, so more points keep the earlier ones. Each point runs with the seeds S..S+K-1\n"
    "(S = --seed, default 0) and, with --folds K (minibatch problems), once per fold: training on\n"
    "the other K-1 folds of the training set, scored on the held-out fold; the test set is not used.\n"
    "Runs are numbered (point * seeds + seed) * folds + fold; --shard I/N keeps those whose number\n"
    "mod N is I-1.\n\n"
    "Schedules: --schedule NAME and its flags are lrlab train's (names, defaults, checks; see\n"
    "lrlab train --help): every run steps the schedule from its point's rate, the --lr the\n"
    "schedule scales (PyTorch's initial_lr), e.g. --schedule cosine --t-max 100 --lr-grid\n"
    "1e-3:1:7 runs cosine from each of the 7 rates. plateau keeps its own state per run (per\n"
    "fold, per lane), fed that run's metric (--eps is the optimizer's, plateau's --plateau-eps).\n"
    "cyclic and onecycle set their own rates (--base-lr, --max-lr), which the sweep's rates would\n"
    "not change, so sweep refuses them. The schedule and its flags are part of each run's lrlab\n"
    "train arguments, hence of its run_id; the column 'schedule' names it.\n\n"
    "Output: one row per run, in run order: run_id (a hash of the run's lrlab train arguments),\n"
    "run, the last row of its train CSV, fold, val_loss, steps_to_target (the step of the first\n"
    "row whose watched loss is <= --target-loss, at the rows' resolution, see --log-every) and the\n"
    "drawn values. The file is rewritten atomically after every run; running the same command\n"
    "again skips the runs already in it. The watched loss scores a run: val_loss with --folds,\n"
    "else test_loss for minibatch problems (the test set: use --folds to keep it out of the\n"
    "choice) and train_loss (the objective) for full-batch ones.\n\n"
    "--batched (fmnist-softmax, quadratic, linreg; AVX2 kernels, no --folds): runs of one seed\n"
    "train side by side, up to 16 per pass over the data (softmax: one wider GEMM; quadratic and\n"
    "linreg: the K parameter vectors side by side), each lane bitwise its own run; rows are the\n"
    "same but for seconds (a lane's share of the pass). The file is rewritten after every pass.\n\n"
    "Choice: the point with the least mean score over its runs, among points whose runs all\n"
    "finished, none diverged and all scores are finite; a tie goes to the smaller rate. It is\n"
    "printed on stderr; --summary writes per point: point,lr,<drawn>,runs,finished,diverged,\n"
    "metric,mean,std,min,max,chosen (std: sample standard deviation over the runs).\n";

enum { SWEEP_NEXTRA = 16 };

typedef struct sweep_flags {
    const char *grid, *range, *vary, *shard, *plan_dir, *merge, *summary;
    long random, search_seed, seeds, folds, jobs, lanes;
    double target;
    bool plan;
    bool batched;
} sweep_flags;

typedef struct sweep_cmd {
    sweep_flags sf;
    lr_schedule_flags sched; /* --schedule NAME and its flags, as lrlab train binds them */
    lr_run_flags rf;
    lr_arg args[SWEEP_NEXTRA + LR_SCHEDULE_NFLAGS_MAX + LR_RUN_NFLAGS];
    size_t nargs;
    /* the flags every run is given, inside args: the schedule flags, then the run flags (the
     * optimizer flags last) */
    const lr_arg *run_args;
    size_t nrun;
    sweep_spec spec;
    sweep_plan plan;
    sweep_table table;
} sweep_cmd;

static void bind_flags(sweep_cmd *c)
{
    sweep_flags *f = &c->sf;
    f->seeds = 1;
    f->jobs = sysconf(_SC_NPROCESSORS_ONLN);
    if (f->jobs < 1)
        f->jobs = 1;
    f->target = NAN;
    f->lanes = LR_LANES_MAX;
    const lr_arg extra[SWEEP_NEXTRA] = {
        {"--lr-grid", LR_ARG_STRING, &f->grid, "LO:HI:COUNT", "COUNT log-spaced rates from LO to "
         "HI inclusive", 0, false},
        {"--lr-random", LR_ARG_LONG, &f->random, "COUNT", "COUNT log-uniform random rates in "
         "--lr-range", 0, false},
        {"--lr-range", LR_ARG_STRING, &f->range, "LO:HI", "range of --lr-random", 0, false},
        {"--vary", LR_ARG_STRING, &f->vary, "NAME:LO:HI[:log][,...]", "draw optimizer "
         "hyperparameters per point (uniform; log-uniform with :log)", 0, false},
        {"--search-seed", LR_ARG_LONG, &f->search_seed, "N", "seed of the random rates and --vary "
         "draws (default 0)", 0, false},
        {"--seeds", LR_ARG_LONG, &f->seeds, "K", "runs per point with seeds S..S+K-1 (default 1)",
         0, false},
        {"--folds", LR_ARG_LONG, &f->folds, "K", "k-fold cross-validation on the training set "
         "(minibatch problems; K >= 2)", 0, false},
        {"--target-loss", LR_ARG_DOUBLE, &f->target, "X", "report steps_to_target: the first step "
         "whose watched loss is <= X", 0, false},
        {"--jobs", LR_ARG_LONG, &f->jobs, "JOBS", "runs at once, also -j JOBS (default: the number "
         "of cores)", 0, false},
        {"--shard", LR_ARG_STRING, &f->shard, "I/N", "run only the runs whose number mod N is I-1",
         0, false},
        {"--summary", LR_ARG_STRING, &f->summary, "FILE", "write the per-point summary and the "
         "choice as CSV", 0, false},
        {"--plan", LR_ARG_FLAG, &f->plan, NULL, "print one lrlab train command per run (of the "
         "shard) and exit", 0, false},
        {"--plan-dir", LR_ARG_STRING, &f->plan_dir, "DIR", "where the planned commands write "
         "DIR/RUN_ID.csv", 0, false},
        {"--merge", LR_ARG_STRING, &f->merge, "DIR", "instead of training, read each run's CSV from "
         "DIR/RUN_ID.csv (scripts/sweep-parallel.sh)", 0, false},
        {"--batched", LR_ARG_FLAG, &f->batched, NULL, "train up to 16 runs per pass over the data "
         "(C20; fmnist-softmax, quadratic, linreg)", 0, false},
        {"--lanes", LR_ARG_LONG, &f->lanes, "K", "runs per pass with --batched (1..16, default 16)",
         0, false},
    };
    memcpy(c->args, extra, sizeof extra);
    lr_run_flags_defaults(&c->rf);
    /* Only the words given are copied into each run's arguments, where lrlab train's own parser
     * reads and checks them; an empty schedule flag set adds no word, so sweeps without a
     * schedule keep their run ids. */
    lr_arg *run_args = c->args + SWEEP_NEXTRA;
    size_t nsched = lr_schedule_flags_bind(&c->sched, LR_SCHEDULE_FOR_TRAIN, run_args);
    c->nrun = nsched + lr_run_flag_args(run_args + nsched, &c->rf);
    c->run_args = run_args;
    c->nargs = SWEEP_NEXTRA + c->nrun;
}

static bool given(const sweep_cmd *c, const char *name)
{
    for (size_t i = 0; i < c->nargs; i++)
        if (strcmp(c->args[i].name, name) == 0)
            return c->args[i].seen;
    return false;
}

/* -j JOBS and -jJOBS become --jobs; a word that is the value of a flag is left alone. */
static char **rewrite_short_jobs(const sweep_cmd *c, int argc, char **argv)
{
    char **out = calloc((size_t)argc + 1, sizeof *out);
    if (!out)
        return NULL;
    for (int i = 0; i < argc; i++) {
        out[i] = argv[i];
        if (i == 0)
            continue;
        const lr_arg *a = NULL;
        for (size_t k = 0; k < c->nargs && !a; k++)
            if (strcmp(c->args[k].name, argv[i]) == 0)
                a = &c->args[k];
        if (a && a->kind != LR_ARG_FLAG && i + 1 < argc) {
            out[i + 1] = argv[i + 1];
            i++;
        } else if (strcmp(argv[i], "-j") == 0) {
            out[i] = "--jobs";
        } else if (strncmp(argv[i], "-j", 2) == 0) {
            out[i] = NULL; /* marks a word to rebuild as --jobs=VALUE */
        }
    }
    return out;
}

/* ---- Checking the flags ---------------------------------------------------------------------- */

static int check_search(const char *cmd, sweep_cmd *c)
{
    sweep_flags *f = &c->sf;
    sweep_spec *s = &c->spec;
    if (given(c, "--lr")) {
        lr_errorf(cmd, "--lr does not apply to sweep: the rates come from --lr-grid or --lr-random");
        return LR_EXIT_USAGE;
    }
    if (!f->grid == !given(c, "--lr-random")) {
        lr_errorf(cmd, "give either --lr-grid LO:HI:COUNT or --lr-random COUNT --lr-range LO:HI");
        return LR_EXIT_USAGE;
    }
    if (f->grid) {
        if (f->range) {
            lr_errorf(cmd, "--lr-range goes with --lr-random, not --lr-grid");
            return LR_EXIT_USAGE;
        }
        return sweep_parse_grid(cmd, f->grid, s);
    }
    if (f->random < 1 || f->random > SWEEP_MAX_RUNS) {
        lr_errorf(cmd, "--lr-random: COUNT must be between 1 and %d, got %ld", SWEEP_MAX_RUNS,
                  f->random);
        return LR_EXIT_USAGE;
    }
    if (!f->range) {
        lr_errorf(cmd, "--lr-random needs --lr-range LO:HI");
        return LR_EXIT_USAGE;
    }
    s->random = true;
    s->count = f->random;
    return sweep_parse_range(cmd, f->range, s);
}

static int check_counts(const char *cmd, sweep_cmd *c)
{
    sweep_flags *f = &c->sf;
    sweep_spec *s = &c->spec;
    if (f->search_seed < 0) {
        lr_errorf(cmd, "--search-seed must not be negative, got %ld", f->search_seed);
        return LR_EXIT_USAGE;
    }
    if (f->seeds < 1 || f->seeds > SWEEP_MAX_RUNS) {
        lr_errorf(cmd, "--seeds must be between 1 and %d, got %ld", SWEEP_MAX_RUNS, f->seeds);
        return LR_EXIT_USAGE;
    }
    if (c->rf.seed < 0 || c->rf.seed > LONG_MAX - f->seeds) {
        lr_errorf(cmd, "--seed must be between 0 and %ld (with --seeds %ld), got %ld",
                  LONG_MAX - f->seeds, f->seeds, c->rf.seed);
        return LR_EXIT_USAGE;
    }
    if (given(c, "--folds") && (f->folds < 2 || f->folds > SWEEP_MAX_RUNS)) {
        lr_errorf(cmd, "--folds must be at least 2 (and at most the training samples), got %ld",
                  f->folds);
        return LR_EXIT_USAGE;
    }
    if (given(c, "--target-loss") && !isfinite(f->target)) {
        lr_errorf(cmd, "--target-loss must be a finite number, got %g", f->target);
        return LR_EXIT_USAGE;
    }
    if (f->jobs < 1 || f->jobs > 1024) {
        lr_errorf(cmd, "--jobs (-j) must be between 1 and 1024, got %ld", f->jobs);
        return LR_EXIT_USAGE;
    }
    s->search_seed = (uint64_t)f->search_seed;
    s->seeds = f->seeds;
    s->base_seed = c->rf.seed;
    s->folds = given(c, "--folds") ? f->folds : 0;
    s->shard_i = s->shard_n = 1;
    if (f->shard && sweep_parse_shard(cmd, f->shard, s) != LR_EXIT_OK)
        return LR_EXIT_USAGE;
    if (f->vary && sweep_parse_vary(cmd, f->vary, c->run_args, c->nrun, s) != LR_EXIT_OK)
        return LR_EXIT_USAGE;
    return LR_EXIT_OK;
}

static int check_modes(const char *cmd, const sweep_cmd *c)
{
    const sweep_flags *f = &c->sf;
    if (f->plan && f->merge) {
        lr_errorf(cmd, "--plan and --merge exclude each other");
        return LR_EXIT_USAGE;
    }
    if (f->plan && !f->plan_dir) {
        lr_errorf(cmd, "--plan needs --plan-dir DIR (where the commands write their CSVs)");
        return LR_EXIT_USAGE;
    }
    if (f->plan_dir && !f->plan) {
        lr_errorf(cmd, "--plan-dir goes with --plan (to read the CSVs back use --merge DIR)");
        return LR_EXIT_USAGE;
    }
    if (!f->plan && (!c->rf.output || strcmp(c->rf.output, "-") == 0)) {
        lr_errorf(cmd, "--output FILE is required (a file: it is rewritten after every run and "
                       "read back to resume)");
        return LR_EXIT_USAGE;
    }
    if (f->summary && c->rf.output && strcmp(f->summary, c->rf.output) == 0) {
        lr_errorf(cmd, "--summary and --output name the same file");
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

/* The schedule's flags are checked where lrlab train checks them, when run 0 is set up. What
 * sweep adds: CyclicLR and OneCycleLR replace the optimizer's rate with their own (--base-lr,
 * --max-lr), so every point of the sweep would train alike. */
static int check_schedule(const char *cmd, const sweep_cmd *c)
{
    lr_schedule_kind kind;
    if (!c->sched.name || lr_schedule_parse(c->sched.name, &kind) != 0)
        return LR_EXIT_OK;
    if (kind == LR_SCHED_CYCLIC || kind == LR_SCHED_ONECYCLE) {
        lr_errorf(cmd, "--schedule %s sets its own rates (%s), which the sweep's rates would not "
                       "change: sweep a schedule that scales --lr", c->sched.name,
                  kind == LR_SCHED_CYCLIC ? "--base-lr, --max-lr" : "--max-lr");
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

/* ---- One run --------------------------------------------------------------------------------- */

/* Parses a planned run's arguments as lrlab train would; only the optimizer part is validated
 * unless `build` (then the run is set up, problem included). */
static int parse_run(const char *cmd, const sweep_run *run, lr_train_job *job, bool build)
{
    lr_train_job_flags(job);
    int rc = lr_args_parse(cmd, "", job->args, job->nargs, run->argc, run->argv);
    if (rc != LR_PARSE_OK)
        return LR_EXIT_USAGE;
    if (build)
        return lr_train_job_setup(cmd, job);
    lr_optim_kind kind;
    lr_optim_config cfg;
    if (lr_optim_parse(job->rf.optimizer ? job->rf.optimizer : "", &kind) != 0)
        return LR_EXIT_USAGE; /* reported when run 0 is set up */
    const lr_arg *opt = job->args + job->nargs - LR_OPTIM_NFLAGS;
    return lr_optim_flags_finish(cmd, opt, &job->rf.raw_opt, kind, &cfg);
}

/* Trains one run and adds its row: the train CSV goes through memory exactly as a planned command
 * would write it to a file. */
static int execute_run(const char *cmd, sweep_table *t, const sweep_run *run,
                       pthread_mutex_t *lock)
{
    lr_train_job job;
    int rc = parse_run(cmd, run, &job, true);
    if (rc != LR_EXIT_OK)
        return rc;
    char *csv = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&csv, &len);
    if (!mem) {
        lr_train_job_free(&job);
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    rc = lr_train_job_run(cmd, &job, mem, NULL, NULL);
    lr_train_job_free(&job);
    if (fclose(mem) != 0 && rc == LR_EXIT_OK) {
        lr_errorf(cmd, "out of memory");
        rc = LR_EXIT_FAILURE;
    }
    if (rc == LR_EXIT_OK) {
        char what[64];
        snprintf(what, sizeof what, "run %zu (%s)", run->index, run->id);
        pthread_mutex_lock(lock);
        rc = sweep_table_add_csv(t, cmd, run, csv, what);
        pthread_mutex_unlock(lock);
    }
    free(csv);
    return rc;
}

/* ---- Running the share on threads ------------------------------------------------------------ */

typedef struct sweep_exec {
    const char *cmd, *output;
    sweep_table *table;
    const sweep_plan *plan;
    size_t *todo, ntodo, next, done;
    int rc;                 /* the first failure */
    bool progress;          /* stderr is a terminal */
    double start;
    pthread_mutex_t lock;
} sweep_exec;

static void *worker(void *arg)
{
    sweep_exec *x = arg;
    for (;;) {
        pthread_mutex_lock(&x->lock);
        if (x->rc != LR_EXIT_OK || x->next == x->ntodo) {
            pthread_mutex_unlock(&x->lock);
            return NULL;
        }
        const sweep_run *run = &x->plan->runs[x->todo[x->next++]];
        pthread_mutex_unlock(&x->lock);
        int rc = execute_run(x->cmd, x->table, run, &x->lock);
        /* doc:sweep-worker-commit */
        pthread_mutex_lock(&x->lock);
        if (rc == LR_EXIT_OK) {
            /* every finished run is on disk before the next one is reported */
            rc = sweep_table_write(x->table, x->cmd, x->output);
            x->done++;
            if (x->progress)
                sweep_table_progress(x->table, run, x->done, x->ntodo, x->start);
        }
        /* end */
        if (rc != LR_EXIT_OK && x->rc == LR_EXIT_OK)
            x->rc = rc;
        pthread_mutex_unlock(&x->lock);
    }
}

static int run_share(const char *cmd, sweep_cmd *c, size_t *todo, size_t ntodo)
{
    sweep_exec x = {.cmd = cmd, .output = c->rf.output, .table = &c->table, .plan = &c->plan,
                    .todo = todo, .ntodo = ntodo, .progress = isatty(fileno(stderr)),
                    .start = lr_wall_seconds()};
    if (pthread_mutex_init(&x.lock, NULL) != 0) {
        lr_errorf(cmd, "cannot create a mutex");
        return LR_EXIT_FAILURE;
    }
    size_t nthreads = (size_t)c->sf.jobs < ntodo ? (size_t)c->sf.jobs : ntodo;
    pthread_t *tid = calloc(nthreads ? nthreads : 1, sizeof *tid);
    size_t started = 0;
    if (!tid) {
        x.rc = LR_EXIT_FAILURE;
        lr_errorf(cmd, "out of memory");
    }
    /* the calling thread is worker 0 */
    for (size_t i = 1; tid && i < nthreads; i++, started++)
        if (pthread_create(&tid[i], NULL, worker, &x) != 0)
            break;
    if (tid)
        worker(&x);
    for (size_t i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    pthread_mutex_destroy(&x.lock);
    return x.rc;
}

/* ---- Merging planned runs -------------------------------------------------------------------- */

static int merge_share(const char *cmd, sweep_cmd *c, const size_t *todo, size_t ntodo)
{
    const char *dir = c->sf.merge;
    size_t missing = 0;
    int rc = LR_EXIT_OK;
    for (size_t k = 0; k < ntodo && rc == LR_EXIT_OK; k++) {
        const sweep_run *run = &c->plan.runs[todo[k]];
        size_t len = strlen(dir) + sizeof "/.csv" + sizeof run->id;
        char *path = malloc(len);
        if (!path) {
            lr_errorf(cmd, "out of memory");
            return LR_EXIT_FAILURE;
        }
        snprintf(path, len, "%s/%s.csv", dir, run->id);
        FILE *f = fopen(path, "rb");
        if (!f) {
            if (missing++ < 5)
                lr_errorf(cmd, "--merge: run %zu has no CSV '%s'", run->index, path);
            free(path);
            continue;
        }
        char *text = NULL;
        size_t tlen = 0;
        FILE *mem = open_memstream(&text, &tlen);
        char chunk[4096];
        size_t got;
        while (mem && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
            fwrite(chunk, 1, got, mem);
        int bad = ferror(f);
        fclose(f);
        if (!mem || fclose(mem) != 0 || bad) {
            lr_errorf(cmd, "--merge: cannot read '%s'", path);
            rc = LR_EXIT_FAILURE;
        } else if (strlen(text) != tlen) {
            lr_errorf(cmd, "--merge: '%s' is not text", path);
            rc = LR_EXIT_USAGE;
        } else {
            rc = sweep_table_add_csv(&c->table, cmd, run, text, path);
        }
        free(text);
        free(path);
    }
    if (rc == LR_EXIT_OK && missing) {
        lr_errorf(cmd, "--merge: %zu of %zu runs have no CSV in '%s' (did every planned command "
                       "finish?); nothing written", missing, ntodo, dir);
        rc = LR_EXIT_FAILURE;
    }
    return rc;
}

/* ---- The command ----------------------------------------------------------------------------- */

/* What --batched covers (C20): the problems with lanes (lr_lanes_train) on the AVX2 kernels,
 * without folds. */
static int check_batched(const char *cmd, const sweep_cmd *c)
{
    const sweep_flags *f = &c->sf;
    if (!f->batched) {
        if (given(c, "--lanes")) {
            lr_errorf(cmd, "--lanes goes with --batched");
            return LR_EXIT_USAGE;
        }
        return LR_EXIT_OK;
    }
    if (f->plan || f->merge) {
        lr_errorf(cmd, "--batched trains here; it does not go with %s", f->plan ? "--plan" : "--merge");
        return LR_EXIT_USAGE;
    }
    const char *problem = c->rf.problem.problem ? c->rf.problem.problem : "";
    if (strcmp(problem, "fmnist-softmax") != 0 && strcmp(problem, "quadratic") != 0 &&
        strcmp(problem, "linreg") != 0) {
        lr_errorf(cmd, "--batched supports fmnist-softmax, quadratic and linreg, not %s",
                  *problem ? problem : "(no --problem)");
        return LR_EXIT_USAGE;
    }
    if (f->lanes < 1 || f->lanes > LR_LANES_MAX) {
        lr_errorf(cmd, "--lanes must be between 1 and %d, got %ld", LR_LANES_MAX, f->lanes);
        return LR_EXIT_USAGE;
    }
    if (f->folds) {
        lr_errorf(cmd, "--batched does not support --folds (cross-validation runs one by one)");
        return LR_EXIT_USAGE;
    }
    lr_impl impl;
    const char *why = "";
    if (lr_impl_parse(c->rf.impl, &impl) != 0 || lr_kernels_select(impl, &why) != &lr_kernels_avx2) {
        lr_errorf(cmd, "--batched runs on the AVX2 kernels, and this sweep would use the "
                       "reference ones (--impl or LRLAB_IMPL)");
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

/* Both ends of every --vary range must be valid settings: run 0 with the end put in. */
static int check_vary_ends(const char *cmd, const sweep_cmd *c)
{
    const sweep_run *run0 = &c->plan.runs[0];
    for (size_t j = 0; j < c->spec.nvary; j++) {
        const sweep_vary *v = &c->spec.vary[j];
        for (int end = 0; end < 2; end++) {
            sweep_run probe = *run0;
            char **argv = malloc(((size_t)run0->argc + 1) * sizeof *argv);
            char value[40];
            if (!argv) {
                lr_errorf(cmd, "out of memory");
                return LR_EXIT_FAILURE;
            }
            snprintf(value, sizeof value, "%.17g", end ? v->hi : v->lo);
            for (int w = 0; w <= run0->argc; w++)
                argv[w] = run0->argv[w];
            for (int w = 0; w + 1 < run0->argc; w++)
                if (strcmp(argv[w], v->flag) == 0)
                    argv[w + 1] = value;
            probe.argv = argv;
            lr_train_job job;
            int rc = parse_run(cmd, &probe, &job, false);
            lr_train_job_free(&job);
            free(argv);
            if (rc != LR_EXIT_OK) {
                lr_errorf(cmd, "--vary %s: %s %g is not a valid setting", v->column,
                          end ? "HI" : "LO", end ? v->hi : v->lo);
                return rc;
            }
        }
    }
    return LR_EXIT_OK;
}

/* Every flag checked, run 0 set up (which checks the problem, --folds against it and the training
 * flags), every run's optimizer settings validated: after this nothing the user typed can fail. */
static int prepare(const char *cmd, sweep_cmd *c, char **train_header, const char **watched)
{
    int rc;
    if ((rc = check_search(cmd, c)) != LR_EXIT_OK || (rc = check_counts(cmd, c)) != LR_EXIT_OK ||
        (rc = check_modes(cmd, c)) != LR_EXIT_OK || (rc = check_schedule(cmd, c)) != LR_EXIT_OK)
        return rc;
    if ((rc = sweep_plan_build(cmd, &c->spec, c->run_args, c->nrun, &c->plan)) != LR_EXIT_OK)
        return rc;
    lr_optim_kind kind; /* an unknown optimizer is reported when run 0 is set up */
    if (c->rf.optimizer && lr_optim_parse(c->rf.optimizer, &kind) == 0 &&
        (rc = check_vary_ends(cmd, c)) != LR_EXIT_OK)
        return rc;
    lr_train_job job;
    if ((rc = parse_run(cmd, &c->plan.runs[0], &job, true)) != LR_EXIT_OK)
        return rc;
    *watched = job.folds >= 2 ? "val_loss" : job.run.problem.n_train ? "test_loss" : "train_loss";
    size_t len = 0;
    FILE *mem = open_memstream(train_header, &len);
    if (mem)
        lr_train_csv_write(mem, NULL, 0, &job.run.labels, job.folds >= 2 ? 0 : -1, NULL, 0);
    lr_train_job_free(&job);
    if (!mem || fclose(mem) != 0) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    (*train_header)[strcspn(*train_header, "\n")] = '\0';
    for (size_t i = 1; i < c->plan.n; i++) {
        lr_train_job check;
        rc = parse_run(cmd, &c->plan.runs[i], &check, false);
        lr_train_job_free(&check);
        if (rc != LR_EXIT_OK) {
            lr_errorf(cmd, "run %zu (lr %g) is invalid: check the ranges of --vary",
                      c->plan.runs[i].index, c->plan.runs[i].lr);
            return rc;
        }
    }
    return LR_EXIT_OK;
}

static int print_plan(const char *cmd, const sweep_cmd *c)
{
    for (size_t i = 0; i < c->plan.n; i++)
        if (sweep_in_share(&c->spec, i) &&
            sweep_print_command(stdout, &c->plan.runs[i], c->sf.plan_dir) != 0) {
            lr_errorf(cmd, "out of memory");
            return LR_EXIT_FAILURE;
        }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        lr_errorf(cmd, "cannot write the plan");
        return LR_EXIT_FAILURE;
    }
    return LR_EXIT_OK;
}

/* Resumes from the output, runs (or merges) the rest of the share, writes the file and summary. */
static int execute(const char *cmd, sweep_cmd *c)
{
    int rc = sweep_table_load(&c->table, cmd, c->rf.output);
    if (rc != LR_EXIT_OK)
        return rc;
    size_t *todo = malloc((c->plan.n ? c->plan.n : 1) * sizeof *todo), ntodo = 0;
    if (!todo) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    for (size_t i = 0; i < c->plan.n; i++)
        if (sweep_in_share(&c->spec, i) && !c->table.payload[i])
            todo[ntodo++] = i;
    size_t before = c->table.finished;
    if (c->sf.merge)
        rc = merge_share(cmd, c, todo, ntodo);
    else if (c->sf.batched && ntodo > 0 &&
             (rc = sweep_table_write(&c->table, cmd, c->rf.output)) == LR_EXIT_OK)
        rc = sweep_run_batched(cmd, &c->table, todo, ntodo, (size_t)c->sf.lanes, c->sf.jobs,
                               c->rf.output);
    else if (ntodo > 0 && (rc = sweep_table_write(&c->table, cmd, c->rf.output)) == LR_EXIT_OK)
        rc = run_share(cmd, c, todo, ntodo); /* the output was writable before any run began */
    free(todo);
    if (rc != LR_EXIT_OK)
        return rc;
    /* written once more even when nothing was left to run, so the file always exists */
    if ((rc = sweep_table_write(&c->table, cmd, c->rf.output)) != LR_EXIT_OK)
        return rc;
    fprintf(stderr, "lrlab %s: %zu of %zu runs in %s (%zu new)\n", cmd, c->table.finished,
            c->plan.n, c->rf.output, c->table.finished - before);
    return sweep_summary(&c->table, cmd, c->sf.summary);
}

static int parse(const char *cmd, sweep_cmd *c, int argc, char **argv)
{
    char **words = rewrite_short_jobs(c, argc, argv);
    char **rebuilt = calloc((size_t)argc + 1, sizeof *rebuilt);
    int rc = LR_EXIT_FAILURE;
    if (!words || !rebuilt) {
        lr_errorf(cmd, "out of memory");
        goto out;
    }
    for (int i = 0; i < argc; i++) {
        if (words[i]) {
            continue;
        }
        size_t len = strlen(argv[i]) + sizeof "--jobs=";
        if (!(rebuilt[i] = malloc(len))) {
            lr_errorf(cmd, "out of memory");
            goto out;
        }
        snprintf(rebuilt[i], len, "--jobs=%s", argv[i] + 2);
        words[i] = rebuilt[i];
    }
    int prc = lr_args_parse(cmd, sweep_usage, c->args, c->nargs, argc, words);
    rc = prc == LR_PARSE_OK ? LR_EXIT_OK : prc == LR_PARSE_HELP ? -1 : LR_EXIT_USAGE;
out:
    for (int i = 0; rebuilt && i < argc; i++)
        free(rebuilt[i]);
    free(rebuilt);
    free(words);
    return rc;
}

int lr_cmd_sweep(int argc, char **argv)
{
    const char *cmd = "sweep";
    sweep_cmd *c = calloc(1, sizeof *c);
    if (!c) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    bind_flags(c);
    int rc = parse(cmd, c, argc, argv);
    char *train_header = NULL;
    const char *watched = NULL;
    if (rc == -1) {
        rc = LR_EXIT_OK; /* --help */
    } else if (rc == LR_EXIT_OK && (rc = prepare(cmd, c, &train_header, &watched)) == LR_EXIT_OK &&
               (rc = check_batched(cmd, c)) == LR_EXIT_OK) {
        if (c->sf.plan)
            rc = print_plan(cmd, c);
        else if ((rc = sweep_table_init(&c->table, &c->plan, &c->spec, train_header, watched,
                                        c->sf.target)) != LR_EXIT_OK)
            lr_errorf(cmd, "out of memory");
        else
            rc = execute(cmd, c);
    }
    free(train_header);
    sweep_table_free(&c->table);
    sweep_plan_free(&c->plan);
    free(c);
    return rc;
}
