/* The lists of kernel pairs (the XNNPACK habit): dispatch, agreement tests and benchmarks all
 * expand them, so a new kernel is one line here plus its two functions. */
#ifndef LRLAB_KERNELS_H
#define LRLAB_KERNELS_H

#include "lrlab/objective.h"
#include "lrlab/objective_nn.h"
#include "lrlab/optim.h"
#include "lrlab/schedule.h"

/* X(name, function-pointer type, reference function, AVX2 function, concept IDs).
 * One list per contract, so each test suite expands the family it can judge:
 * update rules are bitwise twins (memcmp); schedule tables agree within the ULP bound stated in
 * schedule.h; objectives agree within the bound stated next to each declaration in objective.h and
 * objective_nn.h.
 * LR_KERNEL_LIST is all of them: the dispatch tables. */
#define LR_UPDATE_KERNELS(X)                                                               \
    X(sgd, lr_sgd_step_fn, lr_sgd_step_ref, lr_sgd_step_avx2, "C01 C02")                   \
    X(adagrad, lr_adagrad_step_fn, lr_adagrad_step_ref, lr_adagrad_step_avx2, "C03")       \
    X(rmsprop, lr_rmsprop_step_fn, lr_rmsprop_step_ref, lr_rmsprop_step_avx2, "C04")       \
    X(adam, lr_adam_step_fn, lr_adam_step_ref, lr_adam_step_avx2, "C05 C06")

#define LR_SCHEDULE_KERNELS(X)                                                             \
    X(schedule_table, lr_schedule_table_fn, lr_schedule_table_ref, lr_schedule_table_avx2, "C07-C16")

#define LR_OBJECTIVE_KERNELS(X)                                                                       \
    X(quadratic_diag, lr_quadratic_diag_fn, lr_quadratic_diag_ref, lr_quadratic_diag_avx2, "C21")     \
    X(quadratic_dense, lr_quadratic_dense_fn, lr_quadratic_dense_ref, lr_quadratic_dense_avx2, "C21") \
    X(rosenbrock, lr_rosenbrock_fn, lr_rosenbrock_ref, lr_rosenbrock_avx2, "C22")                     \
    X(linreg, lr_linreg_fn, lr_linreg_ref, lr_linreg_avx2, "C23")                                     \
    X(dense_forward, lr_dense_forward_fn, lr_dense_forward_ref, lr_dense_forward_avx2, "C24 C25")     \
    X(dense_backward, lr_dense_backward_fn, lr_dense_backward_ref, lr_dense_backward_avx2, "C24 C25") \
    X(softmax_xent, lr_softmax_xent_fn, lr_softmax_xent_ref, lr_softmax_xent_avx2, "C24 C25")         \
    X(softmax_metrics, lr_softmax_metrics_fn, lr_softmax_metrics_ref, lr_softmax_metrics_avx2,     \
      "C24 C25")                                                                                      \
    X(gather_pixels, lr_gather_pixels_fn, lr_gather_pixels_ref, lr_gather_pixels_avx2, "C24 C25")

#define LR_KERNEL_LIST(X)                                                                  \
    LR_UPDATE_KERNELS(X)                                                                   \
    LR_SCHEDULE_KERNELS(X)                                                                 \
    LR_OBJECTIVE_KERNELS(X)

/* A table of kernels of one implementation. Procedures (the optimizer, training, range test)
 * call kernels only through a table they are handed. */
typedef struct lr_kernels {
    const char *impl; /* "reference" or "avx2" */
#define LR_KERNEL_FIELD(name, type, ref, avx2, ids) type name;
    LR_KERNEL_LIST(LR_KERNEL_FIELD)
#undef LR_KERNEL_FIELD
} lr_kernels;

typedef enum lr_impl { LR_IMPL_AUTO, LR_IMPL_REFERENCE, LR_IMPL_AVX2 } lr_impl;

/* The two tables: reference/kernels.c and optimized/kernels.c. These and nothing else are global. */
extern const lr_kernels lr_kernels_reference;
extern const lr_kernels lr_kernels_avx2;

/* Parses "auto", "reference" or "avx2"; -1 for anything else. */
int lr_impl_parse(const char *name, lr_impl *impl);

/* True when this CPU (and its OS) supports AVX2 and FMA. */
int lr_cpu_has_avx2_fma(void);

/* The dispatch point. AUTO honours LRLAB_IMPL=reference|avx2 and otherwise picks AVX2 when the CPU
 * has it. Asking for AVX2 (by argument or environment) on a CPU without it, or an unknown LRLAB_IMPL,
 * returns NULL with *err set to a sentence; there is no silent fallback. */
const lr_kernels *lr_kernels_select(lr_impl want, const char **err);

#endif
