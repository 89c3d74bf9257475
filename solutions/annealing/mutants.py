"""Plausible wrong answers to the annealing lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants annealing`` to see the table.
"""

from grader.mutants import Mutant

_GEO = ("    score = beta * target.score(x)\n"
        "    if base_std is not None:\n"
        "        score = score - (1 - beta) * x / base_std**2\n")
_CONV_BODY = ("    means = target.means.to(x.dtype)\n"
              "    var = target.stds.to(x.dtype) ** 2 + noise_std**2\n"
              "    diff = means[None, :, :] - x[:, None, :]   # (n, K, d)\n")
_CONV_TAIL = ("    resp = torch.softmax(log_joint, dim=1)\n"
              "    score = (resp[:, :, None] * diff / var[None, :, None]).sum(1)\n")
_MASS_BASE = ("        mixed = (1 - beta) * c**2 + beta * base_std**2\n"
              "        log_mass = log_mass - 0.5 * d * torch.log(mixed) - beta * (1 - beta) * (m**2).sum(1) / (2 * mixed)\n")
_QUAD_TAIL = ("    masses = torch.zeros(cuts.shape[0] + 1, dtype=dens.dtype).index_add_(0, region, dens)\n"
              "    masses = masses / masses.sum()\n")
_STEP = "            x = x + h * score(x, level) + math.sqrt(2 * h) * noise\n"
_NOISE = "torch.randn(x.shape, generator=generator, dtype=x.dtype)"
_AIS_TERM = "(log_target(path[l]) - log_base(path[l]))"
_AIS_BODY = ("    log_w = torch.zeros(path.shape[1], dtype=path.dtype)\n"
             "    beta_prev = 0.0\n"
             "    for l, beta in enumerate(betas):\n"
             "        log_w = log_w + (beta - beta_prev) * (log_target(path[l]) - log_base(path[l]))\n"
             "        beta_prev = beta\n")
_SHARE = "answer_heavy_share = 0.75**0.4 * 0.25**1.8 / (0.75**0.4 * 0.25**1.8 + 0.25**0.4)"
_EQUAL = "answer_equal_beta = 10 * math.log(4) / (math.log(3) + 10 * math.log(4))"
_NOISE_ANS = "answer_unimodal_noise = math.sqrt(2.5**2 - 0.5**2)"

