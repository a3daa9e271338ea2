/* lrlab sweep --batched (C20 over C18): the sweep's runs of one seed trained as lanes of
 * lr_lanes_train (fmnist-softmax, quadratic, linreg), up to 16 per pass over the data; every
 * lane's train CSV goes into the table exactly as the run alone would have written it (but for
 * seconds). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lrlab/kernels.h"
#include "lrlab/lanes.h"
#include "sweep.h"
#include "train_job.h"

/* One pass: the plan indices of its runs. */
typedef struct batched_pass {
    size_t run[LR_LANES_MAX];
    size_t n;
} batched_pass;

typedef struct batched_exec {
    const char *cmd, *output;
    sweep_table *table;
    const sweep_plan *plan;
    const lr_dataset *data;   /* fmnist-softmax: loaded once, read by every lane; else NULL */
    batched_pass *pass;
    size_t npass, next, done, ntodo;
    int rc;                   /* the first failure */
    bool progress;
    double start;
    pthread_mutex_t lock;
} batched_exec;

typedef struct lane_rows {
    lr_train_row *row;
    size_t n, cap;
} lane_rows;

static int keep_row(void *ctx, const lr_train_row *row)
{
    lane_rows *t = ctx;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        lr_train_row *r = realloc(t->row, cap * sizeof *r);
        if (!r)
            return -1;
        t->row = r;
        t->cap = cap;
    }
    t->row[t->n++] = *row;
    return 0;
}

/* ---- Grouping ---------------------------------------------------------------------------------
 * Lanes share the batches and the starting point, so a pass holds runs of one seed (everything
 * else a run's seed does not decide is the same for all runs of the plan but the optimizer
 * settings). Seeds in order of first appearance, runs in plan order within a seed. */
static batched_pass *make_passes(const sweep_plan *plan, const size_t *todo, size_t ntodo,
                                 size_t lanes, size_t *npass)
{
    batched_pass *pass = calloc(ntodo ? ntodo : 1, sizeof *pass);
    bool *taken = calloc(ntodo ? ntodo : 1, sizeof *taken);
    size_t n = 0;
    if (!pass || !taken) {
        free(pass);
        free(taken);
        return NULL;
    }
    for (size_t i = 0; i < ntodo; i++) {
        if (taken[i])
            continue;
        long seed = plan->runs[todo[i]].seed;
        for (size_t j = i; j < ntodo; j++) {
            if (taken[j] || plan->runs[todo[j]].seed != seed)
                continue;
            if (n == 0 || pass[n - 1].n == lanes || plan->runs[pass[n - 1].run[0]].seed != seed)
                n++;
            pass[n - 1].run[pass[n - 1].n++] = todo[j];
            taken[j] = true;
        }
    }
    free(taken);
    *npass = n;
    return pass;
}

/* ---- One pass --------------------------------------------------------------------------------- */

/* A run's job as lrlab train would set it up, built on the shared data. */
static int setup_lane(const char *cmd, const sweep_run *run, const lr_dataset *data,
                      lr_train_job *job)
{
    lr_train_job_flags(job);
    if (lr_args_parse(cmd, "", job->args, job->nargs, run->argc, run->argv) != LR_PARSE_OK)
        return LR_EXIT_USAGE;
    job->rf.problem.shared_data = data;
    return lr_train_job_setup(cmd, job);
}

/* Lanes must differ in their optimizer settings and rates only: the plan makes them so, and this
 * says so before they share batches. */
static bool same_training(const lr_train_job *a, const lr_train_job *b)
{
    const lr_train_config *x = &a->run.train, *y = &b->run.train;
    return x->epochs == y->epochs && x->steps == y->steps && x->batch_size == y->batch_size &&
           x->seed == y->seed && x->log_every == y->log_every && !x->x0 && !y->x0 &&
           !x->train_idx && !y->train_idx && a->rf.problem.l2 == b->rf.problem.l2 &&
           a->run.kernels == &lr_kernels_avx2 && b->run.kernels == &lr_kernels_avx2;
}

