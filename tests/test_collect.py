"""`collect`: an LMS download becomes <student>/<lab>.ipynb folders; nothing is lost, nothing escapes.

Fast: synthetic notebooks, no grading.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import stat
import zipfile
from datetime import datetime, timezone

import nbformat
import pytest

from conftest import run_grader
from grader.collect import collect, compile_pattern, parse_time
from grader.course import GraderError

LAB = "flow_matching"
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC$")


def notebook(tag: str) -> bytes:
    """A small valid notebook; ``tag`` makes its bytes unique."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"answer = {tag!r}", id="answer")])
    return nbformat.writes(nb).encode()


def make_zip(path, entries):
    """``entries``: (name, bytes, date_time) or a ready ZipInfo with its bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in entries:
            if isinstance(entry[0], zipfile.ZipInfo):
                zf.writestr(entry[0], entry[1])
            else:
                name, data, when = entry
                info = zipfile.ZipInfo(name, date_time=when)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
    return path


def rows_of(into):
    return list(csv.DictReader((into / "collect-report.csv").open()))


def by_source(into):
    return {r["source"]: r for r in rows_of(into)}


def collected(into, student):
    return (into / student / f"{LAB}.ipynb").read_bytes()


def local_as_utc(*date_time):
    return datetime(*date_time).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


T1, T2, T3 = (2026, 11, 20, 9, 0, 0), (2026, 11, 21, 9, 0, 0), (2026, 11, 22, 9, 0, 0)


def test_canvas_download_becomes_one_folder_per_user_id_with_nbgraders_timestamp(tmp_path):
    z = make_zip(tmp_path / "submissions.zip", [
        ("smithjane_123456_7890123_flow_matching.ipynb", notebook("jane"), T1),
        ("doejohn_late_234567_7890124_flow_matching-1.ipynb", notebook("john"), T2),
    ])
    into = tmp_path / "inbox"
    report = collect(LAB, z, into, pattern="canvas")
    assert report.count("collected") == 2 and report.count("rejected") == 0
    assert collected(into, "123456") == notebook("jane")
    assert collected(into, "234567") == notebook("john")
    stamp = (into / "234567" / "timestamp.txt").read_text().strip()
    assert STAMP.match(stamp) and stamp == local_as_utc(*T2)


def test_moodle_download_in_folders_or_flat_is_collected_by_participant_id(tmp_path):
    z = make_zip(tmp_path / "moodle.zip", [
        ("Jane Smith_1001_assignsubmission_file_/flow_matching.ipynb", notebook("jane"), T1),
        ("John Doe_1002_assignsubmission_file_flow_matching.ipynb", notebook("john"), T1),
        ("Ann Lee_1003_assignsubmission_onlinetext_/onlinetext.html", b"<p>see attached</p>", T1),
    ])
    into = tmp_path / "inbox"
    collect(LAB, z, into, pattern="moodle")
    assert collected(into, "1001") == notebook("jane") and collected(into, "1002") == notebook("john")
    rows = by_source(into)
    assert rows["Ann Lee_1003_assignsubmission_onlinetext_/onlinetext.html"]["action"] == "rejected"
    assert "not a notebook" in rows["Ann Lee_1003_assignsubmission_onlinetext_/onlinetext.html"]["reason"]


def test_of_two_files_for_one_student_the_later_is_kept_and_the_earlier_reported(tmp_path):
    z = make_zip(tmp_path / "d.zip", [
        ("smithjane_123456_1_flow_matching.ipynb", notebook("second try"), T2),
        ("smithjane_123456_2_flow_matching.ipynb", notebook("first try"), T1),
    ])
    into = tmp_path / "inbox"
    report = collect(LAB, z, into, pattern="canvas")
    assert collected(into, "123456") == notebook("second try")
    early = by_source(into)["smithjane_123456_2_flow_matching.ipynb"]
    assert early["action"] == "replaced" and "smithjane_123456_1_flow_matching.ipynb" in early["reason"]
    assert "replaced by a later submission: 1" in report.summary()


def test_a_collected_submission_is_replaced_only_by_a_newer_one(tmp_path):
    into = tmp_path / "inbox"
    collect(LAB, make_zip(tmp_path / "week.zip", [("alice.ipynb", notebook("v2"), T2)]), into)

    older = collect(LAB, make_zip(tmp_path / "old.zip", [("alice.ipynb", notebook("v1"), T1)]), into)
    assert collected(into, "alice") == notebook("v2")
    assert older.rows[0].action == "kept" and "it is later" in older.rows[0].reason

    newer = collect(LAB, make_zip(tmp_path / "new.zip", [("alice.ipynb", notebook("v3"), T3)]), into)
    assert collected(into, "alice") == notebook("v3")
    assert (into / "alice" / "timestamp.txt").read_text().strip() == local_as_utc(*T3)
    actions = sorted(r.action for r in newer.rows)
    assert actions == ["collected", "replaced"]          # the new file, and the one it displaced


def test_collecting_the_same_download_twice_changes_nothing(tmp_path):
    z = make_zip(tmp_path / "d.zip", [("alice.ipynb", notebook("a"), T1), ("bob.ipynb", notebook("b"), T1)])
    into = tmp_path / "inbox"
    collect(LAB, z, into)
    again = collect(LAB, z, into)
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"]
    assert collected(into, "alice") == notebook("a")


def test_two_different_files_at_the_same_time_are_ambiguous_and_neither_is_taken(tmp_path):
    z = make_zip(tmp_path / "d.zip", [("smithjane_123456_1_a.ipynb", notebook("a"), T1),
                                      ("smithjane_123456_2_b.ipynb", notebook("b"), T1)])
    into = tmp_path / "inbox"
    collect(LAB, z, into, pattern="canvas")
    assert not (into / "123456").exists()
    assert [r["action"] for r in rows_of(into)] == ["rejected", "rejected"]
    assert "same time" in rows_of(into)[0]["reason"]


def test_a_timestamp_group_in_the_pattern_orders_the_submissions(tmp_path):
    # The zip dates say the opposite; the time in the name wins.
    z = make_zip(tmp_path / "d.zip", [("alice_2026-11-21T10:00:00.ipynb", notebook("late"), T1),
                                      ("alice_2026-11-20T10:00:00.ipynb", notebook("early"), T3)])
    into = tmp_path / "inbox"
    collect(LAB, z, into, pattern=r"(?P<student>[a-z]+)_(?P<timestamp>[0-9T:-]+)\.ipynb")
    assert collected(into, "alice") == notebook("late")


def test_a_zip_entry_without_a_valid_date_needs_a_time_in_its_name(tmp_path):
    undated = (1980, 0, 0, 0, 0, 0)                                       # what some zip writers leave
    z = make_zip(tmp_path / "d.zip", [("alice.ipynb", notebook("a"), undated),
                                      ("bob_2026-11-21T10:00:00.ipynb", notebook("b"), undated)])
    into = tmp_path / "inbox"
    collect(LAB, z, into, pattern=r"(?P<student>[a-z]+)(_(?P<timestamp>[0-9T:-]+))?\.ipynb")
    rows = by_source(into)
    assert rows["alice.ipynb"]["action"] == "rejected" and "no valid date" in rows["alice.ipynb"]["reason"]
    assert rows["bob_2026-11-21T10:00:00.ipynb"]["action"] == "collected"


def test_every_file_that_is_not_collected_is_listed_with_its_reason(tmp_path):
    download = tmp_path / "download"
    (download / "sub").mkdir(parents=True)
    (download / "__MACOSX").mkdir()
    (download / "alice.ipynb").write_bytes(notebook("a"))
    (download / "carol.ipynb").write_text('{"cells": [')                  # malformed JSON
    (download / "dave.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")     # a picture renamed
    (download / "erin.pdf").write_text("%PDF-1.4")                          # not a notebook
    (download / "bad name!.ipynb").write_bytes(notebook("x"))              # id nbgrader cannot take
    (download / f"{LAB}.ipynb").write_bytes(notebook("x"))                 # named after the lab
    (download / "sub" / "frank.ipynb").write_bytes(notebook("f"))          # not where plain looks
    (download / ".DS_Store").write_bytes(b"\0")
    (download / "__MACOSX" / "._alice.ipynb").write_bytes(b"\0")
    into = tmp_path / "inbox"
    report = collect(LAB, download, into)

    rows = by_source(into)
    assert set(rows) == {"alice.ipynb", "carol.ipynb", "dave.ipynb", "erin.pdf", "bad name!.ipynb",
                         f"{LAB}.ipynb", "sub/frank.ipynb", ".DS_Store", "__MACOSX/._alice.ipynb"}
    assert rows["alice.ipynb"]["action"] == "collected"
    assert {s for s, r in rows.items() if r["action"] == "ignored"} == {".DS_Store", "__MACOSX/._alice.ipynb"}
    reasons = {s: r["reason"] for s, r in rows.items() if r["action"] == "rejected"}
    assert "not valid notebook JSON" in reasons["carol.ipynb"]
    assert "not valid notebook JSON" in reasons["dave.ipynb"] or "not a text file" in reasons["dave.ipynb"]
    assert "not a notebook" in reasons["erin.pdf"]
    assert "not a valid id" in reasons["bad name!.ipynb"]
    assert "named after the lab" in reasons[f"{LAB}.ipynb"]
    assert "matches no pattern" in reasons["sub/frank.ipynb"]
    assert sorted(p.name for p in into.iterdir()) == ["alice", "collect-report.csv"]
    summary = report.summary()
    assert "rejected: 6" in summary and all(s in summary for s in reasons)


def test_zip_entries_cannot_place_files_outside_the_collection(tmp_path):
    link = zipfile.ZipInfo("mallory.ipynb", date_time=T1)
    link.external_attr = (stat.S_IFLNK | 0o777) << 16                    # a symbolic link to /etc/passwd
    z = make_zip(tmp_path / "evil.zip", [
        ("../../escaped.ipynb", notebook("x"), T1),
        ("/tmp/absolute.ipynb", notebook("x"), T1),
        ("sub\\..\\..\\win.ipynb", notebook("x"), T1),
        (link, b"/etc/passwd"),
        ("folder/", b"", T1),                                              # a directory entry
        ("alice.ipynb", notebook("a"), T1),
    ])
    into = tmp_path / "deep" / "inbox"
    collect(LAB, z, into)
    rows = by_source(into)
    assert rows["alice.ipynb"]["action"] == "collected"
    for name in ("../../escaped.ipynb", "/tmp/absolute.ipynb", "sub/../../win.ipynb"):
        assert rows[name]["action"] == "rejected" and "unsafe path" in rows[name]["reason"], name
    assert rows["mallory.ipynb"]["action"] == "rejected" and "symbolic link" in rows["mallory.ipynb"]["reason"]
    assert "folder/" not in rows
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {"evil.zip", "deep/inbox/collect-report.csv", f"deep/inbox/alice/{LAB}.ipynb",
                       "deep/inbox/alice/timestamp.txt"}


def test_an_entry_that_unpacks_beyond_the_limits_is_rejected_without_unpacking_it(tmp_path):
    bomb = b'{"cells": [' + b" " * (3 << 20)                               # 3 MB deflates to a few KB
    z = make_zip(tmp_path / "bomb.zip", [("bomb.ipynb", bomb, T1)] +
                 [(f"s{k}.ipynb", notebook("x" * 400_000 + str(k)), T1) for k in range(3)])
    assert z.stat().st_size < 100_000
    into = tmp_path / "inbox"
    collect(LAB, z, into, max_file_mb=1, max_total_mb=1)
    rows = by_source(into)
    assert rows["bomb.ipynb"]["action"] == "rejected" and "over the 1 MB limit" in rows["bomb.ipynb"]["reason"]
    # Each notebook is ~0.4 MB: two fit in the 1 MB budget, the third does not.
    assert [rows[f"s{k}.ipynb"]["action"] for k in range(3)] == ["collected", "collected", "rejected"]
    assert "total size limit" in rows["s2.ipynb"]["reason"]


def test_symbolic_links_in_a_download_folder_are_not_followed(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "eve.ipynb").write_bytes(notebook("secret"))
    download = tmp_path / "download"
    download.mkdir()
    (download / "alice.ipynb").write_bytes(notebook("a"))
    os.symlink(secret / "eve.ipynb", download / "mallory.ipynb")
    os.symlink(secret, download / "linked")
    into = tmp_path / "inbox"
    collect(LAB, download, into)
    rows = by_source(into)
    assert rows["mallory.ipynb"]["action"] == "rejected" and "symbolic link" in rows["mallory.ipynb"]["reason"]
    assert rows["linked/"]["action"] == "rejected" and "not followed" in rows["linked/"]["reason"]
    assert not (into / "mallory").exists() and not (into / "eve").exists()


def test_the_download_is_never_modified(tmp_path):
    download = tmp_path / "download"
    download.mkdir()
    for name in ("alice.ipynb", "bob.ipynb", "notes.txt"):
        (download / name).write_bytes(notebook(name))

    def snapshot():
        return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
                for p in download.iterdir()}

    before = snapshot()
    collect(LAB, download, tmp_path / "inbox")
    assert snapshot() == before
    with pytest.raises(GraderError, match="inside the download"):
        collect(LAB, download, download / "inbox")
    assert snapshot() == before


def test_patterns_and_times_are_checked_with_one_line_errors():
    with pytest.raises(GraderError, match="no group"):
        compile_pattern(r"(?P<name>\w+)\.ipynb")
    with pytest.raises(GraderError, match="not a valid regular expression"):
        compile_pattern(r"(?P<student>[a-z")
    with pytest.raises(GraderError, match="not understood"):
        parse_time("last tuesday")
    assert parse_time("2026-11-23 12:00:00.000000 UTC") == datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    assert parse_time("2026-11-23T12:00:00+02:00") == datetime(2026, 11, 23, 10, tzinfo=timezone.utc)


def test_collect_command_prints_the_summary_and_autograde_reads_its_output(tmp_path):
    z = make_zip(tmp_path / "d.zip", [("alice.ipynb", notebook("a"), T1), ("bob.ipynb", notebook("b"), T1),
                                      ("notes.txt", b"hello", T1)])
    into = tmp_path / "inbox"
    proc = run_grader("collect", LAB, z, "--into", into)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"collected 2 submission(s) of {LAB} into {into}" in proc.stdout
    assert "rejected: 1" in proc.stdout and "notes.txt" in proc.stdout and "not a notebook" in proc.stdout

    from grader.nbgrader_run import find_submissions
    subs = {s.student: s for s in find_submissions(into, LAB)}
    assert set(subs) == {"alice", "bob"}
    assert subs["alice"].path == into / "alice" / f"{LAB}.ipynb" and not subs["alice"].problem


def test_collect_command_errors_are_one_line(tmp_path, capsys):
    # In-process (the same main() as `python -m grader`): a subprocess each costs ~2 s of imports.
    from grader.__main__ import main

    def one_line_error(argv, fragment):
        assert main(["collect", *map(str, argv)]) == 2
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err

    one_line_error([LAB, tmp_path / "absent.zip"], "no such file")
    (tmp_path / "fake.zip").write_text("not a zip")
    one_line_error([LAB, tmp_path / "fake.zip"], "neither a folder nor a zip")
    one_line_error([LAB, tmp_path, "--pattern", "(?P<who>.*)"], "no group (?P<student>")
    one_line_error(["nosuchlab", tmp_path], "no lab called")
    # Nothing matched at all: a wrong --pattern, most likely; exit 1 and say so.
    z = make_zip(tmp_path / "d.zip", [("alice.ipynb", notebook("a"), T1)])
    assert main(["collect", LAB, str(z), "--into", str(tmp_path / "inbox"), "--pattern", "canvas"]) == 1
    assert "is --pattern right?" in capsys.readouterr().out
