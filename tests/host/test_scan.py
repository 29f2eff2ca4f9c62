"""loader.scan on real code: small static programs with known syscall sites
(inline assembly), glibc's static hello, Debian's libc.so.6 and ld.so, and
/usr/bin/python3 with its closure. `objdump -d` is the independent count
of `syscall` instructions; the per-file cache is checked by its hits.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from loader.deps import resolve_deps
from loader.errors import ElfFormatError
from loader.scan import (
    LIBC_SYSCALLS,
    STARTUP_SYSCALLS,
    Syscall,
    SyscallUse,
    get_syscall,
    get_verdict,
    iter_file_sites,
    load_syscall_table,
    scan_object,
    scan_program,
)

LIBC = "/lib/x86_64-linux-gnu/libc.so.6"
LD_SO = "/lib64/ld-linux-x86-64.so.2"


@pytest.fixture(autouse=True)
def private_cache(cache: Path) -> Path:
    """Every test scans with a fresh cache of its own (tests/host/conftest.py)."""
    return cache


def cc(out: Path, source: str, *flags: str) -> Path:
    """Build out from C source with gcc (libraries after the source)."""
    src = out.with_suffix(".c")
    src.write_text(source)
    cmd = ["gcc", "-O1", "-o", str(out), str(src), *flags]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed:\n{proc.stderr}", pytrace=False)
    return out


def asm_program(tmp_path: Path, name: str, body: str) -> Path:
    """A static program whose main runs the inline assembly body, then returns 0."""
    src = (
        "int main(void) {\n"
        f'    __asm__ volatile("{body}" ::: "rax", "rcx", "rdx", "rsi", "r11", "memory");\n'
        "    return 0;\n}\n"
    )
    return cc(tmp_path / name, src, "-static")


def objdump_sites(path: str | Path) -> int:
    """Count `syscall` instructions with objdump's linear sweep."""
    out = subprocess.run(["objdump", "-d", str(path)], capture_output=True, text=True, check=True)
    return len(re.findall(r"\tsyscall\s*$", out.stdout, re.M))


def sites_in(path: Path, start: int, end: int) -> list[tuple[int, str, int | None]]:
    """Return the sites between two virtual addresses of a file."""
    return [s for s in iter_file_sites(path) if start <= s[0] < end]


def main_range(path: Path) -> tuple[int, int]:
    """Return main's [start, end) from the symbol table."""
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        (sym,) = symtab.get_symbol_by_name("main")
        return sym["st_value"], sym["st_value"] + sym["st_size"]


# ---------------------------------------------------------------------------
# Sites and numbers


def test_inline_getpid_is_found(tmp_path: Path) -> None:
    prog = asm_program(tmp_path, "getpid", "mov $39, %%eax\\n\\tsyscall")
    assert [s[1:] for s in sites_in(prog, *main_range(prog))] == [("syscall", 39)]
    result = scan_object(prog)
    assert result.determined.get(39, 0) >= 1


@pytest.mark.parametrize(
    "body, want",
    [
        ("xor %%eax, %%eax\\n\\tsyscall", 0),  # read
        ("mov $60, %%rax\\n\\tsyscall", 60),
        ("mov $231, %%edx\\n\\tmov $1, %%esi\\n\\tmov %%edx, %%eax\\n\\tsyscall", 231),  # a copy
        ("mov $39, %%eax\\n\\tmov %%edi, %%eax\\n\\tsyscall", None),  # overwritten by a register
        (
            "mov $39, %%eax\\n\\tjmp 1f\\n1:\\n\\tsyscall",
            None,
        ),  # a jump: a label we cannot see past
        ("mov $39, %%eax\\n\\tmov (%%rsp), %%al\\n\\tsyscall", None),  # partial write
        ("mov $39, %%eax\\n\\tcall 1f\\n1:\\n\\tpop %%rcx\\n\\tsyscall", None),  # a call
        ("mov %%edi, %%eax\\n\\tsyscall", None),  # glibc's syscall(): number from a register
    ],
)
def test_number_reaching_the_site(tmp_path: Path, body: str, want: int | None) -> None:
    prog = asm_program(tmp_path, "p", body)
    assert [s[1:] for s in sites_in(prog, *main_range(prog))] == [("syscall", want)]


def test_syscall_bytes_inside_other_instructions_are_not_sites(tmp_path: Path) -> None:
    # be 0f 05 00 00 (mov esi, 0x50f) and 48 8d 05 0f 05 00 00-like displacements
    prog = asm_program(tmp_path, "p", "mov $0x50f, %%esi\\n\\tmov $0x50f050f, %%eax")
    lo, hi = main_range(prog)
    assert b"\x0f\x05" in prog.read_bytes()
    assert sites_in(prog, lo, hi) == []
    result = scan_object(prog)
    assert result.sites == objdump_sites(prog)


