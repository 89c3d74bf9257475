"""Sample-quality metrics for low-dimensional samples."""

from __future__ import annotations

import torch


def sliced_wasserstein(x: torch.Tensor, y: torch.Tensor, n_projections: int = 256,
                       seed: int = 0) -> float:
    """Sliced 2-Wasserstein distance between two samples of equal size.

    Projects both samples on ``n_projections`` random unit directions (fixed by
    ``seed``, so the metric is deterministic), computes the exact 1D W2 between
    the projections by sorting, and returns the root of the average squared W2.
    """
    if x.shape != y.shape:
        raise ValueError(f"samples must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    x, y = x.double(), y.double()
    g = torch.Generator().manual_seed(seed)
    dirs = torch.randn(x.shape[1], n_projections, generator=g, dtype=torch.float64)
    dirs = dirs / dirs.norm(dim=0, keepdim=True)
    px = torch.sort(x @ dirs, dim=0).values
    py = torch.sort(y @ dirs, dim=0).values
    return ((px - py) ** 2).mean().sqrt().item()


def mmd_rbf(x: torch.Tensor, y: torch.Tensor, bandwidth: float = 0.5) -> float:
    """Unbiased estimate of MMD^2 with the kernel ``exp(-|a-b|^2 / (2 bandwidth^2))``.

    Unbiased means it averages to zero when both samples share a law, so it can
    come out (slightly) negative.
    """
    x, y = x.double(), y.double()
    n, m = len(x), len(y)
    if n < 2 or m < 2:
        raise ValueError("MMD needs at least two points in each sample")

    def k(a, b):
        return torch.exp(-torch.cdist(a, b) ** 2 / (2 * bandwidth**2))

    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    sxx = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
    syy = (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
    return (sxx + syy - 2 * kxy.mean()).item()
