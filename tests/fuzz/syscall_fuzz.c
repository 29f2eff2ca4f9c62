// A seeded syscall fuzzer (in the spirit of trinity and syzkaller, written
// here): workers issue random calls from syscalls/table.tsv with random and
// boundary arguments, confined so that no call can end or wreck the run, and
// check that every result is a value or an errno Linux could return.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <ucontext.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum kind {
    K_NONE,
    K_INT,
    K_FD,
    K_PTR,
    K_PATH,
    K_NAME,
    K_SIGSET,
    K_LEN,
    K_FLAGS,
    K_PID,
    K_OFF,
    K_SIG,
    K_ADDR
};

struct fuzz_call {
    int nr;
    const char *name;
    int nargs;
    enum kind kinds[6];
};

#include "fuzz_table.h"

#define NCALLS        ((int)(sizeof(fuzz_calls) / sizeof(fuzz_calls[0])))
#define LOGFD         777              // the fuzzer's own stderr; no call may reach it
#define PAGE          4096UL
#define SCRATCH_SIZE  (128 * 1024UL)   // user buffers, between two unmapped guard pages
#define PTR_AREA      (96 * 1024UL)    // where pointer arguments point
#define SLOT_SIZE     (5 * 1024UL)     // string slots after PTR_AREA
#define PLAY_SIZE     (16 * 1024 * 1024UL) // the only place mm calls may touch
#define KERNEL_ADDR   0xffff800000000000UL
#define TASK_TOP      0x7ffffffff000UL
#define TICK_US       2000             // SIGALRM period: bounds every blocking call
#define REFRESH_EVERY 2000             // calls between rebuilding the descriptor pool
#define MAX_BAD_SHOWN 20
#define STUCK_SECONDS 15

struct progress {                      // one per worker, shared with the master
    volatile long index, nr, args[6], done;
};

static uint64_t rng;
static char *scratch, *play;
static unsigned long brk0, fs_base;
static int pool[40], npool, worker_id, verbose;
static long trace_from = -1;
static pid_t master_pid, self_pid;
static struct progress *progress;
static struct rlimit saved_limits[RLIM_NLIMITS];
static char dir[64];
static long calls_done, calls_ok, calls_bad, errno_count[134];
static long ok_by_nr[512], issued_by_nr[512];
static volatile long fault_storm;

// ---------------------------------------------------------------- output

static void
say(const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1)
        n = sizeof(buf) - 1;
    if (write(LOGFD, buf, n) < 0)
        return;
}

static void
say_call(const char *what, long index, int nr, const long *a, long ret)
{
    const char *name = "?";

    for (int i = 0; i < NCALLS; i++)
        if (fuzz_calls[i].nr == nr)
            name = fuzz_calls[i].name;
    say("worker %d: %s call #%ld %s(%d)(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %ld\n", worker_id,
        what, index, name, nr, a[0], a[1], a[2], a[3], a[4], a[5], ret);
}

// ---------------------------------------------------------------- randomness

static uint64_t
rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned long
below(unsigned long n)
{
    return n ? rnd() % n : 0;
}

// An address that is never a valid buffer of ours.
static unsigned long
bad_pointer(void)
{
    static const unsigned long fixed[] = {
        0,
        1,
        8,
        0x1000,
        KERNEL_ADDR,
        0xffffffff80100000UL,
        0xffffffffffffffffUL,
        0xfffffffffffff000UL,
        0x800000000000UL,
        0x7ffffffffff8UL,
        0x0000800000000008UL,
    };
    switch (below(5)) {
    case 0: return (unsigned long)scratch - 1;                        // guard page below
    case 1: return (unsigned long)scratch + SCRATCH_SIZE;              // guard page above
    case 2: return (unsigned long)play + below(PLAY_SIZE);             // PROT_NONE or unmapped
    case 3: return KERNEL_ADDR + below(1UL << 40);
    default: return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
    }
}

