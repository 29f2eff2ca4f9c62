"""The `pkgload` command: thin click commands over elf, image, vm and report.

Exit statuses of `pkgload run`: the program's own status; 128+N when signal
N killed it; 2 for bad input (a file that is not a runnable program, bad
options); 125 when pkgload or the VM failed, not the program (as `docker
run` does); 130 on Ctrl-C before the VM runs, or at the second one while
it runs (the first goes to the program); 143 when the program is still
running 10 s after a SIGTERM, which went to it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click
from click.core import ParameterSource

from loader import __version__, image, manifest, vm
from loader.errors import ElfFormatError, MissingLibrary, PkgloadError, VmError
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
    """Map expected failures of `run`: bad program -> 2, anything else -> 125."""
    try:
        yield
    except (ElfFormatError, MissingLibrary) as e:
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


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-e", "--env", "env", multiple=True, metavar="KEY[=VALUE]", callback=_check_env,
              help="Set a variable for the program; KEY alone passes the host's value. Repeatable.")
@click.option("-m", "--memory", type=MemoryParam(), default=str(vm.DEFAULT_MEMORY_MIB), show_default=True,
              help="Guest memory, e.g. 256, 256M or 1G (MiB unless a unit is given).")
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
@click.argument("program")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(program: str, args: tuple[str, ...], env: tuple[str, ...], memory: int, accel: str,
        smp: int, verbose: bool, log_path: Path | None, files: tuple[image.ExtraPath, ...],
        dirs: tuple[image.ExtraPath, ...], withs: tuple[str, ...], identity: Identity) -> None:
    """Run PROGRAM (an ELF program or a #! script) with ARGS in a VM; exit with its exit status."""
    try:
        with run_errors():
            guest_env = manifest.make_env(env, identity=identity)
            chosen = vm.select_accel(accel)
            img = image.build_image(program, extra=[*files, *dirs],
                                    ld_library_path=_get_var(guest_env, "LD_LIBRARY_PATH"),
                                    accel=chosen.name, withs=withs, identity=identity)
            boot = manifest.make_manifest(img.guest_path, img.get_argv(program, args), guest_env,
                                          img.program_extent, identity)
            result = vm.run(img, boot, memory, chosen,
                            on_log=_StderrAppender() if verbose else None, log_path=log_path,
                            smp=smp)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    message = result.get_signal_message()
    if message:
        click.echo(message, err=True)
    sys.exit(result.exit_status)


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
def version() -> None:
    """Print pkgload's version."""
    click.echo(f"pkgload {__version__}")
