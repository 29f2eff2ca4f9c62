// fork: a tree of processes that fork, copy-on-write memory (a child's
// writes to globals, heap, stack and a private file mapping invisible to
// its parent and the other way round), the descriptor table copied with
// shared open file descriptions, pipes with end of file when the writers
// are gone, shared mappings seen by both sides, orphans and their new
// parent, and fork in a threaded process. argv[1] picks the part; every
// output line is ordered by waits and handshakes, never by timing.
#include "proc_check.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <dirent.h>

#define PAGE 4096

// ---------------------------------------------------------------- tree

#define TREE_DEPTH  3
#define TREE_FANOUT 3
#define TREE_NODES  40  // 1 + 3 + 9 + 27

static int pid_pipe[2];  // every node sends its pid here, for the root to count

static int node(const char *label, int depth, pid_t parent);

// Start child I of the node LABEL: its stdout is a pipe back to us.
static pid_t
start_subtree(const char *label, int i, int depth, int *out)
{
    int fds[2];
    char child_label[64];
    pid_t me = getpid(), pid;

    xpipe(fds);
    snprintf(child_label, sizeof(child_label), "%s.%d", label, i);
    pid = xfork();
    if (pid == 0) {
        close(fds[0]);
        must("dup2", dup2(fds[1], STDOUT_FILENO) == STDOUT_FILENO);
        close(fds[1]);
        _exit(node(child_label, depth + 1, me));
    }
    close(fds[1]);
    *out = fds[0];
    return pid;
}

// Copy everything a child's subtree printed to our stdout, in order.
static void
relay(int fd)
{
    char buf[1024];
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0)
        write_full(STDOUT_FILENO, buf, n);
    must("relay read", n == 0);
    close(fd);
}

// One node: say who it is, fork its children (all running at once), print
// their subtrees in order, and exit with the number of nodes under it.
static int
node(const char *label, int depth, pid_t parent)
{
    pid_t kids[TREE_FANOUT], me = getpid();
    int outs[TREE_FANOUT], count = 1;

    write_full(pid_pipe[1], &me, sizeof(me));
    say("node %s depth %d: getppid() is the forker: %s, a pid of its own: %s\n", label, depth,
        getppid() == parent ? "yes" : "no", me != parent ? "yes" : "no");
    if (depth == TREE_DEPTH)
        return 1;
    for (int i = 0; i < TREE_FANOUT; i++)
        kids[i] = start_subtree(label, i, depth, &outs[i]);
    for (int i = 0; i < TREE_FANOUT; i++) {
        relay(outs[i]);
        int status = wait_for(kids[i]);
        if (!WIFEXITED(status))
            say("node %s.%d: %s\n", label, i, status_text(status));
        count += WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    }
    return count;
}

static int
compare_pids(const void *a, const void *b)
{
    return *(const pid_t *)a - *(const pid_t *)b;
}

static void
test_tree(void)
{
    pid_t pids[TREE_NODES + 1];
    int count, distinct = 1;
    ssize_t n;

    xpipe(pid_pipe);
    count = node("0", 0, getppid());
    close(pid_pipe[1]);
    n = read_full(pid_pipe[0], pids, sizeof(pids));
    qsort(pids, n / sizeof(pid_t), sizeof(pid_t), compare_pids);
    for (size_t i = 1; i < n / sizeof(pid_t); i++)
        distinct &= pids[i] != pids[i - 1];
    say("nodes counted by exit statuses: %d, pids received: %zd, all distinct: %s\n", count,
        n / (ssize_t)sizeof(pid_t), distinct ? "yes" : "no");
    show_ret("wait with no children left", wait(NULL));
}

// ---------------------------------------------------------------- cow

#define BIG_BYTES (8 << 20)

static char global_data[64] = "parent-1";  // .data
static char global_bss[2 * PAGE];           // .bss
static char from_kernel[64];                // written by read(2) in the child

struct cow_state {
    char *heap_small, *heap_big, *stack, *untouched, *file_map, *readonly;
    int file_fd;
    int to_child[2], to_parent[2];
};

