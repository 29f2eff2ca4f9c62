// System V semaphores: values (SETVAL, SETALL, GETALL, GETPID), semop's
// all-or-nothing operations in order, IPC_NOWAIT, ERANGE and the other
// errors, semtimedop's timeout, semops that block and are completed by
// another thread (GETNCNT and GETZCNT while they wait), IPC_RMID and a
// signal ending a wait (EIDRM, EINTR even with SA_RESTART), SEM_UNDO,
// permissions for a non-root effective uid, keys, and the *_INFO and
// *_STAT commands. Waits are seen through GETNCNT/GETZCNT, never timed.
#include "ipc_check.h"

#include <time.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

struct waiter {
    int id;
    struct sembuf ops[2];
    int nops;
    long timeout_ms;        // semtimedop when not 0
    int ret, err;
};

static int
getval(int id, int n)
{
    return semctl(id, n, GETVAL);
}

static void
show_vals(const char *what, int id, int nsems)
{
    unsigned short vals[8] = { 0 };

    printf("%s:", what);
    if (semctl(id, 0, GETALL, (union semun){ .array = vals }) == -1)
        printf(" GETALL %s", errno_name(errno));
    for (int i = 0; i < nsems; i++)
        printf(" %u", vals[i]);
    printf("\n");
}

static int
op(int id, int num, int delta, int flags)
{
    struct sembuf sb = { (unsigned short)num, (short)delta, (short)flags };

    return semop(id, &sb, 1);
}

static void *
wait_thread(void *arg)
{
    struct waiter *w = arg;
    struct timespec ts = { w->timeout_ms / 1000, w->timeout_ms % 1000 * 1000000 };

    errno = 0;
    w->ret =
        w->timeout_ms ? semtimedop(w->id, w->ops, w->nops, &ts) : semop(w->id, w->ops, w->nops);
    w->err = errno;
    return NULL;
}

// Wait until CMD (GETNCNT or GETZCNT) of semaphore N counts WANT waiters.
static void
await_count(int id, int n, int cmd, int want)
{
    long long t0 = now_ns(CLOCK_MONOTONIC);

    while (semctl(id, n, cmd) != want) {
        if (ms_since(t0) > LATE_MS) {
            printf("  %s of %d never reached %d\n", cmd == GETNCNT ? "GETNCNT" : "GETZCNT", n,
                   want);
            return;
        }
        usleep(1000);
    }
}

static void
show_done(const char *what, struct waiter *w)
{
    printf("%s: %s\n", what, w->ret == -1 ? errno_name(w->err) : "ok");
}

static void
test_values(int id)
{
    struct semid_ds ds;

    show_vals("new", id, 3);
    show_val("GETPID before any change", semctl(id, 0, GETPID));
    show("SETVAL 5", semctl(id, 1, SETVAL, (union semun){ .val = 5 }));
    show_val("  GETVAL", getval(id, 1));
    yes_no("  GETPID is the caller", semctl(id, 1, GETPID) == getpid());
    show("SETALL 1 2 3",
         semctl(id, 0, SETALL, (union semun){ .array = (unsigned short[]){ 1, 2, 3 } }));
    show_vals("  GETALL", id, 3);
    show("SETALL with 40000",
         semctl(id, 0, SETALL, (union semun){ .array = (unsigned short[]){ 9, 40000, 9 } }));
    show_vals("  unchanged", id, 3);
    show("SETVAL 32768", semctl(id, 0, SETVAL, (union semun){ .val = 32768 }));
    show("SETVAL -1", semctl(id, 0, SETVAL, (union semun){ .val = -1 }));
    show("SETVAL semnum 3", semctl(id, 3, SETVAL, (union semun){ .val = 1 }));
    show("GETVAL semnum -1", semctl(id, -1, GETVAL));
    show("GETALL bad pointer",
         semctl(id, 0, GETALL, (union semun){ .array = (unsigned short *)8 }));
    show("SETALL bad pointer",
         semctl(id, 0, SETALL, (union semun){ .array = (unsigned short *)8 }));
    show("semctl cmd 99", semctl(id, 0, 99));
    show("semctl id -1", semctl(-1, 0, GETVAL));
    show("IPC_STAT", semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }));
    printf("  nsems %lu, mode %o, key %d, otime %s\n", (unsigned long)ds.sem_nsems,
           ds.sem_perm.mode, (int)ds.sem_perm.__key, ds.sem_otime ? "set" : "0");
}

