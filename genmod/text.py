"""Characters as tokens: a vocabulary, an offline word corpus, a small neural language model.

The corpus is the names of languages and territories in thirteen European
languages, read from the locale data that ships with Babel (BSD-3-Clause; the
data is the Unicode CLDR, under the Unicode licence). Babel is installed with
the book's tools, so nothing is downloaded. Words are folded to ASCII lower
case and kept when they are 3 to 12 letters long: about 4,000 words such as
``englisch``, ``brazylia``, ``tibetisch``.

The language model here is a network that maps *context windows* of token ids
to next-token logits (in the style of Bengio et al. 2003); how the windows are
built from a sequence, which token they predict, and how the loss is computed
are left to the chapter and the lab.
"""

from __future__ import annotations

import random
import re
import string
import unicodedata
from typing import Iterable, Sequence

import torch
from torch import nn

from genmod import training

BOUNDARY = "."
SEPARATOR = "="
LOCALES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "pl", "cs", "tr", "fi", "da")


class CharVocab:
    """A character vocabulary whose token 0 is the boundary ``.`` (start and end of a word).

    ``CharVocab()`` holds ``.`` and the 26 letters (27 tokens); ``extra`` appends
    more symbols (the text-to-text task adds the separator ``=``).
    """

    def __init__(self, chars: str = string.ascii_lowercase, extra: str = ""):
        symbols = [BOUNDARY, *chars, *extra]
        if len(set(symbols)) != len(symbols):
            raise ValueError("the vocabulary's symbols must be distinct (and not '.')")
        self.itos = symbols
        self.stoi = {c: i for i, c in enumerate(symbols)}
        self.boundary = 0

    def __len__(self) -> int:
        return len(self.itos)

    def __repr__(self) -> str:
        return f"CharVocab({''.join(self.itos)!r})"

    def encode(self, text: str) -> list[int]:
        """Token ids of the characters of ``text`` (no boundary tokens are added)."""
        try:
            return [self.stoi[c] for c in text]
        except KeyError as err:
            raise ValueError(f"character {err.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.itos[int(i)] for i in ids)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def load_words(locales: Sequence[str] = LOCALES, min_len: int = 3, max_len: int = 12) -> list[str]:
    """Sorted, distinct names of languages and territories, folded to ``[a-z]`` (offline, from Babel)."""
    from babel import Locale

    pattern = re.compile(f"[a-z]{{{min_len},{max_len}}}")
    words = set()
    for code in locales:
        loc = Locale.parse(code)
        for name in [*loc.territories.values(), *loc.languages.values()]:
            folded = _fold(name)
            if pattern.fullmatch(folded):
                words.add(folded)
    return sorted(words)


def split_words(words: Sequence[str], val_fraction: float = 0.1, seed: int = 0) -> tuple[list[str], list[str]]:
    """A seeded shuffle of ``words`` cut into a training and a validation list."""
    shuffled = list(words)
    random.Random(seed).shuffle(shuffled)
    n_val = int(round(val_fraction * len(shuffled)))
    return shuffled[n_val:], shuffled[:n_val]


def pad_sequences(seqs: Sequence[Sequence[int]], pad: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack sequences of token ids into a ``(B, T)`` long tensor, right-padded with ``pad``.

    Returns ``(tokens, valid)``: ``valid[b, t]`` is true where ``tokens[b, t]`` is a
    real token, false on padding.
    """
    T = max(len(s) for s in seqs)
    tokens = torch.full((len(seqs), T), pad, dtype=torch.long)
    valid = torch.zeros(len(seqs), T, dtype=torch.bool)
    for b, s in enumerate(seqs):
        tokens[b, : len(s)] = torch.as_tensor(list(s), dtype=torch.long)
        valid[b, : len(s)] = True
    return tokens, valid


def word_batch(words: Sequence[str], vocab: CharVocab) -> tuple[torch.Tensor, torch.Tensor]:
    """Words as ``. w_1 ... w_n .`` in a padded ``(B, T)`` batch, and the mask of real tokens."""
    b = vocab.boundary
    return pad_sequences([[b, *vocab.encode(w), b] for w in words], pad=b)


def reversal_batch(words: Sequence[str], vocab: CharVocab) -> tuple[torch.Tensor, torch.Tensor]:
    """The text-to-text task "word = reversed word" as a prompt and a completion.

    Each row is ``. w_1 ... w_n = w_n ... w_1 .``, right-padded with the boundary
    token. Returns ``(tokens, completion)``: ``completion[b, t]`` is true on the
    tokens after ``=`` (the reversed word and its final ``.``), false on the
    prompt ``. w =`` and on padding.
    """
    b, sep = vocab.boundary, vocab.stoi[SEPARATOR]
    seqs, marks = [], []
    for w in words:
        prompt = [b, *vocab.encode(w), sep]
        answer = [*vocab.encode(w[::-1]), b]
        seqs.append(prompt + answer)
        marks.append([0] * len(prompt) + [1] * len(answer))
    tokens, _ = pad_sequences(seqs, pad=b)
    completion, _ = pad_sequences(marks, pad=0)
    return tokens, completion.bool()


class WindowLM(nn.Module):
    """Next-token logits from a window of the ``context`` most recent token ids.

    ``forward(windows)`` takes a long tensor of shape ``(..., context)`` (the
    window's tokens, oldest first, the most recent last) and returns logits of
    shape ``(..., vocab_size)``. Each window position has its own slot in the
    first layer, so the network knows the order of the window.
    """

    def __init__(self, vocab_size: int, context: int, emb: int = 16, hidden: int = 128, depth: int = 2):
        super().__init__()
        self.vocab_size, self.context = vocab_size, context
        self.embed = nn.Embedding(vocab_size, emb)
        layers: list[nn.Module] = []
        width = context * emb
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.GELU()]
            width = hidden
        layers.append(nn.Linear(width, vocab_size))
        self.mlp = nn.Sequential(*layers)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        if windows.shape[-1] != self.context:
            raise ValueError(f"windows of length {windows.shape[-1]}, this model reads {self.context}")
        e = self.embed(windows)
        return self.mlp(e.flatten(-2))


def train_lm(model: nn.Module, loss_fn, steps: int, lr: float = 3e-3, desc: str = "language model",
             progress: bool | None = None) -> list[float]:
    """Adam on ``loss_fn(step)`` (a scalar tensor) for ``steps`` steps; the book's loop and progress bar."""
    return training.train(model, loss_fn, steps, lr=lr, desc=desc, progress=progress)
