#!/bin/sh
# C24/C25 speed check (not a test): one epoch of minibatch training, batch 128, for softmax
# regression and an MLP 784-100-10, with lrlab's reference and AVX2 tables and with PyTorch 1.13 on
# one thread (forward, backward, SGD step per batch). Usage: scripts/fmnist-epoch.sh [REPS]
# PyTorch here links the system libblas.so.3; set OPENBLAS_LIB=/dir/with/openblas/libblas.so.3 to
# time it on OpenBLAS instead (the peer the issue names), e.g. a directory unpacked from the
# libopenblas0-pthread .deb with `apt-get download` and `dpkg -x`.
set -eu
cd "$(dirname "$0")/.."
REPS=${1:-5}
make -s -j2 build/liblrlab.a
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Iinclude \
    scripts/fmnist-epoch.c build/liblrlab.a -lz -lm -lsleef -o build/fmnist-epoch
build/fmnist-epoch "$REPS"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "PyTorch on the system BLAS ($(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)):"
/usr/bin/python3 scripts/fmnist-epoch-torch.py "$REPS"
if [ -n "${OPENBLAS_LIB:-}" ]; then
    echo "PyTorch on OpenBLAS ($OPENBLAS_LIB):"
    LD_LIBRARY_PATH="$OPENBLAS_LIB" /usr/bin/python3 scripts/fmnist-epoch-torch.py "$REPS"
fi
