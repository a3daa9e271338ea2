# Figure 11 and claims K10, K11: hyperparameter search with `lrlab sweep` (C18, C19). K10: the best
# validation loss found against the number of trials, grid against random search, the rate searched
# with two other hyperparameters (Adam's betas), averaged over searches. K11: the rate chosen by
# k-fold cross-validation against the test-set oracle, and what the choice costs on the test set.
"""Figure 11: grid against random search; cross-validation against the oracle; K10 and K11."""

import math

from .claims import STATEMENTS
from .common import CONDITIONS, FAILS, HOLDS, Claim, Figure, Verdict, fmt, mean, median

NAME = 'fig11-search'
CASES = ('fmnist-softmax-sgd', 'fmnist-softmax-adam', 'linreg-100-sgd', 'linreg-1000-sgd')
CASE_TITLES = {'fmnist-softmax-sgd': 'Fashion-MNIST softmax, SGD',
               'fmnist-softmax-adam': 'Fashion-MNIST softmax, Adam',
               'linreg-100-sgd': 'linear regression, 100 samples, SGD',
               'linreg-1000-sgd': 'linear regression, 1000 samples, SGD'}
# Short names for the tics of panel (c).
CASE_TICS = {'fmnist-softmax-sgd': 'softmax\\nSGD', 'fmnist-softmax-adam': 'softmax\\nAdam',
             'linreg-100-sgd': 'linreg n = 100\\nSGD', 'linreg-1000-sgd': 'linreg n = 1000\\nSGD'}
# A cross-validated rate "generalises about as well" when its test loss is at most this much
# above the oracle's.
REGRET = 0.05


def score(row, key):
    """A run's score (its watched loss), infinite when it diverged or is not finite."""
    v = row[key]
    if row['diverged'] == 1.0 or not isinstance(v, float) or not math.isfinite(v):
        return math.inf
    return v


def best_so_far(scores):
    out, best = [], math.inf
    for v in scores:
        best = min(best, v)
        out.append(best)
    return out


def search_curves(fd):
    """Random search: per search, the best validation loss after n trials (trials in draw order).
    Grid search: per search and points per hyperparameter g, the best over its g^3 trials."""
    random = {}
    for r in fd.select(part='random'):
        rows = sorted(r.rows, key=lambda row: row['run'])
        random[r.tags['search']] = best_so_far([score(row, 'test_loss') for row in rows])
    grid = {}
    for r in fd.select(part='grid'):
        key = (r.tags['search'], int(r.tags['g']))
        grid.setdefault(key, []).extend(score(row, 'test_loss') for row in r.rows)
    return random, {k: min(v) for k, v in grid.items()}, {k: len(v) for k, v in grid.items()}


def cv_choice(rows):
    """{lr: mean validation loss over the folds} and the rate with the least (the smaller on a
    tie); a rate with a diverged or non-finite fold does not count."""
    by_lr = {}
    for row in rows:
        by_lr.setdefault(row['lr'], []).append(score(row, 'val_loss'))
    means = {lr: (math.inf if any(math.isinf(v) for v in vals) else mean(vals))
             for lr, vals in by_lr.items()}
    return means, min(sorted(means), key=lambda lr: means[lr])


