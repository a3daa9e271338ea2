# Figure 12: speed of the update rules C01-C06 (benchmarks/update_rules.c through
# build/lrlab-bench): parameters updated per second against the number of parameters for the
# reference and AVX2 kernels, the roofline loop and PyTorch (results/peer.csv when it exists); and
# seconds per training epoch of the Fashion-MNIST problems (C24, C25), reference against AVX2.
"""Figure 12: kernel throughput against size; epoch times."""

import json
import math
import os

from .common import Figure, fmt

import bench_tidy  # scripts/bench_tidy.py: the medians and roofline fractions of `make bench`

NAME = 'fig12-speed'
KERNELS = ('sgd', 'sgd_momentum', 'sgd_nesterov', 'adagrad', 'rmsprop', 'rmsprop_centered', 'adam',
           'adam_amsgrad', 'adamw')
KTITLES = {'sgd': 'SGD', 'sgd_momentum': 'SGD, momentum', 'sgd_nesterov': 'SGD, Nesterov',
           'adagrad': 'AdaGrad', 'rmsprop': 'RMSProp', 'rmsprop_centered': 'RMSProp, centered',
           'adam': 'Adam', 'adam_amsgrad': 'Adam, AMSGrad', 'adamw': 'AdamW'}
IMPLS = (('ref', 'reference (C)'), ('avx2', 'AVX2'), ('roofline', 'roofline (loads and stores only)'),
         ('torch', 'PyTorch 1.13, one thread'))
# The size the table reads (in cache on most machines) and the largest (from memory).
TABLE_N = ('262144', '16777216')


def read_bench(fd, name):
    """The tidy rows (bench_tidy's medians over repetitions) of the benchmark run NAME, and its
    context (date, load)."""
    with open(os.path.join(fd.dir, name + '.json'), encoding='utf-8') as f:
        doc = json.load(f)
    return bench_tidy.tidy_rows(doc), doc.get('context', {})


def derive(fd):
    out = {}
    rows, ctx = read_bench(fd, 'kernels') if fd.select(part='kernels') else ([], {})
    peer_path = os.path.join(fd.dir, 'peer.csv')
    peer = [r for r in bench_tidy.read_csv(peer_path) if r['impl'] == 'torch'] \
        if os.path.exists(peer_path) else []
    by = {(r['kernel'], r['impl'], r['n']): r for r in rows + peer}
    kernels = [k for k in KERNELS if any(r['kernel'] == k for r in rows)]
    for i, k in enumerate(kernels):
        blocks = []
        for impl, title in IMPLS:
            pts = sorted((int(n), r['items_per_second']) for (kk, im, n), r in by.items()
                         if kk == k and im == impl and n.isdigit() and r['items_per_second'])
            blocks.append((title, ['n', 'items_per_second'], pts or [(math.nan, math.nan)]))
        fd.write_dat('k%d.dat' % i, blocks)
        fd.write_vars({'ktitle_%d' % i: KTITLES.get(k, k)})
    fd.write_vars({'n_kernels': len(kernels), 'has_peer': 1 if peer else 0})

    def ips(k, impl, n):
        r = by.get((k, impl, n))
        return r['items_per_second'] if r and r['items_per_second'] else math.nan

    table = [['update rule', 'N', 'reference (M params/s)', 'AVX2 (M/s)', 'AVX2 / reference',
              'AVX2 / roofline (bytes)'] + (['PyTorch (M/s)', 'AVX2 / PyTorch'] if peer else [])]
    summary = {}
    for k in kernels:
        for n in TABLE_N:
            if (k, 'avx2', n) not in by:
                continue
            ref, avx, tch = ips(k, 'ref', n), ips(k, 'avx2', n), ips(k, 'torch', n)
            frac = by[(k, 'avx2', n)].get('fraction_of_roofline')
            summary['%s/%s' % (k, n)] = {'ref': ref, 'avx2': avx, 'torch': tch,
                                         'roofline_fraction': frac}
            table.append([KTITLES.get(k, k), n, fmt(ref / 1e6), fmt(avx / 1e6), fmt(avx / ref, 2),
                          fmt(frac, 2) if frac else 'n/a'] +
                         ([fmt(tch / 1e6), fmt(avx / tch, 2)] if peer else []))
    out['table'] = table
    out['kernels'] = summary

    epochs = {}
    for r in fd.select(part='epoch'):
        row = r.rows[-1]
        epochs[(r.tags['problem'], r.tags['impl'])] = row['seconds']
    if epochs:
        images = fd.p('epoch_images', int)
        table2 = [['problem', 'reference: s per epoch of %d images' % images,
                   'AVX2: s per epoch', 'AVX2 speed-up', 'AVX2: images per second']]
        for problem in ('fmnist-softmax', 'fmnist-mlp'):
            ref, avx = epochs.get((problem, 'reference')), epochs.get((problem, 'avx2'))
            if ref is None or avx is None:
                continue
            table2.append([problem, fmt(ref, 3), fmt(avx, 3), fmt(ref / avx, 3),
                           fmt(images / avx, 3)])
        out['table2'] = table2
        out['epochs'] = {'%s/%s' % k: v for k, v in epochs.items()}
    load = ctx.get('load_avg')
    out['settings'] = (
        'Google Benchmark, minimum time %s s per benchmark, one repetition (the careful run is '
        '`make bench`: 0.05 s, 5 repetitions); load average when it started: %s; %s build of the '
        'benchmark library.%s' % (
            fd.params.get('min_time', '?'),
            ', '.join('%.2f' % x for x in load) if load else 'unknown',
            ctx.get('library_build_type', 'unknown'),
            (' PyTorch: results/peer.csv of %s (`make bench-peer`).' % fd.params['peer_date'])
            if peer else ' No PyTorch curve: results/peer.csv is absent (`make bench-peer`).'))
    return out


FIGURE = Figure(
    NAME, 12, 'Speed: update rules against size, and epoch times',
    'Parameters updated per second by one call of each update rule (C01-C06) against the number '
    'of parameters, on one core: the reference C kernel (plain loops, the readable '
    'specification), the AVX2 kernel (8 floats per instruction, fused multiply-add), and the '
    'roofline, a loop that makes exactly the AVX2 kernel\'s loads and stores with no arithmetic, '
    'which bounds what any kernel of that traffic can do on this machine; PyTorch\'s '
    '`torch.optim` (one thread, the faster of its two code paths) when `make bench-peer` has '
    'measured it. The AVX2 kernels run one to two orders of magnitude ahead of the reference at '
    'every size; at 2²⁴ parameters (several arrays of 64 MB) they run at or near the roofline: '
    'they wait for memory, and faster arithmetic would not help. A short run inside the report (a small minimum time, one repetition, while '
    'other work may share the machine): the shape is right, single points can be off by tens of '
    'percent. The table below gives the epoch times of the two Fashion-MNIST problems with the '
    'reference and AVX2 kernels (lrlab train\'s seconds column: training only).',
    derive)
