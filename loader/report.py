"""`pkgload analyze`: what pkgload knows about a program before running it.

get_report gathers the ELF facts (elf.py, plus PT_TLS and PT_GNU_STACK read
here with pyelftools), the library closure (deps.resolve_deps, for the CPU
the guest has under the accelerator `pkgload run` would pick), the syscalls
(scan.scan_program) with their status in syscalls/table.tsv, and a verdict.
A missing library is part of the report, not an error: the
verdict then names it. report_to_json gives a stable JSON document
(ANALYZE_FORMAT); render_report draws the report with rich.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loader.deps import DepClosure, get_guest_hwcaps, resolve_deps
from loader.elf import ElfImage, ElfInfo, check_runnable
from loader.scan import Scope, SyscallUse, Verdict, scan_program
from loader.vm import select_accel

ANALYZE_FORMAT = "pkgload-analyze-1"  # bump when the JSON document changes shape
_PF_X = 0x1


@dataclass(frozen=True)
class ElfFacts:
    """The ELF facts analyze shows beyond ElfInfo."""

    needed: tuple[str, ...]  # the program's own DT_NEEDED, in order
    has_tls: bool  # PT_TLS present
    has_exec_stack: bool  # PT_GNU_STACK with PF_X, or no PT_GNU_STACK at all


@dataclass(frozen=True)
class Report:
    """Everything `pkgload analyze` shows about one program."""

    info: ElfInfo
    facts: ElfFacts
    closure: DepClosure
    scope: Scope
    syscalls: list[SyscallUse]
    undetermined: int  # sites whose number is unknown, in the scanned objects
    verdict: str


def get_elf_facts(path: str | os.PathLike[str]) -> ElfFacts:
    """Return DT_NEEDED, TLS and executable-stack facts of an ELF file."""
    with ElfImage(Path(path)) as img:
        needed: list[str] = []
        for seg in img.elf.iter_segments("PT_DYNAMIC"):
            needed = [t.needed for t in seg.iter_tags("DT_NEEDED")]
        types = {seg["p_type"]: seg for seg in img.elf.iter_segments()}
        stack = types.get("PT_GNU_STACK")
        return ElfFacts(
            needed=tuple(needed),
            has_tls="PT_TLS" in types,
            has_exec_stack=stack is None or bool(stack["p_flags"] & _PF_X),
        )


def get_report(program: str | os.PathLike[str], scope: Scope = "likely") -> Report:
    """Analyse program: ELF facts, libraries, syscalls and a verdict.

    Raises ElfFormatError when program (or a library found) is not a
    readable x86-64 ELF program. Missing libraries are reported, not raised.
    """
    info = check_runnable(program)
    facts = get_elf_facts(program)
    closure = resolve_deps(program, hwcaps=get_guest_hwcaps(select_accel().name))
    scan = scan_program(closure)
    syscalls = list(scan.iter_syscalls(scope))
    if closure.missing:
        verdict = "needs missing libraries: " + ", ".join(m.name for m in closure.missing)
    else:
        verdict = _with_stub_sets(scan.get_verdict(scope))
    return Report(info, facts, closure, scope, syscalls, scan.undetermined, verdict)


def _with_stub_sets(v: Verdict) -> str:
    """Return the verdict's text, naming the stub sets that cover every missing syscall it names."""
    from loader.stubs import get_covering_sets

    sets = get_covering_sets(v.missing) if v.kind in ("may", "start") else []
    return str(v) + (f"; --stubs {' or --stubs '.join(sets)} would stand in" if sets else "")


def report_to_json(r: Report) -> dict[str, Any]:
    """Return the report as a JSON-serialisable document (format ANALYZE_FORMAT)."""
    c = r.closure
    return {
        "format": ANALYZE_FORMAT,
        "program": str(r.info.path),
        "real_path": c.program_real,
        "elf": {
            "kind": r.info.kind,
            "static": r.info.is_static,
            "pie": r.info.is_pie,
            "interpreter": r.info.interpreter,
            "needed": list(r.facts.needed),
            "tls": r.facts.has_tls,
            "executable_stack": r.facts.has_exec_stack,
            "entry": r.info.entry,
        },
        "libraries": [
            {
                "name": lib.name,
                "soname": lib.soname,
                "path": lib.path,
                "real_path": lib.real_path,
                "needed_by": lib.needed_by,
                "found_by": lib.found_by,
            }
            for lib in c.iter_objects()
        ],
        "missing": [
            {"name": m.name, "needed_by": m.needed_by, "reason": m.reason} for m in c.missing
        ],
        "scope": r.scope,
        "syscalls": [
            {"nr": s.syscall.nr, "name": s.name, "status": s.status, "sites": s.all_sites,
             "via": list(s.via)}
            for s in r.syscalls
        ],
        "undetermined_sites": r.undetermined,
        "verdict": r.verdict,
    }


_STATUS_STYLE = {"full": "green", "partial": "yellow", "fake": "cyan", "stub": "cyan",
                 "missing": "bold red"}


def render_report(r: Report) -> None:
    """Draw the report on stdout with rich."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    yes = {True: "yes", False: "no"}
    facts = Table(title=str(r.info.path), show_header=False)
    facts.add_row("kind", r.info.kind)
    facts.add_row("interpreter", r.info.interpreter or "-")
    facts.add_row("needed", ", ".join(r.facts.needed) or "-")
    facts.add_row("TLS", yes[r.facts.has_tls])
    facts.add_row("executable stack", yes[r.facts.has_exec_stack])
    console.print(facts)
    if r.info.is_dynamic:
        libs = Table("library", "path", "found by", title="libraries")
        for lib in r.closure.iter_objects():
            libs.add_row(lib.name, lib.path, lib.found_by)
        for m in r.closure.missing:
            libs.add_row(f"[bold red]{m.name}[/]", f"[bold red]{m.reason}[/]",
                         f"needed by {m.needed_by}")
        console.print(libs)
    calls = Table("nr", "syscall", "status", "sites", "via",
                  title=f"syscalls ({r.scope}; {r.undetermined} sites undetermined)")
    for s in r.syscalls:
        style = _STATUS_STYLE.get(s.status, "")
        calls.add_row(str(s.syscall.nr), s.name, f"[{style}]{s.status}[/]" if style else s.status,
                      str(s.all_sites), ", ".join(s.via))
    console.print(calls)
    console.print(f"verdict: {r.verdict}", markup=False, highlight=False)