MUTANTS = [
    # --- geometric_score
    Mutant("geo_base_std_not_squared", "geometric_score", "x / base_std**2", "x / base_std",
           "the base's score -x / c_0 (a standard deviation where a variance belongs)"),
    Mutant("geo_base_sign", "geometric_score", "score - (1 - beta) * x", "score + (1 - beta) * x",
           "the base pushes outwards: +x / c_0^2"),
    Mutant("geo_coefficients_swapped", "geometric_score", "beta * target.score(x)", "(1 - beta) * target.score(x)",
           "beta and 1 - beta swapped on the target"),
    Mutant("geo_target_untempered", "geometric_score", "beta * target.score(x)", "target.score(x)",
           "the target's score not multiplied by beta"),
    Mutant("geo_base_untempered", "geometric_score", "(1 - beta) * x / base_std**2", "x / base_std**2",
           "the base's score not multiplied by 1 - beta"),
    Mutant("geo_none_as_unit_base", "geometric_score", "    if base_std is not None:\n",
           "    base_std = 1.0 if base_std is None else base_std\n    if True:\n",
           "a flat base (None) treated as N(0, I)"),
    # --- convolution_score
    Mutant("conv_stds_add", "convolution_score", "var = target.stds.to(x.dtype) ** 2 + noise_std**2",
           "var = (target.stds.to(x.dtype) + noise_std) ** 2", "standard deviations added instead of variances"),
    Mutant("conv_noise_not_squared", "convolution_score", "+ noise_std**2", "+ noise_std",
           "the noise's standard deviation added to the variances"),
    Mutant("conv_no_normaliser", "convolution_score", " - 0.5 * x.shape[1] * torch.log(var)", "",
           "the components' normalising factors dropped from the responsibilities"),
    Mutant("conv_normaliser_one_dim", "convolution_score", "0.5 * x.shape[1] * torch.log(var)", "0.5 * torch.log(var)",
           "the normalising factor (c^2 + sigma^2)^(-1/2) of one dimension, in any d"),
    Mutant("conv_resp_unblurred", "convolution_score", "(diff**2).sum(-1) / (2 * var)",
           "(diff**2).sum(-1) / (2 * target.stds.to(x.dtype) ** 2)",
           "responsibilities of the clean mixture with the blurred pulls"),
    Mutant("conv_not_log_space", "convolution_score", "resp = torch.softmax(log_joint, dim=1)",
           "resp = torch.exp(log_joint) / torch.exp(log_joint).sum(1, keepdim=True)",
           "responsibilities by exponentiating: 0/0 far from the modes"),
    Mutant("conv_score_sign", "convolution_score", "diff = means[None, :, :] - x[:, None, :]",
           "diff = x[:, None, :] - means[None, :, :]", "the pull points away from the means"),
    Mutant("conv_weights_ignored", "convolution_score", "torch.log(target.weights.to(x.dtype))", "0.0",
           "equal weights in the responsibilities"),
    Mutant("conv_softmax_wrong_axis", "convolution_score", "torch.softmax(log_joint, dim=1)",
           "torch.softmax(log_joint, dim=0)", "responsibilities normalised over the points, not the components"),
    Mutant("conv_means_float64", "convolution_score", "means = target.means.to(x.dtype)", "means = target.means",
           "the float64 means promote a float32 score to float64"),
    # --- geometric_mode_masses
    Mutant("masses_variance_power", "geometric_mode_masses", "d * (1 - beta) * torch.log(c)",
           "d * (1 - beta) * torch.log(c**2)", "c^(2 d (1 - beta)): the variance where the standard deviation belongs"),
    Mutant("masses_no_dimension", "geometric_mode_masses", "d * (1 - beta) * torch.log(c)", "(1 - beta) * torch.log(c)",
           "the one-dimensional formula in any d"),
    Mutant("masses_peak_height_only", "geometric_mode_masses", "d * (1 - beta) * torch.log(c)", "-d * beta * torch.log(c)",
           "the height of the tempered peak, c^(-d beta), without the width it gains"),
    Mutant("masses_weights_untempered", "geometric_mode_masses", "beta * torch.log(w)", "torch.log(w)",
           "w_k instead of w_k^beta"),
    Mutant("masses_not_normalised", "geometric_mode_masses", "masses = torch.softmax(log_mass, dim=0)",
           "masses = torch.exp(log_mass)", "unnormalised masses"),
    Mutant("masses_overflow", "geometric_mode_masses", "torch.softmax(log_mass, dim=0)",
           "torch.exp(log_mass) / torch.exp(log_mass).sum()", "normalised without logarithms: 0/0 in high dimension"),
    Mutant("masses_base_no_exponential", "geometric_mode_masses",
           " - beta * (1 - beta) * (m**2).sum(1) / (2 * mixed)", "",
           "Gaussian base: the term in |m_k|^2 of the completed square forgotten"),
    Mutant("masses_base_half_d", "geometric_mode_masses", "0.5 * d * torch.log(mixed)", "0.5 * torch.log(mixed)",
           "Gaussian base: the width factor of one dimension"),
    Mutant("masses_base_mix_swapped", "geometric_mode_masses", "mixed = (1 - beta) * c**2 + beta * base_std**2",
           "mixed = beta * c**2 + (1 - beta) * base_std**2", "Gaussian base: beta and 1 - beta swapped in the mixed variance"),
    Mutant("masses_base_norm_of_all_means", "geometric_mode_masses", "(m**2).sum(1)", "(m**2).sum()",
           "Gaussian base: |m|^2 summed over all components, the same for every mode"),
    # --- quadrature_masses
    Mutant("quad_no_max_shift", "quadrature_masses", "dens = torch.exp(logp - logp.max())", "dens = torch.exp(logp)",
           "exponentiates the unnormalised log-density: overflow at +1000, underflow at -1000"),
    Mutant("quad_not_normalised", "quadrature_masses", "    masses = masses / masses.sum()\n",
           "    masses = masses * (grid[1] - grid[0])\n", "a Riemann sum of an unnormalised density, not normalised"),
    Mutant("quad_regions_reversed", "quadrature_masses", "region = torch.bucketize(grid, cuts.to(grid.dtype))",
           "region = cuts.shape[0] - torch.bucketize(grid, cuts.to(grid.dtype))", "regions numbered from the right"),
    Mutant("quad_sums_log_density", "quadrature_masses", "index_add_(0, region, dens)", "index_add_(0, region, logp.exp())",
           "exp of the raw log-density after all (no shift)"),
    Mutant("quad_drops_last_region", "quadrature_masses", "torch.bucketize(grid, cuts.to(grid.dtype))",
           "torch.bucketize(grid, cuts.to(grid.dtype)).clamp(max=cuts.shape[0] - 1)",
           "the points above the last cut merged into the previous region"),
    # --- mode_masses
    Mutant("modes_farthest", "mode_masses", "argmin(dim=1)", "argmax(dim=1)", "argmax of the distances"),
    Mutant("modes_counts", "mode_masses", "1.0 / x.shape[0]", "1.0", "counts, not fractions"),
    Mutant("modes_weights_overflow", "mode_masses", "torch.softmax(log_weights.to(x.dtype), dim=0)",
           "torch.exp(log_weights.to(x.dtype)) / torch.exp(log_weights.to(x.dtype)).sum()",
           "exponentiates log-weights of 800: inf / inf"),
    Mutant("modes_log_weights_as_weights", "mode_masses", "torch.softmax(log_weights.to(x.dtype), dim=0)",
           "log_weights.to(x.dtype) / log_weights.sum()", "the log-weights used as weights"),
    Mutant("modes_weights_ignored", "mode_masses", "    if log_weights is None:\n", "    if True:\n",
           "the log_weights argument is ignored"),
    Mutant("modes_nearest_first_coordinate", "mode_masses", "torch.cdist(x, means.to(x.dtype))",
           "(x[:, None, :1] - means.to(x.dtype)[None, :, :1]).abs().sum(-1)",
           "nearest in the first coordinate only (fine in 1D)"),
    Mutant("modes_argmin_wrong_axis", "mode_masses", "argmin(dim=1)", "argmin(dim=0)",
           "the nearest point to each mean instead of the nearest mean to each point"),
    # --- annealed_langevin
    Mutant("anneal_noise_sqrt_h", "annealed_langevin", "math.sqrt(2 * h) * noise", "math.sqrt(h) * noise",
           "noise sqrt(h): a tempered chain"),
    Mutant("anneal_drift_sign", "annealed_langevin", "x + h * score(x, level)", "x - h * score(x, level)",
           "descends the log-density"),
    Mutant("anneal_levels_reversed", "annealed_langevin", "zip(levels, step_sizes)", "zip(levels[::-1], step_sizes)",
           "levels taken from the end"),
    Mutant("anneal_first_step_size", "annealed_langevin", "x + h * score(x, level)", "x + step_sizes[0] * score(x, level)",
           "the first level's step size in the drift at every level"),
    Mutant("anneal_path_every_step", "annealed_langevin", _STEP + "        path.append(x)\n",
           _STEP + "            path.append(x)\n", "the path records every step, not the end of each level"),
    Mutant("anneal_path_without_x0", "annealed_langevin", "path = [x0]", "path = []", "the path omits x0"),
    Mutant("anneal_one_step_short", "annealed_langevin", "for _ in range(n_steps):", "for _ in range(n_steps - 1):",
           "n_steps - 1 steps per level"),
    Mutant("anneal_global_generator", "annealed_langevin", _NOISE, "torch.randn(x.shape, dtype=x.dtype)",
           "the generator argument is ignored"),
    Mutant("anneal_noise_float32", "annealed_langevin", _NOISE, "torch.randn(x.shape, generator=generator)",
           "noise always drawn in float32: another stream for float64 states"),
    Mutant("anneal_in_place", "annealed_langevin", "x = x + h * score(x, level)", "x += h * score(x, level)",
           "updates x0 in place, and the path aliases it"),
    # --- ais_log_weights
    Mutant("ais_state_after_moves", "ais_log_weights", _AIS_TERM,
           "(log_target(path[l + 1]) - log_base(path[l + 1]))", "each term at the state after the moves of level l"),
    Mutant("ais_absolute_beta", "ais_log_weights", "(beta - beta_prev) * ", "beta * ", "beta_l instead of beta_l - beta_(l-1)"),
    Mutant("ais_sign", "ais_log_weights", _AIS_TERM, "(log_base(path[l]) - log_target(path[l]))", "log pi_0 - log pi"),
    Mutant("ais_target_only", "ais_log_weights", _AIS_TERM, "log_target(path[l])", "the base's log-density left out"),
    Mutant("ais_skips_beta0", "ais_log_weights", "beta_prev = 0.0", "beta_prev = float(betas[0])",
           "starts at beta_1: the first increment beta_1 - beta_0 is lost"),
    Mutant("ais_final_state", "ais_log_weights", _AIS_TERM, "(log_target(path[-1]) - log_base(path[-1]))",
           "every term at the final state"),
    Mutant("ais_negative_index", "ais_log_weights", _AIS_BODY,
           "    log_w = torch.zeros(path.shape[1], dtype=path.dtype)\n"
           "    for l in range(len(betas)):\n"
           "        log_w = log_w + (betas[l] - betas[l - 1]) * (log_target(path[l]) - log_base(path[l]))\n",
           "betas[l - 1] at l = 0 is betas[-1] = 1, not beta_0 = 0"),
    # --- numeric answers
    Mutant("answer_share_one_dimension", "numeric_answers", _SHARE,
           "answer_heavy_share = 0.75**0.4 * 0.25**0.6 / (0.75**0.4 * 0.25**0.6 + 0.25**0.4)", "d = 1 in c^(d (1 - beta))"),
    Mutant("answer_share_peak_height", "numeric_answers", _SHARE,
           "answer_heavy_share = 0.75**0.4 * 0.25**-1.2 / (0.75**0.4 * 0.25**-1.2 + 0.25**0.4)",
           "the peak's height c^(-d beta) instead of the mass"),
    Mutant("answer_share_weights", "numeric_answers", _SHARE, "answer_heavy_share = 0.75", "the weight, as on the convolution path"),
    Mutant("answer_beta_one_dimension", "numeric_answers", _EQUAL,
           "answer_equal_beta = math.log(4) / (math.log(3) + math.log(4))", "d = 1"),
    Mutant("answer_beta_variances", "numeric_answers", _EQUAL,
           "answer_equal_beta = 10 * math.log(16) / (math.log(3) + 10 * math.log(16))", "variance ratio instead of std ratio"),
    Mutant("answer_noise_stds", "numeric_answers", _NOISE_ANS, "answer_unimodal_noise = 2.5 - 0.5",
           "standard deviations added"),
    Mutant("answer_noise_plus", "numeric_answers", _NOISE_ANS, "answer_unimodal_noise = math.sqrt(2.5**2 + 0.5**2)",
           "wrong sign in the variance balance"),

    # --- correct alternative forms: full marks
    Mutant("eq_geo_autograd", "geometric_score", _GEO,
           "    xr = x.detach().requires_grad_(True)\n"
           "    lp = beta * target.log_prob(xr)\n"
           "    if base_std is not None:\n"
           "        lp = lp - (1 - beta) * (xr**2).sum(1) / (2 * base_std**2)\n"
           "    score = torch.autograd.grad(lp.sum(), xr)[0]\n", "autograd of the path's log-density"),
    Mutant("eq_geo_product", "geometric_score", "x / base_std**2", "x / (base_std * base_std)", "another square"),
    Mutant("eq_conv_library_mixture", "convolution_score", _CONV_BODY,
           "    blurred = GaussianMixture(target.means, stds=(target.stds**2 + noise_std**2).sqrt(), weights=target.weights)\n"
           "    score = blurred.score(x)\n"
           "    return score\n"
           "    means = target.means.to(x.dtype)\n"
           "    var = target.stds.to(x.dtype) ** 2 + noise_std**2\n"
           "    diff = means[None, :, :] - x[:, None, :]\n", "the blurred mixture built with genmod's GaussianMixture"),
    Mutant("eq_conv_logsumexp", "convolution_score", "resp = torch.softmax(log_joint, dim=1)",
           "resp = torch.exp(log_joint - torch.logsumexp(log_joint, dim=1, keepdim=True))", "log-sum-exp by hand"),
    Mutant("eq_conv_tweedie", "convolution_score", _CONV_TAIL,
           "    resp = torch.softmax(log_joint, dim=1)\n"
           "    post_mean = x + (resp[:, :, None] * diff * (noise_std**2 / var)[None, :, None]).sum(1)\n"
           "    score = (resp[:, :, None] * diff / var[None, :, None]).sum(1) + 0 * post_mean\n",
           "an unused Tweedie mean alongside"),
    Mutant("eq_masses_logsumexp", "geometric_mode_masses", "torch.softmax(log_mass, dim=0)",
           "torch.exp(log_mass - torch.logsumexp(log_mass, dim=0))", "log-sum-exp by hand"),
    Mutant("eq_masses_precision_form", "geometric_mode_masses", _MASS_BASE,
           "        lam = (1 - beta) / base_std**2 + beta / c**2\n"
           "        sq = (m**2).sum(1)\n"
           "        log_mass = (beta * torch.log(w) - d * beta * torch.log(c) - 0.5 * d * torch.log(lam)\n"
           "                    - beta * sq / (2 * c**2) + (beta / c**2) ** 2 * sq / (2 * lam))\n",
           "the Gaussian integral with the precision lambda_k (constants in k dropped differently)"),
    Mutant("eq_quad_right_closed", "quadrature_masses", "torch.bucketize(grid, cuts.to(grid.dtype))",
           "torch.bucketize(grid, cuts.to(grid.dtype), right=True)", "the other side of a tie"),
    Mutant("eq_quad_comparisons", "quadrature_masses", "torch.bucketize(grid, cuts.to(grid.dtype))",
           "(grid[:, None] > cuts[None, :]).sum(1)", "region index by counting the cuts below"),
    Mutant("eq_quad_logsumexp_regions", "quadrature_masses", _QUAD_TAIL,
           "    parts = [torch.logsumexp(logp[region == j], dim=0) for j in range(cuts.shape[0] + 1)]\n"
           "    masses = torch.softmax(torch.stack(parts), dim=0)\n", "log-sum-exp per region"),
    Mutant("eq_quad_trapezoid", "quadrature_masses", _QUAD_TAIL,
           "    masses = torch.stack([torch.trapezoid(dens * (region == j), grid) for j in range(cuts.shape[0] + 1)])\n"
           "    masses = masses / masses.sum()\n", "the trapezoidal rule on each region"),
    Mutant("eq_modes_squared_distances", "mode_masses", "torch.cdist(x, means.to(x.dtype)).argmin(dim=1)",
           "((x[:, None, :] - means.to(x.dtype)[None]) ** 2).sum(-1).argmin(dim=1)", "squared distances by broadcasting"),
    Mutant("eq_modes_bincount", "mode_masses",
           "masses = torch.zeros(means.shape[0], dtype=x.dtype).index_add_(0, nearest, weights)",
           "masses = torch.bincount(nearest, weights=weights, minlength=means.shape[0]).to(x.dtype)", "bincount"),
    Mutant("eq_anneal_indexed_levels", "annealed_langevin", "    for level, h in zip(levels, step_sizes):\n",
           "    for l in range(len(levels)):\n        level, h = levels[l], step_sizes[l]\n", "levels by index"),
    Mutant("eq_anneal_power_half", "annealed_langevin", "math.sqrt(2 * h) * noise", "(2 * h) ** 0.5 * noise",
           "another square root"),
    Mutant("eq_anneal_torch_normal", "annealed_langevin", _NOISE,
           "torch.normal(0.0, 1.0, x.shape, generator=generator, dtype=x.dtype)", "torch.normal draws the same numbers"),
    Mutant("eq_ais_vectorised", "ais_log_weights", _AIS_BODY,
           "    b = torch.tensor([0.0] + [float(v) for v in betas], dtype=path.dtype)\n"
           "    f = torch.stack([log_target(p) - log_base(p) for p in path[:-1]])\n"
           "    log_w = ((b[1:] - b[:-1])[:, None] * f).sum(0)\n", "all levels at once"),
    Mutant("eq_answers_literals", "numeric_answers", _SHARE, "answer_heavy_share = 0.1135", "a rounded literal"),
    Mutant("eq_answer_equal_beta_literal", "numeric_answers", _EQUAL, "answer_equal_beta = 0.9266", "a rounded literal"),
]

