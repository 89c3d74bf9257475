"""Seeding: one function so every notebook is reproducible."""

import random

import numpy as np
import torch


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch; return a fresh ``torch.Generator`` seeded the same.

    Functions in this course take an explicit generator where they draw random
    numbers, so tests do not depend on the global state; the global seed is a
    safety net for everything else (weight initialisation, shuffling).
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
