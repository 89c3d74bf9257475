"""Plausible wrong answers to the interpolants lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants interpolants`` to see the table.
"""

from grader.mutants import Mutant

_XT = "xt = schedule.alpha(tt) * x1 + schedule.sigma(tt) * x0"
_VT = "vt = schedule.dalpha(tt) * x1 + schedule.dsigma(tt) * x0"
_B = "b = (da / a) * x + sg * (da * sg / a - dsg) * s"
_SDE_T = "t = torch.full((x.shape[0],), t0 + k * h, dtype=x.dtype)"
_SDE_STEP = "x = x + h * drift + math.sqrt(2 * eps * h) * noise"
_FD = "posterior_mean = m + c**2 * (x - tt * m) / lam"
_FS_E = "energy = energy + 0.5 * h * (u**2).sum(dim=1)"
_FS_X = "x = x + h * u + math.sqrt(h) * noise"
_MIX_LOGITS = ("    logits = (torch.log(weights) - 0.5 * d * torch.log(lam)\n"
               "              - (1 - stds**2) * sq_x / (2 * lam) + xm / lam - tt * sq_m / (2 * lam))\n")

MUTANTS = [
    # --- interpolate
    Mutant("interp_roles_swapped", "interpolate", _XT, "xt = schedule.alpha(tt) * x0 + schedule.sigma(tt) * x1",
           "alpha multiplies the source and sigma the data"),
    Mutant("interp_velocity_always_linear", "interpolate", _VT, "vt = x1 - x0",
           "the target velocity x1 - x0 of the linear path, whatever the schedule"),
    Mutant("interp_velocity_sign", "interpolate", _VT, "vt = schedule.dalpha(tt) * x1 - schedule.dsigma(tt) * x0",
           "sign of the source term (sigma decreases, its derivative is already negative)"),
    Mutant("interp_t_not_broadcast", "interpolate", "tt = t[:, None]", "tt = t",
           "t of shape (n,) broadcast along the coordinates instead of the rows"),
    Mutant("interp_velocity_coefficients", "interpolate", _VT,
           "vt = schedule.dalpha(tt) * x1 + schedule.dsigma(tt) * x1",
           "copy-paste: both terms use x1"),
    # --- drift_loss
    Mutant("drift_mean_over_coordinates", "drift_loss", "((b_model(t, xt) - vt) ** 2).sum(dim=1).mean()",
           "((b_model(t, xt) - vt) ** 2).mean()", "the mean over all entries divides by d"),
    Mutant("drift_model_at_x1", "drift_loss", "b_model(t, xt)", "b_model(t, x1)",
           "the model evaluated at the data point instead of x_t"),
    Mutant("drift_norm_not_squared", "drift_loss", "((b_model(t, xt) - vt) ** 2).sum(dim=1).mean()",
           "(b_model(t, xt) - vt).norm(dim=1).mean()", "the norm of the residual, not its square"),
    Mutant("drift_target_x1", "drift_loss", "b_model(t, xt) - vt", "b_model(t, xt) - x1",
           "regresses onto the data point (denoiser target) instead of the velocity"),
    # --- score_loss
    Mutant("score_target_noise", "score_loss", "target = -x0 / schedule.sigma(t)[:, None]", "target = -x0",
           "noise-prediction target without the 1/sigma_t"),
    Mutant("score_target_sign", "score_loss", "target = -x0 / schedule.sigma(t)[:, None]",
           "target = x0 / schedule.sigma(t)[:, None]", "sign of the score target"),
    Mutant("score_target_times_sigma", "score_loss", "target = -x0 / schedule.sigma(t)[:, None]",
           "target = -x0 * schedule.sigma(t)[:, None]", "multiplies by sigma_t instead of dividing"),
    Mutant("score_weighted_sigma2", "score_loss", "((s_model(t, xt) - target) ** 2).sum(dim=1).mean()",
           "((schedule.sigma(t)[:, None] * (s_model(t, xt) - target)) ** 2).sum(dim=1).mean()",
           "the sigma^2-weighted (denoiser) loss instead of the unweighted one the text asks for"),
    # --- velocity_from_score
    Mutant("vfs_score_sign", "velocity_from_score", _B, "b = (da / a) * x - sg * (da * sg / a - dsg) * s",
           "sign of the score term"),
    Mutant("vfs_missing_sigma", "velocity_from_score", _B, "b = (da / a) * x + (da * sg / a - dsg) * s",
           "E[x0 | x_t] = -sigma s: the factor sigma forgotten"),
    Mutant("vfs_dsigma_sign", "velocity_from_score", _B, "b = (da / a) * x + sg * (da * sg / a + dsg) * s",
           "sign of dsigma in the coefficient"),
    Mutant("vfs_no_alpha_division", "velocity_from_score", _B, "b = da * x + sg * (da * sg / a - dsg) * s",
           "E[x1 | x_t] = (x - sigma E[x0 | x_t]) / alpha: the division by alpha dropped in the x term"),
    # --- sde_sample
    Mutant("sde_noise_sqrt_eps_h", "sde_sample", _SDE_STEP, "x = x + h * drift + math.sqrt(eps * h) * noise",
           "noise sqrt(eps h) instead of sqrt(2 eps h)"),
    Mutant("sde_score_sign", "sde_sample", "drift = b(t, x) + eps * s(t, x)", "drift = b(t, x) - eps * s(t, x)",
           "the reverse-time sign of the score term"),
    Mutant("sde_right_end_time", "sde_sample", _SDE_T, "t = torch.full((x.shape[0],), t0 + (k + 1) * h, dtype=x.dtype)",
           "fields evaluated at the right end of the step"),
    Mutant("sde_step_ignores_t0", "sde_sample", "h = (t1 - t0) / n_steps", "h = 1.0 / n_steps",
           "step 1/n_steps whatever the interval"),
    Mutant("sde_global_generator", "sde_sample", "noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)",
           "noise = torch.randn_like(x)", "the generator argument ignored"),
    Mutant("sde_one_step_short", "sde_sample", "for k in range(n_steps):", "for k in range(n_steps - 1):",
           "off by one: n_steps - 1 steps"),
    # --- follmer_drift
    Mutant("follmer_no_division", "follmer_drift", "u = (posterior_mean - x) / (1 - tt)", "u = posterior_mean - x",
           "the bridge drift without 1/(1 - t)"),
    Mutant("follmer_lambda_without_minus_t", "follmer_drift", "lam = tt * c**2 + 1 - tt", "lam = tt * c**2 + 1",
           "Var(X_t)/t computed as t c^2 + 1"),
    Mutant("follmer_c_not_squared", "follmer_drift", _FD, "posterior_mean = m + c * (x - tt * m) / lam",
           "the standard deviation used for the variance in the gain"),
    Mutant("follmer_posterior_not_centred", "follmer_drift", _FD, "posterior_mean = m + c**2 * (x - m) / lam",
           "centres x at m instead of at its mean t m"),
    # --- follmer_sample
    Mutant("fs_energy_no_half", "follmer_sample", _FS_E, "energy = energy + h * (u**2).sum(dim=1)",
           "control energy int |u|^2 instead of int |u|^2 / 2"),
    Mutant("fs_energy_mean_coords", "follmer_sample", _FS_E, "energy = energy + 0.5 * h * (u**2).mean(dim=1)",
           "the squared norm averaged over coordinates"),
    Mutant("fs_noise_sqrt_2h", "follmer_sample", _FS_X, "x = x + h * u + math.sqrt(2 * h) * noise",
           "the sqrt(2h) noise of Langevin instead of the Brownian motion's sqrt(h)"),
    Mutant("fs_start_from_noise", "follmer_sample", "x = torch.zeros(n, d, dtype=torch.float64)",
           "x = torch.randn(n, d, generator=generator, dtype=torch.float64)", "starts from N(0, I) instead of 0"),
    Mutant("fs_energy_not_accumulated", "follmer_sample",
           "        energy = energy + 0.5 * h * (u**2).sum(dim=1)\n",
           "", "energy not accumulated (stays 0)"),
    Mutant("fs_energy_last_step_only", "follmer_sample", "energy = energy + 0.5 * h", "energy = 0.5 * h",
           "the energy overwritten at each step"),
    # --- follmer_drift_mixture
    Mutant("mix_no_logdet", "follmer_drift_mixture", " - 0.5 * d * torch.log(lam)", "",
           "the (d/2) log lambda_k normalisation of each component dropped"),
    Mutant("mix_no_log_weights", "follmer_drift_mixture", "torch.log(weights) - 0.5", "- 0.5",
           "the mixture weights left out of the responsibilities"),
    Mutant("mix_softmax_wrong_dim", "follmer_drift_mixture", "torch.softmax(logits, dim=1)", "torch.softmax(logits, dim=0)",
           "normalised over the points instead of the components"),
    Mutant("mix_unsimplified", "follmer_drift_mixture", "- (1 - stds**2) * sq_x / (2 * lam)",
           "- sq_x / (2 * tt * lam)", "keeps |x|^2 / (2 t lambda_k): exact for t > 0, infinite at t = 0"),
    Mutant("mix_prior_means", "follmer_drift_mixture",
           "cond_mean = means[None] + (stds**2)[None, :, None] * (x[:, None, :] - tt[:, :, None] * means[None]) / lam[:, :, None]",
           "cond_mean = means[None].expand(x.shape[0], -1, -1)",
           "E[x1 | X_t, k] replaced by m_k"),
    Mutant("mix_weights_not_exp", "follmer_drift_mixture", "r = torch.softmax(logits, dim=1)",
           "r = logits / logits.sum(dim=1, keepdim=True)", "normalises the log-weights instead of their exponentials"),
    # --- numeric answers
    Mutant("answer_slope_no_variance", "numeric_answers",
           "answer_velocity_slope = (0.5 * 4 - 0.5) / (0.25 * 4 + 0.25)", "answer_velocity_slope = 1.5",
           "forgets to divide by Var(x_t)"),
    Mutant("answer_eps_slope", "numeric_answers", "answer_eps_pure_noise = 0.5 * 4 - 0.5", "answer_eps_pure_noise = 1.2",
           "takes eps = k instead of k Var(x_t)"),
    Mutant("answer_energy_no_log", "numeric_answers",
           "answer_control_energy = 0.5 * (2 * 0.25 + 2 - 2 - 2 * math.log(0.25))", "answer_control_energy = 0.25",
           "KL without the log-determinant term"),
    Mutant("answer_energy_std_for_var", "numeric_answers",
           "answer_control_energy = 0.5 * (2 * 0.25 + 2 - 2 - 2 * math.log(0.25))",
           "answer_control_energy = 0.5 * (2 * 0.5 + 2 - 2 - 2 * math.log(0.5))", "c used for c^2"),
    # --- correct alternatives
    Mutant("eq_interp_unsqueeze", "interpolate", "tt = t[:, None]", "tt = t.unsqueeze(-1)", "unsqueeze"),
    Mutant("eq_drift_mse", "drift_loss", "loss = ((b_model(t, xt) - vt) ** 2).sum(dim=1).mean()",
           "loss = torch.nn.functional.mse_loss(b_model(t, xt), vt, reduction=\"sum\") / x0.shape[0]",
           "library MSE summed, divided by n"),
    Mutant("eq_score_scaled", "score_loss", "loss = ((s_model(t, xt) - target) ** 2).sum(dim=1).mean()",
           "sg = schedule.sigma(t)[:, None]\n    loss = (((sg * s_model(t, xt) + x0) / sg) ** 2).sum(dim=1).mean()",
           "the residual written as (sigma s + x0) / sigma"),
    Mutant("eq_vfs_denoiser", "velocity_from_score", _B,
           "eta0 = -sg * s\n    eta1 = (x - sg * eta0) / a\n    b = da * eta1 + dsg * eta0",
           "through the two conditional means E[x0 | x_t] and E[x1 | x_t]"),
    Mutant("eq_sde_linspace", "sde_sample", _SDE_T,
           "t = torch.linspace(t0, t1, n_steps + 1, dtype=x.dtype)[k].expand(x.shape[0])",
           "time grid from torch.linspace"),
    Mutant("eq_follmer_simplified", "follmer_drift",
           "    posterior_mean = m + c**2 * (x - tt * m) / lam\n    u = (posterior_mean - x) / (1 - tt)\n",
           "    u = (m + (c**2 - 1) * x) / lam\n", "the simplified form (m + (c^2 - 1) x) / (t c^2 + 1 - t)"),
    Mutant("eq_fs_energy_total", "follmer_sample", "energy = energy.mean()", "energy = energy.sum() / n",
           "sum over paths divided by n"),
    Mutant("eq_mix_logsumexp", "follmer_drift_mixture", "r = torch.softmax(logits, dim=1)",
           "r = torch.exp(logits - torch.logsumexp(logits, dim=1, keepdim=True))", "softmax by hand"),
    Mutant("eq_answers_literals", "numeric_answers", "answer_velocity_slope = (0.5 * 4 - 0.5) / (0.25 * 4 + 0.25)",
           "answer_velocity_slope = 1.2", "a literal"),
    Mutant("eq_answer_energy_rounded", "numeric_answers",
           "answer_control_energy = 0.5 * (2 * 0.25 + 2 - 2 - 2 * math.log(0.25))", "answer_control_energy = 1.636",
           "a rounded literal"),
]
