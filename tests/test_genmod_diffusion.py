"""Unit tests for ``genmod.diffusion``: schedules indexed by t, the VP-SDE, the noise-prediction network."""

import math

import pytest
import torch
from scipy.integrate import quad

from genmod.diffusion import EpsNet, Schedule, cosine_schedule, linear_schedule, vp_beta, vp_mean_coef


def test_schedule_arrays_are_indexed_by_t_with_alpha_bar_0_equal_to_one():
    betas = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)
    s = Schedule.from_betas(betas, torch.float64)
    assert s.T == 3 and s.betas.shape == (4,)
    assert s.betas[0] == 0 and s.alphas[0] == 1 and s.alpha_bars[0] == 1
    assert torch.allclose(s.betas[1:], betas)
    assert torch.allclose(s.alpha_bars, torch.tensor([1.0, 0.9, 0.9 * 0.8, 0.9 * 0.8 * 0.7], dtype=torch.float64))


def test_linear_schedule_endpoints_and_dtype():
    s = linear_schedule(1000)
    assert s.dtype == torch.float32 and s.T == 1000
    assert math.isclose(s.betas[1].item(), 1e-4, rel_tol=1e-5) and math.isclose(s.betas[1000].item(), 0.02, rel_tol=1e-5)
    # alpha_bar_T of Ho et al.'s schedule is about 4e-5: x_T is almost pure noise.
    assert 3e-5 < s.alpha_bars[1000].item() < 5e-5
    assert linear_schedule(10, dtype=torch.float64).alpha_bars.dtype == torch.float64


def test_schedule_ships_no_piece_of_the_lab_s_ddpm_step():
    # beta_tilde_t is part of the graded DDPM step: the schedule must not compute it for the student.
    s = linear_schedule(50, dtype=torch.float64)
    assert not hasattr(s, "posterior_variance")
    assert sorted(f for f in vars(s)) == ["alpha_bars", "alphas", "betas"]


def test_schedule_to_casts_every_array():
    s = linear_schedule(20, dtype=torch.float64).to(torch.float32)
    assert s.dtype == torch.float32 and s.alphas.dtype == torch.float32 and s.alpha_bars.dtype == torch.float32


def test_cosine_schedule_follows_the_squared_cosine():
    s = cosine_schedule(100, dtype=torch.float64)
    f = lambda t: math.cos(0.5 * math.pi * (t / 100 + 0.008) / 1.008) ** 2
    for t in (1, 30, 70):
        assert math.isclose(s.alpha_bars[t].item(), f(t) / f(0), rel_tol=1e-10)


def test_from_betas_rejects_betas_outside_the_unit_interval():
    with pytest.raises(ValueError):
        Schedule.from_betas([0.1, 1.0])
    with pytest.raises(ValueError):
        Schedule.from_betas([0.0, 0.1])


def test_vp_mean_coef_is_exp_of_minus_half_the_integrated_rate():
    for tau in (0.0, 0.3, 1.0):
        integral = quad(vp_beta, 0, tau)[0]
        assert math.isclose(vp_mean_coef(tau), math.exp(-0.5 * integral), rel_tol=1e-12)
    assert torch.allclose(vp_mean_coef(torch.tensor([0.5], dtype=torch.float64)),
                          torch.tensor([vp_mean_coef(0.5)], dtype=torch.float64))


def test_vp_sde_is_the_limit_of_the_linear_schedule():
    # alpha_bar_t of the discrete chain is close to m(t / T)^2 of the VP-SDE (within about 1%).
    s = linear_schedule(1000, dtype=torch.float64)
    for t in (100, 500, 1000):
        assert abs(math.log(s.alpha_bars[t].item()) - 2 * math.log(vp_mean_coef(t / 1000))) < 0.02 * max(1.0, -math.log(s.alpha_bars[t].item()))


def test_eps_net_accepts_int_and_tensor_times_consistently():
    torch.manual_seed(0)
    net = EpsNet(dim=3, T=1000, hidden=16, depth=2)
    x = torch.randn(5, 3)
    out_int = net(x, 250)
    out_tensor = net(x, torch.full((5,), 250))
    assert out_int.shape == (5, 3)
    assert torch.allclose(out_int, out_tensor)
    assert not torch.allclose(net(x, 10), net(x, 900)), "the output depends on t"
