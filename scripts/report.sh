#!/usr/bin/env bash
# K01-K12: `make report`: runs the experiment plan (benchmarks/plan/*.sh) with GNU parallel, derives
# the tables and verdicts (scripts/report.py), draws every figure (scripts/plots/*.gp, SVG and PNG)
# and writes report.md, claims.md and a self-contained report.html.
#
# Environment: QUICK=1 for reduced runs (written under results/report-quick/, pages included, so
# the committed full report in docs/ stays as it is); JOBS (default: all cores); REPORT_OUT (where
# the pages go: docs/ for the full plan); LRLAB (default build/lrlab); LRLAB_BENCH (default
# lrlab-bench next to LRLAB); LRLAB_DATA (Fashion-MNIST's directory, as lrlab reads it);
# ONLY="fig01-... ..." to run some plan entries only (the others' figures are then missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
    results=results/report-quick
    out=${REPORT_OUT:-results/report-quick/docs}
    mode="QUICK plan (smaller grids, fewer seeds)"
else
    results=results/report
    out=${REPORT_OUT:-docs}
    mode="full plan"
fi
LRLAB=${LRLAB:-$root/build/lrlab}
LRLAB_BENCH=${LRLAB_BENCH:-$(dirname "$LRLAB")/lrlab-bench}
JOBS=${JOBS:-$(nproc)}
[ -x "$LRLAB" ] || { echo "report: $LRLAB is missing: run make first" >&2; exit 1; }
for tool in parallel gnuplot pandoc python3; do
    command -v $tool >/dev/null || { echo "report: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

start=$(date +%s.%N)
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
rm -rf "$results"
mkdir -p "$results" "$out/figures"

# 0. Fashion-MNIST, unpacked once: every run loads the whole training set, and reading raw IDX
# files costs a third of what inflating the .gz does each time (the files stay the same bytes).
fmnist=""
src=${LRLAB_DATA:-/usr/share/datasets/fashion-mnist}
if [ -d "$src" ]; then
    fmnist=$root/$results/fmnist-data
    mkdir -p "$fmnist"
    for base in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
                t10k-labels-idx1-ubyte; do
        if [ -f "$src/$base.gz" ]; then
            gzip -dc "$src/$base.gz" > "$fmnist/$base"
        elif [ -f "$src/$base" ]; then
            cp "$src/$base" "$fmnist/$base"
        else
            echo "report: $src/$base(.gz) is missing: the Fashion-MNIST figures are skipped" >&2
            fmnist=""
            break
        fi
    done
fi

# 1. The plan: each entry prints its commands into its own results directory (and, in
# serial.txt, the commands that must run alone: benchmarks).
plans=()
for plan in benchmarks/plan/*.sh; do
    name=$(basename "$plan" .sh)
    [ "$name" = lib ] && continue
    if [ -n "${ONLY:-}" ] && ! [[ " $ONLY " == *" $name "* ]]; then continue; fi
    plans+=("$name")
done
: > "$results/commands.txt"
for name in "${plans[@]}"; do
    dir=$results/$name
    mkdir -p "$dir"
    OUT=$root/$dir LRLAB=$LRLAB LRLAB_BENCH=$LRLAB_BENCH FMNIST=$fmnist QUICK=$QUICK \
        PLAN_LIB=$root/benchmarks/plan/lib.sh sh "benchmarks/plan/$name.sh" > "$dir/commands.txt"
    nserial=0
    [ -f "$dir/serial.txt" ] && nserial=$(wc -l < "$dir/serial.txt")
    printf 'report: %-32s %5d runs%s\n' "$name" "$(wc -l < "$dir/commands.txt")" \
        "$([ "$nserial" = 0 ] || echo " + $nserial alone")" >&2
    cat "$dir/commands.txt" >> "$results/commands.txt"
done
nruns=$(wc -l < "$results/commands.txt")
nserial=$(cat "$results"/*/serial.txt 2>/dev/null | wc -l)

# 2. The runs, on every core, with progress: parallel's bar on a terminal, otherwise a line every
# 10 seconds counted from the job log. The first failure stops the rest.
echo "report: $nruns runs on $JOBS cores ($mode)" >&2
t0=$(date +%s.%N)
progress=()
ticker=""
if [ -t 2 ]; then
    progress=(--bar)
