# Claim K12a ("a small rate raises the risk of overfitting"): minibatch SGD (C01) on a small, noisy
# linear regression (C23, 20 samples, 15 features): the gap between test and training loss after
# 10, 100 and 1000 epochs against the rate, and the two losses per epoch at a small and a large rate.
"""Extra figure for K12a: overfitting against the rate."""

import math

from .claims import STATEMENTS
from .common import (CONDITIONS, FAILS, HOLDS, Claim, Figure, Verdict, diverged, fmt, gfmt,
                     median, quantile)

NAME = 'figK12-overfitting'
# "More" overfitting: a gap larger by this factor.
MARGIN = 1.1


def at_epoch(rows, epoch):
    for r in rows:
        if r['epoch'] == epoch:
            return r
    return None


def derive(fd):
    budgets = [int(b) for b in fd.params['budgets'].split()]
    lrs = fd.values('lr')
    gaps = {}
    blocks = []
    for b in budgets:
        pts = []
        for lr in lrs:
            vals = []
            for r in fd.runs:
                if r.t('lr') != lr:
                    continue
                row = at_epoch(r.rows, b)
                vals.append(math.nan if row is None or diverged(r.rows[:r.rows.index(row) + 1])
                            else row['test_loss'] - row['train_loss'])
            stable = not any(math.isnan(v) for v in vals)
            gaps[(b, lr)] = {'median': median(vals), 'q25': quantile(vals, 0.25),
                             'q75': quantile(vals, 0.75), 'stable': stable}
            pts.append((lr, median(vals), quantile(vals, 0.25), quantile(vals, 0.75)))
        blocks.append(('after %d epochs' % b, ['lr', 'gap', 'q25', 'q75'], pts))
    fd.write_dat('gap.dat', blocks)
    # Losses per epoch (seed medians) at the smallest rate and at the largest stable one.
    stable_lrs = [lr for lr in lrs if all(gaps[(b, lr)]['stable'] for b in budgets)]
    small, large = lrs[0], stable_lrs[-1]
    curves = []
    for lr in (small, large):
        runs = [r for r in fd.runs if r.t('lr') == lr]
        n = min(len(r.rows) for r in runs)
        for key, name in (('train_loss', 'training'), ('test_loss', 'test')):
            curves.append(('%s loss, lr = %s' % (name, gfmt(lr)), ['epoch', key],
                           [(runs[0].rows[i]['epoch'], median([r.rows[i][key] for r in runs]))
                            for i in range(1, n)]))
    fd.write_dat('curves.dat', curves)
    fd.write_vars({'small': small, 'large': large})
    table = [['learning rate'] + ['gap after %d epochs' % b for b in budgets]]
    for lr in lrs:
        table.append([fmt(lr)] + ['%s%s' % (fmt(gaps[(b, lr)]['median']),
                                            '' if gaps[(b, lr)]['stable'] else ' (diverged)')
                                  for b in budgets])
    # "Large rates": the upper half (in log scale) of the rates stable for every seed; their
    # median gap is less at the mercy of the single largest rate's minibatch jitter.
    mid = math.sqrt(stable_lrs[0] * stable_lrs[-1])
    upper = [lr for lr in stable_lrs if lr >= mid]
    return {'budgets': budgets, 'small': small, 'large': large, 'upper': upper,
            'gaps': {'%d %r' % (b, lr): g for (b, lr), g in gaps.items()}, 'table': table,
            'seeds': fd.p('seeds', int)}


FIGURE = Figure(
    NAME, None, 'Does a small rate overfit more? (K12)',
    'Minibatch SGD (batch 4) on linear regression with only 20 training samples for 15 '
    'features and label noise 0.5: a problem that overfits. **(a)** The gap between test and '
    'training loss (median over seeds; bars: quartiles) against the rate, read after 10, 100 and '
    '1000 epochs. For a fixed budget a small rate has fitted less, noise included, so its gap is '
    'the smaller one: a small rate acts like early stopping. With more epochs the gaps of all '
    'stable rates climb toward that of the least-squares fit (the problem is convex: there is '
    'one), and the largest rates add the jitter of their minibatch noise. **(b)** Training (solid) and '
    'test (dashed) loss per epoch at the smallest and the largest stable rate: the large rate '
    'overfits early, the small one gets there late.',
    derive, claims=('K12a',))


def k12a_rule(m):
    """After each budget of epochs, compare the median test-minus-training gap at the smallest
    rate with the gap of the large rates (the median, over the upper half in log scale of the
    rates stable for every seed, of each rate's median gap). The statement holds when the small
    rate's gap exceeds the large rates' by 10% at every budget; holds with conditions when it
    does at some budgets only; does not hold when it never does (a small rate never overfits
    more than large ones)."""
    small, upper = m['small'], m['upper']
    gap = lambda b, lr: m['gaps']['%d %r' % (b, lr)]['median']  # noqa: E731
    more, pairs = [], []
    for b in m['budgets']:
        gs, gl = gap(b, small), median([gap(b, lr) for lr in upper])
        more.append(gs > MARGIN * gl)
        pairs.append((b, gs, gl))
    numbers = [('large rates', '%s to %s (%d rates)' % (fmt(upper[0]), fmt(upper[-1]),
                                                       len(upper))),
               ('seeds', m['seeds'])]
    numbers += [('gap after %d epochs: lr %s vs the large rates' % (b, fmt(small)),
                 '%s vs %s' % (fmt(gs), fmt(gl))) for b, gs, gl in pairs]
    text = ('Median gap between test and training loss at lr = %s against rates %s–%s: %s.' % (
        fmt(small), fmt(upper[0]), fmt(upper[-1]), '; '.join(
            '%s vs %s after %d epochs' % (fmt(gs), fmt(gl), b) for b, gs, gl in pairs)))
    if all(more):
        return Verdict(HOLDS, text, numbers)
    if any(more):
        return Verdict(CONDITIONS, text + ' The small rate overfits more only after %s epochs.' %
                       ', '.join(str(b) for b, x in zip(m['budgets'], more) if x), numbers)
    return Verdict(FAILS, text + ' At no budget does the small rate overfit more: at a fixed '
                   'budget it has fitted less, and its gap only grows with the epochs (%s → %s), '
                   'toward the gap of the rates that have converged.' % (
                       fmt(pairs[0][1]), fmt(pairs[-1][1])), numbers)


CLAIMS = [Claim('K12a', STATEMENTS['K12a'],
                experiment='Minibatch SGD (batch 4) on linear regression with 20 training samples, '
                '15 features and label noise 0.5, rates from 10⁻³ to 0.3 (4 per decade), 10 seeds, '
                'training and test loss every epoch for 1000 epochs (QUICK: 3 seeds, 300 epochs); '
                'the overfitting gap is test minus training loss after 10, 100 and 1000 epochs '
                '(QUICK: 10, 100, 300). This is a convex problem; the '
                'version of the statement about deep networks waits for the MLP (C25).',
                figures=(NAME,), rule=k12a_rule)]
