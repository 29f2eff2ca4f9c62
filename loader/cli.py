"""The `pkgload` command: thin click commands over elf, image, vm and report.

Exit statuses of `pkgload run`: the program's own status; 128+N when signal
N killed it; 2 for bad input (a file that is not a runnable program, bad
options); 125 when pkgload or the VM failed, not the program (as `docker
run` does); 130 on Ctrl-C before the VM runs, or at the second one while
it runs (the first goes to the program); 143 when the program is still
running 10 s after a SIGTERM, which went to it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click
from click.core import ParameterSource

from loader import __version__, cache_lru, image, manifest, network, vm
from loader.cache import cache_dir
from loader.errors import ElfFormatError, MemoryTooSmall, MissingLibrary, PkgloadError, VmError
from loader.identity import Identity, UserSpecError, parse_user

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class BadProgram(click.ClickException):
    """The PROGRAM argument is not something pkgload can run: `Error: ...`, status 2."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str) -> None:
        # One line whatever the file holds: control characters from a corrupt
        # ELF (an interpreter path with a CR in it) are shown escaped.
        super().__init__("".join(c if c.isprintable() else repr(c)[1:-1] for c in message))


class BadOption(click.ClickException):
    """An option's value cannot be used (an unwritable --trace file): `Error: ...`, status 2."""

    exit_code = EXIT_BAD_INPUT


class _RunCommand(click.Command):
    """`run`, whose --trace takes a value only as --trace=FILE: a bare --trace means stderr.

    click would take the word after a bare --trace, the program, as its value.
    Only the options before PROGRAM are looked at: PROGRAM's own are its.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        valued = {o for p in self.params if isinstance(p, click.Option) and not p.is_flag
                  and not p.count for o in p.opts}
        args = list(args)
        i = 0
        while i < len(args) and args[i].startswith("-") and args[i] != "--":
            if args[i] == "--trace":
                args[i] = "--trace=-"
            elif args[i] in valued:
                i += 1
            i += 1
        return super().parse_args(ctx, args)


class VmFailed(click.ClickException):
    """pkgload or the VM failed, not the program: `pkgload: ...`, status 125."""

    exit_code = vm.EXIT_VM_FAILED

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details

    def show(self, file: IO[Any] | None = None) -> None:
        if self.details:
            click.echo(self.details, err=True)
        click.echo(f"pkgload: {self.message}", err=True)


def _debug() -> bool:
    """Return True when the root command was given --debug."""
    return bool(click.get_current_context().find_root().params.get("debug"))


@contextmanager
def run_errors() -> Iterator[None]:
    """Map expected failures of `run`: bad program or too little -m -> 2, anything else -> 125."""
    try:
        yield
    except (ElfFormatError, MissingLibrary, MemoryTooSmall) as e:
        if _debug():
            raise
        raise BadProgram(str(e)) from e
    except PkgloadError as e:
        if _debug():
            raise
        raise VmFailed(str(e), e.details if isinstance(e, VmError) else "") from e


class MemoryParam(click.ParamType):
    """A memory size: 256, 256M, 1G; converted to MiB."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return vm.parse_memory(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


class SmpParam(click.ParamType):
    """A number of vCPUs, 1 to vm.MAX_SMP; a bad $PKGLOAD_SMP is named as such."""

    name = "count"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return vm.parse_smp(str(value))
        except ValueError as e:
            from_env = ctx is not None and ctx.get_parameter_source("smp") is ParameterSource.ENVIRONMENT
            self.fail(f"{vm.SMP_ENV}={e}" if from_env else str(e), param, ctx)


