# Figure 3 (C22) and claim K12b: paths through the Rosenbrock valley for several rates and
# optimizers over its contours, loss per step, and where a sweep of rates ends: at the minimizer,
# still moving, diverged, or stuck away from the minimizer (at a point or in a cycle).
"""Figure 3: Rosenbrock; the rule of K12b ("a large rate converges too fast to a poor solution")."""

import math

from .claims import STATEMENTS
from .common import (CONDITIONS, FAILS, HOLDS, Claim, Figure, Verdict, diverged, fmt, gfmt,
                     thin)

NAME = 'fig03-rosenbrock'
FIG02 = 'fig02-speed-vs-lr'

# Where a run "ends at the minimizer"; what counts as no change at all (a fixed point); and what
# counts as a period-2 cycle: a loss that drifts by at most CYCLE_DRIFT (relative) over two logged
# rows while alternating by more than CYCLE_ALT times that drift from one row to the next.
NEAR = 1e-2
STILL = 1e-6
CYCLE_DRIFT = 1e-2
CYCLE_ALT = 5
# Final losses below this (often exactly 0 in float32) are drawn at it.
FLOOR = 1e-15


def outcome(rows):
    """Where a sweep run ends: 'diverged'; 'minimizer' (within NEAR of (1, 1)); far from it,
    'fixed' (the loss no longer changes over the last logged rows, 101 steps apart), 'cycle'
    (it alternates from one row to the next, an odd number of steps, and barely drifts two rows
    back: a period-2 orbit, or one approached slowly) or 'moving'."""
    if diverged(rows):
        return 'diverged'
    if rows[-1]['dist'] <= NEAR:
        return 'minimizer'
    f0, f1, f2 = [r['train_loss'] for r in rows[-3:]]
    alt, drift = abs(f2 - f1) / f2, abs(f2 - f0) / f2
    if alt <= STILL and drift <= STILL:
        return 'fixed'
    if drift <= CYCLE_DRIFT and alt > CYCLE_ALT * drift:
        return 'cycle'
    return 'moving'


def path_note(rows):
    """What a traced path's legend adds: divergence, a period-2 cycle (every step is logged: the
    loss repeats two steps back but not one), or the loss left when the path is still far from
    the minimizer."""
    if diverged(rows):
        return ' (diverges)'
    if rows[-1]['dist'] <= NEAR:
        return ''
    f0, f1, f2 = [r['train_loss'] for r in rows[-3:]]
    if abs(f2 - f0) <= STILL * f2 and abs(f2 - f1) > 1e-3 * f2:
        return ' (2-cycle, f ≈ %s)' % gfmt(f2, 2)
    return ' (f = %s at the end)' % gfmt(f2, 2)


def derive(fd):
    labels = {'gd': 'gradient descent', 'momentum': 'momentum 0.9', 'adagrad': 'AdaGrad',
              'rmsprop': 'RMSProp', 'adam': 'Adam'}
    gd, others, losses = [], [], []
    for r in sorted(fd.select(part='path'), key=lambda r: (r.tags['method'] != 'gd',
                                                           r.tags['method'], r.t('lr'))):
        rows = r.rows
        title = '%s, lr = %s' % (labels[r.tags['method']], gfmt(r.t('lr')))
        title += path_note(rows)
        path = [(row['x1'], row['x2']) for row in thin(rows, 1000)
                if abs(row['x1']) < 1e3 and abs(row['x2']) < 1e3]
        (gd if r.tags['method'] == 'gd' else others).append((title, ['x1', 'x2'], path))
        losses.append((title, ['step', 'loss'],
                       [(row['step'], row['train_loss']) for row in thin(rows, 800)
                        if row['step'] > 0]))
    fd.write_dat('gd_paths.dat', gd)
    fd.write_dat('opt_paths.dat', others)
    fd.write_dat('losses.dat', losses)

    sweep = {'gd': [], 'adam': []}
    for r in fd.select(part='sweep'):
        rows = r.rows
        sweep[r.tags['method']].append({'lr': r.t('lr'), 'end': outcome(rows),
                                        'loss': rows[-1]['train_loss'], 'dist': rows[-1]['dist']})
    blocks = []
    for method in ('gd', 'adam'):
        sweep[method].sort(key=lambda s: s['lr'])
        name = labels[method]
        blocks.append(('%s: final loss' % name, ['lr', 'loss'],
                       [(s['lr'], max(s['loss'], FLOOR) if s['end'] != 'diverged' else math.nan)
                        for s in sweep[method]]))
        blocks.append(('%s: stuck away from the minimizer' % name, ['lr', 'loss'],
                       [(s['lr'], s['loss']) for s in sweep[method]
                        if s['end'] in ('fixed', 'cycle')]))
        blocks.append(('%s: diverged' % name, ['lr', 'loss'],
                       [(s['lr'], 1e3) for s in sweep[method] if s['end'] == 'diverged']))
    fd.write_dat('sweep.dat', blocks)
    fd.write_vars({'long': fd.p('long', int), 'edge': 2 / 1001.6})

    table = [['method', 'rates', 'at the minimizer', 'still moving', 'stuck at a point',
              'stuck in a 2-cycle', 'diverged']]
    for method in ('gd', 'adam'):
        s = sweep[method]
        count = lambda e: [x['lr'] for x in s if x['end'] == e]  # noqa: E731
        cells = []
        for e in ('minimizer', 'moving', 'fixed', 'cycle', 'diverged'):
            lrs = count(e)
            cells.append('%d (%s – %s)' % (len(lrs), fmt(min(lrs)), fmt(max(lrs))) if lrs else '0')
        table.append([labels[method], str(len(s))] + cells)
    return {'sweep': sweep, 'steps': fd.p('long', int), 'table': table}


