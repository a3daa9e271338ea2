/* C20 lane-batched training, the part every problem shares: slots, rows, lanes that diverge or are
 * stopped by their sink, rate sources, progress and the split of step time, in lr_train's two
 * loops (full batch, minibatch). A problem brings its shared passes as a lanes_ops. Internal to
 * optimized/ (optimized/lanes.c runs the loop; lanes_softmax.c, lanes_quadratic.c, lanes_linreg.c). */
#ifndef LRLAB_OPTIMIZED_LANES_CORE_H
#define LRLAB_OPTIMIZED_LANES_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "lrlab/kernels.h"
#include "lrlab/lanes.h"

/* A lane's parameters come in at most this many parts (softmax: W and b), each stepped by its own
 * lr_optimizer with the lane's rate, so a part is one elementwise call as in the single run. */
#define LANES_MAX_PARTS 2

/* One part of every slot: slot s's values at w + s*size, its gradient at g + s*size. The lane's
 * parameter vector (as lr_train holds it) is its parts one after another. */
typedef struct lanes_part {
    float *w, *g;
    size_t size;
} lanes_part;

/* One lane while it trains. */
typedef struct lane_state {
    lr_lane *lane;
    lr_optimizer opt[LANES_MAX_PARTS];
    double seconds;
} lane_state;

/* A run of consecutive slots [first, first + count). */
typedef struct slot_range {
    size_t first, count;
} slot_range;

typedef struct lanes_run lanes_run;

/* What a problem brings. Both passes cover slots only (slot s: the lane r->slot[s]). */
typedef struct lanes_ops {
    /* Every active slot's loss on the batch idx[0..batch) (full batch: idx NULL, batch 0) into
     * r->loss[s] and its gradient into the parts' g; one pass over the data for all of them. */
    void (*loss_grad_all)(lanes_run *r, const size_t *idx, size_t batch);
    /* The problem's evaluate for slots g (ev[j] for slot g.first + j), bitwise the single run's. */
    void (*evaluate)(lanes_run *r, slot_range g, lr_eval *ev);
} lanes_ops;

/* Slots 0..active-1 hold the lanes still training, so the passes cover exactly them. */
struct lanes_run {
    const lr_problem *p;
    const lr_train_config *tc;
    const lr_kernels *k;
    const lanes_ops *ops;
    void *ctx; /* the problem's own state for its ops */
    lanes_part part[LANES_MAX_PARTS];
    size_t nparts, nlanes, active;
    lane_state *slot[LR_LANES_MAX];
    lane_state state[LR_LANES_MAX];
    double loss[LR_LANES_MAX]; /* per slot: the last batch loss */
    size_t *idx;
    long step, epoch, total_steps;
};

static inline float *lanes_w(const lanes_run *r, size_t part, size_t s)
{
    return r->part[part].w + s * r->part[part].size;
}

static inline float *lanes_g(const lanes_run *r, size_t part, size_t s)
{
    return r->part[part].g + s * r->part[part].size;
}

/* Trains lanes[0..nlanes) of problem p as lr_train would train each alone on the AVX2 table, the
 * passes from ops (ctx: theirs); the parameters are parts of the sizes given (summing to p->dim).
 * Arguments are checked by the caller. Returns 0, or -1 when memory runs out. */
int lanes_train(const lr_problem *p, const lr_train_config *tc, const lanes_ops *ops, void *ctx,
                const size_t *part_size, size_t nparts, lr_lane *lanes, size_t nlanes);

/* The problems' entries (arguments checked by lr_lanes_train but for the problem's own). */
int lanes_train_softmax(const lr_problem *p, const lr_dataset *ds, double l2,
                        const lr_train_config *tc, lr_lane *lanes, size_t nlanes);
int lanes_train_quadratic(const lr_problem *p, const lr_train_config *tc, lr_lane *lanes,
                          size_t nlanes);
int lanes_train_linreg(const lr_problem *p, const lr_train_config *tc, lr_lane *lanes,
                       size_t nlanes);

#endif
