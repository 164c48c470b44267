"""Limits on what rendering one part of one message may cost.

Templates are written by the shop's staff, but the values they print come from contacts,
events and imports — from anywhere. Jinja's sandbox keeps a template away from Python's
internals, not from exhausting the machine: ``{{ range(10**9) | list }}`` or
``{{ 'x' * 10**9 }}`` take minutes and gigabytes. So every part (subject, HTML body, SMS
text…) is compiled by a :class:`LimitedEnvironment` and rendered by :func:`render_limited`
under a fresh :class:`Budget`:

- a value the template builds — with ``*``, ``+``, ``%``, ``**``, ``~``, a filter or a method
  call — is measured, and *before* it is built wherever its size can be foreseen (repeating,
  padding, replacing, joining, formatting, raising to a power);
- ``range()`` is capped, and every loop pass, call and ``range()`` number is a step;
- the part is rendered as a stream (``Template.generate``) and cut off past its size limit.

Going past a limit raises :class:`~workbench.send.errors.TemplateLimitError` naming the
limit: during a send that recipient fails with the reason and the send goes on; when a
template is checked or previewed, the template is refused.

These limits stop careless templates and unusual data. They are not a defence against an
author who sets out to exhaust the machine (such an author can already send anything to
anyone): run sends under operating-system limits too (systemd ``MemoryMax=``, ``ulimit -v``).
"""

from __future__ import annotations

import functools
import re
import string
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import Template, nodes
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from workbench.send.errors import TemplateLimitError

MAX_OUTPUT_CHARS = 1_000_000
"""Characters in one rendered part (a subject, an HTML body, an SMS text): about 1 MB, ten
times the size at which mail programs start clipping a message. Printing a single value
bigger than this is refused before it is turned into text."""

MAX_VALUE_CHARS = 1_000_000
"""The biggest value a template may build: the characters of a string, or the items plus the
characters of a list or mapping."""

MAX_NUMBER_DIGITS = 4_300
"""The most digits a number computed by a template may have (Python's own limit for printing
an integer); bigger ones cost time out of all proportion and cannot be printed anyway."""

MAX_RANGE = 10_000
"""The most numbers one ``range()`` may give (Jinja's sandbox allows 100,000)."""

MAX_STEPS = 1_000_000
"""Loop passes, calls (of functions, macros, methods and filters) and ``range()`` numbers in
one part: about a second of work."""

MAX_BUILT_CHARS = 20_000_000
"""Characters of all the values one part builds or prints, so that a loop cannot build big
values over and over."""

_NUMBER_TEXT = 330  # the most characters one number can print as with %f or {:f} (1e308: 309 digits)
_CONSUMED_BY_FORESIGHT = frozenset({"join", "sum"})  # filters whose input is read to foresee their result
_JINJA_CALL_KEYWORDS = frozenset({"_loop_vars", "_block_vars"})  # what Jinja adds to calls made in loops and blocks


# --- measuring ------------------------------------------------------------------------------------


def digits(number: int) -> int:
    """The decimal digits of ``number`` (at most one too many), without printing it."""
    return abs(number).bit_length() * 30103 // 100000 + 1


def size_of(value: object, stop_after: int = MAX_VALUE_CHARS) -> int:
    """How big ``value`` is: a string's characters, a number's digits, a collection's items plus
    the sizes of its keys and items; 1 for anything else. Counting stops once past
    ``stop_after``, so measuring a huge or self-repeating structure stays cheap."""
    total = 0
    pending = [value]
    while pending and total <= stop_after:
        item = pending.pop()
        if isinstance(item, (str, bytes)):  # Markup is a str
            total += len(item)
        elif isinstance(item, bool) or item is None:
            total += 1
        elif isinstance(item, int):
            total += digits(item)
        elif isinstance(item, float):
            total += len(repr(item))
        elif isinstance(item, range):
            total += _range_length(item)
        elif isinstance(item, Mapping):
            total += len(item)
            if total <= stop_after:
                pending.extend(item.keys())
                pending.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            if total <= stop_after:
                pending.extend(item)
        else:
            total += 1
    return total


def _range_length(numbers: range) -> int:
    try:
        return len(numbers)
    except OverflowError:  # more numbers than a machine word counts
        return sys.maxsize


# --- the budget of one part -------------------------------------------------------------------------


