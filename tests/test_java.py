"""Debian's OpenJDK 17 (openjdk-17-jre-headless), unmodified, in the guest.

The classes of tests/java/ are compiled with the host's javac into a
temporary folder, run natively and under `pkgload run` (the folder shipped
with --dir; the run-time files come from loader/hints/java.toml), and must
give the same stdout, stderr and status: `java -version`, a hello class, the
time zone's name (from the host's /etc/localtime), a
thread pool under --smp 2, java.nio.file, its WatchService (inotify), ProcessBuilder children through
/bin/sh, the garbage collector under a small -Xmx until OutOfMemoryError,
and an HttpServer published with -p and fetched with curl from the host.
Skipped when the JDK is not installed (tools/setup installs it).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from test_differential import GUEST_BASE_ENV, RUN_CWD
from test_network import curl, free_port, guest_output, guest_server, wait_until_ready

JAVA_HOME = Path("/usr/lib/jvm/java-17-openjdk-amd64")
JAVA = JAVA_HOME / "bin" / "java"
JAVAC = JAVA_HOME / "bin" / "javac"
SOURCES = Path(__file__).parent / "java"
RUN_TIMEOUT = 120  # seconds per run; one takes 2-5 s under TCG

pytestmark = pytest.mark.skipif(not (JAVA.exists() and JAVAC.exists()),
                                reason=f"{JAVAC} is not installed (tools/setup installs openjdk-17-jdk-headless)")


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the folder of tests/java/'s classes, compiled by the host's javac."""
    out = tmp_path_factory.mktemp("classes")
    subprocess.run([str(JAVAC), "-d", str(out), *map(str, sorted(SOURCES.glob("*.java")))],
                   check=True, capture_output=True, timeout=RUN_TIMEOUT)
    return out


def run_native(*args: str) -> tuple[int, bytes, bytes]:
    """Run java natively with the guest's environment; return (status, stdout, stderr)."""
    proc = subprocess.run([str(JAVA), *args], capture_output=True, env=GUEST_BASE_ENV, cwd=RUN_CWD,
                          stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


def run_guest(pkgload: Path, tmp_path: Path, options: list[str], *args: str) -> tuple[int, bytes, bytes]:
    """Run java under `pkgload run OPTIONS`; return (status, stdout, stderr)."""
    log = tmp_path / "kernel.log"
    proc = subprocess.run([str(pkgload), "run", "--log", str(log), *options, str(JAVA), *args],
                          capture_output=True, env=dict(os.environ), cwd=RUN_CWD,
                          stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


def test_version(pkgload: Path, tmp_path: Path) -> None:
    native = run_native("-version")
    assert native[0] == 0 and b'openjdk version "17' in native[2], native
    assert run_guest(pkgload, tmp_path, [], "-version") == native


def test_hello(pkgload: Path, tmp_path: Path, classes: Path) -> None:
    native = run_native("-cp", str(classes), "Hello", "a", "b c")
    assert native == (0, b"hello a,b c\n", b"")
    assert run_guest(pkgload, tmp_path, ["--dir", str(classes)], "-cp", str(classes), "Hello", "a", "b c") == native


def test_time_zone(pkgload: Path, tmp_path: Path, classes: Path) -> None:
    """The host's /etc/localtime is in the image (loader/plan.py): the same zone by name."""
    native = run_native("-cp", str(classes), "Zone")
    assert native[0] == 0 and b"1970" in native[1], native
    assert run_guest(pkgload, tmp_path, ["--dir", str(classes)], "-cp", str(classes), "Zone") == native


def test_thread_pool_on_two_vcpus(pkgload: Path, tmp_path: Path, classes: Path) -> None:
    native = run_native("-cp", str(classes), "Threads")
    guest = run_guest(pkgload, tmp_path, ["--smp", "2", "--dir", str(classes)], "-cp", str(classes), "Threads")
    assert native[0] == 0 and b"sum 3999997 keys 100 total 40000\n" in native[1], native
    # The last line is the vCPU count: the host's natively, --smp's in the guest.
    assert guest[1].splitlines()[-1] == b"cpus 2", guest
    assert (guest[0], guest[1].splitlines()[:-1], guest[2]) == (native[0], native[1].splitlines()[:-1], native[2])


def test_nio_files(pkgload: Path, tmp_path: Path, classes: Path) -> None:
    native = run_native("-cp", str(classes), "NioFiles", "/tmp")
    assert native[0] == 0 and b"gone true" in native[1], native
    assert run_guest(pkgload, tmp_path, ["--dir", str(classes)], "-cp", str(classes), "NioFiles", "/tmp") == native


def test_watch_service(pkgload: Path, tmp_path: Path, classes: Path) -> None:
    """java.nio.file.WatchService hears a file made, written and deleted (inotify)."""
    native = run_native("-cp", str(classes), "Watch")
    assert native == (0, b"ENTRY_CREATE a.txt\nENTRY_MODIFY a.txt\nENTRY_DELETE a.txt\ndone\n", b""), native
    assert run_guest(pkgload, tmp_path, ["--dir", str(classes)], "-cp", str(classes), "Watch") == native


def test_process_builder(pkgload: Path, tmp_path: Path, classes: Path) -> None:
    native = run_native("-cp", str(classes), "Spawn")
    assert native == (0, b"out arg0\ngot line\nerr\nstatus 7\nstatus 3\n", b""), native
    guest = run_guest(pkgload, tmp_path, ["--with", "/bin/sh", "--dir", str(classes)], "-cp", str(classes), "Spawn")
    assert guest == native


def test_gc_under_pressure(pkgload: Path, tmp_path: Path, classes: Path) -> None:
    args = ("-Xmx64m", "-cp", str(classes), "Churn", "4000")
    native = run_native(*args)
    expect = b"allocated 250 MiB, kept 200, collected true\nOutOfMemoryError Java heap space\n"
    assert native == (0, expect, b""), native
    # No -m: java.toml's memory_mib (1 GiB) is the default; pkgload's own 256 MiB
    # leaves the JVM too little to commit its heap, and -m still decides.
    assert run_guest(pkgload, tmp_path, ["--dir", str(classes)], *args) == native
    assert run_guest(pkgload, tmp_path, ["-m", "256M", "--dir", str(classes)], *args)[0] != 0


def test_http_server(pkgload: Path, tmp_path: Path, classes: Path) -> None:
    port = free_port()
    with guest_server(pkgload, tmp_path, [f"{port}:8080"], "--dir", str(classes), str(JAVA),
                      "-cp", str(classes), "Serve", "8080") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(proc, tmp_path, ["curl", "-sf", "--max-time", "5", url + "/ready"])
        for path in ("/a", "/b/c", "/stop"):
            got = curl(url + path, "-i")
            assert got.returncode == 0, got
            assert got.stdout.startswith(b"HTTP/1.1 200 OK\r\n"), got.stdout
            assert got.stdout.endswith(f"\r\n\r\nhello from java {path}\n".encode()), got.stdout
        assert proc.wait(timeout=RUN_TIMEOUT) == 0, guest_output(tmp_path)
    assert (tmp_path / "guest.out").read_bytes() == b"listening 8080\nstopped\n", guest_output(tmp_path)
