"""Unit tests for ``genmod.gans``: mode coverage and the alternating-update loop."""

import math

import pytest
import torch

from genmod import data, gans, paths


def test_mode_coverage_of_the_data_itself_hits_every_mode_with_the_gaussian_fraction():
    x = data.eight_gaussians(20_000, seed=3)
    hit, frac = gans.mode_coverage(x, paths.eight_gaussians_means(), std=0.2)
    assert hit == 8
    # P(|N(0, I_2)| < 3) = 1 - exp(-9/2) for a 2D standard Gaussian.
    assert abs(frac - (1 - math.exp(-4.5))) < 0.003


def test_mode_coverage_of_a_collapsed_sample_is_one_mode():
    means = paths.eight_gaussians_means()
    x = means[2] + 0.1 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(0))
    assert gans.mode_coverage(x, means, std=0.2) == (1, 1.0)


def test_mode_coverage_ignores_far_points_and_modes_below_the_minimum_share():
    means = paths.eight_gaussians_means()
    far = torch.zeros(800, 2)  # the centre of the ring is 2 away from every mode
    assert gans.mode_coverage(far, means, std=0.2) == (0, 0.0)
    # 790 points on mode 0 and 10 on mode 1: mode 1 gets 10 < 0.2 * 100 points, so it is not hit.
    x = torch.cat([means[0].expand(790, 2), means[1].expand(10, 2)])
    hit, frac = gans.mode_coverage(x, means, std=0.2)
    assert hit == 1 and frac == 1.0
    hit, _ = gans.mode_coverage(x, means, std=0.2, min_fraction=0.05)
    assert hit == 2


def test_mode_coverage_rejects_mismatched_dimensions():
    with pytest.raises(ValueError):
        gans.mode_coverage(torch.zeros(5, 3), paths.eight_gaussians_means(), std=0.2)


def test_train_gan_calls_the_step_in_order_and_records_both_losses():
    seen = []

    def step(k):
        seen.append(k)
        return torch.tensor(float(k)), 2.0 * k

    hist = gans.train_gan(step, 5, progress=False)
    assert seen == [0, 1, 2, 3, 4]
    assert hist == {"d_loss": [0.0, 1.0, 2.0, 3.0, 4.0], "g_loss": [0.0, 2.0, 4.0, 6.0, 8.0]}


def test_train_gan_stops_on_a_non_finite_loss():
    with pytest.raises(FloatingPointError, match="step 2"):
        gans.train_gan(lambda k: (1.0, float("nan") if k == 2 else 1.0), 5, progress=False)
