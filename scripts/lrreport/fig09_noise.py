# Figure 9 and claims K05, K04: minibatch SGD (C01) on linear regression (C23): final test loss
# against the rate for several label-noise levels, the best rate per level, outliers under squared
# and Huber loss, and the training-loss floor of constant rates (decayed rates when train has them).
"""Figure 9: noise, outliers and floors; the rules of K05 and K04 (with figure 8's MLP half)."""

import math

from . import fig08_schedules as f08
from .claims import STATEMENTS
from .common import (CONDITIONS, FAILS, HOLDS, PENDING, Claim, Figure, Verdict, band, diverged,
                     fmt, gfmt, mean, parabola_min)

NAME = 'fig09-noise'


def final_test(rows):
    return math.inf if diverged(rows) else rows[-1]['test_loss']


def mean_curve(runs):
    """[(lr, mean final test loss over seeds)], a diverged seed making its rate infinite."""
    by_lr = {}
    for r in runs:
        by_lr.setdefault(r.t('lr'), []).append(final_test(r.rows))
    return sorted((lr, math.inf if any(math.isinf(v) for v in vals) else mean(vals))
                  for lr, vals in by_lr.items())


def best_rate(curve):
    """The rate of the least mean final test loss on the grid, and the sub-grid estimate from a
    parabola through it and its neighbours in log10(lr), log10(loss)."""
    ok = [(lr, v) for lr, v in curve if math.isfinite(v) and v > 0]
    grid = min(ok, key=lambda p: p[1])[0]
    refined = 10 ** parabola_min([(math.log10(lr), math.log10(v)) for lr, v in ok])
    return grid, refined


def tail_mean(rows, frac=0.1):
    """Mean training loss over the last `frac` of the logged epochs (at least one row)."""
    k = max(1, int(len(rows) * frac))
    return mean([r['train_loss'] for r in rows[-k:]])


def derive(fd):
    out = {'cell': 1.0 / fd.p('per_decade')}
    # (a), (b): label noise.
    noises = fd.values('noise', fd.select(part='noise'))
    blocks, best = [], []
    for noise in noises:
        curve = mean_curve(fd.select(part='noise', noise=fmt_tag(fd, 'noise', noise)))
        lo = min(v for _, v in curve)
        blocks.append(('σ = %s' % gfmt(noise), ['lr', 'relative'],
                       [(lr, v / lo if math.isfinite(v) else math.nan) for lr, v in curve]))
        g, r = best_rate(curve)
        near = band(curve, lambda v, lo=lo: v <= 1.01 * lo)
        best.append({'noise': noise, 'grid': g, 'refined': r, 'loss': lo,
                     'within1': [near['lo'], near['hi']]})
    fd.write_dat('noise.dat', blocks)
    fd.write_dat('best.dat', [('best rate', ['position', 'refined', 'grid'],
                               [(i, b['refined'], b['grid']) for i, b in enumerate(best)])])
    out['noise'] = best

    # (b), (c): outliers under squared and Huber loss.
    outl = []
    oblocks = []
    for loss in ('mse', 'huber'):
        for frac in fd.values('outliers', fd.select(part='outliers')):
            runs = fd.select(part='outliers', loss=loss,
                             outliers=fmt_tag(fd, 'outliers', frac, part='outliers'))
            curve = mean_curve(runs)
            g, r = best_rate(curve)
            outl.append({'loss': loss, 'outliers': frac, 'grid': g, 'refined': r,
                         'best_loss': min(v for _, v in curve)})
            oblocks.append(('%s, %s%% outliers' % ('squared' if loss == 'mse' else 'Huber',
                                                    gfmt(100 * frac)),
                            ['lr', 'test'], [(lr, v if math.isfinite(v) else math.nan)
                                             for lr, v in curve]))
    fd.write_dat('outliers.dat', oblocks)
    out['outliers'] = outl
    fd.write_dat('best_outliers.dat', [
        ('%s loss' % ('squared' if loss == 'mse' else 'Huber'), ['outliers', 'refined'],
         [(o['outliers'] * 100, o['refined']) for o in outl if o['loss'] == loss])
        for loss in ('mse', 'huber')])

    # (d), K04: floors of constant rates, and decayed rates when they ran.
    floors = {}
    fblocks = []
    for sched in ('constant', 'inverse-time', 'cosine'):
        runs = fd.select(part='floor', schedule=sched)
        if not runs:
            continue
        for lr in fd.values('lr', runs):
            rs = [r for r in runs if r.t('lr') == lr]
            n = min(len(r.rows) for r in rs)
            curve = [(rs[0].rows[i]['epoch'], mean([r.rows[i]['train_loss'] for r in rs]))
                     for i in range(n)]
            floors.setdefault(sched, {})[lr] = {
                'tail': mean([tail_mean(r.rows) for r in rs]),
                'test': mean([final_test(r.rows) for r in rs]),
                'diverged': any(diverged(r.rows) for r in rs)}
            fblocks.append(('%s, lr = %s' % (sched, gfmt(lr)), ['epoch', 'train'], curve))
    fd.write_dat('floors.dat', fblocks)
    out['floors'] = {s: {repr(lr): v for lr, v in d.items()} for s, d in floors.items()}
    out['decayed_pending'] = fd.pending.get('decayed')
    fd.write_vars({'noise_tics': 'set xtics (' + ', '.join(
        '"%s" %d' % (gfmt(b['noise']), i) for i, b in enumerate(best)) + ')',
        'n_noise_levels': len(best), 'n_constant': len(floors.get('constant', {}))})

    table = [['label noise σ', 'best rate (grid)', 'best rate (parabola)',
              'least mean test loss', 'rates within 1% of it']]
    table += [[fmt(b['noise']), fmt(b['grid']), fmt(b['refined']), fmt(b['loss']),
               '%s – %s' % (fmt(b['within1'][0]), fmt(b['within1'][1]))] for b in best]
    table += [['outliers %s%%, %s loss' % (fmt(100 * o['outliers']),
                                          'squared' if o['loss'] == 'mse' else 'Huber'),
               fmt(o['grid']), fmt(o['refined']), fmt(o['best_loss']), ''] for o in outl]
    out['table'] = table
    scheds = sorted(floors, key=lambda k: k != 'constant')
    table2 = [['starting rate (noise 1)'] + ['%s: training loss, last 10%% of epochs' % k
                                             for k in scheds]]
    for lr in sorted(floors.get('constant', {})):
        table2.append([fmt(lr)] + [fmt(floors[k][lr]['tail'], 4) if lr in floors[k] else ''
                                   for k in scheds])
    out['table2'] = table2
    return out


