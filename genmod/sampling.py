"""Targets and networks for the sampling chapter and lab: Gaussian mixtures with exact scores, an energy net.

The graded pieces of the lab (Langevin, MALA and SVGD steps, the kernel and its
bandwidth, the contrastive-divergence and denoising score-matching losses, the
kernelised Stein discrepancy) are *not* here; this module only supplies targets
to sample, a network to train and a way to draw a density.
"""

from __future__ import annotations

import math
from typing import Callable

import matplotlib.pyplot as plt
import torch
from torch import nn

from genmod.nn import MLP


class GaussianMixture:
    """An isotropic Gaussian mixture sum_k w_k N(m_k, c_k^2 I) on R^d with exact log-density and score.

    ``means`` has shape (k, d); ``stds`` is a float or a sequence of k floats;
    ``weights`` is a sequence of k non-negative numbers (normalised here), equal
    weights by default. Every method keeps the dtype of its input.
    """

    def __init__(self, means, stds=1.0, weights=None):
        self.means = torch.as_tensor(means, dtype=torch.float64)
        if self.means.ndim != 2:
            raise ValueError(f"means must have shape (k, d), got {tuple(self.means.shape)}")
        k = self.means.shape[0]
        self.stds = torch.as_tensor(stds, dtype=torch.float64).expand(k).clone()
        w = torch.ones(k, dtype=torch.float64) if weights is None else torch.as_tensor(weights, dtype=torch.float64)
        if w.shape != (k,) or (w < 0).any() or w.sum() <= 0:
            raise ValueError("weights must be k non-negative numbers with a positive sum")
        self.weights = w / w.sum()

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def _log_terms(self, x: torch.Tensor) -> torch.Tensor:
        """log w_k + log N(x; m_k, c_k^2 I), shape (n, k)."""
        m, c, w = (a.to(x.dtype) for a in (self.means, self.stds, self.weights))
        sq = ((x[:, None, :] - m[None]) ** 2).sum(-1)
        return torch.log(w) - sq / (2 * c**2) - self.dim * torch.log(c) - 0.5 * self.dim * math.log(2 * math.pi)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) for x of shape (n, d); returns shape (n,)."""
        return torch.logsumexp(self._log_terms(x), dim=1)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """The score grad log p(x), in closed form (responsibility-weighted pulls to the means), shape (n, d)."""
        m, c = self.means.to(x.dtype), self.stds.to(x.dtype)
        r = torch.softmax(self._log_terms(x), dim=1)
        return (r[:, :, None] * (m[None] - x[:, None, :]) / c[None, :, None] ** 2).sum(1)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n exact samples (float32), drawn with ``generator``."""
        k = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        z = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        return (self.means[k] + self.stds[k, None] * z).float()


def ring_mixture(k: int = 8, radius: float = 2.0, std: float = 0.3, weights=None) -> GaussianMixture:
    """k equal Gaussians of standard deviation ``std`` on a circle of radius ``radius`` in 2D."""
    angles = 2 * math.pi * torch.arange(k, dtype=torch.float64) / k
    means = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return GaussianMixture(means, std, weights)


class EnergyNet(nn.Module):
    """A scalar energy E_theta(x) on R^dim: an MLP with SiLU activations, returning shape (n,).

    A small quadratic term ``confine * ||x||^2`` keeps exp(-E) integrable while the
    network is untrained (the usual trick for energy models on the plane).
    """

    def __init__(self, dim: int = 2, hidden: int = 64, depth: int = 3, confine: float = 0.05):
        super().__init__()
        self.net = MLP(dim, 1, hidden=hidden, depth=depth)
        self.confine = confine

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1) + self.confine * (x**2).sum(-1)


def energy_score(energy: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """-grad E(x) by autograd, detached: the score of the density proportional to exp(-E)."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(energy(x).sum(), x)
    return -grad


def plot_density(ax: plt.Axes, log_prob: Callable[[torch.Tensor], torch.Tensor], limits=(-3.5, 3.5),
                 n_grid: int = 150, cmap: str = "Blues") -> plt.Axes:
    """Draw exp(log_prob) on a square grid (normalised to its maximum) as an image."""
    g = torch.linspace(limits[0], limits[1], n_grid)
    xx, yy = torch.meshgrid(g, g, indexing="xy")
    with torch.no_grad():
        lp = log_prob(torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)).reshape(n_grid, n_grid)
    ax.imshow((lp - lp.max()).exp().numpy(), origin="lower", extent=(*limits, *limits), cmap=cmap, aspect="equal")
    ax.set(xlim=limits, ylim=limits, xticks=[], yticks=[])
    return ax
