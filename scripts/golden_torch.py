#!/usr/bin/python3
# C01-C06 conformance data: PyTorch 1.13's own trajectories for SGD, Adagrad, RMSprop, Adam and AdamW,
# written under tests/golden/optim/ for tests/test_optim_golden.c to reproduce with `lrlab replay`.
# Owns the case matrix, the gradient generator (a noisy random quadratic evaluated in torch) and the file formats.
"""Write PyTorch 1.13 reference trajectories for `lrlab replay`.

Run with /usr/bin/python3 (Debian's PyTorch 1.13). For every case NAME it writes
  NAME.in.csv   row 1: the initial parameters; row t+1: the gradient torch received at step t
  NAME.out.csv  row t: the parameters after step t, as torch left them
and cases.tsv: NAME <tab> the lrlab replay flags that mean the same configuration.
Every float32 is printed with %.9g, which reads back to the same float32.

The gradients are those of a random, noisy quadratic evaluated at torch's current parameters
and scaled to the case's gradient scale, so the data follow a real optimization path; a few
cases inject +-inf and NaN into chosen cells to pin down how non-finite values propagate.
If scripts/golden_schedules.py exists, its main(root) writes the schedule section as well.
"""

import argparse
import math
import os
import sys
import zlib

import torch

STEPS = 100
SEED_BASE = 0x6C726C62  # fixed: the committed data must be reproducible byte for byte
OPTIMIZERS = ("sgd", "adagrad", "rmsprop", "adam", "adamw")
# Curvatures of the quadratic: condition number 100, so momentum and adaptivity matter.
LAMBDA_MIN, LAMBDA_MAX = 0.1, 10.0


def fmt(x):
    """One float32 as %.9g (Python spells non-finite values nan, inf, -inf, as C's strtod reads them)."""
    return "%.9g" % x


def csv_row(t):
    return ",".join(fmt(v) for v in t.tolist()) + "\n"


def sig3(x):
    """A hyperparameter rounded to 3 significant digits, so the flags stay readable."""
    return float("%.3g" % x)


class Objective:
    """f(x) = sign * scale * (1/2 (x-c)^T A (x-c) + sigma * xi_t . x), xi_t ~ N(0, I) fresh each step.

    A = Q diag(lambda) Q^T with lambda log-spaced in [LAMBDA_MIN, LAMBDA_MAX]; Q is a random
    rotation, or the identity when `diagonal` (then coordinates do not mix, so a non-finite
    value stays in its own coordinate). sign = -1 for maximize cases, so that maximizing f is
    still a descent towards c.
    """

    def __init__(self, gen, n, scale, pscale, sigma, sign, diagonal):
        lam = torch.logspace(math.log10(LAMBDA_MIN), math.log10(LAMBDA_MAX), n, dtype=torch.float64)
        if diagonal:
            # Elementwise, not a matmul with a diagonal matrix: there 0 * inf would put NaN in
            # every coordinate's gradient.
            self.a, self.lam = None, lam.to(torch.float32)
        else:
            q, _ = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
            self.a, self.lam = (q @ torch.diag(lam) @ q.T).to(torch.float32), None
        self.c = (pscale * torch.randn(n, generator=gen, dtype=torch.float64)).to(torch.float32)
        self.x0 = (pscale * torch.randn(n, generator=gen, dtype=torch.float64)).to(torch.float32)
        self.gen, self.n = gen, n
        self.scale, self.sigma, self.sign = scale, sigma * pscale, sign

    def loss(self, x):
        xi = torch.randn(self.n, generator=self.gen, dtype=torch.float32)
        r = x - self.c
        quad = 0.5 * (torch.dot(r, self.a @ r) if self.a is not None else torch.sum(self.lam * r * r))
        return self.sign * self.scale * (quad + self.sigma * torch.dot(xi, x))


def make_optimizer(kind, params, hp):
    """The torch.optim optimizer, single-tensor path (foreach=False) as the brief pins it."""
    cls = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
    return cls(params, foreach=False, **hp)


