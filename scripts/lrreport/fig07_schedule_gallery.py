# Figure 7: the schedule gallery, every schedule C07-C16 as `lrlab schedule` prints it (PyTorch 1.13
# semantics), one small panel each; reduce-on-plateau is drawn with the metric it was fed.
"""Figure 7: the schedule gallery (no claim: a picture of what each schedule does)."""

from .common import Figure, read_csv

NAME = 'fig07-schedule-gallery'


def derive(fd):
    blocks, titles = [], {}
    order = sorted(fd.runs, key=lambda r: (r.tags['id'], fd.runs.index(r)))
    for i, r in enumerate(order):
        rows = r.rows
        blocks.append((r.tags['id'], ['step', 'lr'], [(row['step'], row['lr']) for row in rows]))
        # gnuplot's enhanced text would make exp_range's underscore a subscript
        titles['title_%d' % i] = ('%s  %s' % (r.tags['id'], r.tags['title'])).replace('_', '\\\\_')
        titles['colour_%d' % i] = (int(r.tags['id'][1:]) - 7) % 8 + 1
    fd.write_dat('schedules.dat', blocks)
    metric = [float(x) for x in open(fd.dir + '/plateau-metrics.txt').read().split()]
    plateau = next(i for i, r in enumerate(order) if r.name == 'plateau')
    fd.write_dat('metric.dat', [('validation loss fed to the schedule', ['epoch', 'metric'],
                                 list(enumerate(metric)))])
    titles['plateau_index'] = plateau
    titles['steps'] = fd.p('steps', int)
    fd.write_vars(titles)
    table = [['panel', 'concept', 'rate at step 0', 'rate at the last step', 'lowest', 'highest']]
    for i, r in enumerate(order):
        lrs = [row['lr'] for row in r.rows]
        table.append([r.tags['title'], r.tags['id'], '%.4g' % lrs[0], '%.4g' % lrs[-1],
                      '%.4g' % min(lrs), '%.4g' % max(lrs)])
    assert read_csv  # the CSV reader is what Run.rows uses
    return {'table': table, 'schedules': len(order)}


FIGURE = Figure(
    NAME, 7, 'The schedule gallery: the rate at each step for every schedule',
    'Each panel is one `lrlab schedule` command (base rate 0.1, 300 steps; the commands are in '
    '`benchmarks/plan/fig07-schedule-gallery.sh`), reproducing PyTorch 1.13\'s schedulers '
    '(tested against it to 10⁻⁹ relative). Decays (C07–C11) only go down, at different speeds '
    'and shapes; cyclical rates (C12) and warm restarts (C13) go back up; warmup (C14) and '
    'one-cycle (C15) start low on purpose; reduce-on-plateau (C16) is the only one that reads '
    'the training: it halves the rate each time the validation loss it is fed (grey, right '
    'axis) has not improved for 10 epochs.',
    derive)
