// Shared memory and semaphores between a parent and its forked children:
// a System V segment attached before fork (both see the same pages,
// nattch counts the child's attach until it exits, IPC_RMID waits for both),
// shared anonymous memory, a parent's semop completed by a child, POSIX
// semaphores in shared memory handing items between processes, and a
// shm_open'ed file opened again by name in the child.
#include "ipc_check.h"

#include <fcntl.h>
#include <semaphore.h>
#include <sys/mman.h>

#define ITEMS 500

static char shm_name[64];

static unsigned long
nattch(int id)
{
    struct shmid_ds ds = { 0 };

    shmctl(id, IPC_STAT, &ds);
    return ds.shm_nattch;
}

struct seg {
    int id;
    char *p;
};

static void
child_writes_segment(void *arg)
{
    struct seg *s = arg;

    printf("  child: nattch %lu, sees \"%s\"\n", nattch(s->id), s->p);
    strcpy(s->p, "written by the child");
}

static void
test_sysv_shm(void)
{
    struct seg s = { ipc_track(IPC_KIND_SHM, shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600)), NULL };

    s.p = shmat(s.id, NULL, 0);
    if (s.p == (void *)-1) {
        printf("shmat: %s\n", errno_name(errno));
        return;
    }
    strcpy(s.p, "written by the parent");
    printf("System V segment across fork:\n");
    in_child("segment", child_writes_segment, &s);
    printf("  parent: nattch %lu, sees \"%s\"\n", nattch(s.id), s.p);
    show("  IPC_RMID", shmctl(s.id, IPC_RMID, NULL));
    in_child("removed segment", child_writes_segment, &s);
    show("  IPC_STAT after the child", shmctl(s.id, IPC_STAT, &(struct shmid_ds){ 0 }));
    show("  shmdt", shmdt(s.p));
    show("  IPC_STAT after the last detach", shmctl(s.id, IPC_STAT, &(struct shmid_ds){ 0 }));
}

static void
child_writes_anon(void *arg)
{
    strcpy(arg, "child's");
}

static void
test_anonymous(void)
{
    char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    strcpy(shared, "parent's");
    in_child("anonymous", child_writes_anon, shared);
    printf("shared anonymous memory after the child wrote: \"%s\"\n", shared);
    munmap(shared, 4096);
}

// The parent's semop waits; a child's completes it.
static void
test_semop_by_child(void)
{
    int id = ipc_track(IPC_KIND_SEM, semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    struct sembuf dec = { 0, -1, 0 }, inc = { 0, 1, 0 };
    int status;
    pid_t pid;

    if ((pid = fork_or_say("semop completed by a child")) == -1)
        return;
    if (pid == 0) {
        await_ncnt(id, 0, 1);
        semop(id, &inc, 1);
        _exit(0);
    }
    show("parent's semop completed by a child", semop(id, &dec, 1));
    waitpid(pid, &status, 0);
    yes_no("  GETPID is the parent, whose operation went last", semctl(id, 0, GETPID) == getpid());
}

struct pingpong {
    sem_t ping, pong;
    long count;
};

static void
test_posix_sem(void)
{
    struct pingpong *pp =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pid;
    int status;

    sem_init(&pp->ping, 1, 0);
    sem_init(&pp->pong, 1, 0);
    if ((pid = fork_or_say("POSIX semaphores")) == -1)
        return;
    if (pid == 0) {
        for (int i = 0; i < ITEMS; i++) {
            sem_wait(&pp->ping);
            pp->count++;
            sem_post(&pp->pong);
        }
        _exit(0);
    }
    for (int i = 0; i < ITEMS; i++) {
        sem_post(&pp->ping);
        sem_wait(&pp->pong);
    }
    waitpid(pid, &status, 0);
    printf("POSIX semaphores between processes: %ld round trips\n", pp->count);
    munmap(pp, 4096);
}

static void
child_opens_by_name(void *arg)
{
    int fd = shm_open(shm_name, O_RDWR, 0);
    char *p = fd == -1 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

    (void)arg;
    if (p == MAP_FAILED) {
        printf("  child: %s\n", errno_name(errno));
        return;
    }
    printf("  child sees \"%s\"\n", p);
    strcpy(p, "the child's own mapping");
}

static void
test_shm_open(void)
{
    int fd = shm_open(shm_name, O_CREAT | O_EXCL | O_RDWR, 0600);
    char *p;

    if (fd == -1 || ftruncate(fd, 4096) == -1) {
        printf("shm_open: %s\n", errno_name(errno));
        return;
    }
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    strcpy(p, "the parent's");
    printf("shm_open'ed file opened again by the child:\n");
    in_child("shm_open", child_opens_by_name, NULL);
    printf("  parent sees \"%s\"\n", p);
    munmap(p, 4096);
    close(fd);
    shm_unlink(shm_name);
}

static void
unlink_name(void)
{
    shm_unlink(shm_name);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    ipc_cleanup_at_end();
    snprintf(shm_name, sizeof(shm_name), "/pkgload-fork-%d", (int)getpid());
    shm_unlink(shm_name);
    atexit(unlink_name);
    test_sysv_shm();
    test_anonymous();
    test_semop_by_child();
    test_posix_sem();
    test_shm_open();
    return 0;
}
