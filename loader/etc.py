"""The /etc files every image gets, generated rather than copied from the host.

glibc reads them at run time: NSS (getpwuid, getaddrinfo) through
nsswitch.conf, passwd, group and hosts; the resolver through resolv.conf;
`hostname` and uname through the manifest's hostname, mirrored in
/etc/hostname. Their contents depend only on the hostname, so the image key
stays stable.
"""

from __future__ import annotations

LD_SO_CACHE = "/etc/ld.so.cache"  # shipped from the host, for dlopen by soname
DEFAULT_HOSTNAME = "pkgload"  # the guest's: the manifest's hostname and /etc/hostname


def get_etc_files(hostname: str) -> dict[str, bytes]:
    """Return the generated /etc files: guest path -> contents."""
    return {
        "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n"
        b"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "/etc/group": b"root:x:0:\nnogroup:x:65534:\n",
        "/etc/hosts": f"127.0.0.1\tlocalhost\n127.0.1.1\t{hostname}\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n".encode(),
        "/etc/nsswitch.conf": b"passwd: files\ngroup: files\nhosts: files dns\n",
        "/etc/resolv.conf": b"# pkgload: no network\n",
        "/etc/hostname": f"{hostname}\n".encode(),
    }
