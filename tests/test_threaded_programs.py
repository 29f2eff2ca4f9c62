"""Threaded Debian programs, unmodified: the same output natively and under `pkgload run`.

As tests/test_debian_programs.py does, each case runs the host's own
binary natively and in the guest with the differential tests' environment;
here under both `--smp 1` and `--smp 2`. python3 uses threading, queue and
concurrent.futures; `pigz -p 2` compresses a file shipped with --file with
two worker threads, and must write the very bytes a native pigz writes.
"""

from __future__ import annotations

import gzip
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from test_differential import GUEST_BASE_ENV, RUN_CWD, RUN_TIMEOUT

SMP = (1, 2)

PY_THREADS = """
import concurrent.futures, queue, threading, time

counter, lock = 0, threading.Lock()
def add(n):
    global counter
    for _ in range(n):
        with lock:
            counter += 1
threads = [threading.Thread(target=add, args=(2000,)) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("lock:", counter)

q, doubled = queue.Queue(maxsize=8), []
def produce():
    for i in range(500): q.put(i)
    q.put(None)
def consume():
    while (item := q.get()) is not None: doubled.append(item * 2)
pair = [threading.Thread(target=produce), threading.Thread(target=consume)]
for t in pair: t.start()
for t in pair: t.join()
print("queue:", len(doubled), sum(doubled), doubled == sorted(doubled))

with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
    print("map:", list(pool.map(lambda x: x * x, range(12))))
    futures = [pool.submit(pow, 2, i) for i in range(10)]
    print("as_completed:", sorted(f.result() for f in concurrent.futures.as_completed(futures)))
    failing = pool.submit(lambda: 1 / 0)
    print("exception:", type(failing.exception()).__name__)

barrier, arrived = threading.Barrier(3), []
def meet(i):
    arrived.append(i)
    barrier.wait()
    arrived.append(i + 10)
trio = [threading.Thread(target=meet, args=(i,)) for i in range(3)]
for t in trio: t.start()
for t in trio: t.join()
print("barrier: all arrived before any left:", sorted(arrived[:3]) == [0, 1, 2])

event, cond = threading.Event(), threading.Condition()
start = time.monotonic()
print("event.wait(0.05):", event.wait(0.05), time.monotonic() - start >= 0.05)
with cond:
    print("condition.wait(0.05):", cond.wait(0.05))
timer_fired = threading.Event()
timer = threading.Timer(0.02, timer_fired.set)
timer.start()
print("threading.Timer fired:", timer_fired.wait(10))
sleepers = [threading.Thread(target=time.sleep, args=(0.05,), name=f"sleeper-{i}") for i in range(3)]
for t in sleepers: t.start()
ids = {t.native_id for t in sleepers} | {threading.get_native_id()}
for t in sleepers: t.join()
print("native ids distinct:", len(ids) == 4, [t.name for t in sleepers], threading.active_count())
"""

PIGZ = "/usr/bin/pigz"
PIGZ_INPUT_BYTES = 1 << 20  # eight of pigz's 128 KiB blocks


def _run(cmd: list[str], env: dict[str, str] | None) -> tuple[int, bytes, bytes]:
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          cwd=RUN_CWD, timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


def _pkgload_run(pkgload: Path, smp: int, *args: str) -> tuple[int, bytes, bytes]:
    return _run([str(pkgload), "run", "--smp", str(smp), *args], None)


@pytest.mark.parametrize("smp", SMP)
def test_python_threads(pkgload: Path, smp: int) -> None:
    """threading, queue, concurrent.futures, Barrier, Event, Condition, Timer."""
    argv = ["/usr/bin/python3", "-c", PY_THREADS]
    native = _run(argv, dict(GUEST_BASE_ENV))
    assert native[0] == 0 and native[1], f"natively: {native}"
    guest = _pkgload_run(pkgload, smp, "--", *argv)
    assert guest == native


@pytest.fixture(scope="module")
def pigz_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A megabyte of text that compresses about 3:1, with a fixed mtime (gzip stores it)."""
    rng = random.Random(8)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
             for _ in range(5000)]
    data = bytearray()
    while len(data) < PIGZ_INPUT_BYTES:
        data += b" ".join(rng.choices(words, k=12)) + b"\n"
    path = tmp_path_factory.mktemp("pigz") / "input.txt"
    path.write_bytes(bytes(data[:PIGZ_INPUT_BYTES]))
    os.utime(path, (1700000000, 1700000000))
    return path


@pytest.mark.parametrize("smp", SMP)
def test_pigz_two_threads(pkgload: Path, pigz_input: Path, smp: int) -> None:
    """`pigz -p 2 -c FILE` in the guest writes the bytes a native pigz writes."""
    if not shutil.which(PIGZ):
        pytest.fail(f"{PIGZ}: not installed, run tools/setup", pytrace=False)
    argv = [PIGZ, "-p", "2", "-c", str(pigz_input)]
    native = _run(argv, dict(GUEST_BASE_ENV))
    assert native[0] == 0 and gzip.decompress(native[1]) == pigz_input.read_bytes()
    guest = _pkgload_run(pkgload, smp, "--file", str(pigz_input), "--", *argv)
    assert (guest[0], guest[2]) == (native[0], native[2])
    assert guest[1] == native[1], f"{len(guest[1])} bytes against {len(native[1])} natively"
