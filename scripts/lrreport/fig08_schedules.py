# Figure 8 and claim K09 (and the real-data half of K04): SGD with momentum on the Fashion-MNIST MLP
# (C25) with a constant rate and the schedules C08, C09, C12, C13, C14, C15, C16 from the same
# grid of rates: test accuracy per epoch at each schedule's best rate, the rates themselves, final
# accuracy against the rate, and the epochs each needs to reach a target accuracy.
"""Figure 8: schedules on the MLP; the rule of K09."""

import math

from .claims import STATEMENTS
from .common import CONDITIONS, FAILS, HOLDS, Claim, Figure, Verdict, diverged, fmt, mean

NAME = 'fig08-schedules'
SCHEDULES = ('constant', 'step', 'exponential', 'cosine', 'warmup-cosine', 'cyclic', 'onecycle',
             'plateau')
LABELS = {'constant': 'constant', 'step': 'step decay', 'exponential': 'exponential',
          'cosine': 'cosine', 'warmup-cosine': 'warmup + cosine', 'cyclic': 'cyclic (triangular)',
          'onecycle': 'one-cycle', 'plateau': 'reduce on plateau'}
DECAYS = ('step', 'exponential', 'cosine')


def curve(runs, key):
    """[(epoch, mean over seeds of rows[key])] as far as every seed goes; a diverged seed makes
    its rate count as never reaching anything (an empty curve)."""
    if any(diverged(r.rows) for r in runs):
        return []
    n = min(len(r.rows) for r in runs)
    return [(runs[0].rows[i]['epoch'], mean([r.rows[i][key] for r in runs])) for i in range(n)]


def first_reach(acc_curve, target):
    for epoch, acc in acc_curve:
        if acc >= target:
            return epoch
    return math.nan


def derive(fd):
    spe = fd.p('steps_per_epoch', int)
    margin = fd.p('target_margin')
    data = {}
    for s in SCHEDULES:
        runs = fd.select(schedule=s)
        by_lr = {}
        for r in runs:
            by_lr.setdefault(r.t('lr'), []).append(r)
        data[s] = {lr: {'acc': curve(rs, 'test_acc'), 'loss': curve(rs, 'test_loss'),
                        'train': curve(rs, 'train_loss'), 'rate': curve(rs, 'lr_now')}
                   for lr, rs in by_lr.items()}

    def final(s, lr, key):
        c = data[s][lr][key]
        return c[-1][1] if c else math.nan

    def best_lr(s):
        ok = [lr for lr in data[s] if math.isfinite(final(s, lr, 'acc'))]
        return max(sorted(ok), key=lambda lr: final(s, lr, 'acc')) if ok else math.nan

    best = {s: best_lr(s) for s in SCHEDULES if data[s]}
    base = best['constant']
    target = final('constant', base, 'acc') - margin
    reach = {}
    for s in best:
        per_rate = {lr: first_reach(data[s][lr]['acc'], target) for lr in data[s]}
        hits = [(e, lr) for lr, e in per_rate.items() if math.isfinite(e)]
        e, lr = min(hits) if hits else (math.nan, math.nan)
        reach[s] = {'epochs': e, 'lr': lr, 'per_rate': {repr(k): v for k, v in per_rate.items()}}

    fd.write_dat('acc.dat', [('%s (lr %s)' % (LABELS[s], fmt(best[s], 2)), ['epoch', 'acc'],
                              data[s][best[s]]['acc']) for s in best])
    fd.write_dat('rate.dat', [(LABELS[s], ['epoch', 'lr_now'],
                               [(e, v if v > 0 else math.nan)
                                for e, v in data[s][best[s]]['rate']]) for s in best])
    fd.write_dat('final.dat', [(LABELS[s], ['lr', 'acc'],
                                [(lr, final(s, lr, 'acc')) for lr in sorted(data[s])])
                               for s in best])
    fd.write_vars({'target': target, 'epochs': fd.p('epochs', int), 'seeds': fd.p('seeds', int)})

    table = [['schedule', 'best rate (base or peak)', 'final test accuracy', 'final test loss',
              'final training loss', 'epochs to %s%% (at rate)' % fmt(100 * target, 3)]]
    for s in best:
        lr = best[s]
        r = reach[s]
        table.append([LABELS[s], fmt(lr), '%s%%' % fmt(100 * final(s, lr, 'acc'), 3),
                      fmt(final(s, lr, 'loss'), 4), fmt(final(s, lr, 'train'), 4),
                      '%s (%s)' % (fmt(r['epochs']), fmt(r['lr'])) if math.isfinite(r['epochs'])
                      else 'never'])
    finals = {s: {repr(lr): {'acc': final(s, lr, 'acc'), 'loss': final(s, lr, 'loss'),
                             'train': final(s, lr, 'train')} for lr in data[s]} for s in best}
    return {'target': target, 'margin': margin, 'best': best, 'reach': reach, 'finals': finals,
            'table': table, 'steps_per_epoch': spe,
            'settings': 'MLP 784-128-10, %d training images, batch %d (%d steps per epoch), %d '
                        'epochs, %d seed(s) per rate; SGD with momentum 0.9.' % (
                            fd.p('train_size', int), fd.p('batch', int), spe,
                            fd.p('epochs', int), fd.p('seeds', int))}