static unsigned long
random_len(void)
{
    static const unsigned long fixed[] = {
        0,
        1,
        2,
        4,
        7,
        8,
        16,
        64,
        128,
        255,
        256,
        4095,
        4096,
        4097,
        65536,
        SCRATCH_SIZE,
        0x7fffffff,
        0x80000000,
        0xffffffff,
        0x100000000UL,
        0x7fffffffffffffffUL,
        0xffffffffffffffffUL,
        0xfffffffffffff000UL,
        0x8000000000000000UL,
    };
    switch (below(4)) {
    case 0: return below(64);
    case 1: return below(8192);
    case 2: return rnd();
    default: return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
    }
}

static unsigned long
random_flags(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return 1UL << below(32);
    case 2: return 1UL << below(64);
    case 3: return rnd() & 0xffffffff;
    case 4: return below(32);
    case 5: return (1UL << below(32)) | (1UL << below(32)) | below(8);
    case 6: return below(2) ? 0xffffffffUL : ~0UL;
    default: return below(4096);
    }
}

static unsigned long
random_int(void)
{
    static const long fixed[] = { 0,
                                  1,
                                  -1,
                                  2,
                                  0x7fffffff,
                                  -0x80000000L,
                                  0x80000000L,
                                  0x100000000L,
                                  0x7fffffffffffffffL,
                                  -0x7fffffffffffffffL - 1 };
    switch (below(4)) {
    case 0: return below(16);
    case 1: return rnd();
    case 2: return rnd() & 0xffffffff;
    default: return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
    }
}

// A word to leave in user buffers: any pointer it makes is ours or bad.
static unsigned long
safe_word(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return below(256);
    case 2:
    case 3: return (unsigned long)scratch + (below(PTR_AREA) & ~7UL);
    case 4: return bad_pointer();
    case 5: return random_len();
    case 6: return random_flags();
    default: return rnd();
    }
}

static void
fill(char *p, unsigned long n)
{
    char *end = scratch + SCRATCH_SIZE;

    for (; n >= 8 && p + 8 <= end; p += 8, n -= 8) {
        unsigned long w = safe_word();
        memcpy(p, &w, 8);
    }
}

// ---------------------------------------------------------------- arguments

static unsigned long
random_pointer(void)
{
    unsigned long off;

    if (below(3) == 0)
        return bad_pointer();
    switch (below(4)) {
    case 0: off = below(PTR_AREA) & ~7UL; break;
    case 1: off = below(PTR_AREA); break;                       // unaligned
    case 2: off = SCRATCH_SIZE - 1 - below(64); break;          // runs into the guard
    default: off = below(64) * 64; break;
    }
    fill(scratch + (off & ~7UL), 1024);
    return (unsigned long)scratch + off;
}

static const char *
pick_path_text(char *buf)
{
    static const char *rel[] = { "f0",   "f1",   "d0",   "d0/f2", "l0", "none", "none/x",
                                 "f0/x", "d0/.", "fifo", "sock",  "d1", "" };
    unsigned long i = below(sizeof(rel) / sizeof(rel[0]) + 3);

    if (i < sizeof(rel) / sizeof(rel[0]))
        snprintf(buf, SLOT_SIZE, "%s%s%s", below(2) ? dir : "", below(2) && rel[i][0] ? "/" : "",
                 rel[i]);
    else if (i == sizeof(rel) / sizeof(rel[0]))
        memset(buf, 'a', SLOT_SIZE - 1);                             // longer than PATH_MAX
    else if (i == sizeof(rel) / sizeof(rel[0]) + 1)
        snprintf(buf, SLOT_SIZE, "%s/%0300d", dir, 0);               // name too long
    else
        strcpy(buf, dir);
    return buf;
}

static unsigned long
random_path(int slot, enum kind k)
{
    static const char *names[] = { "user.a", "trusted.b", "security.c", "system.posix_acl_access",
                                   "",       "user.",     "bogus.x" };
    char *buf = scratch + PTR_AREA + slot * SLOT_SIZE;

    if (below(6) == 0)
        return bad_pointer();
    buf[SLOT_SIZE - 1] = 0;
    if (k == K_NAME)
        strcpy(buf, names[below(sizeof(names) / sizeof(names[0]))]);
    else
        pick_path_text(buf);
    if (slot == 5 && below(8) == 0) {                                // unterminated at the end
        char *end = scratch + SCRATCH_SIZE - 16;
        memset(end, 'b', 16);
        return (unsigned long)end;
    }
    return (unsigned long)buf;
}

