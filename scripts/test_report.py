#!/usr/bin/env python3
# K01-K12: tests of the report's analysis (scripts/lrreport): the measurements on one run, the bands,
# every verdict rule on small fixed inputs (each branch once), the chain from CSV to verdict on
# synthetic runs with known answers, and one plan entry run with the real lrlab. Run by make check.
import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lrreport import common  # noqa: E402
from lrreport import (fig01_quadratic_convergence as f01, fig02_speed_vs_lr as f02,  # noqa: E402
                      fig03_rosenbrock as f03, fig04_badly_scaled as f04, fig09_noise as f09,
                      fig10_range_test as f10, figK12_overfitting as fk12)
from lrreport.common import CONDITIONS, FAILS, HOLDS, PENDING  # noqa: E402

ROOT = os.path.dirname(HERE)
COLUMNS = ['problem', 'optimizer', 'schedule', 'lr', 'seed', 'epoch', 'step', 'lr_now',
           'train_loss', 'test_loss', 'test_acc', 'seconds', 'diverged', 'dist']


class Results(object):
    """A figure's results directory written by hand: manifest, params and lrlab-shaped CSV."""

    def __init__(self, name):
        self.root = tempfile.mkdtemp(prefix='report-test-')
        self.dir = os.path.join(self.root, name)
        os.makedirs(self.dir)

    def param(self, **kv):
        with open(os.path.join(self.dir, 'params.tsv'), 'a') as f:
            for k, v in kv.items():
                f.write('%s\t%s\n' % (k, v))

    def run(self, name, tags, rows):
        with open(os.path.join(self.dir, 'manifest.tsv'), 'a') as f:
            f.write('%s\t%s\n' % (name, tags))
        with open(os.path.join(self.dir, name + '.csv'), 'w', newline='') as f:
            w = csv.writer(f)
            cols = COLUMNS + sorted(k for k in rows[0] if k not in COLUMNS)
            w.writerow(cols)
            for r in rows:
                w.writerow(['' if r.get(c) is None else r.get(c) for c in cols])

    def data(self):
        return common.FigureData(self.dir)

    def close(self):
        shutil.rmtree(self.root)


def gd_rows(lr, eig, steps, every=1, momentum=0.0):
    """Exact heavy-ball (momentum 0: gradient descent) iterates on diag(eig) from all ones, as
    lrlab's full-batch rows (distance, loss), one row every `every` steps; a row with a non-finite
    loss ends the run with diverged=1 on every row, as lrlab writes it."""
    x = [1.0] * len(eig)
    prev = list(x)
    rows = []
    bad = False
    for t in range(steps + 1):
        if t % every == 0 or t == steps:
            loss = 0.5 * sum(l * v * v for l, v in zip(eig, x))
            d = math.sqrt(sum(v * v for v in x))
            if not math.isfinite(loss) or loss > 1e30:
                bad = True
                rows.append({'step': t, 'train_loss': 'inf', 'dist': d, 'diverged': 1})
                break
            rows.append({'step': t, 'train_loss': loss, 'dist': d, 'diverged': 0})
        nxt = [v - lr * l * v + momentum * (v - p) for v, p, l in zip(x, prev, eig)]
        prev, x = x, nxt
    for r in rows:
        r['diverged'] = 1 if bad else 0
    return rows


