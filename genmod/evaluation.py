"""What the evaluation chapter and its lab need around the metrics: features, error bars, a model table.

The graded functions of the lab (the Fréchet distance, the unbiased MMD², k-NN
precision and recall, bits per dimension, the sorted 1D and sliced Wasserstein
distances, KID) are *not* here. This module holds:

* :func:`digits_split`, :class:`DigitsClassifier`, :func:`train_digits_classifier`
  and :func:`digit_features`: a small classifier trained in seconds on
  scikit-learn's bundled digits, whose penultimate layer gives the features of a
  "Fréchet digits distance" (no download: Inception features are neither
  available offline nor meaningful for 8x8 images);
* :func:`bootstrap`: resampled values of a statistic of one or more samples;
* :func:`mean_std` and :func:`format_pm`: a spread over seeds, printed as ``m ± s``;
* :func:`run_zoo`: trains every model of a table over several seeds, measures each
  sample with every metric, and times it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from genmod.data import digits
from genmod.nn import MLP


@dataclass(frozen=True)
class DigitsSplit:
    """Digits in ``[0, 1]`` (shape ``(m, 64)``, float32) and their labels, split into train and test."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def digits_split(test_fraction: float = 0.3, seed: int = 0) -> DigitsSplit:
    """The 1,797 scikit-learn digits split by a random permutation fixed by ``seed``."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), not {test_fraction}")
    x, y = digits("unit")
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    n_test = round(test_fraction * len(x))
    test, train = perm[:n_test], perm[n_test:]
    return DigitsSplit(x[train], y[train], x[test], y[test])


class DigitsClassifier(nn.Module):
    """An MLP ``64 -> hidden -> n_features`` (SiLU), a tanh, and a linear layer to the 10 classes.

    ``features(x)`` is the ``n_features``-dimensional penultimate layer, squashed
    by a tanh into ``(-1, 1)`` so that polynomial kernels (KID) stay of order one;
    ``forward(x)`` returns the class logits.
    """

    def __init__(self, hidden: int = 128, n_features: int = 32):
        super().__init__()
        self.body = nn.Sequential(MLP(64, n_features, hidden, depth=1), nn.Tanh())
        self.head = nn.Linear(n_features, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def train_digits_classifier(split: DigitsSplit, steps: int = 300, lr: float = 3e-3, batch: int = 256,
                            seed: int = 0) -> tuple[DigitsClassifier, float]:
    """Train a :class:`DigitsClassifier` with Adam and cross-entropy; return it and its test accuracy.

    Light input noise (std 0.05) during training makes the features vary smoothly
    under small perturbations of the images. About a second of CPU with the defaults.
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = DigitsClassifier()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        idx = torch.randint(len(split.x_train), (batch,), generator=gen)
        xb = split.x_train[idx] + 0.05 * torch.randn(batch, 64, generator=gen)
        loss = nn.functional.cross_entropy(net(xb), split.y_train[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        accuracy = (net(split.x_test).argmax(dim=1) == split.y_test).double().mean().item()
    return net, accuracy


@torch.no_grad()
def digit_features(net: DigitsClassifier, x: torch.Tensor) -> torch.Tensor:
    """Penultimate-layer features of images ``x`` of shape ``(n, 64)``, as float64 ``(n, n_features)``."""
    return net.features(x.float()).double()


def bootstrap(statistic: Callable[..., float], *samples: torch.Tensor, n_boot: int = 200,
              seed: int = 0) -> torch.Tensor:
    """Values of ``statistic(*resampled)`` over ``n_boot`` bootstrap resamples.

    Each sample is resampled with replacement, independently of the others, with
    as many rows as it has. Returns a float64 tensor of shape ``(n_boot,)``; its
    standard deviation estimates the standard error of ``statistic(*samples)``.
    """
    if not samples:
        raise ValueError("bootstrap needs at least one sample")
    gen = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(n_boot):
        resampled = [s[torch.randint(len(s), (len(s),), generator=gen)] for s in samples]
        values.append(float(statistic(*resampled)))
    return torch.tensor(values, dtype=torch.float64)


def mean_std(values) -> tuple[float, float]:
    """Mean and sample standard deviation (divisor ``n - 1``; 0 for a single value)."""
    v = torch.as_tensor(values, dtype=torch.float64).reshape(-1)
    if v.numel() == 0:
        raise ValueError("no values")
    return v.mean().item(), (v.std().item() if v.numel() > 1 else 0.0)


def format_pm(mean: float, std: float, digits_after: int = 3) -> str:
    """``"m ± s"`` with ``digits_after`` decimals, e.g. ``format_pm(0.1234, 0.02) == "0.123 ± 0.020"``."""
    return f"{mean:.{digits_after}f} ± {std:.{digits_after}f}"


@dataclass
class ZooResult:
    """Per model: every metric's values over the seeds, and the CPU seconds of each run."""

    values: dict[str, dict[str, list[float]]]
    seconds: dict[str, list[float]]

    def summary(self, model: str, metric: str) -> tuple[float, float]:
        """Mean and standard deviation over seeds of one metric of one model."""
        return mean_std(self.values[model][metric])


def run_zoo(models: dict[str, Callable[[int], torch.Tensor]],
            metrics: dict[str, Callable[[torch.Tensor, int], float]],
            seeds=(0, 1, 2)) -> ZooResult:
    """Train and sample every model with every seed, and measure each sample with every metric.

    ``models[name](seed)`` trains a model from scratch and returns its samples;
    ``metrics[name](samples, seed)`` returns a number (the seed selects, e.g., the
    held-out data it compares with). CPU time (``time.process_time``) of each
    model run is recorded, metrics excluded.
    """
    values: dict[str, dict[str, list[float]]] = {m: {k: [] for k in metrics} for m in models}
    seconds: dict[str, list[float]] = {m: [] for m in models}
    for name, fit_and_sample in models.items():
        for seed in seeds:
            start = time.process_time()
            samples = fit_and_sample(seed)
            seconds[name].append(time.process_time() - start)
            for metric, fn in metrics.items():
                values[name][metric].append(float(fn(samples, seed)))
    return ZooResult(values, seconds)
