# K01-K12: what every figure module of the report shares: reading a figure's runs (CSV + the plan's
# manifest), small statistics, steps-to-tolerance and contraction fits, bands of good rates,
# gnuplot data files, and the verdicts with the registry of claims and their rules.
"""Shared machinery of the report's figure modules (standard library only)."""

import csv
import math
import os
import re

HOLDS = 'holds'
CONDITIONS = 'holds with conditions'
FAILS = 'does not hold'
PENDING = 'not yet measured'
VERDICTS = (HOLDS, CONDITIONS, FAILS)


# ---- numbers -------------------------------------------------------------------------------------

def num(text):
    """A CSV cell as a float (NaN when empty); other text stays text."""
    if text is None or text == '':
        return math.nan
    try:
        return float(text)
    except ValueError:
        return text


def finite(x):
    return isinstance(x, (int, float)) and math.isfinite(x)


def fmt(x, digits=3):
    """x with `digits` significant digits, the way the report prints measurements."""
    if x is None:
        return 'n/a'
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return 'yes' if x else 'no'
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return 'n/a'
    if math.isinf(x):
        return '∞' if x > 0 else '-∞'
    if x == 0:
        return '0'
    text = '%.*g' % (digits, x)
    if 'e' in text:
        mant, exp = text.split('e')
        return '%s×10%s' % (mant, str(int(exp)).translate(SUPERSCRIPT))
    return text


# Exponents as Unicode superscripts: they read the same in Markdown on a code host, in the HTML
# page and in a terminal.
SUPERSCRIPT = str.maketrans('-0123456789', '⁻⁰¹²³⁴⁵⁶⁷⁸⁹')


def gfmt(x, digits=3):
    """x for a gnuplot label (enhanced text): 8.4×10^{-5}."""
    if not finite(x):
        return fmt(x, digits)
    text = '%.*g' % (digits, x)
    if 'e' in text:
        mant, exp = text.split('e')
        return '%s×10^{%d}' % (mant, int(exp))
    return text


