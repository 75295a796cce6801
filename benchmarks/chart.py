"""A PNG chart of the latest results (matplotlib, from the ``dev`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draw(results: dict[str, Any], path: Path) -> bool:
    """Draw CPU per request and batch speed-ups; ``False`` when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    cpu = results.get("cpu_us_per_request", {})
    batch = results.get("batch_seconds", {})
    panels = [p for p in (cpu, batch) if p]
    figure, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.5), squeeze=False)
    index = 0
    if cpu:
        ax = axes[0][index]
        names = list(cpu)
        ax.barh(names, [cpu[n] for n in names], color="#4477aa")
        ax.invert_yaxis()
        ax.set_xlabel("client CPU µs per request (lower is better)")
        ax.set_title("One GET of a Keystone record")
        for y, name in enumerate(names):
            ax.text(cpu[name], y, f" {cpu[name]:.0f}", va="center")
        index += 1
    if batch:
        ax = axes[0][index]
        base = batch["sequential"]
        names = list(batch)
        speedups = [base / batch[n] for n in names]
        ax.barh(names, speedups, color="#228833")
        ax.invert_yaxis()
        ax.set_xlabel("speed-up vs sequential (higher is better)")
        ax.set_title(results.get("batch_title", "Batch of GETs"))
        ax.set_xlim(0, max(speedups) * 1.15)  # room for the figures at the bars' ends
        for y, value in enumerate(speedups):
            ax.text(value, y, f" {value:.1f}x", va="center")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