def fmt_tag(fd, key, value, part=None):
    """The tag text of a value as the plan wrote it (tags are compared as text)."""
    for r in fd.runs:
        if key in r.tags and (part is None or r.tags.get('part') == part) and \
                float(r.tags[key]) == value:
            return r.tags[key]
    raise KeyError('%s=%s' % (key, value))


FIGURE = Figure(
    NAME, 9, 'Label noise, outliers and the floor of a constant rate',
    'Minibatch SGD (batch 32, 20 epochs) on linear regression with 1000 samples and 10 features; '
    'means over seeds (data, start and shuffling change with the seed). **(a)** Final test loss '
    'against the rate for label noise σ from 0 to 3, each curve divided by its own minimum, so '
    'that the best rate is where a curve touches 1 (the axis is cut at 1.1 to show the bottoms): '
    'without noise the best rates are the largest stable ones; as σ grows the noise a large rate '
    'injects into every step weighs more than the slow start of a small rate, and the minimum '
    'moves to smaller rates. The bottoms are flat, though: the table lists the rates within 1% '
    'of the best. **(b)** The best rate per noise level (parabola through the '
    'three grid points around the minimum; circles: the grid point). **(c)** With 10% (and 20%) '
    'of the training labels replaced by gross errors, squared loss (solid) is hurt badly and its '
    'best rate drops; Huber loss (dashed, δ = 1) caps each outlier\'s pull, keeps the test loss '
    'close to the clean one and keeps large rates usable. Huber\'s test loss equals the squared '
    'one wherever the test residuals stay below δ, which holds near the best rates here. **(d)** '
    'Training loss per epoch at constant rates with label noise 1: each rate stalls at a floor, '
    'higher for larger rates (the minibatch gradient\'s noise keeps the iterate moving); a '
    'decaying rate would go below it.',
    derive, claims=('K05', 'K04'))


