// System V shared memory in one process: create, attach (anywhere, at an
// address, SHM_RND, SHM_REMAP, SHM_RDONLY), the same pages through two
// attaches, detach (a whole attach, pieces of one), IPC_STAT's counts,
// IPC_SET, IPC_RMID while attached (the segment lives on until its last
// detach), keys (IPC_CREAT, IPC_EXCL, sizes), the *_INFO and *_STAT
// commands, and the errors of each call.
#include "ipc_check.h"

#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>

#define SIZE 10000          // not a whole number of pages
#define PAGE 4096

static sigjmp_buf fault_jmp;

static void
on_fault(int sig)
{
    siglongjmp(fault_jmp, sig);
}

// Does writing to P fault (SIGSEGV)?
static int
write_faults(volatile char *p)
{
    struct sigaction sa = { .sa_handler = on_fault }, old;
    int faulted;

    sigaction(SIGSEGV, &sa, &old);
    if (!(faulted = sigsetjmp(fault_jmp, 1)))
        *p = 1;
    sigaction(SIGSEGV, &old, NULL);
    return faulted != 0;
}

static struct shmid_ds
stat_of(int id)
{
    struct shmid_ds ds;

    memset(&ds, 0, sizeof(ds));
    if (shmctl(id, IPC_STAT, &ds) == -1)
        printf("IPC_STAT: %s\n", errno_name(errno));
    return ds;
}

static void
show_nattch(const char *what, int id)
{
    printf("%s: nattch %lu\n", what, (unsigned long)stat_of(id).shm_nattch);
}

static int
is_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void
test_stat_new(int id, time_t before)
{
    struct shmid_ds ds = stat_of(id);

    printf("segsz %zu, nattch %lu, mode %o, key %d\n", ds.shm_segsz, (unsigned long)ds.shm_nattch,
           ds.shm_perm.mode, (int)ds.shm_perm.__key);
    yes_no("  owner and creator are the caller",
           ds.shm_perm.uid == geteuid() && ds.shm_perm.cuid == geteuid() &&
               ds.shm_perm.gid == getegid() && ds.shm_perm.cgid == getegid());
    yes_no("  cpid is the caller, lpid none yet", ds.shm_cpid == getpid() && ds.shm_lpid == 0);
    yes_no("  ctime set, atime and dtime not",
           ds.shm_ctime >= before - 1 && !ds.shm_atime && !ds.shm_dtime);
}

static void
test_two_attaches(int id)
{
    char *a = show_ptr("shmat anywhere", shmat(id, NULL, 0));
    char *b = show_ptr("shmat again", shmat(id, NULL, 0));
    struct shmid_ds ds;

    if (a == (void *)-1 || b == (void *)-1)
        return;
    yes_no("  page aligned, apart", !((uintptr_t)a % PAGE) && !((uintptr_t)b % PAGE) && a != b);
    yes_no("  zero filled, to the end of the last page", is_zero(a, 3 * PAGE));
    for (int i = 0; i < SIZE; i++)
        a[i] = (char)(i * 7);
    yes_no("  the other attach sees the writes", !memcmp(a, b, SIZE));
    b[3 * PAGE - 1] = 42;
    yes_no("  and the last page's tail", a[3 * PAGE - 1] == 42);
    ds = stat_of(id);
    printf("  nattch %lu\n", (unsigned long)ds.shm_nattch);
    yes_no("  atime and lpid set", ds.shm_atime && ds.shm_lpid == getpid());
    show("shmdt the first", shmdt(a));
    show_nattch("  after", id);
    yes_no("  data kept", b[7] == 49);
    ds = stat_of(id);
    yes_no("  dtime set", ds.shm_dtime != 0);
    show("shmdt the first again", shmdt(a));
    show("shmdt the second", shmdt(b));
    show_nattch("  after", id);
}

