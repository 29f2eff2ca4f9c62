"""Boot one program in QEMU and bring back its output and exit status.

The command line, the devices and the exit record follow
docs/boot-protocol.md. Host-side choices (which file descriptors QEMU gets,
where the kernel log goes) are in docs/host.md.
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from loader import console, network, terminal
from loader.cache import atomic_output, cache_dir
from loader.errors import KernelNotFound, MemoryTooSmall, QemuNotFound, VmError
from loader.guest_memory import get_min_memory_mib
from loader.image import Image
from loader.manifest import MANIFEST_PHYS, Manifest, encode_manifest

QEMU = "qemu-system-x86_64"
KERNEL_ENV = "PKGLOAD_KERNEL"
ACCEL_ENV = "PKGLOAD_ACCEL"
QEMU_ARGS_ENV = "PKGLOAD_QEMU_ARGS"  # extra QEMU arguments, for debugging the kernel
ACCELS = ("auto", "kvm", "tcg")
DEFAULT_MEMORY_MIB = 256
MIN_MEMORY_MIB = 4  # no image boots in less (loader/guest_memory.py: each says its own)
SMP_ENV = "PKGLOAD_SMP"
MAX_SMP = 64  # the most vCPUs `--smp` gives (microvm itself accepts more)
# Where QEMU's loader device puts the manifest: just above the kernel image,
# below where QEMU puts the initramfs (kernel/manifest.tsv's PHYS).
MANIFEST_ADDR = MANIFEST_PHYS
# QEMU's complaint when it cannot bind a -p port (taken since we checked).
HOSTFWD_FAILED = b"could not set up host forwarding rule"
EXIT_VM_FAILED = 125  # pkgload's own status: the VM failed, not the program

_EXIT_RE = re.compile(rb"^pkgload-exit (?:status=(\d+)|signal=(\d+)|(panic)|exec-error=(\d+))\s*$",
                      re.M)
# The kernel's OOM killer logs this when a page fault found no free page (kernel/mm/oom.c).
_OOM_RE = re.compile(rb"^oom-kill: ", re.M)


@dataclass(frozen=True)
class Accel:
    """The accelerator to run with, the CPU model that works with it, and why."""

    name: str  # "kvm" or "tcg"
    cpu: str
    reason: str


@dataclass(frozen=True)
class ExitRecord:
    """The kernel's last word: how the program ended."""

    status: int | None = None
    signal: int | None = None
    panic: bool = False
    exec_error: int | None = None  # the program could not start: execve's errno


@dataclass
class RunResult:
    """How a run ended, as pkgload reports it."""

    exit_status: int  # what `pkgload run` exits with
    signal: int | None  # the signal that killed the program, if one did
    log: bytes = field(repr=False)  # the kernel log
    qemu_status: int = 0
    memory_mib: int = 0  # the guest's memory (-m)
    oom: bool = False  # the kernel's OOM killer killed a process of the run
    exec_error: int | None = None  # the errno that kept the program from starting

    def get_signal_message(self) -> str | None:
        """Return the line a shell prints for the killing signal (strsignal), or None.

        A SIGKILL from the kernel's OOM killer gets pkgload's own line
        instead, as docker reports an OOM-killed container (status 137 all the same).
        A program that could not start gets the line a shell prints when
        execve fails (its status is then 126, or 127 for ENOENT).
        """
        if self.exec_error is not None:
            return f"pkgload: cannot execute the program: {os.strerror(self.exec_error)}"
        if self.signal is None:
            return None
        if self.signal == signal.SIGKILL and self.oom:
            return f"pkgload: out of memory (-m {self.memory_mib}M); try a larger -m"
        return signal.strsignal(self.signal) or f"Unknown signal {self.signal}"


def repo_root() -> Path:
    """Return the source tree this package was loaded from."""
    return Path(__file__).resolve().parent.parent


