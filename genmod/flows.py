"""Pieces of coupling flows shared by the normalizing-flows chapter and its lab.

The graded functions of the lab (the coupling layer, its inverse, the flow NLL,
the CNF log-likelihood, Hutchinson's estimator) are *not* here; this module holds
what both need around them:

* :class:`Conditioner`: the network that maps the frozen coordinates ``m * x``
  of an affine coupling layer to a log-scale ``s`` and a shift ``t``;
* :func:`alternating_masks`: binary masks that alternate which coordinates a
  layer leaves unchanged;
* :func:`gaussian_fit_nll`: the baseline every density model must beat, the
  negative log-likelihood of the maximum-likelihood Gaussian.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from genmod.nn import MLP


class Conditioner(nn.Module):
    """``(s, t) = conditioner(xm)``: log-scale and shift of an affine coupling layer.

    An MLP with ``depth`` hidden layers of width ``hidden`` reads the masked input
    ``xm`` of shape ``(n, dim)`` and returns two tensors of shape ``(n, dim)``.
    The log-scale is bounded, ``s = bound * tanh(raw / bound)``, so that
    ``exp(s)`` stays in ``[e^-bound, e^bound]`` (unbounded scales are the usual
    cause of diverging flow training). The last layer starts at zero, so a fresh
    conditioner gives ``s = t = 0`` and the coupling layer starts as the identity.
    """

    def __init__(self, dim: int = 2, hidden: int = 64, depth: int = 2, bound: float = 2.0):
        super().__init__()
        self.dim, self.bound = dim, bound
        self.net = MLP(dim, 2 * dim, hidden, depth)
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, xm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw_s, t = self.net(xm).chunk(2, dim=1)
        return self.bound * torch.tanh(raw_s / self.bound), t


def alternating_masks(dim: int, n_layers: int) -> list[torch.Tensor]:
    """``n_layers`` binary masks of shape ``(dim,)``; a 1 marks a coordinate the layer keeps.

    Layer 0 keeps the even coordinates, layer 1 the odd ones, and so on, so that
    every coordinate is transformed by every other layer. In 2D: ``[1, 0]``,
    ``[0, 1]``, ``[1, 0]``, ...
    """
    if dim < 2:
        raise ValueError("a coupling layer needs at least two coordinates")
    even = (torch.arange(dim) % 2 == 0).float()
    return [even if k % 2 == 0 else 1 - even for k in range(n_layers)]


def gaussian_fit_nll(train: torch.Tensor, test: torch.Tensor) -> float:
    """Mean negative log-likelihood (nats per sample) on ``test`` of the Gaussian fitted to ``train``.

    The fit is the maximum-likelihood one: the sample mean and the sample
    covariance with divisor ``n``. Computed in float64.
    """
    train, test = train.double(), test.double()
    mean = train.mean(0)
    centred = train - mean
    cov = centred.T @ centred / len(train)
    dist = torch.distributions.MultivariateNormal(mean, covariance_matrix=cov)
    return -dist.log_prob(test).mean().item()


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    """``log N(z; 0, I)`` for each row of ``z`` (shape ``(n, d)`` -> ``(n,)``).

    Used by the chapter's figures; the lab asks students to write the flow NLL
    themselves, so its hidden tests never call this function.
    """
    return -0.5 * (z**2).sum(dim=1) - 0.5 * z.shape[1] * math.log(2 * math.pi)
