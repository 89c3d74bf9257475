"""Reference operations for the SSM chapter's build-time comparison table.

The SSM lab grades these operations, so the chapter imports them from here
instead of printing them (this file is in the instructors' repository and is
not published with the book). They accept complex tensors, for the S4D-Lin
model, which the lab's functions need not.
"""

import torch


def zoh(A, B, delta):
    return torch.exp(delta * A), torch.expm1(delta * A) / A * B


def lti_kernel(A_bar, B_bar, C, L):
    return torch.einsum("dn,dnl->dl", C * B_bar, A_bar[..., None] ** torch.arange(L))


def fft_conv(u, K):
    L = u.shape[1]
    spectrum = torch.fft.rfft(u, n=2 * L, dim=1) * torch.fft.rfft(K.T, n=2 * L, dim=0)
    return torch.fft.irfft(spectrum, n=2 * L, dim=1)[:, :L]


def sel_params(x, W_delta, b_delta, W_B, W_C):
    return torch.nn.functional.softplus(x @ W_delta + b_delta), x @ W_B, x @ W_C


def sequential_scan(u, delta, A, B, C):
    A_bar, B_bar = zoh(A, B[:, :, None, :], delta[..., None])    # (b, L, D, N)
    h, ys = torch.zeros_like(A_bar[:, 0]), []
    for t in range(u.shape[1]):
        h = A_bar[:, t] * h + B_bar[:, t] * u[:, t, :, None]
        ys.append(h @ C[:, t, :, None])
    return torch.cat(ys, dim=-1).transpose(1, 2)