// Put TAG everywhere the test looks (not the untouched region: see below).
static void
write_everywhere(struct cow_state *s, const char *tag)
{
    strcpy(global_data, tag);
    strcpy(global_bss + PAGE, tag);
    strcpy(s->heap_small, tag);
    strcpy(s->stack, tag);
    strcpy(s->file_map, tag);
    strcpy(s->file_map + PAGE, tag);
    for (long i = 0; i < BIG_BYTES; i += PAGE)
        strcpy(s->heap_big + i, tag);
}

// Say whether every place holds TAG.
static int
holds_everywhere(struct cow_state *s, const char *tag)
{
    int ok = !strcmp(global_data, tag) && !strcmp(global_bss + PAGE, tag) &&
             !strcmp(s->heap_small, tag) && !strcmp(s->stack, tag) && !strcmp(s->file_map, tag) &&
             !strcmp(s->file_map + PAGE, tag);

    for (long i = 0; i < BIG_BYTES && ok; i += PAGE)
        ok = !strcmp(s->heap_big + i, tag);
    return ok;
}

// The file under the private mapping still holds what was written to it.
static int
file_unchanged(struct cow_state *s)
{
    char buf[16] = "";

    return pread(s->file_fd, buf, 9, PAGE) == 9 && !memcmp(buf, "file-page", 9);
}

static void
cow_grandchild(struct cow_state *s)
{
    pid_t pid = xfork();

    if (pid == 0) {
        write_everywhere(s, "grandchild");
        yes_no("grandchild: sees its own writes", holds_everywhere(s, "grandchild"));
        _exit(0);
    }
    reap("child: grandchild", pid);
    yes_no("child: the grandchild's writes are invisible to it", holds_everywhere(s, "parent-1"));
}

// The kernel itself writes into a page the child still shares with its parent.
static void
cow_kernel_write(void)
{
    int fds[2];

    xpipe(fds);
    write_full(fds[1], "from the kernel", 16);
    must("read", read_full(fds[0], from_kernel, 16) == 16);
    close(fds[0]);
    close(fds[1]);
    say("child: read(2) into a shared page: [%s]\n", from_kernel);
}

static void
cow_child(struct cow_state *s)
{
    yes_no("child: sees the parent's values", holds_everywhere(s, "parent-1"));
    yes_no("child: the untouched region reads as zeros", s->untouched[PAGE] == 0);
    cow_grandchild(s);
    write_everywhere(s, "child");
    s->untouched[PAGE] = 'c';
    must("mprotect", mprotect(s->readonly, PAGE, PROT_READ | PROT_WRITE) == 0);
    strcpy(s->readonly, "child");
    cow_kernel_write();
    yes_no("child: sees its own writes", holds_everywhere(s, "child"));
    signal_fd(s->to_parent[1]);
    await_fd(s->to_child[0]);
    yes_no("child: the parent's later writes are invisible to it", holds_everywhere(s, "child"));
    yes_no("child: the file under its private mapping is unchanged", file_unchanged(s));
    _exit(0);
}

static void
cow_parent(struct cow_state *s, pid_t pid)
{
    await_fd(s->to_parent[0]);
    yes_no("parent: the child's writes are invisible to it", holds_everywhere(s, "parent-1"));
    yes_no("parent: its untouched region still reads as zeros", s->untouched[PAGE] == 0);
    yes_no("parent: its read-only page is unchanged", !strcmp(s->readonly, "readonly"));
    yes_no("parent: the page the kernel wrote in the child is unchanged", from_kernel[0] == 0);
    write_everywhere(s, "parent-2");
    signal_fd(s->to_child[1]);
    reap("parent: child", pid);
    yes_no("parent: sees its own writes", holds_everywhere(s, "parent-2"));
    write_everywhere(s, "parent-3");  // every page its own again: no copy needed
    yes_no("parent: writes again after the child is gone", holds_everywhere(s, "parent-3"));
    yes_no("parent: the file under its private mapping is unchanged", file_unchanged(s));
}

static char *
map_anon(size_t len)
{
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    must("mmap", p != MAP_FAILED);
    return p;
}

