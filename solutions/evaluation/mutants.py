"""Plausible wrong answers to the evaluation lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants evaluation`` to see the table.
"""

from grader.mutants import Mutant

_FD_ROOT = ("    evals, evecs = torch.linalg.eigh(cov1)\n"
            "    root1 = evecs @ torch.diag(evals.clamp(min=0).sqrt()) @ evecs.T\n"
            "    middle = root1 @ cov2 @ root1\n"
            "    middle = (middle + middle.T) / 2\n"
            "    trace_root = torch.linalg.eigvalsh(middle).clamp(min=0).sqrt().sum()\n")

MUTANTS = [
    # --- sample_mean_cov
    Mutant("cov_torch_cov_rows", "sample_mean_cov", "cov = centred.T @ centred / (x.shape[0] - 1)",
           "cov = torch.cov(x)", "torch.cov on x: the points taken as variables, an (n, n) matrix"),
    Mutant("cov_divisor_n", "sample_mean_cov", "/ (x.shape[0] - 1)", "/ x.shape[0]",
           "biased covariance, divisor n"),
    Mutant("cov_not_centred", "sample_mean_cov", "centred = x - mean", "centred = x",
           "second moment instead of the covariance"),
    Mutant("cov_outer_transposed", "sample_mean_cov", "cov = centred.T @ centred", "cov = centred @ centred.T",
           "Gram matrix of the points (n, n) instead of the covariance (d, d)"),
    Mutant("mean_cov_float32", "sample_mean_cov", "x = x.double()", "x = x",
           "keeps the input dtype instead of float64"),
    # --- frechet_distance
    Mutant("fd_trace_sign", "frechet_distance", "- 2 * trace_root", "+ 2 * trace_root",
           "root term added instead of subtracted"),
    Mutant("fd_no_factor_two", "frechet_distance", "- 2 * trace_root", "- trace_root",
           "missing factor 2 on the cross term"),
    Mutant("fd_mean_term_not_squared", "frechet_distance", "((mu1 - mu2) ** 2).sum()", "(mu1 - mu2).norm()",
           "distance of the means instead of its square"),
    Mutant("fd_no_mean_term", "frechet_distance", "((mu1 - mu2) ** 2).sum() + ", "",
           "forgets the means"),
    Mutant("fd_returns_root", "frechet_distance", "- 2 * trace_root\n",
           "- 2 * trace_root\n    fd = fd.clamp(min=0).sqrt()\n",
           "returns d_F, not d_F^2"),
    Mutant("fd_float32", "frechet_distance", "(a.double() for a in (mu1, cov1, mu2, cov2))",
           "(a for a in (mu1, cov1, mu2, cov2))", "computes in the dtype of the inputs (float32 loses the difference)"),
    Mutant("fd_no_clamp", "frechet_distance", "torch.linalg.eigvalsh(middle).clamp(min=0).sqrt()",
           "torch.linalg.eigvalsh(middle).sqrt()", "tiny negative eigenvalues of a singular product give NaN"),
    Mutant("fd_no_clamp_root", "frechet_distance", "torch.diag(evals.clamp(min=0).sqrt())",
           "torch.diag(evals.sqrt())", "root of a singular covariance without clipping: NaN when n < d"),
    Mutant("fd_eigvalsh_unsymmetric_product", "frechet_distance", _FD_ROOT,
           "    trace_root = torch.linalg.eigvalsh(cov1 @ cov2).clamp(min=0).sqrt().sum()\n",
           "eigvalsh of the non-symmetric product cov1 cov2 (it reads one triangle only)"),
    Mutant("fd_diagonal_roots", "frechet_distance", _FD_ROOT,
           "    trace_root = (torch.diagonal(cov1) * torch.diagonal(cov2)).clamp(min=0).sqrt().sum()\n",
           "root term from the diagonals only: right for commuting diagonal covariances only"),
    Mutant("fd_elementwise_sqrt", "frechet_distance", "trace_root = torch.linalg.eigvalsh(middle).clamp(min=0).sqrt().sum()",
           "trace_root = torch.trace(middle.clamp(min=0).sqrt())", "entrywise square root instead of a matrix root"),
    Mutant("fd_root_floor", "frechet_distance", "evals.clamp(min=0)", "evals.clamp(min=1e-6)",
           "eigenvalues floored at a positive epsilon: a singular covariance is not at 0 of itself"),
    # --- mmd2_unbiased
    Mutant("mmd_keeps_diagonal", "mmd2_unbiased", "(kxx.sum() - torch.diagonal(kxx).sum())", "kxx.sum()",
           "diagonal k(x_i, x_i) kept in the x-x sum"),
    Mutant("mmd_biased_v_statistic", "mmd2_unbiased",
           "within_x = (kxx.sum() - torch.diagonal(kxx).sum()) / (n * (n - 1))\n"
           "    within_y = (kyy.sum() - torch.diagonal(kyy).sum()) / (m * (m - 1))",
           "within_x = kxx.mean()\n    within_y = kyy.mean()", "biased V-statistic (means of the full Gram matrices)"),
    Mutant("mmd_divides_n_squared", "mmd2_unbiased", "/ (n * (n - 1))", "/ (n * n)",
           "diagonal removed but divided by n^2"),
    Mutant("mmd_cross_no_factor_two", "mmd2_unbiased", "- 2 * kxy.sum()", "- kxy.sum()",
           "cross term without its factor 2"),
    Mutant("mmd_y_uses_n", "mmd2_unbiased", "/ (m * (m - 1))", "/ (n * (n - 1))",
           "the y-y average divided with the size of x"),
    Mutant("mmd_cross_excludes_diagonal", "mmd2_unbiased", "- 2 * kxy.sum() / (n * m)",
           "- 2 * (kxy.sum() - torch.diagonal(kxy).sum()) / (n * (m - 1))",
           "diagonal also removed from the cross term (there is no i = j there)"),
    # --- precision_recall
    Mutant("pr_swapped", "precision_recall", "return precision, recall", "return recall, precision",
           "precision and recall swapped"),
    Mutant("pr_radius_includes_self", "precision_recall", "dist.sort(dim=1).values[:, k]",
           "dist.sort(dim=1).values[:, k - 1]", "the point counted as its own nearest neighbour (k-1 others)"),
    Mutant("pr_radius_k_plus_one", "precision_recall", "dist.sort(dim=1).values[:, k]",
           "dist.sort(dim=1).values[:, k + 1]", "one neighbour too far"),
    Mutant("pr_strict_boundary", "precision_recall", "<= radii(centres)[None, :]", "< radii(centres)[None, :]",
           "a point on a ball's boundary counted outside"),
    Mutant("pr_wrong_radii", "precision_recall", "<= radii(centres)[None, :]", "<= radii(points).max()",
           "radius taken from the tested sample"),
    Mutant("pr_mean_not_any", "precision_recall", "inside.any(dim=1).double().mean()", "inside.double().mean()",
           "fraction of (point, ball) pairs instead of points inside some ball"),
    # --- dequantize, bits_per_dim
    Mutant("bpd_natural_log", "bits_per_dim", "(dim * math.log(2))", "dim",
           "nats per dimension instead of bits"),
    Mutant("bpd_no_scaling_term", "bits_per_dim", "-log_density.double() + dim * math.log(n_levels)",
           "-log_density.double()", "forgets the log L per dimension of the scaling to [0, 1]"),
    Mutant("bpd_scaling_sign", "bits_per_dim", "-log_density.double() + dim * math.log(n_levels)",
           "-log_density.double() - dim * math.log(n_levels)", "Jacobian term with the wrong sign"),
    Mutant("bpd_not_per_dim", "bits_per_dim", "(dim * math.log(2))", "math.log(2)",
           "bits per data point, not per dimension"),
    Mutant("bpd_log2_levels_only", "bits_per_dim", "dim * math.log(n_levels)", "math.log(n_levels)",
           "the scaling term counted once instead of once per dimension"),
    Mutant("dequant_midpoint", "bits_per_dim", "(x.double() + u) / n_levels", "(x.double() + 0.5) / n_levels",
           "deterministic midpoint instead of uniform noise"),
    Mutant("dequant_levels_minus_one", "bits_per_dim", "(x.double() + u) / n_levels", "(x.double() + u) / (n_levels - 1)",
           "divides by L - 1: y leaves [0, 1)"),
    Mutant("dequant_no_generator", "bits_per_dim", "torch.rand(x.shape, generator=generator, dtype=torch.float64)",
           "torch.rand(x.shape, dtype=torch.float64)", "noise from the global generator: not reproducible"),
    Mutant("dequant_one_u_per_point", "bits_per_dim", "torch.rand(x.shape, generator=generator, dtype=torch.float64)",
           "torch.rand(x.shape[:-1] + (1,), generator=generator, dtype=torch.float64)",
           "one noise value shared by all coordinates of a point"),
    # --- w2_1d
    Mutant("w2_unsorted", "w2_1d", "((xs - ys) ** 2)", "((x - y) ** 2)", "no sorting: pairs points by index"),
    Mutant("w2_sort_one", "w2_1d", "((xs - ys) ** 2)", "((xs - y) ** 2)", "only one sample sorted"),
    Mutant("w2_squared", "w2_1d", ".mean().sqrt()", ".mean()", "returns W2^2"),
    Mutant("w2_sum_not_mean", "w2_1d", ".mean().sqrt()", ".sum().sqrt()", "sum over points instead of mean"),
    Mutant("w2_is_w1", "w2_1d", "((xs - ys) ** 2).mean().sqrt()", "(xs - ys).abs().mean()", "W1 instead of W2"),
    Mutant("w2_descending", "w2_1d", "ys, _ = torch.sort(y)", "ys, _ = torch.sort(y, descending=True)",
           "one sample sorted in decreasing order"),
    # --- sliced_w2
    Mutant("sw_not_normalised", "sliced_w2", "theta = theta / theta.norm(dim=1, keepdim=True)\n", "",
           "Gaussian directions not scaled to unit length"),
    Mutant("sw_normalised_wrong_axis", "sliced_w2", "theta.norm(dim=1, keepdim=True)", "theta.norm(dim=0, keepdim=True)",
           "columns normalised instead of rows"),
    Mutant("sw_mean_of_distances", "sliced_w2", "w2_1d(px[:, l], py[:, l]) ** 2", "w2_1d(px[:, l], py[:, l])",
           "average of W2 instead of W2^2 (then squared root of it)"),
    Mutant("sw_no_root", "sliced_w2", "sw = sq.mean().sqrt()", "sw = sq.mean()", "returns SW2^2"),
    Mutant("sw_transposed_draw", "sliced_w2", "torch.randn(n_projections, x.shape[1],",
           "torch.randn(x.shape[1], n_projections,", "directions drawn as columns: not the pinned draw"),
    # --- polynomial_kernel, kid
    Mutant("kid_kernel_no_scale", "kid", "(a @ b.T / a.shape[1] + 1) ** 3", "(a @ b.T + 1) ** 3",
           "kernel without the 1/d"),
    Mutant("kid_kernel_square", "kid", "(a @ b.T / a.shape[1] + 1) ** 3", "(a @ b.T / a.shape[1] + 1) ** 2",
           "quadratic instead of cubic kernel"),
    Mutant("kid_std_not_error", "kid", "values.std() / math.sqrt(n_blocks)", "values.std()",
           "standard deviation of the blocks instead of the standard error of their mean"),
    Mutant("kid_std_divisor_b", "kid", "values.std()", "values.std(unbiased=False)",
           "standard deviation with divisor B"),
    Mutant("kid_blocks_from_x_size", "kid", "y[i * by:(i + 1) * by]", "y[i * bx:(i + 1) * bx]",
           "y cut into blocks of the size of x's blocks"),
    Mutant("kid_gaussian_kernel", "kid", "polynomial_kernel)", "gaussian_kernel(1.0))",
           "KID computed with the Gaussian kernel"),
    # --- numeric answers
    Mutant("answer_frechet_no_means", "numeric_answers", "9 + (1 - 2) ** 2 + (2 - 3) ** 2", "2",
           "means forgotten"),
    Mutant("answer_frechet_variances", "numeric_answers", "9 + (1 - 2) ** 2 + (2 - 3) ** 2", "9 + 9 + 25",
           "differences of variances instead of standard deviations"),
    Mutant("answer_bits_nats", "numeric_answers", "answer_bits_16_levels = 4.0", "answer_bits_16_levels = math.log(16)",
           "natural logarithm"),
    Mutant("answer_bias_one_sample", "numeric_answers", "2 * 8 / 50", "8 / 50",
           "variance of one sample mean only"),
    # --- correct alternative forms
    Mutant("eq_cov_torch_cov", "sample_mean_cov", "cov = centred.T @ centred / (x.shape[0] - 1)",
           "cov = torch.cov(x.T)", "torch.cov with the variables in rows"),
    Mutant("eq_fd_svdvals", "frechet_distance",
           "    middle = root1 @ cov2 @ root1\n    middle = (middle + middle.T) / 2\n"
           "    trace_root = torch.linalg.eigvalsh(middle).clamp(min=0).sqrt().sum()\n",
           "    l2, v2 = torch.linalg.eigh(cov2)\n"
           "    root2 = v2 @ torch.diag(l2.clamp(min=0).sqrt()) @ v2.T\n"
           "    trace_root = torch.linalg.svdvals(root1 @ root2).sum()\n",
           "tr (S1^1/2 S2 S1^1/2)^1/2 as the nuclear norm of S1^1/2 S2^1/2"),
    Mutant("eq_fd_eigvals_product", "frechet_distance", _FD_ROOT,
           "    trace_root = torch.linalg.eigvals(cov1 @ cov2).real.clamp(min=0).sqrt().sum()\n",
           "eigenvalues of the product cov1 cov2 (real parts, clipped)"),
    Mutant("eq_mmd_masked_means", "mmd2_unbiased",
           "within_x = (kxx.sum() - torch.diagonal(kxx).sum()) / (n * (n - 1))\n"
           "    within_y = (kyy.sum() - torch.diagonal(kyy).sum()) / (m * (m - 1))\n"
           "    mmd2 = within_x + within_y - 2 * kxy.sum() / (n * m)",
           "off_x = ~torch.eye(n, dtype=torch.bool)\n    off_y = ~torch.eye(m, dtype=torch.bool)\n"
           "    mmd2 = kxx[off_x].mean() + kyy[off_y].mean() - 2 * kxy.mean()", "boolean masks off the diagonal"),
    Mutant("eq_pr_topk", "precision_recall", "dist.sort(dim=1).values[:, k]",
           "dist.topk(k + 1, dim=1, largest=False).values[:, -1]", "topk of the k + 1 smallest (the point itself first)"),
    Mutant("eq_pr_loops", "precision_recall",
           "        inside = torch.cdist(points, centres) <= radii(centres)[None, :]\n"
           "        return inside.any(dim=1).double().mean().item()\n",
           "        r = radii(centres)\n"
           "        hits = [bool((torch.cdist(p[None], centres)[0] <= r).any()) for p in points]\n"
           "        return sum(hits) / len(hits)\n", "one point at a time"),
    Mutant("eq_bpd_log2", "bits_per_dim", "nats = -log_density.double() + dim * math.log(n_levels)\n"
           "    bpd = (nats / (dim * math.log(2))).mean()",
           "bpd = math.log2(n_levels) - log_density.double().mean() / (dim * math.log(2))",
           "log2 L minus the mean log density in bits per dimension"),
    Mutant("eq_dequant_float32_draw", "bits_per_dim", "torch.rand(x.shape, generator=generator, dtype=torch.float64)",
           "torch.rand(x.shape, generator=generator).double()", "noise drawn in float32, then converted"),
    Mutant("eq_w2_torch_sort_values", "w2_1d", "((xs - ys) ** 2).mean().sqrt()",
           "torch.sqrt(torch.mean((x.sort().values - y.sort().values) ** 2))", "one expression"),
    Mutant("eq_sw_matrix", "sliced_w2",
           "    px, py = x @ theta.T, y @ theta.T\n"
           "    sq = torch.stack([w2_1d(px[:, l], py[:, l]) ** 2 for l in range(n_projections)])\n",
           "    sq = torch.stack([w2_1d(x @ t, y @ t) ** 2 for t in theta])\n", "loop over the rows of theta"),
    Mutant("eq_kid_chunks_std", "kid", "standard_error = (values.std() / math.sqrt(n_blocks)).item()",
           "standard_error = math.sqrt(((values - values.mean()) ** 2).sum().item() / (n_blocks - 1) / n_blocks)",
           "standard error written out"),
    Mutant("eq_answer_decimal", "numeric_answers", "2 * 8 / 50", "0.32", "the bias as a decimal"),
]
