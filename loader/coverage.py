"""`pkgload coverage`: which Linux syscalls the kernel implements, and which ones
recorded runs made. get_coverage gathers syscalls/table.tsv (with families),
the counts by status and the runs saved by `pkgload run --record DIR`;
coverage_to_json gives a stable document (COVERAGE_FORMAT); render_table
draws the terminal table with rich; render_html writes one self-contained page.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loader.cache import cache_dir
from loader.summary import load_runs
from loader.syscall_table import STATUSES, SyscallRow, count_by_status, filter_rows, read_table

COVERAGE_FORMAT = "pkgload-coverage-1"  # bump when the JSON document changes shape
# One colour per status, the same in the terminal and the page.
COLOURS = {"full": "#2e7d32", "partial": "#f9a825", "fake": "#0277bd", "stub": "#7b1fa2",
           "missing": "#c62828"}
_RICH_STYLE = {"full": "green", "partial": "yellow", "fake": "blue", "stub": "magenta",
               "missing": "bold red"}


def default_runs_dir() -> Path:
    """Return where `pkgload coverage` looks for recorded runs by default."""
    return cache_dir() / "runs"


@dataclass
class Coverage:
    """The table (all of it), the rows chosen by the filters, counts and recorded runs."""

    rows: list[SyscallRow]  # every syscall, by number
    shown: list[SyscallRow]  # the rows the filters chose
    runs: list[dict[str, Any]] = field(default_factory=list)  # loader.summary's saved runs

    @property
    def counts(self) -> dict[str, int]:
        """Return the number of syscalls of each status, over the whole table."""
        return count_by_status(self.rows)


def get_families() -> list[str]:
    """Return the families the table uses, sorted."""
    return sorted({r.family for r in read_table()})


def get_coverage(statuses: Iterable[str] = (), families: Iterable[str] = (),
                 runs_dir: Path | None = None) -> Coverage:
    """Return the coverage, the table filtered by statuses and families, with runs_dir's runs."""
    rows = list(read_table())
    runs = load_runs(runs_dir) if runs_dir else []
    return Coverage(rows, filter_rows(rows, statuses, families), runs)


def coverage_to_json(c: Coverage) -> dict[str, Any]:
    """Return the coverage as a JSON-serialisable document (format COVERAGE_FORMAT)."""
    return {
        "format": COVERAGE_FORMAT,
        "total": len(c.rows),
        "counts": c.counts,
        "syscalls": [{"nr": r.nr, "name": r.name, "status": r.status, "family": r.family,
                      "handler": r.handler, "notes": r.notes} for r in c.shown],
        "runs": [{"program": run["program"], "made": run["made"], "missing": run["missing"],
                  "stubbed": run["stubbed"]} for run in c.runs],
    }


