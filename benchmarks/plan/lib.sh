# K01-K12: helpers the report's experiment plans share (sourced by each plan entry, POSIX sh).
# A plan entry prints one lrlab command per line (GNU parallel runs them) and records, per run,
# the settings the CSV does not carry (manifest.tsv) and the constants its analysis needs.
#
# The environment scripts/report.sh gives every entry:
#   LRLAB  the lrlab binary        OUT  this figure's results directory (fresh, empty)
#   QUICK  1 for reduced runs (same figures, smaller grids, fewer seeds), else 0

# q FULL QUICK: the value for this mode.
q() {
    if [ "${QUICK:-0}" = 1 ]; then printf '%s\n' "$2"; else printf '%s\n' "$1"; fi
}

# calc EXPR: an awk expression, printed with 10 significant digits.
calc() {
    awk "BEGIN { printf \"%.10g\n\", $* }"
}

# loggrid LO HI PER_DECADE: log-spaced values from LO to HI, both included.
loggrid() {
    awk -v lo="$1" -v hi="$2" -v n="$3" 'BEGIN {
        a = log(lo) / log(10); b = log(hi) / log(10); k = int((b - a) * n + 0.5)
        if (k < 1) k = 1
        for (i = 0; i <= k; i++) printf "%.6g\n", 10 ^ (a + (b - a) * i / k)
    }'
}

# seeds N: 0 .. N-1.
seeds() {
    awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) print i }'
}

# param NAME VALUE: a constant of this figure for its analysis (params.tsv).
param() {
    printf '%s\t%s\n' "$1" "$2" >> "$OUT/params.tsv"
}

# pending WHAT WHY: a part of this figure that cannot be run yet, and why (pending.tsv).
pending() {
    printf '%s\t%s\n' "$1" "$2" >> "$OUT/pending.tsv"
}

# run NAME "key=value ..." SUBCOMMAND ARGS...: one lrlab command writing $OUT/NAME.csv (its
# messages to $OUT/NAME.log), and its settings in manifest.tsv. A value may contain spaces: the
# next " key=" ends it. find-lr runs also write their suggestions to $OUT/NAME.sugg.csv.
run() {
    name=$1 tags=$2
    shift 2
    printf '%s\t%s\n' "$name" "$tags" >> "$OUT/manifest.tsv"
    extra=""
    [ "$1" = find-lr ] && extra=" --suggestions $OUT/$name.sugg.csv"
    printf '%s %s --output %s/%s.csv%s 2>%s/%s.log\n' "$LRLAB" "$*" "$OUT" "$name" "$extra" \
        "$OUT" "$name"
}

# train_accepts ARGS...: whether this lrlab train accepts ARGS on a tiny problem (a capability
# probe: later work adds flags, and a plan uses them as soon as they exist). On refusal, prints
# the first line of lrlab's complaint.
train_accepts() {
    probe_msg=$("$LRLAB" train --problem linreg --samples 8 --features 2 --epochs 2 \
        --optimizer sgd --lr 0.1 "$@" --output /dev/null 2>&1)
    probe_rc=$?
    [ $probe_rc -eq 0 ] || printf '%s\n' "$probe_msg" | head -n 1
    return $probe_rc
}

# fmnist_data [N]: the --data flag for the Fashion-MNIST files the report unpacked (FMNIST, set by
# scripts/report.sh); with N, a copy whose training files hold only the first N images (made once,
# the test files linked). Every run loads its whole training file, and most runs here use a few
# thousand images: a run on the first N images of the copy is the run on the full files with
# --train-size N (the same rows, as the plans still pass --train-size), but it loads in a fraction
# of the time. With --validation K, pass N + K: the last K images of the copy are held out. When
# there are no files, records why as pending and fails: `data=$(fmnist_data 5000) || exit 0`.
fmnist_data() {
    if [ -z "${FMNIST:-}" ] || ! [ -f "$FMNIST/train-images-idx3-ubyte" ]; then
        pending fmnist "no Fashion-MNIST files (install dataset-fashion-mnist, or set LRLAB_DATA)"
        return 1
    fi
    if [ -z "${1:-}" ]; then
        printf -- '--data %s\n' "$FMNIST"
        return 0
    fi
    head_dir=$FMNIST-first-$1
    if ! [ -f "$head_dir/train-labels-idx1-ubyte" ]; then
        mkdir -p "$head_dir"
        python3 - "$FMNIST" "$head_dir" "$1" <<'EOF_PY' || return 1
import os, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for base, item in (('train-images-idx3-ubyte', 784), ('train-labels-idx1-ubyte', 1)):
    with open(os.path.join(src, base), 'rb') as f:
        head = f.read(16 if item > 1 else 8)
        count = struct.unpack('>I', head[4:8])[0]
        if n > count:
            sys.exit('fmnist_data: %d images asked, %s has %d' % (n, base, count))
        body = f.read(n * item)
    with open(os.path.join(dst, base), 'wb') as f:
        f.write(head[:4] + struct.pack('>I', n) + head[8:] + body)
for base in ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'):
    os.symlink(os.path.join(src, base), os.path.join(dst, base))
EOF_PY
    fi
    printf -- '--data %s\n' "$head_dir"
}

# steps_per_epoch N B: optimizer steps in one pass over N samples in minibatches of B (the last
# batch may be short).
steps_per_epoch() {
    echo $(( ($1 + $2 - 1) / $2 ))
}

# bench NAME "key=value ..." ARGS...: a run of the benchmark binary (LRLAB_BENCH) writing Google
# Benchmark's JSON to $OUT/NAME.json. Benchmarks run after the plan's other runs, one at a time,
# so that timings are not shared with the report's own runs (scripts/report.sh runs
# $OUT/serial.txt). Fails (recording why as pending) when the binary is missing.
bench() {
    if [ -z "${LRLAB_BENCH:-}" ] || ! [ -x "$LRLAB_BENCH" ]; then
        pending "$1" "the benchmark binary ${LRLAB_BENCH:-build/lrlab-bench} is missing (make $(basename "${LRLAB_BENCH:-build/lrlab-bench}"))"
        return 1
    fi
    name=$1 tags=$2
    shift 2
    printf '%s\t%s\n' "$name" "$tags" >> "$OUT/manifest.tsv"
    printf '%s %s --benchmark_out=%s/%s.json --benchmark_out_format=json >%s/%s.log 2>&1\n' \
        "$LRLAB_BENCH" "$*" "$OUT" "$name" "$OUT" "$name" >> "$OUT/serial.txt"
}

# serial NAME "key=value ..." SUBCOMMAND ARGS...: like run, but the command runs with the
# benchmarks, alone on the machine (for runs whose seconds are the measurement).
serial() {
    name=$1 tags=$2
    shift 2
    printf '%s\t%s\n' "$name" "$tags" >> "$OUT/manifest.tsv"
    printf '%s %s --output %s/%s.csv 2>%s/%s.log\n' "$LRLAB" "$*" "$OUT" "$name" "$OUT" "$name" \
        >> "$OUT/serial.txt"
}