// A two-page file mapped private: page 0 written before the fork, page 1 not.
static void
map_file(struct cow_state *s)
{
    char path[] = "/tmp/proc_fork_cow_XXXXXX";
    char page[PAGE] = "file-page";

    s->file_fd = mkstemp(path);
    must("mkstemp", s->file_fd >= 0);
    unlink(path);
    write_full(s->file_fd, page, PAGE);
    write_full(s->file_fd, page, PAGE);
    s->file_map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, s->file_fd, 0);
    must("mmap file", s->file_map != MAP_FAILED);
    strcpy(s->file_map, "parent-1");
}

static void
test_cow(void)
{
    char stack_buf[256];
    struct cow_state s = { .stack = stack_buf };
    pid_t pid;

    s.heap_small = malloc(64);
    s.heap_big = malloc(BIG_BYTES);
    must("malloc", s.heap_small && s.heap_big);
    s.untouched = map_anon(4 * PAGE);
    s.readonly = map_anon(PAGE);
    strcpy(s.readonly, "readonly");
    must("mprotect", mprotect(s.readonly, PAGE, PROT_READ) == 0);
    map_file(&s);
    write_everywhere(&s, "parent-1");
    xpipe(s.to_child);
    xpipe(s.to_parent);
    pid = xfork();
    if (pid == 0)
        cow_child(&s);
    cow_parent(&s, pid);
}

// ---------------------------------------------------------------- fds

#define RECORDS    200
#define RECORD_LEN 10

static int
scratch_file(void)
{
    char path[] = "/tmp/proc_fork_fd_XXXXXX";
    int fd = mkstemp(path);

    must("mkstemp", fd >= 0);
    unlink(path);
    return fd;
}

// A child's lseek and read move the offset the parent sees; file status
// flags are shared, descriptor flags and new descriptors are not.
static void
fds_shared_offset(void)
{
    int fd = scratch_file();
    char c = 0;
    pid_t pid;

    write_full(fd, "0123456789", 10);
    lseek(fd, 2, SEEK_SET);
    pid = xfork();
    if (pid == 0) {
        lseek(fd, 7, SEEK_SET);
        must("read", read(fd, &c, 1) == 1);
        fcntl(fd, F_SETFL, O_APPEND);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        must("dup2", dup2(fd, 20) == 20);
        close(fd);
        _exit(c);
    }
    say("child read: %c\n", WEXITSTATUS(wait_for(pid)));
    say("parent's offset after the child's lseek and read: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    yes_no("O_APPEND set by the child is seen", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    yes_no("FD_CLOEXEC set by the child is not", fcntl(fd, F_GETFD) == 0);
    show_ret("the child's new descriptor 20 in the parent", fcntl(20, F_GETFD));
    must("read", read(fd, &c, 1) == 1);
    say("the parent reads on from there: %c\n", c);
    close(fd);
}

static void
write_records(int fd, char tag)
{
    char rec[RECORD_LEN];

    memset(rec, tag, sizeof(rec));
    rec[RECORD_LEN - 1] = '\n';
    for (int i = 0; i < RECORDS; i++)
        write_full(fd, rec, sizeof(rec));
}

// Two processes writing through one description at once never overwrite
// each other: the offset is one, moved by each write.
static void
fds_concurrent_writes(void)
{
    int fd = scratch_file(), whole = 1, count[2] = { 0, 0 };
    char buf[2 * RECORDS * RECORD_LEN + 1];
    pid_t pid = xfork();
    ssize_t n;

    if (pid == 0) {
        write_records(fd, 'c');
        _exit(0);
    }
    write_records(fd, 'p');
    wait_for(pid);
    n = pread(fd, buf, sizeof(buf), 0);
    for (ssize_t i = 0; i + RECORD_LEN <= n; i += RECORD_LEN) {
        whole &= buf[i + RECORD_LEN - 1] == '\n' && !memcmp(buf + i, buf + i + 1, RECORD_LEN - 2);
        count[buf[i] == 'c']++;
    }
    say("two writers, one description: %zd bytes, every record whole: %s, %d + %d records\n", n,
        whole ? "yes" : "no", count[0], count[1]);
    close(fd);
}

// Record locks belong to the process: the child sees the parent's and
// cannot take it.
static void
fds_locks(void)
{
    int fd = scratch_file();
    struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
    pid_t pid;

    write_full(fd, "0123456789", 10);
    must("F_SETLK", fcntl(fd, F_SETLK, &lk) == 0);
    pid = xfork();
    if (pid == 0) {
        struct flock probe = lk;
        must("F_GETLK", fcntl(fd, F_GETLK, &probe) == 0);
        yes_no("child: F_GETLK sees the parent's write lock",
               probe.l_type == F_WRLCK && probe.l_pid == getppid());
        show_ret("child: F_SETLK on the parent's range", fcntl(fd, F_SETLK, &lk));
        _exit(0);
    }
    wait_for(pid);
    close(fd);
}

static void
test_fds(void)
{
    fds_shared_offset();
    fds_concurrent_writes();
    fds_locks();
}

// ---------------------------------------------------------------- pipe

#define PIPE_BYTES (200 * 1024)  // more than a pipe holds: the writer waits

static unsigned
pattern(long i)
{
    return (unsigned char)(i * 7 + i / 251);
}

static void
send_pattern(int fd)
{
    unsigned char buf[4096];

    for (long done = 0; done < PIPE_BYTES; done += sizeof(buf)) {
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = pattern(done + i);
        write_full(fd, buf, sizeof(buf));
    }
}

// Read to end of file; return the byte count, or -1 if a byte was wrong.
static long
receive_pattern(int fd)
{
    unsigned char buf[3000];
    long total = 0, bad = 0;
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            bad += buf[i] != pattern(total + i);
        total += n;
    }
    return bad || n < 0 ? -1 : total;
}

