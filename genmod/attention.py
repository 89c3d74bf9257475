"""Synthetic sequence tasks and a small GPT whose attention is passed in.

The transformer chapter and its lab build the attention mechanism themselves;
this module holds only what surrounds it: the reversal and copying tasks, a
pre-norm GPT scaffold (embeddings, layer norms, MLPs, the output head) that
calls an attention function given to it at every forward pass, a loss on the
answer positions, and a training-loop wrapper.

The attention function has the signature ``attention(layer, x, start, cache)``:
``layer`` is an :class:`AttentionWeights` (the four projections and the head
count of one block), ``x`` the normalised hidden states of shape
``(batch, T, d_model)``, ``start`` the position of ``x[:, 0]`` in the sequence
and ``cache`` ``None`` or the dictionary that holds this block's keys and values
between calls. It returns a tensor of the shape of ``x``.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from genmod import training


def task_batch(task: str, n: int, length: int, n_symbols: int = 10,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` sequences ``x_1 .. x_L, SEP, y_1 .. y_L`` of ``2 L + 1`` tokens.

    The ``x_i`` are uniform symbols in ``{0, ..., n_symbols - 1}``, ``SEP`` is the
    token ``n_symbols``, and the answer ``y`` is ``x`` reversed (``task="reverse"``)
    or repeated (``task="copy"``). The vocabulary has ``n_symbols + 1`` tokens.
    """
    if task not in ("reverse", "copy"):
        raise ValueError(f"task must be 'reverse' or 'copy', not {task!r}")
    x = torch.randint(n_symbols, (n, length), generator=generator)
    y = x.flip(1) if task == "reverse" else x
    sep = torch.full((n, 1), n_symbols, dtype=x.dtype)
    return torch.cat([x, sep, y], dim=1)


def answer_loss(logits: torch.Tensor, tokens: torch.Tensor, length: int) -> torch.Tensor:
    """Mean next-token cross-entropy over the ``length`` answer tokens only.

    ``logits`` of shape ``(n, 2 L + 1, V)`` come from the model run on ``tokens``;
    the answer token at position ``L + 1 + i`` is predicted at position ``L + i``.
    The prompt positions are not scored: they are random and cannot be predicted.
    """
    pred = logits[:, length:2 * length]
    target = tokens[:, length + 1:]
    return nn.functional.cross_entropy(pred.reshape(-1, pred.shape[-1]), target.reshape(-1))


class AttentionWeights(nn.Module):
    """The four ``d_model x d_model`` projections of one attention block (no biases).

    ``wq``, ``wk``, ``wv`` and ``wo`` are ``nn.Linear`` layers; ``n_heads`` divides
    ``d_model``; ``rope`` says whether queries and keys are rotated by position.
    """

    def __init__(self, d_model: int, n_heads: int, rope: bool = True):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"n_heads = {n_heads} does not divide d_model = {d_model}")
        self.d_model, self.n_heads, self.rope = d_model, n_heads, rope
        self.wq = nn.Linear(d_model, d_model, bias=False)
        self.wk = nn.Linear(d_model, d_model, bias=False)
        self.wv = nn.Linear(d_model, d_model, bias=False)
        self.wo = nn.Linear(d_model, d_model, bias=False)


class Block(nn.Module):
    """A pre-norm block: ``h + attn(LN(h))``, then ``h + MLP(LN(h))`` with a 4x wide GELU MLP."""

    def __init__(self, d_model: int, n_heads: int, rope: bool = True):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = AttentionWeights(d_model, n_heads, rope)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))


class TinyGPT(nn.Module):
    """A decoder-only transformer whose attention is an argument of ``forward``.

    Token embedding, ``n_layers`` pre-norm :class:`Block` s, a final layer norm and
    a linear head to the vocabulary. With ``rope=False`` a learned absolute position
    embedding is added to the token embedding instead (``max_len`` positions).
    """

    def __init__(self, vocab: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 rope: bool = True, max_len: int = 128):
        super().__init__()
        self.vocab, self.d_model, self.n_layers, self.rope = vocab, d_model, n_layers, rope
        self.embed = nn.Embedding(vocab, d_model)
        self.pos = None if rope else nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, rope) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def new_caches(self) -> list[dict]:
        """One empty cache dictionary per block, for ``forward(..., caches=...)``."""
        return [{} for _ in self.blocks]

    def forward(self, tokens: torch.Tensor, attention: Callable, start: int = 0,
                caches: list[dict] | None = None) -> torch.Tensor:
        """Logits of shape ``(n, T, vocab)`` for ``tokens`` of shape ``(n, T)``.

        ``tokens[:, 0]`` sits at position ``start``; ``caches`` (a list with one
        dictionary per block, or ``None``) is handed to ``attention`` unchanged.
        """
        h = self.embed(tokens)
        if self.pos is not None:
            h = h + self.pos(torch.arange(start, start + tokens.shape[1], device=tokens.device))
        for i, block in enumerate(self.blocks):
            h = h + attention(block.attn, block.ln1(h), start, None if caches is None else caches[i])
            h = h + block.mlp(block.ln2(h))
        return self.head(self.ln_f(h))


def train_task(model: TinyGPT, attention: Callable, task: str, length: int, steps: int,
               n_symbols: int = 10, batch: int = 128, lr: float = 3e-3, seed: int = 0,
               desc: str = "training", progress: bool | None = None) -> list[float]:
    """Train ``model`` on fresh batches of ``task`` with :func:`answer_loss`; returns the loss history.

    Adam at ``lr`` with a cosine decay to zero over ``steps``: the tiny model
    learns the task in a few hundred steps and the decay removes the last noise.
    """
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(steps, 1))
    history: list[float] = []
    for _ in training.progress_bar(steps, desc, progress):
        tokens = task_batch(task, batch, length, n_symbols, gen)
        loss = answer_loss(model(tokens, attention), tokens, length)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {loss.item()}; check the attention function")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        history.append(loss.item())
    return history


def answer_accuracy(generated: torch.Tensor, tokens: torch.Tensor, length: int) -> tuple[float, float]:
    """(per-token, per-sequence) accuracy of ``generated`` answers against ``tokens``.

    Both are sequences of ``2 L + 1`` tokens whose first ``L + 1`` (the prompt) agree;
    only the last ``L`` positions are compared.
    """
    ok = generated[:, length + 1:] == tokens[:, length + 1:]
    return ok.float().mean().item(), ok.all(dim=1).float().mean().item()
