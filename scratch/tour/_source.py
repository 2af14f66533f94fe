"""What a tour page shows besides the run: LaTeX as MathML, source listings, docstrings.

Math: ``latex_to_mathml`` converts with latex2mathml and parses the result as XML, so a
LaTeX construct the converter mangles is an error here, not a blank in the browser.
Code: a step names its reference functions as objects or ``"module:Qual.name"``
strings; ``source_of`` imports them and takes their lines from the module file with
``inspect``, so the page shows exactly the code that runs.
"""

from __future__ import annotations

import html
import importlib
import inspect
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the scratch package
_INLINE = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")


def latex_to_mathml(latex: str, display: str = "block") -> str:
    """``latex`` as a MathML ``<math>`` element (a string), checked to be well-formed XML.

    Raises
    ------
    ImportError
        When latex2mathml is not installed (``pip install scratch[viz]``).
    ValueError
        When the LaTeX holds a control character (a non-raw string) or unbalanced braces,
        or the converter fails, drops a token or gives malformed XML; the message names
        the LaTeX.
    """
    from latex2mathml.converter import convert

    if any(ord(ch) < 32 for ch in latex):  # "\theta" in a non-raw string is a TAB + "heta"
        raise ValueError(f"LaTeX {latex!r} holds a control character: write it as a raw string")
    depth = 0
    for brace in re.sub(r"\\[{}\\]", "", latex):  # \{ \} \\ are not groups
        depth += {"{": 1, "}": -1}.get(brace, 0)
        if depth < 0:
            break
    if depth:
        raise ValueError(f"LaTeX {latex!r} has unbalanced braces (latex2mathml would guess)")
    try:
        mathml = convert(latex, display=display)
        root = ET.fromstring(mathml)
    except Exception as e:  # noqa: BLE001 - any converter failure is the same error to a reader
        raise ValueError(f"cannot render LaTeX {latex!r}: {type(e).__name__}: {e}") from e
    tokens = ("mi", "mo", "mn")
    for el in root.iter():
        if el.tag.rpartition("}")[2] in tokens and not (el.text or "").strip() and not len(el):
            # e.g. \operatorname{col2im}: the name is lost, an empty <mo/> is left
            raise ValueError(f"cannot render LaTeX {latex!r}: latex2mathml dropped a token")
    return mathml.replace("<math ", f'<math alttext="{html.escape(latex)}" ', 1)


def math_html(latex: str, display: str = "block") -> str:
    """MathML for a page; the LaTeX itself (marked as an error) when it cannot be converted."""
    try:
        return latex_to_mathml(latex, display)
    except ImportError:
        why = "install latex2mathml (pip install scratch[viz]) to see MathML"
        return f'<code class="tex" title="{why}">{html.escape(latex)}</code>'
    except ValueError as e:
        why = html.escape(str(e))
        return f'<code class="tex math-error" title="{why}">{html.escape(latex)}</code>'


def inline_latex(text: str) -> list[str]:
    """The LaTeX between ``$...$`` in prose (a ``\\$`` is a literal dollar)."""
    return _INLINE.findall(text)


def prose_html(text: str) -> str:
    """Escaped prose with each ``$...$`` rendered as inline MathML."""
    parts, last = [], 0
    for m in _INLINE.finditer(text):
        parts.append(html.escape(text[last : m.start()].replace("\\$", "$")))
        parts.append(math_html(m.group(1), "inline"))
        last = m.end()
    parts.append(html.escape(text[last:].replace("\\$", "$")))
    return "".join(parts)


def resolve(ref: Any) -> Any:
    """The object ``ref`` names: itself, or ``"package.module:Qual.name"`` imported.

    ``"package.module.name"`` (no colon) is split at the longest importable module.
    """
    if not isinstance(ref, str):
        return ref
    if ":" in ref:
        module, _, qual = ref.partition(":")
    else:
        parts = ref.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module, qual = ".".join(parts[:i]), ".".join(parts[i:])
            try:
                importlib.import_module(module)
                break
            except ImportError:
                continue
        else:
            raise ImportError(f"no module found in reference {ref!r}")
    obj = importlib.import_module(module)
    for attr in qual.split("."):
        obj = getattr(obj, attr)
    return obj


@dataclass
class Source:
    """The source of one function or class: where it is and its lines."""

    name: str  # dotted name, e.g. scratch.classic.cluster.kmeans.kmeans_assign
    module: str  # the module the object is defined in
    path: str  # file path as shown, relative to the repository when inside it
    start: int  # first line number
    lines: list[str]
    obj: Any

    @property
    def end(self) -> int:
        return self.start + len(self.lines) - 1

    @property
    def page(self) -> str:
        """The module's source page, relative to the output folder."""
        return module_page(self.module)


def module_page(module: str) -> str:
    return f"src/{module}.html"


def _unwrap(obj: Any) -> Any:
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    return inspect.unwrap(obj)


def display_path(file: str | Path) -> str:
    file = Path(file).resolve()
    try:
        return file.relative_to(_ROOT).as_posix()
    except ValueError:
        return file.name


def source_of(ref: Any) -> Source:
    """Resolve ``ref`` and read its source lines (raises when either fails)."""
    obj = _unwrap(resolve(ref))
    lines, start = inspect.getsourcelines(obj)
    module = inspect.getmodule(obj).__name__
    qual = getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj)))
    file = inspect.getsourcefile(obj)
    return Source(f"{module}.{qual}", module, display_path(file), max(start, 1), lines, obj)


def numbered(lines: list[str], start: int = 1, anchors: bool = False) -> str:
    """``<pre>`` listing with line numbers (``id="L<n>"`` on each when ``anchors``)."""
    width = len(str(start + len(lines) - 1))
    out = []
    for i, line in enumerate(lines, start):
        anchor = f' id="L{i}"' if anchors else ""
        out.append(
            f'<span class="ln"{anchor}>{i:>{width}}</span> {html.escape(line.rstrip(chr(10)))}'
        )
    return '<pre class="code">' + "\n".join(out) + "</pre>"


class _Annotation(str):
    """A string annotation that prints bare (``x: int``, not ``x: 'int'``)."""

    def __repr__(self) -> str:
        return str(self)


def _bare(annotation: Any) -> Any:
    return _Annotation(annotation) if isinstance(annotation, str) else annotation


def signature_of(obj: Any) -> str:
    """``(x, w: int = 0) -> Tensor``, string annotations (``from __future__``) unquoted."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    params = [p.replace(annotation=_bare(p.annotation)) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=_bare(sig.return_annotation)))


def api_entries(obj: Any) -> list[tuple[str, str, str]]:
    """``(name, signature, docstring)`` for ``obj`` and, for a class, its public methods."""
    obj = _unwrap(obj)
    name = getattr(obj, "__name__", repr(obj))
    entries = [(name, signature_of(obj), inspect.getdoc(obj) or "(no docstring)")]
    if inspect.isclass(obj):
        for attr, member in vars(obj).items():
            if attr.startswith("_"):
                continue
            member = _unwrap(member)
            if inspect.isfunction(member):
                doc = inspect.getdoc(member) or "(no docstring)"
                entries.append((f"{name}.{attr}", signature_of(member), doc))
    return entries
