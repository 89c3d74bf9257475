"""Instructor tooling: release, check, autograde and report the labs (run ``python -m grader --help``)."""
