#!/usr/bin/python3
"""C07-C16 spot check, run by hand: `lrlab schedule` against PyTorch 1.13 on fresh random
configurations (not the golden ones), and on configurations PyTorch rejects or fails on, which
lrlab must refuse with exit status 2.

    /usr/bin/python3 scripts/check_schedule_torch.py [--count N] [--seed S] [--lrlab build/lrlab]

Prints one line per failure and a summary per schedule: configurations, rows, the largest relative
error, failures. Exit status 1 if anything failed. Needs torch (only /usr/bin/python3 has it).
"""
import argparse
import collections
import os
import random
import subprocess
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_schedules as G  # noqa: E402

RTOL = 1e-9
NAMES = ["constant", "step", "multistep", "exponential", "polynomial", "linear", "inverse-time",
         "cosine", "cosine-restarts", "cyclic", "onecycle", "plateau"]


def logu(rng, lo, hi):
    return lo * (hi / lo) ** rng.random()


def random_params(rng, name, steps):
    r = rng.random
    if name == "constant":
        return {"factor": rng.uniform(0.01, 1.0), "total_iters": rng.randint(1, steps)}
    if name == "step":
        return {"step_size": rng.randint(1, max(1, steps // 3)), "gamma": rng.uniform(0.05, 1.0)}
    if name == "multistep":
        return {"milestones": [rng.randint(0, steps) for _ in range(rng.randint(1, 6))],
                "gamma": rng.uniform(0.05, 1.0)}
    if name == "exponential":
        p = {"gamma": 1 - logu(rng, 1e-4, 0.2)}
        if r() < 0.4:
            p["decay_steps"] = float(rng.randint(1, 50)) if r() < 0.5 else logu(rng, 0.5, 50)
            p["staircase"] = r() < 0.5
        return p
    if name == "polynomial":
        return {"total_iters": rng.randint(1, steps), "power": rng.choice([0.0, 0.5, 1.0, 2.0, rng.uniform(0, 5)])}
    if name == "linear":
        return {"start_factor": rng.uniform(0.01, 1.0), "end_factor": rng.uniform(0.0, 1.0),
                "total_iters": rng.randint(1, steps)}
    if name == "inverse-time":
        return {"decay_steps": logu(rng, 0.5, 100), "decay_rate": logu(rng, 1e-3, 5), "staircase": r() < 0.5}
    if name == "cosine":
        return {"T_max": rng.randint(1, steps), "eta_min": 0.0 if r() < 0.3 else logu(rng, 1e-5, 0.2)}
    if name == "cosine-restarts":
        return {"T_0": rng.randint(1, max(1, steps // 3)), "T_mult": rng.choice([1, 1, 2, 3]),
                "eta_min": 0.0 if r() < 0.3 else logu(rng, 1e-5, 0.05)}
    if name == "cyclic":
        base = logu(rng, 1e-4, 0.1)
        p = {"base_lr": base, "max_lr": base * logu(rng, 1.0, 100), "step_size_up": rng.randint(1, 60),
             "mode": rng.choice(["triangular", "triangular2", "exp_range"])}
        if r() < 0.6:
            p["step_size_down"] = rng.randint(0, 60)
        if p["mode"] == "exp_range":
            p["gamma"] = 1 - logu(rng, 1e-5, 0.05)
        return p
    if name == "onecycle":
        total = rng.randint(2, steps)
        p = {"max_lr": logu(rng, 1e-3, 1.0), "total_steps": total,
             "pct_start": rng.choice([0.3, rng.uniform(0.0, 1.0)]),
             "anneal_strategy": rng.choice(["cos", "linear"]), "div_factor": logu(rng, 2, 100),
             "final_div_factor": logu(rng, 10, 1e5), "three_phase": r() < 0.4}
        if p["pct_start"] * total - 1 == 0:
            p["pct_start"] = 0.5
        return p
    p = {"mode": rng.choice(["min", "max"]), "factor": rng.uniform(0.05, 0.9), "patience": rng.randint(0, 6),
         "threshold": rng.choice([0.0, 1e-4, logu(rng, 1e-5, 0.1)]), "threshold_mode": rng.choice(["rel", "abs"]),
         "cooldown": rng.randint(0, 4), "min_lr": 0.0 if r() < 0.5 else logu(rng, 1e-6, 1e-3)}
    if r() < 0.3:
        p["eps"] = logu(rng, 1e-9, 1e-3)
    return p


def random_config(rng, name):
    steps = rng.randint(2, 1500)
    cfg = {"name": name, "steps": steps, "params": random_params(rng, name, steps)}
    if name == "onecycle":
        total = cfg["params"]["total_steps"]
        cfg["steps"] = rng.randint(1, total + 1)
        if cfg["params"]["pct_start"] == 1.0 and cfg["steps"] == total + 1:
            cfg["steps"] = total
    if name not in ("onecycle",) and (name != "cyclic" or rng.random() < 0.3):
        cfg["lr"] = logu(rng, 1e-4, 1.0)
    if name in G.MOMENTUM_KINDS and rng.random() < 0.6:
        cfg["cycle_momentum"] = True
        if rng.random() < 0.5:
            lo = rng.uniform(0.5, 0.9)
            cfg["params"]["base_momentum"] = lo
            cfg["params"]["max_momentum"] = lo + rng.uniform(0.0, 0.09)
    if name == "plateau":
        n = rng.randint(0, 400)
        level, metrics = 1.0, []
        for _ in range(n):
            level *= rng.choice([1.0, 1.0, 0.99, 0.9, 1.01])
            metrics.append(level + rng.choice([0.0, rng.uniform(-0.01, 0.01)]))
        cfg["metrics"] = metrics
    elif rng.random() < 0.25:
        w = rng.randint(1, max(1, cfg["steps"] // 2))
        cfg["warmup"] = (w, rng.uniform(0.01, 1.0))
        if name == "onecycle":
            cfg["steps"] = min(cfg["steps"] + w, cfg["params"]["total_steps"] + w)
    return cfg


def lrlab_rows(lrlab, cfg, tmp):
    path = None
    if cfg["name"] == "plateau":
        path = os.path.join(tmp, "metrics.txt")
        with open(path, "w") as f:
            f.write("".join(repr(m) + "\n" for m in cfg["metrics"]))
    r = subprocess.run([lrlab, "schedule"] + G.to_flags(cfg, path), capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    lines = r.stdout.strip().split("\n")
    return [tuple(float(x) for x in line.split(",")) for line in lines[1:]], None


def compare(cfg, got, want):
    """Largest relative error, or a message when shapes differ or rtol is exceeded."""
    if len(got) != len(want):
        return None, "%d rows, PyTorch %d" % (len(got), len(want))
    worst = 0.0
    for g, w in zip(got, want):
        if len(g) != len(w) or g[0] != w[0]:
            return None, "row shape differs at step %s" % w[0]
        for a, b in zip(g[1:], w[1:]):
            if a == b:
                continue
            err = abs(a - b) / abs(b) if b != 0 else float("inf")
            worst = max(worst, err)
            if err > RTOL:
                return worst, "step %d: lrlab %.17g, PyTorch %.17g (rel %.3g)" % (w[0], a, b, err)
    return worst, None


# Mutations PyTorch 1.13 rejects at construction or fails on while stepping: lrlab must exit 2.
BAD = [
    ("step", {"step_size": 0, "gamma": 0.5}),
    ("constant", {"factor": 1.5}),
    ("linear", {"start_factor": 1.5}),
    ("linear", {"end_factor": -0.5}),
    ("linear", {"start_factor": 0.0, "total_iters": 3}),
    ("constant", {"factor": 0.0, "total_iters": 3}),
    ("cosine", {"T_max": 0}),
    ("cosine-restarts", {"T_0": 0}),
    ("cosine-restarts", {"T_0": 5, "T_mult": 0}),
    ("cyclic", {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 5, "mode": "sawtooth"}),
    ("cyclic", {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 0}),
    ("onecycle", {"max_lr": 0.1, "total_steps": 0}),
    ("onecycle", {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5}),
    ("onecycle", {"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "cosine"}),
    ("onecycle", {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}),
    ("plateau", {"factor": 1.0}),
    ("plateau", {"mode": "lowest"}),
    ("plateau", {"threshold_mode": "pct"}),
]


def torch_fails(cfg):
    try:
        G.run(cfg)
    except (ValueError, ZeroDivisionError, OverflowError):
        return True
    return False


def check_bad(lrlab, tmp, summary):
    cases = [(name, p, 12) for name, p in BAD]
    cases.append(("onecycle", {"max_lr": 0.1, "total_steps": 10}, 12))  # stepping past total_steps
    for name, params, steps in cases:
        cfg = {"name": name, "steps": steps, "params": dict(params), "lr": 0.1}
        if name == "plateau":
            cfg["metrics"] = [1.0, 2.0, 3.0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            refused_by_torch = torch_fails(cfg)
        _, err = lrlab_rows(lrlab, cfg, tmp)
        ok = refused_by_torch and err is not None
        summary["rejects"][0] += 1
        if not ok:
            summary["rejects"][1] += 1
            print("REJECT MISMATCH %s %s: torch fails=%s, lrlab error=%r" % (name, params, refused_by_torch, err))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=40, help="random configurations per schedule (40)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--lrlab", default=os.path.join(root, "build", "lrlab"))
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    stats = collections.OrderedDict((n, [0, 0, 0.0, 0]) for n in NAMES)  # configs, rows, worst, failures
    summary = {"rejects": [0, 0]}
    with tempfile.TemporaryDirectory() as tmp:
        for name in NAMES:
            for _ in range(args.count):
                cfg = random_config(rng, name)
                want = G.run(cfg)
                got, err = lrlab_rows(args.lrlab, cfg, tmp)
                s = stats[name]
                s[0] += 1
                if err is None:
                    worst, err = compare(cfg, got, want)
                    s[1] += len(want)
                    s[2] = max(s[2], worst or 0.0)
                if err is not None:
                    s[3] += 1
                    print("FAIL %s: %s\n     lrlab schedule %s" % (name, err, " ".join(G.to_flags(cfg, "METRICS"))))
        check_bad(args.lrlab, tmp, summary)
    print("check_schedule_torch: seed %d, torch %s, rtol %g" % (seed, G.torch.__version__, RTOL))
    print("%-16s %7s %8s %12s %8s" % ("schedule", "configs", "rows", "max rel err", "failures"))
    total_fail = 0
    for name, (n, rows, worst, fails) in stats.items():
        print("%-16s %7d %8d %12.3g %8d" % (name, n, rows, worst, fails))
        total_fail += fails
    print("rejections: %d configurations PyTorch refuses or fails on, %d not refused by lrlab"
          % tuple(summary["rejects"]))
    total_fail += summary["rejects"][1]
    print("%d passed, %d failed" % (sum(s[0] for s in stats.values()) + summary["rejects"][0] - total_fail, total_fail))
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())
