// execve(2) and execveat(2)'s work (exec/execve.c).
#pragma once
#include "types.h"

// Run FILENAME (a kernel string, looked up from DIRFD; FLAGS: AT_SYMLINK_NOFOLLOW)
// with the program's ARGV and ENVP in place of the calling process's
// program. 0 (the new program starts on the way back) or -errno, with the
// old program untouched.
long exec_program(int dirfd, const char *filename, const char __user *const __user *uargv,
                  const char __user *const __user *uenvp, int flags);