def _check_env(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """Reject -e values without a variable name."""
    for pair in value:
        if not pair.partition("=")[0]:
            raise click.BadParameter(f"{pair!r}: expected KEY=VALUE or KEY", ctx, param)
    return value


class UserParam(click.ParamType):
    """USER[:GROUP], numbers or names of the host's passwd and group, as docker's --user."""

    name = "user"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Identity:
        if isinstance(value, Identity):
            return value
        try:
            return parse_user(str(value))
        except UserSpecError as e:
            self.fail(str(e), param, ctx)


class PublishParam(click.ParamType):
    """-p [HOST_ADDR:]HOST_PORT:GUEST_PORT[/tcp|/udp], docker's syntax; ports may be ranges."""

    name = "port"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> list[network.PortMapping]:
        if isinstance(value, list):
            return value
        try:
            return network.parse_publish(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


def _parse_extra(ctx: click.Context, param: click.Parameter,
                 value: tuple[str, ...]) -> tuple[image.ExtraPath, ...]:
    """Turn HOST[:GUEST] values into ExtraPaths; GUEST defaults to HOST's absolute path."""
    out = []
    for spec in value:
        host, _, guest = spec.partition(":")
        host = os.path.abspath(host)
        guest = guest or host
        if not os.path.lexists(host):
            raise click.BadParameter(f"{host}: no such file or folder", ctx, param)
        if not guest.startswith("/"):
            raise click.BadParameter(f"{guest}: the guest path must be absolute", ctx, param)
        out.append(image.ExtraPath(host, os.path.normpath(guest)))
    return tuple(out)


class _StderrAppender:
    """Copy the kernel log to our stderr as it arrives (--verbose).

    Writes go through a descriptor of their own opened with O_APPEND, as
    QEMU's are: when stderr is a file, writing at our own offset would land
    on top of what the program wrote to its stderr.
    """

    def __init__(self) -> None:
        try:
            self._fd = os.open("/dev/fd/2", os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        except OSError:  # e.g. a socket, which cannot be reopened: no offset to mind
            self._fd = os.dup(2)

    def __call__(self, chunk: bytes) -> None:
        while chunk:
            chunk = chunk[os.write(self._fd, chunk):]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show a traceback for expected errors too.")
def main(debug: bool) -> None:
    """Run unmodified Linux x86-64 programs as single-purpose VMs."""


@main.command(cls=_RunCommand,
              context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-e", "--env", "env", multiple=True, metavar="KEY[=VALUE]", callback=_check_env,
              help="Set a variable for the program; KEY alone passes the host's value. Repeatable.")
@click.option("-m", "--memory", type=MemoryParam(), default=None,
              help=f"Guest memory, e.g. 256, 256M or 1G (MiB unless a unit is given)  [default: "
                   f"{vm.DEFAULT_MEMORY_MIB}M, or more when the program's runtime asks for it]")
@click.option("--accel", type=click.Choice(vm.ACCELS), default="auto", show_default=True,
              help="Accelerator; auto picks KVM only on hardware KVM ($PKGLOAD_ACCEL overrides auto).")
@click.option("--smp", type=SmpParam(), default=1, show_default=True, envvar=vm.SMP_ENV, metavar="N",
              help=f"Virtual CPUs, 1 to {vm.MAX_SMP} (${vm.SMP_ENV} gives the default).")
@click.option("--verbose", is_flag=True, help="Copy the kernel log to stderr.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the kernel log to FILE  [default: last-run.log in the cache].")
@click.option("--file", "files", multiple=True, metavar="HOST[:GUEST]", callback=_parse_extra,
              help="Add a host file to the image (at GUEST, default its host path). Repeatable.")
@click.option("--dir", "dirs", multiple=True, metavar="HOST[:GUEST]", callback=_parse_extra,
              help="Add a host folder, recursively, symlinks kept. Repeatable.")
@click.option("--with", "withs", multiple=True, metavar="NAME_OR_PATH",
              help="Add a program (by name, from the host's PATH) at its host path, with its "
                   "libraries, for PROGRAM to exec. Repeatable.")
@click.option("-u", "--user", "identity", type=UserParam(), default="0", metavar="USER[:GROUP]",
              help="Run as this user and group (numbers, or names from the host's passwd and "
                   "group)  [default: root]")
@click.option("--stubs", "stub_sets", multiple=True, metavar="SET",
              help="Apply a compatibility stub set: a name in stubs/ (nonroot, root, numa) or a .toml "
                   "file. Repeatable.")
@click.option("--stub", "stub_rules", multiple=True, metavar="NAME=VALUE",
              help="Make syscall NAME return VALUE: a number, -ERRNO, zero (zeroed output) or "
                   "same:N (0 for N, else EPERM). Repeatable; wins over --stubs.")
@click.option("-q", "--quiet", is_flag=True,
              help="Say nothing at exit about missing syscalls (said when the program failed).")
@click.option("--trace", "trace_to", metavar="[=FILE]",
              help="Print a strace-like line per syscall of every thread and process: to stderr, "
                   "or with --trace=FILE to FILE.")
@click.option("--record", "record_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="DIR", envvar="PKGLOAD_RECORD",
              help="Save the syscalls the run made as DIR/PROGRAM.json (for pkgload coverage "
                   "--runs DIR; $PKGLOAD_RECORD gives a default, e.g. to record a test suite).")
@click.option("-p", "--publish", "ports", multiple=True, type=PublishParam(),
              metavar="[HOST_ADDR:]HOST_PORT:GUEST_PORT[/tcp|/udp]",
              help=f"Forward a host port to the guest's (host address {network.DEFAULT_HOST_ADDR} "
                   "unless given); ports may be ranges, 8000-8002:80-82. Repeatable.")
@click.option("--network", "net", type=click.Choice(network.NETWORKS), default=network.DEFAULT_NETWORK,
              show_default=True, help="user: a NIC on QEMU's user network (10.0.2.15); none: no NIC.")
@click.argument("program")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(program: str, args: tuple[str, ...], env: tuple[str, ...], memory: int | None, accel: str,
        smp: int, verbose: bool, log_path: Path | None, files: tuple[image.ExtraPath, ...],
        dirs: tuple[image.ExtraPath, ...], withs: tuple[str, ...], identity: Identity,
        stub_sets: tuple[str, ...], stub_rules: tuple[str, ...], quiet: bool, trace_to: str | None,
        record_dir: Path | None, ports: tuple[list[network.PortMapping], ...], net: str) -> None:
    """Run PROGRAM (an ELF program or a #! script) with ARGS in a VM; exit with its exit status."""
    if ports and net == "none":
        raise click.BadParameter("publishing ports needs a network, not --network none",
                                 param_hint="'-p'")
    stub_text = _get_stubs(stub_sets, stub_rules)
    cache_max = _get_cache_max()
    published = [p for each in ports for p in each]
    on_log = network.ListenReporter(_StderrAppender(), published) if verbose else None
    tracer = _open_trace(trace_to, on_log)
    try:
        with run_errors():
            guest_env = manifest.make_env(env, identity=identity)
            chosen = vm.select_accel(accel)
            img = image.build_image(program, extra=[*files, *dirs],
                                    ld_library_path=_get_var(guest_env, "LD_LIBRARY_PATH"),
                                    accel=chosen.name, withs=withs, identity=identity,
                                    cache_max=cache_max)
            argv = img.get_argv(program, args)
            boot = manifest.make_manifest(img.guest_path, argv, guest_env, img.program_extent,
                                          identity, stub_text, network.get_net_config(net))
            memory = memory or max(vm.DEFAULT_MEMORY_MIB, img.memory_mib or 0)
            result = vm.run(img, dataclasses.replace(boot, trace=tracer is not None), memory, chosen,
                            on_log=tracer or on_log, log_path=log_path,
                            smp=smp, net=net, ports=published)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    finally:
        if tracer:
            tracer.close()
    message = result.get_signal_message()
    if message:
        click.echo(message, err=True)
    _report_syscalls(result.log, quiet or not _wants_summary(result.exit_status), record_dir,
                     program, argv)
    sys.exit(result.exit_status)


def _open_trace(target: str | None, other: Callable[[bytes], None] | None) -> Any:
    """Return the kernel log's receiver for --trace (a loader.trace.TraceSplitter), or None without it.

    Its lines go to target ("-": stderr), the rest of the log to other. An
    unwritable file is bad input: one line, status 2.
    """
    if target is None:
        return None
    from loader import trace  # only when asked: `run` starts faster without it

    try:
        return trace.open_trace(None if target == "-" else Path(target), other)
    except OSError as e:
        raise BadOption(f"{target}: cannot write the trace: {e.strerror or e}") from e


def _wants_summary(status: int) -> bool:
    """Say whether to name missing syscalls at exit: only when the program failed.

    A program that succeeded keeps its stderr byte for byte what it is
    natively (scripts, diffs, terminal sessions, the differential tests),
    even when it called a missing syscall it did without: sqlite3 and ls
    ask nscd over a socket and read /etc/passwd when that fails.
    """
    return status != 0


def _get_stubs(sets: tuple[str, ...], options: tuple[str, ...]) -> str:
    """Return the manifest's stub string for --stubs and --stub; bad rules: one line, status 2."""
    from loader import stubs

    try:
        return stubs.encode_rules(stubs.get_rules(sets, options))
    except stubs.StubError as e:
        if _debug():
            raise
        raise BadProgram(str(e)) from e


def _report_syscalls(log: bytes, quiet: bool, record_dir: Path | None, program: str,
                     argv: list[str]) -> None:
    """Name the missing syscalls the run hit (unless quiet); save its summary under record_dir."""
    from loader import summary

    found = summary.parse_summary(log)
    if found is None:
        return
    line = summary.get_missing_message(found)
    if line and not quiet:
        click.echo(line, err=True)
    if record_dir:
        try:
            summary.save_run(record_dir, program, argv, found)
        except OSError as e:  # the run itself succeeded: its status stays the program's
            click.echo(f"pkgload: cannot record the run in {record_dir}: {e.strerror or e}", err=True)


def _get_cache_max() -> int:
    """Return the cache's limit from $PKGLOAD_CACHE_MAX; a bad value is a usage error (status 2)."""
    try:
        return cache_lru.get_cache_max()
    except ValueError as e:
        raise click.UsageError(str(e)) from e


def _get_var(env: list[str], key: str) -> str | None:
    """Return KEY's value in a KEY=VALUE list, or None: the guest's ld.so looks libraries up with it."""
    prefix = key + "="
    return next((e[len(prefix):] for e in env if e.startswith(prefix)), None)


@contextmanager
def analyze_errors() -> Iterator[None]:
    """Map expected failures of `analyze`: bad program -> 2, anything else -> 1."""
    try:
        yield
    except ElfFormatError as e:
        if _debug():
            raise
        raise BadProgram(str(e)) from e
    except PkgloadError as e:
        if _debug():
            raise
        raise click.ClickException(str(e)) from e


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of tables.")
@click.option("--all", "all_sites", is_flag=True,
              help="List the syscalls of every site, not only those the program likely makes.")
@click.argument("program")
def analyze(program: str, as_json: bool, all_sites: bool) -> None:
    """Show PROGRAM's ELF facts, libraries, syscalls and whether it should run."""
    from loader import report  # pyelftools, capstone and rich: not for `run`

    with analyze_errors():
        r = report.get_report(program, "all" if all_sites else "likely")
    if as_json:
        click.echo(json.dumps(report.report_to_json(r), indent=2))
    else:
        report.render_report(r)


@main.command()
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["full", "partial", "fake", "stub", "missing"]),
              help="Show only syscalls of this status. Repeatable.")
@click.option("--family", "families", multiple=True, metavar="FAMILY",
              help="Show only syscalls of this family (file, memory, process, net, ...). Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of tables.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write one self-contained HTML page: every syscall, and the recorded runs.")
@click.option("--runs", "runs_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Recorded runs (pkgload run --record DIR)  [default: runs/ in the cache]")
def coverage(statuses: tuple[str, ...], families: tuple[str, ...], as_json: bool,
             html_path: Path | None, runs_dir: Path | None) -> None:
    """Show which Linux syscalls the kernel implements, and which ones recorded runs made."""
    from loader import coverage as cov

    unknown = sorted(set(families) - set(cov.get_families()))
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: no such family "
                                 f"(families: {', '.join(cov.get_families())})", param_hint="--family")
    c = cov.get_coverage(statuses, families, runs_dir or cov.default_runs_dir())
    if html_path:
        try:
            html_path.write_text(cov.render_html(c))
        except OSError as e:
            raise click.ClickException(f"{html_path}: cannot write the page: {e.strerror or e}") from e
    elif as_json:
        click.echo(json.dumps(cov.coverage_to_json(c), indent=2))
    else:
        cov.render_table(c)


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Where to write the suggested set  [default: PROGRAM.stubs.toml here]")
@click.option("--timeout", type=float, default=60, show_default=True, metavar="SECONDS",
              help="Longest a single run may take.")
