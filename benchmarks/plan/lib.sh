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
