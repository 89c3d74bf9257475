"""Selective-copying data and a small state-space sequence model for the SSM chapter and lab.

The model is a scaffold: the state-space operations themselves (discretisation,
kernel, convolution, scan, the input-dependent parameters) are passed in as
functions, so the lab trains it with the student's own code and this module holds
none of it. Two mixers share one block: a time-invariant (LTI, S4D-style, with real
or complex modes) one and a selective (Mamba-style) one, with the same parameter count.

The data follow the copying task of the S4 repository (``torch_copying_data``):
``M`` tokens drawn from ``1 .. vocab - 2`` are placed among ``L + M`` positions of
noise (token 0), followed by ``M`` markers (token ``vocab - 1``); the target is the
``M`` tokens in order. ``variable=False`` puts the tokens in the first ``M``
positions (the plain copying task), ``variable=True`` at random positions (the
*selective* copying task of Gu and Dao, 2023).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from genmod.training import train


def selective_copying(n: int, L: int = 64, M: int = 4, vocab: int = 8, variable: bool = True,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of the (selective) copying task.

    Returns ``(inputs, targets)``: ``inputs`` of shape ``(n, L + 2 M)`` (long), the
    ``M`` data tokens among ``L + M`` positions of noise, then ``M`` markers;
    ``targets`` of shape ``(n, M)``, the data tokens in the order they appear.
    """
    if vocab < 3:
        raise ValueError("vocab must hold noise, at least one data token and the marker")
    tokens = torch.randint(1, vocab - 1, (n, M), generator=generator)
    if variable:
        positions = torch.rand(n, L + M, generator=generator).argsort(dim=1)[:, :M].sort(dim=1).values
    else:
        positions = torch.arange(M).expand(n, M)
    body = torch.zeros(n, L + M, dtype=torch.long).scatter(1, positions, tokens)
    markers = torch.full((n, M), vocab - 1, dtype=torch.long)
    return torch.cat([body, markers], dim=1), tokens


class LTIMixer(nn.Module):
    """A diagonal time-invariant SSM per channel, applied as a convolution.

    ``discretize(A, B, delta) -> (A_bar, B_bar)``, ``kernel(A_bar, B_bar, C, L) -> K`` of
    shape ``(D, L)`` and ``conv(u, K) -> y`` on ``u`` of shape ``(b, L, D)`` are passed in.

    ``init="real"`` is S4D-Real (``A_n = -(n + 1)``, real decaying modes). ``init="lin"`` is
    S4D-Lin: ``d_state // 2`` complex modes ``A_n = -1/2 + i pi n``, each standing for a
    conjugate pair, so the kernel is ``2 Re(K)`` and the state size and parameter count are
    those of the real mixer; the passed-in operations must then accept complex tensors.
    """

    def __init__(self, d_inner: int, d_state: int, discretize: Callable, kernel: Callable, conv: Callable,
                 delta_range: tuple[float, float] = (1e-3, 1.0), init: str = "real"):
        super().__init__()
        if init not in ("real", "lin") or (init == "lin" and d_state % 2):
            raise ValueError("init is 'real' or 'lin' (S4D-Lin needs an even d_state: conjugate pairs)")
        self.discretize, self.kernel, self.conv, self.init = discretize, kernel, conv, init
        if init == "real":
            # S4D-Real: A_n = -(n + 1); log-uniform step sizes (S4D uses [1e-3, 1e-1] for long
            # sequences; the short copying sequences need faster modes too).
            self.log_neg_A = nn.Parameter(torch.log(torch.arange(1, d_state + 1, dtype=torch.float32)).repeat(d_inner, 1))
            self.B = nn.Parameter(torch.ones(d_inner, d_state))
            self.C = nn.Parameter(torch.randn(d_inner, d_state) / math.sqrt(d_state))
        else:
            n = d_state // 2
            # Real and imaginary parts side by side ([..., :n] and [..., n:]): the same three
            # (d_inner, d_state) tensors as the real mixer.
            self.log_neg_A = nn.Parameter(torch.full((d_inner, n), math.log(0.5)))
            self.A_imag = nn.Parameter((math.pi * torch.arange(n, dtype=torch.float32)).repeat(d_inner, 1))
            self.B = nn.Parameter(torch.cat([torch.ones(d_inner, n), torch.zeros(d_inner, n)], dim=1))
            self.C = nn.Parameter(torch.randn(d_inner, d_state) / math.sqrt(d_state))
        self.log_delta = nn.Parameter(torch.empty(d_inner).uniform_(*map(math.log, delta_range)))
        # Matches the selective mixer's count: its projections replace these.
        self.extra = nn.Parameter(torch.zeros(d_inner * d_inner))

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        delta = torch.exp(self.log_delta)[:, None]
        if self.init == "real":
            A_bar, B_bar = self.discretize(-torch.exp(self.log_neg_A), self.B, delta)
            K = self.kernel(A_bar, B_bar, self.C, u.shape[1])
        else:
            A = torch.complex(-torch.exp(self.log_neg_A), self.A_imag)
            B, C = (torch.complex(*P.chunk(2, dim=-1)) for P in (self.B, self.C))
            A_bar, B_bar = self.discretize(A, B, delta)
            K = 2 * self.kernel(A_bar, B_bar, C, u.shape[1]).real
        return self.conv(u, K)