static void
pipe_child_writes(void)
{
    int fds[2];
    pid_t pid;

    xpipe(fds);
    pid = xfork();
    if (pid == 0) {
        close(fds[0]);
        send_pattern(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    say("child to parent: %ld bytes, then end of file\n", receive_pattern(fds[0]));
    close(fds[0]);
    reap("writer", pid);
}

static void
pipe_parent_writes(void)
{
    int fds[2];
    pid_t pid;

    xpipe(fds);
    pid = xfork();
    if (pid == 0) {
        close(fds[1]);
        long n = receive_pattern(fds[0]);
        say("parent to child: %ld bytes, then end of file\n", n);
        _exit(n == PIPE_BYTES ? 0 : 1);
    }
    close(fds[0]);
    send_pattern(fds[1]);
    close(fds[1]);
    reap("reader", pid);
}

// End of file comes only when the last of two writers has gone.
static void
pipe_two_writers(void)
{
    int fds[2], go[2];
    pid_t first, second;
    char c;

    xpipe(fds);
    xpipe(go);
    first = xfork();
    if (first == 0) {
        write_full(fds[1], "a", 1);
        _exit(0);
    }
    second = xfork();
    if (second == 0) {
        await_fd(go[0]);  // keeps its write end open until told
        write_full(fds[1], "b", 1);
        _exit(0);
    }
    close(fds[1]);
    wait_for(first);
    must("read", read(fds[0], &c, 1) == 1);
    say("first writer gone, its byte: %c\n", c);
    signal_fd(go[1]);
    must("read", read(fds[0], &c, 1) == 1);
    say("second writer's byte: %c\n", c);
    wait_for(second);
    say("both gone, read returns: %zd\n", read(fds[0], &c, 1));
    close(fds[0]);
}

// Writing to a pipe nobody can read: SIGPIPE kills, EPIPE when ignored.
static void
pipe_no_reader(void)
{
    int fds[2];
    pid_t pid;

    xpipe(fds);
    close(fds[0]);
    pid = xfork();
    if (pid == 0) {
        write(fds[1], "x", 1);
        _exit(0);
    }
    reap("writer with no reader", pid);
    signal(SIGPIPE, SIG_IGN);
    show_ret("write with SIGPIPE ignored", write(fds[1], "x", 1));
    signal(SIGPIPE, SIG_DFL);
    close(fds[1]);
}

static void
test_pipe(void)
{
    pipe_child_writes();
    pipe_parent_writes();
    pipe_two_writers();
    pipe_no_reader();
}

// ---------------------------------------------------------------- shared

#define ADDS       100000
#define PING_PONGS 1000

struct shared_page {
    char text[64];
    long atomic_count;
    long locked_count;
    pthread_mutex_t lock;
    sem_t ping, pong;
};

static void
shared_adds(struct shared_page *p)
{
    for (int i = 0; i < ADDS; i++)
        __atomic_fetch_add(&p->atomic_count, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < ADDS / 10; i++) {
        pthread_mutex_lock(&p->lock);
        p->locked_count++;
        pthread_mutex_unlock(&p->lock);
    }
}

static void
sem_wait_all(sem_t *s)
{
    while (sem_wait(s) != 0)
        must("sem_wait", errno == EINTR);
}

static void
shared_child(struct shared_page *p, char *file_map)
{
    strcpy(p->text, "written by the child");
    strcpy(file_map, "child wrote the file");
    sem_post(&p->pong);
    sem_wait_all(&p->ping);
    say("child: reads the parent's answer: [%s]\n", p->text);
    for (int i = 0; i < PING_PONGS; i++) {
        sem_wait_all(&p->ping);
        sem_post(&p->pong);
    }
    shared_adds(p);
    _exit(0);
}

static struct shared_page *
map_shared_page(void)
{
    struct shared_page *p =
        mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t attr;

    must("mmap shared", p != MAP_FAILED);
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    must("pthread_mutex_init", pthread_mutex_init(&p->lock, &attr) == 0);
    must("sem_init", sem_init(&p->ping, 1, 0) == 0 && sem_init(&p->pong, 1, 0) == 0);
    return p;
}

static void
test_shared(void)
{
    struct shared_page *p = map_shared_page();
    int fd = scratch_file();
    char *file_map, buf[32] = "";
    pid_t pid;

    must("ftruncate", ftruncate(fd, PAGE) == 0);
    file_map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    must("mmap file", file_map != MAP_FAILED);
    pid = xfork();
    if (pid == 0)
        shared_child(p, file_map);
    sem_wait_all(&p->pong);
    say("parent: reads the child's text: [%s]\n", p->text);
    say("parent: its shared file mapping: [%s]\n", file_map);
    must("pread", pread(fd, buf, 20, 0) == 20);
    say("parent: the file itself: [%s]\n", buf);
    strcpy(p->text, "answered by the parent");
    sem_post(&p->ping);
    for (int i = 0; i < PING_PONGS; i++) {
        sem_post(&p->ping);
        sem_wait_all(&p->pong);
    }
    say("process-shared semaphore round trips: %d\n", PING_PONGS);
    shared_adds(p);
    reap("child", pid);
    say("atomic adds from both: %ld, adds under a process-shared mutex: %ld\n", p->atomic_count,
        p->locked_count);
    close(fd);
}

// ---------------------------------------------------------------- orphans

// A grandchild outlives its parent: it gets a new parent, is not killed,
// and still talks to its grandparent through a pipe it inherited.
static void
run_orphan(int subreaper)
{
    int to_grandchild[2], from_grandchild[2];
    char line[128] = "";
    pid_t top = getpid(), middle, grandchild_pid = 0;

    xpipe(to_grandchild);
    xpipe(from_grandchild);
    middle = xfork();
    if (middle == 0) {
        pid_t me = getpid();
        pid_t g = xfork();
        if (g == 0) {
            close(from_grandchild[0]);
            await_fd(to_grandchild[0]);  // its parent has been reaped by now
            pid_t ppid = getppid();
            snprintf(line, sizeof(line), "parent changed: %s, to the top process: %s\n",
                     ppid != me ? "yes" : "no", ppid == top ? "yes" : "no");
            write_full(from_grandchild[1], line, strlen(line));
            _exit(7);
        }
        write_full(from_grandchild[1], &g, sizeof(g));
        _exit(0);
    }
    close(from_grandchild[1]);
    must("read pid",
         read_full(from_grandchild[0], &grandchild_pid, sizeof(pid_t)) == sizeof(pid_t));
    reap("middle process", middle);
    signal_fd(to_grandchild[1]);
    must("read", read_full(from_grandchild[0], line, sizeof(line) - 1) > 0);
    say("orphan: %s", line);
    if (subreaper) {
        reap("orphan reaped by the subreaper", grandchild_pid);
        show_ret("wait with no children left", wait(NULL));
    } else {
        show_ret("waitpid for the orphan (not our child)", waitpid(grandchild_pid, NULL, 0));
    }
}

static void
test_orphan(void)
{
    run_orphan(0);
}

static void
test_subreaper(void)
{
    int on = -1;

    must("PR_SET_CHILD_SUBREAPER", prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    must("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &on) == 0);
    say("subreaper: %d\n", on);
    run_orphan(1);
}

// ---------------------------------------------------------------- threads

#define SLEEPERS 3

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static sem_t sleepers_ready, sleepers_go, forker_done;

static void *
sleeper(void *arg)
{
    (void)arg;
    sem_post(&sleepers_ready);
    sem_wait_all(&sleepers_go);
    return NULL;
}

static void *
holder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&held);
    sem_post(&sleepers_ready);
    sem_wait_all(&forker_done);
    pthread_mutex_unlock(&held);
    return NULL;
}

static void *
nothing(void *arg)
{
    return arg;
}

static int
count_tasks(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

// In the child of a fork from a thread, only that thread exists.
static void
threaded_child(void)
{
    pthread_t t;
    void *ret = NULL;

    yes_no("child: its one thread has the process's id", syscall(SYS_gettid) == getpid());
    say("child: threads in /proc/self/task: %d\n", count_tasks());
    say("child: trylock of a mutex another thread held at the fork: %s\n",
        errno_name(pthread_mutex_trylock(&held)));
    yes_no("child: can start and join a thread",
           pthread_create(&t, NULL, nothing, (void *)5) == 0 && pthread_join(t, &ret) == 0 &&
               ret == (void *)5);
    _exit(0);
}

static void *
forker(void *arg)
{
    pid_t pid = xfork();

    (void)arg;
    if (pid == 0)
        threaded_child();
    reap("child forked by a thread", pid);
    return NULL;
}

static void
test_threads(void)
{
    pthread_t threads[SLEEPERS + 2];

    sem_init(&sleepers_ready, 0, 0);
    sem_init(&sleepers_go, 0, 0);
    sem_init(&forker_done, 0, 0);
    for (int i = 0; i < SLEEPERS; i++)
        pthread_create(&threads[i], NULL, sleeper, NULL);
    pthread_create(&threads[SLEEPERS], NULL, holder, NULL);
    for (int i = 0; i <= SLEEPERS; i++)
        sem_wait_all(&sleepers_ready);
    say("parent: threads before the fork: %d\n", count_tasks());
    pthread_create(&threads[SLEEPERS + 1], NULL, forker, NULL);
    pthread_join(threads[SLEEPERS + 1], NULL);
    sem_post(&forker_done);
    for (int i = 0; i < SLEEPERS; i++)
        sem_post(&sleepers_go);
    for (int i = 0; i <= SLEEPERS; i++)
        pthread_join(threads[i], NULL);
    say("parent: threads after joining them: %d\n", count_tasks());
}

// ---------------------------------------------------------------- main

static const struct {
    const char *name;
    void (*run)(void);
} parts[] = {
    { "tree", test_tree },           { "cow", test_cow },         { "fds", test_fds },
    { "pipe", test_pipe },           { "shared", test_shared },   { "orphan", test_orphan },
    { "subreaper", test_subreaper }, { "threads", test_threads },
};

int
main(int argc, char **argv)
{
    watchdog(WATCHDOG_S);
    for (size_t i = 0; argc > 1 && i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (!strcmp(argv[1], parts[i].name)) {
            parts[i].run();
            return 0;
        }
    }
    fprintf(stderr, "usage: %s tree|cow|fds|pipe|shared|orphan|subreaper|threads\n", argv[0]);
    return 2;
}
