// System V message queue syscalls: msgget, msgsnd, msgrcv, msgctl.
// Arguments are checked and messages copied here in Linux's order;
// kernel/ipc/msg.c holds the queues and their waiters.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "ipc/msg.h"
#include "mm/uaccess.h"
#include <asm-generic/errno.h>
#include <linux/ipc.h>

__after_boot long
sys_msgget(int32_t key, int msgflg)
{
    return msg_get(key, msgflg);
}

// The type is read first, then the sizes checked, then the text copied,
// and only then the queue looked up, as Linux's do_msgsnd.
__after_boot long
sys_msgsnd(int msqid, struct msgbuf __user *msgp, size_t msgsz, int msgflg)
{
    struct msg_item *m;
    long type, ret;

    if (copy_from_user(&type, &msgp->mtype, sizeof(type)) < 0)
        return -EFAULT;
    if (msgsz > MSGMAX || (long)msgsz < 0 || msqid < 0)
        return -EINVAL;
    if (type < 1)
        return -EINVAL;
    if (!(m = msg_alloc(msgsz)))
        return -ENOMEM;
    m->type = type;
    if ((ret = copy_from_user(m->text, msgp->mtext, msgsz)) < 0 ||
        (ret = msg_send(msqid, m, msgflg)) < 0)
        msg_free(m);
    return ret;
}

// A message taken off the queue and then not copied out (a bad buffer) is
// lost, as on Linux.
__after_boot long
sys_msgrcv(int msqid, struct msgbuf __user *msgp, size_t msgsz, long msgtyp, int msgflg)
{
    struct msg_item *m = NULL;
    long ret;
    size_t n;

    if (msqid < 0 || (long)msgsz < 0)
        return -EINVAL;
    if ((ret = msg_receive(msqid, msgsz, msgtyp, msgflg, &m)) < 0)
        return ret;
    n = MIN(msgsz, m->size);
    if (copy_to_user(&msgp->mtype, &m->type, sizeof(m->type)) < 0 ||
        copy_to_user(msgp->mtext, m->text, n) < 0)
        ret = -EFAULT;
    msg_free(m);
    return ret < 0 ? ret : (long)n;
}

// IPC_INFO, MSG_INFO and the *_STAT commands: their answer, copied out.
__after_boot static long
msgctl_read(int msqid, int cmd, void __user *buf)
{
    union {
        struct msginfo info;
        struct msqid64_ds ds;
    } u;
    bool info = cmd == IPC_INFO || cmd == MSG_INFO;
    long ret = info ? msg_info(cmd, &u.info) : msg_stat(msqid, cmd, &u.ds);

    if (ret >= 0 && copy_to_user(buf, &u, info ? sizeof(u.info) : sizeof(u.ds)) < 0)
        return -EFAULT;
    return ret;
}

// Linux on x86-64 takes no IPC_64 bit: glibc and musl pass the bare command.
__after_boot long
sys_msgctl(int msqid, int cmd, struct msqid64_ds __user *buf)
{
    struct msqid64_ds ds;

    if (msqid < 0 || cmd < 0)
        return -EINVAL;
    switch (cmd) {
    case IPC_INFO:
    case MSG_INFO:
    case IPC_STAT:
    case MSG_STAT:
    case MSG_STAT_ANY: return msgctl_read(msqid, cmd, buf);
    case IPC_SET:
        if (copy_from_user(&ds, buf, sizeof(ds)) < 0)
            return -EFAULT;
        return msg_set(msqid, &ds);
    case IPC_RMID: return msg_remove(msqid);
    default: return -EINVAL;
    }
}
