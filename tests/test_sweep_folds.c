/* C19 k-fold cross-validation in the library: lr_fold_split partitions the training set, and the
 * training loop with train/validation subsets trains only on its subset, reports the held-out loss
 * exactly, and never calls the problem's evaluate (so never looks at a test set). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/kernels.h"
#include "lrlab/select.h"
#include "lrlab/train.h"

Test(folds, split_partitions_the_samples_in_balanced_sorted_blocks)
{
    static const size_t cases[][2] = {{2, 2}, {7, 3}, {10, 10}, {101, 5}, {1000, 7}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = cases[c][0], k = cases[c][1];
        for (uint64_t seed = 0; seed < 3; seed++) {
            int *times_held_out = calloc(n, sizeof(int));
            size_t *tr = malloc(n * sizeof *tr), *va = malloc(n * sizeof *va);
            for (size_t f = 0; f < k; f++) {
                size_t start, end;
                lr_fold_bounds(n, k, f, &start, &end);
                size_t nv = end - start, nt = n - nv;
                cr_assert(nv == n / k || nv == n / k + 1, "n %zu k %zu fold %zu: %zu", n, k, f, nv);
                cr_assert_eq(lr_fold_split(n, k, f, seed, tr, va), 0);
                /* ascending, disjoint, and together exactly 0..n-1 */
                size_t i = 0, j = 0;
                for (size_t s = 0; s < n; s++) {
                    bool in_t = i < nt && tr[i] == s, in_v = j < nv && va[j] == s;
                    cr_assert(in_t != in_v, "n %zu k %zu f %zu seed %llu: sample %zu", n, k, f,
                              (unsigned long long)seed, s);
                    i += in_t;
                    j += in_v;
                    times_held_out[s] += in_v;
                }
                cr_assert_eq(i, nt);
                cr_assert_eq(j, nv);
            }
            for (size_t s = 0; s < n; s++)
                cr_assert_eq(times_held_out[s], 1, "sample %zu held out %d times", s,
                             times_held_out[s]);
            free(times_held_out);
            free(tr);
            free(va);
        }
    }
}

Test(folds, split_depends_on_the_seed_and_rejects_bad_arguments)
{
    size_t a[100], b[100], va[100], vb[100];
    cr_assert_eq(lr_fold_split(100, 4, 1, 1, a, va), 0);
    cr_assert_eq(lr_fold_split(100, 4, 1, 1, b, vb), 0);
    cr_assert_eq(memcmp(va, vb, 25 * sizeof va[0]), 0, "same seed, same fold");
    cr_assert_eq(lr_fold_split(100, 4, 1, 2, b, vb), 0);
    cr_assert_neq(memcmp(va, vb, 25 * sizeof va[0]), 0, "another seed, another fold");
    cr_assert_eq(lr_fold_split(100, 1, 0, 0, a, va), -2, "k < 2");
    cr_assert_eq(lr_fold_split(3, 4, 0, 0, a, va), -2, "k > n");
    cr_assert_eq(lr_fold_split(100, 4, 4, 0, a, va), -2, "f >= k");
}

/* Mean over the batch of 1/2 (x - a_i)^2 with a_i = target(i), N samples. It records which samples
 * each call saw, so the test can tell training batches (at most BS samples) from evaluations. */
enum { N = 23, BS = 3 };
static double target(size_t i) { return (double)((i * 7919) % 101) / 10.0; }

typedef struct probe {
    int trained_on[N];   /* times a sample appeared in a training batch */
    int evaluate_calls;  /* calls of the problem's evaluate (the test set) */
    float last_x;        /* the parameter at the last call */
    double metrics[16];
    int n_metrics;
} probe;

static void p_init(void *ctx, uint64_t seed, float *x) { (void)ctx; (void)seed; x[0] = 0.0f; }
static double p_loss_grad(void *ctx, const struct lr_kernels *k, const float *x, const size_t *idx,
                          size_t b, float *g)
{
    (void)k;
    probe *pr = ctx;
    double loss = 0, grad = 0;
    for (size_t j = 0; j < b; j++) {
        cr_assert_lt(idx[j], N);
        if (b <= BS)
            pr->trained_on[idx[j]]++;
        double r = (double)x[0] - target(idx[j]);
        loss += 0.5 * r * r;
        grad += r;
    }
    g[0] = (float)(grad / (double)b);
    pr->last_x = x[0];
    return loss / (double)b;
}
static void p_eval(void *ctx, const struct lr_kernels *k, const float *x, lr_eval *e)
{
    (void)k; (void)x;
    probe *pr = ctx;
    pr->evaluate_calls++;
    e->train_loss = e->test_loss = 1.0;
    e->test_acc = e->dist = NAN;
}

static double rate(void *ctx, long t) { (void)t; (void)ctx; return 0.3; }
static void metric(void *ctx, double m)
{
    probe *pr = ctx;
    cr_assert_lt(pr->n_metrics, 16);
    pr->metrics[pr->n_metrics++] = m;
}

typedef struct rows {
    lr_train_row row[64];
    int n;
} rows;
static int collect(void *ctx, const lr_train_row *row)
{
    rows *r = ctx;
    cr_assert_lt(r->n, 64);
    r->row[r->n++] = *row;
    return 0;
}

/* The mean loss over samples idx[0..n) at x, computed here independently of the loop. */
static double mean_loss(const size_t *idx, size_t n, float x)
{
    double s = 0;
    for (size_t j = 0; j < n; j++) {
        double r = (double)x - target(idx[j]);
        s += 0.5 * r * r;
    }
    return s / (double)n;
}

