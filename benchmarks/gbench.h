/* Benchmarks (all concepts): a C interface to Google Benchmark 1.7.1, which has none of its own.
 * gbench.cc implements it over the C++ library; every benchmark under benchmarks/ is C and sees
 * only this header. Names of benchmarks follow `KERNEL/IMPL/N` (see benchmarks/README.md). */
#ifndef LRLAB_BENCHMARKS_GBENCH_H
#define LRLAB_BENCHMARKS_GBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* benchmark::State and benchmark::internal::Benchmark, seen from C as opaque handles. */
typedef struct gbench_state gbench_state;
typedef struct gbench_benchmark gbench_benchmark;

/* A benchmark body. `ctx` is the pointer given at registration (usually a const table entry);
 * the body sets up its data, runs `while (gbench_keep_running(st)) { ... }` and afterwards reports
 * what one iteration processed. It is called several times per benchmark (Google Benchmark grows
 * the iteration count until the minimum time is reached), so setup must not leak. */
typedef void (*gbench_fn)(gbench_state *st, const void *ctx);

/* ---- Registration (before gbench_main runs; see GBENCH_CONSTRUCTOR) -------------------------
 * gbench_register copies `name`. The other calls configure the benchmark just registered and
 * return it, so they can be chained: gbench_arg(gbench_arg(gbench_register(...), 8), 64).
 * Every argument set becomes one instance named NAME/ARG[/ARG...]. Out of memory aborts. */
gbench_benchmark *gbench_register(const char *name, gbench_fn fn, const void *ctx);
/* The same, but the benchmark owns `ctx`: release(ctx) runs when Google Benchmark destroys its
 * registered benchmarks at exit. For context made on the heap at registration (e.g. data loaded on
 * first use and kept for later runs), which then neither leaks nor needs a global. */
gbench_benchmark *gbench_register_owned(const char *name, gbench_fn fn, void *ctx,
                                        void (*release)(void *ctx));
gbench_benchmark *gbench_arg(gbench_benchmark *b, int64_t x);                /* one instance, arg x */
gbench_benchmark *gbench_args(gbench_benchmark *b, const int64_t *xs, size_t count); /* several args */
/* Instances lo, lo*m, lo*m^2, ... and hi (m = the range multiplier, 8 unless set before). */
gbench_benchmark *gbench_range(gbench_benchmark *b, int64_t lo, int64_t hi);
gbench_benchmark *gbench_range_multiplier(gbench_benchmark *b, int m);
gbench_benchmark *gbench_dense_range(gbench_benchmark *b, int64_t lo, int64_t hi, int step);
/* Per-benchmark minimum time in seconds; overrides --benchmark_min_time. */
gbench_benchmark *gbench_min_time(gbench_benchmark *b, double seconds);
/* Rates are per CPU second of the calling thread by default (robust on a shared machine);
 * this switches one benchmark to wall-clock time. */
gbench_benchmark *gbench_use_real_time(gbench_benchmark *b);

/* Runs fn() when the program is loaded, before main: the way a benchmark file registers its
 * instances without any central list to edit. Usage at file scope: GBENCH_CONSTRUCTOR(my_fn) */
#define GBENCH_CONSTRUCTOR(fn)                                                                     \
    static void fn(void);                                                                          \
    __attribute__((constructor)) static void fn##_at_load(void) { fn(); }

/* ---- Inside a benchmark body ------------------------------------------------------------------ */
/* True while more iterations are wanted; the timer runs from the first call to the false return. */
bool gbench_keep_running(gbench_state *st);
/* The i-th argument of this instance (state.range(i)). */
int64_t gbench_state_arg(const gbench_state *st, size_t i);
/* Iterations run so far (after the loop: all of them). */
int64_t gbench_iterations(const gbench_state *st);
/* Totals over all iterations; reported as items_per_second and bytes_per_second. Call after
 * the loop, e.g. gbench_set_items_processed(st, gbench_iterations(st) * n). */
void gbench_set_items_processed(gbench_state *st, int64_t items);
void gbench_set_bytes_processed(gbench_state *st, int64_t bytes);

/* User counters (benchmark::Counter). Flags combine: */
enum {
    GBENCH_COUNTER_DEFAULT = 0,
    GBENCH_COUNTER_RATE = 1 << 0,           /* divide by the measured seconds */
    GBENCH_COUNTER_PER_ITERATION = 1 << 1,  /* divide by the iteration count */
    GBENCH_COUNTER_ITERATION_INVARIANT = 1 << 2, /* multiply by the iteration count */
};
void gbench_set_counter(gbench_state *st, const char *name, double value, unsigned flags);
/* A rate counter: `total` units done over the whole loop, reported as units per second (the
 * same kind of number as items_per_second, e.g. "flops" for floating-point operations/s). */
void gbench_add_rate_counter(gbench_state *st, const char *name, double total);
void gbench_set_label(gbench_state *st, const char *label);
/* Exclude setup inside the loop from the timing. Costly (two clock reads each): for large
 * bodies only. */
void gbench_pause_timing(gbench_state *st);
void gbench_resume_timing(gbench_state *st);
/* Marks this run failed with `message` (the loop then stops at once); gbench_main then exits 1.
 * Use it when the body finds its own data invalid, so that a bad measurement is never reported. */
void gbench_skip_with_error(gbench_state *st, const char *message);
bool gbench_error_occurred(const gbench_state *st);

/* Keep the compiler from deleting a computation whose result is otherwise unused: the value (a
 * scalar or pointer lvalue or rvalue) is made to exist in a register or in memory, and memory
 * may be read. For results left in memory, pass a pointer to them. Costs no instruction. */
#define gbench_do_not_optimize(value) __asm__ volatile("" : : "r,m"(value) : "memory")

/* A compiler barrier: all stores issued before it must happen, and memory may be re-read after
 * it. Put it at the end of a loop body whose only effect is writing arrays. No instruction. */
static inline void gbench_clobber_memory(void)
{
    __asm__ volatile("" : : : "memory");
}

/* ---- Running ---------------------------------------------------------------------------------
 * Parses the --benchmark_* flags (--help lists them; --benchmark_min_time is a number of seconds
 * in this version), runs what --benchmark_filter selects and reports as Google Benchmark does.
 * Returns 0; 2 for an unknown argument; 1 when the filter matches nothing or a benchmark
 * reported an error. */
int gbench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