class SelectiveMixer(nn.Module):
    """A diagonal selective SSM: step size, B and C computed from the input at every position.

    ``params(x, W_delta, b_delta, W_B, W_C) -> (delta, B, C)`` and
    ``scan(u, delta, A, B, C) -> y`` (all of Mamba's layout, time on dim 1) are passed in.
    """

    def __init__(self, d_inner: int, d_state: int, params: Callable, scan: Callable,
                 delta_range: tuple[float, float] = (1e-3, 1.0)):
        super().__init__()
        self.params, self.scan = params, scan
        self.log_neg_A = nn.Parameter(torch.log(torch.arange(1, d_state + 1, dtype=torch.float32)).repeat(d_inner, 1))
        self.W_delta = nn.Parameter(torch.randn(d_inner, d_inner) / math.sqrt(d_inner) * 0.1)
        # softplus(b) = delta0 for delta0 log-uniform in delta_range (Mamba's initialisation, with
        # the wider range of the LTI mixer).
        delta0 = torch.exp(torch.empty(d_inner).uniform_(*map(math.log, delta_range)))
        self.b_delta = nn.Parameter(delta0 + torch.log(-torch.expm1(-delta0)))
        self.W_B = nn.Parameter(torch.randn(d_inner, d_state) / math.sqrt(d_inner))
        self.W_C = nn.Parameter(torch.randn(d_inner, d_state) / math.sqrt(d_inner))

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        delta, B, C = self.params(u, self.W_delta, self.b_delta, self.W_B, self.W_C)
        return self.scan(u, delta, -torch.exp(self.log_neg_A), B, C)


class SSMBlock(nn.Module):
    """Mamba's block around a mixer: norm, gated input projection, short causal convolution, skip."""

    def __init__(self, d_model: int, d_inner: int, mixer: nn.Module, conv_width: int = 4):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.in_proj = nn.Linear(d_model, 2 * d_inner)
        self.conv = nn.Conv1d(d_inner, d_inner, conv_width, groups=d_inner, padding=conv_width - 1)
        self.mixer = mixer
        self.D = nn.Parameter(torch.ones(d_inner))
        self.out_proj = nn.Linear(d_inner, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u, z = self.in_proj(self.norm(x)).chunk(2, dim=-1)
        L = u.shape[1]
        u = nn.functional.silu(self.conv(u.transpose(1, 2))[..., :L].transpose(1, 2))
        y = self.mixer(u) + self.D * u
        return x + self.out_proj(y * nn.functional.silu(z))


class SequenceModel(nn.Module):
    """Embedding, ``n_layers`` SSM blocks and a linear read-out of the last ``M`` positions.

    ``make_mixer(d_inner, d_state)`` builds each block's mixer (an :class:`LTIMixer` or a
    :class:`SelectiveMixer` with the operations bound in).
    """

    def __init__(self, vocab: int, make_mixer: Callable[[int, int], nn.Module], d_model: int = 16,
                 d_inner: int = 32, d_state: int = 8, n_layers: int = 2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.blocks = nn.ModuleList(SSMBlock(d_model, d_inner, make_mixer(d_inner, d_state)) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, tokens: torch.Tensor, M: int) -> torch.Tensor:
        """Logits of shape ``(n, M, vocab)`` at the ``M`` marker positions."""
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x[:, -M:]))


def train_copying(model: SequenceModel, steps: int, L: int = 64, M: int = 4, vocab: int = 8,
                  variable: bool = True, batch: int = 64, lr: float = 3e-3, seed: int = 0,
                  desc: str = "copying", progress: bool | None = None) -> list[float]:
    """Train ``model`` with Adam on fresh batches of the copying task; returns the loss history."""
    gen = torch.Generator().manual_seed(seed)

    def loss_fn(step):
        x, y = selective_copying(batch, L, M, vocab, variable, generator=gen)
        logits = model(x, M)
        return nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))

    return train(model, loss_fn, steps, lr=lr, desc=desc, progress=progress)


@torch.no_grad()
def copying_accuracy(model: SequenceModel, n: int = 512, L: int = 64, M: int = 4, vocab: int = 8,
                     variable: bool = True, seed: int = 1) -> float:
    """Fraction of the ``n * M`` target tokens the model predicts exactly (argmax)."""
    x, y = selective_copying(n, L, M, vocab, variable, generator=torch.Generator().manual_seed(seed))
    return (model(x, M).argmax(-1) == y).float().mean().item()
