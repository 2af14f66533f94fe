"""The tour's pages in a real browser: headless Chromium lays the math out as math.

The shipped pages hold no JavaScript. To measure them, the test writes a probe copy of
each page next to it (same folder, so every relative link still resolves) with a small
script in <head>: it records load errors, and on ``load`` writes the sizes of every
<math> element, the numerator/denominator positions of every <mfrac> and the natural
size of every <img> into a hidden <pre>, which ``--dump-dom`` prints. The same run takes
a screenshot (the probe is invisible, so it shows the page as shipped); Chromium's log
(``--enable-logging=stderr``) must hold no console message. Needs the Debian package
``chromium``: under CI a missing browser fails, elsewhere the test skips.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess

import pytest

from scratch.tour import run_tour

pytest.importorskip("latex2mathml")
pytest.importorskip("matplotlib")

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]
PAGES = ["index.html", "kmeans.html", "three-coins.html"]

PROBE = """<script>
window.__errors = [];
window.addEventListener("error", (e) => window.__errors.push(
  e.message || ("failed to load " + ((e.target && (e.target.src || e.target.href)) || "?"))), true);
window.addEventListener("load", () => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  const report = {
    math: [...document.querySelectorAll("math")].map((m) =>
      [...box(m), m instanceof MathMLElement, m.getAttribute("display")]),
    fractions: [...document.querySelectorAll("mfrac")].map((f) =>
      [f.children[0].getBoundingClientRect().bottom, f.children[1].getBoundingClientRect().top]),
    images: [...document.images].map((i) => [i.getAttribute("src"), i.naturalWidth]),
    errors: window.__errors,
  };
  const out = document.createElement("pre");
  out.id = "__probe";
  out.hidden = true;
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
});
</script>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI") == "true":
        pytest.fail("CI requires chromium (Debian package 'chromium') for the tour's pages")
    pytest.skip("chromium is not installed (apt-get install chromium): pages not opened")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    browser = _chromium()
    out = tmp_path_factory.mktemp("tour-browser")
    rows = run_tour("numpy", out, only=["autograd", "kmeans", "three-coins"], quiet=True)
    assert all(r.passed for r in rows)
    shots = tmp_path_factory.mktemp("screenshots")
    results = {}
    for page in PAGES:
        text = (out / page).read_text(encoding="utf-8")
        probe = out / f"_probe_{page}"
        probe.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
        profile = tmp_path_factory.mktemp("profile")  # a new, empty profile per page
        shot = shots / page.replace(".html", ".png")
        run = subprocess.run(
            [
                browser,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--window-size=1280,2000",
                f"--screenshot={shot}",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        m = re.search(r'<pre id="__probe" hidden="">(.*?)</pre>', run.stdout, flags=re.S)
        assert m, f"no probe report for {page}: rc {run.returncode}\n{run.stderr[-2000:]}"
        results[page] = (json.loads(html.unescape(m.group(1))), run.stderr, shot, text)
    print(f"screenshots in {shots}")
    return results


@pytest.mark.parametrize("page", PAGES)
def test_pages_load_without_console_errors_or_broken_images(pages, page):
    report, log, _, text = pages[page]
    console = [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == [] and report["errors"] == []
    assert len(report["images"]) == text.count("<img ")
    assert all(width > 0 for _, width in report["images"]), report["images"]


@pytest.mark.parametrize("page", ["kmeans.html", "three-coins.html"])
def test_the_derivation_is_laid_out_as_mathml(pages, page):
    """Every <math> of the page is a MathMLElement with a non-zero box, block equations
    are display="block", and every fraction's numerator sits above its denominator."""
    report, _, _, text = pages[page]
    math = report["math"]
    assert len(math) == text.count("<math ") >= 3
    assert all(w > 0 and h > 0 and is_mathml for w, h, is_mathml, _ in math), math
    assert sum(display == "block" for *_, display in math) >= 3
    assert report["fractions"] and all(num <= den + 1 for num, den in report["fractions"])


@pytest.mark.parametrize("page", PAGES)
def test_screenshots_show_a_rendered_page(pages, page):
    """The screenshot is a 1280-wide PNG that is not blank."""
    import matplotlib.image

    shot = pages[page][2]
    img = matplotlib.image.imread(shot)
    assert img.shape[1] == 1280 and img.shape[0] > 500
    assert img[..., :3].std() > 0.02
