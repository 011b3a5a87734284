#!/usr/bin/env bash
# tg.special against torch.special on the CPU: bench_special.py under both, side by side. PYTHON
# names an interpreter with torch; the tapegrad extension must have been built for it (see
# compare_python.sh).
#   [PYTHON=python3] benchmarks/compare_special.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
py=${PYTHON:-python3}
PYTHONPATH="$build/python" OMP_NUM_THREADS=1 "$py" benchmarks/bench_special.py tapegrad > "$build/bench_special.txt"
OMP_NUM_THREADS=1 "$py" benchmarks/bench_special.py torch > "$build/bench_special_torch.txt"
python3 benchmarks/side_by_side.py "$build/bench_special.txt" "$build/bench_special_torch.txt"
