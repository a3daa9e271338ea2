# Figure 2 and claims K02, K03, K06: steps for gradient descent and heavy ball (C01, C02) to shrink
# the distance to the quadratic's minimizer (C21) by a fixed factor, against the rate and against
# kappa, with the theoretical rate bounds overlaid.
"""Figure 2: speed against the learning rate; the rules of K02, K03 and K06."""

import cmath
import math

from .claims import STATEMENTS
from .common import (CONDITIONS, FAILS, HOLDS, Claim, Figure, Verdict, diverged, float32, fmt,
                     loglog_slope, quadratic_eigenvalues, steps_to_fraction)

NAME = 'fig02-speed-vs-lr'


def rho_gd(lr, eig):
    return max(abs(1 - lr * lam) for lam in eig)


def rho_hb(lr, beta, eig):
    """Spectral radius of heavy ball x+ = x - lr*g + beta*(x - x-) on the quadratic: the largest
    root modulus of z^2 - (1 + beta - lr*lam) z + beta = 0 over the eigenvalues."""
    worst = 0.0
    for lam in eig:
        b = 1 + beta - lr * lam
        disc = cmath.sqrt(b * b - 4 * beta)
        worst = max(worst, abs((b + disc) / 2), abs((b - disc) / 2))
    return worst


def steps_from_rate(rho, tol):
    return math.log(tol) / math.log(rho) if 0 < rho < 1 else math.nan


def derive(fd):
    mu, L, dim, tol, beta = (fd.p('mu'), fd.p('L'), fd.p('dim', int), fd.p('tol'),
                             fd.p('beta'))
    eig = quadratic_eigenvalues(dim, mu, L)
    gd_best, hb_best = 2 / (L + mu), 4 / (math.sqrt(L) + math.sqrt(mu)) ** 2
    points = {'gd': [], 'hb': []}
    for r in fd.select(part='lr'):
        rows = r.rows
        points[r.tags['method']].append({
            'lr': r.t('lr'), 'steps': steps_to_fraction(rows, tol),
            'diverged': diverged(rows), 'budget': rows[-1]['step']})
    for method in points:
        points[method].sort(key=lambda p: p['lr'])
    blocks, fails = [], []
    names = {'gd': 'gradient descent', 'hb': 'heavy ball, momentum %s' % fmt(beta, 3)}
    for method in ('gd', 'hb'):
        blocks.append(('%s: measured' % names[method], ['lr', 'steps'],
                       [(p['lr'], p['steps']) for p in points[method]]))
        fails.append(('%s: diverged or not reached' % names[method], ['lr', 'steps'],
                      [(p['lr'], 1.0) for p in points[method] if math.isnan(p['steps'])]))
    fd.write_dat('lr.dat', blocks)
    fd.write_dat('lr_fail.dat', fails)
    grid = [10 ** (-3 + 3.6 * i / 600) for i in range(601)]
    fd.write_dat('lr_theory.dat', [
        ('GD: ln(1/tol) / ln(1/max|1 − lr λ|)', ['lr', 'steps'],
         [(x, steps_from_rate(rho_gd(float32(x), eig), tol)) for x in grid]),
        ('heavy ball: the same with its spectral radius', ['lr', 'steps'],
         [(x, steps_from_rate(rho_hb(float32(x), beta, eig), tol)) for x in grid])])

    kap = {'gd': [], 'hb': []}
    for r in fd.select(part='kappa'):
        kap[r.tags['method']].append((r.t('kappa'), steps_to_fraction(r.rows, tol)))
    for method in kap:
        kap[method].sort()
    slopes = {m: loglog_slope([k for k, _ in kap[m]], [s for _, s in kap[m]])[0] for m in kap}
    fd.write_dat('kappa.dat', [
        ('%s at 2/(L+μ): slope %s' % (names['gd'].split(',')[0], fmt(slopes['gd'], 2)),
         ['kappa', 'steps'], kap['gd']),
        ('heavy ball at Polyak\'s rate and momentum: slope %s' % fmt(slopes['hb'], 2),
         ['kappa', 'steps'], kap['hb'])])
    kgrid = [10 ** (0.8 + 3.4 * i / 200) for i in range(201)]
    fd.write_dat('kappa_theory.dat', [
        ('theory: ln(1/tol) / ln((κ+1)/(κ−1))', ['kappa', 'steps'],
         [(k, math.log(1 / tol) / math.log((k + 1) / (k - 1))) for k in kgrid]),
        ('theory: ln(1/tol) / ln((√κ+1)/(√κ−1))', ['kappa', 'steps'],
         [(k, math.log(1 / tol) / math.log((math.sqrt(k) + 1) / (math.sqrt(k) - 1)))
          for k in kgrid])])
    fd.write_vars({'gd_best': gd_best, 'hb_best': hb_best, 'two_over_L': 2 / L,
                   'hb_limit': 2 * (1 + beta) / L, 'tol': tol})

    table = [['', 'best rate measured (grid)', 'theory\'s best rate', 'steps there',
              'steps at 2/(L+μ) or Polyak\'s rate']]
    best = {}
    for method, theory in (('gd', gd_best), ('hb', hb_best)):
        ok = [p for p in points[method] if not math.isnan(p['steps'])]
        b = min(ok, key=lambda p: p['steps'])
        at = min(points[method], key=lambda p: abs(p['lr'] / theory - 1))
        best[method] = {'lr': b['lr'], 'steps': b['steps'], 'theory_lr': theory,
                        'steps_at_theory': at['steps']}
        table.append([names[method], fmt(b['lr'], 4), fmt(theory, 4), fmt(b['steps'], 4),
                      fmt(at['steps'], 4)])
    table.append(['fitted slope of log steps against log κ', 'GD: %s' % fmt(slopes['gd'], 3),
                  'heavy ball: %s' % fmt(slopes['hb'], 3), 'theory: 1 and 0.5', ''])
    return {'points': points, 'best': best, 'kappa': kap, 'slopes': slopes, 'mu': mu, 'L': L,
            'tol': tol, 'table': table}