def find_kernel(environ: Mapping[str, str] | None = None) -> Path:
    """Return the kernel image: $PKGLOAD_KERNEL, else build/kernel/pkgload.elf.

    Raises KernelNotFound when the file does not exist.
    """
    environ = os.environ if environ is None else environ
    path = Path(environ.get(KERNEL_ENV) or repo_root() / "build" / "kernel" / "pkgload.elf")
    if not path.is_file():
        raise KernelNotFound(f"kernel image not found at {path}: run make")
    return path


def find_qemu() -> str:
    """Return the path of qemu-system-x86_64; raise QemuNotFound if it is not installed."""
    qemu = shutil.which(QEMU)
    if qemu is None:
        raise QemuNotFound(f"{QEMU}: not found on PATH, install qemu-system-x86 (./tools/setup does)")
    return qemu


def detect_kvm(dev: str = "/dev/kvm", sys_module: str = "/sys/module") -> str | None:
    """Return "hardware" for kvm_intel/kvm_amd, "other" for any other /dev/kvm, None if it won't open."""
    try:
        os.close(os.open(dev, os.O_RDWR | os.O_CLOEXEC))
    except OSError:
        return None
    if any(os.path.isdir(os.path.join(sys_module, m)) for m in ("kvm_intel", "kvm_amd")):
        return "hardware"
    return "other"


def select_accel(
    requested: str = "auto",
    environ: Mapping[str, str] | None = None,
    dev: str = "/dev/kvm",
    sys_module: str = "/sys/module",
) -> Accel:
    """Choose the accelerator and CPU model.

    requested is "auto", "kvm" or "tcg"; for "auto", $PKGLOAD_ACCEL decides
    when set. auto picks KVM only when hardware virtualisation backs
    /dev/kvm: under another backend (kvm_pvm) guest kernel code runs far
    slower than under TCG. Raises VmError for an unknown name or when KVM is
    asked for and /dev/kvm does not open.
    """
    environ = os.environ if environ is None else environ
    if requested == "auto":
        requested = environ.get(ACCEL_ENV, "").strip() or "auto"
    if requested not in ACCELS:
        raise VmError(f"{ACCEL_ENV}={requested}: unknown accelerator, use auto, kvm or tcg")
    if requested == "tcg":
        return Accel("tcg", "max", "asked for")
    kvm = detect_kvm(dev, sys_module)
    if requested == "kvm" and kvm is None:
        raise VmError(f"{dev}: cannot open it for KVM, use --accel tcg")
    if kvm == "hardware":
        return Accel("kvm", "host", f"{requested}: /dev/kvm is kvm_intel or kvm_amd")
    if requested == "kvm":  # e.g. kvm_pvm: -cpu host and max abort on MSR 0x10a
        return Accel("kvm", "max,-arch-capabilities", "asked for, /dev/kvm is not hardware KVM")
    why = "no usable /dev/kvm" if kvm is None else "/dev/kvm is not hardware KVM"
    return Accel("tcg", "max", f"auto: {why}")