static void
test_ops(int id)
{
    struct sembuf two[2];
    struct semid_ds ds;

    semctl(id, 0, SETALL, (union semun){ .array = (unsigned short[]){ 0, 0, 0 } });
    show("semop +2", op(id, 0, 2, 0));
    semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
    yes_no("  otime set, GETPID the caller",
           ds.sem_otime != 0 && semctl(id, 0, GETPID) == getpid());
    show("semop -1", op(id, 0, -1, 0));
    show("semop -2, IPC_NOWAIT", op(id, 0, -2, IPC_NOWAIT));
    show("wait for zero, IPC_NOWAIT, at 1", op(id, 0, 0, IPC_NOWAIT));
    show("wait for zero at 0", op(id, 1, 0, 0));
    two[0] = (struct sembuf){ 1, 1, 0 }, two[1] = (struct sembuf){ 2, -1, IPC_NOWAIT };
    show("+1 on 1 then -1 on 2 at 0, IPC_NOWAIT", semop(id, two, 2));
    show_vals("  none applied", id, 3);
    two[0] = (struct sembuf){ 2, 1, 0 }, two[1] = (struct sembuf){ 2, -1, 0 };
    show("+1 then -1 on 2 at 0: in order", semop(id, two, 2));
    two[0] = (struct sembuf){ 2, -1, 0 }, two[1] = (struct sembuf){ 2, 1, IPC_NOWAIT };
    show("-1 then +1 on 2 at 0, the first IPC_NOWAIT-less",
         semtimedop(id, two, 2, &(struct timespec){ 0, 0 }));
    semctl(id, 2, SETVAL, (union semun){ .val = 32767 });
    show("+1 at 32767", op(id, 2, 1, 0));
    two[0] = (struct sembuf){ 1, 1, 0 }, two[1] = (struct sembuf){ 2, 1, 0 };
    show("+1 on 1 then +1 at 32767", semop(id, two, 2));
    show_vals("  none applied", id, 3);
    show("sem_num 3", op(id, 3, 1, 0));
    show("nsops 0", semop(id, two, 0));
    show("nsops 501", semop(id, two, 501));
    show("bad sops pointer", semop(id, (struct sembuf *)8, 1));
    show("semid -1", op(-1, 0, 1, 0));
    show("an id never made", op(0x7ffffff0, 0, 1, 0));
}

static void
test_timeout(int id)
{
    long long t0 = now_ns(CLOCK_MONOTONIC);
    struct sembuf dec = { 0, -1, 0 };
    long long waited;

    semctl(id, 0, SETVAL, (union semun){ .val = 0 });
    show("semtimedop 50 ms at 0", semtimedop(id, &dec, 1, &(struct timespec){ 0, 50000000 }));
    waited = ms_since(t0);
    yes_no("  waited at least 50 ms", waited >= 49);
    yes_no("  came back in time", waited < LATE_MS);
    show("semtimedop tv_nsec 1e9", semtimedop(id, &dec, 1, &(struct timespec){ 0, 1000000000 }));
    show("semtimedop tv_sec -1", semtimedop(id, &dec, 1, &(struct timespec){ -1, 0 }));
    show("semtimedop bad timeout pointer", semtimedop(id, &dec, 1, (struct timespec *)8));
    show("semtimedop zero timeout", semtimedop(id, &dec, 1, &(struct timespec){ 0, 0 }));
}

