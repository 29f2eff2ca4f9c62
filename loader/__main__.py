"""`python -m loader` is the `pkgload` command."""

from loader.cli import main

main(prog_name="pkgload")
