#!/usr/bin/python3
# C01-C06 conformance beyond the golden files: random optimizer configurations, drawn fresh from a seed
# given on the command line, run through PyTorch 1.13 and through `lrlab replay` (both --impl values).
# Owns the random configuration generator; reuses golden_torch.py's objective and torch runner.
"""Check `lrlab replay` against PyTorch 1.13 on random configurations.

Run with /usr/bin/python3 (Debian's PyTorch 1.13) from anywhere:
  scripts/check_replay_torch.py --seed 7 --count 300

Each configuration draws an optimizer, its flags and hyperparameters (anywhere PyTorch accepts
them, with rates scaled so the run moves the parameters), a size, a gradient scale (1e-7..1e2),
a parameter scale and 50-200 steps; sometimes a separable objective with +-inf / NaN injected.
Every value must satisfy |ours - torch| <= 1e-6 + 1e-5 * running max |p_torch| of its coordinate
(NaN matches NaN, infinities match exactly), and the two implementations must print the same
bytes. Prints a summary; exits 1 when any configuration fails. Not part of `make test`.
"""

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_torch as gt  # noqa: E402

ATOL, RTOL = 1e-6, 1e-5


def loguniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def sometimes(rng, p):
    return rng.random() < p


def draw_eps(rng, hp):
    r = rng.random()
    if r < 0.05:
        hp["eps"] = 0.0
    elif r < 0.5:
        hp["eps"] = loguniform(rng, 1e-12, 1e-1)


def draw_l2(rng, hp, gscale):
    """L2 weight decay comparable with the gradient (wd * p against scale * lambda * p)."""
    if sometimes(rng, 0.5):
        hp["weight_decay"] = loguniform(rng, 1e-3, 1.0) * gscale * gt.LAMBDA_MAX


def draw_config(rng):
    """One random configuration: (optimizer, torch keywords, n, steps, gscale, pscale, diagonal, specials)."""
    kind = rng.choice(gt.OPTIMIZERS)
    n = int(round(loguniform(rng, 1, 300)))
    steps = rng.randint(50, 200)
    gscale = loguniform(rng, 1e-7, 1e2)
    pscale = loguniform(rng, 1e-2, 1e2)
    hp = {}
    if kind == "sgd":
        eta = 0.0 if sometimes(rng, 0.03) else loguniform(rng, 1e-3, 1.9)
        hp["lr"] = eta / (gscale * gt.LAMBDA_MAX)
        if sometimes(rng, 0.6):
            hp["momentum"] = rng.uniform(0.0, 0.99)
            if sometimes(rng, 0.4):
                hp["nesterov"] = True
            elif sometimes(rng, 0.5):
                hp["dampening"] = rng.uniform(0.0, 1.0)
            if hp["momentum"] > 0:  # a heavy ball with a large rate diverges: keep eta in range
                hp["lr"] *= 1.0 - hp["momentum"]
        draw_l2(rng, hp, gscale)
    elif kind == "adagrad":
        hp["lr"] = pscale * loguniform(rng, 1e-4, 0.3)
        if sometimes(rng, 0.5):
            hp["lr_decay"] = loguniform(rng, 1e-4, 1.0)
        if sometimes(rng, 0.5):
            hp["initial_accumulator_value"] = loguniform(rng, 1e-3, 10.0) * (gscale * gt.LAMBDA_MAX) ** 2
        draw_eps(rng, hp)
        draw_l2(rng, hp, gscale)
    elif kind == "rmsprop":
        hp["lr"] = pscale * loguniform(rng, 1e-4, 3e-2)
        if sometimes(rng, 0.5):
            hp["alpha"] = rng.uniform(0.0, 1.0)
        if sometimes(rng, 0.5):
            hp["momentum"] = rng.uniform(0.0, 0.95)
        if sometimes(rng, 0.5):
            hp["centered"] = True
        draw_eps(rng, hp)
        draw_l2(rng, hp, gscale)
    else:  # adam, adamw
        hp["lr"] = pscale * loguniform(rng, 1e-4, 0.1)
        if sometimes(rng, 0.5):
            hp["betas"] = (rng.uniform(0.0, 0.999) if sometimes(rng, 0.8) else 0.0,
                           rng.uniform(0.0, 0.9999) if sometimes(rng, 0.8) else 0.0)
        draw_eps(rng, hp)
        if kind == "adam":
            draw_l2(rng, hp, gscale)
        elif sometimes(rng, 0.6):  # otherwise AdamW's default 1e-2
            hp["weight_decay"] = 0.0 if sometimes(rng, 0.2) else loguniform(rng, 1e-4, 1.0)
            hp["weight_decay"] = min(hp["weight_decay"], 0.5 / hp["lr"])
        if sometimes(rng, 0.4):
            hp["amsgrad"] = True
    if sometimes(rng, 0.3):
        hp["maximize"] = True
    diagonal = sometimes(rng, 0.25)
    specials = []
    if diagonal and sometimes(rng, 0.5):
        for _ in range(rng.randint(1, 4)):
            specials.append((rng.randint(1, steps), rng.randrange(n),
                             rng.choice((math.inf, -math.inf, math.nan, 0.0, -0.0))))
    return kind, hp, n, steps, gscale, pscale, diagonal, specials


def parse(text):
    return [[float(x) for x in line.split(",")] for line in text.splitlines() if line]


