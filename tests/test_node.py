"""Node.js (Debian's nodejs), unmodified, run as natively.

A script of node's own modules (tests/node/features.js: fs, crypto, zlib,
child_process's spawnSync, execSync and exec of /bin/sh, worker_threads,
timers, promises) prints the same bytes and exits with the same status
under `pkgload run` as natively, with one vCPU and with two; `node -e`
and an uncaught exception give node's own output and status; fs.watch
(tests/node/watch.js) hears a write and a rename by inotify; an HTTP
server on node's http module (tests/node/server.js) published with `-p`
answers curl on the host. Runs pass `--quiet`: the line pkgload adds at
exit about missing syscalls is not node's output. Skipped when nodejs is
not installed (tools/setup installs it).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from test_differential import GUEST_BASE_ENV, RUN_CWD
from test_network import curl, free_port, guest_output, guest_server, wait_until_ready

NODE = shutil.which("node") or "/usr/bin/node"
HERE = Path(__file__).resolve().parent / "node"
RUN_TIMEOUT = 90  # seconds per run; each takes 3-8 s under TCG

pytestmark = pytest.mark.skipif(not Path(NODE).exists(), reason="nodejs is not installed")


def run_native(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([NODE, *args], capture_output=True, timeout=RUN_TIMEOUT, cwd=RUN_CWD,
                          env=GUEST_BASE_ENV, stdin=subprocess.DEVNULL)


def run_guest(pkgload: Path, tmp_path: Path, options: list[str], *args: str) -> subprocess.CompletedProcess[bytes]:
    cmd = [str(pkgload), "run", "--quiet", "--log", str(tmp_path / "kernel.log"), *options, NODE, *args]
    return subprocess.run(cmd, capture_output=True, timeout=RUN_TIMEOUT, cwd=RUN_CWD, env=GUEST_BASE_ENV,
                          stdin=subprocess.DEVNULL)


def assert_same(got: subprocess.CompletedProcess[bytes], want: subprocess.CompletedProcess[bytes],
                tmp_path: Path) -> None:
    log = (tmp_path / "kernel.log").read_text(errors="replace")[-3000:]
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr), log


@pytest.mark.parametrize("smp", [1, 2])
def test_features_script(pkgload: Path, tmp_path: Path, smp: int) -> None:
    script = HERE / "features.js"
    want = run_native(str(script))
    assert want.returncode == 5 and b"later: " in want.stdout, want.stderr
    got = run_guest(pkgload, tmp_path, ["--smp", str(smp), "--with", "/bin/sh", "--file", str(script)],
                    str(script))
    assert_same(got, want, tmp_path)


def test_fs_watch(pkgload: Path, tmp_path: Path) -> None:
    """fs.watch hears a write and a rename in its folder, as natively (inotify)."""
    script = HERE / "watch.js"
    want = run_native(str(script))
    assert want.returncode == 0 and b"rename b.txt" in want.stdout, want
    got = run_guest(pkgload, tmp_path, ["--file", str(script)], str(script))
    assert_same(got, want, tmp_path)


@pytest.mark.parametrize("code", [
    "console.log(process.argv.length, [1, 2, 3].map((x) => x * 2), typeof BigInt(1), 2 ** 70)",
    "console.error('to stderr'); process.exit(7)",
    "throw new Error('uncaught')",
])
def test_eval(pkgload: Path, tmp_path: Path, code: str) -> None:
    want = run_native("-e", code)
    got = run_guest(pkgload, tmp_path, [], "-e", code)
    assert_same(got, want, tmp_path)


def test_http_server_answers_curl(pkgload: Path, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    script = HERE / "server.js"
    with guest_server(pkgload, tmp_path, [f"127.0.0.1:{port}:8080"], "--smp", "2", "--file", str(script),
                      NODE, str(script), "8080") as proc:
        wait_until_ready(proc, tmp_path, ["curl", "-sf", "--max-time", "5", url + "/"], timeout=RUN_TIMEOUT)
        hello = curl(url + "/", "-i")
        assert hello.returncode == 0 and hello.stdout.startswith(b"HTTP/1.1 200 OK\r\n"), guest_output(tmp_path)
        assert hello.stdout.endswith(b"\r\n\r\nhello from node\n")
        body = bytes(range(256)) * 4096   # 1 MiB up, hashed by the server
        posted = subprocess.run(["curl", "-sS", "--max-time", "60", "--data-binary", "@-", url + "/upload"],
                                input=body, capture_output=True, timeout=RUN_TIMEOUT)

        assert posted.stdout == f"POST /upload {hashlib.sha256(body).hexdigest()}\n".encode()
        missing = curl(url + "/missing", "-o", "/dev/null", "-w", "%{http_code}")
        assert missing.stdout == b"404"
    assert b"listening\n" in (tmp_path / "guest.out").read_bytes()
