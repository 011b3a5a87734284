#!/usr/bin/env bash
# Builds tapegrad's core benchmark and its libtorch twin, runs both on this machine and prints
# them side by side. Needs a Python with torch (the GPU machine has one) and Google Benchmark.
#   benchmarks/compare.sh [output-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/compare}
mkdir -p "$out"
cmake -S . -B build-bench -G Ninja -Wno-dev -DCMAKE_BUILD_TYPE=Release -DTG_BUILD_TESTS=OFF \
      -DTG_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-bench --target bench_core
torch_dir=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
abi=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
cmake -S benchmarks/libtorch -B build-bench/libtorch -G Ninja -Wno-dev -DCMAKE_BUILD_TYPE=Release \
      -DTORCH_DIR="$torch_dir" -DTORCH_CXX11_ABI="$abi" >/dev/null
cmake --build build-bench/libtorch
args=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_format=json)
build-bench/benchmarks/bench_core "${args[@]}" > "$out/tapegrad.json"
build-bench/libtorch/bench_libtorch "${args[@]}" > "$out/libtorch.json"
python3 -c 'import torch; print("libtorch", torch.__version__)'
python3 benchmarks/compare.py "$out/tapegrad.json" "$out/libtorch.json" | tee "$out/table.txt"
