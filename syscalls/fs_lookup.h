// Path arguments of the file syscalls: copied from the program, then looked
// up with the *at calls' AT_* flags (fs_lookup.c).
#pragma once
#include "types.h"
#include "fs/vfs.h"

struct file;

// What a path argument names: a node, or, for AT_EMPTY_PATH on a descriptor
// that has none (the console, a pipe), only that open file.
struct path_target {
    struct vnode *vn;      // referenced; NULL when only nodeless is set
    struct file *nodeless; // borrowed from the descriptor table
};

long path_from_user(const char __user *upath, char **out);   // free with kfree
// UPATH from DIRFD with AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH as ATFLAGS says.
long lookup_user(int dirfd, const char __user *upath, int atflags, struct path_target *out);
// The folder holding UPATH's last name (referenced in OUT->dir).
long parent_user(int dirfd, const char __user *upath, struct path_parent *out);
