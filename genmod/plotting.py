"""One plotting style for the whole book, and the figures that recur across chapters."""

from __future__ import annotations

import re
from typing import Callable, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch

DATA_COLOR = "#4C72B0"
MODEL_COLOR = "#DD8452"
SOURCE_COLOR = "#8C8C8C"
LIMITS = (-3.2, 3.2)


def use_style() -> None:
    """Apply the book's matplotlib style (called by :func:`genmod.setup_notebook`)."""
    matplotlib.rcParams.update({
        "figure.figsize": (6.0, 4.0),
        "figure.dpi": 100,
        "savefig.dpi": 120,
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.25,
        "legend.frameon": False,
        "animation.html": "jshtml",
        "animation.embed_limit": 8.0,
    })


def _np(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def scatter(ax: plt.Axes, x, color: str = DATA_COLOR, label: str | None = None,
            s: float = 3.0, alpha: float = 0.5, limits=LIMITS) -> plt.Axes:
    """A 2D point cloud on square axes with the book's default limits."""
    x = _np(x)
    ax.scatter(x[:, 0], x[:, 1], s=s, alpha=alpha, color=color, label=label, linewidths=0)
    ax.set_aspect("equal")
    if limits is not None:
        ax.set_xlim(*limits)
        ax.set_ylim(*limits)
    return ax


def compare_samples(data, samples, titles=("data", "model"), suptitle: str | None = None):
    """Data next to model samples, same axes: the standard 'did it work' figure."""
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.5), sharex=True, sharey=True)
    scatter(axes[0], data, DATA_COLOR)
    scatter(axes[1], samples, MODEL_COLOR)
    for ax, title in zip(axes, titles):
        ax.set_title(title)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_trajectories(ax: plt.Axes, traj, n_show: int = 200, limits=LIMITS) -> plt.Axes:
    """Paths of an ODE solution ``traj`` of shape ``(steps + 1, n, 2)``: grey start, coloured end."""
    traj = _np(traj)[:, :n_show]
    ax.plot(traj[:, :, 0], traj[:, :, 1], color="k", alpha=0.15, lw=0.6)
    ax.scatter(traj[0, :, 0], traj[0, :, 1], s=4, color=SOURCE_COLOR, label="$t=0$", zorder=3)
    ax.scatter(traj[-1, :, 0], traj[-1, :, 1], s=4, color=MODEL_COLOR, label="$t=1$", zorder=3)
    ax.set_aspect("equal")
    if limits is not None:
        ax.set_xlim(*limits)
        ax.set_ylim(*limits)
    ax.legend(loc="upper right", markerscale=3)
    return ax


def plot_vector_field(ax: plt.Axes, field: Callable[[torch.Tensor], torch.Tensor],
                      limits=LIMITS, n: int = 17, color: str = "k") -> plt.Axes:
    """Quiver plot of ``field(x)`` (x of shape ``(m, 2)``) on an ``n x n`` grid."""
    g = torch.linspace(limits[0], limits[1], n)
    xx, yy = torch.meshgrid(g, g, indexing="xy")
    pts = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)
    with torch.no_grad():
        v = _np(field(pts))
    ax.quiver(_np(pts[:, 0]), _np(pts[:, 1]), v[:, 0], v[:, 1], color=color, alpha=0.7,
              angles="xy", width=0.004)
    ax.set_aspect("equal")
    ax.set_xlim(*limits)
    ax.set_ylim(*limits)
    return ax


def snapshots(traj, times: Sequence[float], limits=LIMITS, color: str = MODEL_COLOR):
    """A row of scatter plots of ``traj`` (``(steps + 1, n, 2)``) at the given times in [0, 1]."""
    traj = _np(traj)
    steps = traj.shape[0] - 1
    fig, axes = plt.subplots(1, len(times), figsize=(2.2 * len(times), 2.4), sharex=True, sharey=True)
    for ax, t in zip(np.atleast_1d(axes), times):
        scatter(ax, traj[int(round(t * steps))], color, limits=limits, s=2)
        ax.set_title(f"$t = {t:g}$")
        ax.tick_params(labelleft=False, labelbottom=False)
    fig.tight_layout()
    return fig


def animate_trajectories(traj, limits=LIMITS, frames: int = 40, color: str = MODEL_COLOR):
    """A matplotlib animation of particles moving along ``traj`` (embed with :func:`animation_html`)."""
    from matplotlib.animation import FuncAnimation

    traj = _np(traj)
    steps = traj.shape[0] - 1
    idx = np.linspace(0, steps, frames).round().astype(int)
    fig, ax = plt.subplots(figsize=(3.6, 3.6))
    pts = ax.scatter(traj[0, :, 0], traj[0, :, 1], s=3, color=color, alpha=0.6, linewidths=0)
    ax.set_aspect("equal")
    ax.set_xlim(*limits)
    ax.set_ylim(*limits)
    title = ax.set_title("$t = 0.00$")

    def update(i):
        pts.set_offsets(traj[idx[i]])
        title.set_text(f"$t = {idx[i] / steps:.2f}$")
        return pts, title

    anim = FuncAnimation(fig, update, frames=frames, interval=80, blit=False)
    plt.close(fig)
    return anim


def animation_html(anim) -> str:
    """The animation as a self-contained HTML player for a book page: ``anim.to_jshtml()``
    without its ``<link>`` to Font Awesome on a CDN.

    The book's theme ships Font Awesome and draws the player's buttons with it,
    so the page needs no network (the site must work offline).
    """
    return re.sub(r"<link[^>]*font-awesome[^>]*>\s*", "", anim.to_jshtml())


def show_digits(images, nrow: int = 2, ncol: int = 10, title: str | None = None):
    """A grid of 8x8 digit images (rows of ``images`` have 64 pixels)."""
    images = _np(images).reshape(-1, 8, 8)
    fig, axes = plt.subplots(nrow, ncol, figsize=(ncol * 0.7, nrow * 0.7))
    for ax, img in zip(np.ravel(axes), images):
        ax.imshow(img, cmap="gray_r")
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig
