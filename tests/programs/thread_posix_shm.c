// POSIX shared memory and semaphores: /dev/shm (a sticky folder anyone may
// write), shm_open's file (its mode under the umask, ftruncate,
// posix_fallocate and fallocate's errors, mmap MAP_SHARED twice over the
// same pages, shm_unlink), process-shared semaphores, mutexes and condition variables placed in it
// and used by two threads each through a mapping of its own (so their
// futexes meet only by the page, as two processes' would), sem_open's named
// semaphores, and shared anonymous memory.
#include "ipc_check.h"

#include <fcntl.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define ITEMS 2000
#define SIZE  (3 * 4096 + 100)

// What two threads share, at the start of a shared mapping.
struct shared {
    sem_t items, slots;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    long produced, consumed, sum, counter;
};

static char shm_name[64], sem_name[64];

// The other thread's view: the same object through another mapping.
static struct shared *other_view;

static void
show_file(const char *what, int fd)
{
    struct stat st;

    if (fstat(fd, &st) == -1) {
        printf("%s: fstat %s\n", what, errno_name(errno));
        return;
    }
    printf("%s: mode %o, size %lld, blocks %lld, owner is the caller: %s\n", what, st.st_mode,
           (long long)st.st_size, (long long)st.st_blocks,
           st.st_uid == geteuid() && st.st_gid == getegid() ? "yes" : "no");
}

static void *
consume(void *arg)
{
    struct shared *s = other_view;

    (void)arg;
    for (long i = 0; i < ITEMS; i++) {
        sem_wait(&s->items);
        s->sum += s->produced;
        s->consumed++;
        sem_post(&s->slots);
    }
    return NULL;
}

static void *
count(void *arg)
{
    struct shared *s = arg;

    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&s->lock);
        s->counter++;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

// A producer here and a consumer in another thread, one item at a time,
// through process-shared semaphores, each thread using its own mapping.
static void
test_semaphores(struct shared *s, struct shared *view)
{
    pthread_t t;
    long want = 0;

    other_view = view;
    show("sem_init pshared, in the segment", sem_init(&s->items, 1, 0));
    sem_init(&s->slots, 1, 1);
    t = start_thread(consume, NULL);
    for (long i = 1; i <= ITEMS; i++) {
        sem_wait(&s->slots);
        s->produced = i;
        want += i;
        sem_post(&s->items);
    }
    join_thread(t);
    printf("  %ld items handed over, sum right: %s\n", view->consumed,
           view->sum == want ? "yes" : "no");
    sem_destroy(&s->items);
    sem_destroy(&s->slots);
}

// Two threads count under a PTHREAD_PROCESS_SHARED mutex, each through its
// own mapping; this one waits on the condition variable for the total.
static void
test_mutex(struct shared *s, struct shared *view)
{
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_t t1, t2;

    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    show_err("pthread_mutex_init pshared", pthread_mutex_init(&s->lock, &ma));
    show_err("pthread_cond_init pshared", pthread_cond_init(&s->changed, &ca));
    s->counter = 0;
    t1 = start_thread(count, s);
    t2 = start_thread(count, view);
    pthread_mutex_lock(&view->lock);
    while (view->counter < 2 * ITEMS)
        pthread_cond_wait(&view->changed, &view->lock);
    pthread_mutex_unlock(&view->lock);
    join_thread(t1);
    join_thread(t2);
    printf("  counted %ld\n", s->counter);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->changed);
}

// A file open read-only: a shared mapping of it may not become writable,
// a private one may (its pages are copies).
static void
test_readonly_mappings(int ro)
{
    char *shared = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
    char *private = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, ro, 0);

    show("mmap a read-only descriptor MAP_SHARED, writable",
         mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED ? -1 : 0);
    show("mprotect its shared read mapping writable",
         mprotect(shared, 4096, PROT_READ | PROT_WRITE));
    show("mprotect its private mapping writable", mprotect(private, 4096, PROT_READ | PROT_WRITE));
    munmap(shared, 4096);
    munmap(private, 4096);
}

// fallocate(2)'s checks, in Linux's order, on the segment and other files.
static void
test_fallocate(int fd)
{
    int ro = shm_open(shm_name, O_RDONLY, 0), null = open("/dev/null", O_RDWR), p[2];
    struct stat st;

    show("fallocate KEEP_SIZE past the end", fallocate(fd, 1, 16384, 4096));
    fstat(fd, &st);
    printf("  size %lld\n", (long long)st.st_size);
    show("fallocate length 0", fallocate(fd, 0, 0, 0));
    show("fallocate offset -1", fallocate(fd, 0, -1, 10));
    show("fallocate mode 0x80", fallocate(fd, 0x80, 0, 10));
    show("fallocate PUNCH_HOLE without KEEP_SIZE", fallocate(fd, 2, 0, 10));
    show("fallocate read-only", fallocate(ro, 0, 0, 10));
    show("fallocate /dev/null", fallocate(null, 0, 0, 10));
    if (pipe(p) == 0) {
        show("fallocate a pipe", fallocate(p[1], 0, 0, 10));
        close(p[0]), close(p[1]);
    }
    show("fallocate a closed descriptor", fallocate(1000, 0, 0, 10));
    test_readonly_mappings(ro);
    close(ro);
    close(null);
}

