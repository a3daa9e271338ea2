#!/usr/bin/python3
"""Benchmarks, update rules C01-C06: times PyTorch 1.13's torch.optim on one thread for the same
families, hyperparameters and sizes as build/lrlab-bench, and writes results/peer.csv with the
columns of results/bench.csv.

impl is torch_single (foreach=False, one kernel call per elementwise op), torch_foreach
(foreach=True, the _foreach_ ops) and torch (whichever of the two has the higher median for that
family and size). Every (family, size, variant) is measured once per round, in a fresh random
order each round, on freshly made tensors; the CSV holds the median over rounds and the spread
(max - min) / median, so noise from a shared machine shows instead of hiding.

One step's time is CPU time of this thread (as Google Benchmark measures lrlab), over as many
steps as fill --block seconds, after --warmup steps that create the optimizer state.
Needs /usr/bin/python3 (the interpreter that has torch). Usage:
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 scripts/peer_torch.py \
      [--out results/peer.csv] [--roofline results/bench.csv] [--rounds 5] [--block 0.02] \
      [--sizes 4096,65536,...] [--families adam,sgd,...]
"""
import argparse
import csv
import os
import random
import statistics
import sys
import time

# One thread everywhere (the comparison is one core against one core), set before torch loads
# its thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

try:
    import torch
except ImportError:
    sys.exit("peer_torch: torch is not importable: run with /usr/bin/python3")

COLUMNS = ["kernel", "impl", "n", "items_per_second", "bytes_per_second",
           "fraction_of_roofline", "reps", "spread"]
SIZES = [4096, 65536, 262144, 1048576, 16777216]

# Family -> (optimizer class, keyword arguments, bytes the fused update moves per parameter).
# The same hyperparameters as benchmarks/update_rules.c; bytes as that file counts them
# (gradient read once, parameter and each state array read and written).
FAMILIES = {
    "sgd": (torch.optim.SGD, dict(lr=0.01), 12),
    "sgd_momentum": (torch.optim.SGD, dict(lr=0.01, momentum=0.9), 20),
    "sgd_nesterov": (torch.optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True), 20),
    "adagrad": (torch.optim.Adagrad, dict(lr=0.01), 20),
    "rmsprop": (torch.optim.RMSprop, dict(lr=0.01), 20),
    "rmsprop_centered": (torch.optim.RMSprop, dict(lr=0.01, centered=True), 28),
    "adam": (torch.optim.Adam, dict(lr=1e-3), 28),
    "adam_amsgrad": (torch.optim.Adam, dict(lr=1e-3, amsgrad=True), 36),
    "adamw": (torch.optim.AdamW, dict(lr=1e-3), 28),
}
VARIANTS = {"torch_single": False, "torch_foreach": True}
FLT_MIN = torch.finfo(torch.float32).tiny


def uniform_signed(n, lo, hi, gen):
    """Magnitudes uniform in [lo, hi) with random signs, as lr_bench_fill makes them."""
    mag = torch.empty(n, dtype=torch.float32).uniform_(lo, hi, generator=gen)
    sign = torch.randint(0, 2, (n,), generator=gen, dtype=torch.int8).mul_(2).sub_(1)
    return mag.mul_(sign)


def all_normal(t):
    a = t.abs()
    return bool(torch.all(torch.isfinite(a) & ((a == 0) | (a >= FLT_MIN))))