def render_table(c: Coverage) -> None:
    """Draw the counts and the chosen rows on stdout with rich."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    counts = Table(*STATUSES, "total", title="syscalls by status")
    counts.add_row(*(f"[{_RICH_STYLE[s]}]{c.counts[s]}[/]" for s in STATUSES), str(len(c.rows)))
    console.print(counts)
    table = Table("nr", "syscall", "status", "family", "notes", title=f"{len(c.shown)} syscalls")
    for r in c.shown:
        table.add_row(str(r.nr), r.name, f"[{_RICH_STYLE[r.status]}]{r.status}[/]", r.family, r.notes)
    console.print(table)


_CSS = """
body { font: 13px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
.legend span, .cell { display: inline-block; color: #fff; border-radius: 3px; }
.legend span { padding: 2px 8px; margin-right: 6px; }
.grid { display: flex; flex-wrap: wrap; gap: 3px; }
.cell { width: 128px; padding: 3px 4px; font-size: 11px; overflow: hidden; white-space: nowrap;
        text-overflow: ellipsis; cursor: default; }
.cell .nr { opacity: .75; margin-right: 4px; }
table.matrix { border-collapse: collapse; font-size: 11px; }
table.matrix th, table.matrix td { border: 1px solid #ddd; padding: 2px 4px; text-align: center; }
table.matrix th.call { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
table.matrix th.prog { text-align: left; white-space: nowrap; }
table.matrix td.hit { color: #fff; }
table.matrix td.hit.missing, table.matrix th.missing { outline: 2px solid #000; font-weight: bold; }
"""


def _status_css() -> str:
    """Return one rule per status: its cells' background colour."""
    rules = [f".s-{s} {{ background-color: {col}; }}" for s, col in COLOURS.items()]
    return "\n".join(rules) + "\n.s-partial { color: #222; }"


def _cell(r: SyscallRow) -> str:
    """Return one syscall's cell: coloured by status, its note on hover (title)."""
    note = f"{r.nr} {r.name}: {r.status}" + (f": {r.notes}" if r.notes else "")
    return (f'<div class="cell s-{r.status}" data-nr="{r.nr}" data-name="{r.name}" '
            f'data-status="{r.status}" title="{html.escape(note)}">'
            f'<span class="nr">{r.nr}</span>{html.escape(r.name)}</div>')


def _legend(c: Coverage) -> str:
    """Return the counts by status as coloured labels."""
    spans = "".join(f'<span class="s-{s}" data-status="{s}" data-count="{c.counts[s]}">{s}: '
                    f"{c.counts[s]}</span>" for s in STATUSES)
    return f'<p class="legend" id="counts">{spans} of {len(c.rows)} x86-64 syscalls</p>'


def _grid(c: Coverage) -> str:
    """Return the chosen syscalls as cells, one grid per family."""
    out = []
    for fam in sorted({r.family for r in c.shown}):
        cells = "".join(_cell(r) for r in c.shown if r.family == fam)
        out.append(f'<h2>{html.escape(fam)}</h2><div class="grid" data-family="{fam}">{cells}</div>')
    return "\n".join(out)


def _matrix(c: Coverage) -> str:
    """Return the programs x syscalls table of the recorded runs; missing calls highlighted."""
    if not c.runs:
        return "<p>No recorded runs: <code>pkgload run --record DIR PROGRAM</code> saves one.</p>"
    by_name = {r.name: r for r in c.rows}
    names = sorted({n for run in c.runs for n in run["made"]},
                   key=lambda n: by_name[n].nr if n in by_name else 10**6)
    status = {n: by_name[n].status if n in by_name else "missing" for n in names}
    head = "".join(f'<th class="call {"missing" if status[n] == "missing" else ""}" '
                   f'title="{html.escape(n)}: {status[n]}">{html.escape(n)}</th>' for n in names)
    rows = []
    for run in c.runs:
        tds = []
        for n in names:
            count = run["made"].get(n, 0)
            st = "stub" if n in run["stubbed"] else "missing" if n in run["missing"] else status[n]
            tds.append(f'<td class="hit s-{st} {st}" data-name="{n}" data-status="{st}" '
                       f'title="{html.escape(n)}: {count} calls, {st}">{count}</td>'
                       if count else "<td></td>")
        argv = " ".join(run.get("argv", [])) or run["program"]
        label = "/".join(Path(run["program"]).parts[-2:])
        tip = f"{run['program']}: {run.get('runs', 1)} run(s), the last: {argv}"
        rows.append(f'<tr data-program="{html.escape(run["program"])}"><th class="prog" '
                    f'title="{html.escape(tip)}">{html.escape(label)}</th>{"".join(tds)}</tr>')
    return (f'<table class="matrix" id="matrix"><tr><th></th>{head}</tr>\n'
            + "\n".join(rows) + "</table>")


def render_html(c: Coverage) -> str:
    """Return the coverage as one self-contained HTML page (no scripts, no external files)."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pkgload syscall coverage</title>
<style>{_CSS}{_status_css()}</style></head>
<body>
<h1>pkgload syscall coverage</h1>
{_legend(c)}
<p>Each cell is one syscall of syscalls/table.tsv, coloured by status; hover for its note.</p>
{_grid(c)}
<h2>Programs and the syscalls they made</h2>
<p>Recorded runs ({len(c.runs)}): calls per syscall; a missing one (ENOSYS) is outlined.</p>
{_matrix(c)}
</body></html>
"""