@dataclass
class Budget:
    """What rendering one part has used so far."""

    steps: int = 0
    built: int = 0

    def step(self, count: int = 1) -> None:
        """Count loop passes, calls or ``range()`` numbers; past ``MAX_STEPS`` the part fails."""
        self.steps += count
        if self.steps > MAX_STEPS:
            raise TemplateLimitError(f"more than {MAX_STEPS:,} steps (loop passes, calls, range() numbers)")

    def build(self, size: int) -> None:
        """Count the characters of a value built or printed; past ``MAX_BUILT_CHARS`` the part fails."""
        self.built += size
        if self.built > MAX_BUILT_CHARS:
            raise TemplateLimitError(f"more than {MAX_BUILT_CHARS:,} characters of values built or printed")


_BUDGET: ContextVar[Budget | None] = ContextVar("workbench_template_budget", default=None)


def current_budget() -> Budget:
    """The budget of the part being rendered. Outside :func:`render_limited` (Jinja folding a
    constant while compiling, a template rendered directly) a fresh one, so that each
    operation is still checked on its own."""
    return _BUDGET.get() or Budget()


def render_limited(template: Template, context: Mapping[str, Any]) -> str:
    """``template`` rendered under a fresh budget and cut off past ``MAX_OUTPUT_CHARS``; a limit
    passed raises :class:`TemplateLimitError`."""
    token = _BUDGET.set(Budget())
    try:
        with closing(template.generate(context)) as chunks:
            return _join_within_limit(chunks)
    finally:
        _BUDGET.reset(token)


def _join_within_limit(chunks: Iterable[str]) -> str:
    kept: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateLimitError(f"renders more than {MAX_OUTPUT_CHARS:,} characters")
        kept.append(chunk)
    return "".join(kept)


def admit_printed(value: Any) -> Any:
    """``value`` about to be printed, refused before it becomes text if it is bigger than a
    part may be (a list of a million long strings prints as their sum)."""
    size = size_of(value, stop_after=MAX_OUTPUT_CHARS)
    if size > MAX_OUTPUT_CHARS:
        raise TemplateLimitError(f"prints a value of more than {MAX_OUTPUT_CHARS:,} characters")
    current_budget().build(size)
    return value


def _refuse_too_big(what: str, size: int) -> None:
    if size > MAX_VALUE_CHARS:
        raise TemplateLimitError(f"{what} would make a value of {size:,} characters; the limit is {MAX_VALUE_CHARS:,}")


def _admit(what: str, value: Any) -> Any:
    """``value`` just built, charged to the budget; refused if it is past the value limit."""
    size = size_of(value)
    _refuse_too_big(what, size)
    current_budget().build(size)
    return value


def _refuse_foreseen(what: str, foresee: Callable[..., int], args: tuple, kwargs: Mapping[str, Any]) -> None:
    """Refuse an operation whose result ``foresee`` says is too big, before it runs."""
    try:
        size = foresee(*args, **kwargs)
    except (TypeError, ValueError, AttributeError, OverflowError):
        return  # arguments the operation itself refuses, with its own message
    _refuse_too_big(what, size)


# --- foreseeing sizes -------------------------------------------------------------------------------

_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?[a-zA-Z%]")
_FORMAT_NUMBER = re.compile(r"\d+|\{[^}]*\}")


def _field_number(text: str, star: int) -> int:
    """A width or precision written in a format field; ``*`` or a nested ``{…}`` takes it from
    the values, so count the biggest number among them."""
    if not text:
        return 0
    if text == "*" or text.startswith("{"):
        return star
    return int(text) if len(text) < 19 else sys.maxsize


def _biggest_int(values: Iterable[Any]) -> int:
    return max((abs(v) for v in values if isinstance(v, int)), default=0)


def printf_size(template: str, values: Any) -> int:
    """The most characters ``template % values`` can make: the template, the values, and each
    field's width and precision."""
    listed = values if isinstance(values, tuple) else (values,)
    star = _biggest_int(listed)
    fields = _PRINTF_FIELD.findall(template)
    padding = sum(_field_number(width, star) + _field_number(precision, star) for width, precision in fields)
    return len(template) + size_of(values) + padding + _NUMBER_TEXT * len(fields)


def format_size(template: str, args: tuple, kwargs: Mapping[str, Any]) -> int:
    """The most characters ``template.format(*args, **kwargs)`` can make."""
    star = _biggest_int((*args, *kwargs.values()))
    padding = 0
    for _literal, field, spec, _conversion in string.Formatter().parse(template):
        if field is not None:
            padding += _NUMBER_TEXT + sum(_field_number(n, star) for n in _FORMAT_NUMBER.findall(spec or ""))
    return len(template) + size_of(args) + size_of(kwargs) + padding


def replaced_size(text: str, old: str, new: str, count: int | None = -1) -> int:
    """The characters of ``text.replace(old, new, count)``."""
    found = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new) - len(old), 0)


