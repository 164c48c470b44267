"""Messages written where a problem is found and read where it is shown, in the reader's language.

Code that finds problems (the segment reader and validator) knows no reader: the CLI prints
English, the app a page's language. It builds :class:`Message` objects with
:data:`later`, whose methods are named as gettext's so that Babel extracts them:

>>> problem = later._("unknown field {field}", field=repr("{x}"))
>>> str(problem)
"unknown field '{x}'"

Values are data (field names, what a user typed): they are filled into the translated text
and never read as a format string themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.i18n.texts import Texts, texts

Values = tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class Message:
    """A gettext message (its English text is its id) with the values of its placeholders;
    a value may be a Message too, rendered in the same locale."""

    id: str
    values: Values = ()
    plural: str | None = None
    """The English plural of ``id``, for a message counted by ``n``."""
    n: int = 1
    context: str | None = None

    def render(self, t: Texts | None = None) -> str:
        """The message in ``t``'s locale (default English)."""
        t = t or texts()
        values = {key: value.render(t) if isinstance(value, Message) else value for key, value in self.values}
        if self.plural is not None:
            if self.context is not None:
                return t.npgettext(self.context, self.id, self.plural, self.n, **values)
            return t.ngettext(self.id, self.plural, self.n, **values)
        if self.context is not None:
            return t.pgettext(self.context, self.id, **values)
        return t._(self.id, **values)

    def __str__(self) -> str:
        return self.render()


class Later:
    """Builds :class:`Message` objects: the calls of :class:`Texts`, rendered later."""

    @staticmethod
    def _(message: str, **values: object) -> Message:
        """:meth:`Texts._`, later."""
        return Message(message, tuple(values.items()))

    @staticmethod
    def pgettext(context: str, message: str, **values: object) -> Message:
        """:meth:`Texts.pgettext`, later."""
        return Message(message, tuple(values.items()), context=context)

    @staticmethod
    def ngettext(singular: str, plural: str, n: int, **values: object) -> Message:
        """:meth:`Texts.ngettext`, later."""
        return Message(singular, tuple(values.items()), plural, n)


later = Later()
"""The one :class:`Later`: ``later._("…", name=value)``."""
