# Figure 4 and claims K07, K12c: SGD, momentum, AdaGrad, RMSProp and Adam (C01-C05) on a badly
# scaled quadratic (C21, kappa = 1000), with its eigenvectors along the coordinate axes and rotated:
# the loss left after a fixed budget against the rate, and the band of rates that reach a target.
"""Figure 4: badly scaled quadratic; the rule of K12c and the quadratic half of K07's."""

import math

from .claims import STATEMENTS
from .common import (CONDITIONS, FAILS, HOLDS, Claim, Figure, Verdict, band, band_text, diverged,
                     fmt, gfmt, median)

NAME = 'fig04-badly-scaled'
METHODS = ('sgd', 'momentum', 'adagrad', 'rmsprop', 'adam')
LABELS = {'sgd': 'SGD', 'momentum': 'momentum 0.9', 'adagrad': 'AdaGrad', 'rmsprop': 'RMSProp',
          'adam': 'Adam'}
ADAPTIVE = ('adagrad', 'rmsprop', 'adam')
# Losses below this (often exactly 0 in float32) are drawn at it.
FLOOR = 1e-30


def final_ratio(rows):
    """Loss after the budget over the loss at the start; infinity for a run that diverged."""
    if diverged(rows):
        return math.inf
    return rows[-1]['train_loss'] / rows[0]['train_loss']


def derive(fd):
    target = fd.p('target')
    curves, bands = {}, {}
    plots = {}
    for layout in ('axes', 'rotated'):
        blocks, fails = [], []
        for method in METHODS:
            runs = fd.select(layout=layout, method=method)
            by_lr = {}
            for r in runs:
                by_lr.setdefault(r.t('lr'), []).append(final_ratio(r.rows))
            pts = sorted((lr, median(v)) for lr, v in by_lr.items())
            curves[(layout, method)] = pts
            bands[(layout, method)] = band(pts, lambda v: v <= target)
            blocks.append((LABELS[method], ['lr', 'ratio'],
                           [(lr, max(v, FLOOR) if math.isfinite(v) else math.nan)
                            for lr, v in pts]))
            fails.append((LABELS[method] + ': diverged', ['lr', 'ratio'],
                          [(lr, 1e4) for lr, v in pts if not math.isfinite(v)]))
        fd.write_dat('%s.dat' % layout, blocks)
        fd.write_dat('%s_fail.dat' % layout, fails)
        plots[layout] = blocks
    # Horizontal bars: one row per method and layout, from the band's low to its high edge.
    rows = []
    for i, method in enumerate(METHODS):
        for j, layout in enumerate(('axes', 'rotated')):
            b = bands[(layout, method)]
            y = len(METHODS) - i + (0.15 if j == 0 else -0.15)
            lo = b['lo'] if b else math.nan
            hi = b['hi'] if b else math.nan
            rows.append((y, lo, hi, j))
    fd.write_dat('bands.dat', [('bands', ['y', 'lo', 'hi', 'layout'], rows)])
    fd.write_vars({'target': target, 'steps': fd.p('steps', int), 'floor': FLOOR,
                   'ytics_cmd': 'set ytics (' + ', '.join(
                       '"%s" %d' % (LABELS[m].split()[0], len(METHODS) - i) for i, m in enumerate(METHODS))
                   + ')'})

    table = [['method', 'band, axes-aligned (final loss ≤ %s × start)' % fmt(target),
              'band, rotated', 'best final/start, axes', 'best final/start, rotated']]
    out = {'target': target, 'bands': {}, 'best': {}}
    for method in METHODS:
        best = {layout: min(v for _, v in curves[(layout, method)]) for layout in
                ('axes', 'rotated')}
        out['bands'][method] = {layout: bands[(layout, method)] for layout in ('axes', 'rotated')}
        out['best'][method] = best
        table.append([LABELS[method], band_text(bands[('axes', method)]),
                      band_text(bands[('rotated', method)]), fmt(best['axes']),
                      fmt(best['rotated'])])
    out['table'] = table
    out['cell'] = 1.0 / fd.p('per_decade')
    return out


FIGURE = Figure(
    NAME, 4, 'Badly scaled parameters: SGD, momentum and the adaptive methods',
    'A quadratic with 50 eigenvalues from 0.01 to 10 (κ = 1000), 3000 steps from x₀ = (1, …, 1), '
    'at rates from 10⁻⁵ to 100. **(a)** The eigenvectors are the coordinate axes: each parameter '
    'has its own curvature, the textbook case of badly scaled parameters. SGD and momentum are '
    'limited by the largest curvature (they diverge above 2/L and 2(1+β)/L) and by the smallest '
    '(they crawl below); AdaGrad, RMSProp and Adam divide each coordinate\'s step by its own '
    'gradient scale and reach the target over decades of rates. **(b)** The same spectrum with '
    'the eigenvectors rotated away from the axes (seeded random rotations; the median is drawn): '
    'SGD and momentum do not notice (their updates commute with rotations), the adaptive methods '
    'lose most of their advantage, because what they rescale is coordinates, not eigen-directions. '
    '**(c)** The band of rates whose final loss is at most 10⁻⁶ of the starting loss, per method '
    '(upper bar: axes; lower bar: rotated). Losses below 10⁻³⁰ (often exactly 0 in float32) are '
    'drawn at 10⁻³⁰; crosses at the top mark divergence.',
    derive, claims=('K07', 'K12c'))


