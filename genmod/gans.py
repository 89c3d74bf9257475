"""Helpers shared by the GAN chapter and lab: mode coverage, and a loop for alternating updates.

The graded pieces of the lab (the losses, the gradient penalty, the training
step) are *not* here; this module only measures and drives them.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from genmod import training


def mode_coverage(samples: torch.Tensor, means: torch.Tensor, std: float, n_std: float = 3.0,
                  min_fraction: float = 0.2) -> tuple[int, float]:
    """How many modes of an isotropic Gaussian mixture a sample covers, and how well.

    A sample point is *high quality* if it lies within ``n_std * std`` of its
    nearest mean. A mode is *hit* if it receives at least ``min_fraction`` of
    its fair share ``len(samples) / len(means)`` of high-quality points.

    Returns ``(modes_hit, high_quality_fraction)``. For samples of the mixture
    itself (2D, ``n_std = 3``) the fraction is ``1 - exp(-9/2) ≈ 0.989`` and every
    mode is hit; a collapsed generator hits one mode.
    """
    if samples.ndim != 2 or means.ndim != 2 or samples.shape[1] != means.shape[1]:
        raise ValueError(f"samples (n, d) and means (k, d) must share d, got {tuple(samples.shape)} "
                         f"and {tuple(means.shape)}")
    dist = torch.cdist(samples.detach().double(), means.detach().double())
    nearest_dist, nearest = dist.min(dim=1)
    good = nearest_dist < n_std * std
    counts = torch.bincount(nearest[good], minlength=len(means))
    fair_share = len(samples) / len(means)
    modes_hit = int((counts >= min_fraction * fair_share).sum())
    return modes_hit, good.double().mean().item()


def train_gan(step_fn: Callable[[int], tuple[float, float]], steps: int, desc: str = "GAN",
              progress: bool | None = None) -> dict[str, list[float]]:
    """Call ``step_fn(step)`` for ``step = 0, ..., steps - 1`` with a progress bar.

    ``step_fn`` performs one round of alternating updates (its own optimisers,
    its own batches) and returns the discriminator and generator losses as
    floats. The bar is :func:`genmod.training.progress_bar`. Returns ``{"d_loss": [...], "g_loss": [...]}``.
    """
    history: dict[str, list[float]] = {"d_loss": [], "g_loss": []}
    bar = training.progress_bar(steps, desc, progress)
    for step in bar:
        d_loss, g_loss = (float(v) for v in step_fn(step))
        if not (math.isfinite(d_loss) and math.isfinite(g_loss)):
            raise FloatingPointError(f"losses became D {d_loss}, G {g_loss} at step {step}; "
                                     "check the losses or lower the learning rates")
        history["d_loss"].append(d_loss)
        history["g_loss"].append(g_loss)
        if not bar.disable and step % 50 == 0:
            bar.set_postfix(d_loss=f"{d_loss:.3f}", g_loss=f"{g_loss:.3f}", refresh=False)
    bar.close()
    return history