def k05_rule(m):
    """Best rate at each noise level (parabola through the three grid points around the least
    mean final test loss, in log-log coordinates). The noise part holds when the best rate at the
    highest noise is at most half the one at the lowest and it never rises by more than one grid
    cell between consecutive levels. The outlier part holds for a loss when 10% (or more)
    outliers lower its best rate by at least one grid cell. Holds when the noise part and the
    outlier part under both losses hold; holds with conditions when the noise part holds and the
    outlier part holds for one loss only (or for neither); does not hold when the noise part fails."""
    best = m['noise']
    cell = m['cell']
    logs = [math.log10(b['refined']) for b in best]
    falls = logs[-1] <= logs[0] - math.log10(2)
    no_rise = all(b <= a + cell for a, b in zip(logs, logs[1:]))
    noise_ok = falls and no_rise
    lowered = {}
    for loss in ('mse', 'huber'):
        rows = sorted((o for o in m['outliers'] if o['loss'] == loss), key=lambda o: o['outliers'])
        clean = math.log10(rows[0]['refined'])
        lowered[loss] = all(math.log10(o['refined']) <= clean - cell for o in rows[1:])
    numbers = [('best rate at σ = %s' % fmt(b['noise']), fmt(b['refined'])) for b in best]
    numbers += [('best rate, %s%% outliers, %s loss' % (fmt(100 * o['outliers']), o['loss']),
                 fmt(o['refined'])) for o in m['outliers']]
    numbers += [('falls by ≥ 2× from lowest to highest noise', falls),
                ('never rises by more than a grid cell', no_rise),
                ('outliers lower it: squared loss', lowered['mse']),
                ('outliers lower it: Huber loss', lowered['huber'])]
    text = ('The best rate goes from %s at σ = %s to %s at σ = %s%s. Outliers move it from %s to '
            '%s under squared loss and from %s to %s under Huber loss.' % (
                fmt(best[0]['refined']), fmt(best[0]['noise']), fmt(best[-1]['refined']),
                fmt(best[-1]['noise']), '' if no_rise else ', not monotonically',
                *[fmt(o['refined']) for loss in ('mse', 'huber') for o in
                  (sorted((o for o in m['outliers'] if o['loss'] == loss),
                          key=lambda o: o['outliers'])[i] for i in (0, -1))]))
    if not noise_ok:
        return Verdict(FAILS, text, numbers)
    if lowered['mse'] and lowered['huber']:
        return Verdict(HOLDS, text, numbers)
    which = [k for k in ('mse', 'huber') if lowered[k]]
    names = {'mse': 'squared', 'huber': 'Huber'}
    if len(which) == 1:
        other = 'huber' if which == ['mse'] else 'mse'
        cond = (' Outliers lower the best rate by a grid cell (a factor %s) or more at every '
                'fraction only under %s loss; under %s loss the shift stays under a grid cell at '
                'some fraction.' % (fmt(10 ** cell), names[which[0]], names[other]))
    else:
        cond = ' Outliers do not lower the best rate by a grid cell under either loss.'
    return Verdict(CONDITIONS, text + cond, numbers)


def k04_linreg(m):
    """Floors: the mean training loss over the last 10% of epochs at each constant rate (label
    noise 1). The floor part holds when it rises with the rate across every pair of neighbouring
    rates. Decay: at each starting rate, a decayed schedule (inverse-time, cosine) ends with a
    lower training loss than the constant rate, and the best decayed final test loss is at most
    the best constant one. Holds when both parts hold; holds with conditions when the floors grow
    but decay wins only at some rates; does not hold when the floors do not grow or decay never
    wins. Not yet measured while lrlab train cannot run schedules."""
    const = {float(k): v for k, v in m['floors'].get('constant', {}).items()}
    lrs = sorted(const)
    tails = [const[lr]['tail'] for lr in lrs]
    grows = all(b > a for a, b in zip(tails, tails[1:]))
    numbers = [('constant rate %s: training-loss floor' % fmt(lr), fmt(const[lr]['tail'], 4))
               for lr in lrs]
    numbers.append(('floor rises with the rate', grows))
    floor_text = ('Constant rates stall at a training loss that %s with the rate: %s.' % (
        'rises' if grows else 'does not rise monotonically',
        ', '.join('%s at lr %s' % (fmt(const[lr]['tail'], 4), fmt(lr)) for lr in lrs)))
    decayed = {s: {float(k): v for k, v in d.items()} for s, d in m['floors'].items()
               if s != 'constant'}
    if not decayed:
        return Verdict(PENDING, floor_text + ' The decayed half is not measured yet: %s.' % (
            m.get('decayed_pending') or 'no decayed runs'), numbers)
    wins, total = 0, 0
    for sched, d in decayed.items():
        for lr, v in d.items():
            if lr in const:
                total += 1
                wins += v['tail'] < const[lr]['tail']
                numbers.append(('%s from %s: final training loss' % (sched, fmt(lr)),
                                fmt(v['tail'], 4)))
    best_const = min(v['test'] for v in const.values())
    best_dec = min(v['test'] for d in decayed.values() for v in d.values())
    numbers += [('best final test loss: constant', fmt(best_const, 4)),
                ('best final test loss: decayed', fmt(best_dec, 4))]
    text = floor_text + (' Decayed schedules end below the constant rate in %d of %d cases; best '
                         'test loss %s decayed against %s constant.' % (
                             wins, total, fmt(best_dec, 4), fmt(best_const, 4)))
    if grows and wins == total and best_dec <= best_const:
        return Verdict(HOLDS, text, numbers)
    if grows and wins > 0:
        return Verdict(CONDITIONS, text, numbers)
    return Verdict(FAILS, text, numbers)