def test_int80_is_counted_apart(tmp_path: Path) -> None:
    prog = asm_program(tmp_path, "p", "mov $20, %%eax\\n\\tint $0x80")
    assert [s[1:] for s in sites_in(prog, *main_range(prog))] == [("int80", 20)]
    result = scan_object(prog)
    assert result.int80_sites == 1  # i386 numbers: not mixed with the x86-64 ones
    assert (
        result.sites == objdump_sites(prog) == sum(result.determined.values()) + result.undetermined
    )


def test_static_hello(tmp_path: Path) -> None:
    prog = cc(
        tmp_path / "hello",
        '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n',
        "-static",
    )
    result = scan_object(prog)
    assert result.determined.get(1, 0) >= 1  # write
    assert result.determined.get(231, 0) >= 1  # exit_group
    assert result.sites == sum(result.determined.values()) + result.undetermined
    assert result.sites == objdump_sites(prog)
    assert len(result.undetermined_at) == result.undetermined
    scan = scan_program([prog])
    assert not scan.dynamic
    names = {u.name for u in scan.iter_syscalls("likely")}
    assert {"write", "exit_group"} <= names
    assert [u.name for u in scan.iter_syscalls("likely")] == [
        u.name for u in scan.iter_syscalls("all")
    ]


@pytest.mark.parametrize("path", [LIBC, LD_SO])
def test_every_syscall_instruction_of_glibc_is_a_site(path: str) -> None:
    result = scan_object(path)
    assert result.sites == objdump_sites(path)
    assert result.sites == sum(result.determined.values()) + result.undetermined
    assert result.undetermined * 5 < result.sites  # wrappers taking the number in a register
    assert result.soname in ("libc.so.6", "ld-linux-x86-64.so.2") and result.is_libc


def test_not_an_elf_file(tmp_path: Path) -> None:
    p = tmp_path / "text"
    p.write_text("hello\n")
    with pytest.raises(ElfFormatError, match="not an ELF file"):
        scan_object(p)


# ---------------------------------------------------------------------------
# The libc table


def libc_function_sites() -> dict[str, set[int]]:
    """Return, per function exported by libc.so.6, the numbers its own body's sites hold."""
    from elftools.elf.elffile import ELFFile

    sites = [(a, nr) for a, _, nr in iter_file_sites(LIBC)]
    out: dict[str, set[int]] = {}
    with open(LIBC, "rb") as f:
        for sym in ELFFile(f).get_section_by_name(".dynsym").iter_symbols():
            name, lo = sym.name.split("@")[0], sym["st_value"]
            if sym["st_info"]["type"] == "STT_FUNC" and lo and name in LIBC_SYSCALLS:
                hi = lo + sym["st_size"]
                out[name] = {nr for a, nr in sites if lo <= a < hi and nr is not None}
    return out


def test_libc_table_names_table_tsv_syscalls() -> None:
    names = {s.name for s in load_syscall_table().values()}
    assert {s for scs in LIBC_SYSCALLS.values() for s in scs} <= names
    assert set(STARTUP_SYSCALLS) <= names
    assert len(LIBC_SYSCALLS) >= 150


def test_libc_table_agrees_with_libc() -> None:
    """Each function's own syscall sites are in its row; simple wrappers match exactly."""
    table = load_syscall_table()
    body = {fn: {table[nr].name for nr in nrs} for fn, nrs in libc_function_sites().items()}
    for fn, made in body.items():
        assert made <= set(LIBC_SYSCALLS[fn]), (
            f"{fn} makes {sorted(made)}, table {LIBC_SYSCALLS[fn]}"
        )
    wrappers = ["read", "write", "close", "openat", "mmap", "munmap", "socket", "connect",
                "accept4", "epoll_wait", "getpid", "pipe2", "dup3", "uname", "creat",
                "select"]  # fmt: skip
    for fn in wrappers:
        assert body[fn] == set(LIBC_SYSCALLS[fn]), fn


# ---------------------------------------------------------------------------
# Programs, imports, statuses and verdicts


def test_imports_map_through_the_table(tmp_path: Path) -> None:
    src = (
        "#include <sys/socket.h>\n#include <unistd.h>\n#include <sys/syscall.h>\n"
        "int main(void) { int s = socket(AF_INET, SOCK_STREAM, 0);\n"
        "  connect(s, 0, 0); return syscall(SYS_getpid) > 0 ? 0 : 1; }\n"
    )
    prog = cc(tmp_path / "net", src)
    result = scan_program(resolve_deps(prog))
    assert result.dynamic
    imports = result.get_imports()
    assert imports["socket"] == ("socket",) and imports["connect"] == ("connect",)
    assert imports["syscall"] == ()  # the number comes from the caller: undetermined
    likely = {u.name: u for u in result.iter_syscalls("likely")}
    assert likely["socket"].via == ("socket",) and likely["socket"].sites == 0
    assert "startup" in likely["mmap"].via
    assert set(STARTUP_SYSCALLS) <= set(likely)
    everything = {u.name for u in result.iter_syscalls("all")}
    assert set(likely) <= everything and len(everything) > len(likely)
    assert result.sites == sum(o.sites for o in result.objects)


