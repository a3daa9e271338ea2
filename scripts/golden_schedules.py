#!/usr/bin/python3
"""C07-C16 golden data: the rates (and momenta) PyTorch 1.13's schedulers give, for the
conformance tests of `lrlab schedule` (tests/test_schedule_golden.c).

Writes tests/golden/schedule/index.txt (one case a line: name, source, the lrlab schedule flags
that reproduce it) and one CSV per case in the CLI's format: `step,lr[,momentum]`, %.17g. Row t is
optimizer.param_groups[0]['lr'] after t calls of scheduler.step(). Plateau cases also get a
`.metrics` file (one value a line, repr-exact). Keras' InverseTimeDecay and ExponentialDecay are
expressed as torch LambdaLR with Keras' documented formula (source `torch-lambda-keras`).

scripts/golden_torch.py imports this module and calls main(root_dir); it also runs alone:
    /usr/bin/python3 scripts/golden_schedules.py [ROOT]
check_schedule_torch.py reuses to_flags() and build() for random configurations.
"""
import math
import os
import random
import sys
import warnings

import torch
from torch.optim import lr_scheduler as S

FLAG_NAMES = {"T_max": "--t-max", "T_0": "--t-0", "T_mult": "--t-mult"}
MOMENTUM_KINDS = ("cyclic", "onecycle")


def flag(keyword):
    return FLAG_NAMES.get(keyword, "--" + keyword.replace("_", "-"))


def fmt(x):
    return "%.17g" % x


def to_flags(cfg, metrics_path=None):
    """The `lrlab schedule` arguments of a configuration (a dict, see CASES)."""
    args = ["--name", cfg["name"]]
    if "lr" in cfg:
        args += ["--lr", fmt(cfg["lr"])]
    if cfg["name"] != "plateau":
        args += ["--steps", str(cfg["steps"])]
    for key, value in cfg.get("params", {}).items():
        if value is True:
            args.append(flag(key))
        elif value is False:
            continue
        elif isinstance(value, (list, tuple)):
            args += [flag(key), ",".join(str(v) for v in value)]
        elif isinstance(value, float):
            args += [flag(key), fmt(value)]
        else:
            args += [flag(key), str(value)]
    if cfg.get("cycle_momentum"):
        args.append("--cycle-momentum")
    if "warmup" in cfg:
        w, f = cfg["warmup"]
        args += ["--warmup-steps", str(w), "--warmup-start-factor", fmt(f)]
    if metrics_path is not None:
        args += ["--metrics", metrics_path]
    return args


def _keras_exponential(p):
    rate, steps, stair = p["gamma"], p.get("decay_steps", 1.0), p.get("staircase", False)
    return lambda t: rate ** (math.floor(t / steps) if stair else t / steps)


def _keras_inverse_time(p):
    rate, steps, stair = p["decay_rate"], p["decay_steps"], p.get("staircase", False)
    return lambda t: 1.0 / (1.0 + rate * (math.floor(t / steps) if stair else t / steps))


def _main_scheduler(cfg, opt):
    name, p = cfg["name"], dict(cfg.get("params", {}))
    cm = bool(cfg.get("cycle_momentum"))
    if name == "constant":
        return S.ConstantLR(opt, **p)
    if name == "step":
        return S.StepLR(opt, **p)
    if name == "multistep":
        return S.MultiStepLR(opt, **p)
    if name == "exponential":
        if "decay_steps" in p or "staircase" in p:
            return S.LambdaLR(opt, _keras_exponential(p))
        return S.ExponentialLR(opt, **p)
    if name == "polynomial":
        return S.PolynomialLR(opt, **p)
    if name == "linear":
        return S.LinearLR(opt, **p)
    if name == "inverse-time":
        return S.LambdaLR(opt, _keras_inverse_time(p))
    if name == "cosine":
        return S.CosineAnnealingLR(opt, **p)
    if name == "cosine-restarts":
        return S.CosineAnnealingWarmRestarts(opt, **p)
    if name == "cyclic":
        return S.CyclicLR(opt, cycle_momentum=cm, **p)
    if name == "onecycle":
        return S.OneCycleLR(opt, cycle_momentum=cm, **p)
    if name == "plateau":
        return S.ReduceLROnPlateau(opt, **p)
    raise ValueError("unknown schedule " + name)


def source(cfg):
    keras = cfg["name"] == "inverse-time" or (
        cfg["name"] == "exponential" and ("decay_steps" in cfg["params"] or "staircase" in cfg["params"]))
    return "torch-lambda-keras" if keras else "torch"


def optimizer_lr(cfg):
    """The optimizer's lr: --lr, or what lrlab assumes without it (cyclic: base_lr; onecycle: unused)."""
    if "lr" in cfg:
        return cfg["lr"]
    if cfg["name"] == "cyclic":
        return cfg["params"]["base_lr"]
    return 1.0


