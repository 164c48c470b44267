"""Errors that reach users: each names what is wrong and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # i18n imports this module; a Message is only ever received here
    from workbench.i18n import Message, Texts


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose."""

    def render(self, t: Texts | None = None) -> str:
        """The error in ``t``'s language, where it knows one; its English message otherwise."""
        return str(self)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a document, at a JSON path such as ``rule.all[1].op``.

    ``message`` is English (the CLI's and the library's); ``text``, when the problem was
    found by the reader or the validator, is the same message to render in another language.
    """

    path: str
    message: str
    text: Message | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, path: str, text: Message) -> Problem:
        """A problem whose message is ``text`` (in English unless rendered otherwise)."""
        return cls(path, str(text), text)

    def render(self, t: Texts | None = None) -> str:
        """The message (without the path) in ``t``'s language (default English)."""
        return self.text.render(t) if self.text is not None and t is not None else self.message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SegmentError(WorkbenchError):
    """A segment document that breaks the grammar (SPEC §3); lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str, message: str | Message) -> SegmentError:
        """One problem at ``path``."""
        return cls([Problem(path, message) if isinstance(message, str) else Problem.of(path, message)])

    def render(self, t: Texts | None = None) -> str:
        """Every problem, one a line, with its path, in ``t``'s language."""
        return "\n".join(f"{p.path}: {p.render(t)}" for p in self.problems)


class InvalidValue(ValueError):
    """A value that does not parse (a duration, a time), with its message to render later."""

    def __init__(self, text: Message) -> None:
        super().__init__(str(text))
        self.text = text


class NotFound(WorkbenchError):
    """A segment, list or field that does not exist."""


class StoreBusy(WorkbenchError):
    """The store stayed locked by another process for longer than the wait allowed."""


class ImportFailed(WorkbenchError):
    """An import file that cannot be read at all (as opposed to single bad rows)."""