def derive(fd):
    out = {}
    # ---- K10 ----
    random, grid, counts = search_curves(fd)
    searches = sorted(random)
    trials = min(len(c) for c in random.values())
    rnd = []
    for n in range(1, trials + 1):
        vals = [random[s][n - 1] for s in searches]
        rnd.append((n, mean(vals), min(vals), max(vals)))
    gs = sorted({g for _, g in grid})
    grd = []
    for g in gs:
        vals = [grid[(s, g)] for s in searches if (s, g) in grid]
        n = counts[(searches[0], g)]
        grd.append((n, mean(vals), min(vals), max(vals)))
    fd.write_dat('random.dat', [('random search', ['trials', 'mean', 'min', 'max'], rnd)])
    fd.write_dat('grid.dat', [('grid search', ['trials', 'mean', 'min', 'max'], grd)])
    out['random'] = rnd
    out['grid'] = grd
    out['searches'] = len(searches)
    table = [['trials', 'grid search: best validation loss (mean over searches)',
              'random search: best after as many trials', 'random search: trials to match grid']]
    for n, g, _, _ in grd:
        match = next((k for k, v, _, _ in rnd if v <= g), None)
        table.append([str(n), fmt(g, 4), fmt(rnd[n - 1][1], 4) if n <= len(rnd) else 'n/a',
                      str(match) if match else '> %d' % len(rnd)])
    out['table'] = table

    # ---- K11 ----
    cases = []
    pts, regrets = [], []
    for ci, case in enumerate(CASES):
        for cv in sorted(fd.select(part='cv', case=case), key=lambda r: r.t('seed', int)):
            seed = cv.tags['seed']
            oracle = fd.select(part='oracle', case=case, seed=seed)
            if not oracle:
                continue
            means, chosen = cv_choice(cv.rows)
            test = {row['lr']: score(row, 'test_loss') for row in oracle[0].rows}
            best_lr = min(sorted(test), key=lambda lr: test[lr])
            regret = test[chosen] / test[best_lr] - 1 if math.isfinite(test[chosen]) else math.inf
            cases.append({'case': case, 'seed': int(seed), 'cv_lr': chosen, 'oracle_lr': best_lr,
                          'cv_test': test[chosen], 'oracle_test': test[best_lr],
                          'regret': regret})
            pts.append((best_lr, chosen, ci))
            regrets.append((ci + 0.08 * (int(seed) - 1.5), 1 + regret, ci))
    present = [c for c in CASES if any(x['case'] == c for x in cases)]
    fd.write_dat('choice.dat', [(CASE_TITLES[c], ['oracle', 'cv'],
                                 [(o, v) for o, v, ci in pts if CASES[ci] == c]) for c in present])
    fd.write_dat('regret.dat', [(CASE_TITLES[c], ['x', 'ratio'],
                                 [(present.index(c) + (x - ci), y) for x, y, ci in regrets
                                  if CASES[ci] == c]) for c in present])
    fd.write_vars({'case_tics': 'set xtics (' + ', '.join(
        '"%s" %d' % (CASE_TICS[c], i) for i, c in enumerate(present)) + ')',
        'n_cases': len(present), 'regret_line': 1 + REGRET,
        'choice_lo': min(min(o, v) for o, v, _ in pts) / 3 if pts else 1e-5,
        'choice_hi': max(max(o, v) for o, v, _ in pts) * 20 if pts else 1, 'folds': fd.p('folds', int),
        'trials': trials})
    out['cv'] = cases
    table2 = [['case', 'data seeds', 'rate chosen by CV (per seed)', 'test-set oracle (per seed)',
               'test loss at the CV choice / at the oracle (median, max)']]
    for c in present:
        rows = [x for x in cases if x['case'] == c]
        table2.append([CASE_TITLES[c], str(len(rows)),
                       ', '.join(fmt(x['cv_lr']) for x in rows),
                       ', '.join(fmt(x['oracle_lr']) for x in rows),
                       '%s, %s' % (fmt(1 + median([x['regret'] for x in rows]), 4),
                                   fmt(1 + max(x['regret'] for x in rows), 4))])
    out['table2'] = table2
    out['settings'] = (
        'K10: Adam on %d training images, validation on the next 10000 training images, 3 '
        'epochs, batch 64; %d searches of up to %d trials; grids of g = 1..%d points per '
        'hyperparameter. K11: %d-fold cross-validation.' % (
            fd.p('search_train_size', int), len(searches), trials, fd.p('grid_max', int),
            fd.p('folds', int)))
    return out


FIGURE = Figure(
    NAME, 11, 'Search: grid against random, cross-validation against the oracle',
    '**(a)** Adam on Fashion-MNIST softmax regression (a small training subset, 3 epochs, scored '
    'on 10000 other training images, not the test set), the rate searched over 10⁻⁵–1 (log scale) together '
    'with β₁ in [0.5, 0.99] and β₂ in [0.9, 0.9999]. Random search draws every trial afresh; '
    'grid search takes g values of each hyperparameter (g³ trials), shifted inside their cells by '
    'an offset that changes with the search, so that no grid is lucky by construction. Lines and '
    'points: the best validation loss found, mean over searches; bands and bars: the range over '
    'searches. A grid of g³ trials tries only g distinct rates, and the rate is what matters '
    'here, so random search, which tries a new rate with every trial, finds a good one sooner. '
    '**(b)** The rate chosen by k-fold cross-validation on the training set (least mean '
    'validation loss over the folds) against the rate with the least test loss (the oracle, '
    'which peeks at the test set), on the same grid of rates, one point per data seed. **(c)** '
    'What the choice costs: the test loss at the cross-validated rate over the oracle\'s (1 = as '
    'good; the dashed line is 5% worse). The cross-validated model trains on 1 − 1/k of the '
    'data, so it tends to prefer slightly different rates; on the test set the cost stays small.',
    derive, claims=('K10', 'K11'))


