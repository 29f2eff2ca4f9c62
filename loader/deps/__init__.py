"""The shared-library closure of a program as ld.so would resolve it (resolver.py,
search.py, ldcache.py, dynamic.py), and the files it loads at run time without
DT_NEEDED (runtime.py); the result's types are closure.py's.
"""

from loader.deps.closure import DepClosure, Library, MissingLib, Symlink, resolve_symlinks
from loader.deps.ldcache import LD_SO_CACHE, CacheEntry, LdSoCache, read_ld_so_cache
from loader.deps.resolver import resolve_deps
from loader.deps.runtime import RuntimeFile, get_memory_mib, get_python_version, iter_runtime_files
from loader.hwcaps import HwCaps, get_guest_hwcaps, get_host_hwcaps, parse_ld_so_help

__all__ = [
    "LD_SO_CACHE", "CacheEntry", "DepClosure", "HwCaps", "LdSoCache", "Library", "MissingLib",
    "RuntimeFile", "Symlink", "get_guest_hwcaps", "get_memory_mib", "get_host_hwcaps", "get_python_version",
    "iter_runtime_files", "parse_ld_so_help", "read_ld_so_cache", "resolve_deps",
    "resolve_symlinks",
]