FIGURE = Figure(
    NAME, 8, 'Schedules compared on the MLP',
    'SGD with momentum 0.9 on the Fashion-MNIST MLP (784-128-10), trained on 5000 images for 12 '
    'epochs (a short budget that keeps the report within minutes), means over 2 seeds. Every '
    'schedule gets the same five rates, 0.003 to 0.3 (the base rate, or the peak for cyclic and '
    'one-cycle), and is drawn at the one with the best final test accuracy. Step decay divides '
    'the rate by 10 after each third of the run; exponential decay ends at 1/100 of its start; '
    'cosine anneals to 0 over the run, after a one-epoch linear warmup from a third of the rate '
    'in warmup + cosine; the triangular cycle runs between a tenth of the rate and the rate, two '
    'epochs up and two down; one-cycle rises from 1/25 of its peak over the first 30% and '
    'anneals to 1/25 × 10⁻⁴ of it; reduce-on-plateau multiplies the rate by 0.3 after an epoch '
    'without a better test loss. **(a)** Test accuracy per epoch; the dashed line is the target '
    '(the best constant rate\'s final accuracy minus one point). **(b)** The rate in force at '
    'each epoch (log scale). **(c)** Final test accuracy against the rate for every schedule: the '
    'schedules that end at a small rate tolerate starting (or peak) rates at which a constant '
    'rate loses several points, since their last epochs take small, less noisy steps. The '
    'triangular cycle\'s accuracy rises and falls with its rate: it is best at the bottom of '
    'each cycle. With two seeds and a 12-epoch budget, differences of half a point between '
    'schedules are within the noise.',
    derive, claims=('K09', 'K04'))


def k09_rule(m):
    """Epochs to the target accuracy (the best constant rate's final mean test accuracy minus one
    point): for each schedule, the first epoch at which the mean test accuracy over seeds reaches
    it, at the schedule's fastest rate of the grid. Holds when both the cyclical (triangular) and
    the one-cycle schedule reach it in fewer epochs than the fastest constant rate; holds with
    conditions when one of them does; does not hold when neither does."""
    reach = m['reach']
    const = reach['constant']['epochs']
    faster = [s for s in ('cyclic', 'onecycle') if math.isfinite(reach[s]['epochs']) and
              (not math.isfinite(const) or reach[s]['epochs'] < const)]
    numbers = [('target test accuracy', '%s%%' % fmt(100 * m['target'], 3))]
    numbers += [('epochs to the target: %s' % LABELS[s], '%s (rate %s)' % (
        fmt(reach[s]['epochs']), fmt(reach[s]['lr'])) if math.isfinite(reach[s]['epochs'])
        else 'never') for s in SCHEDULES if s in reach]
    text = ('Target %s%% test accuracy (the best constant rate\'s final accuracy minus %s point): '
            'the constant rate needs %s epochs at best, the triangular cycle %s, one-cycle %s '
            '(the other schedules: %s).' % (
                fmt(100 * m['target'], 3), fmt(100 * m['margin']), fmt(const),
                fmt(reach['cyclic']['epochs']), fmt(reach['onecycle']['epochs']),
                ', '.join('%s %s' % (LABELS[s], fmt(reach[s]['epochs']))
                          for s in SCHEDULES if s in reach and
                          s not in ('constant', 'cyclic', 'onecycle'))))
    if len(faster) == 2:
        return Verdict(HOLDS, text, numbers)
    if faster:
        return Verdict(CONDITIONS, text + ' Only %s is faster.' % LABELS[faster[0]], numbers)
    return Verdict(FAILS, text + ' Neither reaches it sooner than the constant rate.', numbers)


def k04_mlp(m):
    """The MLP half of K04 (its rule is in fig09_noise.py). A constant rate stalls at a noise
    floor only where it is large enough to get there within the run: above the best constant
    rate (the one with the best final test accuracy); below it, 12 epochs are too few and a
    decay only slows training down. So: at every rate above the best constant rate, step,
    exponential and cosine decay must end with a lower training loss than the constant rate;
    and the best final test accuracy of a decaying schedule must be at least the best constant
    one's. Returns the counts above and below the best constant rate and both accuracies."""
    fin = m['finals']
    const = fin['constant']
    best_lr = max(sorted(const, key=float), key=lambda lr: const[lr]['acc'])
    counts = {'above': [0, 0], 'below': [0, 0]}
    for s in DECAYS:
        for lr, v in fin[s].items():
            if lr not in const or lr == best_lr or not math.isfinite(v['train']):
                continue
            side = 'above' if float(lr) > float(best_lr) else 'below'
            counts[side][1] += 1
            counts[side][0] += v['train'] < const[lr]['train']
    return {'best_constant_lr': float(best_lr), 'above': counts['above'],
            'below': counts['below'],
            'best_decayed_acc': max(v['acc'] for s in DECAYS for v in fin[s].values()),
            'best_constant_acc': const[best_lr]['acc']}


CLAIMS = [Claim('K09', STATEMENTS['K09'],
                experiment='SGD with momentum 0.9 on the Fashion-MNIST MLP 784-128-10 (5000 '
                'training images, batch 64, 12 epochs, 2 seeds; QUICK: 2000 images, 6 epochs, 1 '
                'seed) with a constant rate, step, exponential, cosine, warmup + cosine, '
                'triangular cyclic, one-cycle and reduce-on-plateau schedules, each from the '
                'rates 0.003, 0.01, 0.03, 0.1, 0.3 (QUICK: 0.01, 0.1); test accuracy every '
                'epoch.', figures=(NAME,), rule=k09_rule)]
