# Figure 13: lane-batched sweeps (C20, benchmarks/lanes.c): one epoch of Fashion-MNIST-shaped
# softmax regression (4096 seeded images) for K = 1..16 rates, as K lanes of one pass against K
# lr_train runs one after another; lane-samples per second against K. Alone on the machine.
. "$PLAN_LIB"
min_time=$(q 0.2 0.01)
reps=$(q 3 1)
param min_time $min_time
param repetitions $reps
bench lanes "part=lanes" "--benchmark_filter='^lanes_epoch/'" "--benchmark_min_time=$min_time" \
    "--benchmark_repetitions=$reps" "--benchmark_enable_random_interleaving=true" || true
