"""Variational inference: the pieces the VI chapter and its lab share.

* :class:`VAE`: a small variational auto-encoder for 64-pixel images, with a
  diagonal Gaussian encoder ``q(z | x) = N(mu(x), diag exp(logvar(x)))`` and a
  Bernoulli decoder that returns the *logits* of ``p(x | z)``;
* :func:`binarized_digits`: the scikit-learn digits thresholded to {0, 1} and
  split into a training and a held-out set, so that the Bernoulli decoder is a
  genuine probability mass function and the ELBO a genuine bound on log p(x);
* :func:`conjugate_posterior` and :func:`conjugate_log_evidence`: the exact
  answers for the conjugate model theta ~ N(0, 1), x_i | theta ~ N(theta, 1).

The graded functions of the lab (reparameterisation, KL, ELBO, IWAE, VAE loss)
are deliberately *not* here.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from genmod.data import digits
from genmod.nn import MLP


class VAE(nn.Module):
    """Encoder and decoder MLPs (``depth`` hidden SiLU layers of width ``hidden``).

    ``encode(x)`` maps images of shape ``(n, x_dim)`` to ``(mu, logvar)``, each of
    shape ``(n, z_dim)``; ``decode(z)`` maps latents of shape ``(..., z_dim)`` to
    Bernoulli logits of shape ``(..., x_dim)``.
    """

    def __init__(self, x_dim: int = 64, z_dim: int = 8, hidden: int = 256, depth: int = 2):
        super().__init__()
        self.x_dim, self.z_dim = x_dim, z_dim
        self.encoder = MLP(x_dim, 2 * z_dim, hidden, depth)
        self.decoder = MLP(z_dim, x_dim, hidden, depth)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)


def binarized_digits(test_fraction: float = 0.2, seed: int = 0,
                     threshold: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """The 1,797 digits with pixels ``1.0`` where the intensity in ``[0, 1]`` exceeds ``threshold``, else ``0.0``.

    Returns ``(train, test)``, float32 tensors of shape ``(m, 64)``, split by a
    random permutation fixed by ``seed`` (``round(test_fraction * 1797)`` test images).
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), not {test_fraction}")
    x, _ = digits("unit")
    x = (x > threshold).float()
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    n_test = round(test_fraction * len(x))
    return x[perm[n_test:]], x[perm[:n_test]]


def conjugate_posterior(x: torch.Tensor) -> tuple[float, float]:
    """Posterior ``N(mean, var)`` of theta for theta ~ N(0, 1), x_i | theta ~ N(theta, 1), i = 1..n.

    ``mean = sum(x) / (n + 1)`` and ``var = 1 / (n + 1)``.
    """
    x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    n = x.numel()
    return float(x.sum()) / (n + 1), 1.0 / (n + 1)


def conjugate_log_evidence(x: torch.Tensor) -> float:
    """``log p(x) = log N(x; 0, I + 1 1^T)`` for the conjugate model, in closed form.

    With ``S = sum(x)``: ``det(I + 1 1^T) = n + 1`` and
    ``(I + 1 1^T)^{-1} = I - 1 1^T / (n + 1)``, so
    ``log p(x) = -n/2 log(2 pi) - 1/2 log(n + 1) - 1/2 (|x|^2 - S^2 / (n + 1))``.
    """
    x = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    n = x.numel()
    s, sq = float(x.sum()), float((x**2).sum())
    return -0.5 * n * math.log(2 * math.pi) - 0.5 * math.log(n + 1) - 0.5 * (sq - s**2 / (n + 1))
