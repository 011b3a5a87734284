"""tg.utils.cpp_extension: the documented example (examples/extension) built, cached, called,
differentiated and gradchecked; build errors reported with the compiler's output."""
import os
import time

import pytest

import tapegrad as tg

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "extension")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("extensions"))
    old = os.environ.get("TAPEGRAD_EXTENSIONS_DIR")
    os.environ["TAPEGRAD_EXTENSIONS_DIR"] = path
    yield path
    if old is None:
        del os.environ["TAPEGRAD_EXTENSIONS_DIR"]
    else:
        os.environ["TAPEGRAD_EXTENSIONS_DIR"] = old


@pytest.fixture(scope="module")
def swish_ext(cache):
    return tg.utils.cpp_extension.load("swish_ext", sources=[os.path.join(EXAMPLE, "swish.cpp")])


def test_the_example_records_on_the_tape(swish_ext):
    x = tg.randn(6, requires_grad=True)
    y = swish_ext.swish(x, 1.5)
    assert tg.allclose(y, x * tg.sigmoid(1.5 * x), atol=1e-6)
    assert y.grad_fn.name() == "SwishFnBackward"
    y.sum().backward()
    s = tg.sigmoid(1.5 * x.detach())
    assert tg.allclose(x.grad, s + 1.5 * x.detach() * s * (1 - s), atol=1e-6)
    xd = tg.randn(4, dtype=tg.float64, requires_grad=True)
    assert tg.autograd.gradcheck(lambda t: swish_ext.swish(t, 0.7), [xd])
    a, gate = swish_ext.swish_and_gate(x, 2.0)
    assert a.shape == gate.shape == (6,)


def test_loading_again_uses_the_cache(swish_ext, cache):
    start = time.perf_counter()
    again = tg.utils.cpp_extension.load("swish_ext", sources=[os.path.join(EXAMPLE, "swish.cpp")])
    assert time.perf_counter() - start < 0.5
    assert again.__file__ == swish_ext.__file__ and again.__file__.startswith(cache)


def test_errors(cache, tmp_path):
    bad = tmp_path / "bad.cpp"
    bad.write_text('#include <tapegrad/extension.h>\ntg::Tensor f(const tg::Tensor& x) { return x +; }\n')
    with pytest.raises(tg.utils.cpp_extension.ExtensionBuildError, match="expected primary-expression"):
        tg.utils.cpp_extension.load("bad_ext", sources=[str(bad)])
    with pytest.raises(FileNotFoundError):
        tg.utils.cpp_extension.load("missing_ext", sources=[str(tmp_path / "nope.cpp")])
    empty = tmp_path / "empty.cpp"
    empty.write_text("int unrelated() { return 1; }\n")
    with pytest.raises(RuntimeError, match="registers no ops"):
        tg.utils.cpp_extension.load("empty_ext", sources=[str(empty)])


def test_argument_errors(swish_ext):
    with pytest.raises(TypeError, match="swish: argument 1 must be a number"):
        swish_ext.swish(tg.ones(2), "fast")
    with pytest.raises(TypeError, match="float32 or float64"):
        swish_ext.swish(tg.ones(2, dtype=tg.int64), 1.0)