def compare(ours, torch_rows, p0):
    """(misses, first miss description, max |diff|/running max, max fraction of the bound,
    cells compared, cells identical to torch's)."""
    running = [abs(x) if math.isfinite(x) else 0.0 for x in p0]
    misses, first, max_rel, max_frac, cells, same = 0, None, 0.0, 0.0, 0, 0
    if len(ours) != len(torch_rows) or any(len(a) != len(b) for a, b in zip(ours, torch_rows)):
        return 1, "shape: %d rows vs %d" % (len(ours), len(torch_rows)), max_rel, max_frac, 0, 0
    for t, (row_ours, row_torch) in enumerate(zip(ours, torch_rows), start=1):
        for j, (a, b) in enumerate(zip(row_ours, row_torch)):
            cells += 1
            same += a == b or (math.isnan(a) and math.isnan(b))
            if math.isfinite(b):
                running[j] = max(running[j], abs(b))
            if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
                ok = (math.isnan(a) and math.isnan(b)) or a == b
                bound = diff = 0.0
            else:
                diff, bound = abs(a - b), ATOL + RTOL * running[j]
                ok = diff <= bound
                max_frac = max(max_frac, diff / bound)
                if running[j] > 0:
                    max_rel = max(max_rel, diff / running[j])
            if not ok:
                misses += 1
                if first is None:
                    first = "step %d, p[%d]: lrlab %r, torch %r, bound %.3g" % (t, j, a, b, bound)
    return misses, first, max_rel, max_frac, cells, same


def run_lrlab(lrlab, flags, in_path, impl):
    cmd = [lrlab, "replay", "--impl", impl, "--input", in_path] + flags.split()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
    return r.stdout


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True, help="seed of the configuration generator")
    ap.add_argument("--count", type=int, default=300, help="configurations to draw (default 300)")
    ap.add_argument("--lrlab", default=os.path.join(root, "build", "lrlab"), help="the binary")
    ap.add_argument("--save-failures", metavar="DIR",
                    help="write each failing case as NAME.in.csv, NAME.out.csv, NAME.flags there")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per configuration")
    args = ap.parse_args()
    if not torch.__version__.startswith("1.13"):
        sys.exit("check_replay_torch.py: needs PyTorch 1.13 (found %s); run it with /usr/bin/python3"
                 % torch.__version__)
    if not os.access(args.lrlab, os.X_OK):
        sys.exit("check_replay_torch.py: %s is not executable (run make first)" % args.lrlab)
    torch.set_num_threads(1)
    rng = random.Random(args.seed)
    per_kind = {k: 0 for k in gt.OPTIMIZERS}
    failures, worst_rel, worst_frac, worst_name = [], 0.0, 0.0, "none"
    nonfinite_cells = cells_total = cells_same = 0
    with tempfile.TemporaryDirectory(prefix="lrlab-check-") as tmp:
        for i in range(args.count):
            kind, hp, n, steps, gscale, pscale, diagonal, specials = draw_config(rng)
            name = "s%d_c%d_%s" % (args.seed, i, kind)
            gen = torch.Generator().manual_seed(rng.getrandbits(62))
            sign = -1.0 if hp.get("maximize") else 1.0
            objective = gt.Objective(gen, n, gscale, pscale, sigma=rng.uniform(0.0, 1.0), sign=sign,
                                     diagonal=diagonal)
            text_in, text_out = gt.run_torch(kind, hp, objective, specials, steps=steps)
            flags = gt.replay_flags(kind, hp)
            in_path = os.path.join(tmp, "in.csv")
            with open(in_path, "w") as f:
                f.write(text_in)
            torch_rows = parse(text_out)
            p0 = parse(text_in.split("\n", 1)[0])[0]
            nonfinite_cells += sum(1 for row in torch_rows for v in row if not math.isfinite(v))
            problems = []
            outs = {}
            for impl in ("reference", "avx2"):
                try:
                    outs[impl] = run_lrlab(args.lrlab, flags, in_path, impl)
                except RuntimeError as e:
                    problems.append(str(e))
                    continue
                misses, first, rel, frac, cells, same = compare(parse(outs[impl]), torch_rows, p0)
                cells_total += cells
                cells_same += same
                if misses:
                    problems.append("--impl %s: %d cells out of tolerance, first at %s"
                                    % (impl, misses, first))
                if frac > worst_frac:
                    worst_frac, worst_name = frac, name
                worst_rel = max(worst_rel, rel)
            if len(outs) == 2 and outs["reference"] != outs["avx2"]:
                problems.append("--impl reference and --impl avx2 print different bytes")
            per_kind[kind] += 1
            desc = "%s n=%d steps=%d gscale=%.3g pscale=%.3g%s%s: %s" % (
                name, n, steps, gscale, pscale, " diagonal" if diagonal else "",
                " specials=%d" % len(specials) if specials else "", flags)
            if args.verbose:
                print(("FAIL " if problems else "ok   ") + desc)
            if problems:
                failures.append((desc, problems))
                if args.save_failures:
                    os.makedirs(args.save_failures, exist_ok=True)
                    base = os.path.join(args.save_failures, name)
                    for suffix, text in ((".in.csv", text_in), (".out.csv", text_out),
                                         (".flags", flags + "\n")):
                        with open(base + suffix, "w") as f:
                            f.write(text)
    print("configurations: %d (seed %d; %s)" % (args.count, args.seed,
                                               ", ".join("%s %d" % kv for kv in per_kind.items())))
    print("non-finite cells in torch's trajectories: %d (all must match exactly)" % nonfinite_cells)
    print("cells compared (both impls): %d, identical to torch's: %d" % (cells_total, cells_same))
    print("max |lrlab - torch| / running max |p|: %.3g" % worst_rel)
    print("max fraction of the bound 1e-6 + 1e-5*max|p| used: %.3g (%s)" % (worst_frac, worst_name))
    print("failures: %d" % len(failures))
    for desc, problems in failures:
        print("FAIL " + desc)
        for p in problems:
            print("     " + p)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
