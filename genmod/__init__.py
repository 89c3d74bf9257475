"""Helper package shared by the chapters and labs of *Generative Modelling*.

Everything a chapter or a lab needs twice lives here, so notebooks never copy
code between each other:

* :mod:`genmod.data`      toy 2D datasets and scikit-learn digits, as tensors;
* :mod:`genmod.nn`        small networks (MLP, time-conditioned velocity field);
* :mod:`genmod.training`  a seeded training loop with a progress bar;
* :mod:`genmod.ode`       a reference RK4 integrator for figures;
* :mod:`genmod.paths`     exact densities and velocities along the linear path to a Gaussian mixture;
* :mod:`genmod.metrics`   sample-quality metrics (sliced Wasserstein, MMD);
* :mod:`genmod.plotting`  one plotting style for the whole book.
"""

from genmod.seed import seed_everything
from genmod import data, metrics, nn, ode, paths, plotting, training

__all__ = ["seed_everything", "data", "metrics", "nn", "ode", "paths", "plotting", "training", "setup_notebook"]
__version__ = "0.1.0"


def setup_notebook(seed: int = 0, progress: bool | None = None) -> None:
    """One call at the top of every chapter and lab: style, seeds, progress bars.

    ``progress=False`` silences training progress bars (the book does this: a
    static page has no use for a bar that was animated once at build time).
    """
    plotting.use_style()
    seed_everything(seed)
    if progress is not None:
        training.configure(progress=progress)
