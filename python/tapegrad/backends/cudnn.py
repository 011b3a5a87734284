"""tg.backends.cudnn (``import tapegrad.backends.cudnn as cudnn`` works, as torch's): ``allow_tf32``
(on by default) lets cuDNN convolutions use TF32; ``deterministic`` keeps convolutions to cuDNN's
deterministic algorithms. ``benchmark`` is accepted and has no effect: convolution algorithms are
always chosen once per shape and cached. ``enabled`` is torch's switch, kept for scripts that set it;
cuDNN stays in use."""
from .. import _C
from ._switches import switch, with_switches

enabled = True
benchmark = False


def is_available():
    return _C.cuda.is_available()


with_switches(__name__, deterministic=switch(_C.cuda.cudnn_deterministic, _C.cuda.set_cudnn_deterministic),
              allow_tf32=switch(_C.cuda.cudnn_allow_tf32, _C.cuda.set_cudnn_allow_tf32))