def _joined_size(items: list, separator: str) -> int:
    return sum(size_of(item) for item in items) + len(separator) * max(len(items) - 1, 0)


def _padded_size(text: str, width: int, *_fill: str) -> int:
    return max(len(text), width)


def _binop_size(operator: str, left: Any, right: Any) -> int:
    """The size of ``left <operator> right`` foreseen from its operands."""
    if operator == "*":
        for repeated, times in ((left, right), (right, left)):
            if isinstance(times, int) and not isinstance(repeated, (int, float)):
                return size_of(repeated) * max(times, 0)
    if operator == "%" and isinstance(left, str):
        return printf_size(left, right)
    return size_of(left) + size_of(right)


def _number_digits(operator: str, left: int, right: int) -> int:
    """The digits of an integer ``left <operator> right``, foreseen."""
    if operator == "**":
        return 1 if right <= 0 or abs(left) <= 1 else digits(left) * right
    if operator == "*":
        return digits(left) + digits(right)
    return max(digits(left), digits(right)) + 1


# str methods a template may call whose result can be far bigger than their inputs.
_STR_METHOD_SIZES: dict[str, Callable[..., int]] = {
    "center": _padded_size,
    "ljust": _padded_size,
    "rjust": _padded_size,
    "zfill": _padded_size,
    "expandtabs": lambda text, tabsize=8: len(text) + text.count("\t") * max(tabsize, 0),
    "replace": replaced_size,
    "join": lambda separator, items: _joined_size(items, separator),
    "format": lambda text, *args, **kwargs: format_size(text, args, kwargs),
    "format_map": lambda text, mapping: format_size(text, (), mapping),
    "translate": lambda text, table: len(text) * max((size_of(v) for v in table.values()), default=1),
}