def test_statuses_come_from_table_tsv() -> None:
    table = load_syscall_table()
    rows = [
        line.split("\t")
        for line in Path(__file__)
        .parents[2]
        .joinpath("syscalls/table.tsv")
        .read_text()
        .splitlines()[1:]
    ]
    for cols in rows:
        s = get_syscall(table, int(cols[0]))
        assert (s.name, s.status) == (cols[1], cols[2])
    unknown = get_syscall(table, 999)
    assert (unknown.name, unknown.status) == ("syscall_999", "missing")


def row(name: str, status: str, nr: int = 0) -> Syscall:
    """A table row for verdict tests."""
    return Syscall(nr, name, status, "-", "")


def test_verdicts() -> None:
    assert str(get_verdict([row("read", "full", 0), row("write", "full", 1)])) == "runs"
    v = get_verdict([row("read", "full", 0), row("mmap", "partial", 9)])
    assert (v.kind, str(v)) == ("runs", "runs (partial: mmap)")
    v = get_verdict([row("getuid", "stub", 102), row("sync", "fake", 162), row("read", "full")])
    assert (v.kind, str(v)) == ("stubs", "runs with stubs: getuid, sync")
    v = get_verdict(
        [row("socket", "missing", 41), row("bind", "missing", 49), row("getuid", "stub", 102)]
    )
    assert (v.kind, str(v)) == ("may", "may fail: socket, bind")
    assert v.stubbed == ("getuid",)


def use(name: str, status: str, nr: int, via: tuple[str, ...] = (), sites: int = 0) -> SyscallUse:
    return SyscallUse(row(name, status, nr), sites, via)


def test_verdict_start_up_fallbacks_and_ways() -> None:
    v = get_verdict([use("rseq", "missing", 334, ("startup",)), use("bind", "missing", 49, ("bind",))])
    assert (v.kind, str(v)) == ("start", "will fail at start-up: rseq")
    # clone3 falls back to clone from anywhere (syscalls/fallbacks.tsv)
    v = get_verdict([use("clone3", "missing", 435, ("pthread_create",), 2), use("read", "full", 0)])
    assert (v.kind, str(v)) == ("runs", "runs (falls back from: clone3)")
    # NSS's nscd socket falls back to /etc files; the same call from the program's own socket() does not
    v = get_verdict([use("socket", "missing", 41, ("getpwnam",))])
    assert v.kind == "runs" and v.fallbacks == ("socket",)
    v = get_verdict([use("socket", "missing", 41, ("getpwnam", "socket"))])
    assert (v.kind, str(v)) == ("may", "may fail: socket (via socket)")
    # a libc call reached through a library names the program's import that leads there
    v = get_verdict([use("connect", "missing", 42, ("getaddrinfo",))],
                    {"getaddrinfo": ("curl_easy_perform",)})
    assert str(v) == "may fail: connect (via curl_easy_perform>getaddrinfo)"
    v = get_verdict([use("connect", "missing", 42, ("socket",))], {"socket": ("getfilecon",)})
    assert v.kind == "runs"  # libselinux's mcstrans socket
    v = get_verdict([use("socket", "missing", 41, (), 3)])
    assert str(v) == "may fail: socket (via 3 sites)"


# ---------------------------------------------------------------------------
# The cache


def test_python3_closure_warm_scan_hits_the_cache(capsys: pytest.CaptureFixture[str]) -> None:
    t0 = time.perf_counter()
    closure = resolve_deps("/usr/bin/python3")
    cold = scan_program(closure)
    t1 = time.perf_counter()
    assert not any(o.from_cache for o in cold.objects)
    closure = resolve_deps("/usr/bin/python3")
    warm = scan_program(closure)
    t2 = time.perf_counter()
    assert all(o.from_cache for o in warm.objects)
    assert warm.objects == cold.objects
    assert warm.objects[0].path == os.path.realpath("/usr/bin/python3")
    libc = next(o for o in warm.objects if o.soname == "libc.so.6")
    assert libc.sites == objdump_sites(LIBC)
    with capsys.disabled():
        print(f"\n  python3 closure ({len(warm.objects)} files): deps+scan cold {t1 - t0:.3f} s, "
              f"warm {t2 - t1:.3f} s; verdict: {warm.get_verdict()}")  # fmt: skip


def test_cache_is_keyed_by_the_file_stat(tmp_path: Path, private_cache: Path) -> None:
    prog = asm_program(tmp_path, "p", "mov $39, %%eax\\n\\tsyscall")
    first = scan_object(prog)
    assert not first.from_cache and scan_object(prog).from_cache
    assert list((private_cache / "scan").glob("*.json"))
    st = prog.stat()
    os.utime(prog, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    again = scan_object(prog)
    assert not again.from_cache and again == first
    for f in (private_cache / "scan").glob("*.json"):
        f.write_text("{not json")
    assert not scan_object(prog).from_cache  # a damaged entry is a miss
    assert not scan_object(prog, use_cache=False).from_cache
