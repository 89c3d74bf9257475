"""A reference ODE solver for figures in the chapters.

The labs ask students to write their own fixed-step solvers (Euler, midpoint,
RK4 on the augmented CNF system); the chapters need an accurate solver to draw
trajectories and to serve as ground truth. This one hands the problem to
SciPy's adaptive Dormand-Prince method of order 8 (``DOP853``) in float64, so it
is neither a piece of a lab answer nor limited by a step size.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch


@torch.no_grad()
def solve_ode(velocity: Callable[[torch.Tensor, float], torch.Tensor], x0: torch.Tensor,
              t0: float = 0.0, t1: float = 1.0, steps: int = 50, return_path: bool = False,
              rtol: float = 1e-7, atol: float = 1e-9):
    """Integrate ``dx/dt = velocity(x, t)`` from ``t0`` to ``t1`` to tolerance ``rtol``/``atol``.

    ``velocity`` takes a tensor shaped like ``x0`` and a float time. Returns the
    final state (dtype and shape of ``x0``), or the path at ``steps + 1`` equally
    spaced times, shape ``(steps + 1, *x0.shape)``, when ``return_path`` is true.
    ``t1 < t0`` integrates backwards in time. The step size is chosen by the
    solver; ``steps`` only sets where the path is reported.
    """
    # Imported here: SciPy's integrate adds a quarter of a second to every kernel that imports genmod.
    from scipy.integrate import solve_ivp

    shape, dtype = x0.shape, x0.dtype

    def rhs(t, y):
        x = torch.from_numpy(y.reshape(shape)).to(dtype)
        return velocity(x, float(t)).to(torch.float64).reshape(-1).numpy()

    times = np.linspace(t0, t1, steps + 1)
    sol = solve_ivp(rhs, (t0, t1), x0.detach().to(torch.float64).reshape(-1).numpy(),
                    method="DOP853", t_eval=times if return_path else [t1], rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"solve_ode failed: {sol.message}")
    path = torch.from_numpy(sol.y.T.copy()).to(dtype).reshape(-1, *shape)
    if return_path:
        path[0] = x0
        return path
    return path[-1]
