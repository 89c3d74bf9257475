"""Unit tests for ``genmod.attention``: the synthetic tasks, the answer loss and the GPT scaffold."""

import math

import pytest
import torch

from genmod import attention as A


def _plain_attention(layer, x, start, cache):
    """A minimal causal attention for the scaffold tests (no RoPE, no cache): one head."""
    q, k, v = layer.wq(x), layer.wk(x), layer.wv(x)
    t = x.shape[1]
    scores = (q @ k.transpose(-2, -1) / math.sqrt(x.shape[-1])).masked_fill(
        torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
    return layer.wo(torch.softmax(scores, dim=-1) @ v)


def test_task_batch_reverses_or_copies_after_the_separator():
    g = torch.Generator().manual_seed(0)
    rev = A.task_batch("reverse", 50, 5, n_symbols=7, generator=g)
    assert rev.shape == (50, 11) and rev.dtype == torch.long
    assert (rev[:, 5] == 7).all() and (rev[:, :5] < 7).all()
    assert torch.equal(rev[:, 6:], rev[:, :5].flip(1))
    cp = A.task_batch("copy", 50, 5, n_symbols=7, generator=torch.Generator().manual_seed(0))
    assert torch.equal(cp[:, :5], rev[:, :5]) and torch.equal(cp[:, 6:], cp[:, :5])
    with pytest.raises(ValueError):
        A.task_batch("sort", 2, 3)


def test_task_batch_symbols_are_uniform():
    x = A.task_batch("copy", 20_000, 4, n_symbols=10, generator=torch.Generator().manual_seed(1))[:, :4]
    freq = torch.bincount(x.reshape(-1), minlength=10).float() / x.numel()
    # 80,000 draws: the standard deviation of each frequency is sqrt(0.09 / 80000) = 0.001.
    assert (freq - 0.1).abs().max() < 0.006


def test_answer_loss_scores_only_the_answer_positions():
    tokens = A.task_batch("reverse", 3, 4, generator=torch.Generator().manual_seed(2))
    vocab = 11
    logits = torch.zeros(3, 9, vocab)
    # Perfect, confident predictions on the answer positions only; the prompt positions are garbage.
    logits[:, 4:8] = -1e4
    logits[:, 4:8].scatter_(-1, tokens[:, 5:, None], 1e4)
    logits[:, :4] = torch.randn(3, 4, vocab)
    assert A.answer_loss(logits, tokens, 4).item() == pytest.approx(0.0, abs=1e-6)
    # Uniform logits: the loss is log(vocab).
    assert A.answer_loss(torch.zeros(3, 9, vocab), tokens, 4).item() == pytest.approx(math.log(vocab))


def test_answer_accuracy_counts_tokens_and_whole_answers():
    tokens = torch.tensor([[1, 2, 10, 2, 1], [3, 4, 10, 4, 3]])
    gen = tokens.clone()
    gen[1, 4] = 0
    assert A.answer_accuracy(gen, tokens, 2) == (0.75, 0.5)


def test_tiny_gpt_shapes_parameter_count_and_cache_handover():
    torch.manual_seed(0)
    model = A.TinyGPT(vocab=11, d_model=16, n_heads=2, n_layers=3)
    tokens = torch.randint(11, (2, 7))
    seen = []

    def spy(layer, x, start, cache):
        seen.append((layer.n_heads, x.shape, start, cache))
        return torch.zeros_like(x)

    caches = model.new_caches()
    assert len(caches) == 3 and all(c == {} for c in caches)
    out = model(tokens, spy, 4, caches)
    assert out.shape == (2, 7, 11)
    assert [s[2] for s in seen] == [4, 4, 4] and [s[3] is c for s, c in zip(seen, caches)] == [True] * 3
    assert all(s[1] == (2, 7, 16) and s[0] == 2 for s in seen)
    # A block: 4 d^2 attention, 8 d^2 + 5 d MLP, 4 d layer norms.
    d = 16
    assert sum(p.numel() for p in model.blocks[0].parameters()) == 12 * d * d + 9 * d


def test_learned_positions_depend_on_start_and_rope_models_have_none():
    torch.manual_seed(1)
    model = A.TinyGPT(vocab=5, d_model=8, n_heads=1, n_layers=1, rope=False)
    tokens = torch.randint(5, (1, 3))
    zero = lambda layer, x, start, cache: torch.zeros_like(x)
    assert not torch.allclose(model(tokens, zero, 0), model(tokens, zero, 2))
    assert A.TinyGPT(vocab=5, d_model=8, n_heads=1, rope=True).pos is None
    with pytest.raises(ValueError):
        A.AttentionWeights(10, 3)


@pytest.fixture
def one_thread():
    # The model is tiny: a second thread only adds synchronisation (10 s instead of 1 s on a busy machine).
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_train_task_learns_copying_with_a_plain_attention(one_thread):
    torch.manual_seed(0)
    model = A.TinyGPT(vocab=6, d_model=32, n_heads=1, n_layers=1, rope=False, max_len=16)
    hist = A.train_task(model, _plain_attention, "copy", 3, 60, n_symbols=5, batch=64, lr=1e-2, progress=False)
    assert len(hist) == 60 and all(math.isfinite(h) for h in hist)
    # Chance is log(5) = 1.61 nats per answer token; the reference reaches 0.007 after 50 steps.
    assert sum(hist[-10:]) / 10 < 0.3 < sum(hist[:10]) / 10


def test_train_task_stops_on_a_non_finite_loss():
    model = A.TinyGPT(vocab=6, d_model=8, n_heads=1, n_layers=1)
    nan_attention = lambda layer, x, start, cache: x * float("nan")
    with pytest.raises(FloatingPointError):
        A.train_task(model, nan_attention, "copy", 2, 3, n_symbols=5, progress=False)
