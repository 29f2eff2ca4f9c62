// AF_UNIX control messages: SCM_RIGHTS and SCM_CREDENTIALS read from a
// send's cmsghdr chain (Linux's __scm_send checks), and written to a
// receive's room with put_cmsg's truncation: files are installed in the
// receiving process, as many as fit, the rest closed, with MSG_CTRUNC.
#include "net/unix_scm.h"
#include "fs/file.h"
#include "mm/heap.h"
#include "sched/proc.h"
#include "lib/string.h"
#include <asm-generic/errno.h>

static long
check_cred(const struct ucred *c)
{
    struct proc *p = current_proc();
    struct creds *k = &p->creds;

    if (k->euid == 0)
        return 0;                // root: CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID
    if (c->pid != (uint32_t)p->pid)
        return -EPERM;
    if (c->uid != k->ruid && c->uid != k->euid && c->uid != k->suid)
        return -EPERM;
    if (c->gid != k->rgid && c->gid != k->egid && c->gid != k->sgid)
        return -EPERM;
    return 0;
}

static long
take_rights(struct unix_scm *scm, const char *data, size_t len)
{
    int n = len / sizeof(int), fd;
    struct file **fps;

    if (n <= 0)
        return 0;
    if (scm->nfps + n > SCM_MAX_FD)
        return -EINVAL;
    if (!(fps = kmalloc(sizeof(*fps) * (scm->nfps + n))))
        return -ENOMEM;
    memcpy(fps, scm->fps, sizeof(*fps) * scm->nfps);
    kfree(scm->fps);
    scm->fps = fps;
    for (int i = 0; i < n; i++) {
        struct file *f;
        memcpy(&fd, data + i * sizeof(int), sizeof(int));
        if (!(f = fd_get_raw(fd)))
            return -EBADF;
        scm->fps[scm->nfps++] = file_get(f);
    }
    return 0;
}

static long
parse_one(struct unix_scm *scm, const struct cmsghdr *c)
{
    const char *data = (const char *)(c + 1);
    size_t len = c->cmsg_len - sizeof(*c);

    if (c->cmsg_level != SOL_SOCKET)
        return 0;
    switch (c->cmsg_type) {
    case SCM_RIGHTS: return take_rights(scm, data, len);
    case SCM_CREDENTIALS:
        if (c->cmsg_len != CMSG_LEN(sizeof(struct ucred)))
            return -EINVAL;
        memcpy(&scm->cred, data, sizeof(scm->cred));
        return check_cred(&scm->cred);
    }
    return -EINVAL;
}

long
unix_scm_parse(const struct sock_msg *m, struct unix_scm *scm)
{
    size_t off = 0;
    long ret = 0;

    scm->fps = NULL;
    scm->nfps = 0;
    scm->cred = unix_current_cred(false);
    while (m->control && off + sizeof(struct cmsghdr) <= m->controllen) {
        struct cmsghdr c;
        memcpy(&c, (char *)m->control + off, sizeof(c));
        if (c.cmsg_len < sizeof(c) || c.cmsg_len > m->controllen - off) {
            ret = -EINVAL;
            break;
        }
        if ((ret = parse_one(scm, (struct cmsghdr *)((char *)m->control + off))) < 0)
            break;
        off += CMSG_ALIGN(c.cmsg_len);
    }
    if (ret < 0)
        unix_scm_drop(scm);
    return ret;
}

void
unix_scm_drop(struct unix_scm *scm)
{
    for (int i = 0; i < scm->nfps; i++)
        if (scm->fps[i])
            file_put(scm->fps[i]);
    kfree(scm->fps);
    scm->fps = NULL;
    scm->nfps = 0;
}

// put_cmsg: what fits of one message, MSG_CTRUNC when not all of it.
static void
put_cmsg(struct sock_msg *m, size_t room, size_t *used, int type, const void *data, size_t len)
{
    size_t left = room - *used, cmlen = CMSG_LEN(len);
    struct cmsghdr c = { CMSG_LEN(len), SOL_SOCKET, type };
    char *at = (char *)m->control + *used;

    if (!m->control || left < sizeof(c)) {
        m->flags |= MSG_CTRUNC;
        return;
    }
    if (left < cmlen) {
        m->flags |= MSG_CTRUNC;
        cmlen = left;
    }
    memcpy(at, &c, sizeof(c));
    memcpy(at + sizeof(c), data, cmlen - sizeof(c));
    *used += MIN(CMSG_SPACE(len), left);
}

// scm_detach_fds: install what fits, close the rest.
static void
put_rights(struct sock_msg *m, size_t room, size_t *used, struct unix_scm *scm, bool cloexec)
{
    size_t left = room - *used;
    int fdmax = m->control && left > sizeof(struct cmsghdr)
                    ? (int)((left - sizeof(struct cmsghdr)) / sizeof(int))
                    : 0;
    int fds[SCM_MAX_FD], i;

    for (i = 0; i < scm->nfps && i < fdmax; i++) {
        if ((fds[i] = fd_install(-1, scm->fps[i], cloexec)) < 0)
            break;
        scm->fps[i] = NULL;
    }
    if (i > 0) {
        struct cmsghdr c = { CMSG_LEN(i * sizeof(int)), SOL_SOCKET, SCM_RIGHTS };
        memcpy((char *)m->control + *used, &c, sizeof(c));
        memcpy((char *)m->control + *used + sizeof(c), fds, i * sizeof(int));
        *used += MIN(CMSG_SPACE(i * sizeof(int)), left);
    }
    if (i < scm->nfps || (scm->nfps && fdmax <= 0))
        m->flags |= MSG_CTRUNC;
}

void
unix_scm_put(struct sock_msg *m, size_t room, struct unix_scm *scm, bool passcred, bool cloexec)
{
    size_t used = 0;

    if (passcred)
        put_cmsg(m, room, &used, SCM_CREDENTIALS, &scm->cred, sizeof(scm->cred));
    if (scm->nfps)
        put_rights(m, room, &used, scm, cloexec);
    m->controllen = used;
    unix_scm_drop(scm);
}
