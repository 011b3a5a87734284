"""Thousands of random calls with odd arguments (_random_calls.py) end in errors or results, never
in a crash: each family runs in a child process, whose exit status says."""
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "_random_calls.py")


@pytest.mark.parametrize("family", ["functions", "methods", "modules"])
def test_random_calls_do_not_crash(family):
    run = subprocess.run([sys.executable, SCRIPT, family, "1", "20", "200"], capture_output=True, text=True,
                         timeout=600)
    last = run.stdout.strip().splitlines()[-3:]
    assert run.returncode == 0, f"exit status {run.returncode} after:\n" + "\n".join(last) + "\n" + run.stderr[-2000:]
    assert last[-1] == "DONE"
