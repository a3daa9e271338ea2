/* The problem flags of train, find-lr and sweep (C21-C25), their per-problem defaults, and the
 * constructors they lead to. A flag that does not apply to the chosen problem is an error. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/data.h"
#include "lrlab/objective.h"
#include "lrlab/objective_nn.h"
#include "run.h"

enum {
    P_QUADRATIC = 1u << 8,
    P_ROSENBROCK = 1u << 9,
    P_LINREG = 1u << 10,
    P_SOFTMAX = 1u << 11,
    P_MLP = 1u << 12,
    P_FMNIST = P_SOFTMAX | P_MLP,
    P_FAMILY = 0xff00u
};

typedef struct problem_kind {
    const char *name;
    unsigned group;
    long epochs, steps, batch; /* defaults: full-batch problems train for `steps` */
} problem_kind;

static const problem_kind problem_kinds[] = {
    {"quadratic", P_QUADRATIC, 0, 1000, 0},
    {"rosenbrock", P_ROSENBROCK, 0, 1000, 0},
    {"linreg", P_LINREG, 20, 0, 32},
    {"fmnist-softmax", P_SOFTMAX, 15, 0, 128},
    {"fmnist-mlp", P_MLP, 15, 0, 128},
};

static const problem_kind *find_kind(const char *name)
{
    for (size_t i = 0; i < sizeof problem_kinds / sizeof problem_kinds[0]; i++)
        if (name && strcmp(name, problem_kinds[i].name) == 0)
            return &problem_kinds[i];
    return NULL;
}

void lr_problem_flags_defaults(lr_problem_flags *pf)
{
    lr_linreg_config lc = lr_linreg_defaults();
    memset(pf, 0, sizeof *pf);
    pf->dim = -1; /* per problem: 50 for the quadratic, 2 for Rosenbrock */
    pf->mu = 0.01;
    pf->L = 1.0;
    pf->samples = (long)lc.samples;
    pf->features = (long)lc.features;
    pf->noise = lc.noise;
    pf->outliers = lc.outliers;
    pf->loss = "mse";
    pf->huber_delta = lc.huber_delta;
    pf->hidden = "128";
}

void lr_problem_flag_args(lr_arg *out, lr_problem_flags *pf)
{
    const lr_arg args[LR_PROBLEM_NFLAGS] = {
        {"--problem", LR_ARG_STRING, &pf->problem, "NAME",
         "quadratic, rosenbrock, linreg, fmnist-softmax or fmnist-mlp (required)", 0, false},
        {"--dim", LR_ARG_LONG, &pf->dim, "D",
         "dimension (quadratic: default 50; rosenbrock: default 2)", P_QUADRATIC | P_ROSENBROCK, false},
        {"--mu", LR_ARG_DOUBLE, &pf->mu, "MU", "smallest eigenvalue (quadratic; default 0.01)",
         P_QUADRATIC, false},
        {"--L", LR_ARG_DOUBLE, &pf->L, "L", "largest eigenvalue (quadratic; default 1)",
         P_QUADRATIC, false},
        {"--rotate", LR_ARG_FLAG, &pf->rotate, NULL,
         "rotate A by a seeded random orthogonal matrix (quadratic; dim <= 1024)", P_QUADRATIC,
         false},
        {"--x0", LR_ARG_STRING, &pf->x0, "V[,V...]",
         "start: one value for every coordinate or dim values (quadratic: default all ones; "
         "rosenbrock: -1.2,1,...)", P_QUADRATIC | P_ROSENBROCK, false},
        {"--samples", LR_ARG_LONG, &pf->samples, "N", "training samples (linreg; default 1000)",
         P_LINREG, false},
        {"--features", LR_ARG_LONG, &pf->features, "D", "features (linreg; default 10)", P_LINREG,
         false},
        {"--noise", LR_ARG_DOUBLE, &pf->noise, "SIGMA", "label noise sigma (linreg; default 0.1)",
         P_LINREG, false},
        {"--outliers", LR_ARG_DOUBLE, &pf->outliers, "FRACTION",
         "fraction of training labels replaced by gross errors (linreg; default 0)", P_LINREG,
         false},
        {"--loss", LR_ARG_STRING, &pf->loss, "mse|huber",
         "loss (linreg; default mse, which is 1/2 r^2: half of PyTorch's MSELoss)", P_LINREG, false},
        {"--huber-delta", LR_ARG_DOUBLE, &pf->huber_delta, "DELTA",
         "Huber threshold (linreg; default 1, as PyTorch's HuberLoss)", P_LINREG, false},
        {"--data", LR_ARG_STRING, &pf->data, "DIR",
         "Fashion-MNIST IDX files (default: LRLAB_DATA, else /usr/share/datasets/fashion-mnist)",
         P_FMNIST, false},
        {"--validation", LR_ARG_LONG, &pf->validation, "K",
         "hold out the last K training images; test_loss/test_acc are then on them (default 0)",
         P_FMNIST, false},
        {"--train-size", LR_ARG_LONG, &pf->train_size, "N",
         "train on the first N training images only (default: all)", P_FMNIST, false},
        {"--hidden", LR_ARG_STRING, &pf->hidden, "W[,W...]",
         "widths of the hidden ReLU layers (fmnist-mlp; default 128)", P_MLP, false},
        {"--l2", LR_ARG_DOUBLE, &pf->l2, "L2",
         "L2 penalty l2/2 |W|^2 in the loss (weights, not biases; default 0)", P_FMNIST, false},
    };
    memcpy(out, args, sizeof args);
}