Test(folds, training_sees_only_its_folds_and_reports_the_held_out_loss)
{
    enum { K = 4, EPOCHS = 3 };
    for (size_t f = 0; f < K; f++) {
        size_t start, end, tr[N], va[N];
        lr_fold_bounds(N, K, f, &start, &end);
        size_t nv = end - start, nt = N - nv;
        cr_assert_eq(lr_fold_split(N, K, f, 9, tr, va), 0);
        probe pr = {0};
        lr_problem p = {.name = "probe", .dim = 1, .n_train = N, .ctx = &pr, .init_params = p_init,
                        .loss_grad = p_loss_grad, .evaluate = p_eval};
        lr_optim_config o = lr_optim_defaults(LR_OPT_SGD);
        o.lr = 0.3;
        lr_rate_source rates = {.lr_at = rate, .on_metric = metric, .ctx = &pr};
        lr_train_config tc = {.epochs = EPOCHS, .batch_size = BS, .seed = 5, .train_idx = tr,
                              .n_train_idx = nt, .val_idx = va, .n_val_idx = nv};
        rows out = {.n = 0};
        lr_train_hooks hooks = {.sink = collect, .sink_ctx = &out};
        cr_assert_eq(lr_train(&p, &o, &rates, &tc, &lr_kernels_reference, &hooks), 0);
        cr_assert_eq(pr.evaluate_calls, 0, "the problem's evaluate (its test set) was called");
        /* every training sample once per epoch, no held-out sample ever */
        for (size_t i = 0; i < nt; i++)
            cr_assert_eq(pr.trained_on[tr[i]], EPOCHS, "fold %zu: sample %zu", f, tr[i]);
        for (size_t i = 0; i < nv; i++)
            cr_assert_eq(pr.trained_on[va[i]], 0, "fold %zu: held-out sample %zu trained on", f,
                         va[i]);
        cr_assert_eq(out.n, EPOCHS + 1);
        long per_epoch = (long)((nt + BS - 1) / BS);
        cr_assert_eq(out.row[EPOCHS].step, EPOCHS * per_epoch);
        /* the last call of the last evaluation is the held-out mean at the final parameter */
        const lr_train_row *last = &out.row[EPOCHS];
        /* the loop scales the chunk mean back by the chunk size and divides again: two roundings */
        double want = mean_loss(va, nv, pr.last_x);
        cr_assert_leq(fabs(last->val_loss - want), 2 * DBL_EPSILON * want, "fold %zu: %.17g vs %.17g",
                      f, last->val_loss, want);
        cr_assert(isnan(last->eval.test_loss) && isnan(last->eval.test_acc));
        cr_assert(last->val_loss != mean_loss(tr, nt, pr.last_x));
        cr_assert_eq(pr.n_metrics, EPOCHS, "one metric per epoch");
        for (int e = 0; e < EPOCHS; e++)
            cr_assert_eq(pr.metrics[e], out.row[e + 1].val_loss, "plateau sees val_loss");
    }
}

Test(folds, all_samples_as_a_subset_is_the_plain_run)
{
    size_t all[N];
    for (size_t i = 0; i < N; i++)
        all[i] = i;
    rows a = {.n = 0}, b = {.n = 0};
    for (int run = 0; run < 2; run++) {
        probe pr = {0};
        lr_problem p = {.name = "probe", .dim = 1, .n_train = N, .ctx = &pr, .init_params = p_init,
                        .loss_grad = p_loss_grad, .evaluate = p_eval};
        lr_optim_config o = lr_optim_defaults(LR_OPT_SGD);
        o.lr = 0.3;
        lr_rate_source rates = {.lr_at = rate, .ctx = &pr};
        lr_train_config tc = {.epochs = 2, .batch_size = BS, .seed = 5};
        if (run) {
            tc.train_idx = all;
            tc.n_train_idx = N;
        }
        lr_train_hooks hooks = {.sink = collect, .sink_ctx = run ? &b : &a};
        cr_assert_eq(lr_train(&p, &o, &rates, &tc, &lr_kernels_reference, &hooks), 0);
    }
    cr_assert_eq(a.n, b.n);
    for (int i = 0; i < a.n; i++) {
        cr_assert_eq(memcmp(&a.row[i].eval, &b.row[i].eval, sizeof(lr_eval)), 0, "row %d", i);
        cr_assert(isnan(a.row[i].val_loss) && isnan(b.row[i].val_loss));
    }
}

Test(folds, invalid_subsets_are_refused)
{
    probe pr = {0};
    lr_problem mb = {.name = "probe", .dim = 1, .n_train = N, .ctx = &pr, .init_params = p_init,
                     .loss_grad = p_loss_grad, .evaluate = p_eval};
    lr_problem fb = mb;
    fb.n_train = 0;
    lr_optim_config o = lr_optim_defaults(LR_OPT_SGD);
    o.lr = 0.1;
    lr_rate_source rates = {.lr_at = rate, .ctx = &pr};
    size_t ok[2] = {0, 1}, bad[2] = {0, N};
    lr_train_config full = {.steps = 3, .train_idx = ok, .n_train_idx = 2};
    cr_assert_eq(lr_train(&fb, &o, &rates, &full, &lr_kernels_reference, NULL), -2,
                 "subsets of a full-batch problem");
    lr_train_config out_of_range = {.epochs = 1, .batch_size = 1, .val_idx = bad, .n_val_idx = 2};
    cr_assert_eq(lr_train(&mb, &o, &rates, &out_of_range, &lr_kernels_reference, NULL), -2);
    lr_train_config empty = {.epochs = 1, .batch_size = 1, .train_idx = ok, .n_train_idx = 0};
    cr_assert_eq(lr_train(&mb, &o, &rates, &empty, &lr_kernels_reference, NULL), -2);
    cr_assert_eq(pr.evaluate_calls, 0);
}
