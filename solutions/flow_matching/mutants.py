"""Plausible wrong answers to the flow-matching lab; the hidden tests must catch each one.

Run ``python -m grader mutants flow_matching`` to see the table.
"""

from grader.mutants import Mutant

MUTANTS = [
    Mutant("target_flipped", "sample_conditional_path", "    ut = x1 - x0", "    ut = x0 - x1",
           "conditional velocity points from data to noise"),
    Mutant("path_time_reversed", "sample_conditional_path", "xt = (1 - t) * x0 + t * x1",
           "xt = t * x0 + (1 - t) * x1", "path runs from data (t=0) to noise (t=1)"),
    Mutant("loss_mean_over_coordinates", "cfm_loss", ".sum(dim=1).mean()", ".mean()",
           "loss averaged over coordinates instead of summed (off by a factor d)"),
    Mutant("loss_velocity_at_x0", "cfm_loss", "velocity(xt, t)", "velocity(x0, t)",
           "network evaluated at the noise instead of at x_t"),
    Mutant("loss_time_reversed", "cfm_loss", "velocity(xt, t)", "velocity(xt, 1 - t)",
           "network told the wrong time"),
    Mutant("euler_end_time", "solver_steps", "x + h * velocity(x, t)", "x + h * velocity(x, t + h)",
           "Euler evaluates the velocity at the end of the step"),
    Mutant("midpoint_full_first_stage", "solver_steps", "x + 0.5 * h * velocity(x, t)",
           "x + h * velocity(x, t)", "midpoint state uses a full step instead of a half step"),
    Mutant("midpoint_time_not_advanced", "solver_steps", "velocity(x_half, t + 0.5 * h)",
           "velocity(x_half, t)", "midpoint stage evaluated at t instead of t + h/2"),
    Mutant("integrate_one_step_short", "integrate", "for k in range(n_steps):",
           "for k in range(n_steps - 1):", "off by one: n_steps - 1 steps"),
    Mutant("integrate_time_grid_shifted", "integrate", "t0 + k * h", "t0 + (k + 1) * h",
           "k-th step starts at t0 + (k+1) h"),
    Mutant("integrate_fixed_unit_interval", "integrate", "h = (t1 - t0) / n_steps", "h = 1.0 / n_steps",
           "step size ignores t0 and t1"),
    Mutant("sample_time_reversed", "sample", "integrate(velocity, x0, n_steps, method)",
           "integrate(velocity, x0, n_steps, method, t0=1.0, t1=0.0)",
           "sampler integrates from t=1 to t=0"),
    Mutant("sample_ignores_method", "sample", "integrate(velocity, x0, n_steps, method)",
           "integrate(velocity, x0, n_steps)", "sampler always uses Euler"),
    Mutant("sample_uniform_noise", "sample", "torch.randn(n, dim, generator=generator)",
           "torch.rand(n, dim, generator=generator)", "source noise uniform instead of Gaussian"),
]