@click.argument("program")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def stubs(program: str, args: tuple[str, ...], output: Path | None, timeout: float) -> None:
    """Find stubs that make PROGRAM's run under pkgload match its native run; write them as a set.

    PROGRAM runs natively, then under pkgload; for each missing syscall it hit,
    a fake success and errnos are tried until stdout and the exit status match.
    """
    from loader import suggest

    argv = [program, *args]

    def show(rules: dict[str, str], ok: bool) -> None:
        tried = " ".join(f"--stub {n}={v}" for n, v in rules.items())
        click.echo(f"{tried}: {'matches the native run' if ok else 'differs'}")

    with analyze_errors():
        s = suggest.suggest(argv, timeout, on_try=show)
    if not s.needed:
        click.echo(f"{program}: runs under pkgload as it does natively; no stubs needed")
        return
    if s.rules is None:
        missing = ", ".join(s.first.missing) or "no missing syscall"
        raise click.ClickException(f"{program}: no stub made its run match the native run "
                                   f"(it hit {missing}); pkgload analyze may say more")
    path = output or Path(f"{Path(program).name}.stubs.toml")
    path.write_text(suggest.set_to_toml(s.rules, argv))
    click.echo(f"wrote {path}: pkgload run --stubs {path} {' '.join(argv)}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the trace to FILE  [default: stderr]")