else
    (while sleep 10; do
        done_runs=$(($(wc -l < "$results/joblog.tsv" 2>/dev/null || echo 1) - 1))
        echo "report: $done_runs/$nruns runs done" >&2
    done) &
    ticker=$!
fi
status=0
parallel "${progress[@]}" --jobs "$JOBS" --halt now,fail=1 --joblog "$results/joblog.tsv" \
    < "$results/commands.txt" || status=$?
[ -z "$ticker" ] || kill "$ticker" 2>/dev/null || true
if [ $status -ne 0 ]; then
    echo "report: a run failed; its command and messages:" >&2
    awk -F'\t' 'NR > 1 && $7 != 0 { print $9 }' "$results/joblog.tsv" | head -n 3 >&2
    awk -F'\t' 'NR > 1 && $7 != 0 { print $9 }' "$results/joblog.tsv" | head -n 3 |
        sed -n 's/.* 2>\(.*\.log\)$/\1/p' | while read -r log; do cat "$log" >&2; done
    exit 1
fi

# 2b. The benchmarks and timed runs, one at a time with nothing else of the report running.
if [ "$nserial" -gt 0 ]; then
    echo "report: $nserial benchmark runs, one at a time" >&2
    i=0
    for list in "$results"/*/serial.txt; do
        [ -f "$list" ] || continue
        while IFS= read -r cmd; do
            i=$((i + 1))
            echo "report: alone $i/$nserial: $(basename "$(dirname "$list")")" >&2
            if ! bash -c "$cmd" < /dev/null; then
                echo "report: a run failed: $cmd" >&2
                sed -n 's/.*2>\(.*\.log\)$/\1/p; s/.*>\(.*\.log\) 2>&1$/\1/p' <<< "$cmd" |
                    while read -r log; do tail -n 20 "$log" >&2; done
                exit 1
            fi
        done < "$list"
    done
fi
t1=$(date +%s.%N)
find "$results" -name '*.log' -empty -delete

# 3. Tables, measurements and verdict inputs.
python3 scripts/report.py derive --results "$results"

# 4. Figures: each scripts/plots/NAME.gp whose figure has plot data, as SVG and as PNG.
for gp in scripts/plots/fig*.gp; do
    name=$(basename "$gp" .gp)
    data=$results/$name/plot
    [ -d "$data" ] || continue
    for fmt in svg png; do
        # An empty series (say, no run diverged) is normal here: gnuplot's warning about it is not.
        gnuplot -e "datadir='$data'; outfile='$out/figures/$name.$fmt'; fmt='$fmt'" "$gp" \
            2> >(grep -v 'Skipping data file with no valid points' >&2)
    done
done
t2=$(date +%s.%N)

# 5. The pages.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }
# The commit the runs came from; "-dirty" when sources differ from it (the pages this script
# rewrites and the results do not count).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)docs' 2>/dev/null)" ]; then
    commit="$commit-dirty"
fi
printf '%s, %s lrlab runs on %s cores and %s benchmark runs alone: experiments %s s, analysis and figures %s s (lrlab %s, %s; load before the runs %s)' \
    "$mode" "$nruns" "$JOBS" "$nserial" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" "$commit" \
    "$(date -u +%Y-%m-%d)" "$load0" > "$results/run-info.txt"
python3 scripts/report.py write --results "$results" --out "$out" \
    --html-source "$results/report-html.md" --run-info "$results/run-info.txt"
# pandoc 2.17 knows --self-contained (--embed-resources came with 2.19): images and CSS are
# embedded, so the page reads offline.
cp docs/style.css docs/report.css "$results/"
(cd "$out" && pandoc --from markdown --to html5 --standalone --self-contained --mathml \
    --columns=100000 --toc --toc-depth=2 \
    --metadata pagetitle="What the learning rate does: the lrlab report" \
    --css "$root/$results/style.css" --css "$root/$results/report.css" \
    --output report.html.tmp "$root/$results/report-html.md") && mv "$out/report.html.tmp" "$out/report.html"
end=$(date +%s.%N)
echo "report: $out/report.md, $out/claims.md, $out/report.html ($(secs "$start" "$end") s in all)" >&2
