"""A reference ODE integrator for figures in the chapters.

The labs ask students to write their own Euler and midpoint solvers; the
chapters need an accurate solver to draw trajectories, and classical
fourth-order Runge-Kutta is the textbook choice.
"""

from __future__ import annotations

from typing import Callable

import torch


@torch.no_grad()
def rk4(velocity: Callable[[torch.Tensor, float], torch.Tensor], x0: torch.Tensor,
        t0: float = 0.0, t1: float = 1.0, steps: int = 50, return_path: bool = False):
    """Integrate ``dx/dt = velocity(x, t)`` from ``t0`` to ``t1`` with ``steps`` RK4 steps.

    Returns the final state, or the whole path of shape ``(steps + 1, *x0.shape)``
    when ``return_path`` is true. ``t1 < t0`` integrates backwards in time.
    """
    h = (t1 - t0) / steps
    x = x0
    path = [x0]
    for k in range(steps):
        t = t0 + k * h
        k1 = velocity(x, t)
        k2 = velocity(x + 0.5 * h * k1, t + 0.5 * h)
        k3 = velocity(x + 0.5 * h * k2, t + 0.5 * h)
        k4 = velocity(x + h * k3, t + h)
        x = x + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        if return_path:
            path.append(x)
    return torch.stack(path) if return_path else x
