#!/usr/bin/env bash
# Hardening: a short run of every subcommand under valgrind memcheck. Any memory error or definite
# leak fails. Usage: scripts/valgrind-smoke.sh [path/to/lrlab]
set -euo pipefail
bin=${1:-build/lrlab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '1,2,3\n0.1,nan,3\n1,2,inf\n-0,1e-40,3e38\n' > "$tmp/grads.csv"
printf '1\n0.9\n0.95\n0.95\n0.95\n' > "$tmp/metrics.txt"
runs=(
  "replay --optimizer adam --amsgrad --input $tmp/grads.csv"
  "replay --optimizer sgd --lr 0.1 --momentum 0.9 --nesterov --input $tmp/grads.csv --output $tmp/r.csv"
  "replay --optimizer rmsprop --centered --momentum 0.5 --input $tmp/grads.csv"
  "schedule --name onecycle --max-lr 1 --total-steps 50 --steps 50 --cycle-momentum"
  "schedule --name cosine --lr 0.1 --t-max 10 --steps 40 --warmup-steps 5"
  "schedule --name plateau --lr 1 --patience 1 --metrics $tmp/metrics.txt"
  "train --problem linreg --samples 200 --optimizer adam --epochs 2 --output $tmp/t.csv"
  "train --problem quadratic --rotate --dim 20 --optimizer sgd --lr 0.5 --momentum 0.9 --steps 50"
  "train --problem rosenbrock --optimizer adagrad --steps 20 --impl reference"
  "find-lr --problem linreg --optimizer sgd --lr 1 --suggestions $tmp/s.csv"
  "replay --optimizer adam --lr -1"
)
fail=0
for r in "${runs[@]}"; do
  # shellcheck disable=SC2086
  if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
       "$bin" $r > /dev/null 2> "$tmp/err"; then status=0; else status=$?; fi
  if [ "$status" -eq 99 ] || grep -q '^==[0-9]*==' "$tmp/err"; then
    echo "valgrind: errors in: lrlab $r"; grep '^==' "$tmp/err" | head -20; fail=1
  else
    echo "valgrind: clean (exit $status): lrlab $r"
  fi
done
exit $fail
