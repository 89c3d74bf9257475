"""Plausible wrong answers to the memorisation lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants memorisation`` to see the table.
"""

from grader.mutants import Mutant

_SOFTMAX = "weights = torch.softmax(-sq_dist / (2 * sigma**2), dim=1)"
_OU = ("    sigma = math.sqrt(math.exp(2 * t) - 1)\n"
       "    score = math.exp(t) * empirical_score(math.exp(t) * x, sigma, data)\n")
_SLOPE = "slope = (x - empirical_denoiser(x, s_now, data)) / s_now"
_STEP = "x = x + (s_next - s_now) * slope"
_TWO = ("    two = dist.topk(2, dim=1, largest=False).values\n"
        "    d1, d2 = two[:, 0], two[:, 1]\n")
_MIX = "score = (mean * torch.tanh(x @ mean / var)[:, None] - x) / var"
_GD = ("    d = cov.shape[0]\n"
       "    system = cov + sigma**2 * torch.eye(d, dtype=cov.dtype)\n"
       "    solved = torch.linalg.solve(system, (x - mean).T)\n"
       "    denoised = mean + (cov @ solved).T\n")

MUTANTS = [
    # --- empirical_denoiser
    Mutant("den_sigma_not_squared", "empirical_denoiser", "(2 * sigma**2)", "(2 * sigma)",
           "divides the squared distance by 2 sigma instead of 2 sigma^2"),
    Mutant("den_no_factor_two", "empirical_denoiser", "(2 * sigma**2)", "sigma**2",
           "forgets the 1/2 of the Gaussian exponent"),
    Mutant("den_softmax_over_queries", "empirical_denoiser", "dim=1)", "dim=0)",
           "normalises the weights over the noisy points instead of the training points"),
    Mutant("den_naive_exp", "empirical_denoiser", _SOFTMAX,
           "kernel = torch.exp(-sq_dist / (2 * sigma**2))\n"
           "    weights = kernel / kernel.sum(dim=1, keepdim=True)",
           "exponentials without the log-space shift: 0/0 = NaN at small sigma"),
    Mutant("den_distance_not_squared", "empirical_denoiser", ".sum(dim=-1)", ".sum(dim=-1).sqrt()",
           "uses the distance instead of the squared distance in the exponent"),
    Mutant("den_positive_exponent", "empirical_denoiser", "torch.softmax(-sq_dist", "torch.softmax(sq_dist",
           "drops the minus sign: the farthest training point wins"),
    Mutant("den_mean_over_coordinates", "empirical_denoiser", ".sum(dim=-1)", ".mean(dim=-1)",
           "averages the squared differences over the d coordinates (the exponent is off by a factor d)"),
    Mutant("den_float32", "empirical_denoiser", "denoised = weights @ data",
           "denoised = weights.float() @ data.float()", "computes in float32 whatever the input dtype"),
    # --- empirical_score
    Mutant("score_sign", "empirical_score", "(empirical_denoiser(x, sigma, data) - x)",
           "(x - empirical_denoiser(x, sigma, data))", "x - D instead of D - x"),
    Mutant("score_sigma_not_squared", "empirical_score", "/ sigma**2", "/ sigma",
           "divides by sigma: the noise prediction, not the score"),
    Mutant("score_two_sigma_squared", "empirical_score", "/ sigma**2", "/ (2 * sigma**2)",
           "the 1/2 of the exponent kept in the gradient"),
    # --- ou_score
    Mutant("ou_sigma_is_delta", "ou_score", "math.sqrt(math.exp(2 * t) - 1)", "math.sqrt(1 - math.exp(-2 * t))",
           "takes the OU noise level sqrt(Delta_t) without rescaling by e^t"),
    Mutant("ou_sigma_no_sqrt", "ou_score", "math.sqrt(math.exp(2 * t) - 1)", "math.exp(2 * t) - 1",
           "the variance used as the noise level"),
    Mutant("ou_no_jacobian_factor", "ou_score", "score = math.exp(t) * empirical_score(",
           "score = empirical_score(", "forgets the chain-rule factor e^t"),
    Mutant("ou_scale_wrong_way", "ou_score", "empirical_score(math.exp(t) * x,", "empirical_score(math.exp(-t) * x,",
           "rescales x by e^-t instead of e^t"),
    Mutant("ou_factor_inverse", "ou_score", "score = math.exp(t) * empirical_score(",
           "score = math.exp(-t) * empirical_score(", "chain-rule factor e^-t instead of e^t"),
    Mutant("ou_x_not_rescaled", "ou_score", "empirical_score(math.exp(t) * x,", "empirical_score(x,",
           "the right noise level, but x is not rescaled by e^t"),
    # --- pf_ode_sample
    Mutant("pf_denoiser_at_next_level", "pf_ode_sample", "empirical_denoiser(x, s_now, data)) / s_now",
           "empirical_denoiser(x, max(s_next, 1e-6), data)) / s_now", "evaluates the denoiser at the next level"),
    Mutant("pf_step_sign", "pf_ode_sample", _STEP, "x = x + (s_now - s_next) * slope",
           "integrates towards larger sigma (the step sign)"),
    Mutant("pf_skips_last_step", "pf_ode_sample", "range(len(sigmas) - 1)", "range(len(sigmas) - 2)",
           "off by one: the last step is missing"),
    Mutant("pf_slope_sign", "pf_ode_sample", _SLOPE, "slope = (empirical_denoiser(x, s_now, data) - x) / s_now",
           "slope D - x instead of x - D"),
    Mutant("pf_slope_sigma_squared", "pf_ode_sample", _SLOPE,
           "slope = (x - empirical_denoiser(x, s_now, data)) / s_now**2", "divides by sigma^2 (the score's scale)"),
    Mutant("pf_variance_step", "pf_ode_sample", _STEP, "x = x + 0.5 * (s_next**2 - s_now**2) * slope / s_now",
           "steps in sigma^2 with the sigma-slope: not the Euler step of the grid"),
    Mutant("pf_in_place", "pf_ode_sample", _STEP, "x += (s_next - s_now) * slope",
           "updates the caller's x in place"),
    Mutant("pf_log_sigma_steps", "pf_ode_sample", _STEP, "x = x + math.log(max(s_next, 1e-12) / s_now) * slope * s_now",
           "steps in log sigma: not the pinned Euler step in sigma"),
    # --- memorised
    Mutant("mem_squared_distance", "memorised", "dist = torch.cdist(samples, data)",
           "dist = torch.cdist(samples, data) ** 2", "compares squared distances with the threshold"),
    Mutant("mem_ratio_farthest", "memorised", "d1, d2 = two[:, 0], two[:, 1]",
           "d1, d2 = two[:, 0], dist.max(dim=1).values", "second nearest taken as the farthest point"),
    Mutant("mem_ratio_ignored", "memorised", "mask = mask & (d1 < ratio * d2)", "mask = mask",
           "the ratio criterion is never applied"),
    Mutant("mem_ratio_or", "memorised", "mask = mask & (d1 < ratio * d2)", "mask = mask | (d1 < ratio * d2)",
           "either criterion instead of both"),
    Mutant("mem_ratio_replaces_threshold", "memorised", "mask = mask & (d1 < ratio * d2)", "mask = d1 < ratio * d2",
           "with a ratio, the threshold is dropped"),
    Mutant("mem_per_training_point", "memorised", "dist = torch.cdist(samples, data)",
           "dist = torch.cdist(data, samples)", "nearest sample to each training point (shape N)"),
    Mutant("mem_ratio_inverted", "memorised", "(d1 < ratio * d2)", "(d2 < ratio * d1)", "d2/d1 < r"),
    # --- mixture_score
    Mutant("mix_variance_no_data", "mixture_score", "var = s2 * a**2 + 1 - a**2", "var = 1 - a**2",
           "forgets the components' own variance"),
    Mutant("mix_variance_no_decay", "mixture_score", "var = s2 * a**2 + 1 - a**2", "var = s2 + 1 - a**2",
           "the data variance not multiplied by e^-2t"),
    Mutant("mix_variance_a_not_squared", "mixture_score", "var = s2 * a**2 + 1 - a**2", "var = s2 * a + 1 - a",
           "e^-t instead of e^-2t in the variance"),
    Mutant("mix_mean_not_decayed", "mixture_score", "mean = a * m", "mean = m", "the means not multiplied by e^-t"),
    Mutant("mix_tanh_no_variance", "mixture_score", "torch.tanh(x @ mean / var)", "torch.tanh(x @ mean)",
           "the tanh's argument not divided by the variance"),
    Mutant("mix_sign", "mixture_score", _MIX, "score = (x - mean * torch.tanh(x @ mean / var)[:, None]) / var",
           "the score's sign"),
    Mutant("mix_tanh_doubled", "mixture_score", "torch.tanh(x @ mean / var)", "torch.tanh(2 * x @ mean / var)",
           "logistic weights confused with tanh: tanh(2u) instead of tanh(u)"),
    Mutant("mix_sigmoid_no_factor_two", "mixture_score", "torch.tanh(x @ mean / var)",
           "(2 * torch.sigmoid(x @ mean / var) - 1)", "tanh(u) written as 2 sigmoid(u) - 1"),
    # --- gaussian_denoiser
    Mutant("gd_sigma_not_squared", "gaussian_denoiser", "sigma**2 * torch.eye", "sigma * torch.eye",
           "C + sigma I instead of C + sigma^2 I"),
    Mutant("gd_no_mean", "gaussian_denoiser", "denoised = mean + (cov @ solved).T", "denoised = (cov @ solved).T",
           "forgets to add the mean back"),
    Mutant("gd_no_cov_factor", "gaussian_denoiser", "denoised = mean + (cov @ solved).T", "denoised = mean + solved.T",
           "(C + sigma^2 I)^-1 (x - mean) without the factor C"),
    Mutant("gd_uncentred", "gaussian_denoiser", "(x - mean).T)", "x.T)", "shrinks x instead of x - mean"),
    Mutant("gd_no_noise", "gaussian_denoiser", "system = cov + sigma**2 * torch.eye(d, dtype=cov.dtype)",
           "system = cov + 0 * sigma * torch.eye(d, dtype=cov.dtype)", "forgets the noise: D(x) = x"),
    # --- numeric answers
    Mutant("answer_speciation_paper_lambda", "numeric_answers", "0.5 * math.log(3 + 1 - 0.25)",
           "0.5 * math.log(3 + 0.25)", "the large-d formula log(Lambda)/2 instead of the exact time"),
    Mutant("answer_speciation_no_half", "numeric_answers", "0.5 * math.log(3 + 1 - 0.25)", "math.log(3 + 1 - 0.25)",
           "forgets the 1/2"),
    Mutant("answer_collapse_no_variance", "numeric_answers", "0.5 * math.log(1 + 2 / (4096 ** (2 / 12) - 1))",
           "0.5 * math.log(1 + 1 / (4096 ** (2 / 12) - 1))", "unit data variance"),
    Mutant("answer_collapse_power", "numeric_answers", "4096 ** (2 / 12)", "4096 ** (1 / 12)",
           "N^(1/d) instead of N^(2/d)"),
    Mutant("answer_effdim_sigma_not_squared", "numeric_answers", "4 / 4.25 + 1 / 1.25 + 0.25 / 0.5",
           "4 / 4.5 + 1 / 1.5 + 0.25 / 0.75", "sigma instead of sigma^2"),
    Mutant("answer_effdim_residual", "numeric_answers", "4 / 4.25 + 1 / 1.25 + 0.25 / 0.5",
           "0.25 / 4.25 + 0.25 / 1.25 + 0.25 / 0.5", "the noise part sigma^2 / (lambda + sigma^2)"),

    # --- correct alternative forms: full marks
    Mutant("eq_den_logsumexp", "empirical_denoiser", _SOFTMAX,
           "logits = -sq_dist / (2 * sigma**2)\n"
           "    weights = torch.exp(logits - torch.logsumexp(logits, dim=1, keepdim=True))", "manual log-softmax"),
    Mutant("eq_den_max_shift", "empirical_denoiser", _SOFTMAX,
           "logits = -sq_dist / (2 * sigma**2)\n"
           "    kernel = torch.exp(logits - logits.max(dim=1, keepdim=True).values)\n"
           "    weights = kernel / kernel.sum(dim=1, keepdim=True)", "shift by the row maximum"),
    Mutant("eq_den_cdist", "empirical_denoiser", "sq_dist = ((x[:, None, :] - data[None, :, :]) ** 2).sum(dim=-1)",
           "sq_dist = torch.cdist(x, data) ** 2", "squared distances from cdist"),
    Mutant("eq_den_expanded", "empirical_denoiser", "sq_dist = ((x[:, None, :] - data[None, :, :]) ** 2).sum(dim=-1)",
           "sq_dist = (x**2).sum(1, keepdim=True) - 2 * x @ data.T + (data**2).sum(1)", "|x|^2 - 2 x.y + |y|^2"),
    Mutant("eq_score_autograd", "empirical_score", "score = (empirical_denoiser(x, sigma, data) - x) / sigma**2",
           "with torch.enable_grad():\n"
           "        xr = x.detach().requires_grad_(True)\n"
           "        log_p = torch.logsumexp(-((xr[:, None] - data[None]) ** 2).sum(-1) / (2 * sigma**2), dim=1)\n"
           "        score, = torch.autograd.grad(log_p.sum(), xr)", "the gradient of log p_sigma by autograd"),
    Mutant("eq_ou_direct", "ou_score", _OU,
           "    a = math.exp(-t)\n"
           "    var = 1 - a * a\n"
           "    w = torch.softmax(-((x[:, None] - a * data[None]) ** 2).sum(-1) / (2 * var), dim=1)\n"
           "    score = (a * (w @ data) - x) / var\n", "the OU mixture's score written directly"),
    Mutant("eq_ou_denoiser", "ou_score", _OU,
           "    sigma2 = math.exp(2 * t) - 1\n"
           "    xs = math.exp(t) * x\n"
           "    score = math.exp(t) * (empirical_denoiser(xs, math.sqrt(sigma2), data) - xs) / sigma2\n",
           "through the denoiser"),
    Mutant("eq_pf_score", "pf_ode_sample", _SLOPE, "slope = -s_now * empirical_score(x, s_now, data)",
           "the slope -sigma s(x, sigma) with the score"),
    Mutant("eq_pf_tensor_levels", "pf_ode_sample", "s_now, s_next = float(sigmas[k]), float(sigmas[k + 1])",
           "s_now, s_next = sigmas[k], sigmas[k + 1]", "0-dim tensor levels"),
    Mutant("eq_pf_zip", "pf_ode_sample",
           "    for k in range(len(sigmas) - 1):\n"
           "        s_now, s_next = float(sigmas[k]), float(sigmas[k + 1])\n",
           "    levels = [float(s) for s in sigmas]\n"
           "    for s_now, s_next in zip(levels[:-1], levels[1:]):\n", "pairs of consecutive levels"),
    Mutant("eq_mem_sort", "memorised", _TWO,
           "    ordered = dist.sort(dim=1).values\n"
           "    d1, d2 = ordered[:, 0], ordered[:, 1]\n", "sort instead of topk"),
    Mutant("eq_mem_norm", "memorised", "dist = torch.cdist(samples, data)",
           "dist = (samples[:, None, :] - data[None, :, :]).norm(dim=-1)", "explicit norms"),
    Mutant("eq_mix_logsumexp", "mixture_score", _MIX,
           "logits = torch.stack([x @ mean, -(x @ mean)], dim=1) / var\n"
           "    w = torch.softmax(logits, dim=1)\n"
           "    score = ((w[:, :1] - w[:, 1:]) * mean - x) / var", "softmax over the two components"),
    Mutant("eq_mix_sigmoid", "mixture_score", "torch.tanh(x @ mean / var)",
           "(2 * torch.sigmoid(2 * (x @ mean) / var) - 1)", "tanh(u) = 2 sigmoid(2u) - 1"),
    Mutant("eq_gd_eigh", "gaussian_denoiser", _GD,
           "    evals, evecs = torch.linalg.eigh(cov)\n"
           "    shrink = evals / (evals + sigma**2)\n"
           "    denoised = mean + ((x - mean) @ evecs) * shrink @ evecs.T\n", "shrinkage in the eigenbasis"),
    Mutant("eq_gd_residual", "gaussian_denoiser", _GD,
           "    d = cov.shape[0]\n"
           "    system = cov + sigma**2 * torch.eye(d, dtype=cov.dtype)\n"
           "    denoised = x - sigma**2 * torch.linalg.solve(system, (x - mean).T).T\n",
           "x minus the estimated noise sigma^2 (C + sigma^2 I)^-1 (x - mean)"),
    Mutant("eq_answers_literals", "numeric_answers", "answer_speciation_time = 0.5 * math.log(3 + 1 - 0.25)",
           "answer_speciation_time = 0.661", "a rounded literal"),
    Mutant("eq_answer_collapse_literal", "numeric_answers",
           "answer_collapse_time = 0.5 * math.log(1 + 2 / (4096 ** (2 / 12) - 1))",
           "answer_collapse_time = 0.2554", "a rounded literal"),
    Mutant("eq_gd_inverse", "gaussian_denoiser",
           "    solved = torch.linalg.solve(system, (x - mean).T)\n    denoised = mean + (cov @ solved).T\n",
           "    denoised = mean + (x - mean) @ (cov @ torch.linalg.inv(system)).T\n", "an explicit inverse"),
    Mutant("eq_pf_affine", "pf_ode_sample", _STEP,
           "x = x * (s_next / s_now) + (1 - s_next / s_now) * (x - s_now * slope)",
           "the Euler step as an interpolation between x and D(x)"),
    Mutant("eq_den_broadcast_sum", "empirical_denoiser", "denoised = weights @ data",
           "denoised = (weights[:, :, None] * data[None]).sum(dim=1)", "weighted sum by broadcasting"),
    Mutant("eq_mix_expm1", "mixture_score", "var = s2 * a**2 + 1 - a**2", "var = 1 + (s2 - 1) * math.exp(-2 * t)",
           "the variance regrouped"),
    Mutant("eq_ou_expm1", "ou_score", "math.sqrt(math.exp(2 * t) - 1)", "math.sqrt(math.expm1(2 * t))", "expm1"),
]