# Red-team pass (issue 14): bugs and correct forms written from the student's side of the released text.
_MODES_TAIL = "    masses = torch.zeros(means.shape[0], dtype=x.dtype).index_add_(0, nearest, weights)\n"
MUTANTS += [
    # --- geometric_score
    Mutant("geo_flat_untempered", "geometric_score", _GEO,
           "    score = target.score(x) if base_std is None else beta * target.score(x)\n"
           "    if base_std is not None:\n"
           "        score = score - (1 - beta) * x / base_std**2\n",
           "flat base: p^beta handled as p (the tempering forgotten only in the None branch)"),
    # --- convolution_score
    Mutant("conv_first_coordinate_only", "convolution_score", "(diff**2).sum(-1) / (2 * var)",
           "diff[..., 0] ** 2 / (2 * var)", "squared distance of the first coordinate only (fine in 1D)"),
    Mutant("conv_pull_unblurred", "convolution_score", "diff / var[None, :, None]",
           "diff / (target.stds.to(x.dtype) ** 2)[None, :, None]",
           "blurred responsibilities but the clean components' pulls (m_k - x) / c_k^2"),
    Mutant("conv_normaliser_variance_power", "convolution_score", "0.5 * x.shape[1] * torch.log(var)",
           "x.shape[1] * torch.log(var)", "normalising factor (c^2 + sigma^2)^(-d), the variance where the std belongs"),
    # --- geometric_mode_masses
    Mutant("masses_base_ignored", "geometric_mode_masses", "    if base_std is not None:\n", "    if False:\n",
           "the Gaussian base ignored: always the flat-base formula"),
    Mutant("masses_base_no_component_normaliser", "geometric_mode_masses", _MASS_BASE,
           "        lam = (1 - beta) / base_std**2 + beta / c**2\n"
           "        sq = (m**2).sum(1)\n"
           "        log_mass = (beta * torch.log(w) - 0.5 * d * torch.log(lam)\n"
           "                    - beta * sq / (2 * c**2) + (beta / c**2) ** 2 * sq / (2 * lam))\n",
           "Gaussian base, precision form: the component's factor c_k^(-d beta) of N(m_k, c_k^2 I)^beta dropped"),
    Mutant("masses_base_square_not_halved", "geometric_mode_masses", _MASS_BASE,
           "        lam = (1 - beta) / base_std**2 + beta / c**2\n"
           "        sq = (m**2).sum(1)\n"
           "        log_mass = (beta * torch.log(w) - d * beta * torch.log(c) - 0.5 * d * torch.log(lam)\n"
           "                    - beta * sq / (2 * c**2) + (beta / c**2) ** 2 * sq / lam)\n",
           "Gaussian base: completing the square gives |b|^2 / (2 lambda), written |b|^2 / lambda"),
    Mutant("masses_float32", "geometric_mode_masses", "torch.softmax(log_mass, dim=0)",
           "torch.softmax(log_mass.float(), dim=0)", "float32 masses where float64 is asked"),
    Mutant("masses_width_exponent_beta", "geometric_mode_masses", "d * (1 - beta) * torch.log(c)",
           "d * beta * torch.log(c)", "c_k^(d beta): beta and 1 - beta swapped in the width factor"),
    # --- quadrature_masses
    Mutant("quad_shift_per_region", "quadrature_masses", _QUAD_TAIL,
           "    parts = [torch.exp(logp[region == j] - logp[region == j].max()).sum() for j in range(cuts.shape[0] + 1)]\n"
           "    masses = torch.stack(parts)\n"
           "    masses = masses / masses.sum()\n",
           "each region exponentiated after subtracting its own maximum: the regions lose their relative scale"),
    # --- mode_masses
    Mutant("modes_weights_sign", "mode_masses", "torch.softmax(log_weights.to(x.dtype), dim=0)",
           "torch.softmax(-log_weights.to(x.dtype), dim=0)", "weights exp(-l_i)"),
    Mutant("modes_bincount_short", "mode_masses", _MODES_TAIL,
           "    masses = torch.bincount(nearest, weights=weights).to(x.dtype)\n",
           "bincount without minlength: trailing empty modes disappear"),
    Mutant("modes_weights_dtype", "mode_masses",
           "        weights = torch.softmax(log_weights.to(x.dtype), dim=0)\n" + _MODES_TAIL,
           "        weights = torch.softmax(log_weights, dim=0)\n"
           "    masses = torch.zeros(means.shape[0], dtype=weights.dtype).index_add_(0, nearest, weights)\n",
           "weighted masses in the dtype of the log-weights, not of x"),
    Mutant("modes_dot_product", "mode_masses", "torch.cdist(x, means.to(x.dtype)).argmin(dim=1)",
           "(x @ means.to(x.dtype).T).argmax(dim=1)", "largest inner product instead of nearest mean"),
    # --- annealed_langevin
    Mutant("anneal_path_aliases", "annealed_langevin", "    x = x0\n" + "    path = [x0]\n",
           "    x = x0.clone()\n    path = [x0]\n    for level, h in zip(levels, step_sizes):\n"
           "        for _ in range(n_steps):\n"
           "            noise = " + _NOISE + "\n"
           "            x += h * score(x, level) + math.sqrt(2 * h) * noise\n"
           "        path.append(x)\n    return torch.stack(path) if return_path else x\n",
           "in-place updates of a copy: every saved state of the path is the same tensor, the final one"),
    Mutant("anneal_score_after_noise", "annealed_langevin", _STEP,
           "            x = x + math.sqrt(2 * h) * noise\n            x = x + h * score(x, level)\n",
           "the drift evaluated after the noise is added"),
    Mutant("anneal_level_index", "annealed_langevin", "zip(levels, step_sizes)",
           "zip(range(len(levels)), step_sizes)", "the level's index passed to score instead of the level"),
    Mutant("anneal_noise_once_per_level", "annealed_langevin",
           "        for _ in range(n_steps):\n            noise = " + _NOISE + "\n",
           "        noise = " + _NOISE + "\n        for _ in range(n_steps):\n",
           "one noise draw per level, reused at every step"),
    # --- ais_log_weights
    Mutant("ais_averaged", "ais_log_weights", "        beta_prev = beta\n",
           "        beta_prev = beta\n    log_w = log_w / len(betas)\n", "the sum divided by L"),
    Mutant("ais_cheat_zeros", "ais_log_weights", "    for l, beta in enumerate(betas):\n",
           "    for l, beta in enumerate([]):\n", "returns zeros, as in the visible test"),
    # --- numeric answers
    Mutant("answer_share_light_mode", "numeric_answers", _SHARE,
           "answer_heavy_share = 0.25**0.4 / (0.75**0.4 * 0.25**1.8 + 0.25**0.4)", "the light mode's share"),
    Mutant("answer_noise_variance", "numeric_answers", _NOISE_ANS, "answer_unimodal_noise = 2.5**2 - 0.5**2",
           "sigma^2 given for sigma"),
    Mutant("answer_beta_complement", "numeric_answers", _EQUAL,
           "answer_equal_beta = math.log(3) / (math.log(3) + 10 * math.log(4))", "1 - beta"),

    # --- correct alternative forms
    Mutant("eq_geo_scaled_first", "geometric_score", "score - (1 - beta) * x / base_std**2",
           "score - ((1 - beta) / base_std**2) * x", "the coefficient computed first"),
    Mutant("eq_conv_autograd_logsumexp", "convolution_score", _CONV_TAIL,
           "    with torch.enable_grad():\n"
           "        xr = x.detach().requires_grad_(True)\n"
           "        dr = means[None, :, :] - xr[:, None, :]\n"
           "        lj = torch.log(target.weights.to(x.dtype)) - (dr**2).sum(-1) / (2 * var) - 0.5 * x.shape[1] * torch.log(var)\n"
           "        score = torch.autograd.grad(torch.logsumexp(lj, dim=1).sum(), xr)[0]\n",
           "autograd of the log-density of the blurred mixture, written with logsumexp"),
    Mutant("eq_masses_logsumexp_normalise", "geometric_mode_masses", "masses = torch.softmax(log_mass, dim=0)",
           "masses = (log_mass - log_mass.max()).exp()\n    masses = masses / masses.sum()",
           "shift by the maximum, exponentiate, normalise"),
    Mutant("eq_quad_searchsorted", "quadrature_masses", "torch.bucketize(grid, cuts.to(grid.dtype))",
           "torch.searchsorted(cuts.to(grid.dtype), grid)", "searchsorted"),
    Mutant("eq_modes_one_hot", "mode_masses", _MODES_TAIL,
           "    masses = torch.nn.functional.one_hot(nearest, means.shape[0]).to(x.dtype).T @ weights\n",
           "one-hot matrix times the weights"),
    Mutant("eq_modes_max_shift", "mode_masses", "weights = torch.softmax(log_weights.to(x.dtype), dim=0)",
           "weights = torch.exp(log_weights.to(x.dtype) - log_weights.max().to(x.dtype))\n"
           "        weights = weights / weights.sum()", "subtract the maximum, exponentiate, normalise"),
    Mutant("eq_anneal_split_update", "annealed_langevin", _STEP,
           "            drift = h * score(x, level)\n            x = x + drift\n"
           "            x = x + math.sqrt(2 * h) * noise\n", "drift then noise, both at the same x"),
    Mutant("eq_ais_summation_by_parts", "ais_log_weights", _AIS_BODY,
           "    f = [log_target(p) - log_base(p) for p in path]\n"
           "    b = [float(v) for v in betas]\n"
           "    log_w = sum(b[l] * f[l] for l in range(len(b))) - sum(b[l - 1] * f[l] for l in range(1, len(b)))\n",
           "the two sums sum_l beta_l f(x^(l-1)) and sum_l beta_(l-1) f(x^(l-1)) taken apart"),
    Mutant("eq_answer_noise_literal", "numeric_answers", _NOISE_ANS, "answer_unimodal_noise = 2.449",
           "a rounded literal"),
]

MUTANTS += [
    Mutant("conv_normaliser_n_for_d", "convolution_score", "0.5 * x.shape[1] * torch.log(var)",
           "0.5 * x.shape[0] * torch.log(var)", "the number of points n where the dimension d belongs"),
    Mutant("eq_conv_float64_inside", "convolution_score", _CONV_TAIL,
           _CONV_TAIL + "    score = score.double().to(x.dtype)\n", "computed, then cast back to the dtype of x"),
    Mutant("eq_anneal_float32_sqrt", "annealed_langevin", "math.sqrt(2 * h) * noise",
           "torch.sqrt(torch.tensor(2 * h)) * noise", "the noise scale as a float32 tensor"),
    Mutant("eq_ais_float32_betas", "ais_log_weights", _AIS_BODY,
           "    b = torch.tensor([0.0] + [float(v) for v in betas])\n"
           "    log_w = torch.zeros(path.shape[1], dtype=path.dtype)\n"
           "    for l in range(1, len(b)):\n"
           "        log_w = log_w + (b[l] - b[l - 1]) * (log_target(path[l - 1]) - log_base(path[l - 1]))\n",
           "the betas in a default (float32) tensor"),
]
