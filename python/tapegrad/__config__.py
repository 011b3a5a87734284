"""What this build of tapegrad runs on (torch.__config__): the compiler, the libraries under the
CPU and CUDA kernels, which of OpenBLAS's kernels this CPU gets, and the threads."""
from . import _C


def show() -> str:
    """The build and its libraries, a line each."""
    return _C._config_show()


def parallel_info() -> str:
    """The CPU threads: tapegrad's and OpenMP's counts, the cores, the environment variables that set them."""
    return _C._config_parallel_info()
