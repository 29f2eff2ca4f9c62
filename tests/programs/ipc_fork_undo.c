// SEM_UNDO between processes: a child's adjustments are applied when it
// exits (GETPID then names it), a value they would take below zero stops
// at zero, and a parent waiting for a "lock" a child took with SEM_UNDO
// gets it when the child dies holding it.
#include "ipc_check.h"

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static int sem_id;

static int
op(int num, int delta, int flags)
{
    struct sembuf sb = { (unsigned short)num, (short)delta, (short)flags };

    return semop(sem_id, &sb, 1);
}

static void
child_adds_with_undo(void *arg)
{
    (void)arg;
    op(0, 2, SEM_UNDO);
    op(1, -1, SEM_UNDO);
    printf("  child: values %d %d\n", semctl(sem_id, 0, GETVAL), semctl(sem_id, 1, GETVAL));
}

static void
test_applied(void)
{
    semctl(sem_id, 1, SETVAL, (union semun){ .val = 1 });
    in_child("undo", child_adds_with_undo, NULL);
    printf("after the child exited: %d %d\n", semctl(sem_id, 0, GETVAL), semctl(sem_id, 1, GETVAL));
}

// The child adds 5 with SEM_UNDO and waits on semaphore 2 while the parent
// takes the 5 away: undoing +5 at 0 leaves 0, not -5.
static void
test_clamped(void)
{
    int status;
    pid_t pid = fork_or_say("clamped");

    if (pid == -1)
        return;
    if (pid == 0) {
        op(0, 5, SEM_UNDO);
        op(2, -1, 0);
        _exit(0);
    }
    await_ncnt(sem_id, 2, 1);
    show("the parent takes the child's 5", op(0, -5, 0));
    op(2, 1, 0);
    waitpid(pid, &status, 0);
    printf("  after the child exited: %d (GETPID is the child: %s)\n", semctl(sem_id, 0, GETVAL),
           semctl(sem_id, 0, GETPID) == pid ? "yes" : "no");
}

// Semaphore 0 at 1 is a lock; a child takes it with SEM_UNDO and is killed
// (SIGKILL) holding it: once the child is gone the lock is free again, and
// a parent already waiting for it gets it. (A wait long enough for any
// child to die, bounded so that a kernel that never frees it fails fast.)
static pid_t
child_takes_lock(void)
{
    pid_t pid = fork_or_say("lock");

    if (pid == 0) {
        op(0, -1, SEM_UNDO);
        op(2, 1, 0);            // taken
        pause();
        _exit(0);
    }
    if (pid != -1)
        op(2, -1, 0);
    return pid;
}

static void
test_lock_of_the_dead(void)
{
    struct sembuf take = { 0, -1, 0 };
    int status;
    pid_t pid;

    semctl(sem_id, 0, SETVAL, (union semun){ .val = 1 });
    semctl(sem_id, 2, SETVAL, (union semun){ .val = 0 });
    if ((pid = child_takes_lock()) == -1)
        return;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    yes_no("a child holding the lock was killed",
           WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    show("  the lock is free", op(0, -1, IPC_NOWAIT));
    op(0, 1, 0);
    if ((pid = child_takes_lock()) == -1)
        return;
    if (fork_or_say("killer") == 0) {
        await_ncnt(sem_id, 0, 1);
        kill(pid, SIGKILL);
        _exit(0);
    }
    show("waiting for the lock a child held when killed",
         semtimedop(sem_id, &take, 1, &(struct timespec){ 5, 0 }));
    while (wait(&status) > 0)
        ;
    show_val("  value", semctl(sem_id, 0, GETVAL));
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    ipc_cleanup_at_end();
    sem_id = ipc_track(IPC_KIND_SEM, semget(IPC_PRIVATE, 3, IPC_CREAT | 0600));
    if (sem_id == -1)
        return 1;
    test_applied();
    test_clamped();
    test_lock_of_the_dead();
    return 0;
}
