"""Call graphs of shared libraries: which of a library's imports each of its
exported functions can reach, so `pkgload analyze` follows what a program
actually calls instead of counting every import of every library.

One library's graph: its code is disassembled linearly (capstone); function
starts are its exported symbols, the targets of direct calls and the code
addresses it takes (rip-relative lea, relocations); an edge goes from the
function holding an instruction to what it calls or jumps to outside itself,
to a PLT entry (an import), to a GOT slot's symbol (`call [rip+GOT]`, a
loaded function pointer), or to a function whose address it takes (a
callback it may call). Constructors (DT_INIT, .init_array) are roots of
every use. Graphs are cached per file build (path, size, mtime, inode).
Limits: a function reached only through a pointer stored in data (a vtable,
a table of handlers) is not followed, nor is code the linear sweep misreads.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import struct
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from loader.cache import atomic_output, cache_dir
from loader.errors import ElfFormatError

GRAPH_VERSION = 2  # bump when graphs change meaning
# glibc's syscall(NR, ...) takes the number in edi: a `mov edi, imm` (or `xor edi, edi`)
# among the few instructions before a call of it, with no branch between, gives it.
SYSCALL_FUNCTION = "syscall"
_LOOK_BACK = 6
_STOP = ("call", "j", "ret")
_RIP = re.compile(r"\[rip ([+-]) (0x[0-9a-f]+|\d+)\]")
_IMM = re.compile(r"^0x[0-9a-f]+$")
_PLT_NAMES = (".plt", ".plt.sec", ".plt.got")


@dataclass(frozen=True)
class LibraryGraph:
    """A library's functions (by start), their edges and imports, its exports and roots."""

    exports: dict[str, int]  # exported function -> its start
    calls: dict[int, list[int]]  # function start -> function starts it may call
    imports: dict[int, list[str]]  # function start -> imported symbols it may call
    roots: list[int]  # constructors: run whenever the library is loaded
    numbers: dict[int, list[int]] = field(default_factory=dict)  # function -> syscall(NR) numbers

    def iter_reachable_imports(self, names: Iterable[str], roots: bool = True) -> set[str]:
        """Return the imports reachable from the exports names (and the constructors, with roots)."""
        return self.get_reachable(names, roots)[0]

    def get_reachable(self, names: Iterable[str], roots: bool = True) -> tuple[set[str], set[int]]:
        """Return the imports and the numbers passed to syscall() reachable from the exports names."""
        todo = [self.exports[n] for n in names if n in self.exports]
        todo += list(self.roots) if roots else []
        seen: set[int] = set()
        found: set[str] = set()
        numbers: set[int] = set()
        while todo:
            f = todo.pop()
            if f in seen:
                continue
            seen.add(f)
            found.update(self.imports.get(f, ()))
            numbers.update(self.numbers.get(f, ()))
            todo.extend(self.calls.get(f, ()))
        return found, numbers

    def get_all_numbers(self) -> set[int]:
        """Return the numbers any function passes to syscall()."""
        return {n for ns in self.numbers.values() for n in ns}

    def to_json(self) -> dict[str, object]:
        """Return the cacheable form."""
        return {"exports": self.exports, "calls": {str(k): v for k, v in self.calls.items()},
                "imports": {str(k): v for k, v in self.imports.items()}, "roots": self.roots,
                "numbers": {str(k): v for k, v in self.numbers.items()}}

    @classmethod
    def from_json(cls, d: dict) -> LibraryGraph:  # type: ignore[type-arg]
        """Rebuild a graph from to_json's output."""
        return cls(d["exports"], {int(k): v for k, v in d["calls"].items()},
                   {int(k): v for k, v in d["imports"].items()}, d["roots"],
                   {int(k): v for k, v in d["numbers"].items()})


@dataclass
class _Parts:
    """What the graph is built from, read with pyelftools."""

    code: list[tuple[int, bytes]]
    plt: list[tuple[int, bytes]]
    exports: dict[str, int]
    slots: dict[int, str]  # GOT slot (or data word) address -> symbol relocated into it
    code_refs: dict[int, int]  # R_X86_64_RELATIVE: where -> the address stored there
    roots: set[int]


