#!/usr/bin/env bash
# C18/C19 beyond one machine: runs the plan of `lrlab sweep` with GNU parallel (locally with -j, or
# on the hosts of --sshloginfile) and merges the per-run CSVs into the file the built-in sweep writes.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/sweep-parallel.sh [-j JOBS] [--sshloginfile FILE] [--plan-dir DIR] [--keep]
                                 [--] SWEEP FLAGS (as for lrlab sweep, with --output FILE)

Prints the plan (lrlab sweep ... --plan), runs its lrlab train commands with GNU parallel, then
merges the runs' CSVs (lrlab sweep ... --merge DIR): FILE (and --summary) get the same rows the
built-in sweep writes, in the same order (only the wall-time column `seconds` differs).

  -j JOBS               jobs at once per host (parallel's -j; default: one per core)
  --sshloginfile FILE   run on the hosts listed in FILE (parallel's --sshloginfile). Every host
                        must see the plan directory at the same path (a shared filesystem) and
                        have lrlab at $LRLAB, or on its PATH when LRLAB is not set.
  --plan-dir DIR        where the runs' CSVs, the plan and parallel's job log go (default: a
                        temporary directory, removed after a successful merge). Needed with
                        --sshloginfile. Running the script again with the same DIR skips the
                        jobs that already succeeded (parallel --resume-failed).
  --keep                keep the default plan directory.
Environment: LRLAB, the lrlab binary (default: lrlab on PATH).
EOF
}

jobs=""
sshloginfile=""
plan_dir=""
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        -j | --jobs) [ $# -ge 2 ] || { echo "sweep-parallel.sh: $1 needs a value" >&2; exit 2; }
                     jobs="$2"; shift 2 ;;
        -j*) jobs="${1#-j}"; shift ;;
        --sshloginfile) [ $# -ge 2 ] || { echo "sweep-parallel.sh: $1 needs a file" >&2; exit 2; }
                        sshloginfile="$2"; shift 2 ;;
        --plan-dir) [ $# -ge 2 ] || { echo "sweep-parallel.sh: $1 needs a directory" >&2; exit 2; }
                    plan_dir="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; break ;;
        *) break ;;
    esac
done
if [ $# -eq 0 ]; then
    usage >&2
    exit 2
fi
if [ -n "$sshloginfile" ] && [ -z "$plan_dir" ]; then
    echo "sweep-parallel.sh: --sshloginfile needs --plan-dir DIR on a filesystem every host sees" >&2
    exit 2
fi
command -v parallel >/dev/null || { echo "sweep-parallel.sh: GNU parallel is not installed" >&2; exit 1; }

lrlab="${LRLAB:-lrlab}"
if [[ "$lrlab" == */* ]]; then
    lrlab="$(cd "$(dirname "$lrlab")" && pwd)/$(basename "$lrlab")"
fi

made_dir=0
if [ -z "$plan_dir" ]; then
    plan_dir="$(mktemp -d "${TMPDIR:-/tmp}/lrlab-sweep.XXXXXX")"
    made_dir=1
fi
mkdir -p "$plan_dir"
plan_dir="$(cd "$plan_dir" && pwd)"

# The plan's commands start with "lrlab"; they run the binary given here (quoted for the shell).
"$lrlab" sweep "$@" --plan --plan-dir "$plan_dir" > "$plan_dir/plan.txt"
quoted="$(printf '%q' "$lrlab")"
while IFS= read -r line; do
    printf '%s%s\n' "$quoted" "${line#lrlab}"
done < "$plan_dir/plan.txt" > "$plan_dir/commands.txt"

parallel_args=(--will-cite --halt soon,fail=1 --joblog "$plan_dir/joblog" --resume-failed)
[ -n "$jobs" ] && parallel_args+=(-j "$jobs")
[ -n "$sshloginfile" ] && parallel_args+=(--sshloginfile "$sshloginfile")
parallel "${parallel_args[@]}" < "$plan_dir/commands.txt"

"$lrlab" sweep "$@" --merge "$plan_dir"

if [ "$made_dir" -eq 1 ] && [ "$keep" -eq 0 ]; then
    rm -rf "$plan_dir"
fi
