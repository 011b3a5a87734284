#!/usr/bin/env bash
# Runs bench_cuda and its PyTorch twin (bench_cuda_torch.py; PYTHON names the interpreter with
# torch) on this machine's GPU, one after the other, and prints the figures side by side with the
# ratio (above 1: tapegrad is better). For the lent GPU machine:
#   [PYTHON=python3] benchmarks/compare_cuda.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
cmake -S . -B "$build" -G Ninja -Wno-dev -DCMAKE_BUILD_TYPE=Release -DTG_BUILD_TESTS=OFF -DTG_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target bench_cuda >/dev/null
"$build/benchmarks/bench_cuda" > "$build/bench_cuda.txt"
"${PYTHON:-python3}" benchmarks/bench_cuda_torch.py > "$build/bench_cuda_torch.txt"
python3 benchmarks/side_by_side.py "$build/bench_cuda.txt" "$build/bench_cuda_torch.txt"