// Another thread's semop waits; this thread's changes complete it.
static void
test_woken(int id)
{
    struct waiter w = { .id = id, .ops = { { 0, -2, SEM_UNDO } }, .nops = 1 };
    pthread_t t;

    semctl(id, 0, SETALL, (union semun){ .array = (unsigned short[]){ 0, 1, 0 } });
    t = start_thread(wait_thread, &w);
    await_count(id, 0, GETNCNT, 1);
    show_val("a -2 waits: GETNCNT", semctl(id, 0, GETNCNT));
    show_val("  GETZCNT", semctl(id, 0, GETZCNT));
    show("+1", op(id, 0, 1, 0));
    show_val("  still waiting: GETNCNT", semctl(id, 0, GETNCNT));
    show("+1 more", op(id, 0, 1, 0));
    join_thread(t);
    show_done("  the waiter", &w);
    show_val("  value", getval(id, 0));
    show_val("  GETNCNT", semctl(id, 0, GETNCNT));

    w = (struct waiter){ .id = id, .ops = { { 1, 0, 0 } }, .nops = 1 };
    t = start_thread(wait_thread, &w);
    await_count(id, 1, GETZCNT, 1);
    show_val("a wait for zero: GETZCNT", semctl(id, 1, GETZCNT));
    show("-1", op(id, 1, -1, 0));
    join_thread(t);
    show_done("  the waiter", &w);

    // Two operations, the second the one that waits: only it is counted.
    w = (struct waiter){ .id = id, .ops = { { 1, 1, 0 }, { 2, -1, 0 } }, .nops = 2 };
    t = start_thread(wait_thread, &w);
    await_count(id, 2, GETNCNT, 1);
    printf("two operations wait: GETNCNT %d %d %d\n", semctl(id, 0, GETNCNT),
           semctl(id, 1, GETNCNT), semctl(id, 2, GETNCNT));
    show("SETVAL 1 on 2", semctl(id, 2, SETVAL, (union semun){ .val = 1 }));
    join_thread(t);
    show_done("  the waiter", &w);
    show_vals("  values", id, 3);

    w = (struct waiter){ .id = id, .ops = { { 0, -1, 0 } }, .nops = 1, .timeout_ms = 2 * LATE_MS };
    t = start_thread(wait_thread, &w);
    await_count(id, 0, GETNCNT, 1);
    show("+1 for a semtimedop", op(id, 0, 1, 0));
    join_thread(t);
    show_done("  the waiter", &w);
}

static void
on_usr1(int sig)
{
    (void)sig;
}

