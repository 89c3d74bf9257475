"""Small networks used across the labs."""

from __future__ import annotations

import math

import torch
from torch import nn


class MLP(nn.Sequential):
    """``depth`` hidden layers of width ``hidden`` with SiLU activations."""

    def __init__(self, in_dim: int, out_dim: int, hidden: int = 128, depth: int = 3):
        layers: list[nn.Module] = []
        width = in_dim
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        layers.append(nn.Linear(width, out_dim))
        super().__init__(*layers)


def time_features(t: torch.Tensor, n: int, n_freq: int = 4) -> torch.Tensor:
    """Broadcast time to shape ``(n, 1)`` and append Fourier features ``sin/cos(2^k pi t)``.

    ``t`` may be a Python float, a 0-d tensor, or a tensor of shape ``(n,)`` or
    ``(n, 1)``; the network sees the same thing in every case.
    """
    t = torch.as_tensor(t, dtype=torch.get_default_dtype())
    t = t.reshape(-1, 1).expand(n, 1) if t.numel() == 1 else t.reshape(n, 1)
    freqs = math.pi * 2.0 ** torch.arange(n_freq, dtype=t.dtype)
    return torch.cat([t, torch.sin(freqs * t), torch.cos(freqs * t)], dim=1)


class VelocityField(nn.Module):
    """A time-dependent vector field ``v_theta(x, t)`` on ``R^dim``.

    Call it as ``v(x, t)`` with ``x`` of shape ``(n, dim)`` and ``t`` a scalar or
    a tensor of shape ``(n,)``/``(n, 1)``; returns a tensor of shape ``(n, dim)``.
    """

    def __init__(self, dim: int = 2, hidden: int = 128, depth: int = 3, n_freq: int = 4):
        super().__init__()
        self.n_freq = n_freq
        self.net = MLP(dim + 1 + 2 * n_freq, dim, hidden, depth)

    def forward(self, x: torch.Tensor, t) -> torch.Tensor:
        tf = time_features(t, x.shape[0], self.n_freq).to(x.dtype)
        return self.net(torch.cat([x, tf], dim=1))