FIGURE = Figure(
    NAME, 2, 'Speed against the learning rate, and against the condition number',
    'Steps until the distance to the minimizer has shrunk by 10⁴ (interpolated between logged '
    'rows), on the quadratic with μ = 0.01, L = 1, 50 dimensions. **(a)** Against the rate, log-log: '
    'on the left both methods need steps in proportion to 1/lr (slope −1); gradient descent '
    'bottoms out at 2/(L+μ) and diverges beyond 2/L (crosses at the bottom edge mark runs that '
    'diverged or never reached the tolerance); heavy ball with Polyak\'s momentum is about '
    '√κ = 10 times faster at its own best rate and stays stable up to 2(1+β)/L. Lines: the rate '
    'bounds ln(1/tol)/ln(1/ρ) with ρ the contraction factor (GD: max ∣1 − lr·λ∣; heavy ball: the '
    'spectral radius of its two-step recursion). Measured points sit a little under the GD line '
    'because only part of the starting distance lies on the slowest mode, and a little over the '
    'heavy-ball line near its optimum, where repeated roots add a polynomial factor. **(b)** Each '
    'method at its theoretical best setting as κ grows from 10 to 10⁴: gradient descent needs '
    'steps in proportion to κ, heavy ball to √κ.',
    derive, claims=('K02', 'K03', 'K06'))

# K02: the rates that count as "small": at most this fraction of 2/(L+mu).
SMALL = 0.1


def k02_rule(m):
    """Fit the slope of log(steps) against log(lr) for gradient descent over the rates at most
    0.1 x 2/(L+mu). Holds when the slope is within 0.1 of -1 (steps proportional to 1/lr); holds
    with conditions within 0.3; does not hold otherwise."""
    best = 2 / (m['L'] + m['mu'])
    small = [p for p in m['points']['gd'] if p['lr'] <= SMALL * best and not math.isnan(p['steps'])]
    slope, r2 = loglog_slope([p['lr'] for p in small], [p['steps'] for p in small])
    lo, hi = small[0], small[-1]
    numbers = [('rates fitted', '%d, from %s to %s' % (len(small), fmt(lo['lr']), fmt(hi['lr']))),
               ('fitted slope of log steps against log lr', fmt(slope, 4)),
               ('r²', fmt(r2, 5)),
               ('steps at the smallest and largest of them', '%s and %s' % (
                   fmt(lo['steps'], 4), fmt(hi['steps'], 4)))]
    text = ('Below %s × 2/(L+μ) the steps to the tolerance fall with slope %s against lr on '
            'log-log axes (%d rates; %s steps at lr = %s).' % (
                fmt(SMALL), fmt(slope, 3), len(small), fmt(lo['steps'], 3), fmt(lo['lr'])))
    if abs(slope + 1) <= 0.1:
        return Verdict(HOLDS, text, numbers)
    if abs(slope + 1) <= 0.3:
        return Verdict(CONDITIONS, text + ' The slope is not −1 within 0.1.', numbers)
    return Verdict(FAILS, text, numbers)


def u_shaped(points, tolerance=0.01):
    """Steps fall (within `tolerance`, relative) up to their minimum and rise after it, counting
    a run that diverged or never reached the tolerance as infinitely slow."""
    steps = [math.inf if math.isnan(p['steps']) else p['steps'] for p in points]
    k = min(range(len(steps)), key=lambda i: steps[i])
    down = all(steps[i + 1] <= steps[i] * (1 + tolerance) for i in range(k))
    up = all(steps[i + 1] >= steps[i] * (1 - tolerance) for i in range(k, len(steps) - 1))
    return down and up, steps[0] / steps[k], steps[-1] / steps[k]