@click.option("-e", "--env", "env", multiple=True, metavar="KEY[=VALUE]", callback=_check_env,
              help="Set a variable for the program, as run's -e. Repeatable.")
@click.option("-m", "--memory", type=MemoryParam(), default=None,
              help="Guest memory, as run's -m.")
@click.option("--smp", type=SmpParam(), default=1, show_default=True, envvar=vm.SMP_ENV, metavar="N",
              help="Virtual CPUs, as run's --smp.")
@click.option("--stubs", "stub_sets", multiple=True, metavar="SET", help="A stub set, as run's. Repeatable.")
@click.option("--stub", "stub_rules", multiple=True, metavar="NAME=VALUE",
              help="A stub rule, as run's. Repeatable.")
@click.argument("program")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def trace(ctx: click.Context, output: Path | None, env: tuple[str, ...], memory: int | None, smp: int,
          stub_sets: tuple[str, ...], stub_rules: tuple[str, ...], program: str,
          args: tuple[str, ...]) -> None:
    """Run PROGRAM with ARGS as `run --trace` does, and save the syscalls it made for `pkgload coverage`.

    The trace goes to stderr (or --output FILE); the run's syscalls are added to
    runs/ in the cache, which `pkgload coverage` shows. Exits with PROGRAM's status.
    """
    from loader.coverage import default_runs_dir

    ctx.invoke(run, program=program, args=args, env=env, memory=memory, smp=smp,
               stub_sets=stub_sets, stub_rules=stub_rules,
               trace_to=str(output) if output else "-", record_dir=default_runs_dir())


@main.command()
def version() -> None:
    """Print pkgload's version."""
    click.echo(f"pkgload {__version__}")


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of a table.")
@click.pass_context
def cache(ctx: click.Context, as_json: bool) -> None:
    """Show the image cache: where it is, its size and limit, and its entries."""
    if ctx.invoked_subcommand is not None:
        return
    from loader import cache_view  # rich: not for `run`

    limit, where = _get_cache_max(), cache_dir()
    usage = cache_lru.get_usage(where)
    if as_json:
        click.echo(json.dumps(cache_view.usage_to_json(where, usage, limit), indent=2))
    else:
        cache_view.render_usage(where, usage, limit)


@cache.command()
@click.option("--all", "remove_all", is_flag=True, help="Remove everything, not only what is over the limit.")
def prune(remove_all: bool) -> None:
    """Evict least-recently-used entries down to the limit (--all: empty the cache)."""
    from loader.cache_view import format_size

    where, limit = cache_dir(), _get_cache_max()
    if not where.exists():
        freed = 0
    elif remove_all:
        freed = cache_lru.clear(where)
    else:
        freed = sum(e.size for e in cache_lru.evict(where, limit))
    click.echo(f"pkgload: freed {format_size(freed)} in {where}")