static void
test_addresses(int id)
{
    char *hint = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *p;

    munmap(hint, 8 * PAGE);
    show_ptr("shmat at a free address", p = shmat(id, hint, 0));
    yes_no("  there", p == hint);
    show_ptr("shmat overlapping it", shmat(id, hint + PAGE, 0));
    show_ptr("shmat unaligned", shmat(id, hint + 5 * PAGE + 100, 0));
    show_ptr("shmat unaligned, SHM_RND", p = shmat(id, hint + 5 * PAGE + 100, SHM_RND));
    yes_no("  rounded down", p == hint + 5 * PAGE);
    show("shmdt it", shmdt(hint + 5 * PAGE));
    show_ptr("shmat overlapping, SHM_REMAP", p = shmat(id, hint + PAGE, SHM_REMAP));
    yes_no("  there", p == hint + PAGE);
    show_nattch("  two attaches", id);
    show_ptr("SHM_REMAP without an address", shmat(id, NULL, SHM_REMAP));
    show("shmdt the first", shmdt(hint));
    show("shmdt the second", shmdt(hint + PAGE));
    show("shmdt unaligned", shmdt(hint + 1));
    show("shmdt where nothing is attached", shmdt(hint));
}

static void
test_readonly(int id)
{
    char *rw = shmat(id, NULL, 0), *ro = show_ptr("shmat SHM_RDONLY", shmat(id, NULL, SHM_RDONLY));

    if (ro == (void *)-1 || rw == (void *)-1)
        return;
    rw[1] = 'x';
    yes_no("  reads the data", ro[1] == 'x');
    yes_no("  writing faults", write_faults(ro));
    show("  mprotect it writable", mprotect(ro, PAGE, PROT_READ | PROT_WRITE));
    show("  mprotect it executable", mprotect(ro, PAGE, PROT_READ | PROT_EXEC));
    shmdt(ro);
    shmdt(rw);
}

// munmap and mprotect cut an attach into regions; shmdt takes every piece.
static void
test_pieces(int id)
{
    char *p = shmat(id, NULL, 0), *q;

    if (p == (void *)-1)
        return;
    show("munmap the middle page", munmap(p + PAGE, PAGE));
    show_nattch("  after", id);
    show("mprotect the last page", mprotect(p + 2 * PAGE, PAGE, PROT_READ));
    show_nattch("  after", id);
    show("shmdt", shmdt(p));
    show_nattch("  after", id);
    q = shmat(id, NULL, 0);
    show("munmap the first page", munmap(q, PAGE));
    show("shmdt at the second page", shmdt(q + PAGE));
    show_nattch("  after", id);
    show("shmdt at the start", shmdt(q));
    show_nattch("  after", id);
}

static void
test_set(int id)
{
    struct shmid_ds ds = stat_of(id);

    ds.shm_perm.mode = 0640;
    ds.shm_segsz = 1;                   // not changed by IPC_SET
    show("IPC_SET mode 0640", shmctl(id, IPC_SET, &ds));
    ds = stat_of(id);
    printf("  mode %o, segsz %zu\n", ds.shm_perm.mode, ds.shm_segsz);
    ds.shm_perm.uid = (uid_t)-1;
    show("IPC_SET uid -1", shmctl(id, IPC_SET, &ds));
    show("IPC_SET bad pointer", shmctl(id, IPC_SET, (struct shmid_ds *)8));
    show("IPC_STAT bad pointer", shmctl(id, IPC_STAT, (struct shmid_ds *)8));
    show("SHM_LOCK", shmctl(id, SHM_LOCK, NULL));
    printf("  mode %o\n", stat_of(id).shm_perm.mode);
    show("SHM_UNLOCK", shmctl(id, SHM_UNLOCK, NULL));
    printf("  mode %o\n", stat_of(id).shm_perm.mode);
}

// IPC_RMID while attached: the key goes, the id and the pages stay until the
// last detach.
static void
test_remove_attached(void)
{
    int id = ipc_track(IPC_KIND_SHM, shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600));
    char *p = shmat(id, NULL, 0), *q;
    struct shmid_ds ds;

    if (p == (void *)-1)
        return;
    strcpy(p, "still here");
    show("IPC_RMID while attached", shmctl(id, IPC_RMID, NULL));
    ds = stat_of(id);
    printf("  mode %o, key %d, nattch %lu\n", ds.shm_perm.mode, (int)ds.shm_perm.__key,
           (unsigned long)ds.shm_nattch);
    q = show_ptr("shmat the removed segment", shmat(id, NULL, 0));
    if (q != (void *)-1) {
        printf("  reads \"%s\"\n", q);
        shmdt(q);
    }
    show("IPC_RMID again", shmctl(id, IPC_RMID, NULL));
    show("shmdt the last attach", shmdt(p));
    show("IPC_STAT after", shmctl(id, IPC_STAT, &ds));
    show_ptr("shmat after", shmat(id, NULL, 0));
}

