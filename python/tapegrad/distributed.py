"""tg.distributed: tapegrad has no process groups yet (NCCL / MPI training is planned), so, as a
PyTorch build without distributed support, it says it is not available; code that checks
``dist.is_available() and dist.is_initialized()`` runs its single-process path."""


def is_available():
    return False


def is_initialized():
    """No process group is ever initialized here."""
    return False
