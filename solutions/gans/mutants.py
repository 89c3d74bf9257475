"""Plausible wrong answers to the GAN lab; the hidden tests must catch each one.

Run ``python -m grader mutants gans`` to see the table.
"""

from grader.mutants import Mutant

MUTANTS = [
    Mutant("d_loss_real_fake_swapped", "discriminator_loss",
           "F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()",
           "F.softplus(real_logits).mean() + F.softplus(-fake_logits).mean()",
           "real samples labelled 0 and fake samples 1"),
    Mutant("d_loss_sign_flipped", "discriminator_loss",
           "loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()",
           "loss = -(F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean())",
           "returns the value V(D, G) to maximise instead of the loss"),
    Mutant("d_loss_naive_log_sigmoid", "discriminator_loss",
           "F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()",
           "-torch.log(torch.sigmoid(real_logits)).mean() - torch.log(1 - torch.sigmoid(fake_logits)).mean()",
           "log(sigmoid) computed naively: infinite at logit 100"),
    Mutant("d_loss_pooled_mean", "discriminator_loss",
           "F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()",
           "2 * torch.cat([F.softplus(-real_logits).flatten(), F.softplus(fake_logits).flatten()]).mean()",
           "one mean over the pooled batches (wrong when n != m)"),
    Mutant("g_loss_saturating", "generator_loss", "F.softplus(-fake_logits).mean()",
           "-F.softplus(fake_logits).mean()", "saturating loss log(1 - D(G(z))) instead of -log D(G(z))"),
    Mutant("g_loss_naive_log_sigmoid", "generator_loss", "F.softplus(-fake_logits).mean()",
           "-torch.log(torch.sigmoid(fake_logits)).mean()", "log(sigmoid) computed naively: infinite at logit -100"),
    Mutant("critic_loss_sign_flipped", "wgan_losses", "fake_scores.mean() - real_scores.mean()",
           "real_scores.mean() - fake_scores.mean()", "critic lowers the real scores and raises the fake ones"),
    Mutant("wgan_generator_sign_flipped", "wgan_losses", "loss = -fake_scores.mean()",
           "loss = fake_scores.mean()", "generator lowers the critic's score of its samples"),
    Mutant("gp_no_create_graph", "gradient_penalty", "create_graph=True", "create_graph=False",
           "gradient computed without create_graph: the penalty does not train the critic"),
    Mutant("gp_squared_norm", "gradient_penalty", "(grad.norm(dim=1) - 1) ** 2",
           "(grad.norm(dim=1) ** 2 - 1) ** 2", "penalty (|grad|^2 - 1)^2"),
    Mutant("gp_not_squared", "gradient_penalty", "(grad.norm(dim=1) - 1) ** 2",
           "(grad.norm(dim=1) - 1)", "penalty |grad| - 1 without the square"),
    Mutant("gp_at_real_points", "gradient_penalty", "eps * real + (1 - eps) * fake", "real",
           "penalty at the real points instead of at interpolates"),
    Mutant("gp_eps_per_coordinate", "gradient_penalty", "torch.rand(real.shape[0], 1,",
           "torch.rand(*real.shape,", "one eps per coordinate: the points leave the segments"),
    Mutant("step_no_detach", "train_step", "D(fake.detach())", "D(fake)",
           "fake batch not detached in the D step (the D loss reaches G)"),
    Mutant("step_g_step_also_steps_d", "train_step", "    opt_G.step()", "    opt_G.step()\n    opt_D.step()",
           "the G step also steps D's optimiser"),
    Mutant("step_wrong_optimizer", "train_step", "    opt_D.step()", "    opt_G.step()",
           "D step calls opt_G.step() instead of opt_D.step()"),
    Mutant("step_no_zero_grad_d", "train_step", "    opt_D.zero_grad()\n", "",
           "D's stale gradients are not zeroed"),
    Mutant("step_g_against_old_d", "train_step",
           "    d_loss = discriminator_loss(D(real), D(fake.detach()))\n    opt_D.zero_grad()\n    d_loss.backward()\n"
           "    opt_D.step()\n\n    g_loss = generator_loss(D(fake))",
           "    import copy\n    D_old = copy.deepcopy(D)\n"
           "    d_loss = discriminator_loss(D(real), D(fake.detach()))\n    opt_D.zero_grad()\n    d_loss.backward()\n"
           "    opt_D.step()\n\n    g_loss = generator_loss(D_old(fake))",
           "G step against a copy of D taken before the D step"),
]
