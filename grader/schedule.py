"""The course's weekly schedule and late policy, read from ``schedule.yml``.

One file says when each lab is handed out and due; the book's Schedule page
(``_ext/course_schedule.py``), ``release --week`` and ``autograde`` all read it
through :func:`load_schedule`, which checks the whole file and answers a
mistake with one line naming the entry (a ``GraderError``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from grader.course import REPO, GraderError, available_labs

SCHEDULE = REPO / "schedule.yml"
DAY = 86400.0

_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)(?:\.\d+)?\s*(.*)$")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


@dataclass(frozen=True)
class LatePolicy:
    """Points off a late submission: ``penalty_per_day`` of the lab's points for each day
    or part of a day after the due date, floored at zero; later than ``cutoff_days``
    (when set), the whole score."""

    penalty_per_day: float = 0.0
    cutoff_days: float | None = None

    def days_late(self, seconds_late: float) -> int:
        return math.ceil(seconds_late / DAY) if seconds_late > 0 else 0

    def penalty(self, score: float, max_score: float, seconds_late: float) -> float:
        """The points taken off ``score`` (never more than ``score``)."""
        if seconds_late <= 0:
            return 0.0
        if self.cutoff_days is not None and seconds_late > self.cutoff_days * DAY:
            return score
        # Rounded, so that 0.1 x 3 days x 25 points is 7.5, not 7.500000000000001.
        return round(min(score, self.penalty_per_day * self.days_late(seconds_late) * max_score), 6)

    def describe(self) -> str:
        parts = [f"{self.penalty_per_day:.0%} of the points per day or part of a day late"
                 if self.penalty_per_day else "no penalty per day"]
        if self.cutoff_days is not None:
            parts.append(f"zero after {self.cutoff_days:g} day(s)")
        return ", ".join(parts)

    def as_dict(self) -> dict:
        return {"penalty_per_day": self.penalty_per_day, "cutoff_days": self.cutoff_days}

    @classmethod
    def from_dict(cls, data: dict | None) -> "LatePolicy":
        data = data or {}
        return cls(float(data.get("penalty_per_day") or 0.0),
                   None if data.get("cutoff_days") is None else float(data["cutoff_days"]))


@dataclass(frozen=True)
class Week:
    week: int
    chapter: str                  # docname, e.g. chapters/flow_matching
    lab: str | None
    release: datetime | None      # aware
    due: datetime | None          # aware


@dataclass
class Schedule:
    weeks: list[Week]
    late_policy: LatePolicy = field(default_factory=LatePolicy)
    path: Path = SCHEDULE

    def week(self, number: int) -> Week:
        for w in self.weeks:
            if w.week == number:
                return w
        known = ", ".join(str(w.week) for w in self.weeks) or "none"
        raise GraderError(f"{self.path.name}: no week {number} (weeks: {known})")

    def for_lab(self, lab: str) -> Week | None:
        return next((w for w in self.weeks if w.lab == lab), None)


def parse_when(text: str) -> datetime:
    """An aware datetime from ``YYYY-MM-DD HH:MM[:SS] ZONE`` (ZONE: an IANA name, UTC, Z or
    +HH:MM), or ISO 8601 with an offset; ``ValueError`` saying what is wrong otherwise."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    m = _DATE.match(str(text).strip())
    if not m:
        raise ValueError(f"{text!r} is not 'YYYY-MM-DD HH:MM ZONE'")
    day, clock, zone = m.groups()
    if clock.count(":") == 1:
        clock += ":00"
    try:
        naive = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ValueError(f"{text!r}: no such date or time") from None
    zone = zone.strip()
    if not zone:
        raise ValueError(f"{text!r} has no time zone (add one: UTC, +01:00 or an IANA name "
                         f"such as Europe/London)")
    if zone in ("Z", "UTC", "GMT"):
        return naive.replace(tzinfo=timezone.utc)
    off = _OFFSET.match(zone)
    if off:
        sign, hours, minutes = off.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return naive.replace(tzinfo=timezone(-delta if sign == "-" else delta))
    try:
        return naive.replace(tzinfo=ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{text!r}: unknown time zone {zone!r}") from None


def nbgrader_date(when: datetime) -> str:
    """The form nbgrader's gradebook parses without guessing: UTC, named."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _yaml_loader():
    import yaml

    class Loader(yaml.SafeLoader):
        """YAML without implicit timestamps: a date stays the text that was written, so a
        missing time zone is seen rather than silently read as UTC."""

    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return Loader


def _number(value, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GraderError(f"{where}: {what} must be a number, not {value!r}")
    return float(value)


def _late_policy(data, name: str) -> LatePolicy:
    where = f"{name}: late_policy"
    if data is None:
        return LatePolicy()
    if not isinstance(data, dict):
        raise GraderError(f"{where}: expected penalty_per_day and cutoff_days, not {data!r}")
    unknown = sorted(set(data) - {"penalty_per_day", "cutoff_days"})
    if unknown:
        raise GraderError(f"{where}: unknown key {unknown[0]!r} (keys: penalty_per_day, cutoff_days)")
    per_day = _number(data.get("penalty_per_day", 0.0), "penalty_per_day", where)
    if not 0 <= per_day <= 1:
        raise GraderError(f"{where}: penalty_per_day is a fraction of the points, between 0 and 1, "
                          f"not {per_day:g}")
    cutoff = data.get("cutoff_days")
    if cutoff is not None:
        cutoff = _number(cutoff, "cutoff_days", where)
        if cutoff < 0:
            raise GraderError(f"{where}: cutoff_days must not be negative ({cutoff:g})")
    return LatePolicy(per_day, cutoff)


WEEK_KEYS = ("week", "chapter", "lab", "release", "due")


def _week(entry, index: int, name: str, labs: list[str], book: Path) -> Week:
    if not isinstance(entry, dict):
        raise GraderError(f"{name}: weeks entry {index + 1} is not a mapping of {', '.join(WEEK_KEYS)}")
    number = entry.get("week")
    where = f"{name}: week {number}" if number is not None else f"{name}: weeks entry {index + 1}"
    if entry.get("lab"):
        where += f" ({entry['lab']})"
    unknown = sorted(set(entry) - set(WEEK_KEYS))
    if unknown:
        raise GraderError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(WEEK_KEYS)})")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise GraderError(f"{where}: 'week' must be a number from 1, not {number!r}")
    chapter = entry.get("chapter")
    if not isinstance(chapter, str) or not chapter:
        raise GraderError(f"{where}: no chapter (e.g. chapter: chapters/flow_matching)")
    chapter = chapter.removesuffix(".md")
    if not (book / f"{chapter}.md").is_file():
        raise GraderError(f"{where}: chapter {chapter!r}: there is no {chapter}.md")
    lab = entry.get("lab")
    if lab is not None and lab not in labs:
        raise GraderError(f"{where}: unknown lab {lab!r} (labs: {', '.join(labs)})")
    dates = {}
    for key in ("release", "due"):
        value = entry.get(key)
        if value is None:
            if lab is not None:
                raise GraderError(f"{where}: no {key} date for its lab")
            dates[key] = None
            continue
        try:
            dates[key] = parse_when(value)
        except ValueError as exc:
            raise GraderError(f"{where}: {key}: {exc}") from None
    if dates["release"] and dates["due"] and dates["due"] <= dates["release"]:
        raise GraderError(f"{where}: due {entry['due']} is not after release {entry['release']}")
    return Week(number, chapter, lab, dates["release"], dates["due"])


def load_schedule(path: Path = SCHEDULE, labs: list[str] | None = None) -> Schedule:
    """Read and check ``schedule.yml``; a ``GraderError`` naming the entry when it is wrong."""
    import yaml

    path = Path(path)
    name = path.name
    labs = available_labs() if labs is None else labs
    try:
        data = yaml.load(path.read_text(), Loader=_yaml_loader())
    except OSError as exc:
        raise GraderError(f"{path}: cannot read the schedule ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise GraderError(f"{name}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("weeks"), list):
        raise GraderError(f"{name}: expected a 'weeks:' list (and an optional 'late_policy:')")
    unknown = sorted(set(data) - {"weeks", "late_policy"})
    if unknown:
        raise GraderError(f"{name}: unknown key {unknown[0]!r} (keys: weeks, late_policy)")
    policy = _late_policy(data.get("late_policy"), name)
    weeks = [_week(e, i, name, labs, path.parent) for i, e in enumerate(data["weeks"])]
    seen_weeks: dict[int, Week] = {}
    seen_labs: dict[str, Week] = {}
    for w in weeks:
        if w.week in seen_weeks:
            raise GraderError(f"{name}: week {w.week} appears twice")
        if seen_weeks and w.week < max(seen_weeks):
            raise GraderError(f"{name}: week {w.week} comes after week {max(seen_weeks)}: "
                              f"list the weeks in order")
        if w.lab is not None and w.lab in seen_labs:
            raise GraderError(f"{name}: week {w.week} ({w.lab}): lab {w.lab!r} is already "
                              f"in week {seen_labs[w.lab].week}")
        seen_weeks[w.week] = w
        if w.lab is not None:
            seen_labs[w.lab] = w
    return Schedule(weeks, policy, path)


def describe_when(when: datetime) -> str:
    """A date as the schedule page shows it, in the zone it was written in."""
    return f"{when.strftime('%a %d %b %Y, %H:%M')} {when.tzname() or ''}".strip()
