"""Collecting submissions from a learning-management system's download.

An LMS hands the instructor a zip (or a folder) of files named after the
students, in its own scheme. ``collect`` turns it into the layout
``python -m grader autograde`` reads::

    <into>/<student>/<lab>.ipynb
    <into>/<student>/timestamp.txt      e.g. "2026-11-23 12:00:00.000000 UTC" (nbgrader's format)

The rules, each there because the alternative loses or corrupts a grade:

* Every file of the download ends up in the report (``<into>/collect-report.csv``):
  collected, replaced by a later one, kept out by a newer one already
  collected, rejected with the reason, or ignored as system clutter.
* Of several files for one student the latest wins, by the time in the file
  name when the pattern has a ``timestamp`` group, else the zip entry's date or
  the file's modification time. Two different files at the same time are
  ambiguous and neither is taken.
* A submission collected by an earlier run is replaced only by a later one.
* The download is only read. The zip is never extracted as such: each entry is
  read through a size limit, and written to a path made from the student id
  alone, so no entry name (``../../x``, ``/etc/x``, a symbolic link) can place
  a file anywhere else.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterator

from grader.course import GraderError, check_id, check_lab
from grader.notebooks import read_notebook

# Matched against the whole path of a file inside the download ('/'-separated).
# Canvas: "smithjane_late_123456_7890123_flow_matching-1.ipynb" (the number
# after the name is the Canvas user id: it becomes the student id, which is what
# `report --lms canvas` puts in Canvas' ID column).
# Moodle: "Jane Smith_123456_assignsubmission_file_/flow_matching.ipynb", or the
# same without the folder (the number is the participant id of Moodle's grading
# worksheet). Plain: "<student>.ipynb" at the top of the download.
PRESETS = {
    "canvas": r"(?:.*/)?(?P<name>[^/_]+)_(?i:late_)?(?P<student>\d+)_(?P<submission>\d+)_(?P<filename>[^/]+)",
    "moodle": r"(?:.*/)?(?P<name>[^/]+?)_(?P<student>\d+)_assignsubmission_[a-z]+_/?(?P<filename>[^/]+)",
    "plain": r"(?P<student>[^/]+?)(?:\.[^./]*)?",
}
REPORT_NAME = "collect-report.csv"
REPORT_FIELDS = ["source", "student", "timestamp", "action", "reason"]
MAX_FILE_MB = 64        # a lab notebook with all its figures is a few MB
MAX_TOTAL_MB = 4096     # a class of several hundred
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
# Not submissions, but listed in the report all the same.
CLUTTER = ("__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", ".ipynb_checkpoints")


def compile_pattern(pattern: str) -> re.Pattern:
    """A preset name or a regular expression with a named group ``student``."""
    source = PRESETS.get(pattern, pattern)
    try:
        regex = re.compile(source)
    except re.error as exc:
        raise GraderError(f"--pattern {pattern!r} is not a valid regular expression ({exc})") from None
    if "student" not in regex.groupindex:
        raise GraderError(f"--pattern {pattern!r} has no group (?P<student>...); "
                          f"or use one of: {', '.join(PRESETS)}")
    return regex


def parse_time(text: str) -> datetime:
    """A time in UTC from the formats LMSs and nbgrader write; a time without a zone is local time."""
    text = text.strip()
    utc = text.endswith((" UTC", "Z"))
    bare = text.removesuffix(" UTC")
    formats = ["%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d-%H-%M-%S",
               "%Y-%m-%d_%H-%M-%S", "%Y%m%d%H%M%S", "%Y%m%d-%H%M%S"]
    try:
        when = datetime.fromisoformat(bare)
    except ValueError:
        for fmt in formats:
            try:
                when = datetime.strptime(bare, fmt)
                break
            except ValueError:
                continue
        else:
            raise GraderError(f"time {text!r} not understood (use e.g. 2026-11-23T12:00:00)") from None
    if when.tzinfo is None:
        # astimezone() reads a naive time as this machine's local time, as zipfile writes it.
        when = when.replace(tzinfo=timezone.utc) if utc else when.astimezone()
    return when.astimezone(timezone.utc)


def format_time(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime(TIME_FORMAT)


@dataclass
class Row:
    """One line of the report: what happened to one file."""
    source: str
    student: str = ""
    timestamp: str = ""
    action: str = ""        # collected, replaced, kept, unchanged, duplicate, rejected, ignored
    reason: str = ""


@dataclass
class Candidate:
    row: Row
    when: datetime
    staged: Path
    digest: str


@dataclass
class CollectReport:
    lab: str
    into: Path
    rows: list[Row] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(r.action == action for r in self.rows)

    def summary(self) -> str:
        lines = [f"collected {self.count('collected')} submission(s) of {self.lab} into {self.into}"]
        titles = {"replaced": "replaced by a later submission",
                  "kept": "not collected: the one collected earlier is kept",
                  "unchanged": "collected earlier, unchanged", "duplicate": "duplicates",
                  "rejected": "rejected", "ignored": "ignored (system files)"}
        for action, title in titles.items():
            rows = [r for r in self.rows if r.action == action]
            if rows:
                lines.append(f"{title}: {len(rows)}")
                if action != "unchanged":
                    lines += [f"  {r.source}" + (f" [{r.student}]" if r.student else "") + f": {r.reason}"
                              for r in rows]
        lines.append(f"report: {self.into / REPORT_NAME}")
        return "\n".join(lines)


# --- Reading the download: (path inside it, fallback time, opener) per file ---------------

class _TooBig(Exception):
    pass


def _copy_limited(src: BinaryIO, dest: Path, limit: int) -> int:
    """Copy at most ``limit`` bytes; the size a zip header claims is not trusted."""
    n = 0
    with dest.open("wb") as out:
        while chunk := src.read(1 << 20):
            n += len(chunk)
            if n > limit:
                raise _TooBig
            out.write(chunk)
    return n


def _unsafe(name: str) -> bool:
    p = PurePosixPath(name)
    return p.is_absolute() or ".." in p.parts or re.match(r"^[A-Za-z]:", name) is not None


def _is_clutter(path: str) -> bool:
    return any(part in CLUTTER or part.startswith("._") for part in PurePosixPath(path).parts)


Entry = tuple[str, datetime | None, Callable[[], BinaryIO] | None, str]   # path, time, opener, problem


def _zip_entries(zf: zipfile.ZipFile, max_file: int) -> Iterator[Entry]:
    for info in zf.infolist():
        name = info.filename.replace("\\", "/")
        if name.endswith("/"):
            continue                      # a folder: its files have entries of their own
        try:
            when = datetime(*info.date_time).astimezone(timezone.utc)
        except ValueError:
            when = None                   # some zip writers leave the date at zero
        if _unsafe(name):
            yield name, when, None, "unsafe path in the zip (absolute or with '..'): not read"
        elif stat.S_ISLNK(info.external_attr >> 16):
            yield name, when, None, "symbolic link in the zip: not followed"
        elif info.flag_bits & 0x1:
            yield name, when, None, "encrypted zip entry: cannot be read"
        elif info.file_size > max_file:
            yield name, when, None, f"{info.file_size / 2**20:.0f} MB unpacked, over the {max_file // 2**20} MB limit"
        else:
            yield name, when, (lambda info=info: zf.open(info)), ""


def _folder_entries(top: Path, max_file: int) -> Iterator[Entry]:
    errors: list[OSError] = []            # os.walk skips a folder it cannot list; we say so

    def unreadable() -> Iterator[Entry]:
        while errors:
            exc = errors.pop()
            yield Path(exc.filename).relative_to(top).as_posix() + "/", None, None, \
                f"folder cannot be read ({exc.strerror})"

    for root, dirs, files in os.walk(top, followlinks=False, onerror=errors.append):
        yield from unreadable()
        rel_root = Path(root).relative_to(top)
        for d in sorted(dirs):
            if (Path(root) / d).is_symlink():
                yield (rel_root / d).as_posix() + "/", None, None, "symbolic link to a folder: not followed"
        dirs[:] = sorted(d for d in dirs if not (Path(root) / d).is_symlink())
        for name in sorted(files):
            path, rel = Path(root) / name, (rel_root / name).as_posix()
            info = os.lstat(path)
            when = datetime.fromtimestamp(info.st_mtime, timezone.utc)
            if stat.S_ISLNK(info.st_mode):
                yield rel, when, None, "symbolic link: not followed"
            elif not stat.S_ISREG(info.st_mode):
                yield rel, when, None, "not a regular file"
            elif info.st_size > max_file:
                yield rel, when, None, f"{info.st_size / 2**20:.0f} MB, over the {max_file // 2**20} MB limit"
            else:
                yield rel, when, (lambda path=path: path.open("rb")), ""
    yield from unreadable()


# --- Collecting ---------------------------------------------------------------------------

def _read_existing(folder: Path, lab: str) -> tuple[datetime | None, str] | None:
    """Time and content hash of a submission collected earlier, None if there is none."""
    nb = folder / f"{lab}.ipynb"
    if not nb.is_file():
        return None
    digest = hashlib.sha256(nb.read_bytes()).hexdigest()
    try:
        return parse_time((folder / "timestamp.txt").read_text()), digest
    except (OSError, GraderError):
        return None, digest


def collect(lab: str, download: Path, into: Path, pattern: str = "plain",
            max_file_mb: float = MAX_FILE_MB, max_total_mb: float = MAX_TOTAL_MB) -> CollectReport:
    """Collect the notebooks of ``download`` (a zip or a folder) into ``into``; see the module's rules."""
    check_lab(lab)
    regex = compile_pattern(pattern)
    download, into = Path(download).resolve(), Path(into).resolve()
    if not download.exists():
        raise GraderError(f"{download}: no such file or folder")
    if download.is_dir() and (into == download or download in into.parents):
        raise GraderError(f"--into {into} is inside the download {download}, which collect never writes to")
    if not download.is_dir() and not zipfile.is_zipfile(download):
        raise GraderError(f"{download}: neither a folder nor a zip file")
    max_file, budget = int(max_file_mb * 2**20), _Budget(int(max_total_mb * 2**20))

    report = CollectReport(lab, into)
    into.mkdir(parents=True, exist_ok=True)
    # Staged inside `into` so that the final move is a rename on one file system;
    # the leading dot keeps it out of autograde's sight if a run is killed.
    staging = Path(tempfile.mkdtemp(prefix=".collect-", dir=into))
    try:
        with (zipfile.ZipFile(download) if download.is_file() else contextlib.nullcontext()) as zf:
            entries = _zip_entries(zf, max_file) if zf is not None else _folder_entries(download, max_file)
            candidates: dict[str, list[Candidate]] = {}
            for n, (path, when, opener, problem) in enumerate(entries):
                row = Row(path, timestamp=format_time(when) if when else "")
                report.rows.append(row)
                if _is_clutter(path):
                    row.action, row.reason = "ignored", "system or hidden file, not a submission"
                    continue
                cand = _admit(row, n, lab, regex, when, opener, problem, staging, max_file, budget)
                if cand:
                    candidates.setdefault(cand.row.student, []).append(cand)
        if not report.rows:
            raise GraderError(f"{download}: no files in it")
        for student, cands in sorted(candidates.items()):
            _settle(lab, student, cands, into, report)
        _write_report(report.rows, into / REPORT_NAME)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


