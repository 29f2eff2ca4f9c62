"""Multi-process Debian programs, unmodified: the same output natively and under `pkgload run`.

busybox sh and dash run one script with pipelines, redirections, subshells,
`$(...)`, a large here-document, background jobs with `wait`, `trap` and
`set -e`; python3 runs subprocess.run and Popen with pipes, a timeout and a
terminate, os.fork, and multiprocessing's Pool, Queue and Process with the
fork start method; GNU make runs a Makefile of shell recipes, a failing one
under -k, and a sub-make with -j2; dash runs Debian's coreutils (dynamic
programs: exec goes through ld.so), given to the guest with `--with`, and
GNU tail -f following a file dash appends to (inotify).

Except for coreutils, what they execute is busybox's applets: PATH,
natively and in the guest, is a folder of symlinks to the static busybox
(shipped with --dir, busybox with --file), so both runs run the very same
programs. /bin/sh (python's
shell=True, make's recipes) is dash, as on Debian, shipped at /bin/sh.
Environment and cwd are the differential tests'. A case is expected to fail
while the kernel lacks fork, wait4 or execve (kernel_features.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

import kernel_features
from test_differential import GUEST_BASE_ENV, RUN_CWD, RUN_TIMEOUT

NEEDS = ("fork", "wait4", "execve")
BUSYBOX = Path("/bin/busybox").resolve()  # the static one: busybox-static
DASH = Path("/usr/bin/dash")
SH = Path("/bin/sh")  # dash on Debian
APPLETS = ("basename", "cat", "dirname", "env", "expr", "false", "grep", "head", "kill", "ls",
           "mkdir", "mktemp", "rm", "sed", "seq", "sh", "sleep", "sort", "tail", "tee", "tr",
           "true", "uniq", "wc")

SH_SCRIPT = r"""
set -e
T=$(mktemp -d)
echo "pipeline: $(printf 'pear\napple\nfig\n' | sort | tr a-z A-Z | head -n 2 | tr '\n' ' ')"
x=$(echo inner; echo second)
echo "substitution: $x" | tr '\n' '|'; echo
echo "nested: $(echo "$(echo deep | tr a-z A-Z)")"
( cd "$T"; echo "subshell in T: $([ "$(pwd)" = "$T" ] && echo yes)"; exit 3 ) || echo "subshell status $?"
[ "$(pwd)" = / ] && echo "parent still in /"
{ echo to-file; echo more; } > "$T/out"
cat "$T/out"; wc -l < "$T/out"
echo appended >> "$T/out"; cat < "$T/out" | wc -l
echo "to stderr" >&2
echo "stderr into stdout" 2>&1 >&2 | cat
ls /nonexistent-dir 2>/dev/null || echo "ls failed quietly: $?"
exec 3>"$T/fd3"; echo "through fd 3" >&3; exec 3>&-; cat "$T/fd3"
cat <<HERE | wc -c
$(seq 1 20000)
HERE
while read -r a b; do echo "read: $b $a"; done <<HERE
one two
three four
HERE
sleep 0.2 & slow=$!
( echo "background subshell" > "$T/bg"; exit 4 ) & quick=$!
set +e
wait $quick; echo "background status $?"
wait $slow; echo "sleep status $?"
set -e
for i in 1 2 3 4 5; do echo "job $i" > "$T/job$i" & done
wait
cat "$T/job1" "$T/job2" "$T/job3" "$T/job4" "$T/job5" "$T/bg"
trap 'echo "trapped USR1"' USR1
kill -USR1 $$
echo "after the trap"
trap - USR1
sh -c 'exit 7' || echo "child shell status $?"
sh -c 'kill -TERM $$' || echo "child killed by SIGTERM: status $?"
f() { return 5; }
f || echo "function status $?"
set +e
( set -e; false; echo "never printed" )
echo "set -e in a subshell: status $?"
false
echo "false without set -e: $?"
set -e
count=0
seq 1 50 | while read -r n; do count=$((count + n)); echo $count > "$T/sum"; done
echo "sum in a pipeline's subshell: $(cat "$T/sum"), outside: $count"
echo "$(seq 1 3 | tr '\n' +)0" | sed 's/+/ + /g'
echo "expr: $(expr 6 \* 7)"
rm -r "$T"
trap 'echo "exit trap, status $?"' EXIT
false
echo "never reached"
"""

PY_SCRIPT = f"""
import multiprocessing, os, subprocess, sys

BB = "{BUSYBOX}"
PARENT = os.getpid()

def square(x):
    return x * x

def child_main(q, n):
    q.put((n, os.getppid() == PARENT))

