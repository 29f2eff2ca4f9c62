"""Interpreters' standard modules found without --dir: the hint files at work.

Each case runs a Debian interpreter natively and under `pkgload run` (no
--dir: only the script itself, when it is a file, goes in with --file) with a
script that loads standard modules from files the interpreter finds at run
time: Lua's C and Lua modules (lua-cjson, lua-lpeg), Perl's core modules
(POSIX, List::Util, Data::Dumper, File::Temp: XS .so files and .pm),
Tcl's init.tcl and its modules (msgcat, http), gawk's @include library and
@load extensions, PHP's ini-configured extensions (ctype, posix, iconv,
calendar, tokenizer, readline), Ruby's standard library (json, set, digest,
bigdecimal: .rb files and C extensions) with RubyGems, Guile's modules
(ice-9, srfi: .scm and compiled .go files). stdout, stderr and
the exit status must be the same; two cases run a `#!` script as the
program, its interpreter found through env or Debian's alternatives. A
case is skipped only when its interpreter is not installed (tools/setup
installs them all).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from test_differential import GUEST_BASE_ENV, RUN_CWD

CASE_TIMEOUT = 90  # seconds per run; each takes 1-5 s under TCG

LUA = """
local cjson = require "cjson"
local lpeg = require "lpeg"
local re = require "re"
print(cjson.encode({a = {1, 2, 3}}), cjson.decode('{"x": [true, null]}').x[1])
print(lpeg.match(lpeg.C(lpeg.R("az") ^ 1), "hello123"), re.find("the number 42", "[0-9]+"))
print(string.format("%5.2f", math.pi), table.concat({1, 2, 3}, ","), utf8.char(233))
print(package.path)
"""

PERL = r"""
use strict; use warnings;
use POSIX qw(floor ceil strftime);
use List::Util qw(sum max first);
use Data::Dumper; $Data::Dumper::Sortkeys = 1; $Data::Dumper::Indent = 1;
use File::Temp qw(tempfile);
use Scalar::Util qw(reftype);
use Digest::MD5 qw(md5_hex);
use Encode qw(encode);
print floor(2.7), " ", ceil(2.2), " ", strftime("%Y-%m-%d", gmtime(86400 * 365)), "\n";
print sum(1..100), " ", max(3, 9, 2), " ", first { $_ > 3 } (1..10); print "\n";
print Dumper({ a => [1, 2], b => { c => "d" } });
my ($fh, $name) = tempfile(DIR => "/tmp", UNLINK => 1);
print $fh "hello\n"; close $fh; open my $in, "<", $name or die; print scalar(<$in>);
print reftype([]), " ", md5_hex("pkgload"), " ", length(encode("UTF-8", "\x{e9}t\x{e9}")), "\n";
print join(",", map { sprintf "%03d", $_ } sort { $b <=> $a } (5, 10, 1)), "\n";
"""

TCL = r"""
puts [package require Tcl]
puts [package require msgcat]
puts [package require http]
puts [package require opt]
puts [clock format 86400 -gmt 1 -format "%Y-%m-%d %H:%M"]
puts [string length [encoding convertto iso8859-2 "\u0151"]]
puts [lsort -integer {5 10 1}]
puts [format %.3f [expr {acos(-1)}]]
parray tcl_platform os
"""

GAWK = r"""
@load "ordchr"
@load "filefuncs"
@load "fnmatch"
@include "join.awk"
@include "assert.awk"
BEGIN {
    print ord("A"), chr(66)
    a[1] = "x"; a[2] = "y"; a[3] = "z"; print join(a, 1, 3, "-")
    stat("/", st); print st["type"]
    print fnmatch("*.c", "a.c", 0), fnmatch("*.c", "a.h", 0)
    printf "%.5f %s\n", atan2(0, -1), strftime("%Y", 0, 1)
    n = split("c b a", arr); asort(arr); print arr[1] arr[2] arr[3]
    print gensub(/(b+)/, "<\\1>", "g", "abbcbd")
}
"""

PHP = r"""
echo json_encode(["a" => [1, 2.5, null], "b" => "été"]), "\n";
echo ctype_digit("123") ? "digits\n" : "no\n";
echo posix_getuid(), " ", function_exists("readline") ? "readline" : "-", "\n";
echo iconv("UTF-8", "ISO-8859-1", "é") === "\xe9" ? "iconv\n" : "no\n";
echo cal_days_in_month(CAL_GREGORIAN, 2, 2024), " ", hash("sha256", "pkgload"), "\n";
$t = token_get_all("<?php echo 1;"); echo count($t), " ", token_name($t[1][0]), "\n";
echo implode(",", array_map(fn($x) => $x ** 2, range(1, 5))), "\n";
echo implode(" ", get_loaded_extensions()), "\n";
echo gmdate("Y-m-d", 86400), " ", preg_replace("/b+/", "<$0>", "abbcb"), "\n";
"""

RUBY = r"""
require "json"; require "set"; require "digest"; require "stringio"; require "time"
require "bigdecimal"; require "etc"
puts JSON.generate({"a" => [1, 2.5, nil]}), Set[3, 1, 2].sort.inspect
puts Digest::SHA256.hexdigest("pkgload"), Time.at(86400).utc.iso8601
puts (BigDecimal("1") / 3).round(10).to_s, [1, 2, 3].sum, RUBY_VERSION
io = StringIO.new; io.puts "\u00e9"
p io.string, Etc.getpwuid(0).name, Gem::Version.new("1.2") < Gem::Version.new("1.10")
"""

GUILE = r"""
(use-modules (ice-9 format) (srfi srfi-1) (ice-9 match) (ice-9 regex) (ice-9 textual-ports))
(format #t "~a ~,3f ~s~%" (fold + 0 (iota 101)) (acos -1) (match (list 1 2 3) ((a b c) (list c b a))))
(display (match:substring (string-match "[0-9]+" "abc123def"))) (newline)
(display (call-with-input-string "hello world" get-string-all)) (newline)
"""


@dataclass(frozen=True)
class Case:
    """One interpreter run: argv, with {script} standing for the script's file if there is one."""

    name: str
    argv: tuple[str, ...]
    script: str | None = None  # written to a file shipped with --file (executable)
    expect: bytes = b""  # a piece of the native stdout, so a run that loads nothing cannot pass
    needs: str = ""  # the interpreter that must be installed (default: argv[0])


CASES = [
    Case("lua5.4", ("/usr/bin/lua5.4", "-e", LUA), expect=b'{"a":[1,2,3]}\ttrue\nhello\t12\t13'),
    Case("perl", ("/usr/bin/perl", "-e", PERL), expect=b"'c' => 'd'"),
    Case("tclsh8.6", ("/usr/bin/tclsh8.6", "{script}"), TCL, expect=b"tcl_platform(os) = Linux"),
    Case("gawk", ("/usr/bin/gawk", "-f", "{script}"), GAWK, expect=b"65 B\nx-y-z\ndirectory\n"),
    Case("php8.2", ("/usr/bin/php8.2", "-r", PHP), expect=b" ctype "),
    # Scripts run as PROGRAM: the interpreter found through env and PATH, or
    # through Debian's alternatives link (/usr/bin/tclsh -> /etc/alternatives -> tclsh8.6).
    Case("perl-env-script", ("{script}",), "#!/usr/bin/env perl\n" + PERL, b"'c' => 'd'",
         "/usr/bin/perl"),
    Case("tclsh-script", ("{script}",), "#!/usr/bin/tclsh\n" + TCL, b"tcl_platform(os) = Linux",
         "/usr/bin/tclsh"),
    Case("guile-3.0", ("/usr/bin/guile-3.0", "-c", GUILE), expect=b"5050 3.142 (3 2 1)\n123\n"),
    Case("ruby3.1", ("/usr/bin/ruby3.1", "-e", RUBY), expect=b'{"a":[1,2.5,null]}\n[1, 2, 3]'),
]


def _run(cmd: list[str], env: dict[str, str] | None) -> tuple[int, bytes, bytes]:
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          cwd=RUN_CWD, timeout=CASE_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_standard_modules_without_dir(case: Case, pkgload: Path, tmp_path: Path) -> None:
    needs = case.needs or case.argv[0]
    if not os.path.exists(needs):
        pytest.skip(f"{needs} is not installed (tools/setup installs it)")
    ship: list[str] = []
    argv = list(case.argv)
    if case.script is not None:
        script = tmp_path / f"script.{case.name}"
        script.write_text(case.script)
        script.chmod(0o755)
        argv = [str(script) if a == "{script}" else a for a in argv]
        ship = ["--file", str(script)]
    native = _run(argv, dict(GUEST_BASE_ENV))
    assert native[0] == 0 and case.expect in native[1], native
    guest = _run([str(pkgload), "run", *ship, "--", *argv], None)
    assert guest[:2] == native[:2]
    assert guest == native
