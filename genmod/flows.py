"""Pieces of coupling flows shared by the normalizing-flows chapter and its lab.

The graded functions of the lab (the coupling layer, its inverse, the flow NLL,
the CNF log-likelihood, Hutchinson's estimator) are *not* here; this module holds
what both need around them:

* :class:`Conditioner`: the network that maps the frozen coordinates ``m * x``
  of an affine coupling layer to a log-scale ``a`` and a shift ``b``;
* :func:`alternating_masks`: binary masks that alternate which coordinates a
  layer leaves unchanged;
* :func:`gaussian_fit_nll`: the baseline every density model must beat, the
  negative log-likelihood of the maximum-likelihood Gaussian.
"""

from __future__ import annotations

import torch
from torch import nn

from genmod.nn import MLP


class Conditioner(nn.Module):
    """``(a, b) = conditioner(xm)``: log-scale and shift of an affine coupling layer.

    An MLP with ``depth`` hidden layers of width ``hidden`` reads the masked input
    ``xm`` of shape ``(n, dim)`` and returns two tensors of shape ``(n, dim)``:
    the layer maps ``x`` to ``x * exp(a) + b`` on the coordinates it transforms.
    The log-scale is bounded, ``a = bound * tanh(raw / bound)``, so that
    ``exp(a)`` stays in ``[e^-bound, e^bound]`` (unbounded scales are the usual
    cause of diverging flow training). The last layer starts at zero, so a fresh
    conditioner gives ``a = b = 0`` and the coupling layer starts as the identity.
    """

    def __init__(self, dim: int = 2, hidden: int = 64, depth: int = 2, bound: float = 2.0):
        super().__init__()
        self.dim, self.bound = dim, bound
        self.net = MLP(dim, 2 * dim, hidden, depth)
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, xm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw_a, b = self.net(xm).chunk(2, dim=1)
        return self.bound * torch.tanh(raw_a / self.bound), b


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

