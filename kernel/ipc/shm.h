// System V shared memory segments (shmget, shmat, shmdt, shmctl). A
// segment's pages are an unnamed in-memory file: each attach is a shared
// mapping of it (mm/vm.c), so every process that attaches it, or inherits an
// attach across fork, maps the same frames.
#pragma once
#include "types.h"
#include <asm/shmbuf.h>

// <linux/shm.h> includes <unistd.h>, which the kernel cannot see: its
// constants and struct shm_info as the UAPI header has them.
#define SHMMIN        1ul
#define SHMMNI        4096
#define SHMMAX        (~0ul - (1ul << 24))     // bytes
#define SHMALL        (~0ul - (1ul << 24))     // pages
#define SHMLBA        4096                     // x86-64: a page
#define SHM_RDONLY    010000
#define SHM_RND       020000
#define SHM_REMAP     040000
#define SHM_EXEC      0100000
#define SHM_HUGETLB   04000
#define SHM_NORESERVE 010000
#define SHM_DEST      01000 // in the mode: removed, waiting for the last detach
#define SHM_LOCKED    02000 // in the mode: SHM_LOCK
#define SHM_LOCK      11
#define SHM_UNLOCK    12
#define SHM_STAT      13
#define SHM_INFO      14
#define SHM_STAT_ANY  15

struct shm_info {
    int used_ids;
    unsigned long shm_tot; // pages of every segment
    unsigned long shm_rss; // of which in memory
    unsigned long shm_swp;
    unsigned long swap_attempts;
    unsigned long swap_successes;
};

long shm_get(int32_t key, uint64_t size, int flags); // shmget: the id
long shm_attach(int id, uint64_t addr, int flags, uint64_t *where); // shmat
long shm_detach(uint64_t addr); // shmdt
// IPC_STAT (0), SHM_STAT and SHM_STAT_ANY (ID is an index: the id).
long shm_stat(int id, int cmd, struct shmid64_ds *out);
long shm_set(int id, const struct shmid64_ds *in); // IPC_SET
long shm_remove(int id); // IPC_RMID
long shm_lock(int id, bool lock); // SHM_LOCK, SHM_UNLOCK
int shm_ipc_info(struct shminfo64 *out); // IPC_INFO
int shm_info(struct shm_info *out); // SHM_INFO
// Free the removed segments that nothing has attached any more.
void shm_reap(void);
