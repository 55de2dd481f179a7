"""The error classes: every problem with a user's input or files that the user can act on.

`ImrMlError` is the base of the errors about configs, corpora, patterns, models, tables and
the MLflow store:
the command line prints such an error's message on one line and exits with status 2,
without a traceback; any other exception is a bug and keeps its traceback. A letter that
cannot be read is a `LetterError`: batch commands turn it into an error row and go on.
"""

from __future__ import annotations

from collections.abc import Sequence


class ImrMlError(Exception):
    """A problem with the user's input or files; the message names the file and the fix."""


class LetterError(ValueError):
    """A file that cannot be read as a letter; `problem` is a short machine-friendly kind."""

    def __init__(self, source: str, problem: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.problem = problem
        self.message = message

    def __reduce__(self) -> tuple[type[LetterError], tuple[str, str, str]]:
        return type(self), (self.source, self.problem, self.message)


class ConfigError(ImrMlError, ValueError):
    """A config file or override that is not valid; the message says where and why."""


class CorpusError(ImrMlError, ValueError):
    """Labels and letters disagree, or a labelled letter cannot be read."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(problems[0] if len(problems) == 1 else
                         f"{len(problems)} problems in the corpus:\n  {shown}{more}")
        self.problems = list(problems)


class PatternError(ImrMlError, ValueError):
    """The patterns file is malformed (message names the file and the offending entry)."""


class ModelLoadError(ImrMlError, RuntimeError):
    """A model folder that cannot or must not be loaded; the message says what to do."""


class TableError(ImrMlError, ValueError):
    """A table or output file that cannot be read or written; the message names it."""


class TrackingError(ImrMlError, RuntimeError):
    """The MLflow tracking store cannot be reached or written; the message names it."""
