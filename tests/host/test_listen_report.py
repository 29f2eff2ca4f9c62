"""`pkgload run --verbose`: the kernel's "net: listening on tcp ADDR:PORT" lines become
"pkgload: listening on ..." lines naming where the host reaches the port (loader/network.py).

A guest program listening under pkgload is tests/test_network.py's test_verbose_says_where_it_listens.
"""

from __future__ import annotations

import pytest

from loader.network import ListenReporter, PortMapping, describe_listen

PORTS = [PortMapping("127.0.0.1", 8080, 80), PortMapping("0.0.0.0", 8081, 80),
         PortMapping("127.0.0.1", 5353, 53, "udp"), PortMapping("127.0.0.1", 9000, 9000)]


@pytest.mark.parametrize("line, want", [
    (b"net: listening on tcp 0.0.0.0:80", "pkgload: listening on tcp 0.0.0.0:80 "
                                          "(published as 127.0.0.1:8080, 0.0.0.0:8081)"),
    (b"net: listening on tcp [::]:80", "pkgload: listening on tcp [::]:80 "
                                       "(published as 127.0.0.1:8080, 0.0.0.0:8081)"),
    (b"net: listening on tcp 10.0.2.15:9000", "pkgload: listening on tcp 10.0.2.15:9000 "
                                              "(published as 127.0.0.1:9000)"),
    (b"net: listening on tcp 0.0.0.0:53", "pkgload: listening on tcp 0.0.0.0:53 (not published)"),
    (b"net: listening on tcp 127.0.0.1:80", "pkgload: listening on tcp 127.0.0.1:80: published as "
     "127.0.0.1:8080, 0.0.0.0:8081 but unreachable from the host (it listens on loopback only; "
     "listen on 0.0.0.0 or [::])"),
    (b"net: listening on tcp [::1]:9000", "pkgload: listening on tcp [::1]:9000: published as "
     "127.0.0.1:9000 but unreachable from the host (it listens on loopback only; listen on 0.0.0.0 or [::])"),
    (b"net: listening on tcp [::1]:1234", "pkgload: listening on tcp [::1]:1234 (not published)"),
    (b"netif: en0 10.0.2.15/24, up in 4700 us", None),
    (b"net: listening on udp 0.0.0.0:53", None),
])
def test_describe_listen(line: bytes, want: str | None) -> None:
    assert describe_listen(line, PORTS) == want


def test_reporter_passes_the_log_through_and_adds_lines_after_whole_lines() -> None:
    """Chunks split anywhere: every byte passes unchanged, in order, and each pkgload line comes
    right after the newline of the kernel line it describes, never inside another line."""
    log = (b"boot: entry-to-user 42873 us\nnet: listening on tcp 0.0.0.0:80\n"
           b"net: listening on tcp 127.0.0.1:4000\nsyscalls: made read=5\n")
    want = (b"boot: entry-to-user 42873 us\nnet: listening on tcp 0.0.0.0:80\n"
            b"pkgload: listening on tcp 0.0.0.0:80 (published as 127.0.0.1:8080, 0.0.0.0:8081)\n"
            b"net: listening on tcp 127.0.0.1:4000\npkgload: listening on tcp 127.0.0.1:4000 (not published)\n"
            b"syscalls: made read=5\n")
    for size in (1, 3, 7, 40, len(log)):
        out: list[bytes] = []
        reporter = ListenReporter(out.append, PORTS)
        for i in range(0, len(log), size):
            reporter(log[i:i + size])
        assert b"".join(out) == want, size
