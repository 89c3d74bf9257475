"""Helper package shared by the chapters and labs of *Generative Modelling*.

Everything a chapter or a lab needs twice lives here, so notebooks never copy
code between each other:

* :mod:`genmod.data`      toy 2D datasets and scikit-learn digits, as tensors;
* :mod:`genmod.nn`        small networks (MLP, time-conditioned velocity field);
* :mod:`genmod.training`  a seeded training loop with a progress bar;
* :mod:`genmod.ode`       a reference ODE solver for figures (SciPy's adaptive DOP853, `solve_ode`);
* :mod:`genmod.paths`     exact densities and velocities along the linear path to a Gaussian mixture;
* :mod:`genmod.metrics`   sample-quality metrics (sliced Wasserstein, MMD);
* :mod:`genmod.plotting`  one plotting style for the whole book;
* :mod:`genmod.flows`     coupling-layer conditioners, masks and Gaussian baselines for flows;
* :mod:`genmod.diffusion` noise schedules, the VP-SDE coefficients and a small noise-prediction network;
* :mod:`genmod.gans`      a two-optimiser training loop and mode-coverage metrics for GANs;
* :mod:`genmod.vi`        a small VAE, binarised digits and the conjugate Gaussian model in closed form;
* :mod:`genmod.text`      a character vocabulary, an offline corpus of names and a small character-level model;
* :mod:`genmod.attention` synthetic sequence tasks (reversal, copying) and a small GPT scaffold;
* :mod:`genmod.ssm`       selective-copying data and a small state-space model scaffold;
* :mod:`genmod.conditional` digits with labels and templated captions, a bag-of-words text encoder,
  a label-conditioned velocity network and a digits classifier;
* :mod:`genmod.sampling`  2D target densities with their scores, and a small energy network;
* :mod:`genmod.evaluation` a digits classifier whose features replace Inception's, bootstrap and
  spreads over seeds, and the runner of the evaluation chapter's model table.
"""

from genmod.seed import seed_everything
from genmod import data, metrics, nn, ode, paths, plotting, training
from genmod import diffusion, flows, gans, vi
from genmod import attention, conditional, evaluation, sampling, ssm, text

__all__ = ["seed_everything", "data", "metrics", "nn", "ode", "paths", "plotting", "training",
           "diffusion", "flows", "gans", "vi", "text", "attention", "ssm", "conditional",
           "sampling", "evaluation", "setup_notebook"]
__version__ = "0.1.0"


def setup_notebook(seed: int = 0, progress: bool | None = None, threads: int | None = 1) -> None:
    """One call at the top of every chapter and lab: style, seeds, progress bars, threads.

    ``progress=False`` silences training progress bars (the book does this: a
    static page has no use for a bar that was animated once at build time).
    ``threads=1`` because the book's networks are tiny: a second thread only adds
    synchronisation, and on a busy 2-core machine (CI, or several helpers grading
    at once) it made training 5-20x slower. ``None`` leaves torch's default.
    """
    import torch

    plotting.use_style()
    seed_everything(seed)
    if threads is not None:
        torch.set_num_threads(threads)
    if progress is not None:
        training.configure(progress=progress)