# --- red-team pass (issue 14): written from the released notebook, before reading the list above
_SQ = "sq_dist = ((x[:, None, :] - data[None, :, :]) ** 2).sum(dim=-1)"
MUTANTS += [
    Mutant("den_global_max_shift", "empirical_denoiser", _SOFTMAX,
           "logits = -sq_dist / (2 * sigma**2)\n"
           "    kernel = torch.exp(logits - logits.max())\n"
           "    weights = kernel / kernel.sum(dim=1, keepdim=True)",
           "shifts by the largest exponent of the whole matrix, not of each row: far rows underflow"),
    Mutant("den_hardcoded_2d", "empirical_denoiser", _SQ,
           "sq_dist = (x[:, None, 0] - data[None, :, 0]) ** 2 + (x[:, None, 1] - data[None, :, 1]) ** 2",
           "distances written for d = 2 only"),
    Mutant("den_sigma_in_softmax_sqrt", "empirical_denoiser", "(2 * sigma**2)", "(2 * sigma**2) ** 0.5",
           "sqrt(2) sigma in the exponent's denominator"),
    Mutant("ou_direct_weights_unscaled", "ou_score", _OU,
           "    a = math.exp(-t)\n"
           "    var = 1 - a * a\n"
           "    w = torch.softmax(-((x[:, None] - data[None]) ** 2).sum(-1) / (2 * var), dim=1)\n"
           "    score = (a * (w @ data) - x) / var\n",
           "direct form whose weights forget the e^-t of the component means"),
    Mutant("ou_direct_weights_no_half", "ou_score", _OU,
           "    a = math.exp(-t)\n"
           "    var = 1 - a * a\n"
           "    w = torch.softmax(-((x[:, None] - a * data[None]) ** 2).sum(-1) / var, dim=1)\n"
           "    score = (a * (w @ data) - x) / var\n",
           "direct form with exp(-|x - a y|^2 / Delta): the 1/2 dropped in the weights"),
    Mutant("ou_delta_no_two", "ou_score", "math.sqrt(math.exp(2 * t) - 1)", "math.sqrt(math.exp(t) - 1)",
           "e^t - 1 instead of e^2t - 1"),
    Mutant("pf_stops_before_zero", "pf_ode_sample", "        slope = (x - empirical_denoiser",
           "        if s_next == 0:\n"
           "            break\n"
           "        slope = (x - empirical_denoiser",
           "avoids the last level 0 and returns the points at sigma_(K-1)"),
    Mutant("pf_heun", "pf_ode_sample", _STEP,
           "x_pred = x + (s_next - s_now) * slope\n"
           "        if s_next > 0:\n"
           "            slope = 0.5 * (slope + (x_pred - empirical_denoiser(x_pred, s_next, data)) / s_next)\n"
           "        x = x + (s_next - s_now) * slope",
           "Heun steps where Euler steps are asked for"),
    Mutant("pf_divide_next_level", "pf_ode_sample", _SLOPE,
           "slope = (x - empirical_denoiser(x, s_now, data)) / max(s_next, 1e-3)",
           "divides by the next level"),
    Mutant("mem_threshold_inclusive", "memorised", "mask = d1 < threshold", "mask = d1 <= threshold",
           "d_1 <= tau where d_1 < tau is asked for"),
    Mutant("mem_ratio_inclusive", "memorised", "(d1 < ratio * d2)", "(d1 <= ratio * d2)",
           "d_1 <= r d_2 where d_1 < r d_2 is asked for"),
    Mutant("mem_ratio_squared", "memorised", "(d1 < ratio * d2)", "(d1**2 < ratio * d2**2)",
           "the ratio test on squared distances with r, not r^2"),
    Mutant("mem_second_is_unsorted_column", "memorised", "d1, d2 = two[:, 0], two[:, 1]",
           "d1, d2 = two[:, 0], dist[:, 1]", "d_2 read from the distance matrix's second column"),
    Mutant("mix_tanh_undecayed_mean", "mixture_score", "torch.tanh(x @ mean / var)", "torch.tanh(x @ m / var)",
           "the tanh's argument uses m instead of e^-t m"),
    Mutant("mix_naive_exp", "mixture_score", _MIX,
           "e_plus, e_minus = torch.exp(x @ mean / var), torch.exp(-(x @ mean) / var)\n"
           "    score = (mean * ((e_plus - e_minus) / (e_plus + e_minus))[:, None] - x) / var",
           "the weights as a ratio of raw exponentials: overflow far from the origin"),
    Mutant("mix_tanh_half", "mixture_score", "torch.tanh(x @ mean / var)", "torch.tanh(x @ mean / (2 * var))",
           "tanh(u / 2) instead of tanh(u)"),
    Mutant("gd_diagonal_only", "gaussian_denoiser", _GD,
           "    lam = torch.diagonal(cov)\n"
           "    denoised = mean + (x - mean) * lam / (lam + sigma**2)\n",
           "shrinks coordinate by coordinate with the diagonal of C only"),
    Mutant("gd_sigma_added_everywhere", "gaussian_denoiser", "system = cov + sigma**2 * torch.eye(d, dtype=cov.dtype)",
           "system = cov + sigma**2", "C + sigma^2 added to every entry, not the diagonal"),
    Mutant("gd_detached", "gaussian_denoiser", "solve(system, (x - mean).T)", "solve(system, (x - mean).T.detach())",
           "breaks the graph: the Jacobian by autograd is zero"),
    Mutant("gd_eye_float64", "gaussian_denoiser", "torch.eye(d, dtype=cov.dtype)", "torch.eye(d, dtype=torch.float64)",
           "the identity in float64 whatever the dtype of the inputs"),
    Mutant("answer_speciation_ignores_noise", "numeric_answers", "0.5 * math.log(3 + 1 - 0.25)",
           "0.5 * math.log(3 / 0.25)", "compares |m|^2 with s^2 only, ignoring the added noise"),
    Mutant("answer_collapse_no_half", "numeric_answers", "0.5 * math.log(1 + 2 / (4096 ** (2 / 12) - 1))",
           "math.log(1 + 2 / (4096 ** (2 / 12) - 1))", "forgets the 1/2 of t = (1/2) log(...)"),
    Mutant("answer_collapse_undecayed_variance", "numeric_answers",
           "0.5 * math.log(1 + 2 / (4096 ** (2 / 12) - 1))", "-0.5 * math.log(1 - 2 / (4096 ** (2 / 12) - 1))",
           "Gamma_t = 2 + Delta_t: the data variance not multiplied by e^-2t"),
    # correct alternatives
    Mutant("eq_den_float64_inside", "empirical_denoiser", _SOFTMAX,
           "weights = torch.softmax(-sq_dist.double() / (2 * sigma**2), dim=1).to(x.dtype)",
           "the weights computed in float64 and cast back to the input dtype"),
    Mutant("eq_ou_scaled_data", "ou_score", _OU,
           "    score = empirical_score(x, math.sqrt(1 - math.exp(-2 * t)), math.exp(-t) * data)\n",
           "the variance-exploding score at sigma^2 = Delta_t with the training points scaled by e^-t"),
    Mutant("eq_mem_kthvalue", "memorised", _TWO,
           "    d1 = dist.min(dim=1).values\n"
           "    d2 = dist.kthvalue(2, dim=1).values\n", "min and kthvalue"),
    Mutant("eq_mem_squared_both", "memorised", "    mask = d1 < threshold\n"
           "    if ratio is not None:\n"
           "        mask = mask & (d1 < ratio * d2)\n",
           "    mask = d1**2 < threshold**2\n"
           "    if ratio is not None:\n"
           "        mask = mask & (d1**2 < ratio**2 * d2**2)\n", "squared distances against tau^2 and r^2"),
    Mutant("eq_mix_autograd", "mixture_score", _MIX,
           "with torch.enable_grad():\n"
           "        xr = x.detach().requires_grad_(True)\n"
           "        lp = torch.logsumexp(torch.stack([-((xr - mean) ** 2).sum(1), -((xr + mean) ** 2).sum(1)]) / (2 * var), dim=0)\n"
           "        score, = torch.autograd.grad(lp.sum(), xr)", "the gradient of log p_t by autograd"),
    Mutant("eq_gd_row_solve", "gaussian_denoiser", _GD,
           "    system = cov + sigma**2 * torch.eye(cov.shape[0], dtype=cov.dtype)\n"
           "    denoised = mean + (x - mean) @ torch.linalg.solve(system, cov)\n",
           "row form (x - mean) (C + sigma^2 I)^-1 C (C and the system commute)"),
    Mutant("eq_gd_cholesky", "gaussian_denoiser", _GD,
           "    system = cov + sigma**2 * torch.eye(cov.shape[0], dtype=cov.dtype)\n"
           "    chol = torch.linalg.cholesky(system)\n"
           "    denoised = mean + (cov @ torch.cholesky_solve((x - mean).T, chol)).T\n",
           "a Cholesky solve of the positive definite system"),
    Mutant("eq_answer_speciation_expression", "numeric_answers", "0.5 * math.log(3 + 1 - 0.25)",
           "math.log(math.sqrt(15 / 4))", "log sqrt(15/4)"),
]

