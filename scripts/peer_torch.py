#!/usr/bin/python3
"""Benchmarks, update rules C01-C06 and epochs C24/C25: times PyTorch 1.13 on one thread for the
same cases as build/lrlab-bench and writes results/peer.csv with the columns of results/bench.csv.

Update rules: torch.optim for the same families, hyperparameters and sizes. impl is torch_single
(foreach=False, one kernel call per elementwise op), torch_foreach (foreach=True, the _foreach_
ops) and torch (whichever of the two has the higher median for that family and size).

Epochs: one Fashion-MNIST epoch (60000 samples of a seeded shuffle, batch 128, forward,
cross-entropy, backward, SGD lr 0.05 step) of softmax regression (Linear 784-10) and of the MLP
784-100-10 (ReLU), as kernel epoch_fmnist-softmax / epoch_fmnist-mlp, impl torch, n 60000,
items_per_second = samples per second, flops_per_second counting the dense layers' multiply-adds
as lrlab's benchmark does. Skipped, with a message, when the data set is missing.

Every case is measured once per round, in a fresh random order each round, on freshly made
tensors and models; the CSV holds the median over rounds and the spread (max - min) / median, so
noise from a shared machine shows instead of hiding. Times are CPU time of this thread (as Google
Benchmark measures lrlab); an update-rule sample is as many steps as fill --block seconds, after
--warmup steps that create the optimizer state; an epoch sample is one epoch.

PyTorch's GEMMs run in whatever BLAS libtorch_cpu.so finds as libblas.so.3 (Debian's torch is
built with BLAS_INFO=generic); the script reports which library the process actually mapped.
Needs /usr/bin/python3 (the interpreter that has torch). Usage:
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 scripts/peer_torch.py \
      [--out results/peer.csv] [--roofline results/bench.csv] [--rounds 5] [--block 0.02] \
      [--sizes 4096,65536,...] [--families adam,sgd,...] [--epochs fmnist-softmax,fmnist-mlp] \
      [--data DIR]
"""
import argparse
import gzip
import math
import os
import random
import statistics
import struct
import sys
import time

# One thread everywhere (the comparison is one core against one core), set before torch loads
# its thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import bench_tidy  # noqa: E402 (stdlib only: the CSV format this file shares with bench.csv)

try:
    import torch
except ImportError:
    sys.exit("peer_torch: torch is not importable: run with /usr/bin/python3")

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

# Epoch problems: hidden width (0: softmax regression); the settings of benchmarks/epochs.c.
EPOCHS = {"fmnist-softmax": 0, "fmnist-mlp": 100}
EPOCH_BATCH, EPOCH_LR, EPOCH_SAMPLES = 128, 0.05, 60000
DATA_DEFAULT = "/usr/share/datasets/fashion-mnist"


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


def read_idx(path, magic, ndims):
    """The payload of an IDX file of unsigned bytes (gzipped or not) as a numpy array."""
    import numpy as np
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(4 + 4 * ndims)
        if len(head) != 4 + 4 * ndims or struct.unpack(">I", head[:4])[0] != magic:
            raise ValueError(f"{path}: not an IDX file of {ndims}-dimensional unsigned bytes")
        dims = struct.unpack(f">{ndims}I", head[4:])
        data = np.frombuffer(f.read(), dtype=np.uint8)
    if data.size != math.prod(dims):
        raise ValueError(f"{path}: {data.size} bytes of data, the header says {math.prod(dims)}")
    return data.reshape(dims[0], -1) if ndims > 1 else data


def find_idx(data_dir, name):
    for candidate in (os.path.join(data_dir, name + ".gz"), os.path.join(data_dir, name)):
        if os.path.exists(candidate):
            return candidate
    return None


