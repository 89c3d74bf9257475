"""Plausible wrong answers to the diffusion lab, and correct alternatives that must keep full marks.

Run ``python -m grader mutants diffusion`` to see the table. Every bug must lose points in at
most two test cells (its own, and the sample-quality cell for the loss and the forward process);
every ``eq_`` entry must keep full marks.
"""

from grader.mutants import Mutant

POSTERIOR_MEAN = """x0_hat = (xt - (1 - ab).sqrt() * eps_model(xt, t)) / ab.sqrt()
    mean = ab_prev.sqrt() * beta / (1 - ab) * x0_hat + alpha.sqrt() * (1 - ab_prev) / (1 - ab) * xt"""

DDIM_REWRITTEN = """kappa = eta * ((1 - ab_r) / (1 - ab_t)).sqrt() * (1 - ab_t / ab_r).sqrt()
    coef_eps = (1 - ab_r - kappa**2).clamp(min=0).sqrt() - (ab_r * (1 - ab_t) / ab_t).sqrt()
    x_r = (ab_r / ab_t).sqrt() * xt + coef_eps * eps + kappa * z
    return x_r"""

MUTANTS = [
    # q_sample
    Mutant("q_sample_alpha_bar_not_sqrt", "q_sample", "ab.sqrt() * x0", "ab * x0",
           "forward mean alpha_bar x0 instead of sqrt(alpha_bar) x0"),
    Mutant("q_sample_std_as_variance", "q_sample", "(1 - ab).sqrt() * eps", "(1 - ab) * eps",
           "noise scaled by the variance 1 - alpha_bar instead of its square root"),
    Mutant("q_sample_alphas_not_alpha_bars", "q_sample", "sched.alpha_bars[t]", "sched.alphas[t]",
           "one-step alpha_t instead of the cumulative alpha_bar_t"),
    Mutant("q_sample_index_t_minus_1", "q_sample", "sched.alpha_bars[t]", "sched.alpha_bars[t - 1]",
           "paper-vs-code off-by-one: alpha_bar indexed at t - 1"),
    Mutant("eq_q_sample_in_float64", "q_sample",
           "ab = sched.alpha_bars[t].reshape(-1, 1)\n    xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps",
           "ab = sched.alpha_bars[t].double()[:, None]\n    xt = (ab.sqrt() * x0.double() + (1 - ab).sqrt() * eps.double()).to(x0.dtype)",
           "computed in float64 and cast back to the input dtype"),
    # eps_loss
    Mutant("loss_x0_target", "eps_loss", "eps_model(xt, t) - eps)", "eps_model(xt, t) - x0)",
           "network regressed on x0 instead of the noise"),
    Mutant("loss_mean_over_coordinates", "eps_loss", ".sum(dim=1).mean()", ".mean()",
           "loss averaged over coordinates instead of summed (off by a factor d)"),
    Mutant("loss_model_on_x0", "eps_loss", "eps_model(xt, t)", "eps_model(x0, t)",
           "the network sees the clean data instead of x_t"),
    Mutant("loss_norm_not_squared", "eps_loss", "((eps_model(xt, t) - eps) ** 2).sum(dim=1).mean()",
           "(eps_model(xt, t) - eps).norm(dim=1).mean()", "Euclidean norm instead of its square"),
    Mutant("loss_detached", "eps_loss", "((eps_model(xt, t) - eps) ** 2)", "((eps_model(xt, t).detach() - eps) ** 2)",
           "model output detached: no gradient reaches the parameters"),
    Mutant("eq_loss_mse_sum", "eps_loss", "loss = ((eps_model(xt, t) - eps) ** 2).sum(dim=1).mean()",
           'loss = torch.nn.functional.mse_loss(eps_model(xt, t), eps, reduction="sum") / x0.shape[0]',
           "F.mse_loss with a sum, divided by the batch size"),
    # Question A
    Mutant("tweedie_no_sqrt", "answer_tweedie", "3.5", "2.875",
           "alpha_bar instead of sqrt(alpha_bar) in the posterior mean"),
    # ddpm_step
    Mutant("ddpm_beta_variance", "ddpm_step", "var = (1 - ab_prev) / (1 - ab) * beta", "var = beta",
           "variance beta_t instead of beta_tilde_t (and noise added at t = 1)"),
    Mutant("ddpm_mean_times_sqrt_alpha", "ddpm_step", ") / alpha.sqrt()", ") * alpha.sqrt()",
           "mean multiplied by sqrt(alpha_t) instead of divided"),
    Mutant("ddpm_divides_by_alpha_bar", "ddpm_step", ") / alpha.sqrt()", ") / ab.sqrt()",
           "mean divided by sqrt(alpha_bar_t) instead of sqrt(alpha_t)"),
    Mutant("ddpm_eps_coef_no_sqrt", "ddpm_step", "beta / (1 - ab).sqrt()", "beta / (1 - ab)",
           "eps coefficient beta_t / (1 - alpha_bar_t) without the square root"),
    Mutant("ddpm_model_at_t_minus_1", "ddpm_step", "eps_model(xt, t)", "eps_model(xt, t - 1)",
           "network evaluated at the next time t - 1"),
    Mutant("eq_ddpm_posterior_mean_form", "ddpm_step",
           "mean = (xt - beta / (1 - ab).sqrt() * eps_model(xt, t)) / alpha.sqrt()", POSTERIOR_MEAN,
           "the posterior mean tilde_mu(x_t, x0_hat) (loses digits in float32 at t = 1)"),
    Mutant("eq_ddpm_alpha_from_ratio", "ddpm_step", "beta, alpha = sched.betas[t], sched.alphas[t]",
           "alpha = sched.alpha_bars[t] / sched.alpha_bars[t - 1]\n    beta = 1 - alpha",
           "alpha_t recovered as alpha_bar_t / alpha_bar_{t-1}"),
    # ddim_step
    Mutant("ddim_direction_sign", "ddim_step", "ab_r.sqrt() * x0_hat + direction", "ab_r.sqrt() * x0_hat - direction",
           "sign error in the direction term"),
    Mutant("ddim_kappa_ratio_not_sqrt", "ddim_step", "((1 - ab_r) / (1 - ab_t)).sqrt()", "((1 - ab_r) / (1 - ab_t))",
           "kappa without the square root of the variance ratio"),
    Mutant("ddim_eta_scales_variance", "ddim_step", "kappa = eta *", "kappa = eta ** 0.5 *",
           "eta multiplies kappa^2 instead of kappa"),
    Mutant("ddim_x0_hat_over_ab_r", "ddim_step", "/ ab_t.sqrt()", "/ ab_r.sqrt()",
           "x0_hat divided by sqrt(alpha_bar) of the target time"),
    Mutant("ddim_model_at_r", "ddim_step", "eps_model(xt, t)", "eps_model(xt, r)",
           "network evaluated at the target time r"),
    Mutant("eq_ddim_rewritten_in_x_t", "ddim_step",
           "kappa = eta * ((1 - ab_r) / (1 - ab_t)).sqrt() * (1 - ab_t / ab_r).sqrt()", DDIM_REWRITTEN,
           "x0_hat substituted: x_r = sqrt(ab_r / ab_t) x_t + (...) eps + kappa z"),
    # Question B
    Mutant("kappa_missing_second_factor", "answer_kappa_sq", "0.24609375", "0.5625",
           "only the ratio (1 - alpha_bar_r) / (1 - alpha_bar_t)"),
    # samplers
    Mutant("ddpm_sample_skips_first_step", "samplers", "range(sched.T, 0, -1)", "range(sched.T - 1, 0, -1)",
           "off by one: DDPM loop starts at T - 1"),
    Mutant("ddpm_sample_ignores_generator", "samplers",
           "generator=generator, dtype=x.dtype)\n        x = ddpm_step", "dtype=x.dtype)\n        x = ddpm_step",
           "DDPM noise drawn from the global generator"),
    Mutant("ddim_sample_ignores_eta", "samplers", "eta=eta)", "eta=0.0)",
           "DDIM sampler always deterministic"),
    Mutant("ddim_grid_truncated", "samplers", ".round().long()", ".long()",
           "time grid truncated instead of rounded"),
    Mutant("ddim_grid_assumes_T_1000", "samplers", "torch.linspace(sched.T, 0", "torch.linspace(1000, 0",
           "grid hard-coded for T = 1000"),
    Mutant("ddim_noise_float32", "samplers",
           "dtype=x.dtype)\n        x = ddim_step", ")\n        x = ddim_step",
           "DDIM noise drawn in the default dtype, not the dtype of x"),
    Mutant("eq_ddpm_sample_via_ddim", "samplers",
           "x = xT\n    for t in range(sched.T, 0, -1):\n        z = torch.randn(x.shape, generator=generator, dtype=x.dtype)\n        x = ddpm_step(eps_model, x, t, z, sched)",
           "x = ddim_sample(eps_model, xT, sched, n_steps=sched.T, eta=1.0, generator=generator)",
           "DDPM as DDIM with eta = 1 through every time"),
    Mutant("eq_ddim_grid_float64", "samplers", "torch.linspace(sched.T, 0, n_steps + 1)",
           "torch.linspace(sched.T, 0, n_steps + 1, dtype=torch.float64)", "the grid built in float64"),
    Mutant("eq_ddim_grid_python_round", "samplers", "ts = torch.linspace(sched.T, 0, n_steps + 1).round().long().tolist()",
           "ts = [round(sched.T * (1 - i / n_steps)) for i in range(n_steps + 1)]", "the grid in plain Python"),
    # reverse_sde_step
    Mutant("em_noise_sqrt_half", "reverse_sde_step", "math.sqrt(b * h) * z", "math.sqrt(b * h / 2) * z",
           "noise sqrt(beta h / 2) instead of sqrt(beta h)"),
    Mutant("em_score_sign", "reverse_sde_step", "+ b * score(x, tau)", "- b * score(x, tau)",
           "score term of the reverse drift with the wrong sign"),
    Mutant("em_forward_drift", "reverse_sde_step", "0.5 * b * x + b", "-0.5 * b * x + b",
           "forward drift -beta x / 2 not reversed"),
    Mutant("em_score_at_next_time", "reverse_sde_step", "score(x, tau)", "score(x, tau - h)",
           "score evaluated at the next time"),
    Mutant("eq_em_float32_sqrt", "reverse_sde_step", "math.sqrt(b * h) * z", "torch.tensor(b * h).sqrt() * z",
           "the noise scale as a float32 tensor"),
    # pf_ode_sample
    Mutant("pf_euler", "pf_ode_sample", "x = x - 0.5 * h * (slope + slope_next)", "x = x - h * slope",
           "Euler's method instead of Heun's"),
    Mutant("pf_corrector_wrong_direction", "pf_ode_sample", "x = x - 0.5 * h * (slope + slope_next)",
           "x = x + 0.5 * h * (slope + slope_next)", "corrector integrates forwards in time"),
    Mutant("pf_beta_at_same_time", "pf_ode_sample", "-0.5 * beta(tau_next)", "-0.5 * beta(tau)",
           "second slope with beta at the current time"),
    Mutant("pf_score_at_same_time", "pf_ode_sample", "score(x_pred, tau_next)", "score(x_pred, tau)",
           "second slope with the score at the current time"),
    Mutant("pf_ignores_tau_end", "pf_ode_sample", "h = (1.0 - tau_end) / n_steps", "h = 1.0 / n_steps",
           "integrates down to 0 whatever tau_end"),
    Mutant("pf_missing_half", "pf_ode_sample", "slope = -0.5 * beta(tau)", "slope = -beta(tau)",
           "first slope without the factor 1/2"),
    Mutant("eq_pf_float32_grid", "pf_ode_sample", "taus = [1.0 - k * h for k in range(n_steps + 1)]",
           "taus = torch.linspace(1.0, tau_end, n_steps + 1).tolist()", "the grid from a float32 linspace"),
    Mutant("eq_pf_average_of_points", "pf_ode_sample", "x = x - 0.5 * h * (slope + slope_next)",
           "x = 0.5 * (x + x_pred - h * slope_next)", "Heun as the average of x and an Euler step from x_pred"),
    Mutant("eq_pf_tensor_times", "pf_ode_sample", "taus = [1.0 - k * h for k in range(n_steps + 1)]",
           "taus = torch.linspace(1.0, tau_end, n_steps + 1)", "times passed as 0-d float32 tensors"),
]
