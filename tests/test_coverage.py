"""`pkgload coverage`: counts, filters, JSON, and the HTML page as a browser shows it.

The page is rendered by Debian's headless Chromium: a wrapper page loads it in
a frame, reads every syscall cell's computed background colour, its title
(the hover text) and the matrix of recorded runs, and writes them into its
own DOM, which `chromium --dump-dom` prints. The counts of each colour must
be the table's counts of each status. The matrix's runs are real: test
programs run with `pkgload run --record`.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from loader import syscall_table as st
from loader.coverage import COLOURS

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 120
WRAPPER = """<!DOCTYPE html><html><body><pre id="out">waiting</pre>
<iframe id="f" src="coverage.html" width="1400" height="3000"></iframe>
<script>
document.getElementById('f').onload = () => {
  const d = document.getElementById('f').contentDocument, css = e => getComputedStyle(e);
  const cells = [...d.querySelectorAll('.grid .cell')].map(c => ({
    name: c.dataset.name, status: c.dataset.status, colour: css(c).backgroundColor, title: c.title,
    shown: c.getBoundingClientRect().width > 0 && c.getBoundingClientRect().height > 0}));
  const hits = [...d.querySelectorAll('#matrix tr[data-program]')].map(tr => ({
    program: tr.dataset.program,
    calls: [...tr.querySelectorAll('td.hit')].map(td => ({
      name: td.dataset.name, count: +td.textContent, colour: css(td).backgroundColor,
      outline: css(td).outlineStyle}))}));
  const legend = [...d.querySelectorAll('#counts span')].map(s => [s.dataset.status, +s.dataset.count]);
  document.getElementById('out').textContent = JSON.stringify({cells, hits, legend});
};
</script></body></html>
"""


def rgb(hex_colour: str) -> str:
    """Return #rrggbb as the browser's computed `rgb(r, g, b)`."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def cli(pkgload: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(pkgload), *args], capture_output=True, text=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL)


def test_json_counts_equal_the_tables(pkgload: Path) -> None:
    doc = json.loads(cli(pkgload, "coverage", "--json").stdout)
    rows = st.read_table()
    assert doc["total"] == len(rows) == len(st.read_header_numbers())
    assert doc["counts"] == {s: sum(r.status == s for r in rows) for s in st.STATUSES}
    assert [s["name"] for s in doc["syscalls"]] == [r.name for r in rows]


def test_filters_choose_by_status_and_family(pkgload: Path) -> None:
    doc = json.loads(cli(pkgload, "coverage", "--json", "--status", "missing", "--status", "stub",
                         "--family", "file").stdout)
    want = [r.name for r in st.read_table() if r.status in ("missing", "stub") and r.family == "file"]
    assert want and [s["name"] for s in doc["syscalls"]] == want
    text = cli(pkgload, "coverage", "--family", "time", "--status", "missing").stdout
    missing_time = [r.name for r in st.read_table() if r.status == "missing" and r.family == "time"]
    assert missing_time and all(n in text for n in missing_time)
    assert "clock_gettime" not in text and "nanosleep" not in text


def test_unknown_family_is_a_usage_error(pkgload: Path) -> None:
    got = cli(pkgload, "coverage", "--family", "nosuch")
    assert got.returncode == 2 and "nosuch: no such family" in got.stderr


@pytest.fixture(scope="module")
def runs(pkgload: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Record real runs: a static test program hitting a missing syscall, and busybox."""
    out = tmp_path_factory.mktemp("runs")
    prog = out / "callsys"
    subprocess.run(["gcc", "-static", "-O1", "-o", str(prog), str(REPO / "tests" / "stub_programs" /
                                                                  "callsys.c")], check=True)
    busybox = shutil.which("busybox")
    assert busybox, "busybox-static is not installed (tools/setup installs it)"
    for cmd in ([str(prog), "-0", "312", "110", "110"], [busybox, "echo", "hi"]):
        got = cli(pkgload, "run", "-q", "--record", str(out / "runs"), *cmd)
        assert got.returncode == 0, got.stderr
    return out / "runs"


def render_in_chromium(page: Path, tmp_path: Path) -> dict:
    """Load page in headless Chromium through the wrapper; return what the wrapper read."""
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed (tools/setup installs it)"
    shutil.copy(page, tmp_path / "coverage.html")
    (tmp_path / "wrapper.html").write_text(WRAPPER)
    got = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          "--allow-file-access-from-files", f"--user-data-dir={tmp_path / 'profile'}",
                          "--virtual-time-budget=10000", "--dump-dom",
                          (tmp_path / "wrapper.html").as_uri()],
                         capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path,
                         env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    m = re.search(r'<pre id="out">(.*?)</pre>', got.stdout, re.S)
    assert m and m.group(1) != "waiting", f"the wrapper did not read the page: {got.stderr[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


def test_html_page_shows_every_syscall_in_its_colour(pkgload: Path, runs: Path, tmp_path: Path) -> None:
    page = tmp_path / "page" / "coverage.html"
    page.parent.mkdir()
    assert cli(pkgload, "coverage", "--runs", str(runs), "--html", str(page)).returncode == 0
    text = page.read_text()
    assert not re.search(r"\b(src|href)=|url\(|@import|<script", text), "the page is not self-contained"
    shown = render_in_chromium(page, tmp_path)
    rows = {r.name: r for r in st.read_table()}
    cells = shown["cells"]
    assert sorted(c["name"] for c in cells) == sorted(rows) and all(c["shown"] for c in cells)
    by_colour = {s: sum(c["colour"] == rgb(COLOURS[s]) for c in cells) for s in st.STATUSES}
    assert by_colour == st.count_by_status(rows.values())
    assert dict(shown["legend"]) == by_colour
    for c in cells:
        r = rows[c["name"]]
        assert c["colour"] == rgb(COLOURS[r.status]) and c["title"].startswith(f"{r.nr} {r.name}: {r.status}")
        assert r.notes in c["title"]


def test_html_matrix_has_the_runs_and_outlines_missing_calls(pkgload: Path, runs: Path,
                                                            tmp_path: Path) -> None:
    page = tmp_path / "page" / "coverage.html"
    page.parent.mkdir()
    assert cli(pkgload, "coverage", "--runs", str(runs), "--html", str(page)).returncode == 0
    shown = render_in_chromium(page, tmp_path)
    progs = {Path(h["program"]).name: {c["name"]: c for c in h["calls"]} for h in shown["hits"]}
    assert set(progs) == {"callsys", "busybox"}
    callsys = progs["callsys"]
    assert callsys["kcmp"]["count"] == 1 and callsys["getppid"]["count"] == 2
    assert callsys["kcmp"]["colour"] == rgb(COLOURS["missing"])
    assert callsys["kcmp"]["outline"] == "solid" and callsys["getppid"]["outline"] == "none"
    assert "kcmp" not in progs["busybox"] and progs["busybox"]["write"]["count"] >= 1
    saved = json.loads((runs / "callsys.json").read_text())
    assert {n: c["count"] for n, c in callsys.items()} == saved["made"]
