# Figure 13: lane-batched sweeps (C20, benchmarks/lanes.c through build/lrlab-bench): one epoch of
# Fashion-MNIST-shaped softmax regression for K rates, as K lanes of one pass over the data against
# K lr_train runs one after another; lane-samples per second and the speed-up against K.
"""Figure 13: lane-batched sweeps, throughput against K."""

import json
import os
import statistics

from .common import Figure, fmt


NAME = 'fig13-lanes'


def medians(doc, counter):
    """{(mode, K, N): median of `counter` over the repetitions} of lanes_epoch/MODE/K/N."""
    vals = {}
    for b in doc.get('benchmarks', []):
        if b.get('run_type') != 'iteration' or counter not in b:
            continue
        name = b.get('run_name', b['name'])
        _, mode, k, n = name.split('/')
        vals.setdefault((mode, int(k), int(n)), []).append(b[counter])
    return {key: statistics.median(v) for key, v in vals.items()}


def derive(fd):
    with open(os.path.join(fd.dir, 'lanes.json'), encoding='utf-8') as f:
        doc = json.load(f)
    total = medians(doc, 'items_per_second')
    train = medians(doc, 'train_items_per_second')
    ks = sorted({k for _, k, _ in total})
    n = sorted({nn for _, _, nn in total})[0]

    def series(d, mode):
        return [(k, d.get((mode, k, n))) for k in ks]

    fd.write_dat('throughput.dat', [
        ('batched lanes, with evaluation', ['K', 'per_s'], series(total, 'batched')),
        ('one run after another, with evaluation', ['K', 'per_s'], series(total, 'sequential')),
        ('batched lanes, training only', ['K', 'per_s'], series(train, 'batched')),
        ('one run after another, training only', ['K', 'per_s'], series(train, 'sequential'))])
    speed = [(k, total[('batched', k, n)] / total[('sequential', k, n)],
              train[('batched', k, n)] / train[('sequential', k, n)]) for k in ks]
    fd.write_dat('speedup.dat', [('speed-up', ['K', 'total', 'train'], speed)])
    fd.write_vars({'kmax': max(ks)})
    table = [['K (rates)', 'batched: lane-samples/s', 'sequential: lane-samples/s',
              'speed-up (with evaluation)', 'speed-up (training only)']]
    for k, s_tot, s_train in speed:
        table.append([str(k), fmt(total[('batched', k, n)], 3),
                      fmt(total[('sequential', k, n)], 3), fmt(s_tot, 2), fmt(s_train, 2)])
    load = doc.get('context', {}).get('load_avg')
    return {'table': table, 'speedup': {str(k): [a, b] for k, a, b in speed}, 'images': n,
            'settings': '%d seeded Fashion-MNIST-shaped images per epoch; Google Benchmark, '
                        'minimum time %s s, %s repetition(s), medians; load average when it '
                        'started: %s.' % (n, fd.params.get('min_time', '?'),
                                          fd.params.get('repetitions', '?'),
                                          ', '.join('%.2f' % x for x in load) if load else '?')}


FIGURE = Figure(
    NAME, 13, 'Lane-batched sweeps: throughput against the number of rates',
    'One epoch of softmax regression on 4096 Fashion-MNIST-shaped images (seeded random '
    'pixels: speed does not depend on them) for K learning rates of SGD with momentum, trained '
    'either as K lanes of one pass (`lrlab sweep --batched`: one wider matrix product serves '
    'every lane, each lane bitwise its own run) or as K runs one after another. **(a)** '
    'Lane-samples per second (K × images per second), counting the epoch with its evaluation '
    'rows (solid) and training alone (dashed): one run after another stays flat, while the lanes '
    'share the pass over the data and the loads of each image, so their throughput grows with K. '
    '**(b)** The speed-up of the lanes over sequential runs: '
    'what `--batched` saves a sweep of K rates.',
    derive)
