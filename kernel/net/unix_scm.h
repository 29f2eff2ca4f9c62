// AF_UNIX control messages (net/unix_scm.c): what a send carries besides
// its bytes, and how a receive hands it to the program.
#pragma once
#include "net/unix.h"

struct unix_scm {
    struct file **fps;             // SCM_RIGHTS: referenced files (NULL once installed)
    int nfps;
    struct ucred cred;             // the sender's, or its SCM_CREDENTIALS
};

// Read M's control messages: 0, or -EINVAL, -EBADF, -EPERM with nothing held.
long unix_scm_parse(const struct sock_msg *m, struct unix_scm *scm);
void unix_scm_drop(struct unix_scm *scm);
// Write SCM_CREDENTIALS (when PASSCRED) and SCM_RIGHTS into M's control
// room (ROOM bytes), setting M's controllen and MSG_CTRUNC; SCM is spent.
void unix_scm_put(struct sock_msg *m, size_t room, struct unix_scm *scm, bool passcred,
                  bool cloexec);
