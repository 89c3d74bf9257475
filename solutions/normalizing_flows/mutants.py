"""Plausible wrong answers to the normalizing-flows lab; the hidden tests must catch each one.

Run ``python -m grader mutants normalizing_flows`` to see the table.
"""

from grader.mutants import Mutant

MUTANTS = [
    # coupling layer
    Mutant("logdet_sign_flipped", "coupling", "logdet = ((1 - mask) * s).sum(dim=1)",
           "logdet = -((1 - mask) * s).sum(dim=1)", "log-determinant with the wrong sign"),
    Mutant("logdet_wrong_coordinates", "coupling", "logdet = ((1 - mask) * s).sum(dim=1)",
           "logdet = (mask * s).sum(dim=1)", "log-det summed over the kept coordinates (m instead of 1 - m)"),
    Mutant("conditioner_sees_unmasked_input", "coupling", "s, t = conditioner(xm)", "s, t = conditioner(x)",
           "forward conditioner reads all of x: not triangular, logdet and inverse wrong"),
    Mutant("inverse_wrong_order", "coupling", "(y - t) * torch.exp(-s)", "(y * torch.exp(-s) - t)",
           "inverse unscales before unshifting"),
    Mutant("inverse_exp_plus_s", "coupling", "(y - t) * torch.exp(-s)", "(y - t) * torch.exp(s)",
           "inverse multiplies by exp(+s)"),
    # composition
    Mutant("inverse_not_reversed", "compose", "reversed(layers)", "layers",
           "flow inverse undoes the layers in the forward order"),
    Mutant("logdet_not_accumulated", "compose", "logdet = logdet + layer_logdet", "logdet = layer_logdet",
           "only the last layer's log-determinant is kept"),
    # NLL
    Mutant("nll_missing_logdet", "flow_nll", "nll = -(log_base + logdet)", "nll = -log_base",
           "NLL without the log-determinant term"),
    Mutant("nll_logdet_sign", "flow_nll", "nll = -(log_base + logdet)", "nll = -(log_base - logdet)",
           "NLL adds the log-determinant instead of subtracting it"),
    Mutant("nll_missing_log_2pi", "flow_nll", " - 0.5 * z.shape[1] * math.log(2 * math.pi)", "",
           "NLL without the (d/2) log(2 pi) constant"),
    Mutant("nll_missing_half", "flow_nll", "-0.5 * (z**2).sum(dim=1)", "-(z**2).sum(dim=1)",
           "NLL with |z|^2 instead of |z|^2 / 2"),
    Mutant("nll_constant_not_times_d", "flow_nll", "0.5 * z.shape[1] * math.log", "0.5 * math.log",
           "log(2 pi) constant of one dimension only"),
    # exact divergence
    Mutant("divergence_sums_jacobian_row", "divergence", "div = div + grad_i[:, i]",
           "div = div + grad_i.sum(dim=1)", "sums whole Jacobian rows instead of the diagonal"),
    # CNF log-likelihood
    Mutant("cnf_trace_sign_flipped", "cnf_log_prob", "log_p1 = log_p0 - ell", "log_p1 = log_p0 + ell",
           "+tr instead of -tr in the instantaneous change of variables"),
    Mutant("cnf_wrong_time_direction", "cnf_log_prob", "t0, t1 = 1.0, 0.0", "t0, t1 = 0.0, 1.0",
           "augmented ODE integrated forwards from the data (t = 0 -> 1)"),
    Mutant("cnf_base_density_at_data", "cnf_log_prob", "-0.5 * (z**2).sum(dim=1)", "-0.5 * (x**2).sum(dim=1)",
           "base density evaluated at the data point instead of x_0"),
    Mutant("cnf_euler_not_rk4", "cnf_log_prob", "h * (k1x + 2 * k2x + 2 * k3x + k4x) / 6", "h * k1x",
           "state updated by Euler steps (log-density by RK4): inconsistent and first order"),
    # Hutchinson
    Mutant("hutchinson_uniform_probes", "hutchinson",
           "2 * torch.randint(0, 2, x.shape, generator=generator).to(x.dtype) - 1",
           "torch.rand(x.shape, generator=generator, dtype=x.dtype)", "probes uniform on [0, 1]: not centred"),
    Mutant("hutchinson_01_probes", "hutchinson",
           "2 * torch.randint(0, 2, x.shape, generator=generator).to(x.dtype) - 1",
           "torch.randint(0, 2, x.shape, generator=generator).to(x.dtype)", "probes in {0, 1} instead of {-1, +1}"),
    Mutant("hutchinson_no_second_probe", "hutchinson", "(eps_jac * eps).sum(dim=1)", "eps_jac.sum(dim=1)",
           "eps^T J 1 instead of eps^T J eps"),
    Mutant("hutchinson_outer_product", "hutchinson", "(eps_jac * eps).sum(dim=1)",
           "eps_jac.sum(dim=1) * eps.sum(dim=1)", "(eps^T J 1)(1^T eps): the outer product eps eps^T summed whole"),
    Mutant("hutchinson_shared_probe", "hutchinson", "x.shape, generator=generator).to(x.dtype) - 1",
           "(1, x.shape[1]), generator=generator).to(x.dtype) - 1", "one probe shared by the whole batch"),
    Mutant("hutchinson_not_averaged", "hutchinson", "estimate = estimate / n_probes", "estimate = estimate",
           "sum over probes instead of the mean"),
]
