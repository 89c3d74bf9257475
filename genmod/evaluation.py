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
  sample with every metric, and times it;
* two models of that table on 2D points that no chapter trains on them:
  :class:`BinnedAutoregressive2D` (fitted by :func:`fit_binned_autoregressive_2d`),
  the chain rule ``p(x1) p(x2 | x1)`` over bins, and
  :func:`label_flow_matching_2d`, flow matching conditioned on a mixture
  component (:func:`nearest_centre`), sampled with labels drawn from the
  components' frequencies. Neither is a building block of a lab: each trains
  and samples a whole model with a fixed interface.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from genmod.conditional import LabelVelocityField
from genmod.data import digits
from genmod.nn import MLP
from genmod.training import train


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


class BinnedAutoregressive2D(nn.Module):
    """``p(x1) p(x2 | x1)`` on ``bins`` x ``bins`` cells of ``[-extent, extent]^2``, uniform inside a cell.

    ``p(x1)`` is a categorical over the bins of the first coordinate (a histogram
    of the training points with add-one smoothing); ``p(x2 | x1)`` is a
    categorical over the bins of the second coordinate whose logits an MLP
    computes from the centre of the first coordinate's bin. Points outside the
    square are clamped into its border cells.
    """

    def __init__(self, bins: int = 48, extent: float = 3.0, hidden: int = 64, depth: int = 2):
        super().__init__()
        self.bins, self.extent = bins, extent
        self.width = 2 * extent / bins
        self.register_buffer("log_p1", torch.full((bins,), -math.log(bins)))
        self.net = MLP(1, bins, hidden, depth)

    def bin_of(self, x: torch.Tensor) -> torch.Tensor:
        """Bin indices (long, same shape as ``x``) of coordinates ``x``."""
        return ((x + self.extent) / self.width).floor().long().clamp(0, self.bins - 1)

    def centre(self, k: torch.Tensor) -> torch.Tensor:
        """Centres of bins ``k`` as a float column of shape ``(n, 1)``."""
        return (-self.extent + (k.float() + 0.5) * self.width)[:, None]

    def log_density(self, x: torch.Tensor) -> torch.Tensor:
        """Log-density on ``R^2`` (piecewise constant) of points ``x`` of shape ``(n, 2)``."""
        k1, k2 = self.bin_of(x[:, 0]), self.bin_of(x[:, 1])
        log_p2 = torch.log_softmax(self.net(self.centre(k1)), dim=1).gather(1, k2[:, None])[:, 0]
        return self.log_p1[k1] + log_p2 - 2 * math.log(self.width)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """``n`` points, shape ``(n, 2)``: the first bin, then the second given it, then a uniform point in the cell."""
        gen = torch.Generator().manual_seed(seed)
        k1 = torch.multinomial(self.log_p1.exp(), n, replacement=True, generator=gen)
        k2 = torch.multinomial(torch.softmax(self.net(self.centre(k1)), dim=1), 1, generator=gen)[:, 0]
        cells = torch.stack([k1, k2], dim=1).float()
        return -self.extent + (cells + torch.rand(n, 2, generator=gen)) * self.width


def fit_binned_autoregressive_2d(points: torch.Tensor, seed: int = 0, bins: int = 48, extent: float = 3.0,
                                 steps: int = 300, batch: int = 256, lr: float = 3e-3) -> BinnedAutoregressive2D:
    """Fit :class:`BinnedAutoregressive2D` to ``points`` (shape ``(m, 2)``) by maximum likelihood.

    The histogram of the first coordinate is its maximum-likelihood fit (plus one
    count per bin, so that no held-out point gets probability zero); the MLP of
    the second coordinate is trained with cross-entropy by Adam on minibatches.
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = BinnedAutoregressive2D(bins, extent)
    counts = torch.bincount(model.bin_of(points[:, 0]), minlength=bins).float() + 1.0
    model.log_p1.copy_((counts / counts.sum()).log())
    k1, k2 = model.bin_of(points[:, 0]), model.bin_of(points[:, 1])

    def loss_fn(step):
        idx = torch.randint(len(points), (batch,), generator=gen)
        return nn.functional.cross_entropy(model.net(model.centre(k1[idx])), k2[idx])

    train(model, loss_fn, steps, lr=lr, progress=False)
    return model


def nearest_centre(points: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Index (long, shape ``(n,)``) of the centre nearest to each point: a mixture's component, where modes are far apart."""
    return torch.cdist(points.float(), centres.float()).argmin(dim=1)


def label_flow_matching_2d(points: torch.Tensor, labels: torch.Tensor, n_samples: int, seed: int = 0,
                           steps: int = 600, batch: int = 256, hidden: int = 64, n_steps: int = 20,
                           lr: float = 2e-3) -> torch.Tensor:
    """Train a label-conditioned flow-matching field on 2D ``points`` and sample ``n_samples`` of them.

    The field ``v(x, t, y)`` (a :class:`~genmod.conditional.LabelVelocityField`)
    regresses the straight-line velocity from noise to the point, given the
    point's label ``y``. Sampling draws labels with the frequencies of
    ``labels`` in the training set, then integrates each label's field from
    Gaussian noise with ``n_steps`` midpoint steps: the mixture over labels of the
    conditional laws targets the unconditional law of the data. This is
    classifier-free guidance at scale ``w = 1``, where the guided field equals the
    conditional one, so no unconditional branch is trained. Returns a float
    tensor of shape ``(n_samples, 2)``.
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    n_classes = int(labels.max()) + 1
    field = LabelVelocityField(dim=2, n_classes=n_classes, hidden=hidden, depth=3, emb_dim=16)

    def loss_fn(step):
        idx = torch.randint(len(points), (batch,), generator=gen)
        target, y = points[idx], labels[idx]
        noise, tau = torch.randn(target.shape, generator=gen), torch.rand(batch, generator=gen)
        moved = noise + tau[:, None] * (target - noise)
        return ((field(moved, tau, y) - (target - noise)) ** 2).sum(dim=1).mean()

    train(field, loss_fn, steps, lr=lr, progress=False)
    frequencies = torch.bincount(labels, minlength=n_classes).float()
    with torch.no_grad():
        y = torch.multinomial(frequencies, n_samples, replacement=True, generator=gen)
        x = torch.randn(n_samples, 2, generator=gen)
        for k in range(n_steps):
            half = x + field(x, k / n_steps, y) / (2 * n_steps)
            x = x + field(half, (k + 0.5) / n_steps, y) / n_steps
    return x
