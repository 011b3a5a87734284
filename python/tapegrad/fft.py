"""tg.fft: torch.fft's discrete Fourier transforms (fft, ifft, rfft, irfft, hfft, ihfft and their
2-D and n-D forms, with norm="backward", "ortho" or "forward"), fftfreq / rfftfreq and
fftshift / ifftshift; differentiable, on complex64 / complex128 tensors on the CPU."""
from ._C.fft import *  # noqa: F401,F403
