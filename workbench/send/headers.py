"""What may go in a message header.

Values from contacts and templates land in email headers: the rendered subject, the
recipient's name and address. A line break there is how headers are injected (a name ending
in ``\\r\\nBcc: …``), and the email library refuses it with a ``ValueError``. Such a value is
not stripped or folded into a space: the message of that recipient fails with a reason
naming the field (``subject: contains a line break (U+000A)``), so the data's owner sees what
to mend, and the run goes on (see ``docs/sending.md``).
"""

from __future__ import annotations

import re

MAX_HEADER_CHARS = 998
"""The longest header value taken, in characters: RFC 5322's limit for one line, far beyond any
real subject or name. Longer values are refused rather than folded, because folding a long
non-ASCII value takes the email library seconds per message."""

# What str.splitlines() splits on — so what the email library refuses — and the other control
# characters (C0 and C1, except tab), which no header value may carry either.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def header_problem(value: str) -> str | None:
    """Why ``value`` cannot be a header value — a line break, a control character, too long —
    or None when it can."""
    found = _FORBIDDEN.search(value)
    if found is not None:
        kind = "a line break" if found.group() in _LINE_BREAKS else "a control character"
        return f"contains {kind} (U+{ord(found.group()):04X})"
    if len(value) > MAX_HEADER_CHARS:
        return f"has {len(value):,} characters; a header takes at most {MAX_HEADER_CHARS}"
    return None
