"""tg.nn.utils.convert_parameters: PyTorch's module path for parameters_to_vector and
vector_to_parameters, which are tg.nn.utils's."""
from ..._C.nn.utils import parameters_to_vector, vector_to_parameters  # noqa: F401

__all__ = ["parameters_to_vector", "vector_to_parameters"]
