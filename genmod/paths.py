"""Exact quantities along the linear path from ``N(0, I)`` to a Gaussian mixture.

Take ``x_0 ~ N(0, I)`` independent of ``x_1 ~ sum_k w_k N(mu_k, std^2 I)`` and
``x_t = (1 - t) x_0 + t x_1``. Given the component ``k``, ``x_t`` is Gaussian,
``N(t mu_k, v_t I)`` with ``v_t = (1 - t)^2 + t^2 std^2``, so the marginal
density ``p_t`` is again a mixture and the marginal velocity
``u_t(x) = E[x_1 - x_0 | x_t = x]`` has a closed form: the posterior-weighted
average of the per-component velocities

    u_t^k(x) = mu_k + (t std^2 - (1 - t)) / v_t * (x - t mu_k).

(``v_t`` is the variance of ``x_t`` given the component; the path's noise scale
``sigma_t`` of ``x_t = alpha_t x_1 + sigma_t x_0`` is ``1 - t`` here.)

The chapters use these as ground truth: exact density heatmaps, exact vector
fields, and reference solutions to test learned fields and ODE solvers against.
A single Gaussian is the mixture with one component.
"""

from __future__ import annotations

import math

import torch


def eight_gaussians_means(radius: float = 2.0) -> torch.Tensor:
    """The eight centres used by :func:`genmod.data.eight_gaussians`, shape ``(8, 2)``."""
    angles = 2 * math.pi * torch.arange(8, dtype=torch.float64) / 8
    return (radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)).float()


def linear_path_std(t, std: float) -> torch.Tensor:
    """``sqrt((1 - t)^2 + t^2 std^2)``, the per-component standard deviation of ``x_t`` at time ``t``."""
    t = torch.as_tensor(t, dtype=torch.get_default_dtype())
    return torch.sqrt((1 - t) ** 2 + t**2 * std**2)


def _prepare(x: torch.Tensor, t, means, weights):
    means = torch.as_tensor(means, dtype=x.dtype).reshape(-1, x.shape[1])
    k = means.shape[0]
    weights = (torch.full((k,), 1.0 / k, dtype=x.dtype) if weights is None
               else torch.as_tensor(weights, dtype=x.dtype).reshape(k))
    t = torch.as_tensor(t, dtype=x.dtype)
    # Time as a column so that one t for all points and one t per point look the same.
    t = t.reshape(1, 1).expand(x.shape[0], 1) if t.numel() == 1 else t.reshape(x.shape[0], 1)
    return t, means, weights


def _component_log_terms(x, t, means, std, weights):
    """``log w_k + log N(x; t mu_k, v_t I)`` for every point and component, and v_t."""
    d = x.shape[1]
    var = (1 - t) ** 2 + t**2 * std**2                       # (n, 1)
    diff = x[:, None, :] - t[:, :, None] * means[None]      # (n, k, d)
    sq = (diff**2).sum(-1)                                  # (n, k)
    logn = -0.5 * sq / var - 0.5 * d * torch.log(2 * math.pi * var)
    return torch.log(weights)[None] + logn, var, diff


def gmm_linear_path_log_density(x: torch.Tensor, t, means, std: float,
                                weights=None) -> torch.Tensor:
    """Exact ``log p_t(x)`` on the linear path from ``N(0, I)`` to the mixture.

    ``x`` has shape ``(n, d)``; ``means`` shape ``(k, d)``; ``weights`` (default
    uniform) shape ``(k,)``; ``t`` a float in ``[0, 1]`` or a tensor of shape
    ``(n,)``. Returns shape ``(n,)``.
    """
    t, means, weights = _prepare(x, t, means, weights)
    logs, _, _ = _component_log_terms(x, t, means, std, weights)
    return torch.logsumexp(logs, dim=1)


def gmm_linear_path_velocity(x: torch.Tensor, t, means, std: float,
                             weights=None) -> torch.Tensor:
    """Exact marginal velocity ``u_t(x) = E[x_1 - x_0 | x_t = x]``, shape ``(n, d)``.

    Arguments as in :func:`gmm_linear_path_log_density`. The signature fits
    :func:`genmod.ode.solve_ode` after fixing the mixture, e.g.
    ``solve_ode(lambda x, t: gmm_linear_path_velocity(x, t, means, std), x0)``.
    Needs ``std > 0`` at ``t = 1`` (a point mass makes the field singular there).
    """
    t, means, weights = _prepare(x, t, means, weights)
    logs, var, diff = _component_log_terms(x, t, means, std, weights)
    post = torch.softmax(logs, dim=1)                       # p(k | x_t = x), (n, k)
    slope = (t * std**2 - (1 - t)) / var                    # (n, 1)
    comp = means[None] + slope[:, :, None] * diff           # u_t^k(x), (n, k, d)
    return (post[:, :, None] * comp).sum(1)
