// Signal handlers run as on Linux. argv[1] picks the check:
//   basic     SIGUSR1 by raise, kill and tgkill: signo, si_code, si_pid, si_uid
//   plain     a handler without SA_SIGINFO gets the signal number
//   mask      sa_mask and the signal itself blocked inside, the old mask after
//   nodefer   SA_NODEFER nests the signal in its own handler; SA_RESETHAND
//   nested    a signal raised inside a handler runs before it returns
//   pending   blocked, raised, then unblocked: delivered by sigprocmask
//   segv      a NULL write to a handler that siglongjmps out
//   fpe       integer division by zero to a handler that siglongjmps out
//   altstack  SA_ONSTACK runs on the sigaltstack, SS_ONSTACK inside
//   regs      general, SSE and AVX registers survive a handler
//   global    a handler sets a flag the main code waits for
//   segv_blocked  a NULL write with SIGSEGV blocked: killed
//   badrip    the handler points the frame's rip at a non-canonical address: SIGSEGV
//   badstack  the stack pointer is garbage when the signal comes: SIGSEGV
//   badfp     the handler points the frame's fpstate at unmapped memory: SIGSEGV
//   norestorer  rt_sigaction without SA_RESTORER: the signal gives SIGSEGV
//   badhandler  a handler at a non-canonical address: SIGSEGV
#define _GNU_SOURCE
#pragma GCC diagnostic ignored                                                                     \
    "-Wunused-parameter"  // handlers take the three arguments they are given
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int got_sig, got_code, got_pid, got_uid, depth, max_depth, calls;
static volatile uintptr_t got_addr;
static sigjmp_buf jump;
static char log_buf[256];
static size_t log_len;

static void
note(const char *s)
{
    size_t n = strlen(s);

    if (log_len + n < sizeof(log_buf)) {
        memcpy(log_buf + log_len, s, n);
        log_len += n;
    }
}

static void
install(int sig, void (*fn)(int, siginfo_t *, void *), int flags, int masked)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (masked)
        sigaddset(&sa.sa_mask, masked);
    sigaction(sig, &sa, NULL);
}

static void
on_info(int sig, siginfo_t *si, void *uc)
{
    got_sig = sig;
    got_code = si->si_code;
    got_pid = si->si_pid;
    got_uid = si->si_uid;
    got_addr = (uintptr_t)si->si_addr;
    calls++;
}

static void
report(const char *how)
{
    printf("%s: signo %d si_code %d si_pid==getpid %d si_uid==getuid %d\n", how, got_sig, got_code,
           got_pid == getpid(), got_uid == (int)getuid());
}

static void
check_basic(void)
{
    install(SIGUSR1, on_info, 0, 0);
    raise(SIGUSR1);
    report("raise");
    kill(getpid(), SIGUSR1);
    report("kill");
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    report("tgkill");
    syscall(SYS_tkill, gettid(), SIGUSR1);
    report("tkill");
    printf("calls %d\n", calls);
}

static void
on_plain(int sig)
{
    got_sig = sig;
}

static void
check_plain(void)
{
    signal(SIGUSR2, on_plain);
    raise(SIGUSR2);
    printf("plain handler got %d\n", got_sig);
}

static volatile int in_usr1, in_usr2;

static void
on_mask(int sig, siginfo_t *si, void *ucv)
{
    sigset_t now;
    ucontext_t *uc = ucv;

    sigprocmask(SIG_BLOCK, NULL, &now);
    in_usr1 = sigismember(&now, SIGUSR1);
    in_usr2 = sigismember(&now, SIGUSR2);
    printf("in handler: SIGUSR1 blocked %d, SIGUSR2 blocked %d, SIGHUP blocked %d\n", in_usr1,
           in_usr2, sigismember(&now, SIGHUP));
    printf("uc_sigmask has SIGHUP %d, SIGUSR1 %d\n", sigismember(&uc->uc_sigmask, SIGHUP),
           sigismember(&uc->uc_sigmask, SIGUSR1));
}

