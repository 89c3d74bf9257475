"""Plausible wrong answers to the sampling lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants sampling`` to see the table.
"""

from grader.mutants import Mutant

_NOISE = "torch.randn(x.shape, generator=generator, dtype=x.dtype)"
_MALA_DRAWS = ("    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)\n"
               "    y = x + h * score(x) + math.sqrt(2 * h) * noise\n"
               "    uniforms = torch.rand(x.shape[0], generator=generator, dtype=x.dtype)\n")
_CHAIN = ("    x = x0\n"
          "    path = [x0]\n"
          "    for _ in range(n_steps):\n"
          "        x = ula_step(score, x, h, generator)\n"
          "        path.append(x)\n")
_PAIRS = ("    i, j = torch.triu_indices(n, n, offset=1)\n"
          "    dist = (x[i] - x[j]).norm(dim=1)\n")
_DSM = "loss = ((score_model(x_noisy) + eps / sigma) ** 2).sum(dim=1).mean()"
_KSD_END = "ksd = (u.sum() - u.diagonal().sum()) / (n * (n - 1))"

MUTANTS = [
    # --- ula_step
    Mutant("ula_noise_sqrt_h", "ula_step", "math.sqrt(2 * h) * noise", "math.sqrt(h) * noise",
           "noise scale sqrt(h) instead of sqrt(2h): samples a tempered target (variance halved)"),
    Mutant("ula_noise_variance_as_scale", "ula_step", "math.sqrt(2 * h) * noise", "2 * h * noise",
           "the noise variance 2h used as its standard deviation"),
    Mutant("ula_half_drift", "ula_step", "x + h * score(x)", "x + 0.5 * h * score(x)",
           "drift (h/2) score with noise sqrt(2h): step and noise decoupled"),
    Mutant("ula_score_sign", "ula_step", "x + h * score(x)", "x - h * score(x)",
           "descends log p (the energy's sign convention applied to the score)"),
    Mutant("ula_global_generator", "ula_step", _NOISE, "torch.randn_like(x)",
           "noise from the global generator: the generator argument is ignored"),
    Mutant("ula_noise_float32", "ula_step", _NOISE, "torch.randn(x.shape, generator=generator)",
           "noise always drawn in float32, another stream for float64 states"),
    # --- ula_chain
    Mutant("chain_one_step_short", "ula_chain", "for _ in range(n_steps):", "for _ in range(n_steps - 1):",
           "off by one: n_steps - 1 steps"),
    Mutant("chain_restarts_from_x0", "ula_chain", "x = ula_step(score, x, h, generator)",
           "x = ula_step(score, x0, h, generator)", "every step starts again from x0"),
    Mutant("chain_drops_generator", "ula_chain", "x = ula_step(score, x, h, generator)",
           "x = ula_step(score, x, h)", "the generator is not passed on: not reproducible"),
    Mutant("chain_path_without_x0", "ula_chain", "path = [x0]", "path = []",
           "the path omits the initial state"),
    Mutant("chain_in_place", "ula_chain", "x = ula_step(score, x, h, generator)",
           "x += ula_step(score, x, h, generator) - x", "updates x0 in place: x0 changes and the path aliases it"),
    # --- mala_log_acceptance
    Mutant("mala_proposal_terms_swapped", "mala_log_acceptance", "+ log_q_backward - log_q_forward",
           "+ log_q_forward - log_q_backward", "q(y|x)/q(x|y) instead of q(x|y)/q(y|x)"),
    Mutant("mala_no_proposal_correction", "mala_log_acceptance", " + log_q_backward - log_q_forward", "",
           "plain Metropolis ratio p(y)/p(x) with an asymmetric proposal"),
    Mutant("mala_backward_mean_from_x", "mala_log_acceptance", "x - y - h * score(y)", "x - y - h * score(x)",
           "the reverse proposal is centred at y + h score(x) instead of y + h score(y)"),
    Mutant("mala_forward_mean_from_y", "mala_log_acceptance", "y - x - h * score(x)", "y - x - h * score(y)",
           "the forward proposal is centred at x + h score(y)"),
    Mutant("mala_no_min", "mala_log_acceptance", "log_alpha = torch.clamp(log_ratio, max=0.0)",
           "log_alpha = log_ratio", "the ratio without min(1, .): log alpha can be positive"),
    Mutant("mala_proposal_variance_h", "mala_log_acceptance", "+ log_q_backward - log_q_forward",
           "+ 2 * (log_q_backward - log_q_forward)", "proposal variance h instead of 2h in q"),
    Mutant("mala_target_ratio_inverted", "mala_log_acceptance", "log_prob(y) - log_prob(x)",
           "log_prob(x) - log_prob(y)", "p(x)/p(y) instead of p(y)/p(x)"),
    Mutant("mala_forward_mean_without_h", "mala_log_acceptance", "y - x - h * score(x)", "y - x - score(x)",
           "forward proposal mean x + score(x), without the step"),
    # --- mala_step
    Mutant("mala_step_draw_order", "mala_step", _MALA_DRAWS,
           "    uniforms = torch.rand(x.shape[0], generator=generator, dtype=x.dtype)\n"
           "    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)\n"
           "    y = x + h * score(x) + math.sqrt(2 * h) * noise\n",
           "uniforms drawn before the proposal noise, against the pinned order"),
    Mutant("mala_step_accept_reversed", "mala_step", "torch.log(uniforms) < mala_log_acceptance",
           "torch.log(uniforms) > mala_log_acceptance", "accepts where u > alpha"),
    Mutant("mala_step_u_against_log_alpha", "mala_step", "torch.log(uniforms) < mala_log_acceptance",
           "uniforms < mala_log_acceptance", "compares u (not log u) with log alpha: rejects almost everything"),
    Mutant("mala_step_always_moves", "mala_step", "x_next = torch.where(accepted[:, None], y, x)", "x_next = y",
           "rejected proposals are kept anyway: ULA"),
    Mutant("mala_step_where_swapped", "mala_step", "torch.where(accepted[:, None], y, x)",
           "torch.where(accepted[:, None], x, y)", "stays when accepted, moves when rejected"),
    Mutant("mala_step_noise_sqrt_h", "mala_step", "math.sqrt(2 * h) * noise", "math.sqrt(h) * noise",
           "proposal noise sqrt(h)"),
    Mutant("mala_step_args_swapped", "mala_step", "mala_log_acceptance(log_prob, score, x, y, h)",
           "mala_log_acceptance(log_prob, score, y, x, h)", "acceptance of the reverse move y -> x"),
    # --- median_bandwidth
    Mutant("bw_two_log_n", "median_bandwidth", "/ math.log(n)", "/ (2 * math.log(n))",
           "the med^2 / (2 log n) convention, not the one the lab grades"),
    Mutant("bw_median_not_squared", "median_bandwidth", "dist.median() ** 2", "dist.median()",
           "med / log n: the bandwidth has the units of a distance, not of a squared distance"),
    Mutant("bw_with_diagonal", "median_bandwidth", _PAIRS, "    dist = torch.cdist(x, x).reshape(-1)\n",
           "median over the full distance matrix, zero diagonal and both orders included"),
    Mutant("bw_mean_distance", "median_bandwidth", "dist.median()", "dist.mean()", "mean distance instead of median"),
    Mutant("bw_squared_then_squared", "median_bandwidth", "dist = (x[i] - x[j]).norm(dim=1)",
           "dist = ((x[i] - x[j]) ** 2).sum(dim=1)", "median of squared distances, squared again"),
    # --- svgd_step
    Mutant("svgd_attraction", "svgd_step", "repulse = (2 / bandwidth)", "repulse = (-2 / bandwidth)",
           "kernel gradient with the wrong sign: the particles attract"),
    Mutant("svgd_sum_over_particles", "svgd_step", "(drive + repulse) / x.shape[0]", "(drive + repulse)",
           "sum over j instead of the mean"),
    Mutant("svgd_self_term_excluded", "svgd_step", "drive = k @ score(x)",
           "drive = (k - torch.eye(x.shape[0], dtype=x.dtype)) @ score(x)",
           "j = i left out of the driving term"),
    Mutant("svgd_kernel_gradient_factor", "svgd_step", "repulse = (2 / bandwidth)", "repulse = (1 / bandwidth)",
           "gradient of exp(-r^2 / l) taken as -(r / l) k"),
    Mutant("svgd_kernel_two_l", "svgd_step", "torch.exp(-(diff**2).sum(dim=-1) / bandwidth)",
           "torch.exp(-(diff**2).sum(dim=-1) / (2 * bandwidth))", "kernel exp(-r^2 / (2 l)) with the gradient of exp(-r^2 / l)"),
    Mutant("svgd_repulse_wrong_axis", "svgd_step", "(k[:, :, None] * diff).sum(dim=1)",
           "(k[:, :, None] * diff).sum(dim=0)", "kernel gradient summed over the wrong index: attraction"),
    Mutant("svgd_always_median", "svgd_step", "    if bandwidth is None:\n        bandwidth = median_bandwidth(x)\n",
           "    bandwidth = median_bandwidth(x)\n", "the bandwidth argument is ignored"),
    # --- cd_loss
    Mutant("cd_sign_reversed", "cd_loss", "e_data.mean() - e_model.mean()", "e_model.mean() - e_data.mean()",
           "E(model) - E(data): raises the data's energy"),
    Mutant("cd_model_samples_not_detached", "cd_loss", "energy(x_model.detach())", "energy(x_model)",
           "gradient flows through the sampler into the parameters"),
    Mutant("cd_sum_not_mean", "cd_loss", "e_data.mean() - e_model.mean()", "e_data.sum() - e_model.sum()",
           "sums instead of means: wrong when n != m"),
    Mutant("cd_reg_data_only", "cd_loss", "((e_data**2).mean() + (e_model**2).mean())", "(e_data**2).mean()",
           "regulariser on the data energies only"),
    Mutant("cd_reg_square_of_mean", "cd_loss", "((e_data**2).mean() + (e_model**2).mean())",
           "(e_data.mean() ** 2 + e_model.mean() ** 2)", "square of the mean energy instead of the mean squared energy"),
    Mutant("cd_model_energy_detached", "cd_loss", "e_model = energy(x_model.detach())",
           "e_model = energy(x_model).detach()", "the model energies detached instead of the samples: no negative phase"),
    Mutant("cd_reg_sign", "cd_loss", "+ lam * (", "- lam * (", "regulariser subtracted"),
    # --- dsm_loss
    Mutant("dsm_target_sign", "dsm_loss", "+ eps / sigma", "- eps / sigma",
           "target +eps / sigma: the kernel's score has the opposite sign"),
    Mutant("dsm_sigma_squared", "dsm_loss", "eps / sigma)", "eps / sigma**2)",
           "target -eps / sigma^2 (the score in terms of x~ - x is -(x~ - x) / sigma^2 = -eps / sigma)"),
    Mutant("dsm_sigma_squared_weighting", "dsm_loss", "loss = ((", "loss = sigma**2 * ((",
           "weighted by lambda(sigma) = sigma^2 although the lab asks for no weighting"),
    Mutant("dsm_half", "dsm_loss", "loss = ((", "loss = 0.5 * ((", "a factor 1/2 the loss above does not have"),
    Mutant("dsm_mean_over_coordinates", "dsm_loss", ".sum(dim=1).mean()", ".mean()",
           "averaged over coordinates too (off by a factor d)"),
    Mutant("dsm_model_at_clean_point", "dsm_loss", "score_model(x_noisy)", "score_model(x)",
           "the model evaluated at the clean data"),
    Mutant("dsm_noise_not_scaled", "dsm_loss", "x_noisy = x + sigma * eps", "x_noisy = x + eps",
           "perturbation of scale 1 whatever sigma"),
    # --- ksd_u_statistic
    Mutant("ksd_v_statistic", "ksd_u_statistic", _KSD_END, "ksd = u.mean()",
           "V-statistic: keeps the pairs i = j (biased, always >= 0)"),
    Mutant("ksd_diagonal_zeroed_mean", "ksd_u_statistic", "/ (n * (n - 1))", "/ n**2",
           "drops i = j but divides by n^2"),
    Mutant("ksd_trace_d_over_l", "ksd_u_statistic", "2 * d / bandwidth", "d / bandwidth",
           "trace term d / l instead of 2d / l"),
    Mutant("ksd_trace_sign", "ksd_u_statistic", "- 4 * sq / bandwidth**2", "+ 4 * sq / bandwidth**2",
           "trace term with the wrong sign of its second part"),
    Mutant("ksd_cross_sign", "ksd_u_statistic", "(s[:, None, :] - s[None, :, :])",
           "(s[None, :, :] - s[:, None, :])", "s(x)^T grad_y k + s(y)^T grad_x k with the gradients' signs swapped"),
    Mutant("ksd_trace_factor", "ksd_u_statistic", "- 4 * sq / bandwidth**2", "- 2 * sq / bandwidth**2",
           "second derivative of the kernel off by a factor 2"),
    Mutant("ksd_no_score_term", "ksd_u_statistic", "u = (s @ s.T + cross + trace) * k", "u = (cross + trace) * k",
           "forgets s(x)^T s(y) k"),
    # --- numeric answers
    Mutant("answer_ula_sqrt_h_noise", "numeric_answers", "answer_ula_variance = 4 / (1 - 1 / 8)",
           "answer_ula_variance = 1 / (1 - (1 - 1 / 4) ** 2)", "noise variance h instead of 2h: 16/7"),
    Mutant("answer_ula_unbiased", "numeric_answers", "answer_ula_variance = 4 / (1 - 1 / 8)",
           "answer_ula_variance = 4.0", "assumes ULA is exact"),
    Mutant("answer_dsm_sigma_not_squared", "numeric_answers", "-1 / (0.25 + 0.09)", "-1 / (0.25 + 0.3)",
           "adds sigma instead of sigma^2"),
    Mutant("answer_dsm_clean_score", "numeric_answers", "-1 / (0.25 + 0.09)", "-1 / 0.25",
           "the clean data's score slope, not the noisy data's"),
    Mutant("answer_temperature_no_half", "numeric_answers", "0.005**2 / (2 * 0.01)", "0.005**2 / 0.01",
           "T = delta^2 / eta (forgets the 2 of sqrt(2 eta T))"),
    Mutant("answer_temperature_inverse", "numeric_answers", "0.005**2 / (2 * 0.01)", "2 * 0.01 / 0.005**2",
           "inverse temperature"),

    # --- correct alternative forms: full marks
    Mutant("eq_ula_torch_normal", "ula_step", _NOISE,
           "torch.normal(0.0, 1.0, x.shape, generator=generator, dtype=x.dtype)", "torch.normal draws the same numbers"),
    Mutant("eq_ula_power_half", "ula_step", "math.sqrt(2 * h) * noise", "(2 * h) ** 0.5 * noise", "another square root"),
    Mutant("eq_chain_path_list", "ula_chain", _CHAIN,
           "    path = [x0]\n"
           "    for _ in range(n_steps):\n"
           "        path.append(ula_step(score, path[-1], h, generator=generator))\n"
           "    x = path[-1]\n", "the path list as the state"),
    Mutant("eq_mala_minimum", "mala_log_acceptance", "torch.clamp(log_ratio, max=0.0)",
           "torch.minimum(log_ratio, torch.zeros_like(log_ratio))", "min with zeros"),
    Mutant("eq_mala_vector_norm", "mala_log_acceptance", "-((y - x - h * score(x)) ** 2).sum(dim=1) / (4 * h)",
           "-torch.linalg.vector_norm(y - x - h * score(x), dim=1) ** 2 / (4 * h)", "squared norms"),
    Mutant("eq_mala_step_uses_ula", "mala_step",
           "    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)\n"
           "    y = x + h * score(x) + math.sqrt(2 * h) * noise\n",
           "    y = ula_step(score, x, h, generator)\n", "the proposal is a ULA step (same draw)"),
    Mutant("eq_mala_step_exp", "mala_step", "torch.log(uniforms) < mala_log_acceptance(log_prob, score, x, y, h)",
           "uniforms < torch.exp(mala_log_acceptance(log_prob, score, x, y, h))", "u < alpha"),
    Mutant("eq_mala_step_mask_assign", "mala_step", "x_next = torch.where(accepted[:, None], y, x)",
           "x_next = x.clone()\n    x_next[accepted] = y[accepted]", "boolean-mask assignment"),
    Mutant("eq_bw_pdist", "median_bandwidth", _PAIRS, "    dist = torch.pdist(x)\n", "torch.pdist lists the pairs i < j"),
    Mutant("eq_bw_quantile", "median_bandwidth", "dist.median()", "torch.quantile(dist, 0.5)", "quantile"),
    Mutant("eq_bw_median_of_squares", "median_bandwidth", "dist.median() ** 2", "(dist**2).median()",
           "median of the squared distances (odd number of pairs)"),
    Mutant("eq_svgd_kernel_transposed", "svgd_step", "drive = k @ score(x)", "drive = k.T @ score(x)",
           "k(x_j, x_i) indexed the other way (k is symmetric)"),
    Mutant("eq_svgd_cdist", "svgd_step", "k = torch.exp(-(diff**2).sum(dim=-1) / bandwidth)",
           "k = torch.exp(-torch.cdist(x, x) ** 2 / bandwidth)", "kernel from cdist"),
    Mutant("eq_svgd_repulse_matmul", "svgd_step", "(2 / bandwidth) * (k[:, :, None] * diff).sum(dim=1)",
           "(2 / bandwidth) * (k.sum(dim=1, keepdim=True) * x - k @ x)", "repulsion as matrix products"),
    Mutant("eq_cd_concatenated", "cd_loss",
           "    e_data = energy(x_data)\n    e_model = energy(x_model.detach())\n",
           "    e = energy(torch.cat([x_data, x_model.detach()]))\n"
           "    e_data, e_model = e[: x_data.shape[0]], e[x_data.shape[0]:]\n", "one energy call on both batches"),
    Mutant("eq_cd_no_grad_samples", "cd_loss", "e_model = energy(x_model.detach())",
           "e_model = energy(x_model.detach().clone())", "a detached copy"),
    Mutant("eq_dsm_mse", "dsm_loss", _DSM,
           "loss = torch.nn.functional.mse_loss(score_model(x_noisy), -eps / sigma, reduction=\"sum\") / x.shape[0]",
           "library MSE summed, divided by n"),
    Mutant("eq_dsm_scaled", "dsm_loss", _DSM,
           "loss = ((sigma * score_model(x_noisy) + eps) ** 2).sum(dim=1).mean() / sigma**2",
           "the residual scaled by sigma, then divided by sigma^2"),
    Mutant("eq_ksd_mask", "ksd_u_statistic", _KSD_END,
           "ksd = u.masked_fill(torch.eye(n, dtype=torch.bool), 0.0).sum() / (n * (n - 1))", "mask the diagonal"),
    Mutant("eq_ksd_trace", "ksd_u_statistic", "u.diagonal().sum()", "torch.trace(u)", "torch.trace"),
    Mutant("eq_answers_literals", "numeric_answers", "answer_ula_variance = 4 / (1 - 1 / 8)",
           "answer_ula_variance = 4.571", "a rounded literal"),
    Mutant("eq_answer_fraction", "numeric_answers", "answer_dsm_slope = -1 / (0.25 + 0.09)",
           "answer_dsm_slope = -2.94", "a rounded literal"),
]
