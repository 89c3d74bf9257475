"""Plausible wrong answers to the variational-inference lab; the hidden tests must catch each one.

Run ``python -m grader mutants variational_inference`` to see the table.
"""

from grader.mutants import Mutant

MUTANTS = [
    Mutant("reparam_std_is_variance", "reparameterize", "torch.exp(0.5 * logvar)", "torch.exp(logvar)",
           "sigma = exp(logvar): the variance used as the standard deviation"),
    Mutant("reparam_ignores_generator", "reparameterize", "generator=generator, dtype=mu.dtype",
           "dtype=mu.dtype", "noise drawn from the global generator: not reproducible"),
    Mutant("kl_missing_half", "kl_diag_gaussians", "kl = 0.5 * (", "kl = (", "KL missing the factor 1/2"),
    Mutant("kl_log_term_sign", "kl_diag_gaussians", "- 1 - (logvar - prior_logvar))",
           "- 1 + (logvar - prior_logvar))", "sign flip on the log-variance term"),
    Mutant("kl_forgets_minus_one", "kl_diag_gaussians", "- 1 - (logvar", "- (logvar",
           "KL forgets the -1 (off by k/2)"),
    Mutant("kl_mean_over_latents", "kl_diag_gaussians", "kl.sum(dim=-1)", "kl.mean(dim=-1)",
           "KL averaged over the latent dimensions instead of summed"),
    Mutant("kl_prior_variance_ignored", "kl_diag_gaussians",
           "(mu - prior_mu) ** 2 / torch.exp(prior_logvar)", "(mu - prior_mu) ** 2",
           "general prior: the squared mean difference is not divided by the prior variance"),
    Mutant("elbo_plus_kl", "elbo", "ll.mean(dim=0) - kl_diag_gaussians", "ll.mean(dim=0) + kl_diag_gaussians",
           "ELBO = E log p(x|z) + KL instead of - KL"),
    Mutant("elbo_mc_log_q_sign", "elbo", "torch.zeros_like(logvar)) - log_normal_diag(z, mu, logvar)\n    return",
           "torch.zeros_like(logvar)) + log_normal_diag(z, mu, logvar)\n    return",
           "Monte Carlo ELBO adds log q(z) instead of subtracting it"),
    Mutant("elbo_sum_over_samples", "elbo", "return log_w.mean(dim=0)", "return log_w.sum(dim=0)",
           "Monte Carlo ELBO sums over the S samples instead of averaging"),
    Mutant("iwae_mean_of_logs", "iwae_bound", "torch.logsumexp(log_w, dim=0) - math.log(K)", "log_w.mean(dim=0)",
           "mean of the log-weights instead of log of the mean weight (that is the ELBO)"),
    Mutant("iwae_missing_log_k", "iwae_bound", "torch.logsumexp(log_w, dim=0) - math.log(K)",
           "torch.logsumexp(log_w, dim=0)", "log sum instead of log mean: missing -log K"),
    Mutant("iwae_wrong_dim", "iwae_bound", "torch.logsumexp(log_w, dim=0)", "torch.logsumexp(log_w, dim=-1)",
           "logsumexp over the data points instead of the K samples"),
    Mutant("iwae_prior_is_q", "iwae_bound", "log_normal_diag(z, 0.0, torch.zeros_like(logvar))",
           "log_normal_diag(z, mu, torch.zeros_like(logvar))", "prior N(mu, I) instead of N(0, I) in the weights"),
    Mutant("vae_recon_mean_over_pixels", "vae_loss", 'reduction="none").sum(dim=1)', 'reduction="none").mean(dim=1)',
           "reconstruction averaged over pixels: 64x too small next to the KL"),
    Mutant("vae_detached_encoder", "vae_loss", "mu, logvar = model.encode(x)",
           "mu, logvar = (t.detach() for t in model.encode(x))", "encoder outputs detached: the encoder never learns"),
    Mutant("vae_plus_kl", "vae_loss", "(recon + kl_diag_gaussians(mu, logvar))", "(recon - kl_diag_gaussians(mu, logvar))",
           "loss subtracts the KL (maximises it)"),
    Mutant("vae_sum_over_batch", "vae_loss", ".mean()\n", ".sum()\n", "loss summed over the batch instead of averaged"),
]