def replay_flags(kind, hp):
    """The lrlab replay flags for torch keyword arguments hp; keywords left out keep both defaults."""
    out = ["--optimizer", kind]
    for key in sorted(hp):
        value = hp[key]
        if key == "betas":
            out += ["--beta1", repr(float(value[0])), "--beta2", repr(float(value[1]))]
        elif isinstance(value, bool):
            if value:
                out.append("--" + key.replace("_", "-"))
        else:
            out += ["--" + key.replace("_", "-"), repr(float(value))]
    return " ".join(out)


def run_torch(kind, hp, objective, specials=(), steps=STEPS):
    """Runs torch for `steps` steps. Returns (input text, output text).

    specials: (step, coordinate, value) cells written into the gradient torch receives at that
    step (1-based), after the objective computed it.
    """
    inject = {}
    for step, coord, value in specials:
        inject.setdefault(step, []).append((coord, value))
    p = torch.nn.Parameter(objective.x0.clone())
    opt = make_optimizer(kind, [p], hp)
    rows_in = [csv_row(p.detach())]
    rows_out = []
    for t in range(1, steps + 1):
        opt.zero_grad(set_to_none=False)
        objective.loss(p).backward()
        with torch.no_grad():
            for coord, value in inject.get(t, ()):
                p.grad[coord] = value
        rows_in.append(csv_row(p.grad))
        opt.step()
        rows_out.append(csv_row(p.detach()))
    return "".join(rows_in), "".join(rows_out)


def case_seed(name):
    return (SEED_BASE ^ zlib.crc32(name.encode())) & 0x7FFFFFFF


def scale_tag(s):
    return "g%.0e" % s  # 1e-07 -> g1e-07


# Cells made non-finite (and a couple exactly zero) in the *_nonfinite cases: (step, coordinate, value).
NONFINITE = (
    (10, 0, 0.0), (10, 4, -0.0),
    (20, 1, math.inf), (40, 3, -math.inf), (60, 5, math.nan),
    (80, 6, math.inf), (80, 2, math.nan), (95, 0, -math.inf),
)


def sgd_lr(eta, scale):
    """SGD's rate for an effective step eta on the stiffest direction: lr * scale * LAMBDA_MAX = eta."""
    return sig3(eta / (scale * LAMBDA_MAX))


def l2(rel, scale):
    """An L2 coefficient comparable with the gradient: rel * scale * LAMBDA_MAX."""
    return sig3(rel * scale * LAMBDA_MAX)


