"""Grade tables: the CSV an LMS imports, and the console table the tests print."""

from __future__ import annotations

import csv
from pathlib import Path

from grader.nbgrader_run import Result

CSV_FIELDS = ["student_id", "lab", "score", "max_score", "status", "detail"]


def write_csv(results: list[Result], path: Path) -> Path:
    """Write one row per submission. Written to a temporary file first, then renamed,
    so an interrupted run never leaves a half-written grade file behind."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for r in results:
            w.writerow({"student_id": r.student, "lab": r.lab, "score": f"{r.score:g}",
                        "max_score": f"{r.max_score:g}", "status": r.status, "detail": r.detail})
    tmp.replace(path)
    return path


def format_table(results: list[Result], title: str = "") -> str:
    name_w = max([len("student")] + [len(r.student) for r in results])
    lines = [title] if title else []
    lines.append(f"{'student':<{name_w}}  {'score':>11}  status")
    for r in results:
        score = f"{r.score:g}/{r.max_score:g}"
        extra = f"  {r.detail}" if r.detail else ""
        lines.append(f"{r.student:<{name_w}}  {score:>11}  {r.status}{extra}")
    return "\n".join(lines)