static void
check_mask(void)
{
    sigset_t set, now;

    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    install(SIGUSR1, on_mask, 0, SIGUSR2);
    raise(SIGUSR1);
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("after: SIGUSR1 blocked %d, SIGUSR2 blocked %d, SIGHUP blocked %d\n",
           sigismember(&now, SIGUSR1), sigismember(&now, SIGUSR2), sigismember(&now, SIGHUP));
}

static void
on_nodefer(int sig, siginfo_t *si, void *uc)
{
    depth++;
    calls++;
    if (depth > max_depth)
        max_depth = depth;
    if (calls < 3)
        raise(sig);
    depth--;
}

static void
check_nodefer(void)
{
    struct sigaction cur;

    install(SIGUSR1, on_nodefer, SA_NODEFER, 0);
    raise(SIGUSR1);
    printf("SA_NODEFER: max depth %d, runs %d\n", max_depth, calls);
    max_depth = calls = 0;
    install(SIGUSR1, on_nodefer, 0, 0);
    raise(SIGUSR1);
    printf("deferred: max depth %d, runs %d\n", max_depth, calls);
    calls = 0;
    install(SIGUSR2, on_info, SA_RESETHAND, 0);
    raise(SIGUSR2);
    sigaction(SIGUSR2, NULL, &cur);
    printf("SA_RESETHAND: ran %d, now default %d\n", calls, cur.sa_handler == SIG_DFL);
}

static void
on_inner(int sig, siginfo_t *si, void *uc)
{
    note("usr2 ");
}

static void
on_outer(int sig, siginfo_t *si, void *uc)
{
    note("usr1-start ");
    raise(SIGUSR2);
    note("usr1-end ");
}

static void
check_nested(void)
{
    install(SIGUSR1, on_outer, 0, 0);
    install(SIGUSR2, on_inner, 0, 0);
    raise(SIGUSR1);
    printf("order: %.*s\n", (int)log_len, log_buf);
}

static void
check_pending(void)
{
    sigset_t set, pend;

    install(SIGUSR1, on_info, 0, 0);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("blocked: ran %d, pending %d\n", calls, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    sigpending(&pend);
    printf("unblocked: ran %d, pending %d\n", calls, sigismember(&pend, SIGUSR1));
}

static void
on_jump(int sig, siginfo_t *si, void *uc)
{
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    siglongjmp(jump, 1);
}

static void
check_segv(void)
{
    sigset_t now;

    install(SIGSEGV, on_jump, 0, 0);
    if (sigsetjmp(jump, 1) == 0) {
        *(volatile int *)0 = 1;
        printf("not reached\n");
    }
    printf("SIGSEGV: signo %d si_code %d si_addr %#lx\n", got_sig, got_code,
           (unsigned long)got_addr);
    if (sigsetjmp(jump, 1) == 0)
        *(volatile int *)16 = 1;
    printf("again: signo %d si_code %d si_addr %#lx\n", got_sig, got_code, (unsigned long)got_addr);
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("SIGSEGV blocked after siglongjmp %d\n", sigismember(&now, SIGSEGV));
}

static void
check_fpe(void)
{
    volatile int zero = 0, x = 7;

    install(SIGFPE, on_jump, 0, 0);
    if (sigsetjmp(jump, 1) == 0) {
        x = x / zero;
        printf("not reached\n");
    }
    printf("SIGFPE: signo %d si_code %d si_addr set %d\n", got_sig, got_code, got_addr != 0);
}

static char alt[65536];
static volatile uintptr_t handler_sp;
static volatile int handler_onstack;

static void
on_alt(int sig, siginfo_t *si, void *uc)
{
    stack_t cur;
    char here;

    handler_sp = (uintptr_t)&here;
    sigaltstack(NULL, &cur);
    handler_onstack = cur.ss_flags;
}

static void
check_altstack(void)
{
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) }, cur;
    char here;

    printf("sigaltstack %d\n", sigaltstack(&ss, NULL));
    install(SIGUSR1, on_alt, SA_ONSTACK, 0);
    raise(SIGUSR1);
    printf("handler on the alt stack %d, ss_flags inside %d\n",
           handler_sp >= (uintptr_t)alt && handler_sp < (uintptr_t)alt + sizeof(alt),
           handler_onstack);
    sigaltstack(NULL, &cur);
    printf("ss_flags after %d\n", cur.ss_flags);
    install(SIGUSR1, on_alt, 0, 0);
    raise(SIGUSR1);
    printf("without SA_ONSTACK: on the alt stack %d, near main's stack %d\n",
           handler_sp >= (uintptr_t)alt && handler_sp < (uintptr_t)alt + sizeof(alt),
           handler_sp < (uintptr_t)&here && (uintptr_t)&here - handler_sp < 65536);
}

