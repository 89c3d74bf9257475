"""Unit tests for ``genmod.ssm``: the copying data and the model scaffold around passed-in operations."""

import torch

from genmod import ssm


def test_selective_copying_places_the_tokens_among_noise_and_ends_with_markers():
    gen = torch.Generator().manual_seed(0)
    x, y = ssm.selective_copying(50, L=20, M=3, vocab=7, variable=True, generator=gen)
    assert x.shape == (50, 20 + 2 * 3) and y.shape == (50, 3)
    assert x.dtype == torch.long and y.dtype == torch.long
    assert ((y >= 1) & (y <= 5)).all(), "data tokens are 1 .. vocab - 2"
    assert (x[:, -3:] == 6).all(), "the last M tokens are markers (vocab - 1)"
    body = x[:, :-3]
    assert ((body != 0).sum(1) == 3).all(), "exactly M data tokens among the noise"
    for row, target in zip(body, y):
        assert torch.equal(row[row != 0], target), "targets are the data tokens in order of appearance"
    positions = [tuple((row != 0).nonzero().flatten().tolist()) for row in body]
    assert len(set(positions)) > 10, "selective copying draws random positions"


def test_fixed_copying_puts_the_tokens_first_and_generator_makes_it_reproducible():
    x, y = ssm.selective_copying(8, L=10, M=4, vocab=8, variable=False, generator=torch.Generator().manual_seed(1))
    assert torch.equal(x[:, :4], y) and (x[:, 4:14] == 0).all()
    x2, y2 = ssm.selective_copying(8, L=10, M=4, vocab=8, variable=False, generator=torch.Generator().manual_seed(1))
    assert torch.equal(x, x2) and torch.equal(y, y2)


def _ops():
    calls = {"discretize": 0, "kernel": 0, "conv": 0, "params": 0, "scan": 0}

    def discretize(A, B, delta):
        calls["discretize"] += 1
        return torch.exp(delta * A), delta * B

    def kernel(A_bar, B_bar, C, L):
        calls["kernel"] += 1
        return (C * B_bar).sum(-1, keepdim=True) * A_bar.mean(-1, keepdim=True) ** torch.arange(L)

    def conv(u, K):
        calls["conv"] += 1
        return u * K.T[: u.shape[1]]

    def params(x, W_delta, b_delta, W_B, W_C):
        calls["params"] += 1
        return torch.nn.functional.softplus(x @ W_delta + b_delta), x @ W_B, x @ W_C

    def scan(u, delta, A, B, C):
        calls["scan"] += 1
        return u * delta * (B * C).sum(-1, keepdim=True)

    return calls, discretize, kernel, conv, params, scan


def test_both_mixers_call_the_passed_in_operations_and_have_the_same_size():
    calls, discretize, kernel, conv, params, scan = _ops()
    lti = ssm.SequenceModel(6, lambda D, N: ssm.LTIMixer(D, N, discretize, kernel, conv), d_model=8, d_inner=12, d_state=3)
    sel = ssm.SequenceModel(6, lambda D, N: ssm.SelectiveMixer(D, N, params, scan), d_model=8, d_inner=12, d_state=3)
    x, _ = ssm.selective_copying(5, L=6, M=2, vocab=6, generator=torch.Generator().manual_seed(2))
    assert lti(x, 2).shape == (5, 2, 6) and sel(x, 2).shape == (5, 2, 6)
    assert calls == {"discretize": 2, "kernel": 2, "conv": 2, "params": 2, "scan": 2}, "one call per block (two blocks)"
    assert sum(p.numel() for p in lti.parameters()) == sum(p.numel() for p in sel.parameters())


def test_train_copying_lowers_the_loss_and_accuracy_is_a_fraction():
    _, discretize, kernel, conv, params, scan = _ops()
    torch.manual_seed(0)
    model = ssm.SequenceModel(6, lambda D, N: ssm.SelectiveMixer(D, N, params, scan), d_model=8, d_inner=8, d_state=2,
                              n_layers=1)
    history = ssm.train_copying(model, 60, L=6, M=2, vocab=6, batch=16, lr=1e-2, progress=False)
    assert len(history) == 60 and sum(history[-10:]) < sum(history[:10])
    acc = ssm.copying_accuracy(model, 64, L=6, M=2, vocab=6)
    assert 0.0 <= acc <= 1.0


def test_s4d_lin_mixer_passes_conjugate_pair_modes_and_keeps_the_size_and_a_real_kernel():
    seen = {}

    def discretize(A, B, delta):
        seen["A"], seen["B"] = A, B
        return torch.exp(delta * A), torch.expm1(delta * A) / A * B

    def kernel(A_bar, B_bar, C, L):
        return torch.einsum("dn,dnl->dl", C * B_bar, A_bar[..., None] ** torch.arange(L))

    def conv(u, K):
        seen["K"] = K
        return u * K.T[: u.shape[1]]

    torch.manual_seed(0)
    lin = ssm.LTIMixer(5, 4, discretize, kernel, conv, init="lin")
    real = ssm.LTIMixer(5, 4, discretize, kernel, conv, init="real")
    assert sum(p.numel() for p in lin.parameters()) == sum(p.numel() for p in real.parameters())
    lin(torch.randn(2, 7, 5))
    assert seen["A"].shape == (5, 2) and seen["A"].is_complex(), "d_state / 2 complex modes, one per conjugate pair"
    assert torch.allclose(seen["A"][0], torch.tensor([-0.5 + 0j, -0.5 + torch.pi * 1j])), "S4D-Lin: -1/2 + i pi n"
    assert seen["K"].shape == (5, 7) and not seen["K"].is_complex(), "the kernel is 2 Re of the conjugate-pair sum"
    try:
        ssm.LTIMixer(5, 3, discretize, kernel, conv, init="lin")
    except ValueError:
        pass
    else:
        raise AssertionError("an odd d_state cannot be made of conjugate pairs")