def one_sample(family, n, foreach, warmup, block, gen):
    """Seconds per optimizer step, measured on fresh tensors."""
    cls, kwargs, _ = FAMILIES[family]
    param = torch.nn.Parameter(uniform_signed(n, 0.5, 1.5, gen))
    param.grad = uniform_signed(n, 0.1, 1.0, gen)
    grad0 = param.grad.clone()
    opt = cls([param], foreach=foreach, **kwargs)
    opt.step()
    # PyTorch 1.13's foreach Nesterov SGD adds the buffer into p.grad in place. Harmless in
    # training (backward() writes a new gradient), here it would feed back step after step to
    # infinity; so such a step gets its gradient restored afterwards, outside the timing.
    writes_grad = not torch.equal(param.grad, grad0)
    for _ in range(warmup - 1):
        if writes_grad:
            param.grad.copy_(grad0)
        opt.step()
    clock = time.thread_time
    steps, elapsed = 0, 0.0
    if writes_grad:
        while elapsed < block:
            param.grad.copy_(grad0)
            start = clock()
            opt.step()
            elapsed += clock() - start
            steps += 1
    else:
        start = clock()
        while elapsed < block:
            opt.step()
            steps += 1
            elapsed = clock() - start
    # A constant gradient over this many steps keeps every value ordinary; check, never assume.
    tensors = [param.detach()] + [v for v in opt.state[param].values()
                                  if torch.is_tensor(v) and v.numel() == n]
    if not all(all_normal(t) for t in tensors):
        raise RuntimeError(f"{family}/{n}: values left the normal float range")
    return elapsed / steps


def read_roofline(path):
    """(kernel, n) -> (roofline bytes/s, lrlab bytes per parameter) from results/bench.csv."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["impl"] == "roofline" and r["bytes_per_second"] and r["items_per_second"]:
                b, i = float(r["bytes_per_second"]), float(r["items_per_second"])
                out[(r["kernel"], r["n"])] = (b, b / i)
    return out


def fmt(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="results/peer.csv")
    ap.add_argument("--roofline", default="results/bench.csv",
                    help="bench.csv whose roofline rows give fraction_of_roofline")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--block", type=float, default=0.02, help="seconds timed per sample")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps per sample")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    families = args.families.split(",")
    for f in families:
        if f not in FAMILIES:
            sys.exit(f"peer_torch: unknown family {f!r}; known: {', '.join(FAMILIES)}")
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        sys.exit(f"peer_torch: --sizes must be integers separated by commas, got {args.sizes!r}")
    if args.rounds < 1 or args.block <= 0 or args.warmup < 1 or min(sizes) < 1:
        sys.exit("peer_torch: --rounds, --warmup and --sizes must be >= 1 and --block > 0")

    torch.set_num_threads(1)
    print(f"peer_torch: torch {torch.__version__}, {torch.get_num_threads()} thread, "
          f"{args.rounds} rounds, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    gen = torch.Generator().manual_seed(args.seed)
    order = random.Random(args.seed)
    cases = [(f, n, v) for f in families for n in sizes for v in VARIANTS]
    samples = {c: [] for c in cases}
    for r in range(args.rounds):
        order.shuffle(cases)
        for family, n, variant in cases:
            samples[(family, n, variant)].append(
                one_sample(family, n, VARIANTS[variant], args.warmup, args.block, gen))
        print(f"peer_torch: round {r + 1}/{args.rounds} done", file=sys.stderr)

    roof = read_roofline(args.roofline)
    rows = []
    for family in families:
        nbytes = FAMILIES[family][2]
        for n in sizes:
            limit = roof.get((family, str(n)))
            if limit and abs(limit[1] - nbytes) > 1e-4 * nbytes:
                sys.exit(f"peer_torch: {family} moves {nbytes} bytes per parameter here but "
                         f"{limit[1]:g} in {args.roofline}")
            best = None
            for variant in VARIANTS:
                rates = [n / s for s in samples[(family, n, variant)]]
                med = statistics.median(rates)
                row = {"kernel": family, "impl": variant, "n": n, "items_per_second": med,
                       "bytes_per_second": med * nbytes,
                       "fraction_of_roofline": med * nbytes / limit[0] if limit else None,
                       "reps": len(rates), "spread": (max(rates) - min(rates)) / med}
                rows.append(row)
                if best is None or med > best["items_per_second"]:
                    best = row
            rows.append(dict(best, impl="torch"))

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    tmp = f"{args.out}.tmp.{os.getpid()}"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for row in rows:
            w.writerow([fmt(row[c]) for c in COLUMNS])
    os.replace(tmp, args.out)
    print(f"peer_torch: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
