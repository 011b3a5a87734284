#!/usr/bin/env bash
# Random draws against PyTorch's on the CPU: bench_random.py under both, side by side. PYTHON
# names an interpreter with torch; the tapegrad extension must have been built for it (see
# compare_python.sh).
#   [PYTHON=python3] benchmarks/compare_random.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
py=${PYTHON:-python3}
PYTHONPATH="$build/python" OMP_NUM_THREADS=1 "$py" benchmarks/bench_random.py tapegrad > "$build/bench_random.txt"
OMP_NUM_THREADS=1 "$py" benchmarks/bench_random.py torch > "$build/bench_random_torch.txt"
python3 benchmarks/side_by_side.py "$build/bench_random.txt" "$build/bench_random_torch.txt"
