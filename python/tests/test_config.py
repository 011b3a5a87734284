"""tapegrad.__config__: the build report, and the OpenBLAS core it runs on this CPU."""
import os
import subprocess
import sys

import pytest

import tapegrad as tg


def test_show_names_the_build_and_its_libraries():
    s = tg.__config__.show()
    assert s.startswith("tapegrad ")
    for part in ("C++ compiler: ", "oneDNN ", "BLAS: ", "LAPACK", "CUDA: "):
        assert part in s
    assert f"({tg.get_num_threads()} in use)" in s


def test_parallel_info_follows_set_num_threads():
    before = tg.get_num_threads()
    tg.set_num_threads(1)
    try:
        assert "tg::get_num_threads(): 1\n" in tg.__config__.parallel_info()
    finally:
        tg.set_num_threads(before)


def _show_in_child(**env):
    child_env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    child_env.update(env)
    code = "import os, tapegrad; print(tapegrad.__config__.show()); print(os.environ.get('OPENBLAS_CORETYPE'))"
    return subprocess.run([sys.executable, "-c", code], env=child_env, capture_output=True, text=True,
                          check=True).stdout


def test_a_users_openblas_coretype_is_kept():
    if "OpenBLAS" not in tg.__config__.show():
        pytest.skip("the BLAS here is not OpenBLAS: no core to choose")
    s = _show_in_child(OPENBLAS_CORETYPE="Nehalem")
    assert " Nehalem " in s and "chosen by tapegrad" not in s


def test_openblas_never_runs_its_generic_kernels_on_an_avx_cpu():
    s = _show_in_child()
    # tapegrad's choice does not stay in the environment that the process's children inherit
    assert s.rstrip().endswith("None")
    if "OpenBLAS" not in s:
        pytest.skip("the BLAS here is not OpenBLAS")
    with open("/proc/cpuinfo") as f:
        flags = next((line.split() for line in f if line.startswith("flags")), [])
    if "avx" not in flags:
        pytest.skip("a CPU without AVX: the generic kernels are the right ones")
    assert " Prescott " not in s.replace("fell back to Prescott", "")
