# Figure 10 and claim K08: the range test (C17) against a full sweep of constant rates, for SGD and
# Adam on linear regression (C23), SGD on the quadratic (C21), and SGD and Adam on Fashion-MNIST
# softmax regression (C24): where do its suggestions land relative to the sweep's good rates?
"""Figure 10: the range test against a sweep; the rule of K08."""

import math

from .claims import STATEMENTS
from .common import (CONDITIONS, FAILS, HOLDS, Claim, Figure, Verdict, band, band_text, diverged,
                     fmt, median, read_csv)

NAME = 'fig10-range-test'
PROBLEMS = ('linreg-sgd', 'linreg-adam', 'quadratic-sgd', 'fmnist-softmax-sgd',
            'fmnist-softmax-adam')
TITLES = {'linreg-sgd': 'linear regression, SGD (batch 32)',
          'linreg-adam': 'linear regression, Adam (batch 32)',
          'quadratic-sgd': 'quadratic κ = 100, gradient descent',
          'fmnist-softmax-sgd': 'Fashion-MNIST softmax, SGD (batch 64)',
          'fmnist-softmax-adam': 'Fashion-MNIST softmax, Adam (batch 64)'}
# The loss axis of each panel.
YRANGE = {'linreg': (1e-3, 1e3), 'quadratic': (1e-18, 1e10), 'fmnist': (0.3, 300)}
METHODS = ('valley', 'minimum', 'steep')
# A rate is good on linear regression when its final test loss is within this factor of the best
# (the noise floor dominates there); on the quadratic when the loss fell by the factor quad_target.
NEAR_BEST = 1.1


def sweep_value(problem, rows):
    """The final loss a sweep run is judged by (quadratic: the objective; linear regression: the
    test loss), infinite for a run that diverged."""
    if diverged(rows):
        return math.inf
    return rows[-1]['train_loss' if problem.startswith('quadratic') else 'test_loss']


def sweep_points(fd, prob):
    """{lr: [final values over seeds]} and the starting losses of the sweep of one problem: from
    one train run per rate and seed, or from the rows of a lane-batched `lrlab sweep` (one row
    per run, its last)."""
    by_lr, start = {}, []
    for r in fd.select(part='sweep', problem=prob):
        by_lr.setdefault(r.t('lr'), []).append(sweep_value(prob, r.rows))
        start.append(r.rows[0]['train_loss'])
    for r in fd.select(part='sweep-batched', problem=prob):
        for row in r.rows:
            by_lr.setdefault(row['lr'], []).append(
                math.inf if row['diverged'] == 1.0 else row['test_loss'])
    return by_lr, start


def derive(fd):
    quad_target = fd.p('quad_target')
    out = {'problems': {}}
    curves, sweeps = [], []
    vars_ = {}
    present = [p for p in PROBLEMS if fd.select(part='find', problem=p)]
    for i, prob in enumerate(present):
        finds = fd.select(part='find', problem=prob)
        sugg = {m: [] for m in METHODS}
        for j, r in enumerate(sorted(finds, key=lambda r: r.t('seed', int))):
            curves.append(('%s, seed %s' % (prob, r.tags['seed']), ['lr', 'smoothed'],
                           [(row['lr'], row['smoothed_loss']) for row in r.rows]))
            for row in read_csv(r.path[:-4] + '.sugg.csv'):
                sugg[row['method']].append(row['lr'])
        vars_['n_find_%d' % i] = len(finds)
        by_lr, start = sweep_points(fd, prob)
        pts = sorted((lr, median(v)) for lr, v in by_lr.items())
        if prob.startswith('quadratic'):
            f0 = median(start)  # the same start for every rate
            good = band(pts, lambda v, f0=f0: v <= quad_target * f0)
            rule = 'final loss ≤ %s × the starting loss' % fmt(quad_target)
        else:
            best = min(v for _, v in pts)
            good = band(pts, lambda v, b=best: v <= NEAR_BEST * b)
            rule = 'final test loss within %s%% of the best' % fmt(100 * (NEAR_BEST - 1))
        sweeps.append((TITLES[prob], ['lr', 'final'],
                       [(lr, v if math.isfinite(v) else math.nan) for lr, v in pts]))
        med = {m: median(v) for m, v in sugg.items()}
        inside = {m: bool(good) and good['lo'] <= med[m] <= good['hi'] for m in METHODS}
        out['problems'][prob] = {'band': good, 'rule': rule, 'suggestions': med,
                                 'all_suggestions': sugg, 'inside': inside}
        ylo, yhi = YRANGE[prob.split('-')[0]]
        vars_.update({'band_lo_%d' % i: good['lo'] if good else math.nan,
                      'band_hi_%d' % i: good['hi'] if good else math.nan,
                      'title_%d' % i: TITLES[prob], 'ylo_%d' % i: ylo, 'yhi_%d' % i: yhi})
        for m in METHODS:
            vars_['%s_%d' % (m, i)] = med[m]
    fd.write_dat('find.dat', curves)
    fd.write_dat('sweep.dat', sweeps)
    vars_['n_problems'] = len(present)
    if 'fmnist_train_size' in fd.params:
        out['settings'] = ('Fashion-MNIST: %d training images, %d epochs per sweep run, %d '
                           'seed(s).' % (fd.p('fmnist_train_size', int), fd.p('fmnist_epochs', int),
                                         fd.p('fmnist_seeds', int)))
    fd.write_vars(vars_)
    table = [['problem', 'band of good rates (sweep)', 'good means', 'valley', 'minimum/10',
              'steep']]
    for prob in present:
        p = out['problems'][prob]
        table.append([TITLES[prob], band_text(p['band']), p['rule']] +
                     ['%s (%s)' % (fmt(p['suggestions'][m]), 'inside' if p['inside'][m] else
                                   'outside') for m in METHODS])
    out['table'] = table
    return out


