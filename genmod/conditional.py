"""Conditional generation on the 8x8 digits: labels, templated captions, small networks.

Everything here is scaffolding for the chapter *Conditional generation and
guidance* and its lab; none of it computes a loss, a guided field or a sample.

* :func:`digits_with_captions` gives the scikit-learn digits (bundled, no
  download) with their labels and a templated caption per image, such as
  ``"a thin seven"`` or ``"a bold two"``: *thin* and *bold* compare an image's
  ink with the median ink of its class.
* :class:`BagOfWords` turns captions into word-count vectors over a fixed
  vocabulary, and :class:`TextEncoder` maps those to a conditioning vector. The
  empty caption maps to the zero vector, which serves as the null condition.
* :class:`LabelVelocityField` and :class:`CaptionVelocityField` are velocity
  networks ``v(x, t, c)`` conditioned on a class index (with one extra index for
  "no label") or on a caption (an index into the model's table of captions,
  with the empty caption as "no caption").
* :class:`DigitClassifier`, :func:`train_classifier` and
  :func:`per_class_accuracy` evaluate samples with a classifier trained on the
  real digits.
"""

from __future__ import annotations

import re

import numpy as np
import torch
from torch import nn

from genmod.data import digits
from genmod.nn import MLP, time_features
from genmod.training import train

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
STYLE_WORDS = ("thin", "bold")
VOCABULARY = ("a",) + STYLE_WORDS + DIGIT_WORDS


def ink(images: torch.Tensor) -> torch.Tensor:
    """Total ink of each image, shape ``(n,)``, for images in ``[-1, 1]`` or ``[0, 1]``.

    Pixels are mapped to ``[0, 1]`` first when the images hold negative values.
    """
    x = images if images.min() >= 0 else (images + 1) / 2
    return x.sum(dim=1)


def caption_for(label: int, style: str | None = None) -> str:
    """The templated caption of a digit: ``"a seven"`` or, with a style, ``"a thin seven"``."""
    if style is None:
        return f"a {DIGIT_WORDS[label]}"
    if style not in STYLE_WORDS:
        raise ValueError(f"style must be one of {STYLE_WORDS}, not {style!r}")
    return f"a {style} {DIGIT_WORDS[label]}"


def digits_with_captions(scale: str = "symmetric") -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """The 1,797 digits, their labels and one caption each.

    An image is *thin* when its ink is below the median ink of its class and
    *bold* otherwise, so each of the 20 captions covers about half a class.
    Returns ``(images (1797, 64), labels (1797,), captions)``.
    """
    x, y = digits(scale)
    amount = ink(x)
    captions = []
    for i in range(len(y)):
        same = amount[y == y[i]]
        style = "thin" if amount[i] < same.median() else "bold"
        captions.append(caption_for(int(y[i]), style))
    return x, y, captions


