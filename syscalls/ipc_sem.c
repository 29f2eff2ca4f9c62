// System V semaphore syscalls: semget, semop, semtimedop, semctl. Arguments
// are checked and copied here in Linux's order; kernel/ipc/sem.c holds the
// sets, their waiters and the SEM_UNDO adjustments.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "timespec.h"
#include "ipc/sem.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "sched/wait.h"
#include "drivers/clock.h"
#include <asm-generic/errno.h>
#include <linux/ipc.h>

__after_boot long
sys_semget(int32_t key, int nsems, int semflg)
{
    return sem_get(key, nsems, semflg);
}

// TS (already copied in, so a bad pointer failed first) is checked only
// after the operations are copied, as Linux orders it.
__after_boot static long
do_semop(int semid, struct sembuf __user *tsops, unsigned int nsops,
         const struct __kernel_timespec *ts)
{
    uint64_t deadline = WAIT_FOREVER;
    struct sembuf *sops;
    long ret;

    if (nsops < 1 || semid < 0)
        return -EINVAL;
    if (nsops > SEMOPM)
        return -E2BIG;
    if (!(sops = kmalloc(nsops * sizeof(*sops))))
        return -ENOMEM;
    if ((ret = copy_from_user(sops, tsops, nsops * sizeof(*sops))) < 0)
        goto out;
    if (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long long)NSEC_PER_SEC)) {
        ret = -EINVAL;
        goto out;
    }
    if (ts && (uint64_t)ts->tv_sec < UINT64_MAX / NSEC_PER_SEC)
        deadline = add_ns_saturating(clock_monotonic_ns(), ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec);
    ret = sem_op(semid, sops, nsops, deadline);
out:
    kfree(sops);
    return ret;
}

__after_boot long
sys_semop(int semid, struct sembuf __user *tsops, unsigned int nsops)
{
    return do_semop(semid, tsops, nsops, NULL);
}

__after_boot long
sys_semtimedop(int semid, struct sembuf __user *tsops, unsigned int nsops,
               const struct __kernel_timespec __user *timeout)
{
    struct __kernel_timespec ts;

    if (timeout && copy_from_user(&ts, timeout, sizeof(ts)) < 0)
        return -EFAULT;
    return do_semop(semid, tsops, nsops, timeout ? &ts : NULL);
}

// IPC_INFO, SEM_INFO and the *_STAT commands: their answer, copied out.
__after_boot static long
semctl_read(int semid, int cmd, void __user *buf)
{
    union {
        struct seminfo info;
        struct semid64_ds ds;
    } u;
    bool info = cmd == IPC_INFO || cmd == SEM_INFO;
    long ret = info ? sem_info(cmd, &u.info) : sem_stat(semid, cmd, &u.ds);

    if (ret >= 0 && copy_to_user(buf, &u, info ? sizeof(u.info) : sizeof(u.ds)) < 0)
        return -EFAULT;
    return ret;
}

// ARG is semctl's union semun, passed by value: SETVAL's int, or a pointer.
// Linux on x86-64 takes no IPC_64 bit: glibc and musl pass the bare command.
__after_boot long
sys_semctl(int semid, int semnum, int cmd, unsigned long arg)
{
    struct semid64_ds ds;

    if (semid < 0)
        return -EINVAL;
    switch (cmd) {
    case IPC_INFO:
    case SEM_INFO:
    case IPC_STAT:
    case SEM_STAT:
    case SEM_STAT_ANY: return semctl_read(semid, cmd, (void __user *)arg);
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT: return sem_read_one(semid, semnum, cmd);
    case GETALL: return sem_getall(semid, (uint16_t __user *)arg);
    case SETALL: return sem_setall(semid, (const uint16_t __user *)arg);
    case SETVAL: return sem_setval(semid, semnum, (int)arg);
    case IPC_SET:
        if (copy_from_user(&ds, (void __user *)arg, sizeof(ds)) < 0)
            return -EFAULT;
        return sem_set(semid, &ds);
    case IPC_RMID: return sem_remove(semid);
    default: return -EINVAL;
    }
}