static void
test_interrupted(void)
{
    int id = ipc_track(IPC_KIND_SEM, semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    struct waiter w = { .id = id, .ops = { { 0, -1, 0 } }, .nops = 1 };
    struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
    pthread_t t;

    sigaction(SIGUSR1, &sa, NULL);
    t = start_thread(wait_thread, &w);
    await_count(id, 0, GETNCNT, 1);
    pthread_kill(t, SIGUSR1);
    join_thread(t);
    show_done("a signal with SA_RESTART ends a wait", &w);
    show_val("  GETNCNT", semctl(id, 0, GETNCNT));

    w = (struct waiter){ .id = id, .ops = { { 0, -1, 0 } }, .nops = 1 };
    t = start_thread(wait_thread, &w);
    await_count(id, 0, GETNCNT, 1);
    show("IPC_RMID with a waiter", semctl(id, 0, IPC_RMID));
    join_thread(t);
    show_done("  the waiter", &w);
    show("GETVAL after", semctl(id, 0, GETVAL));
}

static void
test_undo(int id)
{
    semctl(id, 0, SETVAL, (union semun){ .val = 0 });
    show("+3 with SEM_UNDO", op(id, 0, 3, SEM_UNDO));
    show("-1 with SEM_UNDO", op(id, 0, -1, SEM_UNDO));
    show_val("  value", getval(id, 0));
    show("SETVAL 1 clears the adjustment", semctl(id, 0, SETVAL, (union semun){ .val = 1 }));
    show("-1 with SEM_UNDO", op(id, 0, -1, SEM_UNDO));
    show_val("  value", getval(id, 0));
}

// As uid 65534 (effective only), objects of mode 0600 and 0644 owned by root.
static void
test_permissions(void)
{
    int priv = ipc_track(IPC_KIND_SEM, semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    int shared = ipc_track(IPC_KIND_SEM, semget(IPC_PRIVATE, 1, IPC_CREAT | 0644));
    struct semid_ds ds;

    if (show("seteuid 65534", seteuid(65534)) == -1)
        return;
    show("GETVAL of 0600", semctl(priv, 0, GETVAL));
    show("semop of 0600", op(priv, 0, 1, 0));
    show("IPC_STAT of 0600", semctl(priv, 0, IPC_STAT, (union semun){ .buf = &ds }));
    show("SEM_STAT_ANY of 0600",
         semctl(priv & 0x7fff, 0, SEM_STAT_ANY, (union semun){ .buf = &ds }) == priv ? 0 : -1);
    show("GETVAL of 0644", semctl(shared, 0, GETVAL));
    show("wait for zero on 0644", op(shared, 0, 0, 0));
    show("semop +1 on 0644", op(shared, 0, 1, 0));
    show("SETVAL on 0644", semctl(shared, 0, SETVAL, (union semun){ .val = 1 }));
    show("IPC_SET on 0644", semctl(shared, 0, IPC_SET, (union semun){ .buf = &ds }));
    show("IPC_RMID on 0644", semctl(shared, 0, IPC_RMID));
    show("semget IPC_PRIVATE",
         ipc_track(IPC_KIND_SEM, semget(IPC_PRIVATE, 1, IPC_CREAT | 0600)) == -1 ? -1 : 0);
    show("seteuid 0", seteuid(0));
}

static void
test_keys(void)
{
    key_t key = own_key(IPC_KIND_SEM, 1);
    int id;

    show("semget a key not in use", semget(key, 1, 0600));
    id = ipc_track(IPC_KIND_SEM, show("semget IPC_CREAT|IPC_EXCL, 2 sems",
                                      semget(key, 2, IPC_CREAT | IPC_EXCL | 0600)));
    show("  again", semget(key, 2, IPC_CREAT | IPC_EXCL | 0600));
    yes_no("semget the key, 0 sems: the same id", semget(key, 0, 0) == id);
    yes_no("semget the key, 1 sem: the same id", semget(key, 1, 0) == id);
    show("semget the key, 3 sems", semget(key, 3, 0));
    show("semget the key asking for 0700", semget(key, 0, 0700));
    show("IPC_RMID", semctl(id, 0, IPC_RMID));
    show("IPC_RMID again", semctl(id, 0, IPC_RMID));
    show("semget IPC_PRIVATE, 0 sems", semget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
    show("semget -1 sems", semget(IPC_PRIVATE, -1, IPC_CREAT | 0600));
    show("semget 32001 sems", semget(IPC_PRIVATE, 32001, IPC_CREAT | 0600));
}

static void
test_info_set(int id)
{
    struct seminfo info;
    struct semid_ds ds;
    int max;

    max = semctl(0, 0, IPC_INFO, (union semun){ .__buf = &info });
    yes_no("IPC_INFO returns an index at least this set's", max >= (id & 0x7fff));
    printf("  semmap %d semmni %d semmns %d semmnu %d semmsl %d semopm %d semume %d semusz %d "
           "semvmx %d semaem %d\n",
           info.semmap, info.semmni, info.semmns, info.semmnu, info.semmsl, info.semopm,
           info.semume, info.semusz, info.semvmx, info.semaem);
    max = semctl(0, 0, SEM_INFO, (union semun){ .__buf = &info });
    yes_no("SEM_INFO counts this set",
           max >= (id & 0x7fff) && info.semusz >= 1 && info.semaem >= 3);
    yes_no("SEM_STAT of its index gives its id",
           semctl(id & 0x7fff, 0, SEM_STAT, (union semun){ .buf = &ds }) == id);
    show("IPC_STAT bad pointer",
         semctl(id, 0, IPC_STAT, (union semun){ .buf = (struct semid_ds *)8 }));
    semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
    ds.sem_perm.mode = 0640;
    ds.sem_nsems = 1;
    show("IPC_SET mode 0640", semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }));
    semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
    printf("  mode %o, nsems %lu\n", ds.sem_perm.mode, (unsigned long)ds.sem_nsems);
    ds.sem_perm.gid = (gid_t)-1;
    show("IPC_SET gid -1", semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }));
}

int
main(void)
{
    int id;

    setvbuf(stdout, NULL, _IONBF, 0);
    ipc_cleanup_at_end();
    id = ipc_track(IPC_KIND_SEM,
                   show("semget IPC_PRIVATE, 3 sems", semget(IPC_PRIVATE, 3, IPC_CREAT | 0600)));
    if (id == -1)
        return 1;
    test_values(id);
    test_ops(id);
    test_timeout(id);
    test_woken(id);
    test_interrupted();
    test_undo(id);
    test_permissions();
    test_keys();
    test_info_set(id);
    show("IPC_RMID", semctl(id, 0, IPC_RMID));
    return 0;
}