def k03_rule(m):
    """Gradient descent's steps to the tolerance against lr: holds when the curve is U-shaped
    (falls to its minimum and rises after it, within 1%, with both ends at least twice the
    minimum; a diverged run counts as infinitely slow) and the fastest rate of the grid is within
    5% of 2/(L+mu); holds with conditions when it is U-shaped but the fastest rate is further
    from 2/(L+mu), or the fastest rate is right but the curve has bumps; does not hold otherwise."""
    pts = m['points']['gd']
    u, left, right = u_shaped(pts)
    ends_high = left >= 2 and right >= 2
    b = m['best']['gd']
    off = b['lr'] / b['theory_lr'] - 1
    numbers = [('fastest rate on the grid', fmt(b['lr'], 4)),
               ('2/(L+μ)', fmt(b['theory_lr'], 4)),
               ('relative distance', fmt(off, 2)),
               ('steps at the fastest rate; at 2/(L+μ)', '%s; %s' % (
                   fmt(b['steps'], 4), fmt(b['steps_at_theory'], 4))),
               ('steps at the smallest rate / minimum', fmt(left, 3)),
               ('steps at the largest rate / minimum', fmt(right, 3) if math.isfinite(right)
                else '∞ (diverged)'),
               ('U-shaped (monotone within 1% on each side)', u)]
    text = ('The fastest rate on the grid is %s, %s from 2/(L+μ) = %s (%s steps there, %s at '
            '2/(L+μ)); the curve is %sU-shaped, %s× the minimum at the smallest rate and %s at '
            'the largest.' % (fmt(b['lr'], 4), '%+.1f%%' % (100 * off), fmt(b['theory_lr'], 4),
                              fmt(b['steps'], 4), fmt(b['steps_at_theory'], 4),
                              '' if u else 'not ', fmt(left, 3),
                              'divergence' if not math.isfinite(right) else fmt(right, 3) + '×'))
    if u and ends_high and abs(off) <= 0.05:
        return Verdict(HOLDS, text, numbers)
    if (u and ends_high) or abs(off) <= 0.05:
        return Verdict(CONDITIONS, text, numbers)
    return Verdict(FAILS, text, numbers)


def k06_rule(m):
    """Fit log(steps) against log(kappa) for each method at its theoretical best setting. Holds
    when gradient descent's slope is within 0.15 of 1, heavy ball's within 0.15 of 0.5, and heavy
    ball needs fewer steps at every kappa >= 100; holds with conditions when heavy ball's slope is
    at least 0.25 below gradient descent's but a slope misses its target; does not hold
    otherwise."""
    s = m['slopes']
    gd, hb = dict(m['kappa']['gd']), dict(m['kappa']['hb'])
    faster = all(hb[k] < gd[k] for k in gd if k >= 100 and k in hb)
    kmax = max(gd)
    numbers = [('κ values', ', '.join(fmt(k) for k in sorted(gd))),
               ('slope, gradient descent (theory 1)', fmt(s['gd'], 3)),
               ('slope, heavy ball (theory 0.5)', fmt(s['hb'], 3)),
               ('steps at κ = %s: GD, heavy ball' % fmt(kmax), '%s, %s' % (fmt(gd[kmax], 4),
                                                                          fmt(hb[kmax], 4))),
               ('heavy ball faster at every κ ≥ 100', faster)]
    text = ('Steps grow like κ^%s for gradient descent and κ^%s for heavy ball (κ from %s to %s); '
            'at κ = %s heavy ball needs %s steps against %s.' % (
                fmt(s['gd'], 3), fmt(s['hb'], 3), fmt(min(gd)), fmt(kmax), fmt(kmax),
                fmt(hb[kmax], 3), fmt(gd[kmax], 3)))
    if abs(s['gd'] - 1) <= 0.15 and abs(s['hb'] - 0.5) <= 0.15 and faster:
        return Verdict(HOLDS, text, numbers)
    if s['hb'] <= s['gd'] - 0.25:
        return Verdict(CONDITIONS, text, numbers)
    return Verdict(FAILS, text, numbers)


EXPERIMENT_LR = ('Gradient descent and heavy ball (momentum ((√κ−1)/(√κ+1))² = 0.669) on the '
                 'quadratic with μ = 0.01, L = 1, 50 log-spaced eigenvalues, from x₀ = (1, …, 1), '
                 'on a log grid of rates plus points near each method\'s theoretical best; the '
                 'steps to shrink the distance to the minimizer by 10⁴ are read from the logged '
                 'rows.')
CLAIMS = [
    Claim('K02', STATEMENTS['K02'], experiment=EXPERIMENT_LR, figures=(NAME,), rule=k02_rule),
    Claim('K03', STATEMENTS['K03'], experiment=EXPERIMENT_LR, figures=(NAME,), rule=k03_rule),
    Claim('K06', STATEMENTS['K06'],
          experiment='Quadratics with μ = 1/κ, L = 1, κ from 10 to 10⁴; gradient descent at '
          '2/(L+μ) and heavy ball at Polyak\'s lr = 4/(√L+√μ)² and momentum ((√κ−1)/(√κ+1))²; '
          'steps to shrink the distance to the minimizer by 10⁴; slopes fitted on log-log axes.',
          figures=(NAME,), rule=k06_rule),
]