static void
test_shm_open(void)
{
    int fd, fd2;
    char *a, *b, buf[8] = { 0 };

    fd = show("shm_open O_CREAT|O_EXCL 0666", shm_open(shm_name, O_CREAT | O_EXCL | O_RDWR, 0666));
    if (fd == -1)
        return;
    show_file("  new", fd);
    yes_no("  close-on-exec", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    show("shm_open again, O_EXCL", shm_open(shm_name, O_CREAT | O_EXCL | O_RDWR, 0666));
    show("ftruncate", ftruncate(fd, SIZE));
    show_file("  after", fd);
    printf("posix_fallocate 16 KiB: %s\n", errno_name(posix_fallocate(fd, 0, 16384)));
    show_file("  after", fd);
    test_fallocate(fd);
    fd2 = show("shm_open the name, O_RDWR", shm_open(shm_name, O_RDWR, 0));
    a = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    b = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
    if (a == MAP_FAILED || b == MAP_FAILED) {
        printf("mmap: %s\n", errno_name(errno));
        return;
    }
    strcpy(a + 5000, "shared");
    yes_no("the other mapping sees a write", !strcmp(b + 5000, "shared"));
    yes_no("and so does pread", pread(fd2, buf, 7, 5000) == 7 && !strcmp(buf, "shared"));
    test_semaphores((struct shared *)a, (struct shared *)b);
    test_mutex((struct shared *)a, (struct shared *)b);
    munmap(a, SIZE);
    munmap(b, SIZE);
    close(fd2);
    close(fd);
    show("shm_unlink", shm_unlink(shm_name));
    show("shm_unlink again", shm_unlink(shm_name));
    show("shm_open without O_CREAT", shm_open(shm_name, O_RDWR, 0));
    show("shm_open a name with a slash inside", shm_open("/a/b", O_CREAT | O_RDWR, 0600));
}

static void *
sem_waiter(void *arg)
{
    return (void *)(long)sem_wait(arg);
}

// Is there a file for semaphore NAME in /dev/shm (glibc: sem.NAME, musl: NAME)?
static void
show_sem_file(const char *what)
{
    char path[128];
    struct stat st;

    snprintf(path, sizeof(path), "/dev/shm/sem.%s", sem_name + 1);
    if (stat(path, &st) == -1) {
        snprintf(path, sizeof(path), "/dev/shm/%s", sem_name + 1);
        if (stat(path, &st) == -1) {
            printf("%s: none\n", what);
            return;
        }
    }
    printf("%s: mode %o\n", what, st.st_mode);
}

static void
test_sem_open(void)
{
    sem_t *s = sem_open(sem_name, O_CREAT | O_EXCL, 0666, 2), *s2;
    pthread_t t;
    int v = -1;

    show("sem_open O_CREAT|O_EXCL 0666, 2", s == SEM_FAILED ? -1 : 0);
    if (s == SEM_FAILED)
        return;
    show_sem_file("  its file");
    show("sem_open again, O_EXCL",
         sem_open(sem_name, O_CREAT | O_EXCL, 0666, 2) == SEM_FAILED ? -1 : 0);
    sem_wait(s);
    sem_wait(s);
    s2 = sem_open(sem_name, 0);
    show("sem_open the name", s2 == SEM_FAILED ? -1 : 0);
    sem_getvalue(s2, &v);
    printf("  value %d\n", v);
    t = start_thread(sem_waiter, s2);
    show("sem_post", sem_post(s));
    printf("  the waiter: %s\n", join_thread(t) ? "failed" : "ok");
    show("sem_close", sem_close(s));
    if (s2 != s)
        sem_close(s2);
    show("sem_unlink", sem_unlink(sem_name));
    show_sem_file("  its file after");
    show("sem_unlink again", sem_unlink(sem_name));
    show("sem_open without O_CREAT", sem_open(sem_name, 0) == SEM_FAILED ? -1 : 0);
}

static void
test_anonymous(void)
{
    char *a = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct shared *s = (struct shared *)a;

    if (a == MAP_FAILED) {
        printf("mmap shared anonymous: %s\n", errno_name(errno));
        return;
    }
    yes_no("shared anonymous memory starts zeroed", a[0] == 0 && a[8191] == 0);
    a[100] = 'k';
    show("madvise MADV_DONTNEED", madvise(a, 4096, MADV_DONTNEED));
    yes_no("  the data stays, as in any shared mapping", a[100] == 'k');
    test_semaphores(s, s);
    munmap(a, 2 * 4096);
}

// The names go however the program ends, so a failed run leaves no file in /dev/shm.
static void
unlink_names(void)
{
    shm_unlink(shm_name);
    sem_unlink(sem_name);
}

static void
unlink_and_die(int sig)
{
    unlink_names();
    signal(sig, SIG_DFL);
    raise(sig);
}

int
main(void)
{
    static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTERM, SIGINT };
    struct stat st;

    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(shm_name, sizeof(shm_name), "/pkgload-shm-%d", (int)getpid());
    snprintf(sem_name, sizeof(sem_name), "/pkgload-sem-%d", (int)getpid());
    unlink_names();                 // a leftover of an earlier run with this pid
    atexit(unlink_names);
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        signal(fatal[i], unlink_and_die);
    umask(022);
    if (stat("/dev/shm", &st) == 0)
        printf("/dev/shm: mode %o\n", st.st_mode);
    test_shm_open();
    test_sem_open();
    test_anonymous();
    return 0;
}
