"""Unit tests for ``genmod.sampling``: mixture targets, the energy network, the density plot."""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from genmod import sampling  # noqa: E402


def _mixture():
    return sampling.GaussianMixture([[0.0, 1.0, -1.0], [2.0, -1.0, 0.5]], stds=[0.7, 1.3], weights=[1, 3])


def test_mixture_log_prob_matches_torch_distributions():
    gm = _mixture()
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    mix = torch.distributions.Categorical(torch.tensor([0.25, 0.75], dtype=torch.float64))
    comp = torch.distributions.Independent(
        torch.distributions.Normal(gm.means, gm.stds[:, None].expand(2, 3)), 1)
    ref = torch.distributions.MixtureSameFamily(mix, comp).log_prob(x)
    assert torch.allclose(gm.log_prob(x), ref, rtol=0, atol=1e-12)


def test_mixture_score_is_the_gradient_of_its_log_density():
    gm = _mixture()
    x = torch.randn(40, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64).requires_grad_(True)
    (grad,) = torch.autograd.grad(gm.log_prob(x).sum(), x)
    assert torch.allclose(gm.score(x.detach()), grad, rtol=0, atol=1e-12)


def test_mixture_keeps_the_input_dtype():
    gm = _mixture()
    x = torch.randn(5, 3)
    assert gm.log_prob(x).dtype == torch.float32 and gm.score(x).dtype == torch.float32


def test_mixture_samples_have_the_mixture_moments():
    gm = _mixture()
    x = gm.sample(200_000, generator=torch.Generator().manual_seed(2)).double()
    mean = (gm.weights[:, None] * gm.means).sum(0)
    assert torch.allclose(x.mean(0), mean, atol=0.01)
    # Per-coordinate variance: sum_k w_k (c_k^2 + m_k^2) - mean^2.
    var = (gm.weights[:, None] * (gm.stds[:, None] ** 2 + gm.means**2)).sum(0) - mean**2
    assert torch.allclose(x.var(0), var, rtol=0.01)


def test_mixture_sampling_is_reproducible_with_a_generator():
    gm = sampling.ring_mixture()
    a = gm.sample(100, generator=torch.Generator().manual_seed(3))
    b = gm.sample(100, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_ring_mixture_puts_its_means_on_the_circle():
    gm = sampling.ring_mixture(k=6, radius=1.5, std=0.2)
    assert gm.means.shape == (6, 2)
    assert torch.allclose(gm.means.norm(dim=1), torch.full((6,), 1.5, dtype=torch.float64))


def test_ring_mixture_density_integrates_to_one_on_a_grid():
    gm = sampling.ring_mixture(k=8, radius=2.0, std=0.3)
    g = torch.linspace(-4, 4, 401, dtype=torch.float64)
    xx, yy = torch.meshgrid(g, g, indexing="xy")
    p = gm.log_prob(torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)).exp()
    assert abs(float(p.sum() * (g[1] - g[0]) ** 2) - 1) < 1e-3


def test_mixture_rejects_bad_weights():
    with pytest.raises(ValueError):
        sampling.GaussianMixture([[0.0], [1.0]], weights=[1.0, -1.0])


def test_energy_net_returns_one_energy_per_point_and_confines():
    torch.manual_seed(0)
    net = sampling.EnergyNet(dim=3, hidden=16, depth=2, confine=0.1)
    x = torch.randn(7, 3)
    assert net(x).shape == (7,)
    # Far out the quadratic term wins over the (linearly growing) network.
    far = 1e3 * torch.ones(1, 3)
    with torch.no_grad():
        assert float(net(far)) > 0.1 * 3e6 * 0.5


def test_energy_score_is_minus_the_energy_gradient_even_under_no_grad():
    energy = lambda x: 0.5 * (x**2).sum(-1) + x[:, 0]
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        s = sampling.energy_score(energy, x)
    expected = -x.clone()
    expected[:, 0] -= 1
    assert torch.allclose(s, expected, atol=1e-6) and not s.requires_grad


def test_plot_density_draws_an_image():
    fig, ax = plt.subplots()
    sampling.plot_density(ax, sampling.ring_mixture().log_prob, n_grid=20)
    assert len(ax.images) == 1
    plt.close(fig)


def test_log_normaliser_of_a_single_gaussian():
    gm = sampling.GaussianMixture([[0.0, 0.0]], stds=2.0)
    assert math.isclose(float(gm.log_prob(torch.zeros(1, 2, dtype=torch.float64))), -math.log(2 * math.pi * 4))