void lr_problem_training_defaults(const char *problem, long *epochs, long *steps, long *batch)
{
    const problem_kind *k = find_kind(problem);
    *epochs = k ? k->epochs : 0;
    *steps = k ? k->steps : 0;
    *batch = k ? k->batch : 0;
}

/* Parses --x0: one value (every coordinate) or exactly dim values. */
static int parse_x0(const char *cmd, const char *text, size_t dim, float **out)
{
    float *x = malloc((dim ? dim : 1) * sizeof *x);
    if (!x) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    size_t count = 0;
    const char *s = text;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || (*end != ',' && *end != '\0') || !isfinite(v)) {
            lr_errorf(cmd, "--x0: '%s' is not a list of finite numbers", text);
            free(x);
            return LR_EXIT_USAGE;
        }
        if (count < dim)
            x[count] = (float)v;
        count++;
        if (*end == '\0')
            break;
        s = end + 1;
    }
    if (count == 1) {
        for (size_t i = 1; i < dim; i++)
            x[i] = x[0];
    } else if (count != dim) {
        lr_errorf(cmd, "--x0: %zu values given, the problem has %zu parameters", count, dim);
        free(x);
        return LR_EXIT_USAGE;
    }
    *out = x;
    return LR_EXIT_OK;
}

static int positive(const char *cmd, const char *flag, long v)
{
    if (v >= 1)
        return LR_EXIT_OK;
    lr_errorf(cmd, "%s must be a positive whole number, got %ld", flag, v);
    return LR_EXIT_USAGE;
}

/* "128,64": at most LR_NN_MAX_LAYERS - 1 positive widths. */
static int parse_hidden(const char *cmd, const char *text, size_t *w, size_t *n)
{
    const char *p = text;
    *n = 0;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 100000 || errno || (*end != ',' && *end != '\0')) {
            lr_errorf(cmd, "--hidden: '%s' is not a list of widths between 1 and 100000", text);
            return LR_EXIT_USAGE;
        }
        if (*n == LR_NN_MAX_LAYERS - 1) {
            lr_errorf(cmd, "--hidden: at most %d hidden layers", LR_NN_MAX_LAYERS - 1);
            return LR_EXIT_USAGE;
        }
        w[(*n)++] = (size_t)v;
        if (*end == '\0')
            return LR_EXIT_OK;
        p = end + 1;
    }
}

/* Fashion-MNIST: loads the data (kept in *data, which must outlive the problem) and builds the
 * softmax regression or the MLP on it. */
static int build_fmnist(const char *cmd, const problem_kind *k, const lr_problem_flags *pf,
                        lr_problem *out, lr_dataset **data)
{
    size_t hidden[LR_NN_MAX_LAYERS], nhidden = 0;
    if (pf->validation < 0) {
        lr_errorf(cmd, "--validation must not be negative, got %ld", pf->validation);
        return LR_EXIT_USAGE;
    }
    if (pf->train_size < 0) {
        lr_errorf(cmd, "--train-size must be positive, got %ld", pf->train_size);
        return LR_EXIT_USAGE;
    }
    if (k->group == P_MLP && parse_hidden(cmd, pf->hidden, hidden, &nhidden) != LR_EXIT_OK)
        return LR_EXIT_USAGE;
    char err[512] = "";
    if (pf->shared_data) {
        int src = k->group == P_SOFTMAX
                      ? lr_problem_fmnist_softmax(out, pf->shared_data, pf->l2, err, sizeof err)
                      : lr_problem_fmnist_mlp(out, pf->shared_data, hidden, nhidden, pf->l2, err,
                                              sizeof err);
        if (src != 0) {
            lr_errorf(cmd, "--problem %s: %s", k->name, err[0] ? err : "cannot be built");
            return LR_EXIT_USAGE;
        }
        *data = NULL; /* the caller's */
        return LR_EXIT_OK;
    }
    lr_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    int rc = lr_dataset_load(ds, lr_data_dir(pf->data), (size_t)pf->validation, err, sizeof err);
    if (rc != LR_DATA_OK) {
        lr_errorf(cmd, "%s", err);
        free(ds);
        return rc == LR_DATA_BAD ? LR_EXIT_USAGE : LR_EXIT_FAILURE;
    }
    if (pf->train_size > 0) {
        if ((size_t)pf->train_size > ds->train.n) {
            lr_errorf(cmd, "--train-size %ld: the training split has only %zu images",
                      pf->train_size, ds->train.n);
            lr_dataset_free(ds);
            free(ds);
            return LR_EXIT_USAGE;
        }
        ds->train.n = (size_t)pf->train_size; /* the first N images of the split */
    }
    rc = k->group == P_SOFTMAX
             ? lr_problem_fmnist_softmax(out, ds, pf->l2, err, sizeof err)
             : lr_problem_fmnist_mlp(out, ds, hidden, nhidden, pf->l2, err, sizeof err);
    if (rc != 0) {
        lr_errorf(cmd, "--problem %s: %s", k->name, err[0] ? err : "cannot be built");
        lr_dataset_free(ds);
        free(ds);
        return LR_EXIT_USAGE;
    }
    *data = ds;
    return LR_EXIT_OK;
}

