#!/usr/bin/env bash
# Runs bench_nn and its PyTorch twin (bench_nn_torch.py; PYTHON names the interpreter with torch)
# on this machine, one after the other,
# and prints the figures side by side. Needs a Python with torch (the GPU machine has one).
#   [PYTHON=python3] benchmarks/compare_nn.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
cmake -S . -B "$build" -G Ninja -Wno-dev -DCMAKE_BUILD_TYPE=Release -DTG_BUILD_TESTS=OFF -DTG_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target bench_nn >/dev/null
"$build/benchmarks/bench_nn" > "$build/bench_nn.txt"
"${PYTHON:-python3}" benchmarks/bench_nn_torch.py > "$build/bench_nn_torch.txt"
python3 benchmarks/side_by_side.py "$build/bench_nn.txt" "$build/bench_nn_torch.txt"