static int
random_fd(void)
{
    static const int fixed[] = { -1,      -100, 0,    1,    2,    0x7fffffff, -0x7fffffff - 1,
                                 1 << 20, 255,  1023, 1024, 65536 };
    int fd;

    if (npool && below(10) < 7)
        return pool[below(npool)];
    fd = below(2) ? (int)below(300) : fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
    return fd == LOGFD ? -1 : fd;
}

static long
random_pid(void)
{
    static const long fixed[] = { 0, -1, 1, 0x7fffffff, -0x7fffffffL - 1, 2, 100, 4194304 };

    switch (below(4)) {
    case 0: return self_pid;
    case 1: return below(2) ? master_pid : -(long)self_pid;
    case 2: return below(64);
    default: return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
    }
}

// An address for an address-range call: in the play area, or one that fails.
static unsigned long
random_addr(void)
{
    static const unsigned long fixed[] = { KERNEL_ADDR, 0xfffffffffffff000UL, 0x800000000000UL,
                                           TASK_TOP,    0xffffffff80000000UL, 0 };
    switch (below(6)) {
    case 0: return (unsigned long)play + below(PLAY_SIZE);                 // unaligned
    case 1: return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
    default: return (unsigned long)play + (below(PLAY_SIZE / PAGE) * PAGE);
    }
}

static unsigned long
random_arg(enum kind k, int slot)
{
    switch (k) {
    case K_FD: return (unsigned long)(long)random_fd();
    case K_PTR: return below(8) == 0 ? 0 : random_pointer();
    case K_PATH:
    case K_NAME: return random_path(slot, k);
    case K_SIGSET: return below(4) == 0 ? 0 : random_pointer();
    case K_LEN: return random_len();
    case K_FLAGS: return random_flags();
    case K_PID: return (unsigned long)random_pid();
    case K_OFF: return below(2) ? random_len() : random_int();
    case K_SIG: return below(4) ? below(66) : random_int();
    case K_ADDR: return random_addr();
    default: return random_int();
    }
}

// ---------------------------------------------------------------- confinement

static int
in_play(unsigned long a)
{
    return a >= (unsigned long)play && a < (unsigned long)play + PLAY_SIZE;
}

// An address range an mm call may act on: inside the play area, or one
// Linux refuses before touching anything (unaligned, above user space, or a
// length that wraps). Address 0 keeps a small length (nothing lives there).
static void
confine_range(long *addr, long *len)
{
    unsigned long a = *addr, l = *len, top = (unsigned long)play + PLAY_SIZE;

    if (in_play(a)) {
        if (l < (1UL << 62) && l > top - a)
            *len = below(top - a + 1);
        return;
    }
    if (a == 0 && l > 65536)
        *len = below(65536);
    else if (a && (a & (PAGE - 1)) == 0 && a < TASK_TOP)
        *addr = KERNEL_ADDR;
}

// Signals that would end or stop a worker: SIGKILL, SIGSTOP, and glibc's two
// internal ones (32, 33), whose default action terminates and whose handler
// glibc will not let us replace.
static int
fatal_signal(long sig)
{
    return sig == SIGKILL || sig == SIGSTOP || sig == 32 || sig == 33;
}

static void
confine_sigset(long *arg)
{
    unsigned long p = *arg;

    if (p >= (unsigned long)scratch && p - (unsigned long)scratch <= SCRATCH_SIZE - 8) {
        uint64_t set;
        memcpy(&set, (void *)p, 8);
        set &= ~(1ULL << (SIGALRM - 1));                  // the tick must get through
        memcpy((void *)p, &set, 8);
    }
}

