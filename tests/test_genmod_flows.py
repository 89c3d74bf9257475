"""Unit tests for ``genmod.flows``, the pieces of coupling flows shared by the chapter and the lab."""

import math

import torch

from genmod import flows


def test_fresh_conditioner_outputs_zero_so_a_coupling_layer_starts_as_the_identity():
    torch.manual_seed(0)
    cond = flows.Conditioner(dim=3, hidden=16, depth=2)
    a, b = cond(torch.randn(10, 3))
    assert a.shape == (10, 3) and b.shape == (10, 3)
    assert torch.equal(a, torch.zeros(10, 3)) and torch.equal(b, torch.zeros(10, 3))


def test_conditioner_log_scale_is_bounded_and_shift_is_not():
    torch.manual_seed(0)
    cond = flows.Conditioner(dim=2, hidden=8, depth=1, bound=1.5)
    with torch.no_grad():
        cond.net[-1].weight.fill_(50.0)  # drive the raw outputs far out
    a, b = cond(torch.ones(4, 2))
    assert (a.abs() <= 1.5).all() and (a.abs() > 1.4).all()
    assert (b.abs() > 10).all()


def test_conditioner_is_trainable():
    torch.manual_seed(0)
    cond = flows.Conditioner(dim=2, hidden=8, depth=1)
    a, b = cond(torch.randn(5, 2))
    (a.sum() + b.sum()).backward()
    assert cond.net[-1].weight.grad is not None and cond.net[-1].weight.grad.abs().sum() > 0


def test_alternating_masks_are_binary_complementary_and_alternate():
    masks = flows.alternating_masks(2, 4)
    assert [m.tolist() for m in masks] == [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
    masks = flows.alternating_masks(5, 2)
    assert masks[0].tolist() == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert torch.equal(masks[0] + masks[1], torch.ones(5))


def test_alternating_masks_reject_one_dimension():
    try:
        flows.alternating_masks(1, 2)
    except ValueError:
        return
    raise AssertionError("a coupling layer in 1D keeps or changes everything; masks must be refused")


def test_gaussian_fit_nll_equals_the_closed_form_on_the_training_data():
    # On its own training data the ML Gaussian has NLL (1/2) log det(2 pi e Sigma_hat).
    g = torch.Generator().manual_seed(0)
    x = torch.randn(500, 2, generator=g, dtype=torch.float64) @ torch.tensor([[2.0, 0.0], [1.0, 0.5]],
                                                                             dtype=torch.float64) + 3.0
    xc = x - x.mean(0)
    cov = xc.T @ xc / len(x)
    expected = 0.5 * torch.logdet(2 * math.pi * math.e * cov).item()
    assert abs(flows.gaussian_fit_nll(x, x) - expected) < 1e-10


def test_gaussian_fit_nll_on_held_out_data_matches_the_true_entropy():
    # Large samples of N(0, diag(1, 4)): the held-out NLL tends to the entropy (1/2) log((2 pi e)^2 * 4).
    g = torch.Generator().manual_seed(1)
    scale = torch.tensor([1.0, 2.0])
    train, test = torch.randn(200_000, 2, generator=g) * scale, torch.randn(200_000, 2, generator=g) * scale
    entropy = 0.5 * math.log((2 * math.pi * math.e) ** 2 * 4.0)
    assert abs(flows.gaussian_fit_nll(train, test) - entropy) < 0.01