def k04_rule(m08, m09):
    """Two halves. Linear regression (figure 9, label noise 1): the training-loss floor of a
    constant rate (mean over the last 10% of epochs) must rise with the rate at every step of the
    grid, and at each starting rate inverse-time and cosine decay must end below the constant
    rate with a best final test loss at most the best constant one (both: the half holds; the
    floors rise but decay wins at some rates only: with conditions; else: it fails). The MLP
    (figure 8, Fashion-MNIST, 12 epochs): at every rate above the best constant rate (where a
    constant rate has had the time to reach its floor), step, exponential and cosine decay must
    end with a lower training loss than the constant rate, and the best final test accuracy of a
    decaying schedule must be at least the best constant one's (both: the half holds; either:
    in part). Holds when both halves hold; does not hold when the linear-regression half fails
    and the MLP half holds in no part; holds with conditions otherwise."""
    lin = k04_linreg(m09)
    if lin.status == PENDING:
        return lin
    mlp = f08.k04_mlp(m08)
    (win_a, n_a), (win_b, n_b) = mlp['above'], mlp['below']
    acc_ok = mlp['best_decayed_acc'] >= mlp['best_constant_acc']
    mlp_all = n_a > 0 and win_a == n_a and acc_ok
    mlp_any = win_a > 0 or acc_ok
    numbers = list(lin.numbers) + [
        ('MLP: best constant rate', fmt(mlp['best_constant_lr'])),
        ('MLP: above it, decays ending below the constant rate\'s training loss',
         '%d of %d' % (win_a, n_a)),
        ('MLP: below it, the same', '%d of %d' % (win_b, n_b)),
        ('MLP: best final test accuracy, decaying / constant', '%s%% / %s%%' % (
            fmt(100 * mlp['best_decayed_acc'], 3), fmt(100 * mlp['best_constant_acc'], 3)))]
    text = 'Linear regression: ' + lin.summary + (
        ' MLP on Fashion-MNIST: above the best constant rate (%s), step, exponential and cosine '
        'decay end below the constant rate\'s training loss in %d of %d cases (below it, where '
        '12 epochs are too short to reach a floor, in %d of %d); the best decaying schedule '
        'ends at %s%% test accuracy against %s%% for the best constant rate.' % (
            fmt(mlp['best_constant_lr']), win_a, n_a, win_b, n_b,
            fmt(100 * mlp['best_decayed_acc'], 3), fmt(100 * mlp['best_constant_acc'], 3)))
    if lin.status == HOLDS and mlp_all:
        return Verdict(HOLDS, text, numbers)
    if lin.status == FAILS and not mlp_any:
        return Verdict(FAILS, text, numbers)
    return Verdict(CONDITIONS, text, numbers)


CLAIMS = [
    Claim('K04', STATEMENTS['K04'],
          experiment='Minibatch SGD on linear regression (1000 samples, 10 features, label noise '
          '1, batch 32) for 60 epochs (QUICK: 30) at constant rates 0.01, 0.03, 0.1, 0.3, and from '
          'the same '
          'starting rates with inverse-time decay (one decay step per epoch) and cosine '
          'annealing; means over seeds. And on the Fashion-MNIST MLP (figure 8): constant, step, '
          'exponential and cosine schedules of SGD with momentum from the same rates.',
          figures=(f08.NAME, NAME), rule=k04_rule),
    Claim('K05', STATEMENTS['K05'],
          experiment='Minibatch SGD on linear regression (1000 samples, 10 features, batch 32, '
          '20 epochs) on a log grid of rates (6 per decade), for label noise σ from 0 to 3, and '
          'with 0, 10% and 20% of the training labels replaced by gross errors under squared and '
          'Huber loss; the best rate minimises the mean final test loss over seeds.',
          figures=(NAME,), rule=k05_rule),
]