def median(xs):
    xs = sorted(x for x in xs if not (isinstance(x, float) and math.isnan(x)))
    if not xs:
        return math.nan
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def quantile(xs, q):
    """Linear-interpolated quantile of the non-NaN values (NaN when there are none)."""
    xs = sorted(x for x in xs if not (isinstance(x, float) and math.isnan(x)))
    if not xs:
        return math.nan
    pos = q * (len(xs) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(xs):
    xs = [x for x in xs if not math.isnan(x)]
    return sum(xs) / len(xs) if xs else math.nan


def linfit(xs, ys):
    """Least-squares line y = a + b x: (slope b, intercept a, r^2). Needs two distinct x."""
    n = len(xs)
    if n < 2:
        return math.nan, math.nan, math.nan
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return math.nan, math.nan, math.nan
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    syy = sum((y - my) ** 2 for y in ys)
    b = sxy / sxx
    r2 = (sxy * sxy) / (sxx * syy) if syy > 0 else 1.0
    return b, my - b * mx, r2


def loglog_slope(xs, ys):
    """Slope and r^2 of log y against log x over the pairs where both are positive and finite."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys)
           if finite(x) and finite(y) and x > 0 and y > 0]
    if len(pts) < 2:
        return math.nan, math.nan
    b, _, r2 = linfit([p[0] for p in pts], [p[1] for p in pts])
    return b, r2


def float32(x):
    """x rounded to the nearest float32 (as lrlab stores eigenvalues and parameters)."""
    import struct
    return struct.unpack('f', struct.pack('f', x))[0]


def quadratic_eigenvalues(dim, mu, L):
    """The spectrum lrlab's quadratic uses (include/lrlab/objective.h): log-spaced from mu to L,
    computed in double and rounded to float32; dim = 1 gives L."""
    if dim == 1:
        return [float32(L)]
    return [float32(mu * (L / mu) ** (i / (dim - 1))) for i in range(dim)]


# ---- measurements on one run ---------------------------------------------------------------------

def steps_to_fraction(rows, tol, key='dist'):
    """The first step at which rows[key] / rows[0][key] <= tol, interpolated log-linearly between
    the two logged rows around the crossing (runs may log every K steps). NaN when never reached
    (including runs that diverge first)."""
    if not rows:
        return math.nan
    ref = rows[0][key]
    if not finite(ref) or ref <= 0:
        return math.nan
    target = tol * ref
    prev = None
    for r in rows:
        v = r[key]
        if not finite(v):
            return math.nan
        if v <= target:
            if prev is None or prev[key] <= 0 or v <= 0 or prev[key] == v:
                return float(r['step'])
            lp, lv, lt = math.log(prev[key]), math.log(v), math.log(target)
            frac = (lp - lt) / (lp - lv)
            return prev['step'] + frac * (r['step'] - prev['step'])
        prev = r
    return math.nan


def contraction(rows, key='dist', window=(1e-12, 1e12)):
    """The per-step factor by which rows[key] shrinks (< 1) or grows (> 1): exp of the slope of
    log(rows[key]) against step, fitted over the second half of the finite rows whose value stays
    within `window` times the first (away from underflow and overflow)."""
    if not rows:
        return math.nan
    ref = rows[0][key]
    lo, hi = window[0] * ref, window[1] * ref
    pts = [(r['step'], math.log(r[key])) for r in rows
           if finite(r[key]) and r[key] > 0 and lo <= r[key] <= hi]
    pts = pts[len(pts) // 2:]
    if len(pts) < 2:
        return math.nan
    b, _, _ = linfit([p[0] for p in pts], [p[1] for p in pts])
    return math.exp(b)


def diverged(rows):
    return bool(rows) and rows[-1].get('diverged') == 1.0


# ---- bands of good rates -------------------------------------------------------------------------

def band(points, good):
    """points: (lr, value) sorted by lr on a log grid; good: value -> bool. The contiguous run of
    good grid points that holds the best (smallest) good value. Returns a dict with lo, hi, the
    number of points, the width in decades (each point counting for its grid cell, so a lone good
    point is one cell wide), and whether the band touches an end of the grid (then the true band
    may be wider). None when no point is good."""
    pts = sorted(points)
    flags = [finite(v) and good(v) for _, v in pts]
    if not any(flags):
        return None
    best = min((i for i, f in enumerate(flags) if f), key=lambda i: pts[i][1])
    i = j = best
    while i > 0 and flags[i - 1]:
        i -= 1
    while j < len(pts) - 1 and flags[j + 1]:
        j += 1
    cell = (math.log10(pts[-1][0] / pts[0][0]) / (len(pts) - 1)) if len(pts) > 1 else 0.0
    return {'lo': pts[i][0], 'hi': pts[j][0], 'points': j - i + 1,
            'decades': math.log10(pts[j][0] / pts[i][0]) + cell,
            'open_left': i == 0, 'open_right': j == len(pts) - 1, 'best_lr': pts[best][0]}


def band_text(b):
    if b is None:
        return 'none'
    left = '≤' if b['open_left'] else ''
    right = '≥' if b['open_right'] else ''
    return '%s%s – %s%s (%s decades)' % (left, fmt(b['lo']), right, fmt(b['hi']),
                                         fmt(b['decades'], 2))


def parabola_min(points):
    """The minimum of a parabola through the three points around the smallest value, in the
    coordinates given (callers pass log10 lr and log value): a sub-grid estimate of the argmin.
    Falls back to the grid argmin at an edge or when the three points are not convex."""
    pts = sorted(p for p in points if finite(p[1]))
    if not pts:
        return math.nan
    k = min(range(len(pts)), key=lambda i: pts[i][1])
    if k == 0 or k == len(pts) - 1:
        return pts[k][0]
    (x0, y0), (x1, y1), (x2, y2) = pts[k - 1], pts[k], pts[k + 1]
    denom = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom
    b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / denom
    if a <= 0:
        return x1
    x = -b / (2 * a)
    return min(max(x, x0), x2)


# ---- a figure's runs -----------------------------------------------------------------------------

TAG_RE = re.compile(r'\s+(?=[A-Za-z_][A-Za-z0-9_]*=)')


def parse_tags(text):
    """'a=1 title=two words b=3' -> {'a': '1', 'title': 'two words', 'b': '3'}."""
    tags = {}
    for part in TAG_RE.split(text.strip()):
        if part:
            key, _, value = part.partition('=')
            tags[key] = value
    return tags


def read_csv(path):
    with open(path, newline='', encoding='utf-8') as f:
        return [{k: num(v) for k, v in row.items()} for row in csv.DictReader(f)]


class Run(object):
    """One command of a plan: its tags from the manifest and its CSV rows (read on first use)."""

    def __init__(self, name, tags, path):
        self.name, self.tags, self.path = name, tags, path
        self._rows = None

    @property
    def rows(self):
        if self._rows is None:
            self._rows = read_csv(self.path)
        return self._rows

    def t(self, key, conv=float):
        return conv(self.tags[key])

    def __repr__(self):
        return 'Run(%s)' % self.name


class FigureData(object):
    """The results directory of one figure: manifest, params, pending parts, and where the plot
    data goes (DIR/plot/, read by scripts/plots/NAME.gp; `plot_dir` for a figure that draws
    another plan entry's runs)."""

    def __init__(self, directory, plot_dir=None):
        self.dir = directory
        self.name = os.path.basename(directory.rstrip('/'))
        self.plot_dir = plot_dir or os.path.join(directory, 'plot')
        self.runs = []
        self.vars = {}
        self.params = {}
        self.pending = {}
        manifest = os.path.join(directory, 'manifest.tsv')
        if os.path.exists(manifest):
            with open(manifest, encoding='utf-8') as f:
                for line in f:
                    if line.strip():
                        name, _, tags = line.rstrip('\n').partition('\t')
                        self.runs.append(Run(name, parse_tags(tags),
                                             os.path.join(directory, name + '.csv')))
        for fname, target in (('params.tsv', self.params), ('pending.tsv', self.pending)):
            path = os.path.join(directory, fname)
            if os.path.exists(path):
                with open(path, encoding='utf-8') as f:
                    for line in f:
                        if line.strip():
                            key, _, value = line.rstrip('\n').partition('\t')
                            target[key] = value

    def p(self, key, conv=float):
        return conv(self.params[key])

    def select(self, **want):
        """The runs whose tags equal every key=value given (values compared as text)."""
        return [r for r in self.runs if all(r.tags.get(k) == str(v) for k, v in want.items())]

    def values(self, key, runs=None, conv=float):
        """The distinct values of tag `key` among runs, sorted."""
        return sorted({conv(r.tags[key]) for r in (self.runs if runs is None else runs)
                       if key in r.tags})

    # -- plot data --

    def write_dat(self, fname, blocks):
        """blocks: [(title, [column names], rows)]. Each block starts with a header line that
        gnuplot's columnheader(1) reads as the block's title; blocks are separated by two blank
        lines (gnuplot's `index`). NaN and infinities are written as NaN (gnuplot skips them)."""
        os.makedirs(self.plot_dir, exist_ok=True)
        self.vars['n_' + fname.rsplit('.', 1)[0]] = len(blocks)
        with open(os.path.join(self.plot_dir, fname), 'w', encoding='utf-8') as f:
            for b, (title, cols, rows) in enumerate(blocks):
                if b:
                    f.write('\n\n')
                f.write('"%s" %s\n' % (title.replace('"', "'"),
                                       ' '.join('"%s"' % c for c in cols[1:])))
                for row in rows:
                    f.write(' '.join(cell(v) for v in row) + '\n')

    def write_vars(self, values):
        """Constants for the gnuplot script (written to DIR/plot/vars.gp by flush_vars, with
        n_STEM = the number of blocks of each STEM.dat written)."""
        self.vars.update(values)

    def flush_vars(self):
        os.makedirs(self.plot_dir, exist_ok=True)
        with open(os.path.join(self.plot_dir, 'vars.gp'), 'w', encoding='utf-8') as f:
            for k, v in sorted(self.vars.items()):
                if isinstance(v, str):
                    f.write('%s = "%s"\n' % (k, v.replace('"', "'")))
                else:
                    f.write('%s = %s\n' % (k, cell(v)))


def cell(v):
    if isinstance(v, str):
        return '"%s"' % v.replace('"', "'")
    if isinstance(v, bool):
        return '1' if v else '0'
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return 'NaN'
    return repr(float(v)) if isinstance(v, float) else str(v)


def thin(rows, keep=600):
    """At most about `keep` rows: the first fifth kept, then evenly spaced with an odd stride (so
    that a period-2 oscillation still shows both of its points), always the last."""
    if len(rows) <= keep:
        return rows
    head = keep // 5
    step = max(1, (len(rows) - head) // (keep - head))
    step += 1 - step % 2
    out = rows[:head] + rows[head::step]
    if out[-1] is not rows[-1]:
        out.append(rows[-1])
    return out


# ---- figures, claims and verdicts ----------------------------------------------------------------

class Figure(object):
    """A figure of the report: `name` ties together benchmarks/plan/NAME.sh (the runs),
    scripts/plots/NAME.gp (the picture) and the module defining this object (derive: the tables
    and measurements). `number` is its number in the issue's list of figures (None for extra
    figures); `caption` says what to see. `runs` names the plan entry whose runs it reads when
    that is another figure's (one sweep can feed two figures); its own plot data stays under
    its own name."""

    def __init__(self, name, number, title, caption, derive, claims=(), runs=None):
        self.name, self.number, self.title = name, number, title
        self.caption, self.derive, self.claims = caption, derive, tuple(claims)
        self.runs = runs or name


class Pending(Exception):
    """Raised by a rule when the data it needs does not exist yet: the claim is then listed as
    not yet measured, with this reason, instead of getting a verdict."""


class Verdict(object):
    def __init__(self, status, summary, numbers=()):
        assert status in VERDICTS + (PENDING,)
        self.status, self.summary, self.numbers = status, summary, list(numbers)

    def __repr__(self):
        return 'Verdict(%r, %r)' % (self.status, self.summary)


class Claim(object):
    """A claim (K01..K12, or a part such as K12a) with the experiment that tests it, the figures
    whose measurements it reads, and its rule: a function of {figure name: measurements} that
    returns a Verdict (or raises Pending). A claim without a rule is not yet measured; `missing`
    says what it waits for."""

    def __init__(self, cid, statement, experiment=None, figures=(), rule=None, missing=None):
        self.id, self.statement, self.experiment = cid, statement, experiment
        self.figures, self.rule, self.missing = tuple(figures), rule, missing

    def evaluate(self, measured):
        if self.rule is None:
            return Verdict(PENDING, self.missing or 'no experiment yet')
        absent = [f for f in self.figures if f not in measured]
        if absent:
            return Verdict(PENDING, 'the runs of %s are missing (their plan entries did not run)'
                           % ', '.join(absent))
        try:
            return self.rule(*[measured[f] for f in self.figures])
        except Pending as why:
            return Verdict(PENDING, str(why))


def rule_text(claim):
    """The rule as its docstring states it (shown in the claims ledger next to the verdict)."""
    doc = (claim.rule.__doc__ or '').strip() if claim.rule else ''
    return re.sub(r'\s+', ' ', doc)
