#!/usr/bin/env python3
"""Prints tapegrad's and libtorch's Google Benchmark JSON results side by side.

usage: compare.py tapegrad.json libtorch.json
"ratio" is libtorch's time over tapegrad's: above 1 means tapegrad is faster.
"""
import json
import sys


def load(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b["run_name"] if "run_name" in b else b["name"]
        out[name] = b
    return out, data.get("context", {})


def rate(b):
    if "bytes_per_second" in b:
        return f'{b["bytes_per_second"] / 1e9:7.1f} GB/s'
    if "FLOP/s" in b:
        return f'{b["FLOP/s"] / 1e9:7.1f} GFLOP/s'
    return ""


def main():
    ours, ctx = load(sys.argv[1])
    theirs, _ = load(sys.argv[2])
    print(f'machine: {ctx.get("num_cpus", "?")} CPUs at {ctx.get("mhz_per_cpu", "?")} MHz')
    print(f'{"benchmark (/1: one thread, /0: all)":38} {"tapegrad":>22} {"libtorch":>22} {"ratio":>7}')
    for name, b in ours.items():
        t = theirs.get(name)
        unit = b["time_unit"]
        mine = f'{b["real_time"]:.3f} {unit} {rate(b)}'
        if t is None:
            print(f"{name:38} {mine:>22}")
            continue
        other = f'{t["real_time"]:.3f} {t["time_unit"]} {rate(t)}'
        print(f"{name:38} {mine:>22} {other:>22} {t['real_time'] / b['real_time']:7.2f}")


if __name__ == "__main__":
    main()
