"""Executes examples/notebooks/fashion_mnist.ipynb (quick mode: a slice of the data) and fails if
any cell fails."""
import os

import pytest

NOTEBOOK = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "notebooks", "fashion_mnist.ipynb")


def test_fashion_mnist_notebook_runs():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if not os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
        pytest.skip("Fashion-MNIST is not installed (Debian's dataset-fashion-mnist)")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env_before = os.environ.get("TAPEGRAD_NOTEBOOK_QUICK")
    os.environ["TAPEGRAD_NOTEBOOK_QUICK"] = "1"
    os.environ.setdefault("MPLBACKEND", "Agg")
    # The kernel runs in the notebook's folder: it must find this tapegrad by an absolute path.
    import tapegrad

    package_root = os.path.dirname(os.path.dirname(os.path.abspath(tapegrad.__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [os.environ.get("PYTHONPATH")])])
    try:
        client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": os.path.dirname(NOTEBOOK)}})
        client.execute()
    finally:
        if env_before is None:
            del os.environ["TAPEGRAD_NOTEBOOK_QUICK"]
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "test accuracy" in outputs and "op: log" in outputs
