"""tg.utils.cpp_extension: build C++ and CUDA sources against tapegrad and import the result.

    ext = tg.utils.cpp_extension.load("swish_ext", sources=["swish.cpp", "swish_cuda.cu"])
    y = ext.swish(x, 1.0)

The sources include <tapegrad/extension.h> and mark functions with TG_EXTENSION_OP; those
become attributes of the returned module. An op written as a tg::autograd::Function records on
the tape like a built-in op. Builds use the compilers and flags tapegrad itself was built with,
and are cached by a hash of the sources' contents and the flags (under $TAPEGRAD_EXTENSIONS_DIR,
default ~/.cache/tapegrad/extensions): loading an unchanged extension again does not compile.
With .cu sources, the .cpp files see TG_EXTENSION_WITH_CUDA defined.
"""
import concurrent.futures
import hashlib
import os
import shlex
import subprocess
import tempfile
import types

from .. import _C

__all__ = ["load", "include_paths", "library_paths", "ExtensionBuildError"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ExtensionBuildError(RuntimeError):
    """A compiler or linker failed; the message holds its command line and output."""


def _info():
    return _C.ext.build_info()


def include_paths(cuda=False):
    """The -I directories an extension needs: tapegrad's headers (the installed copy first), fmt's."""
    info = _info()
    installed = os.path.join(_PACKAGE_DIR, "include")
    dirs = info["include_dirs"].split(":")
    if os.path.exists(os.path.join(installed, "tapegrad", "extension.h")):
        dirs = [installed] + dirs[1:]
    if cuda and info.get("cuda_include_dir"):
        dirs.append(info["cuda_include_dir"])
    return [d for d in dirs if d]


def library_paths(cuda=False):
    """The directories holding libtapegrad (and the CUDA runtime when asked)."""
    info = _info()
    installed = os.path.join(_PACKAGE_DIR, "lib")
    dirs = [installed if os.path.isdir(installed) else info["library_dir"]]
    if cuda and info.get("cuda_library_dir"):
        dirs.append(info["cuda_library_dir"])
    return dirs


def _cache_root():
    return os.environ.get("TAPEGRAD_EXTENSIONS_DIR",
                          os.path.join(os.path.expanduser("~"), ".cache", "tapegrad", "extensions"))


def _run(cmd, verbose):
    if verbose:
        print(" ".join(shlex.quote(c) for c in cmd), flush=True)
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise ExtensionBuildError(f"building the extension failed:\n$ {' '.join(cmd)}\n{result.stdout}")
    if verbose and result.stdout:
        print(result.stdout, flush=True)


def load(name, sources, extra_cflags=None, extra_cuda_cflags=None, extra_ldflags=None, extra_include_paths=None,
         build_directory=None, verbose=False):
    """Compiles `sources` (.cpp/.cc/.cu) into a shared library named `name`, loads it, and returns a
    module whose attributes are the library's TG_EXTENSION_OP functions."""
    if not name.isidentifier():
        raise ValueError(f"cpp_extension.load: name must be a Python identifier, got {name!r}")
    if isinstance(sources, str):
        sources = [sources]
    sources = [os.path.abspath(s) for s in sources]
    missing = [s for s in sources if not os.path.isfile(s)]
    if missing:
        raise FileNotFoundError(f"cpp_extension.load: no such source file: {', '.join(missing)}")
    unknown = [s for s in sources if os.path.splitext(s)[1] not in (".cpp", ".cc", ".cxx", ".cu")]
    if unknown:
        raise ValueError(f"cpp_extension.load: sources must be .cpp, .cc, .cxx or .cu files, got {', '.join(unknown)}")
    info = _info()
    cuda = any(s.endswith(".cu") for s in sources)
    if cuda and "nvcc" not in info:
        raise RuntimeError("cpp_extension.load: .cu sources need a CUDA build of tapegrad (this one has no CUDA backend)")

    includes = [f"-I{d}" for d in include_paths(cuda) + list(extra_include_paths or [])]
    cxx = [info["cxx"], *info["cxx_flags"].split(), *includes, *(["-DTG_EXTENSION_WITH_CUDA"] if cuda else []),
           *(extra_cflags or [])]
    nvcc = [info["nvcc"], *info["cuda_flags"].split(), *includes, *(extra_cuda_cflags or [])] if cuda else []
    lib_dirs = library_paths(cuda)
    ldflags = [*(f"-L{d}" for d in lib_dirs), *(f"-Wl,-rpath,{d}" for d in lib_dirs), "-ltapegrad",
               *(["-lcudart"] if cuda else []), *(extra_ldflags or [])]

    digest = hashlib.sha256()
    # A rebuilt tapegrad (new headers, new library) makes new extension builds.
    libraries = [_C.__file__, *(os.path.join(d, "libtapegrad.so") for d in lib_dirs[:1])]
    stamps = [f"{p}:{os.stat(p).st_mtime_ns}:{os.stat(p).st_size}" for p in libraries if os.path.exists(p)]
    for part in [*stamps, *cxx, *nvcc, *ldflags]:
        digest.update(part.encode() + b"\0")
    for s in sources:
        digest.update(os.path.basename(s).encode() + b"\0")
        with open(s, "rb") as f:
            digest.update(f.read())
    build_dir = build_directory or os.path.join(_cache_root(), f"{name}_{digest.hexdigest()[:16]}")
    library = os.path.join(build_dir, f"{name}.so")

    if not os.path.exists(library):
        os.makedirs(build_dir, exist_ok=True)
        objects, commands = [], []
        for i, s in enumerate(sources):
            obj = os.path.join(build_dir, f"{i}_{os.path.basename(s)}.o")
            objects.append(obj)
            commands.append([*(nvcc if s.endswith(".cu") else cxx), "-c", s, "-o", obj])
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(lambda c: _run(c, verbose), commands))
        # Linked to a temporary name and renamed: processes building the same extension at once
        # never load a half-written file.
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=build_dir)
        os.close(fd)
        _run([info["cxx"], "-shared", *objects, "-o", tmp, *ldflags], verbose)
        os.replace(tmp, library)

    module = types.ModuleType(name, f"tapegrad extension built from {', '.join(map(os.path.basename, sources))}")
    module.__file__ = library
    for op in _C.ext.load_library(library):
        setattr(module, op.name, op)
    return module