def width(b):
    return b['decades'] if b else 0.0


def k07_quadratic(m):
    """The quadratic half of K07 (its rule is in fig06_sensitivity.py). On the axis-aligned
    quadratic (each parameter with its own curvature): an adaptive method copes with the bad
    scaling when its best final loss reaches the target (1e-6 of the start) and is less
    sensitive to the rate when its band of rates reaching the target is wider than both SGD's
    and momentum's by at least one grid cell. Holds when AdaGrad, RMSProp and Adam all do both;
    holds with conditions when some do; does not hold when none does."""
    bands, best, target = m['bands'], m['best'], m['target']
    base = max(width(bands['sgd']['axes']), width(bands['momentum']['axes']))
    # at least one more grid cell (half a cell of slack for rounding in the widths)
    good = [a for a in ADAPTIVE if best[a]['axes'] <= target and
            width(bands[a]['axes']) >= base + 0.5 * m['cell']]
    numbers = [('band width, axes (decades): ' + LABELS[k], fmt(width(bands[k]['axes']), 2) +
                ('+' if bands[k]['axes'] and bands[k]['axes']['open_right'] else ''))
               for k in ('sgd', 'momentum') + ADAPTIVE]
    numbers += [('band width, rotated (decades): ' + LABELS[k], fmt(width(bands[k]['rotated']), 2))
                for k in ('sgd', 'momentum') + ADAPTIVE]
    text = ('With the bad scaling along the axes, %s reach the target over a wider band of rates '
            'than SGD (%s decades) and momentum (%s): %s.' % (
                ', '.join(LABELS[a] for a in good) or 'none of the adaptive methods',
                fmt(width(bands['sgd']['axes']), 2), fmt(width(bands['momentum']['axes']), 2),
                '; '.join('%s %s decades' % (LABELS[a], fmt(width(bands[a]['axes']), 2))
                          for a in ADAPTIVE)))
    if len(good) == len(ADAPTIVE):
        return Verdict(HOLDS, text + ' (Rotated, the advantage mostly goes: see K12c.)', numbers)
    if good:
        return Verdict(CONDITIONS, text + ' Not for %s.' % ', '.join(
            LABELS[a] for a in ADAPTIVE if a not in good), numbers)
    return Verdict(FAILS, text, numbers)


# A change of band width under rotation counts only when it exceeds the control's (SGD and
# momentum, whose updates commute with rotations) by this many decades.
ROTATION_MARGIN = 0.5


def k12c_rule(m):
    """If an adaptive method estimated the Hessian's eigenvectors, rotating the problem (same
    eigenvalues, eigenvectors off the axes) would not change how it fares. Compare each method's
    band of good rates (decades) on the axis-aligned and the rotated quadratic; SGD and momentum,
    whose updates commute with rotations, are the control. The statement does not hold when every
    adaptive method loses more band width to the rotation than the control changes plus 0.5
    decades (they rescale coordinates, not eigen-directions); holds when none does; holds with
    conditions otherwise."""
    bands = m['bands']
    change = {k: width(bands[k]['axes']) - width(bands[k]['rotated']) for k in bands}
    control = max(abs(change['sgd']), abs(change['momentum']))
    hurt = [a for a in ADAPTIVE if change[a] > control + ROTATION_MARGIN]
    numbers = [('band lost to the rotation (decades): ' + LABELS[k], fmt(change[k], 2))
               for k in ('sgd', 'momentum') + ADAPTIVE]
    numbers += [('best final/start, axes → rotated: ' + LABELS[k], '%s → %s' % (
        fmt(m['best'][k]['axes']), fmt(m['best'][k]['rotated']))) for k in ADAPTIVE]
    text = ('Rotating the quadratic (same eigenvalues) changes the band of good rates by %s '
            'decades for SGD and momentum but costs %s.' % (
                fmt(control, 2), '; '.join('%s %s decades' % (LABELS[a], fmt(change[a], 2))
                                           for a in ADAPTIVE)))
    if len(hurt) == len(ADAPTIVE):
        return Verdict(FAILS, text + ' The adaptive methods\' advantage is tied to the coordinate '
                       'axes: their second-moment estimates are per coordinate, not per '
                       'eigenvector.', numbers)
    if not hurt:
        return Verdict(HOLDS, text, numbers)
    return Verdict(CONDITIONS, text + ' Hurt by the rotation: %s.' % ', '.join(
        LABELS[a] for a in hurt), numbers)


EXPERIMENT = ('SGD, momentum 0.9, AdaGrad, RMSProp and Adam (PyTorch defaults otherwise) on a '
              '50-dimensional quadratic with eigenvalues log-spaced from 0.01 to 10, axis-aligned '
              'and rotated by seeded random orthogonal matrices (5 in the full plan, 1 in QUICK), 3000 '
              'full-batch steps at '
              'rates from 10⁻⁵ to 100 (4 per decade); a rate is good when the final loss is at '
              'most 10⁻⁶ of the starting loss, and the band is the run of good grid points around '
              'the best one, each point counting for its grid cell.')
CLAIMS = [Claim('K12c', STATEMENTS['K12c'], experiment=EXPERIMENT, figures=(NAME,),
                rule=k12c_rule)]
