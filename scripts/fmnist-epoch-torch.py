#!/usr/bin/python3
"""C24/C25 speed peer: one epoch of minibatch training (forward, backward, SGD step) in PyTorch 1.13
on one thread, for softmax regression and an MLP, timed the way scripts/fmnist-epoch.c times lrlab.
Run through scripts/fmnist-epoch.sh, which pins PyTorch and OpenBLAS to one thread."""
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch


def load_images(path):
    with gzip.open(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 0x803
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(n, rows * cols)


def load_labels(path):
    with gzip.open(path, "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        assert magic == 0x801
        return np.frombuffer(f.read(), dtype=np.uint8)


def epoch_seconds(model, x, y, batch, seed):
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(seed))
    start = time.perf_counter()
    for i in range(0, x.shape[0], batch):
        idx = perm[i:i + batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main():
    torch.set_num_threads(1)
    data = os.environ.get("LRLAB_DATA", "/usr/share/datasets/fashion-mnist")
    x = torch.from_numpy(load_images(os.path.join(data, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255.0)
    y = torch.from_numpy(load_labels(os.path.join(data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    batch = 128
    models = {
        "softmax": lambda: torch.nn.Linear(784, 10),
        "mlp-784-100-10": lambda: torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(),
                                                      torch.nn.Linear(100, 10)),
    }
    print("threads", torch.get_num_threads())
    for name, make in models.items():
        torch.manual_seed(0)
        model = make()
        times = [epoch_seconds(model, x, y, batch, r) for r in range(reps)]
        print(f"torch {name} batch {batch}: best {min(times):.4f} s/epoch, median {sorted(times)[len(times)//2]:.4f}")


if __name__ == "__main__":
    main()
