#!/usr/bin/env bash
# linear_cross_entropy, reference and chunked, against PyTorch's on the CPU: bench_vocab_head.py
# under both, side by side (time and the peak memory a step adds). PYTHON names an interpreter
# with torch 2.15 or later; the tapegrad extension must have been built for it (compare_python.sh).
#   [PYTHON=python3] benchmarks/compare_vocab_head.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
py=${PYTHON:-python3}
PYTHONPATH="$build/python" "$py" benchmarks/bench_vocab_head.py tapegrad > "$build/bench_vocab_head.txt"
"$py" benchmarks/bench_vocab_head.py torch > "$build/bench_vocab_head_torch.txt"
python3 benchmarks/side_by_side.py "$build/bench_vocab_head.txt" "$build/bench_vocab_head_torch.txt"
