"""Datasets that need no download: 2D toys and scikit-learn's bundled digits.

Every sampler is deterministic given ``seed`` and returns a float32 tensor of
shape ``(n, 2)`` (toys) scaled to lie roughly in ``[-3, 3]^2``, the range where
a standard Gaussian source ``N(0, I)`` puts its mass.
"""

from __future__ import annotations

import math

import numpy as np
import torch

TOY_DATASETS = ("moons", "eight_gaussians", "checkerboard", "rings")


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _as_tensor(x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x), dtype=torch.float32)


def moons(n: int, noise: float = 0.05, seed: int = 0) -> torch.Tensor:
    """Two interleaved half circles, as scikit-learn's ``make_moons``, centred and scaled.

    Unlike ``make_moons``, which spaces the points evenly along each arc, the
    positions along the arcs are random: two calls with different seeds are
    then independent samples, which the data-vs-data floor of the metrics needs.
    """
    rng = _rng(seed)
    upper = rng.integers(0, 2, size=n).astype(bool)
    theta = rng.uniform(0, math.pi, size=n)
    x = np.where(upper[:, None],
                 np.stack([np.cos(theta), np.sin(theta)], axis=1),
                 np.stack([1 - np.cos(theta), 0.5 - np.sin(theta)], axis=1))
    x = x + noise * rng.standard_normal((n, 2))
    # The moons span [-1, 2] x [-0.5, 1]; centre them and stretch them to ~[-3, 3].
    return _as_tensor((x - np.array([0.5, 0.25])) * 1.8)


def eight_gaussians(n: int, radius: float = 2.0, std: float = 0.2, seed: int = 0) -> torch.Tensor:
    """Mixture of eight equal-weight isotropic Gaussians on a circle of ``radius``."""
    rng = _rng(seed)
    k = rng.integers(0, 8, size=n)
    angles = 2 * math.pi * k / 8
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return _as_tensor(centres + std * rng.standard_normal((n, 2)))


def checkerboard(n: int, seed: int = 0) -> torch.Tensor:
    """Uniform on the black squares of a 4x4 checkerboard covering ``[-2, 2]^2``."""
    rng = _rng(seed)
    x1 = rng.uniform(-2, 2, size=n)
    # Pick one of the two squares in the column of x1, so the two colours alternate.
    x2 = rng.uniform(0, 1, size=n) - 2 * rng.integers(0, 2, size=n).astype(float)
    x2 = x2 + (np.floor(x1) % 2)
    return _as_tensor(np.stack([x1, x2], axis=1) * 1.25)


def rings(n: int, radii=(0.75, 1.5, 2.25), noise: float = 0.05, seed: int = 0) -> torch.Tensor:
    """Concentric rings, mass proportional to circumference so the density is even."""
    rng = _rng(seed)
    radii = np.asarray(radii, dtype=float)
    r = rng.choice(radii, size=n, p=radii / radii.sum())
    theta = rng.uniform(0, 2 * math.pi, size=n)
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return _as_tensor(x + noise * rng.standard_normal((n, 2)))


def sample_toy(name: str, n: int, seed: int = 0) -> torch.Tensor:
    """Sample ``n`` points of the toy dataset called ``name`` (one of :data:`TOY_DATASETS`)."""
    samplers = {"moons": moons, "eight_gaussians": eight_gaussians,
                "checkerboard": checkerboard, "rings": rings}
    if name not in samplers:
        raise ValueError(f"unknown toy dataset {name!r}; choose one of {', '.join(TOY_DATASETS)}")
    return samplers[name](n, seed=seed)


def digits(scale: str = "unit") -> tuple[torch.Tensor, torch.Tensor]:
    """The 1,797 scikit-learn 8x8 digits (bundled with scikit-learn, no download).

    Returns ``(images, labels)`` with images of shape ``(1797, 64)``. ``scale``
    is ``"unit"`` for pixels in ``[0, 1]`` or ``"symmetric"`` for ``[-1, 1]``.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = bunch.data / 16.0
    if scale == "symmetric":
        x = 2 * x - 1
    elif scale != "unit":
        raise ValueError(f"scale must be 'unit' or 'symmetric', not {scale!r}")
    return _as_tensor(x), torch.as_tensor(bunch.target, dtype=torch.long)
