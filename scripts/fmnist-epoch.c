/* C24/C25 speed: wall time of one training epoch (minibatch loss and gradient plus an SGD step,
 * batch 128, seeded shuffle) for softmax regression and an MLP, with the reference and the AVX2
 * kernel tables, and the data load time. Not a test: scripts/fmnist-epoch.sh builds and runs it
 * next to scripts/fmnist-epoch-torch.py. Usage: fmnist-epoch [--avx2-only] [REPS [HIDDEN]] */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lrlab/train.h"
#include "lrlab/data.h"
#include "lrlab/kernels.h"
#include "lrlab/objective_nn.h"
#include "lrlab/optim.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One epoch; returns seconds and the mean training loss over its batches. */
static double epoch(const lr_problem *p, const lr_kernels *k, float *params, float *grad,
                    size_t *perm, size_t batch, uint64_t seed, double *mean_loss)
{
    size_t n = p->n_train;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    lr_shuffle(perm, n, &seed);
    lr_optim_config cfg = lr_optim_defaults(LR_OPT_SGD);
    cfg.lr = 0.05;
    lr_optimizer opt;
    if (lr_optimizer_init(&opt, &cfg, p->dim, k) != 0)
        abort();
    double start = now(), total = 0;
    size_t steps = 0;
    for (size_t b = 0; b < n; b += batch, steps++) {
        size_t m = n - b < batch ? n - b : batch;
        total += p->loss_grad(p->ctx, k, params, perm + b, m, grad);
        lr_optimizer_step(&opt, cfg.lr, params, grad);
    }
    double secs = now() - start;
    lr_optimizer_free(&opt);
    *mean_loss = total / (double)steps;
    return secs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run(const char *label, lr_problem *p, int reps, bool avx2_only)
{
    const lr_kernels *tables[2] = {&lr_kernels_reference, &lr_kernels_avx2};
    float *params = malloc(p->dim * sizeof(float)), *grad = malloc(p->dim * sizeof(float));
    size_t *perm = malloc(p->n_train * sizeof(size_t));
    double best[2] = {0, 0};
    for (int t = 0; t < 2; t++) {
        if (t == 1 && !lr_cpu_has_avx2_fma())
            break;
        if (t == 0 && avx2_only)
            continue;
        int r = t == 0 ? 1 : reps; /* the reference is slow: one epoch */
        double secs[64], loss = 0;
        for (int i = 0; i < r && i < 64; i++) {
            p->init_params(p->ctx, 1, params);
            secs[i] = epoch(p, tables[t], params, grad, perm, 128, 42 + (uint64_t)i, &loss);
        }
        qsort(secs, (size_t)r, sizeof secs[0], cmp_double);
        best[t] = secs[0];
        lr_eval ev;
        p->evaluate(p->ctx, tables[t], params, &ev);
        printf("lrlab %-16s %-9s batch 128: best %.4f s/epoch, median %.4f (%d runs); "
               "mean batch loss %.4f, test acc after 1 epoch %.4f\n",
               label, tables[t]->impl, secs[0], secs[r / 2], r, loss, ev.test_acc);
    }
    if (best[0] > 0 && best[1] > 0)
        printf("lrlab %-16s avx2 speed-up over reference: %.1fx\n", label, best[0] / best[1]);
    free(params), free(grad), free(perm);
}

int main(int argc, char **argv)
{
    bool avx2_only = argc > 1 && strcmp(argv[1], "--avx2-only") == 0;
    if (avx2_only) {
        argv++;
        argc--;
    }
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    size_t hidden = argc > 2 ? (size_t)atol(argv[2]) : 100;
    if (reps < 1 || reps > 64 || hidden < 1) {
        fprintf(stderr, "usage: fmnist-epoch [--avx2-only] [REPS (1..64) [HIDDEN]]\n");
        return 2;
    }
    lr_dataset ds;
    char err[512];
    const char *dir = lr_data_dir(NULL);
    double t0 = now();
    if (lr_dataset_load(&ds, dir, 0, err, sizeof err) != LR_DATA_OK) {
        fprintf(stderr, "fmnist-epoch: %s\n", err);
        return 2;
    }
    printf("load %s: %.3f s (%zu train, %zu test images)\n", dir, now() - t0, ds.train.n, ds.test.n);
    lr_problem p;
    if (lr_problem_fmnist_softmax(&p, &ds, 0.0, err, sizeof err) != 0) {
        fprintf(stderr, "fmnist-epoch: %s\n", err);
        return 1;
    }
    run("softmax", &p, reps, avx2_only);
    lr_problem_free(&p);
    char label[32];
    snprintf(label, sizeof label, "mlp-784-%zu-10", hidden);
    if (lr_problem_fmnist_mlp(&p, &ds, &hidden, 1, 0.0, err, sizeof err) != 0) {
        fprintf(stderr, "fmnist-epoch: %s\n", err);
        return 1;
    }
    run(label, &p, reps, avx2_only);
    lr_problem_free(&p);
    lr_dataset_free(&ds);
    return 0;
}
