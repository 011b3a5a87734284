"""Prints two benchmark outputs ("name value unit" lines, a title first) side by side with the
ratio: above 1 means the first (tapegrad) is better, whether the unit is a rate or a time.
usage: side_by_side.py ours.txt theirs.txt"""
import sys

HIGHER_IS_BETTER = {"samples/s", "GB/s", "TFLOP/s", "GFLOP/s"}


def load(path):
    rows = {}
    for line in open(path):
        parts = line.split()
        if len(parts) == 3:
            try:
                rows[parts[0]] = (float(parts[1]), parts[2])
            except ValueError:
                pass
    return rows


def main():
    ours, theirs = load(sys.argv[1]), load(sys.argv[2])
    print(open(sys.argv[1]).readline().strip(), "|", open(sys.argv[2]).readline().strip())
    print(f'{"figure":36} {"tapegrad":>18} {"PyTorch":>18} {"ratio":>7}')
    for name, (v, unit) in ours.items():
        if name not in theirs:
            continue
        t = theirs[name][0]
        better = v / t if unit in HIGHER_IS_BETTER else t / v
        print(f"{name:36} {v:10.2f} {unit:>7} {t:10.2f} {unit:>7} {better:7.2f}")


if __name__ == "__main__":
    main()