FIGURE = Figure(
    NAME, 10, 'The range test against a full sweep',
    'The range test (fast.ai\'s lr_find: 100 steps while the rate grows exponentially from 10⁻⁷ '
    'to 10, the loss smoothed; thin lines, one per seed) drawn over the final loss of a full sweep '
    'of constant rates on the same problem (points: median over seeds; linear regression: test '
    'loss after 20 epochs; quadratic: the loss after 1000 steps; Fashion-MNIST softmax '
    'regression: test loss after 5 epochs on 5000 training images, batch 64, a short budget for '
    'the report\'s sake, the sweep run as lane-batched `lrlab sweep --batched`). The shaded '
    'band holds the good rates of the sweep; the vertical lines are the median suggestions: '
    'valley (fast.ai\'s default, solid), minimum/10 (dashed) and steepest descent (dotted); the '
    'table says which land inside the band. The range test reads a short ramp: it sees where the '
    'loss starts to fall and where it blows up, not which constant rate trains best over a whole '
    'run, so on the quadratic, whose best rates sit right under the divergence edge 2/L, the '
    'valley lands far below them. On Fashion-MNIST the range test\'s 100 steps see only the '
    'start of training, and in the committed run its valley lands below the band of rates that '
    'train best over five epochs, for SGD and for Adam.',
    derive, claims=('K08',))


def k08_rule(m):
    """For each problem, the band of good rates from the sweep (linear regression and
    Fashion-MNIST: final test loss within 10% of the best; quadratic: loss reduced by 10^6) and the range test's median
    suggestions over seeds. Holds when the valley suggestion (fast.ai's default) lands inside
    the band on every problem; holds with conditions when it lands inside on some problems, or
    only another suggestion does; does not hold when no suggestion lands inside on any problem."""
    probs = m['problems']
    names = [p for p in PROBLEMS if p in probs]
    valley_in = [p for p in names if probs[p]['inside']['valley']]
    any_in = [p for p in names if any(probs[p]['inside'].values())]
    numbers = []
    for p in names:
        numbers.append(('%s: band' % TITLES[p], band_text(probs[p]['band'])))
        numbers.append(('%s: valley, minimum/10, steep' % TITLES[p], ', '.join(
            '%s%s' % (fmt(probs[p]['suggestions'][k]), '' if probs[p]['inside'][k] else ' (out)')
            for k in METHODS)))
    text = ('The valley suggestion lands inside the band of good rates on %d of %d problems (%s)'
            % (len(valley_in), len(names), ', '.join(TITLES[p] for p in valley_in) or 'none'))
    missed = [p for p in names if p not in valley_in]
    if missed:
        text += '; it misses on ' + '; '.join('%s (valley %s, band %s)' % (
            TITLES[p], fmt(probs[p]['suggestions']['valley']), band_text(probs[p]['band']))
            for p in missed) + '.'
    else:
        text += '.'
    others = [p for p in any_in if p not in valley_in]
    if others:
        text += ' Another suggestion lands inside on ' + '; '.join('%s (%s)' % (
            TITLES[p], ', '.join(k for k in METHODS if probs[p]['inside'][k])) for p in others) + '.'
    if len(valley_in) == len(names):
        return Verdict(HOLDS, text, numbers)
    if valley_in or any_in:
        return Verdict(CONDITIONS, text, numbers)
    return Verdict(FAILS, text, numbers)


CLAIMS = [Claim('K08', STATEMENTS['K08'],
                experiment='`lrlab find-lr` (100 steps, rates from 10⁻⁷ to 10) on linear '
                'regression (noise 0.1) with SGD and with Adam (8 seeds; QUICK: 2), on the quadratic '
                '(κ = 100) with gradient descent, and on Fashion-MNIST softmax regression (5000 '
                'training images, batch 64; QUICK: 2000) with SGD and with Adam (3 seeds; QUICK: '
                '1), against constant rates from 10⁻⁴ to 3 (6 per decade; QUICK: 3) on the same '
                'problems: 20 epochs on linear regression, 1000 steps on the quadratic, 5 epochs '
                '(QUICK: 3) on Fashion-MNIST.', figures=(NAME,), rule=k08_rule)]
