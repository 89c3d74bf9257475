"""Noise schedules, the VP-SDE and a small noise-prediction network for diffusion models.

Convention (the discrete DDPM one, as in the diffusion chapter): time is an
integer ``t = 0, 1, ..., T``; ``t = 0`` is the data and ``t = T`` is (almost)
pure noise. A :class:`Schedule` stores its arrays indexed by ``t``, with length
``T + 1``, so that ``sched.alpha_bars[t]`` is :math:`\\bar\\alpha_t` with no
off-by-one; entry ``0`` holds the conventions ``beta_0 = 0`` and
``alpha_bar_0 = 1`` (nothing has been noised yet).

The continuous view uses ``tau = t / T`` in ``[0, 1]`` and the variance-preserving
SDE ``dx = -1/2 beta(tau) x dtau + sqrt(beta(tau)) dW`` with the linear rate
``beta(tau) = beta_min + tau (beta_max - beta_min)``; with the defaults
(0.1, 20) it is the limit of :func:`linear_schedule` with ``T = 1000``,
because ``T * beta_t`` runs from 0.1 to 20.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from genmod.nn import VelocityField


@dataclass(frozen=True)
class Schedule:
    """A noise schedule ``beta_1, ..., beta_T`` and the quantities derived from it.

    All tensors have shape ``(T + 1,)``, are indexed by the time ``t`` and share
    one dtype (that of the data they will be combined with):

    * ``betas[t]`` is :math:`\\beta_t` (``betas[0] = 0``);
    * ``alphas[t] = 1 - betas[t]``;
    * ``alpha_bars[t]`` is :math:`\\bar\\alpha_t = \\prod_{s \\le t} \\alpha_s` (``alpha_bars[0] = 1``).
    """

    betas: torch.Tensor
    alphas: torch.Tensor
    alpha_bars: torch.Tensor

    @property
    def T(self) -> int:
        return self.betas.shape[0] - 1

    @property
    def dtype(self) -> torch.dtype:
        return self.betas.dtype

    @classmethod
    def from_betas(cls, betas, dtype: torch.dtype = torch.float32) -> "Schedule":
        """Build a schedule from ``beta_1, ..., beta_T`` (a sequence of length ``T``).

        The cumulative product is taken in float64 and only then cast to ``dtype``.
        """
        b = torch.as_tensor(betas, dtype=torch.float64).reshape(-1)
        if b.numel() == 0 or not bool(((b > 0) & (b < 1)).all()):
            raise ValueError("every beta_t must lie in (0, 1)")
        b = torch.cat([torch.zeros(1, dtype=torch.float64), b])
        a = 1 - b
        return cls(betas=b.to(dtype), alphas=a.to(dtype), alpha_bars=torch.cumprod(a, 0).to(dtype))

    def to(self, dtype: torch.dtype) -> "Schedule":
        """The same schedule with its tensors cast to ``dtype``."""
        return Schedule(self.betas.to(dtype), self.alphas.to(dtype), self.alpha_bars.to(dtype))


def linear_schedule(T: int = 1000, beta_1: float = 1e-4, beta_T: float = 0.02,
                    dtype: torch.dtype = torch.float32) -> Schedule:
    """The linear schedule of Ho et al. (2020): ``beta_t`` evenly spaced from ``beta_1`` to ``beta_T``."""
    return Schedule.from_betas(torch.linspace(beta_1, beta_T, T, dtype=torch.float64), dtype)


def cosine_schedule(T: int = 1000, s: float = 0.008, max_beta: float = 0.999,
                    dtype: torch.dtype = torch.float32) -> Schedule:
    """The cosine schedule of Nichol and Dhariwal (2021).

    ``alpha_bar_t = f(t) / f(0)`` with ``f(t) = cos^2(pi/2 (t/T + s) / (1 + s))``,
    and ``beta_t = 1 - alpha_bar_t / alpha_bar_{t-1}`` clipped at ``max_beta``.
    """
    t = torch.arange(T + 1, dtype=torch.float64)
    f = torch.cos(0.5 * math.pi * (t / T + s) / (1 + s)) ** 2
    ab = f / f[0]
    betas = (1 - ab[1:] / ab[:-1]).clamp(max=max_beta)
    return Schedule.from_betas(betas, dtype)


def vp_beta(tau, beta_min: float = 0.1, beta_max: float = 20.0):
    """The rate ``beta(tau) = beta_min + tau (beta_max - beta_min)`` of the VP-SDE, for ``tau`` in [0, 1]."""
    return beta_min + tau * (beta_max - beta_min)


def vp_mean_coef(tau, beta_min: float = 0.1, beta_max: float = 20.0):
    """``m(tau) = exp(-1/2 int_0^tau beta)``: given ``x_0``, ``x_tau ~ N(m x_0, (1 - m^2) I)``.

    ``m(tau)^2`` plays the role of ``alpha_bar`` in continuous time. Works on
    floats and on tensors.
    """
    integral = beta_min * tau + 0.5 * (beta_max - beta_min) * tau**2
    return math.exp(-0.5 * integral) if isinstance(integral, (int, float)) else torch.exp(-0.5 * integral)


class EpsNet(nn.Module):
    """A small noise-prediction network ``eps_theta(x, t)`` for discrete times ``t`` in ``0..T``.

    A :class:`genmod.nn.VelocityField` (MLP with Fourier time features) fed with
    the rescaled time ``t / T`` in ``[0, 1]``. Call it as ``eps(x, t)`` with ``x``
    of shape ``(n, dim)`` and ``t`` a Python int or an integer tensor of shape
    ``(n,)``; it returns a tensor of shape ``(n, dim)``.
    """

    def __init__(self, dim: int, T: int, hidden: int = 128, depth: int = 3, n_freq: int = 4):
        super().__init__()
        self.T = T
        self.net = VelocityField(dim=dim, hidden=hidden, depth=depth, n_freq=n_freq)

    def forward(self, x: torch.Tensor, t) -> torch.Tensor:
        tau = torch.as_tensor(t, dtype=x.dtype) / self.T
        return self.net(x, tau)
