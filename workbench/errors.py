"""Errors that reach users: each names what is wrong and where."""

from __future__ import annotations

from dataclasses import dataclass


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a document, at a JSON path such as ``rule.all[1].op``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SegmentError(WorkbenchError):
    """A segment document that breaks the grammar (SPEC §3); lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str, message: str) -> SegmentError:
        return cls([Problem(path, message)])


class NotFound(WorkbenchError):
    """A segment, list or field that does not exist."""


class StoreBusy(WorkbenchError):
    """The store stayed locked by another process for longer than the wait allowed."""


class ImportFailed(WorkbenchError):
    """An import file that cannot be read at all (as opposed to single bad rows)."""
