"""safetensors interop: Python's `safetensors` writes, tapegrad reads and checks, tapegrad writes,
Python reads and checks. Usage: safetensors_interop.py <safetensors_peer executable> <tmp dir>"""
import os
import subprocess
import sys

import numpy as np
from safetensors.numpy import load_file, save_file

DTYPES = {"f64": np.float64, "f32": np.float32, "f16": np.float16, "i64": np.int64,
          "i32": np.int32, "i8": np.int8, "u8": np.uint8, "bool": np.bool_}


def expected(name, shape):
    k = np.arange(int(np.prod(shape)), dtype=np.int64)
    if name == "bool":
        return (k % 2 == 1).reshape(shape)
    return ((k * 7 + 3) % 11 - 5).astype(DTYPES[name]).reshape(shape)


def main():
    peer, tmp = sys.argv[1], sys.argv[2]
    src, dst = os.path.join(tmp, "from_python.safetensors"), os.path.join(tmp, "from_tapegrad.safetensors")
    shapes = {"f64": (3,), "f32": (2, 5), "f16": (4, 1, 2), "i64": (), "i32": (7,), "i8": (0, 3),
              "u8": (3, 3), "bool": (5,)}
    save_file({n: expected(n, s) for n, s in shapes.items()}, src, metadata={"writer": "python"})
    subprocess.run([peer, src, dst], check=True)
    with open(dst, "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        assert (8 + header_len) % 8 == 0, "data section not 8-byte aligned"
    from safetensors import safe_open
    with safe_open(dst, framework="numpy") as f:
        assert f.metadata() == {"writer": "tapegrad"}, f.metadata()
    back = load_file(dst)
    assert set(back) == set(DTYPES), sorted(back)
    for name in DTYPES:
        want = expected(name, (2, 3, 4)).transpose(2, 1, 0)
        assert back[name].dtype == want.dtype, (name, back[name].dtype)
        assert np.array_equal(back[name], want), name
    print("safetensors interop: Python -> tapegrad -> Python, %d dtypes, values equal" % len(DTYPES))


if __name__ == "__main__":
    main()
