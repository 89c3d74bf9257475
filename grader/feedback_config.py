# nbgrader configuration for `python -m grader feedback`: nbgrader's own feedback
# pipeline with HideHiddenTests after GetGrades (which it needs for the scores).
# nbgrader loads this on top of the work folder's nbgrader_config.py.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from grader.feedback import HideHiddenTests

c = get_config()
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