static int build(const char *cmd, const problem_kind *k, const lr_problem_flags *pf, uint64_t seed,
                 lr_problem *out, lr_dataset **data)
{
    if (k->group & P_FMNIST)
        return build_fmnist(cmd, k, pf, out, data);
    char err[256] = "";
    int rc = -1;
    if (k->group == P_QUADRATIC) {
        long dim = pf->dim < 0 ? 50 : pf->dim;
        if (positive(cmd, "--dim", dim))
            return LR_EXIT_USAGE;
        rc = lr_problem_quadratic(out, (size_t)dim, pf->mu, pf->L, pf->rotate, seed, err, sizeof err);
    } else if (k->group == P_ROSENBROCK) {
        long dim = pf->dim < 0 ? 2 : pf->dim;
        if (dim < 2) {
            lr_errorf(cmd, "--dim must be at least 2 for rosenbrock, got %ld", dim);
            return LR_EXIT_USAGE;
        }
        rc = lr_problem_rosenbrock(out, (size_t)dim, err, sizeof err);
    } else if (k->group == P_LINREG) {
        if (positive(cmd, "--samples", pf->samples) || positive(cmd, "--features", pf->features))
            return LR_EXIT_USAGE;
        lr_linreg_config c = lr_linreg_defaults();
        c.samples = (size_t)pf->samples;
        c.features = (size_t)pf->features;
        c.noise = pf->noise;
        c.outliers = pf->outliers;
        c.huber_delta = pf->huber_delta;
        c.seed = seed;
        if (strcmp(pf->loss, "mse") == 0) {
            c.loss = LR_LOSS_MSE;
        } else if (strcmp(pf->loss, "huber") == 0) {
            c.loss = LR_LOSS_HUBER;
        } else {
            lr_errorf(cmd, "--loss: unknown loss '%s' (choose mse or huber)", pf->loss);
            return LR_EXIT_USAGE;
        }
        rc = lr_problem_linreg(out, &c, err, sizeof err);
    }
    if (rc != 0) {
        lr_errorf(cmd, "--problem %s: %s", k->name, err[0] ? err : "cannot be built");
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

int lr_problem_from_flags(const char *cmd, const lr_arg *args, size_t nargs,
                          const lr_problem_flags *pf, uint64_t seed, lr_problem *out, float **x0,
                          lr_dataset **data)
{
    *x0 = NULL;
    *data = NULL;
    memset(out, 0, sizeof *out);
    if (!pf->problem) {
        lr_errorf(cmd, "--problem is required (quadratic, rosenbrock, linreg, fmnist-softmax or fmnist-mlp)");
        return LR_EXIT_USAGE;
    }
    const problem_kind *k = find_kind(pf->problem);
    if (!k) {
        lr_errorf(cmd, "--problem: unknown problem '%s' (choose quadratic, rosenbrock, linreg, fmnist-softmax or "
                       "fmnist-mlp)",
                  pf->problem);
        return LR_EXIT_USAGE;
    }
    char what[64];
    snprintf(what, sizeof what, "--problem %s", k->name);
    if (lr_args_check_group(cmd, args, nargs, P_FAMILY, k->group, what) != 0)
        return LR_EXIT_USAGE;
    for (size_t i = 0; i < nargs; i++) /* -1 means "per problem" only when --dim is not given */
        if (args[i].seen && strcmp(args[i].name, "--dim") == 0 && pf->dim < 1)
            return positive(cmd, "--dim", pf->dim);
    int rc = build(cmd, k, pf, seed, out, data);
    if (rc == LR_EXIT_OK && pf->x0) {
        rc = parse_x0(cmd, pf->x0, out->dim, x0);
        if (rc != LR_EXIT_OK)
            lr_problem_free(out);
    }
    return rc;
}