def _read_parts(path: str) -> _Parts:
    """Read code, PLT, exports, relocated slots and constructors of one ELF file."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection

    try:
        with open(path, "rb") as f:
            elf = ELFFile(f)
            p = _Parts([], [], {}, {}, {}, set())
            dynsym = elf.get_section_by_name(".dynsym")
            for sec in elf.iter_sections():
                if sec["sh_type"] == "SHT_PROGBITS" and sec["sh_flags"] & 0x4:
                    (p.plt if sec.name in _PLT_NAMES else p.code).append((sec["sh_addr"], sec.data()))
                elif isinstance(sec, RelocationSection):
                    _read_relocs(sec, dynsym, p)
            for sym in dynsym.iter_symbols() if dynsym else ():
                kind = sym["st_info"]["type"]
                if sym["st_shndx"] != "SHN_UNDEF" and kind in ("STT_FUNC", "STT_GNU_IFUNC"):
                    p.exports[sym.name] = sym["st_value"]
            _read_roots(elf, p)
            return p
    except (OSError, ELFError, struct.error, ValueError, AttributeError) as e:
        raise ElfFormatError(f"{path}: cannot read its code for a call graph ({e})") from e


def _read_relocs(sec: object, dynsym: object, p: _Parts) -> None:
    """Record each relocation: a symbol's slot, or a code address stored in data."""
    for rel in sec.iter_relocations():  # type: ignore[attr-defined]
        sym_idx = rel["r_info_sym"]
        if sym_idx and dynsym is not None:
            name = dynsym.get_symbol(sym_idx).name  # type: ignore[attr-defined]
            if name:
                p.slots[rel["r_offset"]] = name
        elif rel.is_RELA() and rel["r_info_type"] == 8:  # R_X86_64_RELATIVE
            p.code_refs[rel["r_offset"]] = rel["r_addend"]


def _read_roots(elf: object, p: _Parts) -> None:
    """Add DT_INIT and the .init_array entries (their RELATIVE addends) as roots."""
    from elftools.elf.dynamic import DynamicSection

    for sec in elf.iter_sections():  # type: ignore[attr-defined]
        if isinstance(sec, DynamicSection):
            for tag in sec.iter_tags():
                if tag.entry.d_tag == "DT_INIT":
                    p.roots.add(tag.entry.d_val)
        if sec.name == ".init_array":
            start, end = sec["sh_addr"], sec["sh_addr"] + sec["sh_size"]
            data = sec.data()
            for i in range(0, len(data) - 7, 8):
                value = struct.unpack_from("<Q", data, i)[0]
                if value:
                    p.roots.add(value)
            p.roots.update(v for at, v in p.code_refs.items() if start <= at < end)


def _iter_insns(md: object, code: list[tuple[int, bytes]]) -> Iterable[tuple[int, int, str, str]]:
    """Yield (address, size, mnemonic, operands) over code, skipping bytes that do not decode."""
    for vaddr, data in code:
        off = 0
        while off < len(data):
            last = off
            insns = md.disasm_lite(data[off:], vaddr + off)  # type: ignore[attr-defined]
            for addr, size, mnem, ops in insns:
                last = addr - vaddr + size
                yield addr, size, mnem, ops
            off = last if last > off else off + 1


def _plt_map(md: object, p: _Parts) -> dict[int, str]:
    """Return PLT entry start -> the imported symbol its `jmp [rip+GOT]` goes to."""
    out = {}
    for addr, size, mnem, ops in _iter_insns(md, p.plt):
        m = _RIP.search(ops)
        if m and mnem.endswith("jmp"):
            slot = addr + size + (int(m.group(2), 0) * (1 if m.group(1) == "+" else -1))
            if slot in p.slots:
                out[addr & ~0xF] = p.slots[slot]
    return out


def _build(path: str) -> LibraryGraph:
    """Disassemble one library and return its graph (no cache)."""
    from capstone import CS_ARCH_X86, CS_MODE_64, Cs

    md = Cs(CS_ARCH_X86, CS_MODE_64)
    p = _read_parts(path)
    plt = _plt_map(md, p)
    in_code = _in_ranges(p.code)
    refs: list[tuple[int, str, int]] = []  # (insn address, "code"|"slot"|"number", target)
    recent: deque[tuple[str, str]] = deque(maxlen=_LOOK_BACK)
    for addr, size, mnem, ops in _iter_insns(md, p.code):
        if mnem == "call" and _calls_syscall(ops, addr, size, plt, p.slots):
            nr = _number_in_edi(recent)
            if nr is not None:
                refs.append((addr, "number", nr))
        recent.append((mnem, ops))
        if (mnem == "call" or mnem.startswith("j")) and _IMM.match(ops):
            refs.append((addr, "code", int(ops, 16)))
            continue
        m = _RIP.search(ops)
        if m:
            target = addr + size + (int(m.group(2), 0) * (1 if m.group(1) == "+" else -1))
            if target in p.slots:
                refs.append((addr, "slot", target))
            elif mnem == "lea" and in_code(target):
                refs.append((addr, "code", target))
    starts = sorted(set(p.exports.values()) | {t for _, k, t in refs if k == "code" and in_code(t)}
                    | {a for a in p.code_refs.values() if in_code(a)} | p.roots)
    return _link(p, plt, refs, starts)


def _calls_syscall(ops: str, addr: int, size: int, plt: dict[int, str], slots: dict[int, str]) -> bool:
    """Say whether a call's operand is glibc's syscall(), through the PLT or the GOT."""
    if _IMM.match(ops):
        return plt.get(int(ops, 16) & ~0xF) == SYSCALL_FUNCTION
    m = _RIP.search(ops)
    if not m:
        return False
    slot = addr + size + (int(m.group(2), 0) * (1 if m.group(1) == "+" else -1))
    return slots.get(slot) == SYSCALL_FUNCTION


