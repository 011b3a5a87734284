#!/usr/bin/env bash
# Python per-op overhead: bench_python.py under tapegrad (from the build tree's package) and
# under PyTorch, side by side. PYTHON names an interpreter that has torch (the GPU machine's);
# the tapegrad extension must have been built for that interpreter:
#   cmake -S . -B build -DTG_BUILD_PYTHON=ON -DPython_EXECUTABLE=$(which python3) && ninja -C build tapegrad_python
#   [PYTHON=python3] benchmarks/compare_python.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
py=${PYTHON:-python3}
PYTHONPATH="$build/python" "$py" benchmarks/bench_python.py tapegrad > "$build/bench_python.txt"
"$py" benchmarks/bench_python.py torch > "$build/bench_python_torch.txt"
python3 benchmarks/side_by_side.py "$build/bench_python.txt" "$build/bench_python_torch.txt"