static void
on_clobber(int sig, siginfo_t *si, void *uc)
{
    volatile double d = 1e300;

    d = d * d;   // inf: sets the precision/overflow flags in MXCSR
    __asm__ volatile("pxor %%xmm0, %%xmm0\n pcmpeqb %%xmm8, %%xmm8\n pcmpeqb %%xmm15, %%xmm15\n"
                     "mov $-1, %%r8\n mov $-1, %%r9\n mov $-1, %%r10\n mov $-1, %%r12\n" ::
                         : "xmm0", "xmm8", "xmm15", "r8", "r9", "r10", "r12");
    if (__builtin_cpu_supports("avx"))
        __asm__ volatile("vpcmpeqb %%ymm9, %%ymm9, %%ymm9" ::: "xmm9");
    got_sig = sig;
}

// Raise SIGUSR1 with registers set, then read them back.
static int
regs_survive(void)
{
    uint64_t r8, r9, r10, r12, x8[2], tid = gettid(), pid = getpid();
    uint64_t pat[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull }, x8out[2] = { 0 };

    __asm__ volatile(
        "movdqu (%[pat]), %%xmm8\n"
        "mov $0x1111, %%r8\n mov $0x2222, %%r9\n mov $0x3333, %%r10\n mov $0x4444, %%r12\n"
        "mov $234, %%eax\n mov %[pid], %%rdi\n mov %[tid], %%rsi\n mov $10, %%edx\n syscall\n"
        "movdqu %%xmm8, (%[out])\n mov %%r8, %[r8]\n mov %%r9, %[r9]\n mov %%r10, %[r10]\n"
        "mov %%r12, %[r12]\n"
        : [r8] "=m"(r8), [r9] "=m"(r9), [r10] "=m"(r10), [r12] "=m"(r12)
        : [pat] "r"(pat), [out] "r"(x8out), [pid] "m"(pid), [tid] "m"(tid)
        : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "r8", "r9", "r10", "r12", "xmm8", "memory");
    memcpy(x8, x8out, sizeof(x8));
    return r8 == 0x1111 && r9 == 0x2222 && r10 == 0x3333 && r12 == 0x4444 && x8[0] == pat[0] &&
           x8[1] == pat[1];
}

static int
avx_survives(void)
{
    uint64_t in[4] = { 1, 2, 3, 4 }, out[4] = { 0 };

    if (!__builtin_cpu_supports("avx"))
        return 1;
    __asm__ volatile("vmovdqu (%0), %%ymm9" ::"r"(in) : "xmm9");
    raise(SIGUSR1);
    __asm__ volatile("vmovdqu %%ymm9, (%0)" ::"r"(out) : "memory");
    return memcmp(in, out, sizeof(in)) == 0;
}

