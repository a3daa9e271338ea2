#!/usr/bin/env python3
"""C10 golden data for Keras' PolynomialDecay, computed independently of lrlab and of TensorFlow.

TensorFlow/Keras is not installed here, so the expected rates come from Keras' documented formula
(keras.io/api/optimizers/learning_rate_schedules/polynomial_decay; Keras 3
keras/src/optimizers/schedules/learning_rate_schedule.py), evaluated exactly: the step fraction
with fractions.Fraction, the power and the affine map in 60-digit decimal arithmetic, rounded once
to double at the end. lrlab computes in double with its own operation order, so agreement within
the golden test's rtol 1e-9 checks the formula and its bookkeeping, not a shared rounding.

    decayed(step) = (initial - end) * (1 - step / decay_steps) ** power + end
    no cycle: step = min(step, decay_steps)
    cycle:    decay_steps = decay_steps * ceil(step / decay_steps), with multiplier 1 at step 0

A warmup (--warmup-steps W --warmup-start-factor F) is lrlab's PyTorch SequentialLR in front:
LinearLR's closed form lr * (F + (1 - F) * t / W) for t < W, then the decay at step t - W.

Standard library only. Writes tests/golden/schedule/keras_*.csv and index_keras.txt (read by
tests/test_schedule_golden.c next to index.txt, which scripts/golden_schedules.py owns):
    python3 scripts/golden_keras_poly.py [ROOT]
"""
import decimal
import math
import os
import sys
from fractions import Fraction

decimal.getcontext().prec = 60
D = decimal.Decimal


def fmt(x):
    return "%.17g" % x


def to_decimal(q):
    """A Fraction as a 60-digit Decimal."""
    return D(q.numerator) / D(q.denominator)


def keras_polynomial(lr, decay_steps, end, power, cycle, step):
    """Keras' decayed learning rate at `step`, exact up to the final rounding to double."""
    t, ds = Fraction(step), Fraction(decay_steps)
    if cycle:
        multiplier = 1 if step == 0 else math.ceil(t / ds)
        ds = ds * multiplier
    else:
        t = min(t, ds)
    base = 1 - t / ds  # exact, in [0, 1]
    if power == 0:
        g = D(1)  # 0 ** 0 = 1, as Keras' power op gives
    elif base == 0:
        g = D(0)
    else:
        g = to_decimal(base) ** to_decimal(Fraction(power))
    lr_d, end_d = to_decimal(Fraction(lr)), to_decimal(Fraction(end))
    return float((lr_d - end_d) * g + end_d)


def warmup(lr, w, f, step):
    """PyTorch LinearLR(start_factor=f, end_factor=1, total_iters=w), closed form, step < w."""
    frac = Fraction(step, w)
    factor = Fraction(f) + (1 - Fraction(f)) * frac
    return float(to_decimal(Fraction(lr) * factor))


def rows(cfg):
    out = []
    w = cfg.get("warmup")
    for t in range(cfg["steps"]):
        if w and t < w[0]:
            out.append(warmup(cfg["lr"], w[0], w[1], t))
        else:
            local = t - (w[0] if w else 0)
            out.append(keras_polynomial(cfg["lr"], cfg["decay_steps"], cfg.get("end", 1e-4),
                                        cfg.get("power", 1.0), cfg.get("cycle", False), local))
    return out


def flags(cfg):
    args = ["--name", "polynomial", "--lr", fmt(cfg["lr"]), "--steps", str(cfg["steps"]),
            "--decay-steps", fmt(cfg["decay_steps"])]
    if "end" in cfg:
        args += ["--end-learning-rate", fmt(cfg["end"])]
    if "power" in cfg:
        args += ["--power", fmt(cfg["power"])]
    if cfg.get("cycle"):
        args.append("--cycle")
    if "warmup" in cfg:
        args += ["--warmup-steps", str(cfg["warmup"][0]), "--warmup-start-factor", fmt(cfg["warmup"][1])]
    return args


# (case name, configuration): cycle and no cycle, powers 0.5, 1 and 2, steps past decay_steps,
# Keras' default end rate, a rising decay, a fractional decay_steps, and warmups in front.
CASES = [
    ("keras_polynomial_default", {"lr": 0.1, "steps": 30, "decay_steps": 20.0}),
    ("keras_polynomial_sqrt", {"lr": 0.1, "steps": 150, "decay_steps": 100.0, "end": 0.01, "power": 0.5}),
    ("keras_polynomial_square", {"lr": 0.5, "steps": 80, "decay_steps": 50.0, "end": 0.001, "power": 2.0}),
    ("keras_polynomial_to_zero", {"lr": 1.0, "steps": 40, "decay_steps": 25.0, "end": 0.0, "power": 1.0}),
    ("keras_polynomial_rising", {"lr": 0.001, "steps": 60, "decay_steps": 40.0, "end": 0.1, "power": 2.0}),
    ("keras_polynomial_frac", {"lr": 0.2, "steps": 30, "decay_steps": 12.5, "end": 0.02, "power": 0.5}),
    ("keras_polynomial_cycle", {"lr": 0.1, "steps": 100, "decay_steps": 10.0, "end": 0.01, "power": 1.0,
                                "cycle": True}),
    ("keras_polynomial_cycle_square", {"lr": 0.3, "steps": 120, "decay_steps": 15.0, "end": 0.003,
                                       "power": 2.0, "cycle": True}),
    ("keras_polynomial_cycle_sqrt_frac", {"lr": 0.05, "steps": 90, "decay_steps": 7.5, "power": 0.5,
                                          "cycle": True}),
    ("keras_polynomial_warmup", {"lr": 0.2, "steps": 150, "decay_steps": 100.0, "end": 0.002, "power": 1.0,
                                 "warmup": (20, 0.05)}),
    ("keras_polynomial_cycle_warmup", {"lr": 0.1, "steps": 80, "decay_steps": 12.0, "end": 0.001,
                                       "power": 2.0, "cycle": True, "warmup": (8, 0.25)}),
]


def main(root_dir):
    out_dir = os.path.join(root_dir, "tests", "golden", "schedule")
    os.makedirs(out_dir, exist_ok=True)
    index = []
    for name, cfg in CASES:
        with open(os.path.join(out_dir, name + ".csv"), "w") as f:
            f.write("step,lr\n")
            f.writelines("%d,%s\n" % (t, fmt(v)) for t, v in enumerate(rows(cfg)))
        index.append("%s\tkeras-formula\t%s\n" % (name, " ".join(flags(cfg))))
    with open(os.path.join(out_dir, "index_keras.txt"), "w") as f:
        f.write("# case<TAB>source<TAB>lrlab schedule flags; written by scripts/golden_keras_poly.py from "
                "Keras' documented PolynomialDecay formula in exact arithmetic\n")
        f.writelines(index)
    print("golden_keras_poly: %d cases in %s" % (len(CASES), out_dir))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
