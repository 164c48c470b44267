"""Message templates: sandboxed Jinja2, checked against the variables before anything is sent.

A template is a folder with one file per part (``subject.txt``, ``body.html``, ``body.txt``
for email; ``text.txt`` for SMS; ``title.txt``, ``body.txt`` for push), or one JSON file
mapping part names to template text, or for SMS one ``.txt`` file.

A folder may also hold one sub-folder per language (``pl/``, ``en/``, ``pt-BR/``), each with
the same kind of parts: its **language variants**. Each recipient gets the variant of its
``language`` attribute (``pl``, ``PL``, ``pl-PL`` and ``pl_PL`` all pick ``pl/``), and whoever
has no variant (another language, none) gets the parts at the top level, the default. The
language only picks among the variants loaded from the folder; it never becomes a path.

Templates run in Jinja's immutable sandbox (no attribute tricks, no mutation of the data)
with strict undefined variables, under the limits on size and work of
:mod:`workbench.send.limits`. Before a send, :meth:`TemplateSet.check` walks each part's
syntax tree and refuses any variable, or attribute of ``contact`` / ``segment`` /
``campaign``, that the audience does not provide, naming the part and the variable; then it
renders each part once with every variable null and refuses a template that goes past a
limit even so (``{{ 'x' * 10**9 }}``): that is the template's doing, not a recipient's. Every
language variant is checked the same way, and a problem names its language.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes

from workbench.send.errors import TemplateError, TemplateLimitError
from workbench.send.limits import LimitedEnvironment, admit_printed, render_limited

PARTS = {"email": ("subject", "html", "text"), "sms": ("text",), "push": ("title", "body", "url")}
REQUIRED = {"email": ("subject",), "sms": ("text",), "push": ("title", "body")}
# Folder file names that stand for a part, per channel (besides "<part>.<ext>").
ALIASES = {"email": {"body.html": "html", "body.txt": "text"}, "sms": {}, "push": {}}
HTML_PARTS = frozenset({"html"})

# A language variant's folder name: a language (2-3 letters), optionally a script and a region
# (``pl``, ``en``, ``pt-BR``, ``zh-Hant-TW``, ``es-419``). Nothing else, so that a stray folder
# (``images/``, ``old/``) is an error rather than a language nobody has.
LANGUAGE_TAG_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?")
DEFAULT_VARIANT = "default"
"""What the audit records for a recipient who got the top-level parts of a template with variants."""
# The longest value worth reading as a tag; a contact's language is untrusted and may be huge.
_MAX_LANGUAGE_CHARS = 35
# What a contact's language must look like (lower-cased, ``_`` as ``-``) to be matched at all.
_LANGUAGE_VALUE_RE = re.compile(r"[a-z0-9]{1,8}(?:-[a-z0-9]{1,8})*")

# Variables every message has besides the audience's; leaves are None.
CAMPAIGN_VARIABLES = {
    "campaign": {"id": None, "name": None, "channel": None, "segment": None},
    "unsubscribe_url": None,
}


def _finalize(value: Any) -> Any:
    if value is None:
        return ""  # a missing attribute (null column) prints as nothing
    return admit_printed(value)


def _environment(autoescape: bool) -> LimitedEnvironment:
    return LimitedEnvironment(
        undefined=StrictUndefined, autoescape=autoescape, finalize=_finalize, keep_trailing_newline=False
    )


_TEXT_ENV = _environment(autoescape=False)
_HTML_ENV = _environment(autoescape=True)
# Functions every template may call (range, dict, …): known names, not the audience's variables.
_CALLABLE_NAMES = dict.fromkeys(_TEXT_ENV.globals)


@functools.lru_cache(maxsize=64)
def _compile(source: str, html: bool) -> tuple[nodes.Template, Template]:
    """The syntax tree (for checking) and the compiled template of one part's source; compiled
    once per process, not once per recipient."""
    env = _HTML_ENV if html else _TEXT_ENV
    return env.parse(source), env.compile_limited(source)


@dataclass(frozen=True)
class TemplateSet:
    """The parts of one channel's message, as template source text, and its language variants."""

    channel: str
    source: Path
    parts: Mapping[str, str]
    variants: Mapping[str, TemplateSet] = field(default_factory=dict)
    """The language variants by lower-case tag (``pl``, ``pt-br``), each a template set of its own."""
    language: str | None = None
    """This variant's tag as its folder spells it; None for the default (the top-level parts)."""

    @property
    def digest(self) -> str:
        """A short hash of every part of every variant, recorded in the audit so the content can
        be matched later. A template without variants hashes as it always has."""
        content: dict[str, Any] = dict(sorted(self.parts.items()))
        if self.variants:
            content = {
                DEFAULT_VARIANT: content,
                "variants": {tag: dict(sorted(v.parts.items())) for tag, v in sorted(self.variants.items())},
            }
        text = json.dumps(content, ensure_ascii=False)
        return sha256(text.encode()).hexdigest()[:16]

    @property
    def languages(self) -> tuple[str, ...]:
        """The variants' tags as their folders spell them, sorted; empty without variants."""
        return tuple(sorted(v.language or tag for tag, v in self.variants.items()))

    @property
    def variant_name(self) -> str:
        """This variant's tag, or ``default`` for the top-level parts."""
        return self.language or DEFAULT_VARIANT

    def variant_for(self, language: object) -> TemplateSet:
        """The variant for a recipient whose ``language`` attribute is this (any value: null, a
        number, a 10 kB string), or the default. See :func:`match_language`."""
        tag = match_language(language, self.variants)
        return self.variants[tag] if tag is not None else self

    def _all(self) -> list[TemplateSet]:
        return [self, *(v for _, v in sorted(self.variants.items()))]

    def _label(self, part: str, whole: TemplateSet) -> str:
        """How a problem names a part: with its variant when the template has variants."""
        return f"{part} ({self.variant_name})" if whole.variants else part

    def _compiled(self, part: str) -> tuple[nodes.Template, Template]:
        try:
            return _compile(self.parts[part], part in HTML_PARTS)
        except TemplateSyntaxError as exc:
            raise TemplateError(f"{self.source} part {part!r} line {exc.lineno}: {exc.message}") from exc

    def check(self, variables: Mapping[str, object]) -> None:
        """Refuse the template if any part uses a variable not in ``variables`` (a tree of
        known names, leaves None), listing every unknown one with its part; then refuse it
        if a part goes past a rendering limit with every variable null."""
        values = {**CAMPAIGN_VARIABLES, **variables}
        known = {**_CALLABLE_NAMES, **values}
        problems = []
        for variant in self._all():
            for part in variant.parts:
                tree, _ = variant._compiled(part)
                for path in sorted(set(_unknown_paths(tree, known))):
                    problems.append(f"{variant._label(part, self)}: unknown variable {path!r}{_suggest(path, known)}")
        if problems:
            raise TemplateError(
                f"template {self.source} uses variables the recipients do not have; nothing was sent:\n  "
                + "\n  ".join(problems)
            )
        nulls = _null_values(values)
        excesses = [
            f"{variant._label(part, self)}: {reason}"
            for variant in self._all()
            for part, reason in variant._limits_passed(nulls)
        ]
        if excesses:
            raise TemplateLimitError(
                f"template {self.source} goes past the rendering limits whoever the recipient; nothing was sent:\n  "
                + "\n  ".join(excesses)
            )

    def _limits_passed(self, context: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        """(part, reason) for each part that goes past a limit when rendered with ``context``."""
        for part in self.parts:
            _, template = self._compiled(part)
            try:
                render_limited(template, context)
            except TemplateLimitError as exc:
                yield part, str(exc)
            except Exception:  # e.g. a filter given null: real values may well suit it
                continue

    def render(self, context: Mapping[str, Any]) -> dict[str, str]:
        """Every part of this variant rendered for one recipient (pick the recipient's variant
        with :meth:`variant_for` first); any error, limits included, names the part."""
        out = {}
        for part in self.parts:
            _, template = self._compiled(part)
            try:
                text = render_limited(template, context)
            except TemplateLimitError as exc:
                raise TemplateLimitError(f"part {part!r}: {exc}") from exc
            except Exception as exc:  # whatever a recipient's values make a template do fails that message only
                raise TemplateError(f"part {part!r}: {_explain(exc)}") from exc
            out[part] = text if part in HTML_PARTS else text.strip()
        return out


def load_templates(path: str | Path, channel: str) -> TemplateSet:
    """Read a template folder (with its language variants) or file for ``channel`` and check
    that the default and every variant have the parts they need and parse."""
    source = Path(path)
    if source.is_dir():
        parts = _folder_parts(source, channel)
        variants = _variants(source, channel)
        if variants and not parts:
            raise TemplateError(
                f"{source}: the parts at the top level are the default, for recipients whose language has no "
                f"sub-folder; there are none (only {', '.join(sorted(v.language or t for t, v in variants.items()))})"
            )
    elif source.suffix == ".json":
        try:
            parts = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise TemplateError(f"cannot read template {source}: {exc}") from exc
        if not isinstance(parts, dict) or not all(isinstance(v, str) for v in parts.values()):
            raise TemplateError(f"{source} must be a JSON object mapping part names to template text")
        variants = {}
    elif source.is_file() and channel == "sms":
        parts = {"text": source.read_text(encoding="utf-8")}
        variants = {}
    elif source.exists():
        raise TemplateError(f"{source}: a {channel} template is a folder of parts or a JSON file of parts")
    else:
        raise TemplateError(f"no template at {source}")
    templates = _checked(source, channel, parts)
    _same_parts(source, templates.parts, variants)
    return TemplateSet(channel, templates.source, templates.parts, variants)


def _checked(source: Path, channel: str, parts: dict[str, str], language: str | None = None) -> TemplateSet:
    """The template set of ``parts``, refused if a part is unknown, missing or does not parse."""
    unknown = sorted(set(parts) - set(PARTS[channel]))
    if unknown:
        raise TemplateError(f"{source}: {', '.join(unknown)} not a part of {channel}; use {', '.join(PARTS[channel])}")
    missing = [p for p in REQUIRED[channel] if p not in parts]
    if channel == "email" and not {"html", "text"} & set(parts):
        missing.append("html or text")
    if missing:
        raise TemplateError(f"{source}: {channel} template has no {', '.join(missing)}")
    templates = TemplateSet(channel, source.resolve(), parts, language=language)
    for part in parts:
        templates._compiled(part)  # syntax errors now, not mid-send
    return templates


def _variants(folder: Path, channel: str) -> dict[str, TemplateSet]:
    """The language sub-folders of a template folder, by lower-case tag; a sub-folder whose
    name is not a language tag is refused, naming it."""
    variants: dict[str, TemplateSet] = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not LANGUAGE_TAG_RE.fullmatch(sub.name):
            raise TemplateError(
                f"{folder}: sub-folder {sub.name!r} is not a language tag; a template folder holds its parts "
                "and one sub-folder per language, named like 'pl', 'en' or 'pt-BR'"
            )
        tag = sub.name.lower()
        if tag in variants:
            raise TemplateError(f"{folder}: sub-folders {variants[tag].language!r} and {sub.name!r} are one language")
        nested = sorted(p.name for p in sub.iterdir() if p.is_dir() and not p.name.startswith("."))
        if nested:
            raise TemplateError(f"{sub}: a language variant holds parts only, not sub-folders ({', '.join(nested)})")
        variants[tag] = _checked(sub, channel, _folder_parts(sub, channel), language=sub.name)
    return variants


def _same_parts(source: Path, parts: Mapping[str, str], variants: Mapping[str, TemplateSet]) -> None:
    """Refuse a variant whose parts differ from the default's: a Polish push without the
    default's link, or an email without its text version, would be another message."""
    for variant in variants.values():
        missing = sorted(set(parts) - set(variant.parts))
        extra = sorted(set(variant.parts) - set(parts))
        if missing or extra:
            problems = [f"has no {', '.join(missing)}"] if missing else []
            problems += [f"has {', '.join(extra)}, which the default has not"] if extra else []
            raise TemplateError(
                f"{source}: language variant {variant.language!r} {' and '.join(problems)}; "
                "every variant has the same parts as the default (the files at the top level)"
            )


def match_language(language: object, tags: Collection[str]) -> str | None:
    """The tag among ``tags`` (lower case) for a contact's ``language``, or None: the value
    lower-cased, ``_`` read as ``-``, then shortened a subtag at a time (``pt-BR-x`` → ``pt-br``
    → ``pt``). Anything else — null, not a text, not shaped like a tag (``pl/../x``), longer
    than a tag can be — matches nothing."""
    if not isinstance(language, str) or not tags or len(language) > _MAX_LANGUAGE_CHARS:
        return None
    tag = language.strip().replace("_", "-").lower()
    if not _LANGUAGE_VALUE_RE.fullmatch(tag):
        return None
    while tag:
        if tag in tags:
            return tag
        tag = tag.rpartition("-")[0]
    return None


def _null_values(variables: Mapping[str, object]) -> dict[str, Any]:
    """The variable tree with every leaf null: a recipient about whom nothing is known."""
    return {name: _null_values(v) if isinstance(v, Mapping) else None for name, v in variables.items()}


def _explain(exc: Exception) -> str:
    """An error's message, with its kind where the message alone would not say what went wrong
    (``OverflowError: (34, 'Numerical result out of range')``)."""
    if isinstance(exc, (jinja2.TemplateError, TypeError, ValueError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _folder_parts(folder: Path, channel: str) -> dict[str, str]:
    parts = {}
    for file in sorted(folder.iterdir()):
        if not file.is_file() or file.name.startswith("."):
            continue
        part = ALIASES[channel].get(file.name, file.stem)
        if part in parts:
            raise TemplateError(f"{folder}: two files for part {part!r}")
        parts[part] = file.read_text(encoding="utf-8")
    return parts


def _unknown_paths(tree: nodes.Template, known: Mapping[str, object]) -> Iterator[str]:
    """Dotted names the template reads that ``known`` lacks. A name assigned inside the
    template (``set``, ``for``) is the template's own and not checked."""
    local = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in local and node.name not in known:
            yield node.name
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            chain = _chain(node)
            if chain is None or chain[0] in local:
                continue
            level: object = known
            for depth, key in enumerate(chain):
                if not isinstance(level, Mapping):
                    break  # below a leaf (a list, a text): Jinja decides at render time
                if key not in level:
                    if depth > 0:
                        yield ".".join(chain[: depth + 1])
                    break
                level = level[key]


def _chain(node: nodes.Node) -> list[str] | None:
    """``contact.first_name`` / ``segment["x"].y`` as ``["contact", "first_name"]``…, or None."""
    keys: list[str] = []
    while isinstance(node, (nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            keys.append(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            keys.append(node.arg.value)
        else:
            return None
        node = node.node
    if not isinstance(node, nodes.Name):
        return None
    return [node.name, *reversed(keys)]


def _suggest(path: str, known: Mapping[str, object]) -> str:
    head, _, rest = path.rpartition(".")
    level: object = known
    for key in head.split(".") if head else []:
        level = level.get(key) if isinstance(level, Mapping) else None
    names = sorted(level) if isinstance(level, Mapping) else []
    close = difflib.get_close_matches(rest, names, n=1)
    return f" (did you mean {'.'.join(filter(None, [head, close[0]]))!r}?)" if close else ""
