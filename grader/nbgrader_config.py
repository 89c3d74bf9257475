# The course's nbgrader settings. `python -m grader` loads this file from the
# per-run config it writes; it can also be loaded by hand with nbgrader's
# `--config grader/nbgrader_config.py` from the repository root.
c = get_config()

c.CourseDirectory.course_id = "generative-modelling"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
# Lab folders may hold instructor files (mutants.py: the wrong answers the
# hidden tests must catch); these never go to students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "mutants.py"]

# Restore test cells a student deleted, not only the ones they edited.
c.OverwriteCells.add_missing_cells = True
# Solutions are cleared to this stub; `grader check` recognises it.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# A cell that runs longer than this fails, and grading moves on to the next cell.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Test cells are scored on errors only: an output or a warning never changes a
# score (grader/scoring.py says why).
from grader.scoring import install as _score_on_errors_only

_score_on_errors_only()
