"""The /etc files every image gets, generated rather than copied from the host.

glibc reads them at run time: NSS (getpwuid, getaddrinfo) through
nsswitch.conf, passwd, group and hosts; the resolver through resolv.conf
(QEMU's DNS relay, with a NIC or without: the image's key does not depend
on the network); `hostname` and uname through the manifest's hostname, mirrored in
/etc/hostname. passwd and group hold root and nobody, and the user and group
the program runs as (loader/identity.py) when they are others. Their
contents depend only on the hostname and that identity, so the image key
stays stable.
"""

from __future__ import annotations

from loader.identity import BUILTIN_GROUPS, BUILTIN_USERS, ROOT, Identity
from loader.network import DNS_ADDR

LD_SO_CACHE = "/etc/ld.so.cache"  # shipped from the host, for dlopen by soname
LOCALTIME = "/etc/localtime"  # shipped from the host with its links: the local time zone
DEFAULT_HOSTNAME = "pkgload"  # the guest's: the manifest's hostname and /etc/hostname
# The program's PATH unless -e says otherwise (loader/manifest.py), and where
# `#!/usr/bin/env NAME` finds NAME in the guest (loader/script.py).
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LOGIN_SHELL = "/bin/sh"


def get_etc_files(hostname: str, identity: Identity = ROOT) -> dict[str, bytes]:
    """Return the generated /etc files: guest path -> contents."""
    return {
        "/etc/passwd": _passwd(identity),
        "/etc/group": _group(identity),
        "/etc/hosts": f"127.0.0.1\tlocalhost\n127.0.1.1\t{hostname}\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n".encode(),
        "/etc/nsswitch.conf": b"passwd: files\ngroup: files\nhosts: files dns\n",
        # QEMU's user network relays DNS to the host's resolver (loader/network.py).
        "/etc/resolv.conf": f"nameserver {DNS_ADDR}\n".encode(),
        "/etc/hostname": f"{hostname}\n".encode(),
    }


def _passwd(identity: Identity) -> bytes:
    """Return /etc/passwd: root, nobody, then the program's user unless it is one of them."""
    text = (f"root:x:0:0:root:/root:{LOGIN_SHELL}\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    if identity.uid not in BUILTIN_USERS:
        text += (f"{identity.user}:x:{identity.uid}:{identity.gid}:{identity.user}:"
                 f"{identity.home}:{LOGIN_SHELL}\n")
    return text.encode()


def _group(identity: Identity) -> bytes:
    """Return /etc/group: root, nogroup, then the program's group unless it is one of them."""
    text = "root:x:0:\nnogroup:x:65534:\n"
    if identity.gid not in BUILTIN_GROUPS:
        text += f"{identity.group}:x:{identity.gid}:\n"
    return text.encode()