# in-place edits of the caller's arguments (the text forbids them)
MUTANTS += [
    Mutant("score_in_place", "empirical_score", "score = (empirical_denoiser(x, sigma, data) - x) / sigma**2",
           "x -= empirical_denoiser(x, sigma, data)\n"
           "    score = -x / sigma**2", "reuses the caller's x as a buffer for x - D"),
    Mutant("ou_rescale_in_place", "ou_score", "score = math.exp(t) * empirical_score(math.exp(t) * x, sigma, data)",
           "x *= math.exp(t)\n"
           "    score = math.exp(t) * empirical_score(x, sigma, data)", "rescales the caller's x in place"),
    Mutant("mix_in_place", "mixture_score", _MIX,
           "x -= mean * torch.tanh(x @ mean / var)[:, None]\n"
           "    score = -x / var", "reuses the caller's x as a buffer"),
    Mutant("gd_centre_in_place", "gaussian_denoiser", "solved = torch.linalg.solve(system, (x - mean).T)",
           "x -= mean\n"
           "    solved = torch.linalg.solve(system, x.T)", "centres the caller's x in place"),
    Mutant("mem_samples_in_place", "memorised", "dist = torch.cdist(samples, data)",
           "samples -= data.mean(dim=0)\n"
           "    data = data - data.mean(dim=0)\n"
           "    dist = torch.cdist(samples, data)", "centres both sets, the caller's samples in place"),
]

MUTANTS += [
    Mutant("mix_delta_not_squared", "mixture_score", "var = s2 * a**2 + 1 - a**2", "var = s2 * a**2 + 1 - a",
           "Delta_t = 1 - e^-t instead of 1 - e^-2t"),
    Mutant("eq_gd_solve_cov_first", "gaussian_denoiser", _GD,
           "    system = cov + sigma**2 * torch.eye(cov.shape[0], dtype=cov.dtype)\n"
           "    denoised = mean + (torch.linalg.solve(system, cov) @ (x - mean).T).T\n",
           "(C + sigma^2 I)^-1 C (x - mean): the two factors commute"),
    Mutant("eq_gd_sigma_zero_shortcut", "gaussian_denoiser", "    d = cov.shape[0]\n",
           "    if sigma == 0:\n"
           "        return x.clone()\n"
           "    d = cov.shape[0]\n", "returns x at sigma = 0 without a solve"),
]