def split(n: int, test_fraction: float = 0.25, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded random split of ``range(n)`` into train and test indices."""
    perm = torch.as_tensor(np.random.default_rng(seed).permutation(n))
    n_test = int(round(test_fraction * n))
    return perm[n_test:], perm[:n_test]


class BagOfWords:
    """Word counts over a fixed vocabulary; words outside it are ignored.

    ``BagOfWords()(["a thin seven", ""])`` is a float tensor of shape
    ``(2, len(VOCABULARY))``; the empty caption is the zero row.
    """

    def __init__(self, vocabulary=VOCABULARY):
        self.vocabulary = tuple(vocabulary)
        self.index = {w: i for i, w in enumerate(self.vocabulary)}

    def __len__(self):
        return len(self.vocabulary)

    def tokens(self, caption: str) -> list[str]:
        return [w for w in re.findall(r"[a-z]+", caption.lower()) if w in self.index]

    def __call__(self, captions) -> torch.Tensor:
        out = torch.zeros(len(captions), len(self.vocabulary))
        for row, caption in enumerate(captions):
            for w in self.tokens(caption):
                out[row, self.index[w]] += 1.0
        return out


class TextEncoder(nn.Module):
    """A tiny text encoder: word counts -> embedding, ``tanh(W counts)`` with no bias.

    Without a bias the empty caption (all counts zero) maps to the zero vector,
    which is then the null condition of classifier-free guidance.
    """

    def __init__(self, vocab_size: int, dim: int = 32):
        super().__init__()
        self.proj = nn.Linear(vocab_size, dim, bias=False)

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.proj(counts))


class LabelVelocityField(nn.Module):
    """A velocity ``v(x, t, labels)`` conditioned on a class index.

    ``labels`` is a long tensor of shape ``(n,)`` with values in
    ``0..n_classes``; the extra index ``n_classes`` (``self.null_index``) is the
    learned "no label" embedding. ``t`` is a float or a tensor of shape ``(n,)``.
    """

    def __init__(self, dim: int = 64, n_classes: int = 10, hidden: int = 256, depth: int = 3,
                 emb_dim: int = 32, n_freq: int = 4):
        super().__init__()
        self.n_classes, self.null_index, self.n_freq = n_classes, n_classes, n_freq
        self.embedding = nn.Embedding(n_classes + 1, emb_dim)
        self.net = MLP(dim + 1 + 2 * n_freq + emb_dim, dim, hidden, depth)

    def forward(self, x: torch.Tensor, t, labels: torch.Tensor) -> torch.Tensor:
        tf = time_features(t, x.shape[0], self.n_freq).to(x.dtype)
        return self.net(torch.cat([x, tf, self.embedding(labels).to(x.dtype)], dim=1))


class CaptionVelocityField(nn.Module):
    """A velocity ``v(x, t, cond)`` conditioned on captions through a :class:`TextEncoder`.

    The model keeps a table of captions: ``cond`` holds indices into it, so the
    losses, guided fields and samplers written for class labels work unchanged.
    The table starts with the distinct training captions, then the empty caption
    at ``self.null_index`` (the null condition: zero word counts, zero
    embedding); :meth:`index` appends any new prompt. The text encoder is part of
    the model and trains with it.
    """

    def __init__(self, captions, dim: int = 64, hidden: int = 256, depth: int = 3, text_dim: int = 32,
                 n_freq: int = 4, bag: BagOfWords | None = None):
        super().__init__()
        self.n_freq = n_freq
        self.bag = bag or BagOfWords()
        distinct = sorted(set(captions))
        self.captions = distinct + [""]
        self.null_index = len(distinct)
        self.register_buffer("counts", self.bag(self.captions))
        self.text = TextEncoder(len(self.bag), text_dim)
        self.net = MLP(dim + 1 + 2 * n_freq + text_dim, dim, hidden, depth)

    def index(self, captions) -> torch.Tensor:
        """Indices of ``captions`` in the table, shape ``(n,)``; unseen prompts are appended."""
        new = [c for c in dict.fromkeys(captions) if c not in self.captions]
        if new:
            self.captions += new
            self.counts = torch.cat([self.counts, self.bag(new).to(self.counts)])
        where = {c: i for i, c in enumerate(self.captions)}
        return torch.tensor([where[c] for c in captions], dtype=torch.long)

    def forward(self, x: torch.Tensor, t, cond: torch.Tensor) -> torch.Tensor:
        tf = time_features(t, x.shape[0], self.n_freq).to(x.dtype)
        return self.net(torch.cat([x, tf, self.text(self.counts[cond]).to(x.dtype)], dim=1))


class DigitClassifier(nn.Module):
    """An MLP classifier of 64-pixel digits, returning logits of shape ``(n, 10)``."""

    def __init__(self, dim: int = 64, n_classes: int = 10, hidden: int = 128, depth: int = 2):
        super().__init__()
        self.net = MLP(dim, n_classes, hidden, depth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def train_classifier(images: torch.Tensor, labels: torch.Tensor, steps: int = 300, batch: int = 256,
                     lr: float = 3e-3, noise: float = 0.1, seed: int = 0) -> DigitClassifier:
    """Train a :class:`DigitClassifier` on the given digits (seeded; a second or two on one core).

    Light Gaussian pixel noise during training keeps the classifier from relying on
    exact pixel values that a generative model only approximates.
    """
    torch.manual_seed(seed)
    model = DigitClassifier(images.shape[1], int(labels.max()) + 1)
    gen = torch.Generator().manual_seed(seed)

    def loss_fn(step):
        idx = torch.randint(len(images), (batch,), generator=gen)
        x = images[idx] + noise * torch.randn(batch, images.shape[1], generator=gen)
        return nn.functional.cross_entropy(model(x), labels[idx])

    train(model, loss_fn, steps, lr=lr, desc="digit classifier")
    model.eval()
    return model


@torch.no_grad()
def per_class_accuracy(classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor,
                       n_classes: int = 10) -> torch.Tensor:
    """Fraction of the images of each class that ``classifier`` assigns to that class, shape ``(n_classes,)``.

    A class with no image gets ``nan``.
    """
    pred = classifier(images.float()).argmax(dim=1)
    acc = torch.full((n_classes,), float("nan"))
    for c in range(n_classes):
        mask = labels == c
        if mask.any():
            acc[c] = (pred[mask] == c).float().mean()
    return acc
