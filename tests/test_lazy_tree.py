"""The file tree is built when the program first names a file (kernel/fs/rootfs.c).

Until then the root has no children and the cwd is a name not yet looked
up, so each way a program can first reach a file must build the tree (and
look the cwd up) before answering: a walk, AT_FDCWD with an empty path,
getcwd, /proc/self/cwd. Each case is the program's very first file
operation, run from a folder shipped with --dir, natively and under
pkgload, and must print the same bytes.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

FIRST_OPERATION = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_name(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    char *names[64];
    int n = 0;
    struct dirent *e;

    if (!d) { perror("opendir"); exit(1); }
    while ((e = readdir(d)) && n < 64)
        names[n++] = strdup(e->d_name);
    qsort(names, n, sizeof(*names), by_name);
    for (int i = 0; i < n; i++)
        printf("%s\n", names[i]);
}

static void show(const struct stat *st)
{
    printf("dir %d mode %o nlink %lu\n", S_ISDIR(st->st_mode), st->st_mode & 07777, (unsigned long)st->st_nlink);
}

int main(int argc, char **argv)
{
    char buf[4096];
    struct stat st;
    ssize_t n;
    const char *op = argv[1];

    if (!strcmp(op, "getcwd")) {
        printf("%s\n", getcwd(buf, sizeof(buf)));
    } else if (!strcmp(op, "fstatat-empty")) {
        if (fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH)) { perror("fstatat"); return 1; }
        show(&st);
    } else if (!strcmp(op, "stat-dot")) {
        if (stat(".", &st)) { perror("stat"); return 1; }
        show(&st);
    } else if (!strcmp(op, "list-dot")) {
        list(".");
    } else if (!strcmp(op, "chdir-up")) {
        if (chdir("..")) { perror("chdir"); return 1; }
        printf("%s\n", getcwd(buf, sizeof(buf)));
        list(".");
    } else if (!strcmp(op, "proc-cwd")) {
        if ((n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1)) < 0) { perror("readlink"); return 1; }
        buf[n] = 0;
        printf("%s\n", buf);
    } else if (!strcmp(op, "open-relative")) {
        int fd = open("data.txt", O_RDONLY);
        if (fd < 0 || (n = read(fd, buf, sizeof(buf))) < 0) { perror("data.txt"); return 1; }
        fwrite(buf, 1, n, stdout);
    }
    return 0;
}
"""

OPERATIONS = ["getcwd", "fstatat-empty", "stat-dot", "list-dot", "chdir-up", "proc-cwd", "open-relative"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a static program, a hard link to it, and a subfolder to run in."""
    root = tmp_path_factory.mktemp("lazytree")
    (root / "first.c").write_text(FIRST_OPERATION)
    subprocess.run(["gcc", "-static", "-O1", "-o", str(root / "first"), str(root / "first.c")], check=True)
    (root / "first.c").unlink()
    os.link(root / "first", root / "first-link")
    work = root / "work"
    work.mkdir()
    (work / "data.txt").write_text("shipped with --dir\n")
    (work / "inner").mkdir()
    return root


def run_both(pkgload: Path, root: Path, program: Path, op: str) -> tuple[subprocess.CompletedProcess[bytes], ...]:
    cwd = root / "work"
    native = subprocess.run([str(program), op], cwd=cwd, capture_output=True, timeout=60)
    guest = subprocess.run([str(pkgload), "run", "--dir", str(root), str(program), op], cwd=cwd,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return native, guest


@pytest.mark.parametrize("op", OPERATIONS)
def test_first_operation_sees_the_tree(pkgload: Path, tree: Path, op: str) -> None:
    """The program is the archive's first file: it starts with no tree built."""
    native, guest = run_both(pkgload, tree, tree / "first", op)
    assert native.returncode == 0, native.stderr
    assert (guest.returncode, guest.stdout, guest.stderr) == (0, native.stdout, b"")


@pytest.mark.parametrize("op", ["getcwd", "list-dot"])
def test_hard_linked_program_is_found_by_a_walk(pkgload: Path, tree: Path, op: str) -> None:
    """A hard-linked program is not taken from the archive directly (its data may be on the other name)."""
    native, guest = run_both(pkgload, tree, tree / "first-link", op)
    assert native.returncode == 0, native.stderr
    assert (guest.returncode, guest.stdout, guest.stderr) == (0, native.stdout, b"")
