"""Unit tests for ``genmod.vi``: the VAE network, the binarised digits, the conjugate model's closed forms."""

import math

import torch

from genmod import vi


def test_vae_encode_returns_mean_and_logvar_and_decode_returns_logits_of_the_right_shapes():
    torch.manual_seed(0)
    model = vi.VAE(x_dim=64, z_dim=5, hidden=32)
    mu, logvar = model.encode(torch.rand(7, 64))
    assert mu.shape == (7, 5) and logvar.shape == (7, 5)
    assert model.decode(torch.randn(3, 7, 5)).shape == (3, 7, 64), "decode accepts leading sample dimensions"
    assert not torch.equal(mu, logvar), "mean and log-variance are different halves of the encoder output"


def test_binarized_digits_are_binary_disjoint_and_reproducible():
    train, test = vi.binarized_digits(test_fraction=0.2, seed=0)
    assert train.shape == (1797 - 359, 64) and test.shape == (359, 64)
    assert set(torch.unique(torch.cat([train, test])).tolist()) == {0.0, 1.0}
    again_train, again_test = vi.binarized_digits(test_fraction=0.2, seed=0)
    assert torch.equal(train, again_train) and torch.equal(test, again_test)
    other_train, _ = vi.binarized_digits(test_fraction=0.2, seed=1)
    assert not torch.equal(train, other_train), "the seed changes the split"
    # About 29% of the pixels are on after thresholding at 0.5.
    assert 0.25 < torch.cat([train, test]).mean().item() < 0.33


def test_conjugate_posterior_matches_bayes_rule_on_a_grid():
    x = torch.tensor([0.3, -1.2, 2.0, 0.7], dtype=torch.float64)
    mean, var = vi.conjugate_posterior(x)
    theta = torch.linspace(-6, 6, 20001, dtype=torch.float64)
    log_joint = (torch.distributions.Normal(0.0, 1.0).log_prob(theta)
                 + torch.distributions.Normal(theta[:, None], 1.0).log_prob(x).sum(1))
    w = torch.softmax(log_joint, 0)
    grid_mean = (w * theta).sum().item()
    grid_var = (w * (theta - grid_mean) ** 2).sum().item()
    assert abs(mean - grid_mean) < 1e-8 and abs(var - grid_var) < 1e-8
    assert abs(mean - x.sum().item() / 5) < 1e-12 and abs(var - 0.2) < 1e-12


def test_conjugate_log_evidence_equals_the_marginal_gaussian_and_the_integral():
    x = torch.tensor([0.3, -1.2, 2.0, 0.7], dtype=torch.float64)
    n = len(x)
    mvn = torch.distributions.MultivariateNormal(torch.zeros(n, dtype=torch.float64),
                                                 torch.eye(n, dtype=torch.float64) + 1.0)
    assert abs(vi.conjugate_log_evidence(x) - mvn.log_prob(x).item()) < 1e-12
    theta = torch.linspace(-8, 8, 40001, dtype=torch.float64)
    joint = (torch.distributions.Normal(0.0, 1.0).log_prob(theta)
             + torch.distributions.Normal(theta[:, None], 1.0).log_prob(x).sum(1)).exp()
    integral = torch.trapezoid(joint, theta).item()
    assert abs(vi.conjugate_log_evidence(x) - math.log(integral)) < 1e-8
