"""Unit tests for ``genmod.evaluation``: digits features, bootstrap, spreads and the model-table runner."""

import math

import pytest
import torch

from genmod import evaluation


@pytest.fixture(scope="module")
def split():
    return evaluation.digits_split(test_fraction=0.3, seed=0)


@pytest.fixture(scope="module")
def trained(split):
    return evaluation.train_digits_classifier(split, seed=0)


def test_digits_split_is_a_seeded_partition_of_the_1797_digits(split):
    assert len(split.x_train) + len(split.x_test) == 1797
    assert len(split.x_test) == round(0.3 * 1797)
    assert split.x_train.shape[1] == 64 and float(split.x_train.min()) >= 0 and float(split.x_train.max()) <= 1
    again = evaluation.digits_split(test_fraction=0.3, seed=0)
    assert torch.equal(again.x_test, split.x_test) and torch.equal(again.y_train, split.y_train)
    other = evaluation.digits_split(test_fraction=0.3, seed=1)
    assert not torch.equal(other.y_test, split.y_test)
    with pytest.raises(ValueError):
        evaluation.digits_split(test_fraction=1.0)


def test_classifier_trains_in_a_second_to_over_90_percent_and_gives_bounded_features(split, trained):
    # Measured: 0.963-0.970 held-out accuracy with the defaults (300 steps).
    net, accuracy = trained
    assert accuracy > 0.9
    feats = evaluation.digit_features(net, split.x_test[:50])
    assert feats.shape == (50, 32) and feats.dtype == torch.float64
    assert float(feats.abs().max()) < 1.0   # tanh features keep polynomial kernels of order one
    a, acc_a = evaluation.train_digits_classifier(split, steps=20, seed=3)
    b, acc_b = evaluation.train_digits_classifier(split, steps=20, seed=3)
    assert acc_a == acc_b and torch.equal(evaluation.digit_features(a, split.x_test), evaluation.digit_features(b, split.x_test))


def test_features_separate_classes_better_than_pixels(split, trained):
    # Nearest class mean in feature space beats the same rule on raw pixels: the features carry class structure.
    net, _ = trained

    def nearest_mean_accuracy(train, test):
        means = torch.stack([train[split.y_train == c].mean(0) for c in range(10)])
        return (torch.cdist(test, means).argmin(1) == split.y_test).double().mean().item()

    pixels = nearest_mean_accuracy(split.x_train.double(), split.x_test.double())
    feats = nearest_mean_accuracy(evaluation.digit_features(net, split.x_train), evaluation.digit_features(net, split.x_test))
    assert feats > pixels + 0.03


def test_bootstrap_of_the_mean_matches_the_standard_error_and_is_reproducible():
    x = torch.randn(400, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    boot = evaluation.bootstrap(lambda s: s.mean(), x, n_boot=400, seed=1)
    assert boot.shape == (400,) and boot.dtype == torch.float64
    se = x.std().item() / math.sqrt(len(x))
    assert abs(boot.std().item() / se - 1) < 0.15
    assert torch.equal(boot, evaluation.bootstrap(lambda s: s.mean(), x, n_boot=400, seed=1))


def test_bootstrap_resamples_each_sample_independently_with_its_own_size():
    x, y = torch.arange(5.0), torch.arange(100.0, 103.0)
    sizes = evaluation.bootstrap(lambda a, b: len(a) * 10 + len(b), x, y, n_boot=3)
    assert sizes.tolist() == [53.0, 53.0, 53.0]
    draws = evaluation.bootstrap(lambda a, b: float(a.max() < 5 and b.min() >= 100), x, y, n_boot=20)
    assert draws.min().item() == 1.0   # rows are drawn from their own sample only
    with pytest.raises(ValueError):
        evaluation.bootstrap(lambda: 0.0)


def test_mean_std_and_format_pm():
    assert evaluation.mean_std([1.0, 2.0, 3.0]) == (2.0, 1.0)
    assert evaluation.mean_std([4.0]) == (4.0, 0.0)
    assert evaluation.format_pm(0.1234, 0.02) == "0.123 ± 0.020"
    assert evaluation.format_pm(12.0, 1.25, 1) == "12.0 ± 1.2"
    with pytest.raises(ValueError):
        evaluation.mean_std([])


def test_run_zoo_calls_every_model_with_every_seed_and_every_metric():
    calls = []

    def model(seed):
        calls.append(seed)
        return torch.full((4, 2), float(seed))

    metrics = {"mean": lambda s, seed: s.mean().item(), "seed": lambda s, seed: seed}
    result = evaluation.run_zoo({"a": model, "b": lambda seed: torch.zeros(3, 2)}, metrics, seeds=(0, 1, 5))
    assert calls == [0, 1, 5]
    assert result.values["a"]["mean"] == [0.0, 1.0, 5.0] and result.values["b"]["seed"] == [0.0, 1.0, 5.0]
    assert result.summary("a", "mean") == evaluation.mean_std([0.0, 1.0, 5.0])
    assert len(result.seconds["a"]) == 3 and all(s >= 0 for s in result.seconds["b"])


@pytest.fixture(scope="module")
def ring():
    from genmod import data
    return data.eight_gaussians(500, seed=7)


def test_binned_autoregressive_samples_are_seeded_finite_points_of_its_square_and_its_density_sums_to_one(ring):
    model = evaluation.fit_binned_autoregressive_2d(ring, seed=0, bins=16, steps=30)
    x = model.sample(300, seed=1)
    assert x.shape == (300, 2) and x.dtype == torch.float32 and bool(torch.isfinite(x).all())
    assert float(x.abs().max()) <= model.extent
    assert torch.equal(x, model.sample(300, seed=1)) and not torch.equal(x, model.sample(300, seed=2))
    again = evaluation.fit_binned_autoregressive_2d(ring, seed=0, bins=16, steps=30)
    assert torch.equal(x, again.sample(300, seed=1))
    # One point per cell: a piecewise-constant density integrates to the sum of density x cell area.
    centres = model.centre(torch.arange(16))[:, 0]
    grid = torch.cartesian_prod(centres, centres)
    with torch.no_grad():
        mass = (model.log_density(grid).exp() * model.width**2).sum().item()
    assert abs(mass - 1) < 1e-4


def test_label_flow_matching_returns_seeded_finite_samples_and_nearest_centre_recovers_the_components(ring):
    from genmod import paths
    labels = evaluation.nearest_centre(ring, paths.eight_gaussians_means())
    assert labels.dtype == torch.long and set(labels.tolist()) == set(range(8))
    assert evaluation.nearest_centre(paths.eight_gaussians_means() * 1.1, paths.eight_gaussians_means()).tolist() == list(range(8))
    x = evaluation.label_flow_matching_2d(ring, labels, 200, seed=3, steps=20, hidden=16, n_steps=4)
    assert x.shape == (200, 2) and bool(torch.isfinite(x).all())
    assert torch.equal(x, evaluation.label_flow_matching_2d(ring, labels, 200, seed=3, steps=20, hidden=16, n_steps=4))
    assert not torch.equal(x, evaluation.label_flow_matching_2d(ring, labels, 200, seed=4, steps=20, hidden=16, n_steps=4))