/* Each lane's train CSV into the table, as execute_run adds a run's. */
static int add_lane(batched_exec *x, const sweep_run *run, lr_train_job *job,
                    const lane_rows *rows)
{
    char *csv = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&csv, &len);
    if (!mem) {
        lr_errorf(x->cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    lr_train_csv_write(mem, rows->row, rows->n, &job->run.labels, -1, NULL, 0);
    if (fclose(mem) != 0) {
        free(csv);
        lr_errorf(x->cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    char what[64];
    snprintf(what, sizeof what, "run %zu (%s)", run->index, run->id);
    pthread_mutex_lock(&x->lock);
    int rc = sweep_table_add_csv(x->table, x->cmd, run, csv, what);
    pthread_mutex_unlock(&x->lock);
    free(csv);
    return rc;
}

static int train_pass(batched_exec *x, const batched_pass *ps)
{
    lr_train_job *job = calloc(ps->n, sizeof *job);
    lane_rows rows[LR_LANES_MAX] = {{0}};
    lr_lane lane[LR_LANES_MAX];
    size_t ready = 0;
    int rc = job ? LR_EXIT_OK : LR_EXIT_FAILURE;
    for (; rc == LR_EXIT_OK && ready < ps->n; ready++) {
        rc = setup_lane(x->cmd, &x->plan->runs[ps->run[ready]], x->data, &job[ready]);
        if (rc == LR_EXIT_OK && !same_training(&job[0], &job[ready])) {
            lr_errorf(x->cmd, "--batched: run %zu does not train like run %zu (a bug)",
                      ps->run[ready], ps->run[0]);
            rc = LR_EXIT_FAILURE;
        }
        if (rc != LR_EXIT_OK)
            lr_train_job_free(&job[ready]); /* harmless when not set up */
    }
    if (rc == LR_EXIT_OK) {
        for (size_t i = 0; i < ps->n; i++)
            lane[i] = (lr_lane){.opt = job[i].run.opt, .rates = job[i].run.rates,
                                .hooks = {.sink = keep_row, .sink_ctx = &rows[i]}};
        /* x->data: the images for fmnist-softmax, NULL for the labs (their problem holds it). */
        int lrc = lr_lanes_train(&job[0].run.problem, x->data, job[0].rf.problem.l2,
                                 &job[0].run.train, lane, ps->n);
        for (size_t i = 0; i < ps->n; i++)
            lrc = lrc ? lrc : lane[i].rc;
        if (lrc != 0) {
            lr_errorf(x->cmd, lrc == -1 ? "out of memory" : "--batched: the lanes refused the runs "
                                                            "(a bug)");
            rc = LR_EXIT_FAILURE;
        }
    }
    for (size_t i = 0; rc == LR_EXIT_OK && i < ps->n; i++)
        rc = add_lane(x, &x->plan->runs[ps->run[i]], &job[i], &rows[i]);
    for (size_t i = 0; i < ps->n; i++)
        free(rows[i].row);
    for (size_t i = 0; job && i < ready; i++)
        lr_train_job_free(&job[i]);
    free(job);
    return rc;
}

/* ---- Passes on threads ----------------------------------------------------------------------- */

static void progress_lines(batched_exec *x, const batched_pass *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        sweep_table_progress(x->table, &x->plan->runs[ps->run[i]], x->done, x->ntodo,
                             x->start);
}

static void *pass_worker(void *arg)
{
    batched_exec *x = arg;
    for (;;) {
        pthread_mutex_lock(&x->lock);
        if (x->rc != LR_EXIT_OK || x->next == x->npass) {
            pthread_mutex_unlock(&x->lock);
            return NULL;
        }
        const batched_pass *ps = &x->pass[x->next++];
        pthread_mutex_unlock(&x->lock);
        int rc = train_pass(x, ps);
        pthread_mutex_lock(&x->lock);
        if (rc == LR_EXIT_OK) {
            rc = sweep_table_write(x->table, x->cmd, x->output);
            x->done += ps->n;
            if (x->progress)
                progress_lines(x, ps);
        }
        if (rc != LR_EXIT_OK && x->rc == LR_EXIT_OK)
            x->rc = rc;
        pthread_mutex_unlock(&x->lock);
    }
}

static int run_passes(batched_exec *x, long jobs)
{
    size_t nthreads = jobs > 0 && (size_t)jobs < x->npass ? (size_t)jobs : x->npass;
    pthread_t *tid = calloc(nthreads ? nthreads : 1, sizeof *tid);
    size_t started = 0;
    if (!tid) {
        lr_errorf(x->cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    for (size_t i = 1; i < nthreads; i++, started++)
        if (pthread_create(&tid[i], NULL, pass_worker, x) != 0)
            break;
    pass_worker(x); /* the calling thread is worker 0 */
    for (size_t i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    return x->rc;
}

int sweep_run_batched(const char *cmd, sweep_table *t, const size_t *todo, size_t ntodo,
                      size_t lanes, long jobs, const char *output)
{
    if (ntodo == 0)
        return LR_EXIT_OK;
    batched_exec x = {.cmd = cmd, .output = output, .table = t, .plan = t->plan, .ntodo = ntodo,
                      .progress = isatty(fileno(stderr)), .start = lr_wall_seconds()};
    /* One ordinary set-up loads the data every lane then reads. */
    lr_train_job holder;
    lr_train_job_flags(&holder);
    const sweep_run *first = &t->plan->runs[todo[0]];
    if (lr_args_parse(cmd, "", holder.args, holder.nargs, first->argc, first->argv) != LR_PARSE_OK)
        return LR_EXIT_USAGE;
    int rc = lr_train_job_setup(cmd, &holder);
    if (rc != LR_EXIT_OK)
        return rc;
    x.data = holder.run.data;
    x.pass = make_passes(t->plan, todo, ntodo, lanes, &x.npass);
    if (!x.pass) {
        lr_errorf(cmd, "out of memory");
        rc = LR_EXIT_FAILURE;
    } else if (pthread_mutex_init(&x.lock, NULL) != 0) {
        lr_errorf(cmd, "cannot create a mutex");
        rc = LR_EXIT_FAILURE;
    } else {
        rc = run_passes(&x, jobs);
        pthread_mutex_destroy(&x.lock);
    }
    free(x.pass);
    lr_train_job_free(&holder);
    return rc;
}
