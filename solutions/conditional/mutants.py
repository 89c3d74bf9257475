"""Plausible wrong answers to the conditional-generation lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants conditional`` to see the table.
"""

from grader.mutants import Mutant

_DROP = "dropped = torch.where(u < p_drop, torch.full_like(labels, null_index), labels)"
_CFG = ("    v_null = velocity(x, t, torch.full_like(labels, null_index))\n"
        "    v_cond = velocity(x, t, labels)\n"
        "    guided = v_null + w * (v_cond - v_null)\n")
_CG = "guided = velocity(x, t) + w * (1 - t) / t * grad"
_MID = ("        x_half = x + 0.5 * h * cfg_velocity(velocity, x, t, labels, w, null_index)\n"
        "        x = x + h * cfg_velocity(velocity, x_half, t + 0.5 * h, labels, w, null_index)\n")

MUTANTS = [
    # --- drop_labels
    Mutant("drop_keep_probability", "drop_labels", "u < p_drop", "u > p_drop",
           "drops with probability 1 - p_drop"),
    Mutant("drop_whole_batch", "drop_labels", "u = torch.rand(labels.shape[0], generator=generator)",
           "u = torch.rand(1, generator=generator).expand(labels.shape[0])",
           "one draw for the whole batch: all labels dropped or none"),
    Mutant("drop_to_label_zero", "drop_labels", "torch.full_like(labels, null_index)", "torch.zeros_like(labels)",
           "label 0 used as the null token"),
    Mutant("drop_in_place", "drop_labels", _DROP,
           "labels[u < p_drop] = null_index\n    dropped = labels", "modifies the caller's labels in place"),
    Mutant("drop_ignores_generator", "drop_labels", "torch.rand(labels.shape[0], generator=generator)",
           "torch.rand(labels.shape[0])", "draws from the global generator: not reproducible"),
    Mutant("drop_bernoulli_keep", "drop_labels", _DROP,
           "dropped = torch.where(torch.bernoulli(torch.full((labels.shape[0],), p_drop), generator=generator) > 0,\n"
           "                          torch.full_like(labels, null_index), labels)",
           "Bernoulli draw instead of the pinned torch.rand: another random stream"),
    Mutant("drop_null_minus_one", "drop_labels", "torch.full_like(labels, null_index)",
           "torch.full_like(labels, -1)", "null token written as -1 (last embedding row) instead of null_index"),
    # --- conditional_cfm_loss
    Mutant("loss_original_labels", "conditional_cfm_loss", "velocity(xt, t, dropped)", "velocity(xt, t, labels)",
           "dropout computed but the original labels passed to the network"),
    Mutant("loss_mean_over_coordinates", "conditional_cfm_loss", ".sum(dim=1).mean()", ".mean()",
           "loss averaged over coordinates instead of summed"),
    Mutant("loss_target_reversed", "conditional_cfm_loss", "(x1 - x0)) ** 2", "(x0 - x1)) ** 2",
           "target from data to noise"),
    Mutant("loss_path_reversed", "conditional_cfm_loss", "xt = (1 - tc) * x0 + tc * x1",
           "xt = tc * x0 + (1 - tc) * x1", "path from data (t = 0) to noise"),
    Mutant("loss_fixed_drop_rate", "conditional_cfm_loss", "drop_labels(labels, p_drop, null_index, generator)",
           "drop_labels(labels, 0.1, null_index, generator)", "drop rate hard-coded to 0.1"),
    Mutant("loss_no_generator", "conditional_cfm_loss", "drop_labels(labels, p_drop, null_index, generator)",
           "drop_labels(labels, p_drop, null_index)", "dropout not drawn with the given generator"),
    Mutant("loss_detached", "conditional_cfm_loss", "velocity(xt, t, dropped)", "velocity(xt, t, dropped).detach()",
           "prediction detached: no gradient reaches the model"),
    Mutant("loss_all_null", "conditional_cfm_loss", "velocity(xt, t, dropped)",
           "velocity(xt, t, torch.full_like(labels, null_index))", "network always told the null token"),
    # --- cfg_velocity
    Mutant("cfg_shifted_convention", "cfg_velocity", "guided = v_null + w * (v_cond - v_null)",
           "guided = (1 + w) * v_cond - w * v_null", "the (1 + w) c - w u convention: w = 0 is conditional"),
    Mutant("cfg_roles_swapped", "cfg_velocity", "guided = v_null + w * (v_cond - v_null)",
           "guided = v_cond + w * (v_null - v_cond)", "conditional and unconditional roles swapped"),
    Mutant("cfg_null_is_label_zero", "cfg_velocity", "torch.full_like(labels, null_index)",
           "torch.zeros_like(labels)", "unconditional model queried with label 0"),
    Mutant("cfg_scale_squared", "cfg_velocity", "guided = v_null + w * (v_cond - v_null)",
           "guided = v_null + w**2 * (v_cond - v_null)", "guidance scale squared"),
    Mutant("cfg_no_unconditional_base", "cfg_velocity", "guided = v_null + w * (v_cond - v_null)",
           "guided = v_cond + w * (v_cond - v_null)", "extrapolates from the conditional field: w = 0 is conditional"),
    Mutant("cfg_time_dropped", "cfg_velocity", "v_null = velocity(x, t, torch.full_like(labels, null_index))",
           "v_null = velocity(x, 0.0, torch.full_like(labels, null_index))", "unconditional field at t = 0"),
    # --- classifier_guided_velocity
    Mutant("cg_no_time_factor", "classifier_guided_velocity", _CG, "guided = velocity(x, t) + w * grad",
           "classifier score added to the velocity without the (1 - t) / t factor"),
    Mutant("cg_variance_factor", "classifier_guided_velocity", _CG,
           "guided = velocity(x, t) + w * (1 - t) ** 2 / t * grad", "factor sigma_t^2 / alpha_t = (1 - t)^2 / t"),
    Mutant("cg_inverted_factor", "classifier_guided_velocity", _CG,
           "guided = velocity(x, t) + w * t / (1 - t) * grad", "factor t / (1 - t)"),
    Mutant("cg_sign", "classifier_guided_velocity", _CG, "guided = velocity(x, t) - w * (1 - t) / t * grad",
           "pushes away from the class"),
    Mutant("cg_all_classes", "classifier_guided_velocity", ".gather(1, labels[:, None]).sum()", ".sum()",
           "gradient of the sum over all classes' log-probabilities"),
    Mutant("cg_probability_not_log", "classifier_guided_velocity", "log_prob_class(xg, t).gather",
           "log_prob_class(xg, t).exp().gather", "gradient of p(c | x) instead of log p(c | x)"),
    Mutant("cg_at_predicted_data", "classifier_guided_velocity", "xg = x.detach().requires_grad_(True)",
           "xg = (x + (1 - t) * velocity(x, t)).detach().requires_grad_(True)",
           "classifier gradient taken at the predicted clean point instead of at x_t"),
    Mutant("cg_no_enable_grad", "classifier_guided_velocity", "    with torch.enable_grad():\n",
           "    if True:\n", "no torch.enable_grad: fails inside the sampler's no_grad"),
    Mutant("cg_caller_x_requires_grad", "classifier_guided_velocity", "xg = x.detach().requires_grad_(True)",
           "xg = x.requires_grad_(True)", "turns on gradients of the caller's tensor in place"),
    Mutant("cg_scale_outside", "classifier_guided_velocity", _CG,
           "guided = w * (velocity(x, t) + (1 - t) / t * grad)", "the scale multiplies the whole velocity"),
    # --- guided_sample
    Mutant("sample_second_stage_unguided", "guided_sample",
           "x = x + h * cfg_velocity(velocity, x_half, t + 0.5 * h, labels, w, null_index)",
           "x = x + h * velocity(x_half, t + 0.5 * h, labels)", "midpoint's second evaluation without guidance"),
    Mutant("sample_guides_first_step_only", "guided_sample", _MID,
           "        ww = w if k == 0 else 1.0\n"
           "        x_half = x + 0.5 * h * cfg_velocity(velocity, x, t, labels, ww, null_index)\n"
           "        x = x + h * cfg_velocity(velocity, x_half, t + 0.5 * h, labels, ww, null_index)\n",
           "guidance only in the first step"),
    Mutant("sample_euler", "guided_sample", _MID,
           "        x = x + h * cfg_velocity(velocity, x, t, labels, w, null_index)\n", "Euler steps instead of midpoint"),
    Mutant("sample_stage_time_not_advanced", "guided_sample", "x_half, t + 0.5 * h,", "x_half, t,",
           "second stage evaluated at t_k"),
    Mutant("sample_one_step_short", "guided_sample", "for k in range(n_steps):", "for k in range(n_steps - 1):",
           "n_steps - 1 steps"),
    Mutant("sample_ignores_generator", "guided_sample", "torch.randn(labels.shape[0], dim, generator=generator)",
           "torch.randn(labels.shape[0], dim)", "noise from the global generator"),
    Mutant("sample_time_reversed", "guided_sample", "        t = k * h\n", "        t = 1.0 - k * h\n",
           "integrates with times running from 1 down"),
    # --- guided_gaussian_moments
    Mutant("moments_std_with_intercept", "guided_gaussian_moments", "return a * mean + b, a * std",
           "return a * mean + b, a * std + b", "the standard deviation also picks up the intercept"),
    Mutant("moments_rho_without_data_variance", "guided_gaussian_moments",
           "rho2 = (1 - t) ** 2 + t**2 * s**2", "rho2 = (1 - t) ** 2 + t**2",
           "variance of x_t written for unit-variance data"),
    Mutant("moments_euler", "guided_gaussian_moments",
           "dm2, ds2 = rhs(t + 0.5 * h, mean + 0.5 * h * dm, std + 0.5 * h * ds)", "dm2, ds2 = dm, ds",
           "Euler steps instead of midpoint"),
    Mutant("moments_shifted_convention", "guided_gaussian_moments", "a = ku + w * (kc - ku)\n        b = bu + w * (bc - bu)",
           "a = (1 + w) * kc - w * ku\n        b = (1 + w) * bc - w * bu", "the (1 + w) c - w u convention"),
    Mutant("moments_intercept_is_mean", "guided_gaussian_moments", "return k, m - k * t * m", "return k, m",
           "intercept m instead of m (1 - k t)"),
    Mutant("moments_slope_guided_only_mean", "guided_gaussian_moments", "return a * mean + b, a * std",
           "return a * mean + b, (ku + (kc - ku)) * std", "std moved by the conditional slope, without guidance"),
    # --- numeric answers
    Mutant("answer_velocity_shifted_convention", "numeric_answers", "answer_guided_velocity = 6 - 4 * math.tanh(1)",
           "answer_guided_velocity = 4 * 2 - 3 * 2 * math.tanh(1)", "the (1 + w) c - w u convention"),
    Mutant("answer_velocity_null_zero", "numeric_answers", "answer_guided_velocity = 6 - 4 * math.tanh(1)",
           "answer_guided_velocity = 6.0", "null field taken as 0 (the mixture's mean) instead of the posterior average"),
    Mutant("answer_tilted_ignores_null", "numeric_answers", "answer_tilted_std = 0.4 ** 0.5",
           "answer_tilted_std = 1 / 3 ** 0.5", "precision w / s_c^2 without the null's (1 - w) / s_u^2"),
    Mutant("answer_tilted_mean_extrapolated", "numeric_answers", "answer_tilted_mean = 2.4",
           "answer_tilted_mean = 6.0", "mean (1 - w) m_u + w m_c, as for equal variances"),
    Mutant("answer_guided_std_is_tilted", "numeric_answers", "answer_guided_std = 0.25",
           "answer_guided_std = 0.632", "assumes guidance samples the tilted density"),

    # --- correct alternative forms: full marks
    Mutant("eq_drop_masked_fill", "drop_labels", _DROP,
           "dropped = labels.masked_fill(u < p_drop, null_index)", "masked_fill"),
    Mutant("eq_drop_clone_assign", "drop_labels", _DROP,
           "dropped = labels.clone()\n    dropped[u < p_drop] = null_index", "clone, then assign through the mask"),
    Mutant("eq_loss_mse_library", "conditional_cfm_loss",
           "loss = ((velocity(xt, t, dropped) - (x1 - x0)) ** 2).sum(dim=1).mean()",
           "loss = torch.nn.functional.mse_loss(velocity(xt, t, dropped), x1 - x0, reduction=\"sum\") / x0.shape[0]",
           "library MSE summed, divided by n"),
    Mutant("eq_cfg_batched", "cfg_velocity", _CFG,
           "    both = velocity(torch.cat([x, x]), t, torch.cat([torch.full_like(labels, null_index), labels]))\n"
           "    v_null, v_cond = both.chunk(2)\n"
           "    guided = (1 - w) * v_null + w * v_cond\n",
           "one network call on a doubled batch, (1 - w) u + w c"),
    Mutant("eq_cfg_lerp", "cfg_velocity", "guided = v_null + w * (v_cond - v_null)",
           "guided = torch.lerp(v_null, v_cond, float(w))", "torch.lerp"),
    Mutant("eq_cg_index_backward", "classifier_guided_velocity",
           "        chosen = log_prob_class(xg, t).gather(1, labels[:, None]).sum()\n"
           "        (grad,) = torch.autograd.grad(chosen, xg)\n",
           "        logp = log_prob_class(xg, t)\n"
           "        logp[torch.arange(x.shape[0]), labels].sum().backward()\n"
           "        grad = xg.grad\n", "advanced indexing and backward()"),
    Mutant("eq_cg_score_then_velocity", "classifier_guided_velocity", _CG,
           "v = velocity(x, t)\n    score = (t * v - x) / (1 - t) if t < 1 else None\n"
           "    guided = v + w * (1 - t) / t * grad if score is None else (x + (1 - t) * (score + w * grad)) / t",
           "through the score: velocity to score, add w times the classifier score, back to a velocity"),
    Mutant("eq_sample_closure", "guided_sample", _MID,
           "        field = lambda y, s: cfg_velocity(velocity, y, s, labels, w, null_index)\n"
           "        x = x + h * field(x + h / 2 * field(x, t), t + h / 2)\n", "a closure for the guided field"),
    Mutant("eq_moments_log_std", "guided_gaussian_moments",
           "        dm2, ds2 = rhs(t + 0.5 * h, mean + 0.5 * h * dm, std + 0.5 * h * ds)\n"
           "        mean, std = mean + h * dm2, std + h * ds2\n",
           "        dm2, ds2 = rhs(t + 0.5 * h, mean + 0.5 * h * dm, std * (1 + 0.5 * h * ds / std))\n"
           "        mean, std = mean + h * dm2, std * (1 + h * ds2 / std)\n",
           "the same midpoint step written as relative updates of the std"),
    Mutant("eq_answer_decimals", "numeric_answers", "answer_guided_velocity = 6 - 4 * math.tanh(1)",
           "answer_guided_velocity = 2.954", "rounded to four significant digits"),
]