def parse_memory(text: str) -> int:
    """Return a memory size in MiB from "256", "256M", "1G" or "524288K".

    Raises ValueError for anything else or a size under MIN_MEMORY_MIB.
    """
    m = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]?)(?:i?[bB])?\s*", text)
    if not m:
        raise ValueError(f"{text!r}: not a size, use e.g. 256, 256M or 1G")
    n = int(m.group(1))
    mib = {"k": n // 1024, "": n, "m": n, "g": n * 1024}[m.group(2).lower()]
    if mib < MIN_MEMORY_MIB:
        raise ValueError(f"{text!r}: too little memory, the minimum is {MIN_MEMORY_MIB}M")
    return mib


def parse_smp(text: str) -> int:
    """Return a number of vCPUs from "1" .. "64" (MAX_SMP).

    Raises ValueError for anything else.
    """
    m = re.fullmatch(r"\s*(\d+)\s*", text)
    if not m or not 1 <= int(m.group(1)) <= MAX_SMP:
        raise ValueError(f"{text!r}: not a number of vCPUs, use 1 to {MAX_SMP}")
    return int(m.group(1))


@dataclass(frozen=True)
class VmFds:
    """The host file descriptors QEMU opens as /dev/fd/N or uses as sockets."""

    out: int  # the program's stdout: our stdout (or a pipe to it, for a socket)
    err: int  # the program's stderr: our stderr
    klog: int  # the write end of the kernel log pipe (debugcon)
    manifest: int  # a memfd holding the manifest (put in guest memory at MANIFEST_ADDR)
    stdin: int | None = None  # QEMU's end of the stdin port's socket; None: stdin is empty
    control: int | None = None  # QEMU's end of the control port's socket; None: no messages


# The virtio-console's ports, by number: kernel/fs/console.c uses the same.
PORT_STDIN, PORT_STDOUT, PORT_STDERR, PORT_CONTROL = 1, 2, 3, 4


def accel_option(accel: Accel, smp: int) -> str:
    """Return the value of QEMU's -accel for accel on smp vCPUs.

    Several vCPUs under TCG get one host thread each (thread=multi). QEMU
    7.2 already does that by default for an x86_64 guest on an x86_64 host;
    saying it keeps it so where a QEMU would default to one thread for all.
    """
    if accel.name == "tcg" and smp > 1:
        return "tcg,thread=multi"
    return accel.name


def qemu_command(
    qemu: str, kernel: Path, initrd: Path, memory_mib: int, accel: Accel, fds: VmFds,
    smp: int = 1, net_args: Sequence[str] = (),
) -> list[str]:
    """Return the QEMU argv of docs/boot-protocol.md, with smp vCPUs and net_args' NIC.

    The program's streams are ports of one virtio-console (virtio-serial,
    multiport): output through `file` chardevs, whose writes a slow reader
    holds back without a byte lost; stdin and pkgload's control messages
    through sockets we hold the other end of. COM1 and COM2 carry the same
    stdout and stderr for a kernel that finds no virtio-console.
    """
    stdin = f"socket,id=in,fd={fds.stdin}" if fds.stdin is not None else "null,id=in"
    control = f"socket,id=control,fd={fds.control}" if fds.control is not None else "null,id=control"
    return [
        qemu,
        "-M", "microvm,x-option-roms=off,rtc=off,isa-serial=on",
        "-m", str(memory_mib),
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-accel", accel_option(accel, smp), "-cpu", accel.cpu,
        "-smp", str(smp),
        "-kernel", str(kernel),
        "-initrd", str(initrd),
        "-device", f"loader,file=/dev/fd/{fds.manifest},addr={MANIFEST_ADDR:#x},force-raw=on",
        "-global", "virtio-mmio.force-legacy=false",
        "-device", f"virtio-serial-device,max_ports={PORT_CONTROL + 1}",
        "-chardev", stdin,
        "-device", f"virtserialport,chardev=in,nr={PORT_STDIN},name=stdin",
        "-chardev", f"file,id=out,path=/dev/fd/{fds.out},append=on",
        "-device", f"virtserialport,chardev=out,nr={PORT_STDOUT},name=stdout",
        "-chardev", f"file,id=err,path=/dev/fd/{fds.err},append=on",
        "-device", f"virtserialport,chardev=err,nr={PORT_STDERR},name=stderr",
        "-chardev", control,
        "-device", f"virtserialport,chardev=control,nr={PORT_CONTROL},name=pkgload",
        "-chardev", f"file,id=com1,path=/dev/fd/{fds.out},append=on",
        "-serial", "chardev:com1",
        "-chardev", f"file,id=com2,path=/dev/fd/{fds.err},append=on",
        "-device", "isa-serial,chardev=com2,iobase=0x2f8,irq=3,index=1",
        "-chardev", f"file,id=klog,path=/dev/fd/{fds.klog}",
        "-device", "isa-debugcon,iobase=0xe9,chardev=klog",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
        *net_args,
    ]  # fmt: skip


def get_debug_args(environ: Mapping[str, str] | None = None) -> list[str]:
    """Return the extra QEMU arguments of PKGLOAD_QEMU_ARGS, for kernel debugging.

    For example `-d int,cpu_reset -D /tmp/q.log` (a triple fault's trail) or
    `-s -S` (wait for gdb); split as a shell would.
    """
    return shlex.split((environ if environ is not None else os.environ).get(QEMU_ARGS_ENV, ""))


def parse_exit_record(log: bytes) -> ExitRecord | None:
    """Return the last exit record in the kernel log, or None if there is none."""
    last = next(reversed(list(_EXIT_RE.finditer(log))), None)
    if last is None:
        return None
    status, sig, panic, exec_error = last.groups()
    if panic:
        return ExitRecord(panic=True)
    if exec_error is not None:
        return ExitRecord(exec_error=int(exec_error))
    if sig is not None:
        return ExitRecord(signal=int(sig))
    return ExitRecord(status=int(status))


def get_panic_reason(log: bytes) -> str:
    """Return the reason of the kernel's last panic (its "panic:" line), or "no reason given"."""
    reasons = re.findall(rb"^panic: (.*)$", log, re.M)
    return reasons[-1].decode(errors="replace").strip() if reasons else "no reason given"


class _LogReader(threading.Thread):
    """Drain a pipe into memory, passing each chunk to on_chunk as it comes."""

    def __init__(self, fd: int, on_chunk: Callable[[bytes], None] | None) -> None:
        super().__init__(name="pkgload-klog", daemon=True)
        self._fd = fd
        self._on_chunk = on_chunk
        self._chunks: list[bytes] = []

    def run(self) -> None:
        with open(self._fd, "rb", buffering=0, closefd=True) as f:
            while chunk := f.read(65536):
                self._chunks.append(chunk)
                if self._on_chunk:
                    self._on_chunk(chunk)

    def get_bytes(self) -> bytes:
        """Return everything read so far (all of it once the thread has ended)."""
        return b"".join(self._chunks)


def _write_all(fd: int, data: bytes) -> None:
    """Write all of data to fd."""
    while data:
        data = data[os.write(fd, data):]


def run(
    image: Image,
    manifest: Manifest,
    memory_mib: int = DEFAULT_MEMORY_MIB,
    accel: Accel | None = None,
    on_log: Callable[[bytes], None] | None = None,
    kernel: Path | None = None,
    log_path: Path | None = None,
    smp: int = 1,
    net: str = "none",
    ports: Sequence[network.PortMapping] = (),
) -> RunResult:
    """Boot the image's program in a VM with smp vCPUs and wait for it to end.

    net is the network (loader/network.py's NETWORKS): "none" gives the VM
    no NIC; ports are published from the host, and must be free now
    (PortInUse otherwise, before QEMU starts).

    The program's stdout and stderr go straight to this process's fd 1 and
    2; the kernel log is kept, written to log_path (default: last-run.log in
    the cache, which concurrent runs share), and passed to on_log as it
    arrives. SIGINT, SIGTERM and the terminal's other signals sent to this
    process while the VM runs go to the program (loader/console.py); when
    they stop the VM hard, the RunResult says 128+N with no signal. Returns
    the RunResult of a program that ended (by exit or signal). Raises
    KernelNotFound, QemuNotFound, or VmError when the VM failed (panic, QEMU
    error, no exit record). Call it from the main thread.
    """
    kernel = kernel or find_kernel()
    qemu = find_qemu()
    accel = accel or select_accel()
    network.check_ports_free(list(ports))
    net_args = network.qemu_network_args(net, list(ports))
    check_memory(image, manifest, memory_mib)
    sys.stdout.flush()
    sys.stderr.flush()
    # The kernel reports mode changes and waits for our acknowledgement exactly
    # when the manifest carries the terminal's modes.
    mirror = terminal.TerminalMirror(0) if manifest.term_modes else None
    try:
        ran = _run_qemu(qemu, kernel, image, manifest, memory_mib, accel, on_log, mirror, smp, net_args,
                        list(ports))
    finally:
        if mirror:
            mirror.restore()
    if log_path is None:
        log_path = cache_dir() / "last-run.log"
        _save_log(log_path, ran.log, ran.qemu_err)
    else:
        _write_user_log(log_path, ran.log, ran.qemu_err)
    if ran.qemu_err and on_log:
        on_log(ran.qemu_err)
    if ran.stopped is not None:
        return RunResult(ran.stopped, None, ran.log, ran.status)
    return _result(ran.status, ran.log, ran.qemu_err, log_path, memory_mib)


def check_memory(image: Image, manifest: Manifest, memory_mib: int) -> None:
    """Refuse memory_mib when the image and the kernel do not fit (loader/guest_memory.py).

    Raises MemoryTooSmall naming the minimum.
    """
    size = image.path.stat().st_size
    least = get_min_memory_mib(size, len(encode_manifest(manifest)))
    if memory_mib < least:
        raise MemoryTooSmall(f"-m {memory_mib}M: too little memory for the image of {image.program.path} "
                             f"({size / (1 << 20):.1f} MiB), the minimum is {least}M")


@dataclass(frozen=True)
class _Ran:
    """What a QEMU run left: its status, the kernel log, its stderr, and a hard stop's status."""

    status: int
    log: bytes
    qemu_err: bytes
    stopped: int | None


def _with_mirror(
    on_log: Callable[[bytes], None] | None, mirror: terminal.TerminalMirror | None
) -> Callable[[bytes], None] | None:
    """Return a log callback that also feeds the terminal mirror (when there is one)."""
    if not mirror:
        return on_log

    def both(chunk: bytes) -> None:
        mirror.feed(chunk)
        if on_log:
            on_log(chunk)

    return both


class _Qemu:
    """The QEMU process once started, for the signal forwarder to kill from its thread."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.killed = False

    def kill(self, status: int = 0) -> None:
        self.killed = True
        if self.proc:
            self.proc.kill()


def _run_qemu(
    qemu: str,
    kernel: Path,
    image: Image,
    manifest: Manifest,
    memory_mib: int,
    accel: Accel,
    on_log: Callable[[bytes], None] | None,
    mirror: terminal.TerminalMirror | None,
    smp: int,
    net_args: list[str],
    ports: list[network.PortMapping],
) -> _Ran:
    """Run QEMU to its end, forwarding signals to the program meanwhile."""
    control_ours, control_qemu = socket.socketpair()
    control = console.ControlChannel(control_ours)
    vm = _Qemu()
    if mirror:
        mirror.on_applied = partial(control.send, console.MSG_ACK)
    try:
        with console.SignalForwarder(control, vm.kill) as forwarder:
            cmd = partial(qemu_command, qemu, kernel, image.path, memory_mib, accel, smp=smp,
                          net_args=net_args)
            status, log, qemu_err = _start_and_wait(qemu, cmd, manifest, _with_mirror(on_log, mirror),
                                                    control, control_qemu, vm, ports)
    finally:
        control.close()
    return _Ran(status, log, qemu_err, forwarder.stopped_status)


def _start_and_wait(
    qemu: str,
    command: Callable[[VmFds], list[str]],
    manifest: Manifest,
    on_log: Callable[[bytes], None] | None,
    control: console.ControlChannel,
    control_qemu: socket.socket,
    vm: _Qemu,
    ports: Sequence[network.PortMapping] = (),
) -> tuple[int, bytes, bytes]:
    """Start QEMU with its channels; return its status, the kernel log and QEMU's own stderr."""
    klog_r, klog_w = os.pipe()
    # The reader owns klog_r; it ends when every klog_w is closed.
    reader = _LogReader(klog_r, on_log)
    reader.start()
    relay = None
    with ExitStack() as ours:  # our copies close once QEMU has its own
        ours.callback(os.close, klog_w)
        ours.callback(control_qemu.close)
        stdin_qemu = None
        if manifest.stdin_relay:
            stdin_ours, stdin_qemu = socket.socketpair()
            ours.callback(stdin_qemu.close)
            relay = console.StdinRelay(stdin_ours, control)
        out, copier = _reopen_stdout(ours, partial(control.send, console.MSG_CLOSED, 1))
        fds = VmFds(out, _dup_stderr(ours), klog_w, _manifest_fd(manifest, ours),
                    stdin_qemu.fileno() if stdin_qemu else None, control_qemu.fileno())
        vm.proc = _popen(qemu, command(fds) + get_debug_args(), fds)
        if vm.killed:  # stopped before it started
            vm.proc.kill()
        network.widen_backlogs(vm.proc.pid, ports)
    if relay:
        relay.start()
    watch = console.OutputWatch(control)
    watch.start()
    try:
        qemu_err = _wait_for_qemu(vm.proc)
    except BaseException:  # never leave QEMU behind
        vm.proc.kill()
        vm.proc.wait()
        raise
    finally:
        watch.stop()
        _seek_outputs_to_end()
    if copier:
        copier.join()
    if relay:
        relay.close()
    reader.join()
    return vm.proc.returncode, reader.get_bytes(), qemu_err


def _popen(qemu: str, cmd: list[str], fds: VmFds) -> subprocess.Popen[bytes]:
    """Start QEMU in a process group of its own, so that a terminal's ^C reaches only us."""
    passed = [fd for fd in (fds.out, fds.err, fds.klog, fds.manifest, fds.stdin, fds.control)
              if fd is not None]
    try:
        return subprocess.Popen(
            _die_with_us(cmd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=passed,
            process_group=0,
        )
    except OSError as e:
        raise VmError(f"{qemu}: cannot start it ({e.strerror or e})") from e


# QEMU's line when KVM cannot run the guest on: QEMU then stops the VM and
# waits for a monitor there is none of, for ever.
KVM_INTERNAL_ERROR = b"KVM internal error"
STOPPED_VM_GRACE_S = 0.5  # for the register dump that follows it


def _wait_for_qemu(proc: subprocess.Popen[bytes]) -> bytes:
    """Wait for QEMU to end and return what it wrote to stderr; end it when KVM has given up."""
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith(KVM_INTERNAL_ERROR):
            timer = threading.Timer(STOPPED_VM_GRACE_S, proc.kill)
            timer.daemon = True
            timer.start()
    proc.wait()
    return b"".join(lines)


def _die_with_us(cmd: list[str]) -> list[str]:
    """Return cmd run so that it gets SIGKILL when we die (prctl PR_SET_PDEATHSIG).

    A pkgload killed by SIGKILL (a test's timeout, a supervisor) must not
    leave a VM spinning. util-linux's setpriv sets it and execs cmd, which
    costs an exec where ctypes would cost its import; without setpriv, cmd
    runs as is.
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", *cmd] if setpriv else cmd


def _reopen_stdout(stack: ExitStack, on_broken: Callable[[], None]) -> tuple[int, threading.Thread | None]:
    """Return a descriptor QEMU can open as /dev/fd/N to write our stdout, closed with stack.

    Our stdout itself when it can be opened anew (a file, pipe or terminal:
    QEMU's own description keeps its flags off the one we share with our
    parent). A socket cannot be: then a pipe, copied to it by the thread
    also returned (join it once QEMU has ended), which calls on_broken when
    the socket takes no more.
    """
    try:
        os.close(os.open("/dev/fd/1", os.O_WRONLY | os.O_CLOEXEC))
    except OSError:
        read_end, write_end = os.pipe()
        copier = _Copier(read_end, 1, on_broken)
        copier.start()
        stack.callback(os.close, write_end)
        return write_end, copier
    fd = _dup(1)
    stack.callback(os.close, fd)
    return fd, None


class _Copier(threading.Thread):
    """Copy a pipe to a descriptor with blocking writes until the pipe ends."""

    def __init__(self, src: int, dst: int, on_broken: Callable[[], None]) -> None:
        super().__init__(name="pkgload-stdout", daemon=True)
        self._src, self._dst = src, dst
        self._on_broken = on_broken

    def run(self) -> None:
        with open(self._src, "rb", buffering=0, closefd=True) as f:
            while chunk := f.read(65536):
                try:
                    _write_all(self._dst, chunk)
                except OSError:
                    self._on_broken()
                    return


def _dup_stderr(stack: ExitStack) -> int:
    """Return a copy of our stderr for QEMU's COM2 chardev to reopen, closed with stack."""
    fd = _dup(2)
    stack.callback(os.close, fd)
    return fd


def _dup(fd: int) -> int:
    """Return a copy of fd; raise VmError if it is closed."""
    try:
        return os.dup(fd)
    except OSError as e:
        raise VmError(f"fd {fd} is closed: the program's output has nowhere to go") from e


def _manifest_fd(manifest: Manifest, stack: ExitStack) -> int:
    """Return a memfd holding the encoded manifest, closed with stack."""
    fd = os.memfd_create("pkgload-manifest")
    stack.callback(os.close, fd)
    os.write(fd, encode_manifest(manifest))
    return fd


def _seek_outputs_to_end() -> None:
    """Move our stdout/stderr offsets past what QEMU appended, when they are files.

    QEMU reopens /dev/fd/1 with O_APPEND: its writes do not move the offset
    we share with our parent (a shell redirecting `{ a; pkgload run p; b; } > f`),
    whose next write would land on top of the program's output.
    """
    for fd in (1, 2):
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.lseek(fd, 0, os.SEEK_END)
        except OSError:
            pass


def _log_bytes(log: bytes, qemu_err: bytes) -> bytes:
    return log + (b"\n--- qemu stderr ---\n" + qemu_err if qemu_err else b"")


def _save_log(path: Path, log: bytes, qemu_err: bytes) -> None:
    """Write the kernel log (and QEMU's stderr) to path in the cache; a failure here is not fatal."""
    try:
        with atomic_output(path) as f:
            f.write(_log_bytes(log, qemu_err))
    except OSError:
        pass


def _write_user_log(path: Path, log: bytes, qemu_err: bytes) -> None:
    """Write the log to the file the user named (--log); say so on stderr if that fails.

    The program's exit status stays pkgload's: the run itself succeeded.
    """
    try:
        path.write_bytes(_log_bytes(log, qemu_err))
    except OSError as e:
        print(f"pkgload: cannot write the kernel log to {path}: {e.strerror or e}", file=sys.stderr)


def _result(qemu_status: int, log: bytes, qemu_err: bytes, log_path: Path, memory_mib: int = 0) -> RunResult:
    """Map QEMU's status and the exit record to a RunResult, or raise VmError."""
    record = parse_exit_record(log)
    if record is None and HOSTFWD_FAILED in qemu_err.lower():
        raise network.PortInUse("-p: a published host port was taken by another program as QEMU "
                                "started; choose another port")
    if record is None:
        first = qemu_err.decode(errors="replace").strip().splitlines()
        why = f": {first[0]}" if first else f", kernel log in {log_path}"
        raise VmError(f"the VM ended without an exit record (qemu status {qemu_status}){why}")
    if record.panic:
        raise VmError(f"the kernel crashed ({get_panic_reason(log)}); log: {log_path}")
    if record.signal is not None:
        return RunResult(128 + record.signal, record.signal, log, qemu_status, memory_mib,
                         _OOM_RE.search(log) is not None)
    if record.exec_error is not None:
        status = 127 if record.exec_error == errno.ENOENT else 126
        return RunResult(status, None, log, qemu_status, exec_error=record.exec_error)
    assert record.status is not None
    return RunResult(record.status, None, log, qemu_status, memory_mib)