@dataclass
class _Budget:
    """Bytes the download may still unpack to: every byte read counts, kept or not."""
    left: int


def _admit(row: Row, n: int, lab: str, regex: re.Pattern, when, opener, problem: str,
           staging: Path, max_file: int, budget: _Budget) -> Candidate | None:
    """Check one file of the download and stage it; fill in ``row`` when it is rejected."""
    def reject(reason: str) -> None:
        row.action, row.reason = "rejected", reason

    if problem:
        return reject(problem)
    m = regex.fullmatch(row.source)
    if not m or not m.group("student"):
        return reject("file name matches no pattern")
    row.student = m.group("student")
    try:
        check_id("student id", row.student)
    except GraderError as exc:
        return reject(str(exc))
    if row.student == lab:
        return reject("the file is named after the lab, not a student; take the id from the folder "
                      "with --pattern")
    if not row.source.lower().endswith(".ipynb"):
        return reject("not a notebook (.ipynb)")
    if m.groupdict().get("timestamp"):
        try:
            when = parse_time(m.group("timestamp"))
        except GraderError as exc:
            return reject(str(exc))
        row.timestamp = format_time(when)
    if when is None:
        return reject("the zip gives this file no valid date, and the pattern has no timestamp group")
    if budget.left <= 0:
        return reject("not read: the download's total size limit is used up (see --max-total-mb)")
    staged, limit = staging / f"{n}.ipynb", min(max_file, budget.left)
    try:
        with opener() as src:
            budget.left -= _copy_limited(src, staged, limit)
    except _TooBig:
        budget.left -= limit
        staged.unlink()
        what = "file" if limit == max_file else "download's total"
        return reject(f"unpacks to more than the {what} size limit (see --max-file-mb, --max-total-mb)")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        staged.unlink(missing_ok=True)
        return reject(f"cannot be read ({type(exc).__name__}: {exc})")
    try:
        read_notebook(staged)
    except GraderError as exc:
        staged.unlink()
        return reject(str(exc).removeprefix(f"{staged}: "))
    return Candidate(row, when, staged, hashlib.sha256(staged.read_bytes()).hexdigest())


