# Figure 12: speed of the update rules (C01-C06 kernels, benchmarks/update_rules.c): parameters
# updated per second against the number of parameters for the reference and AVX2 kernels and the
# roofline loop (the same loads and stores, no arithmetic), PyTorch when results/peer.csv exists
# (`make bench-peer`); and seconds per training epoch of the Fashion-MNIST problems (C24, C25) with
# the reference and the AVX2 kernels. Short runs, alone on the machine after the other runs.
. "$PLAN_LIB"

# Google Benchmark at a small minimum time, one repetition (make bench: 0.05 s, 5): enough for the
# shape of the curves; results/bench.csv from `make bench` is the careful measurement.
min_time=$(q 0.01 0.002)
sizes=$(q '[0-9]+' '[0-9]{4,7}')   # QUICK leaves out 2^24, whose set-up dominates
param min_time $min_time
bench kernels "part=kernels" "--benchmark_filter='^[a-z_]+/(ref|avx2|roofline)/$sizes\$'" \
    "--benchmark_min_time=$min_time" || true

if [ -f results/peer.csv ]; then
    cp results/peer.csv "$OUT/peer.csv"
    param peer_date "$(date -u -r results/peer.csv +%Y-%m-%d)"
else
    pending peer "no results/peer.csv (make bench-peer measures PyTorch; the report does not need torch)"
fi

pending torch-epochs "PyTorch's epoch times are measured by hand (scripts/fmnist-epoch.sh): the report does not run torch"

# Seconds per epoch: lrlab train's seconds column (training only, evaluation excluded) after one
# epoch of batch 128 on a subset, evaluated on a small held-out split to keep the run short.
size=$(q 10000 2000)
data=$(fmnist_data $((size + 1000))) || exit 0
param epoch_images $size
for impl in reference avx2; do
    for problem in fmnist-softmax fmnist-mlp; do
        serial "epoch-$problem-$impl" "part=epoch problem=$problem impl=$impl" train \
            --problem "$problem" $data --train-size "$size" --validation 1000 --epochs 1 \
            --batch-size 128 --optimizer sgd --lr 0.05 --impl $impl
    done
done
