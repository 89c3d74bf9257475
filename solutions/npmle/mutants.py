"""Plausible wrong answers to the npmle lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants npmle`` to see the table.
"""

from grader.mutants import Mutant

_LMD = "log_terms = torch.log(weights)[None, :] - 0.5 * sq - 0.5 * d * math.log(2 * math.pi)"
_FV_RATIO = "g = torch.exp(log_phi - log_p[None, :]).mean(dim=1)"
_GR_MEAN = "grad = (ratio[:, :, None] * diff).mean(dim=1)"
_LOC = "new_atoms = atoms + eta * grad_first_variation(y, atoms, weights, atoms)"
_FIT_LOOP = ("        if geometry in (\"wfr\", \"w\"):\n"
             "            atoms = location_step(y, atoms, weights, eta)\n"
             "        if geometry in (\"wfr\", \"fr\"):\n"
             "            weights = weight_step(y, atoms, weights, tau)\n")
_MS = "u = torch.softmax(logits, dim=1) @ y"

MUTANTS = [
    # --- log_mixture_density
    Mutant("lmd_no_dimension_in_constant", "log_mixture_density", "0.5 * d * math.log(2 * math.pi)",
           "0.5 * math.log(2 * math.pi)", "the normalising constant of phi for d = 1 in every dimension"),
    Mutant("lmd_no_half", "log_mixture_density", "- 0.5 * sq", "- sq", "exp(-||z||^2) instead of exp(-||z||^2 / 2)"),
    Mutant("lmd_weights_outside", "log_mixture_density", "torch.log(weights)[None, :] - 0.5 * sq", "- 0.5 * sq",
           "forgets the weights (an equal-weight mixture)"),
    Mutant("lmd_naive_exp", "log_mixture_density", "log_p = torch.logsumexp(log_terms, dim=1)",
           "log_p = torch.log(torch.exp(log_terms).sum(dim=1))", "log of a sum of exps: -inf far from the atoms"),
    Mutant("lmd_max_instead_of_sum", "log_mixture_density", "log_p = torch.logsumexp(log_terms, dim=1)",
           "log_p = log_terms.max(dim=1).values", "the nearest atom only (hard assignment)"),
    Mutant("lmd_sum_over_data", "log_mixture_density", "torch.logsumexp(log_terms, dim=1)",
           "torch.logsumexp(log_terms, dim=0)", "logsumexp over the data instead of the atoms"),
    Mutant("lmd_weight_floor", "log_mixture_density", "torch.log(weights)", "torch.log(weights + 1e-3)",
           "a floor on the weights to avoid log 0: zero-weight atoms get mass"),
    Mutant("lmd_abs_not_squared", "log_mixture_density", "sq = ((y[:, None, :] - atoms[None, :, :]) ** 2).sum(dim=2)",
           "sq = (y[:, None, :] - atoms[None, :, :]).norm(dim=2)", "the distance instead of its square"),
    # --- first_variation
    Mutant("fv_sum_not_mean", "first_variation", _FV_RATIO, "g = torch.exp(log_phi - log_p[None, :]).sum(dim=1)",
           "sums over the data instead of averaging: sum_j w_j g(x_j) = n"),
    Mutant("fv_at_atoms", "first_variation", "u[:, None, :]", "atoms[:, None, :]",
           "evaluates g at the atoms instead of at u"),
    Mutant("fv_naive_ratio", "first_variation", _FV_RATIO,
           "g = (torch.exp(log_phi) / torch.exp(log_p)[None, :]).mean(dim=1)", "the ratio of two underflowing exps: 0/0"),
    Mutant("fv_no_dimension_in_constant", "first_variation", "- 0.5 * d * math.log(2 * math.pi)",
           "- 0.5 * math.log(2 * math.pi)", "phi's constant for d = 1"),
    Mutant("fv_missing_constant", "first_variation", " - 0.5 * d * math.log(2 * math.pi)", "",
           "phi without its constant while p_rho has it"),
    Mutant("fv_times_density", "first_variation", "log_phi - log_p[None, :]", "log_phi + log_p[None, :]",
           "multiplies by p_rho(y_i) instead of dividing"),
    # --- grad_first_variation
    Mutant("grad_sign", "grad_first_variation", "diff = y[None, :, :] - u[:, None, :]",
           "diff = u[:, None, :] - y[None, :, :]", "u - y_i instead of y_i - u: descends g"),
    Mutant("grad_sum_not_mean", "grad_first_variation", _GR_MEAN, "grad = (ratio[:, :, None] * diff).sum(dim=1)",
           "sums over the data instead of averaging"),
    Mutant("grad_no_ratio", "grad_first_variation", _GR_MEAN, "grad = diff.mean(dim=1)",
           "drops the ratios: the gradient of a plain quadratic"),
    Mutant("grad_naive_ratio", "grad_first_variation", "ratio = torch.exp(log_phi - log_p[None, :])",
           "ratio = torch.exp(log_phi) / torch.exp(log_p)[None, :]", "0/0 far from the atoms"),
    Mutant("grad_normalised_ratios", "grad_first_variation", "ratio = torch.exp(log_phi - log_p[None, :])",
           "ratio = torch.softmax(log_phi - log_p[None, :], dim=1)", "normalises the ratios over the data (a mean-shift direction)"),
    # --- weight_step
    Mutant("weights_no_normalisation", "weight_step", "new = new / new.sum()", "pass",
           "no normalisation: the mass drifts for tau < 1"),
    Mutant("weights_tau_factor", "weight_step", "new = weights * g**tau", "new = weights * (1 + tau * (g - 1))",
           "the linear (Euler) Fisher-Rao step, not the one the text asks for"),
    Mutant("weights_tau_ignored", "weight_step", "new = weights * g**tau", "new = weights * g",
           "ignores tau"),
    Mutant("weights_g_at_data", "weight_step", "g = first_variation(y, atoms, weights, atoms)",
           "g = first_variation(y, atoms, weights, y)[: atoms.shape[0]]", "g evaluated at data points"),
    Mutant("weights_in_place", "weight_step", "new = weights * g**tau", "new = weights.mul_(g**tau)",
           "updates the weights in place"),
    Mutant("weights_divide", "weight_step", "new = weights * g**tau", "new = weights / g**tau",
           "divides by g: mass flows away from where the likelihood wants it"),
    # --- location_step
    Mutant("loc_minus", "location_step", _LOC, "new_atoms = atoms - eta * grad_first_variation(y, atoms, weights, atoms)",
           "gradient descent instead of ascent"),
    Mutant("loc_eta_not_broadcast", "location_step", "        eta = eta[:, None]\n", "        pass\n",
           "a per-atom eta multiplies along the wrong axis"),
    Mutant("loc_in_place", "location_step", _LOC, "new_atoms = atoms.add_(eta * grad_first_variation(y, atoms, weights, atoms))",
           "moves the atoms in place"),
    Mutant("loc_divides_by_weight", "location_step", "atoms + eta * grad", "atoms + eta / weights[:, None] * grad",
           "scales the step by 1 / w_j (a weighted-particle velocity)"),
    # --- wfr_fit
    Mutant("fit_weights_first", "wfr_fit", _FIT_LOOP,
           "        if geometry in (\"wfr\", \"fr\"):\n"
           "            weights = weight_step(y, atoms, weights, tau)\n"
           "        if geometry in (\"wfr\", \"w\"):\n"
           "            atoms = location_step(y, atoms, weights, eta)\n", "reweights before moving"),
    Mutant("fit_w_also_reweights", "wfr_fit", "if geometry in (\"wfr\", \"fr\"):", "if geometry in (\"wfr\", \"fr\", \"w\"):",
           "the Wasserstein-only flow also changes the weights"),
    Mutant("fit_fr_also_moves", "wfr_fit", "if geometry in (\"wfr\", \"w\"):", "if geometry != \"x\":",
           "the Fisher-Rao-only flow also moves the atoms"),
    Mutant("fit_history_without_start", "wfr_fit", "history = [log_mixture_density(y, atoms, weights).mean()]",
           "history = []", "history misses the initial likelihood"),
    Mutant("fit_history_sum", "wfr_fit", "history.append(log_mixture_density(y, atoms, weights).mean())",
           "history.append(log_mixture_density(y, atoms, weights).sum())", "a sum after the first entry, not a mean"),
    Mutant("fit_tau_as_eta", "wfr_fit", "weights = weight_step(y, atoms, weights, tau)",
           "weights = weight_step(y, atoms, weights, eta)", "passes eta as the weight step"),
    Mutant("fit_stale_weights", "wfr_fit", "atoms = location_step(y, atoms, weights, eta)",
           "atoms = location_step(y, atoms, weights.clone().fill_(1.0 / weights.shape[0]), eta)",
           "moves with uniform weights instead of the current ones"),
    # --- certificate
    Mutant("cert_atoms_only", "certificate", "candidates = torch.cat([u, atoms])", "candidates = atoms",
           "evaluates g at the atoms only: always 1"),
    Mutant("cert_no_c", "certificate", "logits = log_c[None, :] - 0.5", "logits = -0.5",
           "mean shift on the unweighted KDE (forgets c_i = 1 / p(y_i))"),
    Mutant("cert_plus_log_p", "certificate", "log_c = -log_mixture_density(y, atoms, weights)",
           "log_c = log_mixture_density(y, atoms, weights)", "weights p(y_i) instead of 1 / p(y_i)"),
    Mutant("cert_one_step_short", "certificate", "for _ in range(n_steps):", "for _ in range(n_steps - 1):",
           "n_steps - 1 iterations"),
    Mutant("cert_softmax_wrong_axis", "certificate", _MS, "u = torch.softmax(logits, dim=0) @ y",
           "normalises over the search points instead of the data"),
    Mutant("cert_without_atoms", "certificate", "candidates = torch.cat([u, atoms])", "candidates = u",
           "forgets the atoms: the bound can fall below 1"),
    Mutant("cert_mean_not_max", "certificate", "first_variation(y, atoms, weights, candidates).max()",
           "first_variation(y, atoms, weights, candidates).mean()", "averages instead of taking the supremum"),
    # --- posterior_mean
    Mutant("pm_no_weights", "posterior_mean", "torch.log(weights)[None, :] - 0.5", "-0.5",
           "forgets the prior weights"),
    Mutant("pm_softmax_over_data", "posterior_mean", "torch.softmax(logits, dim=1)", "torch.softmax(logits, dim=0)",
           "normalises over the data instead of the atoms"),
    Mutant("pm_returns_y_plus", "posterior_mean", "post = torch.softmax(logits, dim=1) @ atoms",
           "post = y + torch.softmax(logits, dim=1) @ atoms", "Tweedie half-remembered: y plus the posterior mean"),
    Mutant("pm_no_half", "posterior_mean", "- 0.5 * ((y", "- ((y", "noise variance 1/2"),
    Mutant("pm_naive", "posterior_mean", "post = torch.softmax(logits, dim=1) @ atoms",
           "post = (torch.exp(logits) @ atoms) / torch.exp(logits).sum(dim=1, keepdim=True)", "0/0 far from the atoms"),
    # --- numeric answers
    Mutant("answer_threshold_sqrt2", "numeric_answers", "answer_threshold = 1.0", "answer_threshold = math.sqrt(2)",
           "compares cosh(s u) with exp(u^2) (drops the 1/2 of the Gaussian)"),
    Mutant("answer_threshold_two", "numeric_answers", "answer_threshold = 1.0", "answer_threshold = 2.0",
           "the data's range instead of their half-spread"),
    Mutant("answer_g_no_normalisation", "numeric_answers", "2 * math.exp(-0.5) / (1 + math.exp(-2))",
           "math.exp(-0.5) / (1 + math.exp(-2))", "forgets the 1/2 weights in p"),
    Mutant("answer_g_phi1", "numeric_answers", "2 * math.exp(-0.5) / (1 + math.exp(-2))", "math.exp(-0.5)",
           "phi(1) / phi(0): ignores the other atom"),

    # --- second pass, from the student's side
    Mutant("fv_density_at_u", "first_variation", "log_p = log_mixture_density(y, atoms, weights)",
           "log_p = log_mixture_density(u, atoms, weights)", "divides by p_rho(u) instead of p_rho(y_i)"),
    Mutant("grad_at_atoms", "grad_first_variation", "diff = y[None, :, :] - u[:, None, :]",
           "diff = y[None, :, :] - atoms[:, None, :]", "the gradient at the atoms whatever u"),
    Mutant("weights_tau_on_w", "weight_step", "new = weights * g**tau", "new = weights**tau * g",
           "the exponent on the old weights instead of on g"),
    Mutant("loc_em_always", "location_step", "atoms + eta * grad_first_variation(y, atoms, weights, atoms)",
           "atoms + eta * grad_first_variation(y, atoms, weights, atoms) "
           "/ first_variation(y, atoms, weights, atoms)[:, None]", "always divides the step by g (EM's step times eta)"),
    Mutant("fit_simultaneous", "wfr_fit", _FIT_LOOP,
           "        new_atoms = location_step(y, atoms, weights, eta) if geometry in (\"wfr\", \"w\") else atoms\n"
           "        if geometry in (\"wfr\", \"fr\"):\n"
           "            weights = weight_step(y, atoms, weights, tau)\n"
           "        atoms = new_atoms\n", "reweights at the old atoms (simultaneous, not alternating, updates)"),
    Mutant("cert_start_at_atoms", "certificate", "u = y\n", "u = atoms\n",
           "starts the searches at the atoms instead of the data"),

    # --- third pass (red team): classes the visible tests cannot see
    Mutant("lmd_weights_not_logged", "log_mixture_density", "torch.log(weights)[None, :] - 0.5 * sq", "weights[None, :] - 0.5 * sq",
           "adds w_j instead of log w_j inside the logsumexp"),
    Mutant("lmd_log_mean_exp", "log_mixture_density", "log_p = torch.logsumexp(log_terms, dim=1)",
           "log_p = torch.logsumexp(log_terms, dim=1) - math.log(atoms.shape[0])", "divides by m on top of the weights"),
    Mutant("grad_no_dimension_in_constant", "grad_first_variation", "- 0.5 * d * math.log(2 * math.pi)",
           "- 0.5 * math.log(2 * math.pi)", "phi's constant for d = 1 in the gradient"),
    Mutant("grad_float32", "grad_first_variation", "diff = y[None, :, :] - u[:, None, :]",
           "diff = (y[None, :, :] - u[:, None, :]).float()", "computes in float32 whatever the input dtype"),
    Mutant("weights_softmax_no_prior", "weight_step", "new = weights * g**tau\n    new = new / new.sum()",
           "new = torch.softmax(tau * torch.log(g), dim=0)", "the log-space step without log w_j"),
    Mutant("weights_normalise_before_power", "weight_step", "new = weights * g**tau\n    new = new / new.sum()",
           "new = (weights * g) ** tau\n    new = new / new.sum()", "tau on the product w_j g(x_j)"),
    Mutant("loc_eta_inverse", "location_step", "atoms + eta * grad", "atoms + grad / eta",
           "divides by the step size"),
    Mutant("loc_eta_mean", "location_step", "        eta = eta[:, None]\n", "        eta = eta.mean()\n",
           "one shared step, the mean of the per-atom ones"),
    Mutant("fit_eta_as_tau", "wfr_fit", "atoms = location_step(y, atoms, weights, eta)",
           "atoms = location_step(y, atoms, weights, tau)", "passes tau as the location step"),
    Mutant("fit_history_float32", "wfr_fit", "history = torch.stack(history)",
           "history = torch.tensor([float(h) for h in history])", "history in the default float32"),
    Mutant("fit_fr_ignores_tau", "wfr_fit", "weights = weight_step(y, atoms, weights, tau)",
           "weights = weight_step(y, atoms, weights)", "never passes tau: always EM's weight step"),
    Mutant("cert_no_half", "certificate", "logits = log_c[None, :] - 0.5", "logits = log_c[None, :] - 1.0",
           "mean shift with the kernel exp(-||y - u||^2): climbs the wrong function"),
    Mutant("cert_ignores_n_steps", "certificate", "for _ in range(n_steps):", "for _ in range(50):",
           "a hard-coded 50 iterations"),
    Mutant("cert_one_step_long", "certificate", "for _ in range(n_steps):", "for _ in range(n_steps + 1):",
           "n_steps + 1 iterations"),
    Mutant("cert_log_value", "certificate", "sup_g = first_variation(y, atoms, weights, candidates).max()",
           "sup_g = torch.log(first_variation(y, atoms, weights, candidates).max())", "returns log sup g (the bound), not sup g"),
    Mutant("cert_data_only", "certificate", "candidates = torch.cat([u, atoms])", "candidates = torch.cat([y, atoms])",
           "runs the searches but evaluates g at the starting points"),
    Mutant("pm_weights_not_logged", "posterior_mean", "torch.log(weights)[None, :] - 0.5", "weights[None, :] - 0.5",
           "w_j instead of log w_j in the logits"),
    Mutant("pm_tweedie_sign", "posterior_mean", "post = torch.softmax(logits, dim=1) @ atoms",
           "post = 2 * y - torch.softmax(logits, dim=1) @ atoms", "Tweedie with the score's sign flipped: y - grad log p"),
    Mutant("weights_unchanged", "weight_step", "new = new / new.sum()", "new = weights.clone()",
           "a cheat: returns the old weights (they sum to one)"),
    Mutant("weights_float64", "weight_step", "new = weights * g**tau", "new = weights.double() * g.double()**tau",
           "computes (and returns) float64 whatever the input dtype"),
    Mutant("cert_cheat_one", "certificate", "sup_g = first_variation(y, atoms, weights, candidates).max()",
           "sup_g = torch.ones((), dtype=y.dtype)", "a cheat: the value of the visible test"),
    Mutant("cert_float64", "certificate", "log_c = -log_mixture_density(y, atoms, weights)",
           "y, atoms, weights = y.double(), atoms.double(), weights.double()\n"
           "    log_c = -log_mixture_density(y, atoms, weights)", "casts to float64: the dtype of the inputs is lost"),
    Mutant("pm_prior_mean", "posterior_mean", "post = torch.softmax(logits, dim=1) @ atoms",
           "post = (weights @ atoms).expand(y.shape[0], -1)", "a cheat: the prior mean, whatever y"),
    Mutant("pm_float64", "posterior_mean", "post = torch.softmax(logits, dim=1) @ atoms",
           "post = torch.softmax(logits.double(), dim=1) @ atoms.double()", "returns float64 whatever the input dtype"),
    Mutant("lmd_clamp_in_place", "log_mixture_density", "torch.log(weights)", "torch.log(weights.clamp_(min=1e-300))",
           "guards log 0 with an in-place clamp: the caller's weights change"),
    Mutant("pm_clamp_in_place", "posterior_mean", "torch.log(weights)", "torch.log(weights.clamp_(min=1e-300))",
           "guards log 0 with an in-place clamp: the caller's weights change"),
    Mutant("cert_in_place", "certificate", "u = torch.softmax(logits, dim=1) @ y", "u[:] = torch.softmax(logits, dim=1) @ y",
           "u = y, then updated in place: the data move with the searches"),
    Mutant("fit_history_mid_step", "wfr_fit", _FIT_LOOP + "        history.append(log_mixture_density(y, atoms, weights).mean())\n",
           "        if geometry in (\"wfr\", \"w\"):\n"
           "            atoms = location_step(y, atoms, weights, eta)\n"
           "        history.append(log_mixture_density(y, atoms, weights).mean())\n"
           "        if geometry in (\"wfr\", \"fr\"):\n"
           "            weights = weight_step(y, atoms, weights, tau)\n", "records the likelihood between the two half-steps"),
    Mutant("answer_threshold_half", "numeric_answers", "answer_threshold = 1.0", "answer_threshold = 0.5",
           "the half-spread halved again"),

    # --- correct alternative forms: full marks
    Mutant("eq_lmd_cdist", "log_mixture_density", "sq = ((y[:, None, :] - atoms[None, :, :]) ** 2).sum(dim=2)",
           "sq = torch.cdist(y, atoms) ** 2", "squared distances from cdist"),
    Mutant("eq_lmd_manual_max", "log_mixture_density", "log_p = torch.logsumexp(log_terms, dim=1)",
           "top = log_terms.max(dim=1, keepdim=True).values\n"
           "    log_p = top[:, 0] + torch.log(torch.exp(log_terms - top).sum(dim=1))", "log-sum-exp by hand"),
    Mutant("eq_lmd_log2pi_tensor", "log_mixture_density", "0.5 * d * math.log(2 * math.pi)",
           "d / 2 * torch.log(torch.tensor(2 * math.pi, dtype=y.dtype))", "the constant as a tensor"),
    Mutant("eq_fv_normal_log_prob", "first_variation",
           "log_phi = -0.5 * ((y[None, :, :] - u[:, None, :]) ** 2).sum(dim=2) - 0.5 * d * math.log(2 * math.pi)",
           "log_phi = torch.distributions.Normal(torch.zeros((), dtype=y.dtype), 1.0).log_prob("
           "y[None, :, :] - u[:, None, :]).sum(dim=2)", "log phi from torch.distributions"),
    Mutant("eq_fv_via_log_mixture", "first_variation",
           "log_phi = -0.5 * ((y[None, :, :] - u[:, None, :]) ** 2).sum(dim=2) - 0.5 * d * math.log(2 * math.pi)",
           "log_phi = torch.stack([log_mixture_density(y, u[k:k + 1], torch.ones(1, dtype=y.dtype)) "
           "for k in range(u.shape[0])])", "log phi(y - u) as the density of a one-atom mixture"),
    Mutant("eq_grad_einsum", "grad_first_variation", _GR_MEAN,
           "grad = (ratio @ y - ratio.sum(dim=1, keepdim=True) * u) / y.shape[0]", "as matrix products"),
    Mutant("eq_weights_log_space", "weight_step", "new = weights * g**tau\n    new = new / new.sum()",
           "new = torch.softmax(torch.log(weights) + tau * torch.log(g), dim=0)", "the step as a softmax in log space"),
    Mutant("eq_loc_unsqueeze", "location_step",
           "    if eta.dim() == 1:\n        eta = eta[:, None]\n", "    eta = eta.reshape(-1, 1) if eta.dim() else eta\n",
           "reshape instead of indexing"),
    Mutant("eq_fit_tensor_history", "wfr_fit", "history.append(log_mixture_density(y, atoms, weights).mean())",
           "history.append(torch.mean(log_mixture_density(y, atoms, weights)))", "torch.mean"),
    Mutant("eq_fit_float_history", "wfr_fit", "history = torch.stack(history)",
           "history = torch.tensor([float(h) for h in history], dtype=y.dtype)", "history built from Python floats"),
    Mutant("eq_cert_grad_over_g", "certificate", "        logits = log_c[None, :] - 0.5 * ((y[None, :, :] - u[:, None, :]) ** 2).sum(dim=2)\n"
           "        u = torch.softmax(logits, dim=1) @ y\n",
           "        u = u + grad_first_variation(y, atoms, weights, u) / first_variation(y, atoms, weights, u)[:, None]\n",
           "the mean-shift step as u + grad g / g"),
    Mutant("eq_pm_tweedie", "posterior_mean",
           "    logits = torch.log(weights)[None, :] - 0.5 * ((y[:, None, :] - atoms[None, :, :]) ** 2).sum(dim=2)\n"
           "    post = torch.softmax(logits, dim=1) @ atoms\n",
           "    with torch.enable_grad():\n"
           "        yy = y.detach().requires_grad_(True)\n"
           "        score, = torch.autograd.grad(log_mixture_density(yy, atoms, weights).sum(), yy)\n"
           "    post = y + score\n", "Tweedie's formula with autograd"),
    Mutant("eq_answers_decimal", "numeric_answers", "answer_g_midpoint = 2 * math.exp(-0.5) / (1 + math.exp(-2))",
           "answer_g_midpoint = 1.0685", "the value to four decimals"),
    Mutant("eq_lmd_clamp_tiny", "log_mixture_density", "torch.log(weights)", "torch.log(weights.clamp(min=1e-300))",
           "guards log 0 with a (copying) clamp: a weight of 1e-300 contributes nothing"),
    Mutant("eq_lmd_expanded_square", "log_mixture_density", "sq = ((y[:, None, :] - atoms[None, :, :]) ** 2).sum(dim=2)",
           "sq = (y**2).sum(dim=1)[:, None] - 2 * y @ atoms.T + (atoms**2).sum(dim=1)[None, :]",
           "||y||^2 - 2 y.x + ||x||^2 as a matrix product"),
    Mutant("eq_lmd_log2pi_float32", "log_mixture_density", "0.5 * d * math.log(2 * math.pi)",
           "0.5 * d * torch.log(torch.tensor(2 * math.pi))", "the constant as a default-dtype (float32) tensor"),
    Mutant("eq_fv_log2pi_float32", "first_variation", "- 0.5 * d * math.log(2 * math.pi)",
           "- 0.5 * d * torch.log(torch.tensor(2 * math.pi))", "phi's constant as a default-dtype (float32) tensor"),
    Mutant("eq_grad_log2pi_float32", "grad_first_variation", "- 0.5 * d * math.log(2 * math.pi)",
           "- 0.5 * d * torch.log(torch.tensor(2 * math.pi))", "phi's constant as a default-dtype (float32) tensor"),
    Mutant("eq_cert_own_g_float32", "certificate", "sup_g = first_variation(y, atoms, weights, candidates).max()",
           "log_phi = -0.5 * ((y[None, :, :] - candidates[:, None, :]) ** 2).sum(dim=2) "
           "- 0.5 * y.shape[1] * torch.log(torch.tensor(2 * math.pi))\n"
           "    sup_g = torch.exp(log_phi + log_c[None, :]).mean(dim=1).max()",
           "g evaluated inline, with a float32 constant"),
    Mutant("eq_fv_logsumexp", "first_variation", _FV_RATIO,
           "g = torch.exp(torch.logsumexp(log_phi - log_p[None, :], dim=1) - math.log(y.shape[0]))",
           "the mean of the ratios as a log-mean-exp"),
    Mutant("eq_weights_normalise_if_needed", "weight_step", "new = new / new.sum()",
           "new = new if tau == 1.0 else new / new.sum()", "skips the normalisation at tau = 1, where it is one"),
    Mutant("eq_fit_clone_first", "wfr_fit", "history = [log_mixture_density(y, atoms, weights).mean()]",
           "atoms, weights = atoms.clone(), weights.clone()\n    history = [log_mixture_density(y, atoms, weights).mean()]",
           "defensive copies of the inputs"),
    Mutant("eq_cert_also_data", "certificate", "candidates = torch.cat([u, atoms])", "candidates = torch.cat([y, u, atoms])",
           "also the starting points: mean shift only climbs, so the maximum is the same"),
    Mutant("eq_pm_with_constant", "posterior_mean", "torch.log(weights)[None, :] - 0.5",
           "torch.log(weights)[None, :] - 0.5 * y.shape[1] * math.log(2 * math.pi) - 0.5",
           "keeps phi's constant in the logits (it cancels in the softmax)"),
]
