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
python3 - "$build/bench_nn.txt" "$build/bench_nn_torch.txt" <<'PY'
import sys
def load(p):
    rows = {}
    for line in open(p):
        parts = line.split()
        if len(parts) == 3:
            rows[parts[0]] = (float(parts[1]), parts[2])
    return rows
ours, theirs = load(sys.argv[1]), load(sys.argv[2])
print(open(sys.argv[1]).readline().strip(), "|", open(sys.argv[2]).readline().strip())
print(f'{"figure (/threads)":36} {"tapegrad":>14} {"PyTorch":>14} {"ratio":>7}')
for name, (v, unit) in ours.items():
    if name not in theirs:
        continue
    t = theirs[name][0]
    better = v / t if unit == "samples/s" else t / v   # above 1: tapegrad is faster
    print(f"{name:36} {v:10.2f} {unit:>3.3} {t:10.2f} {unit:>3.3} {better:7.2f}")
PY
