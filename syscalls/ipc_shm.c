// System V shared memory syscalls: shmget, shmat, shmdt, shmctl. Arguments
// are checked and copied here in Linux's order; kernel/ipc/shm.c holds the
// segments.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "ipc/shm.h"
#include "mm/uaccess.h"
#include <asm-generic/errno.h>
#include <linux/ipc.h>

__after_boot long
sys_shmget(int32_t key, size_t size, int shmflg)
{
    return shm_get(key, size, shmflg);
}

__after_boot long
sys_shmat(int shmid, char __user *shmaddr, int shmflg)
{
    uint64_t where;
    long ret = shm_attach(shmid, (uint64_t)shmaddr, shmflg, &where);

    return ret < 0 ? ret : (long)where;
}

__after_boot long
sys_shmdt(char __user *shmaddr)
{
    return shm_detach((uint64_t)shmaddr);
}

// IPC_INFO, SHM_INFO and the *_STAT commands: their answer, copied out.
__after_boot static long
shmctl_read(int shmid, int cmd, void __user *buf)
{
    union {
        struct shminfo64 ipc_info;
        struct shm_info shm_info;
        struct shmid64_ds ds;
    } u;
    size_t len = cmd == IPC_INFO   ? sizeof(u.ipc_info)
                 : cmd == SHM_INFO ? sizeof(u.shm_info)
                                   : sizeof(u.ds);
    long ret = cmd == IPC_INFO   ? shm_ipc_info(&u.ipc_info)
               : cmd == SHM_INFO ? shm_info(&u.shm_info)
                                 : shm_stat(shmid, cmd, &u.ds);

    if (ret >= 0 && copy_to_user(buf, &u, len) < 0)
        return -EFAULT;
    return ret;
}

// Linux on x86-64 takes no IPC_64 bit: glibc and musl pass the bare command.
__after_boot long
sys_shmctl(int shmid, int cmd, struct shmid64_ds __user *buf)
{
    struct shmid64_ds ds;

    if (cmd < 0 || shmid < 0)
        return -EINVAL;
    switch (cmd) {
    case IPC_INFO:
    case SHM_INFO:
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY: return shmctl_read(shmid, cmd, buf);
    case IPC_SET:
        if (copy_from_user(&ds, buf, sizeof(ds)) < 0)
            return -EFAULT;
        return shm_set(shmid, &ds);
    case IPC_RMID: return shm_remove(shmid);
    case SHM_LOCK:
    case SHM_UNLOCK: return shm_lock(shmid, cmd == SHM_LOCK);
    default: return -EINVAL;
    }
}
