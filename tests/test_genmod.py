"""Unit tests for the helper package ``genmod``."""

import math

import torch

from genmod import data, paths


def _grid(lim=6.0, n=241):
    g = torch.linspace(-lim, lim, n, dtype=torch.float64)
    xx, yy = torch.meshgrid(g, g, indexing="xy")
    return torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1), (g[1] - g[0]).item()


def test_eight_gaussians_means_are_the_centres_of_the_dataset():
    x = data.eight_gaussians(4000, seed=1).double()
    means = paths.eight_gaussians_means().double()
    nearest = torch.cdist(x, means).argmin(dim=1)
    for k in range(8):
        assert torch.allclose(x[nearest == k].mean(0), means[k], atol=0.03)


def test_gmm_path_density_integrates_to_one_and_matches_endpoints():
    x, dx = _grid()
    means = paths.eight_gaussians_means().double()
    for t in (0.0, 0.3, 0.7, 1.0):
        logp = paths.gmm_linear_path_log_density(x, t, means, std=0.5)
        assert abs(logp.exp().sum().item() * dx**2 - 1.0) < 1e-3
    # t = 0 is the source N(0, I), whatever the mixture.
    logp0 = paths.gmm_linear_path_log_density(x, 0.0, means, std=0.5)
    assert torch.allclose(logp0, -0.5 * (x**2).sum(1) - math.log(2 * math.pi))
    # t = 1 is the data mixture itself.
    logp1 = paths.gmm_linear_path_log_density(x, 1.0, means, std=0.5)
    comps = torch.stack([-0.5 * ((x - m) ** 2).sum(1) / 0.25 - math.log(2 * math.pi * 0.25)
                         for m in means], dim=1)
    assert torch.allclose(logp1, torch.logsumexp(comps, 1) - math.log(8))


def test_single_gaussian_velocity_is_the_closed_form_affine_field():
    m, s = 2.0, 0.5
    x = torch.linspace(-3, 5, 50, dtype=torch.float64).reshape(-1, 1)
    for t in (0.0, 0.25, 0.9, 1.0):
        u = paths.gmm_linear_path_velocity(x, t, torch.tensor([[m]]), std=s)
        var = (1 - t) ** 2 + t**2 * s**2
        assert torch.allclose(u, m + (t * s**2 - (1 - t)) / var * (x - t * m))


def test_gmm_velocity_solves_the_continuity_equation():
    # d/dt p_t + div(p_t u_t) = 0, checked with centred finite differences.
    x, _ = _grid(lim=3.0, n=61)
    x = x + 0.013  # off the symmetry axes, where errors could cancel
    means = paths.eight_gaussians_means().double()
    weights = torch.linspace(1, 2, 8, dtype=torch.float64)
    weights = weights / weights.sum()
    std, t, e = 0.4, 0.6, 1e-4

    def p(y, s):
        return paths.gmm_linear_path_log_density(y, s, means, std, weights).exp()

    def flux(y):
        return p(y, t)[:, None] * paths.gmm_linear_path_velocity(y, t, means, std, weights)

    dpdt = (p(x, t + e) - p(x, t - e)) / (2 * e)
    div = sum((flux(x + e * ei)[:, i] - flux(x - e * ei)[:, i]) / (2 * e)
              for i, ei in enumerate(torch.eye(2, dtype=torch.float64)))
    assert (dpdt + div).abs().max() < 1e-6 * max(1.0, dpdt.abs().max().item())
    assert dpdt.abs().max() > 1e-2  # the check is not vacuous: the density does move


def test_gmm_velocity_accepts_one_time_per_point():
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    means = paths.eight_gaussians_means()
    t = torch.linspace(0, 1, 5)
    per_point = paths.gmm_linear_path_velocity(x, t, means, 0.2)
    one_by_one = torch.cat([paths.gmm_linear_path_velocity(x[i:i + 1], t[i].item(), means, 0.2)
                            for i in range(5)])
    assert torch.allclose(per_point, one_by_one, atol=1e-6)