def build(cfg):
    """(optimizer, scheduler) as PyTorch code would write them; a warmup's LinearLR comes first."""
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=optimizer_lr(cfg), momentum=0.9)
    if "warmup" not in cfg:
        return opt, _main_scheduler(cfg, opt)
    w, f = cfg["warmup"]
    warm = S.LinearLR(opt, start_factor=f, end_factor=1.0, total_iters=w)
    main = _main_scheduler(cfg, opt)
    return opt, S.SequentialLR(opt, [warm, main], milestones=[w])


def run(cfg):
    """PyTorch's rows: [(step, lr[, momentum])]."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt, sched = build(cfg)
        group = opt.param_groups[0]
        momentum = cfg["name"] in MOMENTUM_KINDS and cfg.get("cycle_momentum")

        def row(t):
            return (t, group["lr"], group["momentum"]) if momentum else (t, group["lr"])

        rows = [row(0)]
        if cfg["name"] == "plateau":
            for t, m in enumerate(cfg["metrics"], start=1):
                opt.step()
                sched.step(m)
                rows.append(row(t))
        else:
            for t in range(1, cfg["steps"]):
                opt.step()
                sched.step()
                rows.append(row(t))
        return rows


def write_csv(path, rows):
    header = "step,lr,momentum\n" if len(rows[0]) == 3 else "step,lr\n"
    with open(path, "w") as f:
        f.write(header)
        for r in rows:
            f.write(",".join([str(r[0])] + [fmt(v) for v in r[1:]]) + "\n")


def _metrics(seed, n, kind):
    """Deterministic metric sequences that exercise improvements, plateaus and noise."""
    rng = random.Random(seed)
    if kind == "noisy-decrease":
        return [1.0 / (1 + 0.05 * t) + rng.uniform(-0.02, 0.02) for t in range(n)]
    if kind == "plateaus":
        return [round(2.0 - 0.25 * (t // 9) + rng.choice([0.0, 0.0, 0.01, -0.005]), 6) for t in range(n)]
    if kind == "rising":
        return [0.1 * t + rng.uniform(-0.3, 0.3) for t in range(n)]
    if kind == "specials":
        base = [1.0 - 0.01 * t for t in range(n)]
        for i in range(3, n, 7):
            base[i] = float("nan")
        base[5] = float("inf")
        return base
    if kind == "flat":
        return [0.5] * n
    raise ValueError(kind)


def _c(name, lr, steps, params=None, **extra):
    cfg = {"name": name, "steps": steps, "params": params or {}}
    if lr is not None:
        cfg["lr"] = lr
    cfg.update(extra)
    return cfg


# (case name, configuration). At least 60; a few hundred steps at most.
CASES = [
    ("constant_default", _c("constant", 0.1, 20)),
    ("constant_half_4", _c("constant", 0.05, 12, {"factor": 0.5, "total_iters": 4})),
    ("constant_one", _c("constant", 0.3, 10, {"factor": 1.0, "total_iters": 3})),
    ("constant_quarter_warmup", _c("constant", 0.2, 120, {"factor": 0.25, "total_iters": 50}, warmup=(10, 0.1))),
    ("step_30_01", _c("step", 0.1, 200, {"step_size": 30, "gamma": 0.1})),
    ("step_7_half", _c("step", 1.0, 100, {"step_size": 7, "gamma": 0.5})),
    ("step_1_097", _c("step", 0.05, 300, {"step_size": 1, "gamma": 0.97})),
    ("step_growth", _c("step", 0.01, 60, {"step_size": 10, "gamma": 1.5})),
    ("step_gamma0", _c("step", 0.1, 20, {"step_size": 5, "gamma": 0.0})),
    ("multistep_30_80", _c("multistep", 0.1, 150, {"milestones": [30, 80], "gamma": 0.1})),
    ("multistep_repeated", _c("multistep", 0.5, 60, {"milestones": [10, 10, 25], "gamma": 0.5})),
    ("multistep_zero", _c("multistep", 0.2, 20, {"milestones": [0, 5], "gamma": 0.3})),
    ("multistep_unsorted", _c("multistep", 0.1, 80, {"milestones": [50, 20], "gamma": 0.2})),
    ("multistep_warmup", _c("multistep", 0.4, 100, {"milestones": [40, 70]}, warmup=(15, 0.25))),
    ("exponential_095", _c("exponential", 0.1, 300, {"gamma": 0.95})),
    ("exponential_099", _c("exponential", 1.0, 250, {"gamma": 0.99})),
    ("exponential_one", _c("exponential", 0.3, 10, {"gamma": 1.0})),
    ("exponential_half", _c("exponential", 2.0, 120, {"gamma": 0.5})),
    ("exponential_warmup", _c("exponential", 0.1, 150, {"gamma": 0.9}, warmup=(10, 1.0 / 3))),
    ("keras_exponential_10", _c("exponential", 0.1, 100, {"gamma": 0.5, "decay_steps": 10.0})),
    ("keras_exponential_stair", _c("exponential", 0.1, 100, {"gamma": 0.8, "decay_steps": 7.0, "staircase": True})),
    ("keras_exponential_frac", _c("exponential", 0.05, 60, {"gamma": 0.9, "decay_steps": 2.5})),
    ("polynomial_default", _c("polynomial", 0.1, 20)),
    ("polynomial_100_2", _c("polynomial", 0.1, 150, {"total_iters": 100, "power": 2.0})),
    ("polynomial_50_half", _c("polynomial", 0.5, 80, {"total_iters": 50, "power": 0.5})),
    ("polynomial_200_3", _c("polynomial", 1.0, 260, {"total_iters": 200, "power": 3.0})),
    ("polynomial_power0", _c("polynomial", 0.1, 20, {"total_iters": 8, "power": 0.0})),
    ("polynomial_warmup", _c("polynomial", 0.2, 150, {"total_iters": 100, "power": 1.5}, warmup=(20, 0.05))),
    ("linear_default", _c("linear", 0.1, 20)),
    ("linear_warm_20", _c("linear", 0.3, 60, {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 20})),
    ("linear_decay", _c("linear", 0.1, 150, {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 100})),
    ("linear_to_zero", _c("linear", 0.5, 50, {"start_factor": 0.5, "end_factor": 0.0, "total_iters": 30})),
    ("linear_one_step", _c("linear", 0.2, 10, {"start_factor": 0.25, "end_factor": 0.75, "total_iters": 1})),
    ("inverse_time_10", _c("inverse-time", 0.1, 100, {"decay_steps": 10.0, "decay_rate": 0.5})),
    ("inverse_time_stair", _c("inverse-time", 0.1, 100, {"decay_steps": 10.0, "decay_rate": 0.5, "staircase": True})),
    ("inverse_time_slow", _c("inverse-time", 1.0, 300, {"decay_steps": 1.0, "decay_rate": 0.01})),
    ("inverse_time_warmup", _c("inverse-time", 0.2, 80, {"decay_steps": 5.0, "decay_rate": 1.0}, warmup=(8, 0.5))),
    ("cosine_100", _c("cosine", 0.1, 300, {"T_max": 100})),
    ("cosine_10_eta", _c("cosine", 0.1, 100, {"T_max": 10, "eta_min": 0.001})),
    ("cosine_1", _c("cosine", 0.1, 10, {"T_max": 1})),
    ("cosine_50_eta", _c("cosine", 0.1, 220, {"T_max": 50, "eta_min": 0.05})),
    ("cosine_rising", _c("cosine", 0.1, 60, {"T_max": 20, "eta_min": 0.2})),
    ("cosine_warmup", _c("cosine", 0.1, 200, {"T_max": 80}, warmup=(20, 0.01))),
    ("cosine_7_long", _c("cosine", 1.0, 300, {"T_max": 7})),
    ("restarts_10", _c("cosine-restarts", 0.1, 100, {"T_0": 10})),
    ("restarts_5_x2", _c("cosine-restarts", 0.1, 200, {"T_0": 5, "T_mult": 2})),
    ("restarts_3_x3_eta", _c("cosine-restarts", 0.5, 300, {"T_0": 3, "T_mult": 3, "eta_min": 0.01})),
    ("restarts_1_x2", _c("cosine-restarts", 1.0, 70, {"T_0": 1, "T_mult": 2})),
    ("restarts_warmup", _c("cosine-restarts", 0.1, 150, {"T_0": 20, "T_mult": 2}, warmup=(10, 0.1))),
    ("cyclic_triangular", _c("cyclic", None, 100, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10})),
    ("cyclic_triangular2", _c("cyclic", None, 200, {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5,
                                                    "step_size_down": 15, "mode": "triangular2"})),
    ("cyclic_exp_range_m", _c("cyclic", None, 300, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 20,
                                                    "mode": "exp_range", "gamma": 0.99}, cycle_momentum=True)),
    ("cyclic_sawtooth", _c("cyclic", None, 40, {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 6,
                                                "step_size_down": 0})),
    ("cyclic_1_1", _c("cyclic", None, 20, {"base_lr": 0.1, "max_lr": 0.2, "step_size_up": 1, "step_size_down": 1})),
    ("cyclic_momentum", _c("cyclic", None, 120, {"base_lr": 0.05, "max_lr": 0.5, "step_size_up": 12,
                                                 "step_size_down": 8, "base_momentum": 0.85,
                                                 "max_momentum": 0.95}, cycle_momentum=True)),
    ("cyclic_warmup_lr", _c("cyclic", 0.05, 100, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10},
                            warmup=(10, 0.2), cycle_momentum=True)),
    ("cyclic_triangular2_m", _c("cyclic", None, 160, {"base_lr": 0.002, "max_lr": 0.02, "step_size_up": 8,
                                                      "mode": "triangular2"}, cycle_momentum=True)),
    ("onecycle_default", _c("onecycle", None, 101, {"max_lr": 0.1, "total_steps": 100}, cycle_momentum=True)),
    ("onecycle_linear", _c("onecycle", None, 121, {"max_lr": 1.0, "total_steps": 120, "anneal_strategy": "linear"})),
    ("onecycle_three", _c("onecycle", None, 150, {"max_lr": 0.5, "total_steps": 150, "three_phase": True})),
    ("onecycle_three_linear_m", _c("onecycle", None, 201, {"max_lr": 0.2, "total_steps": 200, "three_phase": True,
                                                           "anneal_strategy": "linear"}, cycle_momentum=True)),
    ("onecycle_divs", _c("onecycle", None, 200, {"max_lr": 0.3, "total_steps": 200, "pct_start": 0.25,
                                                 "div_factor": 10.0, "final_div_factor": 100.0})),
    ("onecycle_three_half", _c("onecycle", None, 100, {"max_lr": 0.1, "total_steps": 100, "pct_start": 0.5,
                                                       "three_phase": True}, cycle_momentum=True)),
    ("onecycle_short_rise", _c("onecycle", None, 301, {"max_lr": 0.05, "total_steps": 300, "pct_start": 0.05})),
    ("onecycle_warmup", _c("onecycle", None, 100, {"max_lr": 0.1, "total_steps": 90}, warmup=(10, 0.5),
                           cycle_momentum=True)),
    ("onecycle_all_rise", _c("onecycle", None, 50, {"max_lr": 0.1, "total_steps": 50, "pct_start": 1.0})),
    ("onecycle_no_rise", _c("onecycle", None, 41, {"max_lr": 0.1, "total_steps": 40, "pct_start": 0.0},
                            cycle_momentum=True)),
    ("onecycle_momenta", _c("onecycle", None, 80, {"max_lr": 0.4, "total_steps": 80, "base_momentum": 0.8,
                                                   "max_momentum": 0.99, "pct_start": 0.4}, cycle_momentum=True)),
    ("plateau_default", _c("plateau", 0.1, None, {}, metrics=_metrics(1, 120, "noisy-decrease"))),
    ("plateau_max_abs", _c("plateau", 0.5, None, {"mode": "max", "threshold_mode": "abs", "threshold": 0.05,
                                                  "patience": 2, "cooldown": 3},
                           metrics=_metrics(2, 100, "rising"))),
    ("plateau_min_abs", _c("plateau", 1.0, None, {"threshold_mode": "abs", "threshold": 0.1, "min_lr": 0.01,
                                                  "factor": 0.5, "patience": 0},
                           metrics=_metrics(3, 60, "plateaus"))),
    ("plateau_eps", _c("plateau", 1e-7, None, {"factor": 0.5, "patience": 1, "eps": 5e-8},
                       metrics=_metrics(4, 40, "flat"))),
    ("plateau_specials", _c("plateau", 0.1, None, {"patience": 2}, metrics=_metrics(5, 50, "specials"))),
    ("plateau_cooldown", _c("plateau", 0.2, None, {"threshold": 0.0, "cooldown": 5, "patience": 1,
                                                   "factor": 0.7}, metrics=_metrics(6, 90, "plateaus"))),
    ("plateau_max_rel", _c("plateau", 0.3, None, {"mode": "max", "patience": 3, "factor": 0.25, "min_lr": 0.001},
                           metrics=_metrics(7, 80, "plateaus"))),
]


def main(root_dir):
    out_dir = os.path.join(root_dir, "tests", "golden", "schedule")
    os.makedirs(out_dir, exist_ok=True)
    index = []
    for name, cfg in CASES:
        metrics_path = None
        if cfg["name"] == "plateau":
            metrics_path = "tests/golden/schedule/%s.metrics" % name
            with open(os.path.join(root_dir, metrics_path), "w") as f:
                f.write("".join(repr(m) + "\n" for m in cfg["metrics"]))
        write_csv(os.path.join(out_dir, name + ".csv"), run(cfg))
        index.append("%s\t%s\t%s\n" % (name, source(cfg), " ".join(to_flags(cfg, metrics_path))))
    with open(os.path.join(out_dir, "index.txt"), "w") as f:
        f.write("# case<TAB>source<TAB>lrlab schedule flags; written by scripts/golden_schedules.py "
                "with torch %s\n" % torch.__version__)
        f.writelines(index)
    print("golden_schedules: %d cases in %s" % (len(CASES), out_dir))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