def k10_rule(m):
    """For each grid of g >= 2 points per hyperparameter (n = g^3 trials): the best validation
    loss grid search finds (mean over searches) and the number of trials random search needs for
    its mean best-so-far to be as low. Holds when random search needs fewer trials than the grid
    at every grid size; holds with conditions when at some; does not hold when at none."""
    rnd = m['random']
    rows = []
    for n, g, _, _ in m['grid']:
        if n < 2:
            continue
        match = next((k for k, v, _, _ in rnd if v <= g), math.inf)
        rows.append((n, g, match))
    fewer = [r for r in rows if r[2] < r[0]]
    numbers = [('grid of %d trials: best validation loss' % n, fmt(g, 4)) for n, g, _ in rows]
    numbers += [('random search: trials to match the grid of %d' % n,
                 str(k) if math.isfinite(k) else '> %d' % len(rnd)) for n, _, k in rows]
    text = ('Averaged over %d searches, random search matches the best validation loss of a '
            'grid of %s trials after %s trials.' % (
                m['searches'], ', '.join(str(n) for n, _, _ in rows),
                ', '.join(str(k) if math.isfinite(k) else 'more than %d' % len(rnd)
                          for _, _, k in rows)))
    if rows and len(fewer) == len(rows):
        return Verdict(HOLDS, text, numbers)
    if fewer:
        return Verdict(CONDITIONS, text + ' Fewer trials only for the grid(s) of %s.' % ', '.join(
            str(r[0]) for r in fewer), numbers)
    return Verdict(FAILS, text, numbers)


def k11_rule(m):
    """For each case and data seed, the test loss at the rate chosen by k-fold cross-validation
    over the least test loss on the same grid of rates (the oracle). The cross-validated rate
    generalises about as well when that ratio is at most 1.05. Holds when it is for every case
    and seed; holds with conditions when it is for more than half of them; does not hold
    otherwise."""
    cases = m['cv']
    ok = [c for c in cases if c['regret'] <= REGRET]
    numbers = [('%s, seed %d: CV rate / oracle rate; test loss ratio' % (
        CASE_TITLES[c['case']], c['seed']), '%s / %s; %s' % (
            fmt(c['cv_lr']), fmt(c['oracle_lr']), fmt(1 + c['regret'], 4))) for c in cases]
    worst = max(cases, key=lambda c: c['regret'])
    text = ('The cross-validated rate is within %d%% of the oracle\'s test loss in %d of %d '
            'cases (median ratio %s; worst %s, %s seed %d: rate %s against %s).' % (
                round(100 * REGRET), len(ok), len(cases),
                fmt(1 + median([c['regret'] for c in cases]), 4), fmt(1 + worst['regret'], 4),
                CASE_TITLES[worst['case']], worst['seed'], fmt(worst['cv_lr']),
                fmt(worst['oracle_lr'])))
    if len(ok) == len(cases):
        return Verdict(HOLDS, text, numbers)
    if 2 * len(ok) > len(cases):
        return Verdict(CONDITIONS, text, numbers)
    return Verdict(FAILS, text, numbers)


CLAIMS = [
    Claim('K10', STATEMENTS['K10'],
          experiment='`lrlab sweep --batched` with Adam on Fashion-MNIST softmax regression (2000 '
          'training images, QUICK: 1000; 3 epochs; scored on 10000 other training images): '
          'random search (`--lr-random 64 --vary beta1:0.5:0.99,beta2:0.9:0.9999`, rates '
          'log-uniform in 10⁻⁵–1) against grids of g = 1..4 values per hyperparameter (QUICK: '
          '1..3) shifted by a per-search offset, 4 searches (QUICK: 2), each with its own training '
          'seed.', figures=(NAME,), rule=k10_rule),
    Claim('K11', STATEMENTS['K11'],
          experiment='`lrlab sweep --folds 5` (QUICK: 3) on the training set against the same '
          'grid of rates trained on the whole training set and scored on the test set: '
          'Fashion-MNIST softmax regression with SGD (6 rates, 3×10⁻³–1) and Adam (6 rates, '
          '3×10⁻⁵–10⁻²), 2000 training images, 5 epochs, 2 data seeds (QUICK: 1000 images, 3 '
          'epochs, 1 seed, 3 rates); linear regression with label noise 1, 100 samples (batch 10, 8 '
          'seeds; QUICK: 2) and 1000 samples (batch 32, 4 seeds; QUICK: 1), SGD at 13 rates from '
          '10⁻³ to 1, 20 epochs.', figures=(NAME,), rule=k11_rule),
]