// clone3's arguments, built so the child cannot share our memory or stack.
static void
build_clone_args(long *a)
{
    uint64_t *ca = (uint64_t *)(scratch + 1024);

    if (below(6) == 0) {
        a[0] = bad_pointer();
        return;
    }
    fill((char *)ca, 128);
    ca[0] = random_flags() & ~(uint64_t)(CLONE_VM | CLONE_VFORK | CLONE_THREAD | CLONE_SIGHAND);
    ca[4] = below(8) ? SIGCHLD : below(70);               // exit_signal
    if (fatal_signal(ca[4]))
        ca[4] = SIGCHLD;
    ca[5] = ca[6] = 0;                                    // stack, stack_size
    a[0] = (long)ca;
    if (below(3))
        a[1] = below(2) ? 64 : 88;
}

static void
build_sigevent(long *arg)
{
    int *ev = (int *)(scratch + 2048);

    if (!in_play(*arg) && *arg >= (long)scratch && *arg < (long)scratch + (long)SCRATCH_SIZE) {
        fill((char *)ev, 64);
        ev[2] = below(4) ? (int)below(65) : (int)random_int();   // sigev_signo
        if (fatal_signal(ev[2]))
            ev[2] = SIGUSR1;
        ev[3] = below(4) ? (int)below(5) : (int)random_int();    // sigev_notify
        *arg = (long)ev;
    }
}

static void
confine_futex(long *a)
{
    int cmd = a[1] & FUTEX_CMD_MASK;

    if (cmd == FUTEX_LOCK_PI || cmd == FUTEX_WAIT_REQUEUE_PI || cmd == 13) {  // 13: LOCK_PI2
        struct timespec *ts = (struct timespec *)(scratch + 3072);
        ts->tv_sec = 0;                                   // already past: cannot block
        ts->tv_nsec = below(1000000000);
        a[3] = (long)ts;
    }
}

// Address-range calls act only inside the play area (or fail before acting).
static void
confine_mm(int nr, long *a)
{
    switch (nr) {
    case SYS_mmap:
        if (a[3] & MAP_FIXED)
            confine_range(&a[0], &a[1]);
        if ((a[3] & (MAP_POPULATE | MAP_LOCKED)) && (unsigned long)a[1] < (1UL << 62))
            a[1] &= PLAY_SIZE - 1;
        break;
    case SYS_munmap:
    case SYS_mprotect:
    case SYS_madvise:
    case SYS_msync: confine_range(&a[0], &a[1]); break;
    case SYS_mremap:
        confine_range(&a[0], &a[1]);
        if ((unsigned long)a[2] < (1UL << 62))
            a[2] &= PLAY_SIZE - 1;
        if (a[3] & MREMAP_FIXED)
            confine_range(&a[4], &a[2]);
        break;
    case SYS_brk:
        if (below(2))
            a[0] = brk0 + below(64 << 20);
        else if ((unsigned long)a[0] >= 0x10000 && (unsigned long)a[0] < brk0)
            a[0] = 0;
        break;
    case SYS_shmat:
        if (a[1]) {                                       // the segment's size is unknown:
            a[1] = random_addr();                         // replace nothing in the play area
            confine_range(&a[1], &(long){ 0 });
            if (in_play(a[1]))
                a[2] &= ~SHM_REMAP;
        }
        break;
    }
}

// No signal may stop or kill a worker, and no child may share its memory.
static void
confine_signals(int nr, long *a)
{
    switch (nr) {
    case SYS_clone:
        a[0] &= ~(long)(CLONE_VM | CLONE_VFORK | CLONE_THREAD | CLONE_SIGHAND);
        if (fatal_signal(a[0] & 0xff))
            a[0] = (a[0] & ~0xffL) | SIGCHLD;
        a[1] = 0;                                         // the child keeps our stack (a copy)
        break;
    case SYS_clone3: build_clone_args(a); break;
    case SYS_kill:
    case SYS_tkill:
        if (fatal_signal(a[1]))
            a[1] = 0;
        break;
    case SYS_tgkill:
    case SYS_rt_tgsigqueueinfo:
        if (fatal_signal(a[2]))
            a[2] = 0;
        break;
    case SYS_rt_sigqueueinfo:
        if (fatal_signal(a[1]))
            a[1] = 0;
        break;
    case SYS_rt_sigsuspend: confine_sigset(&a[0]); break;
    case SYS_ppoll: confine_sigset(&a[3]); break;
    case SYS_epoll_pwait:
    case SYS_epoll_pwait2: confine_sigset(&a[4]); break;
    case SYS_pselect6:
        if (a[5] >= (long)scratch && a[5] < (long)scratch + (long)PTR_AREA) {
            long *ps = (long *)(scratch + 3200);
            ps[0] = below(2) ? (long)(scratch + 3300) : (long)bad_pointer();
            ps[1] = below(3) ? 8 : random_len();
            fill(scratch + 3300, 8);
            confine_sigset(&ps[0]);
            a[5] = (long)ps;
        }
        break;
    case SYS_timer_create: build_sigevent(&a[1]); break;
    }
}