static void
check_regs(void)
{
    volatile double a = 1.0 / 3.0, b = 2.5;
    double before = a * b + a / b, after;
    unsigned int mxcsr;

    install(SIGUSR1, on_clobber, 0, 0);
    raise(SIGUSR1);
    after = a * b + a / b;
    printf("doubles equal %d\n", before == after);
    printf("registers survive %d\n", regs_survive());
    printf("AVX survives %d\n", avx_survives());
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    printf("MXCSR overflow flag after the handler %d\n", !!(mxcsr & 0x8));
}

static volatile sig_atomic_t flag;

static void
on_flag(int sig)
{
    flag = 1;
}

static void
check_global(void)
{
    long spins = 0;

    signal(SIGUSR1, on_flag);
    kill(getpid(), SIGUSR1);
    while (!flag)
        spins++;
    printf("flag set %d\n", flag);
}

static void
check_segv_blocked(void)
{
    sigset_t set;

    install(SIGSEGV, on_jump, 0, 0);
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigprocmask(SIG_BLOCK, &set, NULL);
    printf("writing to NULL with SIGSEGV blocked\n");
    fflush(stdout);
    *(volatile int *)0 = 1;
    printf("not reached\n");
}

static void
on_badrip(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;

    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0x8000000000000000ull;
}

static void
check_badrip(void)
{
    install(SIGUSR1, on_badrip, 0, 0);
    printf("returning to a non-canonical rip\n");
    fflush(stdout);
    raise(SIGUSR1);
    printf("not reached\n");
}

static void
check_badstack(void)
{
    pid_t pid = getpid(), tid = gettid();

    install(SIGUSR1, on_info, 0, 0);
    printf("signal with a garbage stack pointer\n");
    fflush(stdout);
    __asm__ volatile(
        "mov %%rsp, %%r12\n mov $0x1000, %%rsp\n mov $234, %%eax\n syscall\n mov %%r12, %%rsp\n" ::
            "D"((long)pid),
        "S"((long)tid), "d"(10L)
        : "rax", "rcx", "r11", "r12", "memory");
    printf("not reached\n");
}

static void
on_badfp(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;

    uc->uc_mcontext.fpregs = (void *)0x1000;
}

static void
check_badfp(void)
{
    install(SIGUSR1, on_badfp, 0, 0);
    printf("returning with an unmapped fpstate\n");
    fflush(stdout);
    raise(SIGUSR1);
    printf("not reached\n");
}

// The kernel's struct sigaction, set without a restorer.
static void
check_norestorer(void)
{
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long mask;
    } ksa = {
        .handler = (void *)on_info,
        .flags = SA_SIGINFO,
    };

    printf("rt_sigaction without SA_RESTORER: %ld\n",
           syscall(SYS_rt_sigaction, SIGUSR1, &ksa, NULL, 8));
    fflush(stdout);
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    printf("not reached\n");
}

static void
check_badhandler(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = (void (*)(int))0x8000000000000000ull;
    printf("sigaction with a non-canonical handler: %d\n", sigaction(SIGUSR1, &sa, NULL));
    fflush(stdout);
    raise(SIGUSR1);
    printf("not reached\n");
}

int
main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } checks[] = {
        { "basic", check_basic },
        { "plain", check_plain },
        { "mask", check_mask },
        { "nodefer", check_nodefer },
        { "nested", check_nested },
        { "pending", check_pending },
        { "segv", check_segv },
        { "fpe", check_fpe },
        { "altstack", check_altstack },
        { "regs", check_regs },
        { "global", check_global },
        { "segv_blocked", check_segv_blocked },
        { "badrip", check_badrip },
        { "badstack", check_badstack },
        { "badfp", check_badfp },
        { "norestorer", check_norestorer },
        { "badhandler", check_badhandler },
    };

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; argc > 1 && i < sizeof(checks) / sizeof(checks[0]); i++) {
        if (strcmp(argv[1], checks[i].name) == 0) {
            checks[i].fn();
            return 0;
        }
    }
    fprintf(stderr, "usage: sig_handlers CHECK\n");
    return 2;
}
