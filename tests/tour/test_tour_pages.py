"""The tour's pages: every declared equation renders, every link resolves, the table reads.

Runs the tour on three cheap steps (autograd, kmeans, three-coins: about 1.5 s) and
renders a page for every registered step from a stand-in row, so the declarations of
the steps not run here (references, API names, captions) are checked too.
"""

from __future__ import annotations

import inspect
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import tour
from scratch.tour import STEPS, Outcome, Row, discover, run_tour, shorten, step
from scratch.tour._pages import write_pages
from scratch.tour._source import inline_latex, latex_to_mathml, source_of

pytest.importorskip("latex2mathml")
pytest.importorskip("matplotlib")

CHEAP = ["autograd", "kmeans", "three-coins"]
STEP_NAMES = [s.name for s in discover()]


def _all_latex(s) -> list[tuple[str, str]]:
    """(LaTeX, display) of everything a step declares: equations, notes, criterion, captions."""
    found = []
    for latex, note in s.derivation:
        found.append((latex, "block"))
        found += [(t, "inline") for t in inline_latex(note)]
    for text in [s.criterion, *s.captions.values()]:
        found += [(t, "inline") for t in inline_latex(text)]
    return found


@pytest.mark.parametrize("name", STEP_NAMES)
def test_every_declared_equation_renders_as_well_formed_mathml(name):
    """latex2mathml converts each equation and each $...$ of the step; the result parses
    as XML whose root is a MathML <math> element with content."""
    for latex, display in _all_latex(STEPS[name]):
        root = ET.fromstring(latex_to_mathml(latex, display))
        assert root.tag == "{http://www.w3.org/1998/Math/MathML}math"
        assert root.get("display") == display and len(root) > 0, latex


@pytest.mark.parametrize("name", STEP_NAMES)
def test_every_reference_is_shown_as_its_own_lines_of_its_module(name):
    """The reference code and API names resolve; the listing is the module's own lines."""
    s = STEPS[name]
    for ref in [*s.reference, *s.api]:
        src = source_of(ref)
        lines = Path(inspect.getsourcefile(src.obj)).read_text(encoding="utf-8").splitlines()
        assert [x.rstrip("\n") for x in src.lines] == lines[src.start - 1 : src.end], ref


def test_a_converter_failure_is_an_error_not_a_blank():
    """What latex2mathml mangles (aligned's &, \\operatorname with a digit, a missing brace)
    and a non-raw '\\theta' (a TAB) raise instead of rendering a blank or a guess."""
    with pytest.raises(ValueError, match="cannot render"):
        latex_to_mathml(r"\begin{aligned} a &= b \\ c &= d \end{aligned}")
    with pytest.raises(ValueError, match="dropped a token"):
        latex_to_mathml(r"\operatorname{col2im}(x)")  # a digit in the name: an empty <mo/>
    with pytest.raises(ValueError, match="unbalanced braces"):
        latex_to_mathml(r"\frac{a}{b = c")  # latex2mathml alone renders a guess
    with pytest.raises(ValueError, match="raw string"):
        latex_to_mathml("\theta = 1")  # not raw: a TAB, then "heta"
    with pytest.raises(TypeError, match="derivation items"):
        step("never-registered", derivation=[("a", "b", "c")])


