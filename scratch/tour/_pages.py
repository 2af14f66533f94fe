"""The tour's static pages: ``index.html``, one page per step, ``src/<module>.html``.

Plain HTML with inline CSS and MathML, no JavaScript, only relative links: the output
folder can be opened from ``file://``, zipped and shared. Every file is written with
``scratch.io.atomic_write_text``. Templates are ``string.Template`` strings; every value
put into them is escaped here (``html.escape``) unless it is markup built here.
"""

from __future__ import annotations

import datetime
import html
import platform
from pathlib import Path
from string import Template
from typing import Any

from ..io import atomic_write_text
from ._source import (
    api_entries,
    math_html,
    module_page,
    numbered,
    prose_html,
    resolve,
    source_of,
)

CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:74em;padding:0 1.5em;
line-height:1.45;color:#222}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
nav{font-size:.95em;margin-bottom:1em}nav a{margin-right:1.2em}
table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}
.ok{color:#080}.fail,.fail a{color:#c00;font-weight:bold}tr.fail td{background:#fff3f3}
.eq{margin:.6em 0 .9em 0;padding:.3em 1em;border-left:3px solid #9bd}
math{font-family:"Latin Modern Math","STIX Two Math","Cambria Math",math}
.eq math{font-size:1.2em}td:first-child{white-space:nowrap}.note{color:#444;margin:.2em 0}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#333;font-size:.95em;max-width:60em}
pre{background:#f7f7f7;padding:.6em .8em;overflow-x:auto;font-size:.88em;line-height:1.35}
.ln{color:#999;user-select:none}.tex{background:#fff3d6}.math-error{outline:1px solid #c00}
.meta td:first-child{color:#555}.doc{white-space:pre-wrap}
details summary{cursor:pointer;color:#246}
"""

PAGE = Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title><style>$css</style></head>
<body>
$body
</body></html>
"""
)

HOW_TO_READ = """Each row is one step of the tour: an algorithm run from scratch on small
built-in data on the backend shown, and a check that proves its derivation (a gradient
against central differences, an identity such as conv = matrix product, a textbook
example's numbers, a monotone objective). <b>ok</b> means the check held within the
tolerance its page states; failures come first, in red. Open a step for its page:
the derivation (the equations the check proves), the check with its numbers and
tolerance, the figures with what to look at, the textbook code of the algorithm with
line numbers, the docstrings of the names it uses, and the backend and timing. Every
page works offline; this folder can be zipped and shared."""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _page(title: str, body: str) -> str:
    return PAGE.substitute(title=_e(title), css=CSS, body=body)


def _status(passed: bool) -> str:
    return f'<span class="{"ok" if passed else "fail"}">{"ok" if passed else "FAIL"}</span>'


def write_pages(rows: list, steps: dict, out: Path) -> Path:
    """Write the index, a page per row and the source pages; return the index's path."""
    out.mkdir(parents=True, exist_ok=True)
    modules: set[str] = set()
    ordered = sorted(rows, key=lambda r: _order(r, steps))
    for i, row in enumerate(ordered):
        prev_row = ordered[i - 1] if i else None
        next_row = ordered[i + 1] if i + 1 < len(ordered) else None
        body, used = step_page(row, steps.get(row.name), out, prev_row, next_row)
        modules |= used
        atomic_write_text(out / row.page, _page(f"scratch tour: {row.name}", body))
    for module in sorted(modules):
        write_module_page(module, out)
    index = out / "index.html"
    atomic_write_text(index, _page("scratch tour", index_body(rows, steps)))
    return index


def _order(row, steps: dict) -> tuple:
    s = steps.get(row.name)
    return (s.order if s else 10**9, row.name)


def index_body(rows: list, steps: dict) -> str:
    """The table of steps, failures first (in red), each linking to its page."""
    ordered = sorted(rows, key=lambda r: (r.passed, _order(r, steps)))
    failed = sum(not r.passed for r in rows)
    total = sum(r.seconds for r in rows)
    backends = ", ".join(sorted({r.backend for r in rows})) or "-"
    cells = "".join(
        f'<tr class="{"ok" if r.passed else "fail"}"><td><a href="{_e(r.page)}">{_e(r.name)}</a>'
        f"</td><td>{_e(r.backend)}</td><td>{_e(r.result)}</td><td>{_e(r.check)}</td>"
        f"<td>{_status(r.passed)}</td><td>{r.seconds:.2f}</td></tr>"
        for r in ordered
    )
    summary = (
        f"{len(rows) - failed} passed, {failed} failed on {_e(backends)} in {total:.1f} s"
        f" ({_e(_now())})"
    )
    return (
        f"<h1>scratch tour</h1><p>{summary}</p><h2>How to read this</h2><p>{HOW_TO_READ}</p>"
        "<h2>Steps</h2><table><tr><th>step</th><th>backend</th><th>result</th><th>check</th>"
        f"<th>status</th><th>seconds</th></tr>{cells}</table>"
    )


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _nav(prev_row, next_row) -> str:
    links = ['<a href="index.html">&#8593; all steps</a>']
    if prev_row is not None:
        links.append(f'<a href="{_e(prev_row.page)}">&#8592; {_e(prev_row.name)}</a>')
    if next_row is not None:
        links.append(f'<a href="{_e(next_row.page)}">{_e(next_row.name)} &#8594;</a>')
    return "<nav>" + "".join(links) + "</nav>"


def derivation_html(equations) -> str:
    if not equations:
        return "<p>This step declares no derivation yet.</p>"
    parts = []
    for latex, note in equations:
        note_html = f'<p class="note">{prose_html(note)}</p>' if note else ""
        parts.append(f'<div class="eq">{math_html(latex)}{note_html}</div>')
    return "".join(parts)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def check_html(row, s, modules: set[str]) -> str:
    trs = [
        ("status", _status(row.passed)),
        ("result", _e(row.result)),
        ("check", _e(row.check)),
    ]
    if s is not None and s.criterion:
        trs.append(("passes when", prose_html(s.criterion)))
    trs += [(_e(k), _e(_number(v))) for k, v in row.numbers.items()]
    table = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in trs)
    code = ""
    if s is not None:
        try:
            src = source_of(s.fn)
        except (OSError, TypeError) as e:
            code = f"<p>the step's source is not available: {_e(e)}</p>"
        else:
            modules.add(src.module)
            code = (
                "<details><summary>The tour code that ran this check and drew the figures: "
                f'<a href="{_e(src.page)}#L{src.start}">{_e(src.path)}, lines {src.start}-'
                f"{src.end}</a></summary>{numbered(src.lines, src.start)}</details>"
            )
    return f'<table class="meta">{table}</table>{code}'


def figures_html(row, out: Path) -> str:
    if not row.figures:
        return "<p>This step draws no figures.</p>"
    parts = []
    for f in row.figures:
        caption = row.captions.get(f, "")
        missing = "" if (out / f).is_file() else " <b class='fail'>(file missing)</b>"
        parts.append(
            f'<figure><a href="{_e(f)}"><img src="{_e(f)}" alt="{_e(caption or f)}"></a>'
            f"<figcaption><code>{_e(f)}</code>{missing}"
            f"{': ' + prose_html(caption) if caption else ''}</figcaption></figure>"
        )
    return "".join(parts)


def references_html(s, modules: set[str]) -> str:
    if s is None or not s.reference:
        return "<p>This step names no reference code yet.</p>"
    parts = []
    for ref in s.reference:
        try:
            src = source_of(ref)
        except Exception as e:  # noqa: BLE001 - a wrong reference shows on the page (and fails tests)
            parts.append(
                f"<p class='fail'>cannot show {_e(ref)}: {_e(type(e).__name__)}: {_e(e)}</p>"
            )
            continue
        modules.add(src.module)
        parts.append(
            f'<h3><code>{_e(src.name)}</code></h3><p><a href="{_e(src.page)}#L{src.start}">'
            f"{_e(src.path)}, lines {src.start}-{src.end}</a></p>"
            f"{numbered(src.lines, src.start)}"
        )
    return "".join(parts)


def api_html(s, modules: set[str]) -> str:
    names = [] if s is None else list(dict.fromkeys([*s.reference, *s.api]))
    if not names:
        return "<p>This step names no API.</p>"
    toc, parts, seen = [], [], set()
    for ref in names:
        try:
            obj = resolve(ref)
            src = source_of(obj)
        except Exception as e:  # noqa: BLE001 - shown on the page, caught by the tests
            parts.append(f"<p class='fail'>cannot document {_e(ref)}: {_e(e)}</p>")
            continue
        if src.name in seen:  # the same object named twice (its module, its package)
            continue
        seen.add(src.name)
        modules.add(src.module)
        anchor = f"api-{src.name}"
        toc.append(f'<li><a href="#{_e(anchor)}"><code>{_e(src.name)}</code></a></li>')
        entries = "".join(
            f"<dt><code>{_e(name)}{_e(sig)}</code></dt><dd><pre class='doc'>{_e(doc)}</pre></dd>"
            for name, sig, doc in api_entries(obj)
        )
        parts.append(
            f'<section id="{_e(anchor)}"><h3><code>{_e(src.name)}</code></h3>'
            f'<p><a href="{_e(src.page)}#L{src.start}">source: {_e(src.path)}, line '
            f"{src.start}</a></p><dl>{entries}</dl></section>"
        )
    return f"<ul>{''.join(toc)}</ul>{''.join(parts)}"


def run_html(row) -> str:
    import numpy as np

    from .. import __version__

    trs = [
        ("backend", row.backend),
        ("device", row.device or "-"),
        ("default float", row.dtype or "-"),
        ("time", f"{row.seconds:.2f} s (the whole step: fit, check and figures)"),
        ("written", _now()),
        (
            "versions",
            f"scratch {__version__}, Python {platform.python_version()}, NumPy {np.__version__}",
        ),
        ("run it again", f"scratch tour --only {row.name} --backend {row.backend}"),
    ]
    return (
        '<table class="meta">'
        + "".join(f"<tr><td>{_e(k)}</td><td><code>{_e(v)}</code></td></tr>" for k, v in trs)
        + "</table>"
    )


def step_page(row, s, out: Path, prev_row=None, next_row=None) -> tuple[str, set[str]]:
    """The body of a step's page, and the modules whose source pages it links to."""
    modules: set[str] = set()
    doc = (s.fn.__doc__ or "").strip() if s is not None else ""
    summary = f"<p>{_e(doc)}</p>" if doc else ""
    sections = [
        ("derivation", "Derivation", derivation_html(s.derivation if s else ())),
        ("check", "The check", check_html(row, s, modules)),
        ("figures", "Figures", figures_html(row, out)),
        ("reference", "Reference code", references_html(s, modules)),
        ("api", "API", api_html(s, modules)),
        ("run", "Backend and timing", run_html(row)),
    ]
    toc = " &middot; ".join(f'<a href="#{k}">{t}</a>' for k, t, _ in sections)
    body = (
        f"{_nav(prev_row, next_row)}<h1>{_e(row.name)} {_status(row.passed)}</h1>{summary}"
        f"<p>{toc}</p>" + "".join(f'<h2 id="{k}">{t}</h2>{content}' for k, t, content in sections)
    )
    return body, modules


def write_module_page(module: str, out: Path) -> Path:
    """``src/<module>.html``: the module's whole source, a ``L<n>`` anchor on every line."""
    import importlib
    import inspect

    from ._source import display_path

    mod = importlib.import_module(module)
    file = inspect.getsourcefile(mod)
    lines = Path(file).read_text(encoding="utf-8").splitlines()
    body = (
        '<nav><a href="../index.html">&#8593; all steps</a></nav>'
        f"<h1><code>{_e(module)}</code></h1><p><code>{_e(display_path(file))}</code></p>"
        f"{numbered(lines, 1, anchors=True)}"
    )
    path = out / module_page(module)
    atomic_write_text(path, _page(module, body))
    return path