// Make one call's arguments harmless to the fuzzer itself (not to the kernel).
static void
confine(int nr, long *a)
{
    confine_mm(nr, a);
    confine_signals(nr, a);
    switch (nr) {
    case SYS_fcntl:
        if (a[1] == F_SETSIG && fatal_signal(a[2]))
            a[2] = 0;
        break;
    case SYS_prctl:
        if (a[0] == 22 || a[0] == 35)
            a[0] = 16;
        break;   // SECCOMP, SET_MM
    case SYS_setrlimit:
        if (a[0] == RLIMIT_CPU)
            a[0] = RLIMIT_CORE;
        break;
    case SYS_prlimit64:
        if (a[1] == RLIMIT_CPU)
            a[1] = RLIMIT_CORE;
        break;
    case SYS_close_range:
        if ((unsigned)a[0] <= LOGFD && (unsigned)a[1] >= LOGFD)
            a[1] = LOGFD - 1;
        break;
    case SYS_futex: confine_futex(a); break;
    case SYS_rseq:
        if (below(2))
            a[0] = bad_pointer();
        break;
    }
}

// ---------------------------------------------------------------- issuing

static long
raw_syscall(long n, const long *a)
{
    register long r10 __asm__("r10") = a[3];
    register long r8 __asm__("r8") = a[4];
    register long r9 __asm__("r9") = a[5];
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

// fork, clone, clone3: the child leaves at once, before touching memory.
static long
raw_forklike(long n, const long *a)
{
    register long r10 __asm__("r10") = a[3];
    register long r8 __asm__("r8") = a[4];
    register long r9 __asm__("r9") = a[5];
    long ret;

    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov $231, %%eax\n\t"
                     "xor %%edi, %%edi\n\t"
                     "syscall\n"
                     "1:"
                     : "=a"(ret)
                     : "a"(n), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static void arm_tick(void);
static void install_handler(int sig);
static void restore_limits(void);

// Put back what a call may have taken from the fuzzer (handlers, mask, tick, TLS).
static void
repair(int nr, const long *a, long ret)
{
    sigset_t none;

    switch (nr) {
    case SYS_rt_sigaction:
        if (a[0] >= 1 && a[0] <= 64)
            install_handler(a[0]);
        break;
    case SYS_rt_sigprocmask:
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        break;
    case SYS_alarm:
    case SYS_setitimer: arm_tick(); break;
    case SYS_arch_prctl: syscall(SYS_arch_prctl, 0x1002, fs_base); break;   // ARCH_SET_FS
    case SYS_setrlimit:
    case SYS_prlimit64: restore_limits(); break;
    case SYS_fork:
    case SYS_clone:
    case SYS_clone3:
        if (ret > 0)
            while (waitpid(ret, NULL, __WALL) < 0 && errno == EINTR)
                ;
        break;
    case SYS_mmap:
        if ((unsigned long)ret < TASK_TOP && ret > 0 && !in_play(ret) && !(a[3] & MAP_FIXED))
            munmap((void *)ret, a[1]);
        break;
    case SYS_mremap:
        if ((unsigned long)ret < TASK_TOP && ret > 0 && !in_play(ret))
            munmap((void *)ret, a[2]);
        break;
    case SYS_shmat:
        if ((unsigned long)ret < TASK_TOP && ret > 0 && !in_play(ret))
            shmdt((void *)ret);
        break;
    }
}

static int
is_forklike(int nr)
{
    return nr == SYS_fork || nr == SYS_clone || nr == SYS_clone3;
}

// A value, or -errno with an errno Linux has (1..133); never a restart code.
static int
result_ok(long ret)
{
    return (unsigned long)ret < -4095UL || (-ret >= 1 && -ret <= 133);
}

static void
record(const struct fuzz_call *c, const long *a, long ret)
{
    calls_done++;
    issued_by_nr[c->nr & 511]++;
    if (!result_ok(ret)) {
        if (calls_bad++ < MAX_BAD_SHOWN)
            say_call("BAD RESULT", calls_done - 1, c->nr, a, ret);
        return;
    }
    if ((unsigned long)ret < -4095UL) {
        calls_ok++;
        ok_by_nr[c->nr & 511]++;
    } else {
        errno_count[-ret]++;
    }
}

static void
one_call(long index)
{
    const struct fuzz_call *c = &fuzz_calls[below(NCALLS)];
    long a[6] = { 0 }, ret;
    sigset_t all, old;

    for (int i = 0; i < 6; i++)
        a[i] = i < c->nargs ? (long)random_arg(c->kinds[i], i) : (long)random_int();
    confine(c->nr, a);
    progress->nr = c->nr;
    memcpy((void *)progress->args, a, sizeof(a));
    progress->index = index;
    if (index >= trace_from && trace_from >= 0)
        say_call("issuing", index, c->nr, a, 0);
    if (c->nr == SYS_rt_sigaction) {                        // no signal while a handler is off
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
    }
    ret = is_forklike(c->nr) ? raw_forklike(c->nr, a) : raw_syscall(c->nr, a);
    repair(c->nr, a, ret);
    if (c->nr == SYS_rt_sigaction)
        sigprocmask(SIG_SETMASK, &old, NULL);
    if (index >= trace_from && trace_from >= 0)
        say_call("returned", index, c->nr, a, ret);
    record(c, a, ret);
}

int main(int argc, char **argv);

// ---------------------------------------------------------------- signals

// Every catchable signal just returns (so blocking calls end with EINTR);
// a real fault in the fuzzer would return into itself forever: give up.
static void
on_signal(int sig, siginfo_t *si, void *uc)
{
    ucontext_t *u = uc;

    if ((sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) && si->si_code > 0 &&
        ++fault_storm > 10000) {
        say("worker %d: the fuzzer itself faults (signal %d code %d, address %p, rip main%+lld) "
            "after call #%ld\n",
            worker_id, sig, si->si_code, si->si_addr,
            (unsigned long long)(u->uc_mcontext.gregs[REG_RIP] - (long)main),
            progress ? progress->index : -1L);
        _exit(3);
    }
}

static void
install_handler(int sig)
{
    struct sigaction sa;

    if (fatal_signal(sig))
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;                              // no SA_RESTART: EINTR ends waits
    sigaction(sig, &sa, NULL);
}

static void
install_all_handlers(void)
{
    sigset_t none;

    for (int sig = 1; sig <= 64; sig++)
        install_handler(sig);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void
arm_tick(void)
{
    struct itimerval it = { { 0, TICK_US }, { 0, TICK_US } };

    setitimer(ITIMER_REAL, &it, NULL);
}

static void
restore_limits(void)
{
    for (int r = 0; r < RLIM_NLIMITS; r++)
        setrlimit(r, &saved_limits[r]);
}

// ---------------------------------------------------------------- the pool

static void
add_fd(int fd)
{
    if (fd >= 0 && npool < (int)(sizeof(pool) / sizeof(pool[0])))
        pool[npool++] = fd;
}

static void
make_files(void)
{
    static const char *files[] = { "f0", "f1", "d0/f2", "l0", "d1", "fifo", "sock", "none" };
    char path[128];

    mkdir(dir, 0777);
    snprintf(path, sizeof(path), "%s/d0", dir);
    mkdir(path, 0777);
    for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) { // bound what writes pile up
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        truncate(path, 0);
    }
    snprintf(path, sizeof(path), "%s/l0", dir);
    symlink("f0", path);
    if (chdir(dir) < 0)
        say("worker %d: chdir %s: %s\n", worker_id, dir, strerror(errno));
}

static void
make_sockets(void)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int sv[2], s;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) {
        add_fd(sv[0]);
        add_fd(sv[1]);
    }
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0) {
        add_fd(sv[0]);
        add_fd(sv[1]);
    }
    s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", dir);
    unlink(sun.sun_path);
    if (s >= 0 && bind(s, (struct sockaddr *)&sun, sizeof(sun)) == 0)
        listen(s, 4);
    add_fd(s);
    add_fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    add_fd(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
}

