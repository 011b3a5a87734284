#!/usr/bin/env bash
# tg.fft and complex arithmetic against torch.fft on the CPU: bench_fft.py under both, side by
# side. PYTHON names an interpreter with torch; the tapegrad extension must have been built for
# it (see compare_python.sh).
#   [PYTHON=python3] benchmarks/compare_fft.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
py=${PYTHON:-python3}
PYTHONPATH="$build/python" OMP_NUM_THREADS=1 "$py" benchmarks/bench_fft.py tapegrad > "$build/bench_fft.txt"
OMP_NUM_THREADS=1 "$py" benchmarks/bench_fft.py torch > "$build/bench_fft_torch.txt"
python3 benchmarks/side_by_side.py "$build/bench_fft.txt" "$build/bench_fft_torch.txt"