def load_fmnist_train(data_dir):
    """(x float32 [n, 784] in [0, 1], y int64 [n]), or None with a message when files are missing."""
    images = find_idx(data_dir, "train-images-idx3-ubyte")
    labels = find_idx(data_dir, "train-labels-idx1-ubyte")
    if not images or not labels:
        print(f"peer_torch: no Fashion-MNIST training files in {data_dir} (install the Debian "
              "package dataset-fashion-mnist or pass --data): skipping the epochs", file=sys.stderr)
        return None
    x = read_idx(images, 0x803, 3)
    y = read_idx(labels, 0x801, 1)
    if x.shape[0] != y.shape[0] or x.shape[0] < EPOCH_SAMPLES:
        sys.exit(f"peer_torch: {data_dir}: {x.shape[0]} images and {y.shape[0]} labels; "
                 f"an epoch here needs {EPOCH_SAMPLES} of each")
    return (torch.from_numpy(x.astype("float32") / 255.0),
            torch.from_numpy(y.astype("int64")))


def epoch_model(problem, dim, classes):
    hidden = EPOCHS[problem]
    if not hidden:
        return torch.nn.Linear(dim, classes)
    return torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.ReLU(),
                               torch.nn.Linear(hidden, classes))


def epoch_gemm_flops_per_sample(problem, dim, classes):
    """Multiply-adds of the dense layers, 2 flops each, as benchmarks/epochs.c counts them."""
    h = EPOCHS[problem]
    if not h:
        return 2.0 * (2.0 * dim * classes)
    return 2.0 * (2.0 * dim * h + 3.0 * h * classes)


def one_epoch(problem, data, seed):
    """Seconds of CPU time for one epoch on a fresh model; the shuffle is made before timing."""
    x, y = data
    torch.manual_seed(seed)
    model = epoch_model(problem, x.shape[1], 10)
    opt = torch.optim.SGD(model.parameters(), lr=EPOCH_LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(seed))
    order = order[:EPOCH_SAMPLES]
    clock = time.thread_time
    start = clock()
    for b in range(0, EPOCH_SAMPLES, EPOCH_BATCH):
        idx = order[b:b + EPOCH_BATCH]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    elapsed = clock() - start
    if not math.isfinite(loss.item()):
        raise RuntimeError(f"epoch_{problem}: the loss is not finite after one epoch")
    return elapsed


def blas_report():
    """Which BLAS this process runs torch's GEMMs in: the libraries it mapped after a matmul."""
    a = torch.ones(64, 64)
    torch.mm(a, a)
    libs = set()
    with open("/proc/self/maps", encoding="utf-8") as f:
        for line in f:
            path = line.split()[-1]
            base = os.path.basename(path).lower()
            if path.startswith("/") and any(w in base for w in ("blas", "mkl", "lapack")):
                libs.add(os.path.realpath(path))
    info = [w for w in torch.__config__.show().replace(",", " ").split() if w.startswith("BLAS_INFO")]
    names = " ".join(sorted(libs)).lower()
    if "openblas" in names:
        kind = "OpenBLAS"
    elif "mkl" in names:
        kind = "MKL"
    elif "/blas/libblas.so" in names:
        kind = ("the netlib reference BLAS (Debian libblas3): unblocked Fortran loops, far "
                "slower than OpenBLAS")
    else:
        kind = "unknown"
    return (f"{kind}; {' '.join(info) or 'BLAS_INFO unknown'}; mapped: "
            f"{', '.join(sorted(libs)) or 'none'}")


def read_roofline(path):
    """From results/bench.csv: (kernel, n) -> (roofline bytes/s, lrlab bytes per parameter), and
    the peak flops/s of peak/avx2/fma (None when absent)."""
    if not path or not os.path.exists(path):
        return {}, None
    rows = bench_tidy.read_csv(path)
    out = {(r["kernel"], r["n"]): (r["bytes_per_second"],
                                   r["bytes_per_second"] / r["items_per_second"])
           for r in rows
           if r["impl"] == "roofline" and r["bytes_per_second"] and r["items_per_second"]}
    return out, bench_tidy.peak_flops(rows)


def parse_list(text, known, what):
    """Comma-separated names from `known`; the empty string selects none."""
    names = [w for w in text.split(",") if w]
    for w in names:
        if w not in known:
            sys.exit(f"peer_torch: unknown {what} {w!r}; known: {', '.join(known)}")
    return names