FIGURE = Figure(
    NAME, 3, 'Rosenbrock: paths through the valley for several rates and optimizers',
    'f(x₁, x₂) = (1 − x₁)² + 100 (x₂ − x₁²)², from (−1.2, 1) (circle) toward the minimizer (1, 1) '
    '(star), 5000 steps; contours at 0.1, 0.5, 1, 2, 5, …; the legends give the loss left at the '
    'end when a path has not arrived. **(a)** Gradient descent: small rates '
    'drop into the valley and then crawl along its floor; the curvature across the valley at the '
    'minimizer is about 1002, so a rate above 2/1002 ≈ 0.002 cannot settle there: the run at '
    '0.003 ends bouncing across the valley between two points, and 0.01 is thrown out in the '
    'first steps. **(b)** Momentum and the adaptive methods at good rates take the valley\'s bend much '
    'faster. **(c)** The loss per step for every path, coloured as in (a) (solid) and (b) '
    '(dashed). **(d)** Where a sweep of '
    'rates ends after a long run (20200 steps; QUICK: 10100): gradient descent converges up to '
    'about 0.002, '
    'then ends stuck far from the minimizer (open triangles; see the table) before it diverges '
    '(crosses); Adam reaches the minimizer over two decades of rates but keeps bouncing at large '
    'ones. Losses below 10⁻¹⁵ (often exactly 0 in float32) are drawn at 10⁻¹⁵.',
    derive, claims=('K12b',))


def k12b_rule(m02, m03):
    """Classify where each gradient-descent run of the Rosenbrock sweep ends: at the minimizer,
    still moving, diverged, or stuck far from the minimizer either at a point (the loss unchanged
    from one logged row to the next) or in a period-2 cycle (unchanged two rows back only). Holds
    when some large rate converges to a point away from the minimizer; holds with conditions when
    large rates end away from the minimizer only by cycling (they do not converge at all); does
    not hold when no rate ends stuck away from the minimizer. The quadratic of figure 2 is
    reported as the convex control."""
    gd = m03['sweep']['gd']
    fixed = [s for s in gd if s['end'] == 'fixed']
    cycle = [s for s in gd if s['end'] == 'cycle']
    stuck = fixed + cycle
    reached = [s for s in gd if s['end'] == 'minimizer']
    quad = m02['points']['gd'] + m02['points']['hb']
    stable = [p for p in quad if not p['diverged']]
    quad_short = [p for p in stable if math.isnan(p['steps'])]
    numbers = [('Rosenbrock gradient-descent rates', len(gd)),
               ('ending at the minimizer', '%d, up to lr = %s' % (
                   len(reached), fmt(max(s['lr'] for s in reached)) if reached else 'none')),
               ('stuck at a point away from it', len(fixed)),
               ('stuck in a period-2 cycle', '%d%s' % (len(cycle), (', lr %s – %s' % (
                   fmt(min(s['lr'] for s in cycle)), fmt(max(s['lr'] for s in cycle))))
                   if cycle else '')),
               ('final losses of the stuck runs', ', '.join(fmt(s['loss']) for s in stuck) or
                'none'),
               ('convex control (fig. 2): stable runs that stopped short of the tolerance',
                '%d of %d' % (len(quad_short), len(stable)))]
    if not stuck:
        return Verdict(FAILS, 'No rate ended stuck at a poor point: every Rosenbrock run reached '
                       'the minimizer, was still moving, or diverged.', numbers)
    text = ('On Rosenbrock, %s; %d larger rate(s) end far from it at a loss of %s–%s (%d at a '
            'point, %d in a period-2 cycle) instead of diverging. On the convex quadratic %d of '
            '%d stable runs stopped short.'
            % ('gradient descent reaches the minimizer up to lr = %s' % fmt(
                max(s['lr'] for s in reached)) if reached else
               'no gradient-descent rate reaches the minimizer within the run', len(stuck),
               fmt(min(s['loss'] for s in stuck)), fmt(max(s['loss'] for s in stuck)),
               len(fixed), len(cycle), len(quad_short), len(stable)))
    if fixed:
        return Verdict(HOLDS, text, numbers)
    return Verdict(CONDITIONS, text + ' The poor end point is real, but it is not convergence '
                   '"too fast": the minimizer is unstable at these rates (its curvature, about '
                   '1002, exceeds 2/lr) and the iterates bounce between two points for ever.',
                   numbers)


CLAIMS = [Claim('K12b', STATEMENTS['K12b'],
                experiment='Gradient descent on the 2-D Rosenbrock function from (−1.2, 1) at '
                'log-spaced rates from 10⁻⁵ to 0.02 (and Adam from 10⁻⁴ to 1) for a long run; '
                'each run is classified by where it ends. The quadratic sweep of figure 2 is the '
                'convex control.',
                figures=(FIG02, NAME), rule=k12b_rule)]