static void
make_special_fds(void)
{
    sigset_t usr1;
    int p[2];

    if (pipe2(p, O_NONBLOCK) == 0) {
        add_fd(p[0]);
        add_fd(p[1]);
    }
    add_fd(eventfd(1, EFD_NONBLOCK));
    add_fd(epoll_create1(0));
    add_fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    add_fd(signalfd(-1, &usr1, SFD_NONBLOCK));
    add_fd(inotify_init1(IN_NONBLOCK));
    add_fd(memfd_create("fuzz", 0));
    add_fd(open("/dev/null", O_RDWR));
    add_fd(open("/dev/zero", O_RDWR));
    add_fd(open("/dev/urandom", O_RDONLY));
    add_fd(open("/proc/self/maps", O_RDONLY));
}

// Close everything the calls made, unmap the play area, and start afresh.
static void
refresh_pool(void)
{
    syscall(SYS_close_range, 3, LOGFD - 1, 0);
    syscall(SYS_close_range, LOGFD + 1, ~0U, 0);
    npool = 0;
    munmap(play, PLAY_SIZE);
    if (mmap(play, PLAY_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != play)
        say("worker %d: cannot remap the play area\n", worker_id);
    restore_limits();
    make_files();
    add_fd(open("f0", O_RDWR | O_CREAT | O_NONBLOCK, 0666));
    add_fd(open("f1", O_RDONLY | O_CREAT | O_NONBLOCK, 0644));
    add_fd(open(dir, O_RDONLY | O_DIRECTORY));
    add_fd(open("d0", O_RDONLY | O_DIRECTORY));
    make_special_fds();
    make_sockets();
    fill(scratch, SCRATCH_SIZE);
    install_all_handlers();
    syscall(SYS_arch_prctl, 0x1002, fs_base);
    arm_tick();
}

// ---------------------------------------------------------------- worker

static void
worker_setup(int id, uint64_t seed)
{
    worker_id = id;
    rng = seed;
    self_pid = getpid();
    snprintf(dir, sizeof(dir), "/tmp/fuzz.%d", id);
    scratch = mmap(NULL, SCRATCH_SIZE + 2 * PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    play = mmap(NULL, PLAY_SIZE + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (scratch == MAP_FAILED || play == MAP_FAILED) {
        say("worker %d: cannot map its buffers\n", id);
        _exit(2);
    }
    munmap(scratch, PAGE); // guard pages: unmapped
    munmap(scratch + PAGE + SCRATCH_SIZE, PAGE);
    scratch += PAGE;
    munmap(play, PAGE);
    munmap(play + PAGE + PLAY_SIZE, PAGE);
    play += PAGE;
    brk0 = syscall(SYS_brk, 0);
    syscall(SYS_arch_prctl, 0x1003, &fs_base); // ARCH_GET_FS
    for (int r = 0; r < RLIM_NLIMITS; r++)
        getrlimit(r, &saved_limits[r]);
}

static int
worker_report(long count)
{
    int distinct = 0, succeeded = 0;

    for (int i = 0; i < 512; i++) {
        distinct += issued_by_nr[i] > 0;
        succeeded += ok_by_nr[i] > 0;
    }
    say("worker %d: %ld calls, %ld values, %ld errors, %ld bad results; %d syscalls issued, "
        "%d returned a value at least once\n",
        worker_id, calls_done, calls_ok, calls_done - calls_ok - calls_bad, calls_bad, distinct,
        succeeded);
    if (verbose)
        for (int i = 0; i < NCALLS; i++)
            say("  %-24s issued %6ld, values %6ld\n", fuzz_calls[i].name,
                issued_by_nr[fuzz_calls[i].nr], ok_by_nr[fuzz_calls[i].nr]);
    return calls_bad ? 1 : (calls_done == count ? 0 : 2);
}

static void
worker_run(int id, uint64_t seed, long count)
{
    worker_setup(id, seed);
    for (long i = 0; i < count; i++) {
        if (i % REFRESH_EVERY == 0)
            refresh_pool();
        fault_storm = 0;
        one_call(i);
        if ((i + 1) % 25000 == 0)
            say("worker %d: %ld calls\n", id, i + 1);
    }
    progress->done = 1;
    syscall(SYS_setitimer, ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
    _exit(worker_report(count));
}

// ---------------------------------------------------------------- master

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
report_end(int id, int status)
{
    struct progress *p = &progress[id];

    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status))
        say("worker %d: killed by signal %d", id, WTERMSIG(status));
    else
        say("worker %d: exit status %d", id, WEXITSTATUS(status));
    worker_id = id;
    say_call(", last", p->index, p->nr, (const long *)p->args, 0);
    return WIFSIGNALED(status) ? 4 : WEXITSTATUS(status);
}

// A worker whose call has not moved for STUCK_SECONDS is hung: say which call.
static int
check_stuck(int id, pid_t pid, long *last_index, double *since)
{
    struct progress *p = &progress[id];

    if (p->index != *last_index || p->done) {
        *last_index = p->index;
        *since = now();
        return 0;
    }
    if (now() - *since < STUCK_SECONDS)
        return 0;
    worker_id = id;
    say_call("HANG in", p->index, p->nr, (const long *)p->args, 0);
    kill(pid, SIGKILL);
    *since = now() + 1e9;
    return 5;
}

static int
master_wait(int nworkers, pid_t *pids)
{
    long last[64];
    double since[64];
    int alive = nworkers, worst = 0, status;

    for (int i = 0; i < nworkers; i++) {
        last[i] = -1;
        since[i] = now();
    }
    while (alive > 0) {
        pid_t pid = waitpid(-1, &status, __WALL | WNOHANG);
        for (int i = 0; pid > 0 && i < nworkers; i++)
            if (pids[i] == pid) {
                int r = report_end(i, status);
                worst = r > worst ? r : worst;
                pids[i] = 0;
                alive--;
            }
        if (pid > 0)
            continue;
        usleep(100000);
        for (int i = 0; i < nworkers; i++)
            if (pids[i] && check_stuck(i, pids[i], &last[i], &since[i]) > worst)
                worst = 5;
    }
    return worst;
}

static void
usage(void)
{
    say("usage: syscall_fuzz [-s SEED] [-n CALLS] [-j WORKERS] [-t TRACE_FROM] [-v]\n");
    _exit(2);
}

int
main(int argc, char **argv)
{
    uint64_t seed = 1;
    long count = 100000;
    int nworkers = 1, opt;
    pid_t pids[64];

    dup2(2, LOGFD);
    while ((opt = getopt(argc, argv, "s:n:j:t:v")) != -1) {
        switch (opt) {
        case 's': seed = strtoull(optarg, NULL, 0); break;
        case 'n': count = strtol(optarg, NULL, 0); break;
        case 'j': nworkers = atoi(optarg); break;
        case 't': trace_from = strtol(optarg, NULL, 0); break;
        case 'v': verbose = 1; break;
        default: usage();
        }
    }
    if (nworkers < 1 || nworkers > 64 || count < 0)
        usage();
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    master_pid = getpid();
    progress = mmap(NULL, nworkers * sizeof(*progress), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    say("syscall_fuzz: seed %llu, %ld calls in %d workers, %d syscalls in the table\n",
        (unsigned long long)seed, count, nworkers, NCALLS);
    install_all_handlers();
    for (int i = 0; i < nworkers; i++) {
        long share = count / nworkers + (i < count % nworkers);
        pids[i] = fork();
        if (pids[i] == 0) {
            progress = &progress[i];
            worker_run(i, seed * 1000 + i, share);
        }
    }
    int worst = master_wait(nworkers, pids);
    say("syscall_fuzz: seed %llu done, status %d\n", (unsigned long long)seed, worst);
    return worst;
}