def case_matrix():
    """Every optimizer, every flag, gradient scales 1e-7..1e2. Each entry:
    (name stem, optimizer, torch keywords, gradient scale, n, param scale, diagonal, specials)."""
    c = []

    def add(stem, kind, hp, scale, n, pscale=1.0, specials=(), diagonal=False):
        c.append((stem, kind, hp, scale, n, pscale, diagonal or bool(specials), specials))

    # C01/C02 SGD: the rate has to match the gradient scale to move the parameters at all.
    add("sgd_plain", "sgd", {"lr": sgd_lr(0.5, 1e-7)}, 1e-7, 7)
    add("sgd_plain", "sgd", {"lr": sgd_lr(1.2, 1e2)}, 1e2, 7, pscale=10.0)
    add("sgd_weight_decay", "sgd", {"lr": sgd_lr(0.3, 1e-3), "weight_decay": l2(0.2, 1e-3)}, 1e-3, 7)
    add("sgd_maximize", "sgd", {"lr": sgd_lr(0.4, 1e-1), "maximize": True}, 1e-1, 7)
    add("sgd_momentum", "sgd", {"lr": sgd_lr(0.1, 1.0), "momentum": 0.9}, 1.0, 9)
    add("sgd_dampening", "sgd", {"lr": sgd_lr(0.2, 1e-5), "momentum": 0.8, "dampening": 0.3},
        1e-5, 7, pscale=0.01)
    add("sgd_nesterov", "sgd", {"lr": sgd_lr(0.1, 1e-3), "momentum": 0.9, "nesterov": True}, 1e-3, 7)
    add("sgd_all", "sgd", {"lr": sgd_lr(0.05, 1e2), "momentum": 0.7, "nesterov": True,
                           "weight_decay": l2(0.1, 1e2), "maximize": True}, 1e2, 25)
    add("sgd_momentum_all", "sgd", {"lr": sgd_lr(0.2, 1e-1), "momentum": 0.5, "dampening": 0.5,
                                    "weight_decay": l2(0.05, 1e-1), "maximize": True}, 1e-1, 9)
    add("sgd_nonfinite", "sgd", {"lr": sgd_lr(0.3, 1.0), "weight_decay": l2(0.1, 1.0)}, 1.0, 7,
        specials=NONFINITE)
    # A rate beyond 2/L: the stiff coordinates grow until the gradient overflows to inf, then
    # p - lr*inf = -inf, then -inf + inf = NaN, all as IEEE arithmetic says.
    add("sgd_diverge", "sgd", {"lr": sgd_lr(4.5, 1.0)}, 1.0, 7, diagonal=True)
    add("sgd_momentum_nonfinite", "sgd", {"lr": sgd_lr(0.1, 1.0), "momentum": 0.9}, 1.0, 7,
        specials=NONFINITE)

    # C03 Adagrad: scale-free except for eps and the initial accumulator.
    add("adagrad_default", "adagrad", {}, 1e-7, 7)
    add("adagrad_lr", "adagrad", {"lr": 0.1}, 1e2, 7, pscale=10.0)
    add("adagrad_lr_decay", "adagrad", {"lr": 0.5, "lr_decay": 0.05}, 1e-3, 7)
    add("adagrad_initial_accumulator", "adagrad",
        {"lr": 0.2, "initial_accumulator_value": sig3(4.0 * (1e-1 * LAMBDA_MAX) ** 2)}, 1e-1, 9)
    add("adagrad_initial_accumulator", "adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1},
        1.0, 7)
    add("adagrad_weight_decay", "adagrad", {"lr": 0.1, "weight_decay": l2(0.3, 1.0)}, 1.0, 7)
    add("adagrad_maximize", "adagrad", {"lr": 0.05, "maximize": True}, 1e-5, 7)
    add("adagrad_eps", "adagrad", {"lr": 0.1, "eps": 1e-6}, 1e-7, 7)
    add("adagrad_all", "adagrad", {"lr": 0.3, "lr_decay": 0.01, "weight_decay": l2(0.1, 1e-3),
                                   "initial_accumulator_value": sig3(0.5 * (1e-3 * LAMBDA_MAX) ** 2),
                                   "eps": 1e-8, "maximize": True}, 1e-3, 15)
    add("adagrad_nonfinite", "adagrad", {"lr": 0.1, "weight_decay": 0.01}, 1.0, 7,
        specials=NONFINITE)

    # C04 RMSprop: plain, centered, with momentum.
    add("rmsprop_default", "rmsprop", {}, 1e-7, 7)
    add("rmsprop_lr", "rmsprop", {"lr": 1e-3}, 1e2, 7, pscale=10.0)
    add("rmsprop_alpha", "rmsprop", {"lr": 0.02, "alpha": 0.9}, 1e-3, 7)
    add("rmsprop_centered", "rmsprop", {"lr": 0.01, "centered": True}, 1e-1, 9)
    add("rmsprop_momentum", "rmsprop", {"lr": 1e-3, "momentum": 0.9}, 1.0, 7)
    add("rmsprop_centered_momentum", "rmsprop", {"lr": 2e-3, "centered": True, "momentum": 0.8},
        1e-5, 7)
    add("rmsprop_weight_decay", "rmsprop", {"lr": 0.01, "weight_decay": l2(0.2, 1.0)}, 1.0, 7)
    add("rmsprop_maximize_eps", "rmsprop", {"lr": 0.01, "eps": 1e-4, "maximize": True}, 1e-3, 7)
    add("rmsprop_all", "rmsprop", {"lr": 3e-3, "alpha": 0.95, "eps": 1e-6, "weight_decay": l2(0.1, 1e2),
                                   "momentum": 0.5, "centered": True, "maximize": True}, 1e2, 17)
    add("rmsprop_nonfinite", "rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.5}, 1.0, 7,
        specials=NONFINITE)

    # C05 Adam / AMSGrad.
    add("adam_default", "adam", {}, 1e-7, 7)
    add("adam_lr", "adam", {"lr": 0.05}, 1e2, 7, pscale=10.0)
    add("adam_betas", "adam", {"lr": 0.02, "betas": (0.5, 0.9)}, 1e-3, 7)
    add("adam_betas_zero", "adam", {"lr": 0.01, "betas": (0.0, 0.0)}, 1e-1, 7)
    add("adam_eps", "adam", {"lr": 0.02, "eps": 1e-3}, 1e-3, 7)
    add("adam_amsgrad", "adam", {"lr": 0.05, "amsgrad": True}, 1.0, 9)
    add("adam_weight_decay", "adam", {"lr": 0.01, "weight_decay": l2(0.2, 1e-5)}, 1e-5, 7)
    add("adam_maximize", "adam", {"lr": 0.01, "maximize": True}, 1e-1, 7)
    add("adam_all", "adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": l2(0.1, 1e2),
                             "amsgrad": True, "maximize": True}, 1e2, 33)
    add("adam_nonfinite", "adam", {"lr": 0.05, "amsgrad": True}, 1.0, 7, specials=NONFINITE)

    # C06 AdamW: decoupled decay, including the default weight_decay=1e-2 (no flag given).
    add("adamw_default", "adamw", {}, 1e-7, 7)
    add("adamw_default", "adamw", {"lr": 0.05}, 1e2, 7, pscale=10.0)
    add("adamw_no_decay", "adamw", {"lr": 0.01, "weight_decay": 0.0}, 1e-3, 7)
    add("adamw_weight_decay", "adamw", {"lr": 0.02, "weight_decay": 0.5}, 1e-1, 7)
    add("adamw_amsgrad", "adamw", {"lr": 0.05, "amsgrad": True}, 1.0, 9)
    add("adamw_betas_eps", "adamw", {"lr": 0.01, "betas": (0.7, 0.95), "eps": 1e-4}, 1e-5, 7)
    add("adamw_maximize", "adamw", {"lr": 0.01, "maximize": True, "weight_decay": 0.1}, 1e-3, 7)
    add("adamw_all", "adamw", {"lr": 0.02, "betas": (0.85, 0.98), "eps": 1e-7, "weight_decay": 0.05,
                               "amsgrad": True, "maximize": True}, 1e2, 17)
    add("adamw_nonfinite", "adamw", {"lr": 0.05, "amsgrad": True}, 1.0, 7, specials=NONFINITE)
    return c