def _settle(lab: str, student: str, cands: list[Candidate], into: Path, report: CollectReport) -> None:
    """Keep the latest of one student's files, against the download and what ``into`` holds."""
    cands.sort(key=lambda c: c.when)
    latest = cands[-1]
    ties = [c for c in cands if c.when == latest.when]
    if len({c.digest for c in ties}) > 1:
        for c in ties:
            c.row.action = "rejected"
            c.row.reason = (f"{len(ties)} different files at the same time "
                            f"({', '.join(t.row.source for t in ties)}); keep one by hand")
        latest = None
    for c in cands:
        if c is latest or c.row.action:
            continue
        if c.when == latest.when:
            c.row.action, c.row.reason = "duplicate", f"same file as {latest.row.source}"
        else:
            c.row.action = "replaced"
            c.row.reason = f"replaced by the later {latest.row.source} ({format_time(latest.when)})"
    if latest is None:
        return

    folder = into / student
    existing = _read_existing(folder, lab)
    earlier = ""
    if existing is not None:
        old_time, old_digest = existing
        if old_time is None:
            latest.row.action = "kept"
            latest.row.reason = (f"{folder} holds a submission without a readable timestamp.txt; "
                                 f"remove it to collect this one")
            return
        if old_time > latest.when or (old_time == latest.when and old_digest != latest.digest):
            latest.row.action = "kept"
            latest.row.reason = (f"{folder / (lab + '.ipynb')} ({format_time(old_time)}) is kept: "
                                 + ("it is later" if old_time > latest.when else "same time, different file"))
            return
        if old_time == latest.when:
            latest.row.action, latest.row.reason = "unchanged", "collected already"
            return
        earlier = format_time(old_time)
        report.rows.append(Row(f"{folder / (lab + '.ipynb')}", student, earlier, "replaced",
                               f"collected earlier; replaced by the later {latest.row.source}"))
    folder.mkdir(parents=True, exist_ok=True)
    # The notebook first, then its time: a run killed in between leaves an older
    # time on the newer file, which the next run simply collects again.
    os.replace(latest.staged, folder / f"{lab}.ipynb")
    tmp = folder / ".timestamp.txt.tmp"
    tmp.write_text(format_time(latest.when) + "\n")
    os.replace(tmp, folder / "timestamp.txt")
    latest.row.action = "collected"
    latest.row.reason = f"replaces the one collected earlier ({earlier})" if earlier else ""


def _write_report(rows: list[Row], path: Path) -> None:
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=REPORT_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: getattr(r, k) for k in REPORT_FIELDS})
    tmp.replace(path)
