"""Plausible wrong answers to the particles lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants particles`` to see the table.
"""

from grader.mutants import Mutant

_LOOP = ("    for _ in range(n):\n"
         "        labels = torch.where(linked, labels[None, :], n).min(dim=1).values\n")
_CAUSAL_MASK = ("    future = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)\n"
                "    attention = torch.softmax(logits.masked_fill(future, float(\"-inf\")), dim=1)\n")

MUTANTS = [
    # --- tangent_projection
    Mutant("proj_sign", "tangent_projection", "y - inner * x", "y + inner * x",
           "adds the normal component instead of removing it"),
    Mutant("proj_normal_part", "tangent_projection", "proj = y - inner * x", "proj = inner * x",
           "returns the normal component <x, y> x, not the tangent one"),
    Mutant("proj_wrong_axis", "tangent_projection", "(x * y).sum(dim=1, keepdim=True)", "(x * y).sum(dim=0, keepdim=True)",
           "inner products summed over the tokens instead of the coordinates"),
    Mutant("proj_no_keepdim", "tangent_projection", "(x * y).sum(dim=1, keepdim=True)", "(x * y).sum(dim=1)",
           "inner products of shape (n,) broadcast against the coordinates (wrong when n = d, an error otherwise)"),
    Mutant("proj_minus_x", "tangent_projection", "y - inner * x", "y - x",
           "subtracts x itself, as if <x, y> were 1"),
    # --- usa_field
    Mutant("usa_no_1_over_n", "usa_field", "weights @ x / n", "weights @ x",
           "forgets the 1/n of USA"),
    Mutant("usa_row_normalised", "usa_field", "weights @ x / n", "weights @ x / weights.sum(dim=1, keepdim=True)",
           "divides by Z_i: that is SA, not USA"),
    Mutant("usa_no_beta", "usa_field", "torch.exp(beta * (x @ x.T))", "torch.exp(x @ x.T)",
           "the inverse temperature is dropped"),
    Mutant("usa_no_projection", "usa_field", "v = tangent_projection(x, mean)", "v = mean",
           "the velocity is not projected onto the tangent space"),
    Mutant("usa_over_n_squared", "usa_field", "weights @ x / n", "weights @ x / n**2",
           "the 1/n^2 of the energy used in the field"),
    # --- sa_field
    Mutant("sa_naive_exp", "sa_field", "attention = torch.softmax(beta * (x @ x.T), dim=1)",
           "attention = torch.exp(beta * (x @ x.T))\n    attention = attention / attention.sum(dim=1, keepdim=True)",
           "exp without subtracting the row maximum: overflows to nan at large beta in float32"),
    Mutant("sa_softmax_dim0", "sa_field", "torch.softmax(beta * (x @ x.T), dim=1)", "torch.softmax(beta * (x @ x.T), dim=0)",
           "normalises the columns instead of the rows"),
    Mutant("sa_transposed_weights", "sa_field", "attention @ x", "attention.T @ x",
           "the weights applied transposed (the attention matrix is not symmetric)"),
    Mutant("sa_no_self", "sa_field", "torch.softmax(beta * (x @ x.T), dim=1)",
           "torch.softmax((beta * (x @ x.T)).fill_diagonal_(float(\"-inf\")), dim=1)",
           "excludes j = i from the sum and from Z_i"),
    Mutant("sa_no_beta", "sa_field", "torch.softmax(beta * (x @ x.T), dim=1)", "torch.softmax(x @ x.T, dim=1)",
           "the inverse temperature is dropped"),
    Mutant("sa_no_projection", "sa_field", "v = tangent_projection(x, attention @ x)", "v = attention @ x",
           "the velocity is not projected onto the tangent space"),
    # --- sphere_step
    Mutant("step_norm_over_tokens", "sphere_step", "y.norm(dim=1, keepdim=True)", "y.norm(dim=0, keepdim=True)",
           "normalises each coordinate over the tokens"),
    Mutant("step_frobenius", "sphere_step", "y.norm(dim=1, keepdim=True)", "y.norm()",
           "one norm for the whole configuration"),
    Mutant("step_no_normalise", "sphere_step", "x_next = y / y.norm(dim=1, keepdim=True)", "x_next = y",
           "a plain Euler step that leaves the sphere"),
    Mutant("step_tangent_formula", "sphere_step", "y / y.norm(dim=1, keepdim=True)",
           "y / torch.sqrt(1 + h**2 * (v**2).sum(dim=1, keepdim=True))",
           "the norm sqrt(1 + h^2 |v|^2) assumes a tangent v"),
    Mutant("step_no_h", "sphere_step", "y = x + h * v", "y = x + v", "the step size is ignored"),
    # --- simulate
    Mutant("sim_one_step_short", "simulate", "for _ in range(n_steps):", "for _ in range(n_steps - 1):",
           "off by one: n_steps - 1 steps"),
    Mutant("sim_field_at_x0", "simulate", "sphere_step(x, field(x, beta), h)", "sphere_step(x, field(x0, beta), h)",
           "the velocity is always evaluated at the initial configuration"),
    Mutant("sim_path_without_x0", "simulate", "path = [x0]", "path = []", "the path omits the initial configuration"),
    Mutant("sim_beta_as_h", "simulate", "sphere_step(x, field(x, beta), h)", "sphere_step(x, field(x, h), h)", "passes the step size as beta"),
    Mutant("sim_in_place", "simulate", "x = sphere_step(x, field(x, beta), h)",
           "x.copy_(sphere_step(x, field(x, beta), h))", "updates x0 in place: x0 changes and the path aliases it"),
    # --- energy
    Mutant("energy_no_minus_one", "energy", "torch.exp(beta * (gram - 1))", "torch.exp(beta * gram)",
           "the unnormalised exp(beta <x_i, x_j>) without the e^-beta"),
    Mutant("energy_precedence", "energy", "torch.exp(beta * (gram - 1))", "torch.exp(beta * gram - 1)",
           "beta <x_i, x_j> - 1 instead of beta (<x_i, x_j> - 1)"),
    Mutant("energy_over_n", "energy", ".sum() / n**2", ".sum() / n", "divides by n instead of n^2"),
    Mutant("energy_no_diagonal", "energy", "torch.exp(beta * (gram - 1)).sum() / n**2",
           "(torch.exp(beta * (gram - 1)).sum() - n) / n**2", "drops the i = j terms"),
    Mutant("energy_overflow", "energy", "torch.exp(beta * (gram - 1)).sum() / n**2",
           "torch.exp(beta * gram).sum() * math.exp(-beta) / n**2",
           "factors e^-beta out of the sum: exp(beta <x_i, x_j>) overflows at large beta in float32"),
    Mutant("energy_gram_transposed", "energy", "gram = x @ x.T", "gram = x.T @ x",
           "the d x d matrix of coordinates instead of the n x n Gram matrix"),
    # --- cluster_sizes
    Mutant("clusters_one_round", "cluster_sizes", "for _ in range(n):", "for _ in range(1):",
           "one round of label propagation: links only, not chains of links"),
    Mutant("clusters_ascending", "cluster_sizes", "sorted(counts.tolist(), reverse=True)", "sorted(counts.tolist())",
           "sizes in increasing order"),
    Mutant("clusters_squared_distance", "cluster_sizes", "torch.cdist(x, x) < eps", "torch.cdist(x, x) ** 2 < eps",
           "compares the squared distance with eps"),
    Mutant("clusters_inner_product", "cluster_sizes", "torch.cdist(x, x) < eps", "x @ x.T > 1 - eps",
           "links by <x_i, x_j> > 1 - eps, another threshold"),
    # --- causal_field
    Mutant("causal_strict_mask", "causal_field", "diagonal=1)", "diagonal=0)",
           "masks j = i as well: the first token sees nothing (nan)"),
    Mutant("causal_anticausal", "causal_field", "future = torch.triu(", "future = torch.tril(",
           "masks the past instead of the future"),
    Mutant("causal_zero_logits", "causal_field", "masked_fill(future, float(\"-inf\"))", "masked_fill(future, 0.0)",
           "masked logits set to 0: the future still gets weight exp(0)"),
    Mutant("causal_mask_after_softmax", "causal_field", _CAUSAL_MASK,
           "    future = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)\n"
           "    attention = torch.softmax(logits, dim=1).masked_fill(future, 0.0)\n",
           "zeroes the future weights after the softmax without renormalising"),
    Mutant("causal_no_projection", "causal_field", "v = tangent_projection(x, attention @ x)", "v = attention @ x",
           "the velocity is not projected onto the tangent space"),
    # --- equiangular_rate
    Mutant("equi_no_factor_2", "equiangular_rate", "rate = 2 * growth / n", "rate = growth / n",
           "counts <v_1, x_2> once instead of twice (USA)"),
    Mutant("equi_n_minus_2", "equiangular_rate", "(1 + (n - 1) * rho)", "(1 + (n - 2) * rho)",
           "forgets the rho^2 of the normal component: 1 + (n - 2) rho"),
    Mutant("equi_sa_denominator", "equiangular_rate", "(math.exp(beta) + (n - 1) * torch.exp(beta * rho))",
           "(n * torch.exp(beta * rho))", "Z_1 as if every inner product were rho (the self term is e^beta)"),
    Mutant("equi_usa_no_n", "equiangular_rate", "rate = 2 * growth / n", "rate = 2 * growth",
           "USA without its 1/n"),
    Mutant("equi_flag_swapped", "equiangular_rate", "if normalised:", "if not normalised:",
           "SA and USA swapped"),
    # --- numeric answers
    Mutant("answer_plateau_with_cross_terms", "numeric_answers", "answer_plateau = 0.38", "answer_plateau = 1.0",
           "counts every pair as 1 (the single-cluster value)"),
    Mutant("answer_angle_rate_2", "numeric_answers", "answer_angle = 0.7050", "answer_angle = 0.2681",
           "theta' = -2 sin theta (forgets the 1/n = 1/2): 2 arctan(e^-2)"),
    Mutant("answer_time_no_2_over_n", "numeric_answers", "answer_time = 0.6931", "answer_time = 0.4621",
           "rho' = (1 - rho)(1 + 2 rho) without the 2/n: (2/3) log 2"),
    # --- correct alternative forms
    Mutant("eq_proj_einsum", "tangent_projection", "inner = (x * y).sum(dim=1, keepdim=True)",
           "inner = torch.einsum(\"nd,nd->n\", x, y)[:, None]", "einsum inner products"),
    Mutant("eq_usa_no_self", "usa_field", "mean = weights @ x / n",
           "mean = (weights - torch.diag(torch.diagonal(weights))) @ x / n",
           "drops j = i: its term e^beta x_i is normal to the sphere and projects to 0"),
    Mutant("eq_usa_transposed", "usa_field", "mean = weights @ x / n", "mean = weights.T @ x / n",
           "the USA weight matrix is symmetric"),
    Mutant("eq_sa_manual_stable", "sa_field", "attention = torch.softmax(beta * (x @ x.T), dim=1)",
           "logits = beta * (x @ x.T)\n    w = torch.exp(logits - logits.max(dim=1, keepdim=True).values)\n"
           "    attention = w / w.sum(dim=1, keepdim=True)", "a softmax written out, with the row maximum subtracted"),
    Mutant("eq_step_normalize", "sphere_step", "x_next = y / y.norm(dim=1, keepdim=True)",
           "x_next = torch.nn.functional.normalize(y, dim=1)", "the library normalisation"),
    Mutant("eq_energy_logsumexp", "energy", "e = torch.exp(beta * (gram - 1)).sum() / n**2",
           "e = torch.exp(torch.logsumexp((beta * gram).flatten(), dim=0) - beta - 2 * math.log(n))",
           "the log of the sum by logsumexp"),
    Mutant("eq_clusters_broadcast_norm", "cluster_sizes", "torch.cdist(x, x) < eps",
           "(x[:, None, :] - x[None, :, :]).norm(dim=-1) < eps", "pairwise distances by broadcasting"),
    Mutant("eq_causal_where", "causal_field", _CAUSAL_MASK,
           "    past = torch.tril(torch.ones(n, n, dtype=torch.bool))\n"
           "    attention = torch.softmax(torch.where(past, logits, float(\"-inf\")), dim=1)\n",
           "keep the past with torch.where"),
    Mutant("eq_equi_stable_sa", "equiangular_rate",
           "rate = 2 * growth / (math.exp(beta) + (n - 1) * torch.exp(beta * rho))",
           "rate = 2 * torch.exp(beta * (rho - 1)) * (1 - rho) * (1 + (n - 1) * rho) / "
           "(1 + (n - 1) * torch.exp(beta * (rho - 1)))", "e^beta divided out of SA's ratio"),
    Mutant("eq_answers_expressions", "numeric_answers", "answer_angle = 0.7050",
           "answer_angle = 2 * math.atan(math.exp(-1))", "the exact expression"),
]
