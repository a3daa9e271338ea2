# Figure 5: SGD, momentum, AdaGrad, RMSProp, Adam and AdamW (C01-C06) on Fashion-MNIST softmax
# regression and the MLP (C24, C25): the test loss per epoch at each optimizer's best rate of the
# sweep in benchmarks/plan/fig05-fmnist-optimizers.sh, with its spread over seeds. Also owns reading
# that sweep, which figure 6 shares.
"""Figure 5: Fashion-MNIST, each optimizer at its best rate."""

import math

from .common import Figure, diverged, fmt, mean

NAME = 'fig05-fmnist-optimizers'
PROBLEMS = ('fmnist-softmax', 'fmnist-mlp')
PTITLES = {'fmnist-softmax': 'softmax regression', 'fmnist-mlp': 'MLP 784-128-10'}
METHODS = ('sgd', 'momentum', 'adagrad', 'rmsprop', 'adam', 'adamw')
LABELS = {'sgd': 'SGD', 'momentum': 'momentum 0.9', 'adagrad': 'AdaGrad', 'rmsprop': 'RMSProp',
          'adam': 'Adam', 'adamw': 'AdamW'}


def final_loss(rows):
    """The last row's test loss; infinity for a run that diverged (or ended non-finite)."""
    v = rows[-1]['test_loss']
    return math.inf if diverged(rows) or not math.isfinite(v) else v


def final_acc(rows):
    """The last row's test accuracy; 0.1 (chance) for a run that diverged."""
    return 0.1 if diverged(rows) else rows[-1]['test_acc']


def rates(fd, problem, method):
    """{lr: [runs over seeds]} of one optimizer on one problem."""
    out = {}
    for r in fd.select(problem=problem, method=method):
        out.setdefault(r.t('lr'), []).append(r)
    return out


def mean_final_loss(runs):
    """The mean final test loss over seeds, infinite when any seed diverged."""
    vals = [final_loss(r.rows) for r in runs]
    return math.inf if any(math.isinf(v) for v in vals) else mean(vals)


def best_rate(by_lr):
    """The rate of the least mean final test loss (the smaller rate on a tie)."""
    return min(sorted(by_lr), key=lambda lr: mean_final_loss(by_lr[lr]))


def per_epoch(runs, key):
    """[(epoch, mean, min, max)] of rows[key] over the runs, as far as all of them go."""
    n = min(len(r.rows) for r in runs)
    out = []
    for i in range(n):
        vals = [r.rows[i][key] for r in runs]
        out.append((runs[0].rows[i]['epoch'], mean(vals), min(vals), max(vals)))
    return out


def settings(fd):
    return ('%d training images (of 60000), batch %d, %d epochs, %d seed(s) per rate, rates %s '
            'per decade over %s decades per optimizer; test set: all 10000 images.' % (
                fd.p('train_size', int), fd.p('batch', int), fd.p('epochs', int),
                fd.p('seeds', int), fmt(fd.p('per_decade')), fmt(fd.p('span'))))


def derive(fd):
    out = {'best': {}, 'settings': settings(fd)}
    table = [['problem', 'optimizer', 'best rate', 'final test loss (mean; min – max)',
              'final test accuracy (mean)', 'rates tried']]
    for i, problem in enumerate(PROBLEMS):
        blocks = []
        out['best'][problem] = {}
        for method in METHODS:
            by_lr = rates(fd, problem, method)
            if not by_lr:
                continue
            lr = best_rate(by_lr)
            runs = by_lr[lr]
            curve = per_epoch(runs, 'test_loss')
            blocks.append(('%s (lr %s)' % (LABELS[method], fmt(lr, 2)),
                           ['epoch', 'mean', 'min', 'max'], curve))
            losses = [final_loss(r.rows) for r in runs]
            acc = mean([final_acc(r.rows) for r in runs])
            out['best'][problem][method] = {'lr': lr, 'loss': mean(losses), 'acc': acc,
                                            'edge': lr in (min(by_lr), max(by_lr))}
            table.append([PTITLES[problem], LABELS[method],
                          fmt(lr) + (' (grid edge)' if lr in (min(by_lr), max(by_lr)) else ''),
                          '%s; %s – %s' % (fmt(mean(losses), 4), fmt(min(losses), 4),
                                           fmt(max(losses), 4)),
                          '%s%%' % fmt(100 * acc, 3),
                          '%s – %s' % (fmt(min(by_lr)), fmt(max(by_lr)))])
        fd.write_dat('loss_%d.dat' % i, blocks)
        fd.write_vars({'title_%d' % i: PTITLES[problem]})
    fd.write_vars({'epochs': fd.p('epochs', int), 'seeds': fd.p('seeds', int)})
    out['table'] = table
    return out


FIGURE = Figure(
    NAME, 5, 'Fashion-MNIST: each optimizer at its best rate',
    'Test loss after each epoch (epoch 0: before training) for SGD, SGD with momentum 0.9, '
    'AdaGrad, RMSProp, Adam and AdamW (weight decay 10⁻²), each at the rate of its sweep (figure '
    '6) with the least mean final test loss; lines are means over seeds, shaded bands span the '
    'seeds. Left: softmax regression (convex); right: the MLP 784-128-10 (ReLU). Both train on a '
    'subset of the training images for a few epochs, to keep the whole report within minutes, '
    'so the losses are those of a short budget, not of convergence. Each at its own best rate, '
    'the optimizers end far closer together than one optimizer does at rates a decade away from '
    'its best (figure 6): once the rate is tuned, the choice of optimizer matters less than the '
    'rate itself; plain SGD, without momentum, is the slowest. The best rate is chosen on the test set here (an oracle, as in most optimizer comparisons); '
    'figure 11 checks that a rate chosen by cross-validation does about as well.',
    derive)