def write_optim(root):
    outdir = os.path.join(root, "tests", "golden", "optim")
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):  # renamed cases must not leave stale files behind
        if f.endswith(".csv") or f == "cases.tsv":
            os.remove(os.path.join(outdir, f))
    index, total = [], 0
    for stem, kind, hp, scale, n, pscale, diagonal, specials in case_matrix():
        name = "%s_%s" % (stem, scale_tag(scale))
        gen = torch.Generator().manual_seed(case_seed(name))
        sign = -1.0 if hp.get("maximize") else 1.0
        objective = Objective(gen, n, scale, pscale, sigma=0.3, sign=sign, diagonal=diagonal)
        text_in, text_out = run_torch(kind, hp, objective, specials)
        flags = replay_flags(kind, hp)
        for suffix, text in ((".in.csv", text_in), (".out.csv", text_out)):
            with open(os.path.join(outdir, name + suffix), "w") as f:
                f.write(text)
            total += len(text)
        index.append("%s\t%s\n" % (name, flags))
        print("%-40s n=%-2d steps=%d  %s" % (name, n, STEPS, flags))
    if len(set(line.split("\t")[0] for line in index)) != len(index):
        sys.exit("golden_torch.py: two cases share a name")
    with open(os.path.join(outdir, "cases.tsv"), "w") as f:
        f.writelines(index)
    print("wrote %d cases to %s (%d bytes of CSV)" % (len(index), outdir, total))


def main():
    root_default = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=root_default, help="repository root (default: %(default)s)")
    args = ap.parse_args()
    if not torch.__version__.startswith("1.13"):
        sys.exit("golden_torch.py: needs PyTorch 1.13 (found %s); run it with /usr/bin/python3"
                 % torch.__version__)
    torch.set_num_threads(1)
    write_optim(args.root)
    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.exists(os.path.join(here, "golden_schedules.py")):
        sys.path.insert(0, here)
        import golden_schedules
        golden_schedules.main(args.root)


if __name__ == "__main__":
    main()
