"""The GitHub workflows parse, CI runs the README's test command, and Pages publishes the built book."""

from __future__ import annotations

import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(workflow, dict) and workflow.get("jobs"), f"{name} has no jobs"
    # YAML 1.1 reads the key `on` as True.
    assert workflow.get("on", workflow.get(True)), f"{name} has no triggers"
    return workflow


def _uses(step: dict, action: str) -> bool:
    return step.get("uses", "").split("@")[0] == action


def test_ci_workflow_runs_the_readme_test_command():
    runs = [step.get("run", "") for step in _steps(_load("ci.yml"))]
    assert any("bash .ci/run" in run or "make test" in run for run in runs), runs
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_pages_workflow_builds_the_book_uploads_it_and_deploys_it():
    workflow = _load("pages.yml")
    steps = _steps(workflow)
    assert any("make book" in step.get("run", "") for step in steps)
    upload = [step for step in steps if _uses(step, "actions/upload-pages-artifact")]
    assert len(upload) == 1 and upload[0]["with"]["path"].rstrip("/") == "_build/html"
    assert any(_uses(step, "actions/deploy-pages") for step in steps)
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_pages_cache_of_executed_chapters_is_keyed_on_requirements_and_helper_package():
    caches = [step for step in _steps(_load("pages.yml")) if _uses(step, "actions/cache")]
    assert len(caches) == 1
    cache = caches[0]["with"]
    # `make book` clears the cache unless _build/.genmod-hash matches genmod/, so both travel.
    assert set(cache["path"].split()) == {"_build/.jupyter_cache", "_build/.genmod-hash"}
    for keyed_on in ("requirements.txt", "constraints.txt", "genmod/**"):
        assert keyed_on in cache["key"], keyed_on
        assert all(keyed_on in key for key in cache["restore-keys"].strip().splitlines()), keyed_on