static void
test_keys(void)
{
    key_t key = own_key(IPC_KIND_SHM, 1);
    int id, id2;

    show("shmget a key not in use", shmget(key, SIZE, 0600));
    id = ipc_track(IPC_KIND_SHM, show("shmget IPC_CREAT|IPC_EXCL",
                                      shmget(key, SIZE, IPC_CREAT | IPC_EXCL | 0600)));
    show("  again", shmget(key, SIZE, IPC_CREAT | IPC_EXCL | 0600));
    id2 = show("shmget the key, IPC_CREAT", shmget(key, SIZE, IPC_CREAT | 0600));
    yes_no("  the same id", id2 == id);
    yes_no("shmget the key, size 0: the same id", shmget(key, 0, 0) == id);
    show("shmget the key, larger", shmget(key, SIZE + 1, 0));
    printf("  key in IPC_STAT is the key: %s\n", stat_of(id).shm_perm.__key == key ? "yes" : "no");
    show("IPC_RMID", shmctl(id, IPC_RMID, NULL));
    show("shmget the key after", shmget(key, SIZE, 0600));
}

static void
test_errors(void)
{
    struct shmid_ds ds;

    show("shmget size 0", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
    show("shmget size -1", shmget(IPC_PRIVATE, (size_t)-1, IPC_CREAT | 0600));
    show_ptr("shmat id -1", shmat(-1, NULL, 0));
    show_ptr("shmat an id never made", shmat(0x7ffffff0, NULL, 0));
    show("shmctl id -1", shmctl(-1, IPC_STAT, &ds));
    show("shmctl cmd -1", shmctl(0, -1, &ds));
    show("shmctl cmd 99", shmctl(0, 99, &ds));
    show("IPC_RMID an id never made", shmctl(0x7ffffff0, IPC_RMID, NULL));
}

static void
test_info(int id)
{
    struct shminfo info;
    struct shm_info sinfo;
    struct shmid_ds ds;
    int max;

    max = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
    yes_no("IPC_INFO returns an index at least this segment's", max >= (id & 0x7fff));
    printf("  shmmax %lu shmmin %lu shmmni %lu shmseg %lu shmall %lu\n", info.shmmax, info.shmmin,
           info.shmmni, info.shmseg, info.shmall);
    max = shmctl(0, SHM_INFO, (struct shmid_ds *)&sinfo);
    yes_no("SHM_INFO counts this segment",
           max >= (id & 0x7fff) && sinfo.used_ids >= 1 && sinfo.shm_tot >= 3);
    yes_no("SHM_STAT of its index gives its id", shmctl(id & 0x7fff, SHM_STAT, &ds) == id);
    yes_no("SHM_STAT_ANY too",
           shmctl(id & 0x7fff, SHM_STAT_ANY, &ds) == id && ds.shm_segsz == SIZE);
    show("IPC_INFO bad pointer", shmctl(0, IPC_INFO, (struct shmid_ds *)8));
}

int
main(void)
{
    // Linux stamps IPC times from its coarse clock, which can lag a precise
    // time() by one tick across a second boundary: allow one second.
    time_t before = time(NULL);
    int id;

    setvbuf(stdout, NULL, _IONBF, 0);
    ipc_cleanup_at_end();
    id = ipc_track(IPC_KIND_SHM,
                   show("shmget IPC_PRIVATE", shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600)));
    if (id == -1)
        return 1;
    test_stat_new(id, before);
    test_two_attaches(id);
    test_addresses(id);
    test_readonly(id);
    test_pieces(id);
    test_info(id);
    test_set(id);
    show("IPC_RMID", shmctl(id, IPC_RMID, NULL));
    show("IPC_STAT after", shmctl(id, IPC_STAT, &(struct shmid_ds){ 0 }));
    test_remove_attached();
    test_keys();
    test_errors();
    return 0;
}
