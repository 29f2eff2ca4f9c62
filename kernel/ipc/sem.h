// System V semaphore sets (semget, semop, semtimedop, semctl), with
// SEM_UNDO adjustments kept per process and applied when it exits.
#pragma once
#include "types.h"
#include <linux/sem.h>

long sem_get(int32_t key, int nsems, int flags);                        // semget: the id
// semtimedop with SOPS already copied in and NSOPS checked (1..SEMOPM);
// DEADLINE on the monotonic clock, WAIT_FOREVER for none.
long sem_op(int id, struct sembuf *sops, int nsops, uint64_t deadline);
// IPC_STAT (0), SEM_STAT and SEM_STAT_ANY (ID is an index: the id).
long sem_stat(int id, int cmd, struct semid64_ds *out);
int sem_info(int cmd, struct seminfo *out);                             // IPC_INFO, SEM_INFO
long sem_read_one(int id, int semnum, int cmd);       // GETVAL, GETPID, GETNCNT, GETZCNT
long sem_setval(int id, int semnum, int val);
long sem_getall(int id, uint16_t __user *array);
long sem_setall(int id, const uint16_t __user *array);
long sem_set(int id, const struct semid64_ds *in);                      // IPC_SET
long sem_remove(int id);                                                // IPC_RMID
struct proc;
void sem_exit(struct proc *p);     // apply and drop P's SEM_UNDO adjustments
