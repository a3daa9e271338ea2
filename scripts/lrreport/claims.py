# K01-K12: the claims the report tests, in the words of the concept catalogue, and what the claims
# without an experiment yet are waiting for. Rules live next to the figures that measure them.
"""The claim catalogue (statements) and the claims that cannot be measured yet."""

STATEMENTS = {
    'K01': 'A rate that is too large oscillates or diverges: on a quadratic, plain GD diverges '
           'exactly when lr > 2/L.',
    'K02': 'A rate that is too small converges slowly: steps-to-tolerance grow like 1/lr.',
    'K03': 'There is a best fixed rate; on a quadratic it is 2/(L+mu); steps-to-tolerance versus '
           'lr is U-shaped.',
    'K04': 'Decaying the rate beats a fixed rate under gradient noise (fixed-rate SGD stalls at a '
           'floor that grows with lr).',
    'K05': 'Noisy labels and outliers favour smaller rates (best lr falls as noise grows).',
    'K06': 'Momentum speeds up ill-conditioned problems (steps grow like sqrt(kappa) instead of '
           'kappa).',
    'K07': 'Adaptive methods cope with badly scaled parameters and are less sensitive to the rate '
           '(wider band of good rates).',
    'K08': "The range test's suggestion lands inside the band of good rates found by a full sweep.",
    'K09': 'Cyclical / one-cycle schedules reach a target accuracy in fewer epochs than a fixed '
           'rate.',
    'K10': 'Random search finds a good rate with fewer trials than grid search when other '
           'hyperparameters vary too.',
    'K11': 'A cross-validated rate generalises about as well as the best rate chosen on the test '
           'set.',
    'K12a': '"A small rate raises the risk of overfitting."',
    'K12b': '"A large rate converges too fast to a poor solution."',
    'K12c': '"Adaptive methods estimate eigenvectors of the Hessian" (they keep per-coordinate '
            'second-moment averages).',
}

K12_INTRO = ('Doubtful statements that circulate about learning rates, each tested like the '
             'other claims.')

# Claims with no experiment in this tree yet: what they wait for (none now; a claim whose figure
# did not run is listed as not yet measured with the missing runs named).
UNMEASURED = {}

# The figures the issue asks for (numbered as there) and what each waits for when no module in
# this package draws it yet.
ISSUE_FIGURES = {
    1: ('Convergence on the quadratic', ''),
    2: ('Speed against the learning rate', ''),
    3: ('Rosenbrock trajectories', ''),
    4: ('Badly scaled quadratic', ''),
    5: ('Fashion-MNIST softmax and MLP: test loss per epoch at each optimizer\'s best rate',
        'the Fashion-MNIST files (dataset-fashion-mnist or LRLAB_DATA)'),
    6: ('Sensitivity: final accuracy and loss against the rate, with seed spread; epochs to a '
        'target accuracy', 'the Fashion-MNIST files (dataset-fashion-mnist or LRLAB_DATA)'),
    7: ('Schedule gallery', ''),
    8: ('Schedules compared on the MLP (K04, K09)',
        'the Fashion-MNIST files (dataset-fashion-mnist or LRLAB_DATA)'),
    9: ('Noise, outliers and rate floors', ''),
    10: ('Range test against a sweep', ''),
    11: ('Search: grid against random; cross-validated choice against the test-set oracle '
         '(K10, K11)', 'the Fashion-MNIST files (dataset-fashion-mnist or LRLAB_DATA)'),
    12: ('Speed: kernel throughput against size, roofline, epoch times',
         'build/lrlab-bench (`make build/lrlab-bench`; `make report` builds it)'),
    13: ('Lane-batched sweeps: throughput against K',
         'build/lrlab-bench (`make build/lrlab-bench`; `make report` builds it)'),
}