def _sum_size(items: list, attribute: Any = None, start: Any = 0) -> int:
    if not isinstance(start, (int, float)):  # adding lists or strings copies the total so far each time
        current_budget().build(size_of(items) * len(items) // 2)
    return size_of(items)


def _wordwrap_size(text: Any, width: int = 79, break_long_words: bool = True, wrapstring: str | None = None, *_) -> int:
    text = str(text)
    wraps = len(text) // max(int(width), 1) + text.count("\n") + 1
    return len(text) + wraps * len(wrapstring if wrapstring is not None else "\n")


def _indent_size(text: Any, width: int | str = 4, *_flags: bool, **_options: bool) -> int:
    text = str(text)
    indent = len(width) if isinstance(width, str) else int(width)
    return len(text) + (text.count("\n") + 1) * indent


def _urlize_size(
    text: Any, trim_url_limit: Any = None, nofollow: bool = False, target: Any = None, rel: Any = None, *_
) -> int:
    text = str(text)
    links = len(text.split())  # at most one link a word, each written twice and given attributes
    return 2 * len(text) + links * (60 + len(str(target or "")) + len(str(rel or "")))


def _filled_size(items: Any, count: int, fill_with: Any = None) -> int:
    return size_of(items) + int(count) * (1 + size_of(fill_with))


# Filters whose result can be far bigger than their inputs, with its foreseen size; the
# arguments are the filter's own (without the context Jinja passes some filters first).
_FILTER_SIZES: dict[str, Callable[..., int]] = {
    "center": lambda text, width=80: _padded_size(str(text), int(width)),
    "indent": _indent_size,
    "wordwrap": _wordwrap_size,
    "replace": lambda text, old, new, count=None: replaced_size(str(text), str(old), str(new), count),
    "join": lambda items, separator="", attribute=None: _joined_size(list(items), str(separator)),
    "format": lambda text, *args, **kwargs: printf_size(str(text), kwargs or args),
    "urlize": _urlize_size,
    "tojson": lambda value, indent=None: size_of(value) * (6 + int(indent or 0)),
    "batch": lambda items, linecount, fill_with=None: _filled_size(
        items, linecount if fill_with is not None else 0, fill_with
    ),
    "slice": lambda items, slices, fill_with=None: _filled_size(items, slices, fill_with),
    "sum": _sum_size,
}


# --- the environment --------------------------------------------------------------------------------


def limited_range(*args: int) -> range:
    """``range()`` for templates: at most ``MAX_RANGE`` numbers, each one a step."""
    numbers = range(*args)
    length = _range_length(numbers)
    if length > MAX_RANGE:
        raise TemplateLimitError(f"range() of {length:,} numbers; the limit is {MAX_RANGE:,}")
    current_budget().step(length)
    return numbers


def _limited_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (the filter ``name``) counted as a step, its result foreseen where it can
    be and measured."""
    foresee = _FILTER_SIZES.get(name)
    # Filters marked with pass_context & co. get Jinja's context first; foresight reads what follows.
    own = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0
    what = f"the {name} filter"

    @functools.wraps(function)  # keeps jinja_pass_arg, so Jinja still passes the context
    def limited(*args: Any, **kwargs: Any) -> Any:
        current_budget().step()
        if name in _CONSUMED_BY_FORESIGHT and len(args) > own and isinstance(args[own], Iterator):
            args = (*args[:own], list(args[own]), *args[own + 1 :])
        if foresee is not None:
            _refuse_foreseen(what, foresee, args[own:], kwargs)
        return _admit(what, function(*args, **kwargs))

    return limited


def _callee(obj: Any) -> str:
    """A called object's name for a message: a macro's, a function's or method's."""
    name = getattr(obj, "name", None) or getattr(obj, "__name__", None)
    return name if isinstance(name, str) else "a call"


def _str_method(obj: Any) -> tuple[str, str] | None:
    """(the string, the method's name) when ``obj`` is a growing method of a string."""
    target = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format in a function of its own
    owner, name = getattr(target, "__self__", None), getattr(target, "__name__", None)
    return (owner, name) if isinstance(owner, str) and name in _STR_METHOD_SIZES else None


class _CountLoopsMeasureConcatenations(NodeTransformer):
    """Routes every ``for`` loop's iterable through ``count_loop_steps`` and every ``~`` through
    ``measured``: calls of the environment, which counts and measures calls."""

    def visit_For(self, node: nodes.For) -> nodes.For:  # noqa: N802 - Jinja's visitor naming
        self.generic_visit(node)
        node.iter = _environment_call("count_loop_steps", node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:  # noqa: N802 - Jinja's visitor naming
        self.generic_visit(node)
        return _environment_call("measured", node)


def _environment_call(method: str, argument: nodes.Expr) -> nodes.Call:
    callee = nodes.EnvironmentAttribute(method, lineno=argument.lineno)
    return nodes.Call(callee, [argument], [], None, None, lineno=argument.lineno)


class LimitedEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with this module's limits. Compile templates with
    :meth:`compile_limited` (so loops and ``~`` are counted) and render them with
    :func:`render_limited`."""

    intercepted_binops = frozenset({"+", "*", "%", "**"})

    def __init__(self, **options: Any) -> None:
        # No constant folding: nothing is computed while compiling except through the checks.
        super().__init__(optimized=False, **options)
        self.globals["range"] = limited_range
        self.globals.pop("lipsum", None)  # lipsum(10**9) writes a book; messages have no use for it
        self.filters = {name: _limited_filter(name, function) for name, function in self.filters.items()}

    def compile_limited(self, source: str) -> Template:
        """``source`` compiled with every loop pass counted and every ``~`` measured."""
        tree = _CountLoopsMeasureConcatenations().visit(self.parse(source))
        return self.from_string(tree.set_environment(self))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """``+``, ``*``, ``%`` and ``**``, refused before they run when the result would be too big."""
        what = f"{operator!r}"
        if isinstance(left, int) and isinstance(right, int):
            foreseen = _number_digits(operator, left, right)
            if foreseen > MAX_NUMBER_DIGITS:
                raise TemplateLimitError(
                    f"{what} would make a number of {foreseen:,} digits; the limit is {MAX_NUMBER_DIGITS:,}"
                )
        else:
            _refuse_too_big(what, _binop_size(operator, left, right))
        return _admit(what, self.binop_table[operator](left, right))

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Every call (function, macro, method, ``loop()``) is a step; a string method that can
        grow its string is refused before it runs when the result would be too big."""
        current_budget().step()
        method = _str_method(obj)
        if method is not None:
            text, name = method
            if name == "join" and args and isinstance(args[0], Iterator):
                args = (list(args[0]), *args[1:])
            own = {key: value for key, value in kwargs.items() if key not in _JINJA_CALL_KEYWORDS}
            _refuse_foreseen(f"{name}()", _STR_METHOD_SIZES[name], (text, *args), own)
        result = super().call(context, obj, *args, **kwargs)
        return _admit("'~'" if obj == self.measured else f"{_callee(obj)}()", result)

    def count_loop_steps(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """``iterable`` as a ``for`` loop runs it, each pass a step."""
        budget = current_budget()
        for item in iterable:
            budget.step()
            yield item

    def measured(self, value: Any) -> Any:
        """``value`` unchanged: it is measured because :meth:`call` measures every result."""
        return value
