// Shared memory and semaphores between a parent and its forked children:
// a System V segment attached before fork (both see the same pages,
// nattch counts the child's attach until it exits, IPC_RMID waits for both),
// shared anonymous memory, SEM_UNDO adjustments applied when a child exits
// (clamped at zero), a parent's semop completed by a child, POSIX
// semaphores in shared memory handing items between processes, and a
// shm_open'ed file opened again by name in the child.
#include "ipc_check.h"

#include <fcntl.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define ITEMS 500

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static char shm_name[64];

// Run FN in a child and wait for it; print how it ended unless it exited 0.
static void
in_child(const char *what, void (*fn)(void *), void *arg)
{
    int status;
    pid_t pid = fork();

    if (pid == -1) {
        printf("%s: fork %s\n", what, errno_name(errno));
        return;
    }
    if (pid == 0) {
        ipc_ntracked = 0;           // the parent removes what it made
        fn(arg);
        _exit(0);
    }
    if (waitpid(pid, &status, 0) != pid)
        printf("%s: waitpid %s\n", what, errno_name(errno));
    else if (!WIFEXITED(status) || WEXITSTATUS(status))
        printf("%s: child ended with status %#x\n", what, status);
}

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

static int sem_id;

static int
op(int num, int delta, int flags)
{
    struct sembuf sb = { (unsigned short)num, (short)delta, (short)flags };

    return semop(sem_id, &sb, 1);
}

// Wait (a while at most) until semaphore NUM has WANT waiters for an increase.
static void
await_ncnt(int num, int want)
{
    long long t0 = now_ns(CLOCK_MONOTONIC);

    while (semctl(sem_id, num, GETNCNT) != want && ms_since(t0) < LATE_MS)
        usleep(1000);
}

// fork, saying so when it fails (nothing else in the test may wait then).
static pid_t
fork_or_say(const char *what)
{
    pid_t pid = fork();

    if (pid == -1)
        printf("%s: fork %s\n", what, errno_name(errno));
    return pid;
}

static void
child_adds_with_undo(void *arg)
{
    (void)arg;
    op(0, 2, SEM_UNDO);
    op(1, -1, SEM_UNDO);
    printf("  child: values %d %d\n", semctl(sem_id, 0, GETVAL), semctl(sem_id, 1, GETVAL));
}

// The child adds 5 with SEM_UNDO and waits on semaphore 2 while the parent
// takes 5 away: undoing +5 at 0 leaves 0, not -5.
static void
child_undo_clamped(void *arg)
{
    (void)arg;
    op(0, 5, SEM_UNDO);
    op(2, -1, 0);
}

static void
child_posts(void *arg)
{
    (void)arg;
    op(0, 1, 0);
}

static void
test_undo(void)
{
    pid_t pid;
    int status;

    sem_id = ipc_track(IPC_KIND_SEM, semget(IPC_PRIVATE, 3, IPC_CREAT | 0600));
    semctl(sem_id, 1, SETVAL, (union semun){ .val = 1 });
    printf("SEM_UNDO:\n");
    in_child("undo", child_adds_with_undo, NULL);
    printf("  after the child exited: %d %d\n", semctl(sem_id, 0, GETVAL), semctl(sem_id, 1, GETVAL));
    if ((pid = fork_or_say("clamped")) == -1)
        return;
    if (pid == 0) {
        child_undo_clamped(NULL);
        _exit(0);
    }
    await_ncnt(2, 1);
    show("  parent takes the child's 5", op(0, -5, 0));
    op(2, 1, 0);
    waitpid(pid, &status, 0);
    printf("  after the child exited: %d (GETPID is the child: %s)\n", semctl(sem_id, 0, GETVAL),
           semctl(sem_id, 0, GETPID) == pid ? "yes" : "no");
    if ((pid = fork_or_say("completed by a child")) == -1)
        return;
    if (pid == 0) {
        await_ncnt(0, 1);
        child_posts(NULL);
        _exit(0);
    }
    show("parent's semop completed by the child", op(0, -1, 0));
    waitpid(pid, &status, 0);
}

struct pingpong {
    sem_t ping, pong;
    long count;
};

static void
child_pongs(void *arg)
{
    struct pingpong *pp = arg;

    for (int i = 0; i < ITEMS; i++) {
        sem_wait(&pp->ping);
        pp->count++;
        sem_post(&pp->pong);
    }
}

static void
test_posix_sem(void)
{
    struct pingpong *pp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pid;
    int status;

    sem_init(&pp->ping, 1, 0);
    sem_init(&pp->pong, 1, 0);
    if ((pid = fork_or_say("POSIX semaphores")) == -1)
        return;
    if (pid == 0) {
        child_pongs(pp);
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
    test_undo();
    test_posix_sem();
    test_shm_open();
    return 0;
}