def _number_in_edi(recent: deque[tuple[str, str]]) -> int | None:
    """Return the constant the instructions before a call left in edi, or None."""
    for mnem, ops in reversed(recent):
        if mnem.startswith(_STOP):
            return None
        dst, _, src = ops.partition(", ")
        if dst in ("edi", "rdi"):
            if mnem == "mov" and re.fullmatch(r"0x[0-9a-f]+|\d+", src):
                return int(src, 0)
            if mnem == "xor" and src == dst:
                return 0
            return None
    return None


def _link(p: _Parts, plt: dict[int, str], refs: list[tuple[int, str, int]],
          starts: list[int]) -> LibraryGraph:
    """Turn instruction references into function edges and imports."""
    def func(a: int) -> int:
        i = bisect.bisect_right(starts, a) - 1
        return starts[i] if i >= 0 else -1

    calls: dict[int, set[int]] = {}
    imports: dict[int, set[str]] = {}
    numbers: dict[int, set[int]] = {}
    for at, kind, target in refs:
        src = func(at)
        if kind == "number":
            numbers.setdefault(src, set()).add(target)
        elif kind == "slot":
            imports.setdefault(src, set()).add(p.slots[target])
        elif target & ~0xF in plt and target not in p.exports.values():
            imports.setdefault(src, set()).add(plt[target & ~0xF])
        else:
            dst = func(target)
            if dst != src and dst >= 0:
                calls.setdefault(src, set()).add(dst)
    return LibraryGraph(dict(p.exports), {k: sorted(v) for k, v in calls.items()},
                        {k: sorted(v) for k, v in imports.items()}, sorted(p.roots),
                        {k: sorted(v) for k, v in numbers.items()})


def _in_ranges(code: list[tuple[int, bytes]]):  # type: ignore[no-untyped-def]
    """Return a predicate: is an address inside one of the code sections."""
    ranges = [(v, v + len(d)) for v, d in code]
    return lambda a: any(lo <= a < hi for lo, hi in ranges)


def _cache_file(real: str) -> Path:
    """Return the cache file for a library's real path."""
    return cache_dir() / "callgraph" / (hashlib.sha256(real.encode()).hexdigest()[:32] + ".json")


def get_graph(path: str | os.PathLike[str], *, use_cache: bool = True) -> LibraryGraph:
    """Return the call graph of one library, through the per-build cache.

    Raises ElfFormatError when the file cannot be read as an x86-64 ELF.
    """
    p = os.fspath(path)
    try:
        real = os.path.realpath(p)
        st = os.stat(real)
    except OSError as e:
        raise ElfFormatError(f"{p}: cannot read ({e.strerror})") from e
    key = [GRAPH_VERSION, real, st.st_size, st.st_mtime_ns, st.st_ino]
    cfile = _cache_file(real)
    if use_cache:
        try:
            data = json.loads(cfile.read_bytes())
            if data.get("key") == key:
                return LibraryGraph.from_json(data["graph"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    graph = _build(p)
    if use_cache:
        try:
            with atomic_output(cfile) as f:
                f.write(json.dumps({"key": key, "graph": graph.to_json()}).encode())
        except OSError:
            pass
    return graph


def reachable_imports(paths: list[str], program_imports: Iterable[str]) -> dict[str, set[str]] | None:
    """Return the symbols a program reaches that none of its non-libc libraries defines,
    each with the program's imports (or "constructor") whose calls lead to it.
    A number passed to glibc's syscall() appears as the symbol `syscall:NR`
    (the program's own such calls with the origin `syscall`).

    paths: the program first, then its non-libc libraries in load order.
    Each import is looked up in the libraries in that order; one a library
    defines adds what that function reaches in the library's graph. The
    libraries' constructors always run. Returns None when a graph cannot be
    built (the caller then counts every import).
    """
    try:
        graphs = [get_graph(p) for p in paths[1:]]
        own = get_graph(paths[0]).get_all_numbers()
    except ElfFormatError:
        return None
    reach: dict[str, set[str] | None] = {}  # name -> what it reaches; None: no library defines it

    def reach_of(name: str) -> set[str] | None:
        if name not in reach:
            g = next((g for g in graphs if name in g.exports), None)
            reach[name] = None if g is None else _with_numbers(g.get_reachable((name,), roots=False))
        return reach[name]

    starts = [(name, name) for name in program_imports]
    starts += [(f"{SYSCALL_FUNCTION}:{nr}", SYSCALL_FUNCTION) for nr in own]
    starts += [(name, "constructor") for g in graphs for name in _with_numbers(g.get_reachable(()))]
    outside: dict[str, set[str]] = {}
    for origin in {o for _, o in starts}:
        todo = [n for n, o in starts if o == origin]
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            more = reach_of(name)
            if more is None:
                outside.setdefault(name, set()).add(origin)
            else:
                todo += [n for n in more if n not in seen]
    return outside


def _with_numbers(reached: tuple[set[str], set[int]]) -> set[str]:
    """Return reached imports with the syscall() numbers as `syscall:NR` symbols."""
    imports, numbers = reached
    return imports | {f"{SYSCALL_FUNCTION}:{nr}" for nr in numbers}