r = subprocess.run([BB, "echo", "hello from a child"], capture_output=True, text=True)
print("run:", r.returncode, repr(r.stdout))
r = subprocess.run([BB, "sh", "-c", "echo out; echo err >&2; exit 3"], capture_output=True)
print("run sh:", r.returncode, r.stdout, r.stderr)
r = subprocess.run("echo $((6 * 7)) | tr 4 X", shell=True, capture_output=True, text=True)
print("shell=True:", r.returncode, r.stdout.strip())
p = subprocess.Popen([BB, "tr", "a-z", "A-Z"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
out, _ = p.communicate(b"to upper\\n" * 20000)
print("communicate:", p.returncode, len(out), out[:9])
p1 = subprocess.Popen([BB, "seq", "1", "1000"], stdout=subprocess.PIPE)
p2 = subprocess.Popen([BB, "wc", "-l"], stdin=p1.stdout, stdout=subprocess.PIPE)
p1.stdout.close()
print("pipeline:", p2.communicate()[0].strip(), p1.wait(), p2.returncode)
try:
    subprocess.run(["/nonexistent/program"])
except FileNotFoundError as e:
    print("missing program:", type(e).__name__, e.errno)
try:
    subprocess.run([BB, "sleep", "10"], timeout=0.5)
except subprocess.TimeoutExpired as e:
    print("timeout:", type(e).__name__)
p = subprocess.Popen([BB, "sleep", "10"])
p.terminate()
print("terminate:", p.wait())
print("check_output of python:", subprocess.check_output(
    [sys.executable, "-c", "import os; print(os.getppid() == int(os.environ['PARENT']))"],
    env={{"PARENT": str(os.getpid())}}, text=True).strip())
pid = os.fork()
if pid == 0:
    os._exit(9)
print("os.fork:", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    os.write(w, b"through a pipe")
    os._exit(0)
os.close(w)
print("os.pipe:", os.read(r, 100), os.read(r, 100), os.waitpid(pid, 0)[1])
ctx = multiprocessing.get_context("fork")
with ctx.Pool(2) as pool:
    print("pool.map:", pool.map(square, range(20)))
    print("pool.imap_unordered sum:", sum(pool.imap_unordered(square, range(100))))
    print("apply_async:", pool.apply_async(pow, (2, 10)).get(timeout=60))
q = ctx.Queue()
procs = [ctx.Process(target=child_main, args=(q, n)) for n in range(3)]
for pr in procs:
    pr.start()
print("queue:", sorted(q.get(timeout=60) for _ in procs))
for pr in procs:
    pr.join()
print("exit codes:", [pr.exitcode for pr in procs])
"""

COREUTILS = ("cat", "env", "head", "ls", "mkdir", "mktemp", "rm", "sort", "tr", "uname", "wc")
COREUTILS_SCRIPT = r"""
set -e
d=$(mktemp -d)
printf 'pear\napple\nfig\n' > "$d/f"
sort "$d/f" | tr a-z A-Z | head -n 2
cat "$d/f" "$d/f" | wc -l
mkdir "$d/sub" "$d/sub2"
ls "$d" | wc -l
ls -1 -F "$d"
env -i A=1 B=2 env
uname -s
rm -r "$d"
ls "$d" 2>/dev/null || echo "removed: $?"
"""

# GNU tail -f follows by inotify: it sees another process's append at once.
# Its polling fallback would wait -s 1000 seconds, so this fails without inotify.
TAIL_FOLLOW = ("mktemp", "tail", "grep", "sleep", "cat", "rm")
TAIL_FOLLOW_SCRIPT = r"""
set -e
d=$(mktemp -d)
echo one > "$d/log"
tail -s 1000 -f "$d/log" > "$d/out" &
t=$!
i=0; until grep -q one "$d/out"; do sleep 0.1; i=$((i+1)); [ $i -lt 300 ]; done
echo two >> "$d/log"
i=0; until grep -q two "$d/out"; do sleep 0.1; i=$((i+1)); [ $i -lt 300 ]; done
kill $t
cat "$d/out"
rm -r "$d"
"""

MAKEFILE = """\
WORDS := $(shell echo pear apple fig | tr " " "\\n" | sort | tr "\\n" " ")
.PHONY: all parallel fail
all: out/report.txt
\t@echo "words: $(WORDS)"
\tcat out/report.txt
out:
\tmkdir -p out
out/a.txt: | out
\techo alpha beta > $@
out/b.txt: out/a.txt
\ttr a-z A-Z < $< > $@
out/report.txt: out/a.txt out/b.txt
\tcat $^ | sort -r > $@; wc -l < $@ >> $@
\t@test -s $@ && echo "$@ made"
parallel: | out
\t$(MAKE) -s -j2 out/p1 out/p2 out/p3 out/p4
\tcat out/p1 out/p2 out/p3 out/p4
out/p%:
\tsleep 0.1; echo part $* > $@
fail:
\t@echo "about to fail"
\tsh -c "exit 3"
\t@echo "never printed"
"""


@dataclass(frozen=True)
class Program:
    """A host program, its arguments ({m}: the Makefile's folder), and what it needs shipped."""

    name: str
    argv: tuple[str, ...]
    ship_sh: bool = False  # dash at /bin/sh
    ship_makefile: bool = False
    with_programs: tuple[str, ...] = ()  # --with NAME each, run with the guest's default PATH


CASES = [
    Program("busybox-sh", (str(BUSYBOX), "sh", "-c", SH_SCRIPT)),
    Program("dash", (str(DASH), "-c", SH_SCRIPT)),
    Program("python3", ("/usr/bin/python3", "-c", PY_SCRIPT), ship_sh=True),
    Program("make", ("/usr/bin/make", "--no-print-directory", "-C", "{m}", "all", "parallel"),
            ship_sh=True, ship_makefile=True),
    Program("make-k", ("/usr/bin/make", "--no-print-directory", "-k", "-C", "{m}", "fail", "all"),
            ship_sh=True, ship_makefile=True),
    Program("dash-coreutils", (str(DASH), "-c", COREUTILS_SCRIPT), with_programs=COREUTILS),
    Program("dash-tail-follow", (str(DASH), "-c", TAIL_FOLLOW_SCRIPT), with_programs=TAIL_FOLLOW),
]


def _marks() -> list[pytest.MarkDecorator]:
    lacking = kernel_features.lacking(NEEDS)
    return [pytest.mark.xfail(reason=f"the kernel lacks {', '.join(lacking)}")] if lacking else []


@pytest.fixture(scope="module")
def applets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of symlinks to busybox, one per applet the programs run: their PATH."""
    if not BUSYBOX.exists():
        pytest.fail(f"{BUSYBOX}: not installed, run tools/setup", pytrace=False)
    d = tmp_path_factory.mktemp("applets")
    for name in APPLETS:
        (d / name).symlink_to(BUSYBOX)
    return d


@pytest.fixture
def makefile_dir(tmp_path: Path) -> Path:
    d = tmp_path / "make"
    d.mkdir()
    (d / "Makefile").write_text(MAKEFILE)
    return d


def _run(cmd: list[str], env: dict[str, str] | None) -> tuple[int, bytes, bytes]:
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          cwd=RUN_CWD, timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


def _ship(case: Program, applets: Path, makefile_dir: Path) -> list[str]:
    """Return the options that give the guest what the native run finds."""
    if case.with_programs:
        return [arg for name in case.with_programs for arg in ("--with", name)]
    ship = ["-e", f"PATH={applets}", "--dir", str(applets), "--file", str(BUSYBOX)]
    if case.ship_sh:
        ship += ["--file", f"{SH.resolve()}:{SH}"]
    if case.ship_makefile:
        ship += ["--dir", str(makefile_dir)]
    return ship


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=_marks()) for c in CASES])
def test_same_as_native(case: Program, applets: Path, makefile_dir: Path, pkgload: Path) -> None:
    """stdout, stderr and exit status under pkgload equal the native run's."""
    if not Path(case.argv[0]).exists():
        pytest.fail(f"{case.argv[0]}: not installed, run tools/setup", pytrace=False)
    argv = [a.replace("{m}", str(makefile_dir)) for a in case.argv]
    path = GUEST_BASE_ENV["PATH"] if case.with_programs else str(applets)
    native = _run(argv, {**GUEST_BASE_ENV, "PATH": path})
    assert native[1], f"{case.name}: no output natively: {native}"
    shutil.rmtree(makefile_dir / "out", ignore_errors=True)  # the guest starts from the Makefile alone
    guest = _run([str(pkgload), "run", *_ship(case, applets, makefile_dir), "--", *argv], None)
    assert guest[0] == native[0], f"status {guest[0]}, natively {native[0]}; stderr: {guest[2]!r}"
    assert guest[1] == native[1]
    assert guest[2] == native[2]


def test_programs_are_installed() -> None:
    """What the cases run: busybox-static, dash, python3 and make (tools/setup)."""
    for path in (BUSYBOX, DASH, SH, Path("/usr/bin/python3"), Path("/usr/bin/make")):
        assert path.exists(), f"{path}: run tools/setup"
    for name in COREUTILS:
        assert shutil.which(name, path=GUEST_BASE_ENV["PATH"]), f"{name}: run tools/setup"
    assert SH.resolve() == DASH.resolve(), f"{SH} is not dash: the native runs would differ"
    assert os.access(BUSYBOX, os.X_OK)