class _Links(HTMLParser):
    """Every href/src of a page, its ids, its <img>s and its code listings."""

    def __init__(self):
        super().__init__()
        self.links, self.ids, self.images, self.code = [], set(), [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "img":
            self.images.append(a.get("src"))
        if tag == "pre" and a.get("class") == "code":
            self.code += 1
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _check_links(out: Path) -> int:
    """Every relative link of every page names an existing file (and anchor); returns the count."""
    checked = 0
    for page in out.rglob("*.html"):
        for link in _parse(page).links:
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc, f"{page.name}: absolute link {link}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(out)} links to missing {link}"
            assert out.resolve() in target.parents or target == out.resolve(), link
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in _parse(target).ids, f"{page.name}: no #{parts.fragment}"
            checked += 1
    return checked


@pytest.fixture(scope="module")
def toured(tmp_path_factory):
    out = tmp_path_factory.mktemp("tour")
    rows = run_tour("numpy", out, only=CHEAP, quiet=True)
    return out, rows


def test_pages_of_a_run_link_to_existing_figures_code_and_anchors(toured):
    """index.html and each step's page exist; every <img>, code link and #anchor resolves;
    each step's page shows each of its figures and one listing per reference."""
    out, rows = toured
    assert [r.passed for r in rows] == [True] * len(CHEAP)
    assert _check_links(out) > 30
    assert sum(len(r.figures) for r in rows) == 2  # kmeans.png, three_coins.png
    index = _parse(out / "index.html")
    assert {r.page for r in rows} <= set(index.links)
    for r in rows:
        page = _parse(out / r.page)
        assert page.images == r.figures
        assert all((out / f).stat().st_size > 1000 for f in r.figures)
        s = STEPS[r.name]
        assert page.code == len(s.reference) + 1  # the references, and the step's own code


def test_a_page_shows_the_derivation_as_mathml_and_the_captions(toured):
    """The MathML embedded in the page is well formed; captions from the step are shown."""
    out, rows = toured
    text = (out / "three-coins.html").read_text(encoding="utf-8")
    maths = re.findall(r"<math .*?</math>", text, flags=re.S)
    s = STEPS["three-coins"]
    assert len(maths) == len(_all_latex(s))
    for m in maths:
        ET.fromstring(m)
    assert 'class="tex' not in text and "cannot show" not in text
    assert "not identifiable" in text  # the caption declared in @step(captions=...)
    assert "Li Hang ex. 9.1" in text  # the run's own check string


def test_every_registered_step_gets_a_page_with_its_code_and_api(tmp_path):
    """A page for every step (stand-in rows, nothing run): no unresolved reference, no
    LaTeX error, and every link of every page resolves."""
    rows = [
        Row(s.name, "numpy", "r", "c", True, 0.0, [], device="cpu", dtype="float64")
        for s in discover()
    ]
    write_pages(rows, STEPS, tmp_path)
    for r in rows:
        text = (tmp_path / r.page).read_text(encoding="utf-8")
        for bad in ('class="tex', "cannot show", "cannot document"):
            assert bad not in text, f"{r.page}: {bad}"
    _check_links(tmp_path)


def test_the_index_puts_failures_first_and_in_red(tmp_path):
    rows = [
        Row("autograd", "numpy", "fine", "c", True, 0.1, []),
        Row("kmeans", "numpy", "broken", "c", False, 0.2, []),
    ]
    write_pages(rows, STEPS, tmp_path)
    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    table = text[text.index("<table") :]
    assert table.index("kmeans.html") < table.index("autograd.html")
    assert re.search(r'<tr class="fail"><td><a href="kmeans.html">', text)
    assert ".fail" in text and "color:#c00" in text and "How to read this" in text


@pytest.fixture
def plain_step():
    """A step that declares nothing, with Outcome captions; unregistered afterwards."""

    @step("plain-test-step", order=10**6)
    def plain(bk, out):
        for name in ("plain_a.png", "plain_b.png"):
            _png(out / name)
        return Outcome(
            "a result that is much longer than the thirty-four characters of its column 1.4e-15",
            "ok",
            True,
            figures=[("plain_a.png", "look at A"), "plain_b.png"],
            numbers={"gap": 1.4e-15},
        )

    yield "plain-test-step"
    del STEPS["plain-test-step"]


def _png(path):
    import matplotlib.image
    import numpy as np

    from scratch.io import atomic_write_bytes

    buf = io.BytesIO()
    matplotlib.image.imsave(buf, np.eye(8), format="png")
    atomic_write_bytes(path, buf.getvalue())


def test_a_step_that_declares_nothing_still_runs_and_gets_its_page(plain_step, tmp_path, capsys):
    """Backward compatible: plain figure names and (file, caption) pairs both work; the
    terminal row is shortened at a word and the full text's place is printed once."""
    (row,) = run_tour("numpy", tmp_path, only=[plain_step])
    assert row.figures == ["plain_a.png", "plain_b.png"]
    assert row.captions == {"plain_a.png": "look at A"}
    text = (tmp_path / row.page).read_text(encoding="utf-8")
    assert "declares no derivation yet" in text and "look at A" in text and "1.4e-15" in text
    printed = capsys.readouterr().out
    assert "1.4e-" not in printed.replace("1.4e-15", "")  # never cut inside the number
    assert printed.count(str(tmp_path / "index.html")) == 1
    _check_links(tmp_path)


_tokens = st.one_of(
    st.floats(1e-20, 1e20).map(lambda v: f"{v:.1e}"),
    st.floats(0, 1e4).map(lambda v: f"{v:.4f}"),
    st.text("abcxyz|=;,:<>()/", min_size=1, max_size=12),
)


@given(words=st.lists(_tokens, min_size=1, max_size=12), width=st.integers(12, 60))
def test_shortened_cells_end_at_a_word_never_inside_a_number(words, width):
    """shorten keeps the whole text when it fits; otherwise whole leading words + '...',
    within the width (unless the first word alone is too long)."""
    text = " ".join(words)
    short = shorten(text, width)
    if len(text) <= width:
        assert short == text
        return
    assert short.endswith("...")
    head = short[:-3]
    assert text.startswith(head)
    if len(words[0]) <= width - 3:
        assert len(short) <= width
        assert text[len(head)] in " ,;:=<>"  # the cut is at a space (or a dangling , ; =)


def test_the_adjoint_gap_of_conv_is_no_longer_cut_mid_number():
    """The issue's example: 'max |conv - Mx|, adjoint gap 1.4e-15' in the 34-wide column."""
    text = "max |conv - Mx|, adjoint gap 1.4e-15"
    assert shorten(text, tour.RESULT_WIDTH) == "max |conv - Mx|, adjoint gap..."
    assert shorten(text, 36) == text


def test_cli_tour_open_opens_the_index_in_the_browser(tmp_path, monkeypatch, capsys):
    import webbrowser

    from scratch.cli import main

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    assert main(["tour", "--only", "autograd", "--out", str(tmp_path), "--quiet", "--open"]) == 0
    assert opened == [(tmp_path / "index.html").resolve().as_uri()]
    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    assert main(["tour", "--only", "autograd", "--out", str(tmp_path), "--quiet", "--open"]) == 0
    assert "no web browser found" in capsys.readouterr().out