class Measurements(unittest.TestCase):
    def test_steps_to_fraction_interpolates_between_logged_rows(self):
        rows = [{'step': t, 'dist': 0.5 ** t} for t in range(0, 41, 10)]
        # 0.5^t = 1e-4 at t = 13.2877...; log-linear between rows 10 and 20 is exact here
        self.assertAlmostEqual(common.steps_to_fraction(rows, 1e-4), math.log(1e4, 2), places=9)
        self.assertTrue(math.isnan(common.steps_to_fraction(rows, 1e-20)))
        rows[2]['dist'] = math.inf
        self.assertTrue(math.isnan(common.steps_to_fraction(rows, 1e-4)))

    def test_contraction_recovers_the_slowest_factor(self):
        rows = [{'step': t, 'dist': math.sqrt(0.9 ** (2 * t) + 0.5 ** (2 * t))} for t in range(400)]
        self.assertAlmostEqual(common.contraction(rows), 0.9, places=9)
        grow = [{'step': t, 'dist': 1.01 ** t} for t in range(100)]
        self.assertAlmostEqual(common.contraction(grow), 1.01, places=12)

    def test_band_is_the_run_around_the_best_point(self):
        pts = [(10 ** (k / 4), v) for k, v in enumerate([5, 1, 0.1, 0.01, 0.2, 3, 0.05, 9])]
        b = common.band(pts, lambda v: v <= 0.2)
        self.assertEqual((b['points'], b['open_left'], b['open_right']), (3, False, False))
        self.assertAlmostEqual(b['lo'], 10 ** 0.5)
        self.assertAlmostEqual(b['decades'], 0.5 + 0.25)  # two cells apart, plus one cell
        self.assertIsNone(common.band(pts, lambda v: v < 0))
        edge = common.band(pts, lambda v: v < 100)
        self.assertTrue(edge['open_left'] and edge['open_right'])

    def test_parabola_min_finds_a_sub_grid_minimum(self):
        pts = [(x, (x - 0.3) ** 2) for x in (-1, 0, 1, 2)]
        self.assertAlmostEqual(common.parabola_min(pts), 0.3)
        self.assertEqual(common.parabola_min([(0, 1), (1, 2), (2, 3)]), 0)  # at the edge

    def test_thin_keeps_both_phases_of_a_two_cycle(self):
        rows = [{'step': t, 'x': (-1) ** t} for t in range(5001)]
        kept = common.thin(rows, 1000)
        self.assertLessEqual(len(kept), 1100)
        self.assertIs(kept[-1], rows[-1])
        tail = kept[len(kept) // 2:]
        self.assertEqual({r['x'] for r in tail}, {1, -1})

    def test_tags_keep_spaces_inside_values(self):
        self.assertEqual(common.parse_tags('id=C07 title=StepLR every 60, gamma 0.5 lr=0.1'),
                         {'id': 'C07', 'title': 'StepLR every 60, gamma 0.5', 'lr': '0.1'})

    def test_quadratic_spectrum_matches_the_header(self):
        eig = common.quadratic_eigenvalues(3, 0.01, 1.0)
        self.assertEqual(eig[0], common.float32(0.01))
        self.assertEqual(eig[1], common.float32(0.1))
        self.assertEqual(eig[2], 1.0)


def edge(variant, delta, rho, theory=None, nonfinite=False):
    lr = 2 * (1 + delta)
    return {'variant': variant, 'delta': delta, 'lr': lr, 'two_over_L': 2.0, 'rho': rho,
            'rho_theory': theory if theory is not None else rho, 'nonfinite': nonfinite,
            'steps': 100}


class Rules(unittest.TestCase):
    def test_k01(self):
        good = [edge('d', -0.01, 0.99), edge('d', 0.01, 1.02), edge('d', 0.2, 1.4, nonfinite=True)]
        self.assertEqual(f01.k01_rule({'edges': good}).status, HOLDS)
        # below 2/L the factor is a bound: a start with little weight on the slowest mode goes
        # faster; above 2/L the top mode takes over and the growth must match it
        faster = good + [edge('d', -0.05, 0.95, theory=0.96)]
        self.assertEqual(f01.k01_rule({'edges': faster}).status, HOLDS)
        slower = good + [edge('d', -0.05, 0.97, theory=0.96)]
        self.assertEqual(f01.k01_rule({'edges': slower}).status, CONDITIONS)
        off = good + [edge('d', 0.05, 1.08, theory=1.1)]
        self.assertEqual(f01.k01_rule({'edges': off}).status, CONDITIONS)
        wrong = good + [edge('d', 0.05, 0.99)]
        self.assertEqual(f01.k01_rule({'edges': wrong}).status, FAILS)

    def points(self, slope=-1.0, bump=False):
        pts = [{'lr': 10 ** (k / 4) * 1e-3, 'diverged': False, 'budget': 0} for k in range(14)]
        for p in pts:
            p['steps'] = 1e5 * (p['lr'] / 1e-3) ** slope
        best = 2 / 1.01
        tail = [{'lr': best, 'steps': 50.0, 'diverged': False, 'budget': 0},
                {'lr': 1.99, 'steps': 200.0, 'diverged': False, 'budget': 0},
                {'lr': 2.5, 'steps': math.nan, 'diverged': True, 'budget': 0}]
        if bump:
            pts[5]['steps'] *= 3
        return [p for p in pts if p['lr'] < 1] + tail

    def m02(self, **kw):
        pts = self.points(**kw)
        b = min((p for p in pts if not math.isnan(p['steps'])), key=lambda p: p['steps'])
        return {'points': {'gd': pts, 'hb': []}, 'mu': 0.01, 'L': 1.0,
                'best': {'gd': {'lr': b['lr'], 'steps': b['steps'], 'theory_lr': 2 / 1.01,
                                'steps_at_theory': 50.0}}}

    def test_k02(self):
        self.assertEqual(f02.k02_rule(self.m02()).status, HOLDS)
        self.assertEqual(f02.k02_rule(self.m02(slope=-0.8)).status, CONDITIONS)
        self.assertEqual(f02.k02_rule(self.m02(slope=-0.5)).status, FAILS)

    def test_k03(self):
        self.assertEqual(f02.k03_rule(self.m02()).status, HOLDS)
        self.assertEqual(f02.k03_rule(self.m02(bump=True)).status, CONDITIONS)
        m = self.m02(bump=True)
        m['best']['gd']['lr'] = 1.0
        self.assertEqual(f02.k03_rule(m).status, FAILS)

    def test_k06(self):
        ks = [10, 100, 1000, 10000]
        m = {'kappa': {'gd': [(k, 5.0 * k) for k in ks], 'hb': [(k, 5.0 * k ** 0.5) for k in ks]},
             'slopes': {'gd': 1.0, 'hb': 0.5}}
        self.assertEqual(f02.k06_rule(m).status, HOLDS)
        m['slopes']['hb'] = 0.7
        self.assertEqual(f02.k06_rule(m).status, CONDITIONS)
        m['slopes']['hb'] = 0.9
        self.assertEqual(f02.k06_rule(m).status, FAILS)

    def test_k12b(self):
        m02 = self.m02()
        sweep = [{'lr': 1e-3, 'end': 'minimizer', 'loss': 1e-12, 'dist': 1e-6},
                 {'lr': 3e-3, 'end': 'cycle', 'loss': 0.3, 'dist': 0.5},
                 {'lr': 1e-2, 'end': 'diverged', 'loss': math.inf, 'dist': math.inf}]
        m03 = {'sweep': {'gd': sweep, 'adam': []}}
        self.assertEqual(f03.k12b_rule(m02, m03).status, CONDITIONS)
        sweep[1]['end'] = 'fixed'
        self.assertEqual(f03.k12b_rule(m02, m03).status, HOLDS)
        sweep[1]['end'] = 'moving'
        self.assertEqual(f03.k12b_rule(m02, m03).status, FAILS)

    def test_rosenbrock_outcomes(self):
        def rows(losses, dist=0.5):
            return [{'train_loss': f, 'dist': dist, 'diverged': 0} for f in losses]
        self.assertEqual(f03.outcome(rows([0.3, 0.2, 0.3])), 'cycle')
        self.assertEqual(f03.outcome(rows([0.3, 0.3, 0.3])), 'fixed')
        self.assertEqual(f03.outcome(rows([0.3, 0.2, 0.1])), 'moving')
        self.assertEqual(f03.outcome(rows([0.3, 0.2, 0.1], dist=1e-3)), 'minimizer')
        r = rows([1, 2, math.inf])
        r[-1]['diverged'] = 1
        self.assertEqual(f03.outcome(r), 'diverged')

    @staticmethod
    def bands(axes, rotated):
        def b(w):
            return None if w is None else {'decades': w, 'lo': 1e-3, 'hi': 1e-3 * 10 ** w,
                                           'open_left': False, 'open_right': False}
        return {k: {'axes': b(axes[k]), 'rotated': b(rotated[k])} for k in axes}

    def m04(self, axes, rotated, best=1e-12):
        return {'bands': self.bands(axes, rotated), 'target': 1e-6, 'cell': 0.25,
                'best': {k: {'axes': best, 'rotated': best} for k in axes}}

    def test_k07(self):
        base = {'sgd': 0.5, 'momentum': 1.0}
        wide = dict(base, adagrad=3.0, rmsprop=2.0, adam=3.5)
        self.assertEqual(f04.k07_rule(self.m04(wide, wide)).status, HOLDS)
        some = dict(base, adagrad=3.0, rmsprop=1.0, adam=None)
        self.assertEqual(f04.k07_rule(self.m04(some, some)).status, CONDITIONS)
        none = dict(base, adagrad=1.0, rmsprop=0.75, adam=0.5)
        self.assertEqual(f04.k07_rule(self.m04(none, none)).status, FAILS)
        self.assertEqual(f04.k07_rule(self.m04(wide, wide, best=1e-3)).status, FAILS)

    def test_k12c(self):
        axes = {'sgd': 0.5, 'momentum': 1.0, 'adagrad': 3.0, 'rmsprop': 2.0, 'adam': 3.5}
        hurt = dict(axes, adagrad=1.0, rmsprop=None, adam=1.0)
        self.assertEqual(f04.k12c_rule(self.m04(axes, hurt)).status, FAILS)
        self.assertEqual(f04.k12c_rule(self.m04(axes, axes)).status, HOLDS)
        mixed = dict(axes, adam=1.0)
        self.assertEqual(f04.k12c_rule(self.m04(axes, mixed)).status, CONDITIONS)

    def m08(self, inside):
        probs = {}
        for p, flags in zip(f10.PROBLEMS, inside):
            probs[p] = {'band': {'lo': 0.01, 'hi': 0.1, 'decades': 1, 'open_left': False,
                                 'open_right': False},
                        'suggestions': {'valley': 0.05, 'minimum': 0.2, 'steep': 1e-6},
                        'inside': dict(zip(f10.METHODS, flags))}
        return {'problems': probs}

    def test_k08(self):
        yes, no = (True, False, False), (False, False, False)
        self.assertEqual(f10.k08_rule(self.m08([yes, yes, yes])).status, HOLDS)
        self.assertEqual(f10.k08_rule(self.m08([yes, no, no])).status, CONDITIONS)
        self.assertEqual(f10.k08_rule(self.m08([no, (False, True, False), no])).status, CONDITIONS)
        self.assertEqual(f10.k08_rule(self.m08([no, no, no])).status, FAILS)

    def m09(self, noise_best, mse, huber, floors=None, pending='lrlab train has no --schedule'):
        return {'cell': 1 / 6,
                'noise': [{'noise': s, 'refined': b, 'grid': b, 'loss': 1.0}
                          for s, b in zip((0, 0.1, 1, 3), noise_best)],
                'outliers': [{'loss': loss, 'outliers': o, 'refined': b, 'grid': b,
                              'best_loss': 1.0}
                             for loss, bs in (('mse', mse), ('huber', huber))
                             for o, b in zip((0, 0.1, 0.2), bs)],
                'floors': floors or {'constant': {'0.01': {'tail': 0.49, 'test': 0.5},
                                                  '0.1': {'tail': 0.5, 'test': 0.52},
                                                  '0.3': {'tail': 0.56, 'test': 0.6}}},
                'decayed_pending': pending}

    def test_k05(self):
        falls = (0.3, 0.02, 0.008, 0.003)
        self.assertEqual(f09.k05_rule(self.m09(falls, (0.02, 0.003, 0.002),
                                               (0.02, 0.005, 0.004))).status, HOLDS)
        self.assertEqual(f09.k05_rule(self.m09(falls, (0.02, 0.003, 0.002),
                                               (0.02, 0.018, 0.017))).status, CONDITIONS)
        self.assertEqual(f09.k05_rule(self.m09((0.01, 0.02, 0.05, 0.1), (0.02, 0.003, 0.002),
                                               (0.02, 0.005, 0.004))).status, FAILS)

    def test_k04_waits_for_decayed_runs_then_judges_them(self):
        m = self.m09((1, 1, 1, 1), (1, 1, 1), (1, 1, 1))
        v = f09.k04_rule(m)
        self.assertEqual(v.status, PENDING)
        self.assertIn('--schedule', v.summary)
        self.assertIn('0.56', v.summary)  # the measured floors are reported meanwhile
        floors = dict(m['floors'])
        floors['inverse-time'] = {'0.01': {'tail': 0.48, 'test': 0.49},
                                  '0.1': {'tail': 0.48, 'test': 0.49},
                                  '0.3': {'tail': 0.485, 'test': 0.495}}
        self.assertEqual(f09.k04_rule(dict(m, floors=floors)).status, HOLDS)
        floors['inverse-time']['0.01']['tail'] = 0.6
        self.assertEqual(f09.k04_rule(dict(m, floors=floors)).status, CONDITIONS)
        floors['constant']['0.3']['tail'] = 0.40
        self.assertEqual(f09.k04_rule(dict(m, floors=floors)).status, FAILS)

    def test_k12a(self):
        def m(small, large):
            gaps = {'%d 0.001' % b: {'median': g} for b, g in zip((10, 100), small)}
            for lr, scale in ((0.1, 1.0), (0.3, 1.0), (1.0, 0.1)):  # one noisy outlier rate
                gaps.update({'%d %r' % (b, lr): {'median': g * scale}
                             for b, g in zip((10, 100), large)})
            return {'budgets': [10, 100], 'small': 0.001, 'upper': [0.1, 0.3, 1.0], 'seeds': 3,
                    'gaps': gaps}
        self.assertEqual(fk12.k12a_rule(m((0.5, 0.5), (0.2, 0.2))).status, HOLDS)
        self.assertEqual(fk12.k12a_rule(m((0.5, 0.2), (0.2, 0.2))).status, CONDITIONS)
        self.assertEqual(fk12.k12a_rule(m((0.1, 0.2), (0.2, 0.3))).status, FAILS)

    def test_a_claim_whose_runs_are_missing_is_not_yet_measured(self):
        claim = f02.CLAIMS[0]
        self.assertEqual(claim.evaluate({}).status, PENDING)


class FromCsv(unittest.TestCase):
    """Synthetic runs with exactly known answers go through derive and the rules."""

    def fig02(self, tmp, rate_power=1.0):
        tmp.param(mu=0.01, L=1, dim=4, tol=1e-4, beta=(9 / 11) ** 2)
        eig = common.quadratic_eigenvalues(4, 0.01, 1.0)
        best = 2 / 1.01
        lrs = [10 ** (k / 4) * 2e-2 for k in range(8)] + [0.95 * best, best, 1.99, 2.2]
        for lr in lrs:
            # rate_power != 1 bends the small-rate law away from steps ~ 1/lr on purpose
            eff = lr if rate_power == 1.0 else 0.2 * (lr / 0.2) ** rate_power if lr < 0.2 else lr
            every = max(1, int(2 * math.log(1e4) / (eff * 0.01)) // 400)
            steps = int(2 * math.log(1e4) / (eff * 0.01)) + 200
            tmp.run('gd-%g' % lr, 'part=lr method=gd lr=%r' % lr, gd_rows(eff, eig, steps, every))
        for lr in (0.5, 3.306):
            tmp.run('hb-%g' % lr, 'part=lr method=hb lr=%r' % lr,
                    gd_rows(lr, eig, 3000, 1, momentum=(9 / 11) ** 2))
        for k in (10, 100, 1000):
            e = common.quadratic_eigenvalues(4, 1 / k, 1.0)
            tmp.run('kg-%d' % k, 'part=kappa method=gd kappa=%d' % k,
                    gd_rows(2 / (1 + 1 / k), e, int(10 * k) + 100, 5))
            beta = ((math.sqrt(k) - 1) / (math.sqrt(k) + 1)) ** 2
            tmp.run('kh-%d' % k, 'part=kappa method=hb kappa=%d' % k,
                    gd_rows(4 / (1 + math.sqrt(1 / k)) ** 2, e, int(40 * math.sqrt(k)) + 200, 1,
                            momentum=beta))
        return f02.derive(tmp.data())

    def test_exact_gradient_descent_gives_the_textbook_verdicts(self):
        tmp = Results(f02.NAME)
        try:
            m = self.fig02(tmp)
            self.assertEqual(f02.k02_rule(m).status, HOLDS, f02.k02_rule(m).summary)
            self.assertEqual(f02.k03_rule(m).status, HOLDS, f02.k03_rule(m).summary)
            self.assertEqual(f02.k06_rule(m).status, HOLDS, f02.k06_rule(m).summary)
            self.assertTrue(os.path.exists(os.path.join(tmp.dir, 'plot', 'lr.dat')))
        finally:
            tmp.close()

    def test_a_bent_rate_law_is_caught(self):
        tmp = Results(f02.NAME)
        try:
            m = self.fig02(tmp, rate_power=0.5)
            self.assertEqual(f02.k02_rule(m).status, FAILS, f02.k02_rule(m).summary)
        finally:
            tmp.close()


@unittest.skipUnless(os.access(os.environ.get('LRLAB', os.path.join(ROOT, 'build', 'lrlab')),
                             os.X_OK), 'build/lrlab is not built')
class RealPlan(unittest.TestCase):
    """Figure 1's QUICK plan entry, run with the real lrlab: K01 must hold."""

    def test_fig01_quick_plan_gives_k01(self):
        lrlab = os.path.abspath(os.environ.get('LRLAB', os.path.join(ROOT, 'build', 'lrlab')))
        tmp = Results(f01.NAME)
        try:
            env = dict(os.environ, OUT=tmp.dir, LRLAB=lrlab, QUICK='1',
                       PLAN_LIB=os.path.join(ROOT, 'benchmarks', 'plan', 'lib.sh'))
            cmds = subprocess.run(['sh', os.path.join(ROOT, 'benchmarks', 'plan',
                                                      f01.NAME + '.sh')],
                                  env=env, check=True, stdout=subprocess.PIPE,
                                  universal_newlines=True).stdout.splitlines()
            self.assertGreater(len(cmds), 10)
            for c in cmds:
                subprocess.run(c, shell=True, check=True)
            m = f01.derive(tmp.data())
            v = f01.k01_rule(m)
            self.assertEqual(v.status, HOLDS, v.summary)
        finally:
            tmp.close()


if __name__ == '__main__':
    unittest.main(verbosity=1)
