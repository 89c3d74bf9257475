"""Plausible wrong answers to the diffusion lab; the hidden tests must catch each one.

Run ``python -m grader mutants diffusion`` to see the table.
"""

from grader.mutants import Mutant

MUTANTS = [
    Mutant("q_sample_alpha_bar_not_sqrt", "q_sample", "ab.sqrt() * x0", "ab * x0",
           "forward mean alpha_bar x0 instead of sqrt(alpha_bar) x0"),
    Mutant("q_sample_std_as_variance", "q_sample", "(1 - ab).sqrt() * eps", "(1 - ab) * eps",
           "noise scaled by the variance 1 - alpha_bar instead of its square root"),
    Mutant("loss_x0_target", "eps_loss", "eps_model(xt, t) - eps)", "eps_model(xt, t) - x0)",
           "network regressed on x0 instead of the noise"),
    Mutant("loss_mean_over_coordinates", "eps_loss", ".sum(dim=1).mean()", ".mean()",
           "loss averaged over coordinates instead of summed (off by a factor d)"),
    Mutant("ddpm_beta_variance", "ddpm_step", "var = (1 - ab_prev) / (1 - ab) * beta", "var = beta",
           "variance beta_t instead of beta_tilde_t (and noise added at t = 1)"),
    Mutant("ddpm_mean_times_sqrt_alpha", "ddpm_step", ") / alpha.sqrt()", ") * alpha.sqrt()",
           "mean multiplied by sqrt(alpha_t) instead of divided"),
    Mutant("ddpm_eps_coef_no_sqrt", "ddpm_step", "beta / (1 - ab).sqrt()", "beta / (1 - ab)",
           "eps coefficient beta_t / (1 - alpha_bar_t) without the square root"),
    Mutant("ddim_direction_sign", "ddim_step", "ab_s.sqrt() * x0_hat + direction", "ab_s.sqrt() * x0_hat - direction",
           "sign error in the direction term"),
    Mutant("ddim_sigma_ratio_not_sqrt", "ddim_step", "((1 - ab_s) / (1 - ab_t)).sqrt()", "((1 - ab_s) / (1 - ab_t))",
           "eta scaling: sigma without the square root of the variance ratio"),
    Mutant("ddpm_sample_skips_first_step", "samplers", "range(sched.T, 0, -1)", "range(sched.T - 1, 0, -1)",
           "off by one: DDPM loop starts at T - 1"),
    Mutant("ddim_sample_ignores_eta", "samplers", "eta=eta)", "eta=0.0)",
           "DDIM sampler always deterministic"),
    Mutant("em_noise_sqrt_half", "reverse_sde_step", "math.sqrt(b * h) * z", "math.sqrt(b * h / 2) * z",
           "noise sqrt(beta h / 2) instead of sqrt(beta h)"),
    Mutant("em_score_sign", "reverse_sde_step", "+ b * score(x, tau)", "- b * score(x, tau)",
           "score term of the reverse drift with the wrong sign"),
    Mutant("em_forward_drift", "reverse_sde_step", "0.5 * b * x + b", "-0.5 * b * x + b",
           "forward drift -beta x / 2 not reversed"),
    Mutant("decode_not_unstandardised", "latent_codec", '(z * pca["scale"]) @', 'z @',
           "decoder forgets to undo the standardisation"),
    Mutant("encode_not_centred", "latent_codec", '(x - pca["mean"]) @ pca["components"].T / pca["scale"]',
           'x @ pca["components"].T / pca["scale"]', "encoder forgets to subtract the mean"),
    Mutant("generate_skips_unstandardise", "generate_digits", "images = decode(z0, pca)",
           'images = z0 @ pca["components"] + pca["mean"]', "generated latents decoded without the scale"),
    Mutant("generate_ignores_eta", "generate_digits", "eta=eta, generator=generator)",
           "eta=0.0, generator=generator)", "latent sampler ignores eta"),
]
