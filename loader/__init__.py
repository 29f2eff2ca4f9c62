"""pkgload host side: check, package and boot one Linux x86-64 program in a VM."""

__version__ = "0.1.0"
