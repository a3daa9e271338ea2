// Benchmarks (all concepts): the only C++ in lrlab, a thin layer that gives the C benchmarks the
// Google Benchmark 1.7.1 API declared in gbench.h. No timing logic lives here: every call forwards
// to the library, so what is measured and how is exactly Google Benchmark's.
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <vector>

namespace {

benchmark::State &as_state(gbench_state *st) { return *reinterpret_cast<benchmark::State *>(st); }

const benchmark::State &as_state(const gbench_state *st)
{
    return *reinterpret_cast<const benchmark::State *>(st);
}

benchmark::internal::Benchmark *as_bench(gbench_benchmark *b)
{
    return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

gbench_benchmark *as_handle(benchmark::internal::Benchmark *b)
{
    return reinterpret_cast<gbench_benchmark *>(b);
}

// The console (or --benchmark_format) reporter, plus a count of runs that reported an error, so
// that a benchmark which found its data invalid makes the program fail instead of passing quietly.
class ErrorCountingReporter : public benchmark::BenchmarkReporter {
  public:
    // `inner` stays owned by the library (CreateDefaultDisplayReporter keeps it for the process).
    explicit ErrorCountingReporter(benchmark::BenchmarkReporter *inner) : inner_(inner) {}

    bool ReportContext(const Context &context) override { return inner_->ReportContext(context); }

    void ReportRuns(const std::vector<Run> &runs) override
    {
        for (const Run &run : runs) {
            if (run.error_occurred) {
                errors_++;
                std::fprintf(stderr, "lrlab-bench: %s failed: %s\n", run.benchmark_name().c_str(),
                             run.error_message.c_str());
            }
        }
        inner_->ReportRuns(runs);
    }

    void Finalize() override { inner_->Finalize(); }

    int errors() const { return errors_; }

  private:
    benchmark::BenchmarkReporter *inner_;
    int errors_ = 0;
};

} // namespace

extern "C" {

gbench_benchmark *gbench_register(const char *name, gbench_fn fn, const void *ctx)
{
    auto body = [fn, ctx](benchmark::State &st) {
        fn(reinterpret_cast<gbench_state *>(&st), ctx);
    };
    return as_handle(benchmark::RegisterBenchmark(name, body));
}

gbench_benchmark *gbench_register_owned(const char *name, gbench_fn fn, void *ctx,
                                        void (*release)(void *ctx))
{
    // The lambda holds the only owner; the library keeps the lambda as long as the benchmark.
    std::shared_ptr<void> owner(ctx, release);
    auto body = [fn, owner](benchmark::State &st) {
        fn(reinterpret_cast<gbench_state *>(&st), owner.get());
    };
    return as_handle(benchmark::RegisterBenchmark(name, body));
}

gbench_benchmark *gbench_arg(gbench_benchmark *b, int64_t x) { return as_handle(as_bench(b)->Arg(x)); }

gbench_benchmark *gbench_args(gbench_benchmark *b, const int64_t *xs, size_t count)
{
    return as_handle(as_bench(b)->Args(std::vector<int64_t>(xs, xs + count)));
}

gbench_benchmark *gbench_range(gbench_benchmark *b, int64_t lo, int64_t hi)
{
    return as_handle(as_bench(b)->Range(lo, hi));
}

gbench_benchmark *gbench_range_multiplier(gbench_benchmark *b, int m)
{
    return as_handle(as_bench(b)->RangeMultiplier(m));
}

gbench_benchmark *gbench_dense_range(gbench_benchmark *b, int64_t lo, int64_t hi, int step)
{
    return as_handle(as_bench(b)->DenseRange(lo, hi, step));
}

gbench_benchmark *gbench_min_time(gbench_benchmark *b, double seconds)
{
    return as_handle(as_bench(b)->MinTime(seconds));
}

gbench_benchmark *gbench_use_real_time(gbench_benchmark *b)
{
    return as_handle(as_bench(b)->UseRealTime());
}

bool gbench_keep_running(gbench_state *st) { return as_state(st).KeepRunning(); }

int64_t gbench_state_arg(const gbench_state *st, size_t i) { return as_state(st).range(i); }

int64_t gbench_iterations(const gbench_state *st)
{
    return static_cast<int64_t>(as_state(st).iterations());
}

void gbench_set_items_processed(gbench_state *st, int64_t items)
{
    as_state(st).SetItemsProcessed(items);
}

void gbench_set_bytes_processed(gbench_state *st, int64_t bytes)
{
    as_state(st).SetBytesProcessed(bytes);
}

void gbench_set_counter(gbench_state *st, const char *name, double value, unsigned flags)
{
    int f = benchmark::Counter::kDefaults;
    if (flags & GBENCH_COUNTER_RATE)
        f |= benchmark::Counter::kIsRate;
    if (flags & GBENCH_COUNTER_PER_ITERATION)
        f |= benchmark::Counter::kAvgIterations;
    if (flags & GBENCH_COUNTER_ITERATION_INVARIANT)
        f |= benchmark::Counter::kIsIterationInvariant;
    as_state(st).counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f));
}

void gbench_add_rate_counter(gbench_state *st, const char *name, double total)
{
    gbench_set_counter(st, name, total, GBENCH_COUNTER_RATE);
}

void gbench_set_label(gbench_state *st, const char *label) { as_state(st).SetLabel(label); }

void gbench_pause_timing(gbench_state *st) { as_state(st).PauseTiming(); }

void gbench_resume_timing(gbench_state *st) { as_state(st).ResumeTiming(); }

void gbench_skip_with_error(gbench_state *st, const char *message)
{
    as_state(st).SkipWithError(message);
}

bool gbench_error_occurred(const gbench_state *st) { return as_state(st).error_occurred(); }

int gbench_main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    ErrorCountingReporter reporter(benchmark::CreateDefaultDisplayReporter());
    size_t matched = benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    if (matched == 0) {
        std::fprintf(stderr, "lrlab-bench: no benchmark matches --benchmark_filter=%s\n",
                     benchmark::GetBenchmarkFilter().c_str());
        return 1;
    }
    return reporter.errors() > 0 ? 1 : 0;
}

} // extern "C"