def update_rows(families, sizes, samples, roof):
    rows = []
    for family in families:
        nbytes = FAMILIES[family][2]
        for n in sizes:
            limit = roof.get((family, str(n)))
            if limit and abs(limit[1] - nbytes) > 1e-4 * nbytes:
                sys.exit(f"peer_torch: {family} moves {nbytes} bytes per parameter here but "
                         f"{limit[1]:g} in the roofline file")
            best = None
            for variant in VARIANTS:
                rates = [n / s for s in samples[("update", family, n, variant)]]
                med = statistics.median(rates)
                row = {"kernel": family, "impl": variant, "n": n, "items_per_second": med,
                       "bytes_per_second": med * nbytes,
                       "fraction_of_roofline": med * nbytes / limit[0] if limit else None,
                       "reps": len(rates), "spread": (max(rates) - min(rates)) / med,
                       "flops_per_second": None}
                rows.append(row)
                if best is None or med > best["items_per_second"]:
                    best = row
            rows.append(dict(best, impl="torch"))
    return rows


def epoch_rows(problems, samples, peak, dim):
    rows = []
    for problem in problems:
        rates = [EPOCH_SAMPLES / s for s in samples[("epoch", problem)]]
        med = statistics.median(rates)
        flops = med * epoch_gemm_flops_per_sample(problem, dim, 10)
        rows.append({"kernel": f"epoch_{problem}", "impl": "torch", "n": EPOCH_SAMPLES,
                     "items_per_second": med, "bytes_per_second": None,
                     "fraction_of_roofline": flops / peak if peak else None,
                     "reps": len(rates), "spread": (max(rates) - min(rates)) / med,
                     "flops_per_second": flops})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="results/peer.csv")
    ap.add_argument("--roofline", default="results/bench.csv",
                    help="bench.csv whose roofline and peak rows give fraction_of_roofline")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--block", type=float, default=0.02, help="seconds timed per sample")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps per sample")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--families", default=",".join(FAMILIES), help="update rules ('' for none)")
    ap.add_argument("--epochs", default=",".join(EPOCHS), help="epoch problems ('' for none)")
    ap.add_argument("--data", default=os.environ.get("LRLAB_DATA") or DATA_DEFAULT,
                    help="Fashion-MNIST directory (default: $LRLAB_DATA, else the Debian one)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    families = parse_list(args.families, FAMILIES, "family")
    problems = parse_list(args.epochs, EPOCHS, "epoch problem")
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        sys.exit(f"peer_torch: --sizes must be integers separated by commas, got {args.sizes!r}")
    if args.rounds < 1 or args.block <= 0 or args.warmup < 1 or min(sizes) < 1:
        sys.exit("peer_torch: --rounds, --warmup and --sizes must be >= 1 and --block > 0")

    torch.set_num_threads(1)
    print(f"peer_torch: torch {torch.__version__}, {torch.get_num_threads()} thread, "
          f"{args.rounds} rounds, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    data = load_fmnist_train(args.data) if problems else None
    if data is None:
        problems = []
    if problems:
        print(f"peer_torch: torch's BLAS: {blas_report()}", file=sys.stderr)
    gen = torch.Generator().manual_seed(args.seed)
    order = random.Random(args.seed)
    cases = [("update", f, n, v) for f in families for n in sizes for v in VARIANTS]
    cases += [("epoch", p) for p in problems]
    samples = {c: [] for c in cases}
    for r in range(args.rounds):
        order.shuffle(cases)
        for case in cases:
            if case[0] == "update":
                _, family, n, variant = case
                t = one_sample(family, n, VARIANTS[variant], args.warmup, args.block, gen)
            else:
                t = one_epoch(case[1], data, args.seed + r)
            samples[case].append(t)
        print(f"peer_torch: round {r + 1}/{args.rounds} done", file=sys.stderr)

    roof, peak = read_roofline(args.roofline)
    rows = update_rows(families, sizes, samples, roof)
    rows += epoch_rows(problems, samples, peak, data[0].shape[1] if data else 0)
    if not rows:
        sys.exit("peer_torch: nothing was measured")

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    bench_tidy.write_csv(rows, args.out)
    print(f"peer_torch: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
