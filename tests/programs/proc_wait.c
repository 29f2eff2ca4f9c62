// wait4 and waitid: the status of a child that exits with each kind of
// code or dies of each signal (sent, raised, or from a fault), as
// WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG/WCOREDUMP read it (core dumps
// are off: RLIMIT_CORE 0, as pkgload's guest has it); which child a wait
// for any child, a group or a pid returns; waitid's siginfo with P_PID,
// P_PGID, P_ALL, WNOHANG and WNOWAIT; SIGCHLD handlers and their si_code;
// children reaped by the kernel under SA_NOCLDWAIT and SIG_IGN; stopped and
// continued children. argv[1] picks the part.
#include "proc_check.h"

#include <pthread.h>
#include <sys/resource.h>

// ---------------------------------------------------------------- status

// A child that waits on a pipe and then exits with CODE (given to exit).
static pid_t
child_exiting(int code, int gate)
{
    pid_t pid = xfork();

    if (pid == 0) {
        if (gate >= 0)
            await_fd(gate);
        exit(code);
    }
    return pid;
}

static void
status_exit_codes(void)
{
    static const int codes[] = { 0, 1, 2, 42, 127, 128, 255, 256, 257, -1 };

    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char what[32];
        snprintf(what, sizeof(what), "exit(%d)", codes[i]);
        reap(what, child_exiting(codes[i], -1));
    }
}

static void *
exit_from_thread(void *arg)
{
    (void)arg;
    exit(6);
}

static void
status_exit_from_thread(void)
{
    pid_t pid = xfork();

    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exit_from_thread, NULL);
        for (;;)
            pause();
    }
    reap("exit(6) from a second thread", pid);
}

// Send SIG to a child sitting in pause(); one whose default is to ignore
// it is then sent SIGTERM, so the status shows it lived on.
static void
status_sent(int sig)
{
    char what[64];
    pid_t pid = xfork();

    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, sig);
    if (sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT)
        kill(pid, SIGTERM);
    snprintf(what, sizeof(what), "sent %s", sig_name(sig));
    reap(what, pid);
}

static void
status_signals(void)
{
    static const int realtime[] = { 35, 50, 64 };  // glibc and musl keep 32-34 for themselves

    for (int sig = 1; sig < 32; sig++) {
        if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
            continue;  // they stop: the stop part
        status_sent(sig);
    }
    for (size_t i = 0; i < sizeof(realtime) / sizeof(realtime[0]); i++)
        status_sent(realtime[i]);
}

static void
fault(int kind)
{
    switch (kind) {
    case 0: *(volatile int *)0 = 1; break;
    case 1: __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" ::: "eax", "ecx", "edx"); break;
    case 2: __asm__ volatile("ud2"); break;
    case 3: __asm__ volatile("int3"); break;
    case 4: abort();
    case 5: {
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);  // a blocked fault signal still kills
        *(volatile int *)0 = 1;
    }
    }
    _exit(0);
}

static void
status_faults(void)
{
    static const char *const what[] = {
        "null pointer write",
        "division by zero",
        "ud2",
        "int3",
        "abort()",
        "null pointer write with every signal blocked",
    };

    for (int kind = 0; kind < 6; kind++) {
        pid_t pid = xfork();
        if (pid == 0)
            fault(kind);
        reap(what[kind], pid);
    }
}

static void
test_status(void)
{
    status_exit_codes();
    status_exit_from_thread();
    status_signals();
    status_faults();
}

// ---------------------------------------------------------------- which child

#define KIDS 3

// Three children, each exiting with its index + 10 when its gate opens.
static void
start_kids(pid_t kids[KIDS], int gates[KIDS][2])
{
    for (int i = 0; i < KIDS; i++) {
        xpipe(gates[i]);
        kids[i] = child_exiting(10 + i, gates[i][0]);
    }
}

static int
kid_index(pid_t kids[KIDS], pid_t pid)
{
    for (int i = 0; i < KIDS; i++)
        if (kids[i] == pid)
            return i;
    return -1;
}

static void
test_which(void)
{
    pid_t kids[KIDS], got;
    int gates[KIDS][2], status;
    struct rusage ru;

    start_kids(kids, gates);
    say("waitpid(-1, WNOHANG) while all run: %ld\n", (long)waitpid(-1, &status, WNOHANG));
    signal_fd(gates[1][1]);
    got = waitpid(-1, &status, 0);
    say("waitpid(-1): child %d, %s\n", kid_index(kids, got), status_text(status));
    signal_fd(gates[2][1]);
    got = wait4(kids[2], &status, 0, &ru);
    say("wait4(pid) with rusage: child %d, %s, times not negative: %s\n", kid_index(kids, got),
        status_text(status), ru.ru_utime.tv_sec >= 0 && ru.ru_stime.tv_sec >= 0 ? "yes" : "no");
    signal_fd(gates[0][1]);
    got = wait(&status);
    say("wait(): child %d, %s\n", kid_index(kids, got), status_text(status));
    show_ret("wait() with no children", wait(&status));
    show_ret("waitpid of our parent", waitpid(getppid(), &status, 0));
    show_ret("waitpid with an unknown option bit", waitpid(-1, &status, 0x10000000));
    show_ret("wait4 with a bad status pointer", wait4(-1, (int *)1, WNOHANG, NULL));
    pid_t pid = child_exiting(3, -1);
    show_ret("wait4 with a bad status pointer, a child exited", wait4(pid, (int *)1, 0, NULL));
    show_ret("  then waitpid for it", waitpid(pid, NULL, 0));
}

// ---------------------------------------------------------------- waitid

static void
show_info(const char *what, const siginfo_t *si, pid_t expect)
{
    const char *code = si->si_code == CLD_EXITED      ? "CLD_EXITED"
                       : si->si_code == CLD_KILLED    ? "CLD_KILLED"
                       : si->si_code == CLD_DUMPED    ? "CLD_DUMPED"
                       : si->si_code == CLD_STOPPED   ? "CLD_STOPPED"
                       : si->si_code == CLD_CONTINUED ? "CLD_CONTINUED"
                                                      : "other";
    say("%s: si_signo %s, %s, si_pid the child's: %s, si_uid ours: %s\n", what,
        sig_name(si->si_signo), code, si->si_pid == expect ? "yes" : "no",
        si->si_uid == getuid() ? "yes" : "no");
    if (si->si_code == CLD_EXITED)
        say("  exit status %d\n", si->si_status);
    else
        say("  signal %s\n", sig_name(si->si_status));
}

static void
waitid_pid(void)
{
    siginfo_t si;
    int gate[2];
    pid_t pid;

    xpipe(gate);
    pid = child_exiting(7, gate[0]);
    memset(&si, 0xff, sizeof(si));
    show_ret("waitid(P_PID, WEXITED|WNOHANG) while it runs",
             waitid(P_PID, pid, &si, WEXITED | WNOHANG));
    yes_no("  si_pid zeroed", si.si_pid == 0);
    signal_fd(gate[1]);
    show_ret("waitid(P_PID, WEXITED|WNOWAIT)", waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
    show_info("  left waitable", &si, pid);
    show_ret("waitid(P_PID, WEXITED) again", waitid(P_PID, pid, &si, WEXITED));
    show_info("  reaped", &si, pid);
    show_ret("waitid(P_PID) once more", waitid(P_PID, pid, &si, WEXITED));
    pid = xfork();
    if (pid == 0)
        for (;;)
            pause();
    kill(pid, SIGTERM);
    show_ret("waitid(P_PID) of a killed child", waitid(P_PID, pid, &si, WEXITED));
    show_info("  killed", &si, pid);
    pid = child_exiting(8, -1);
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    say("waitpid after a WNOWAIT waitid: %s\n", status_text(wait_for(pid)));
}

// Two children in a group of their own, one outside it.
static void
waitid_groups(void)
{
    int gates[3][2];
    pid_t kids[3], group;
    siginfo_t si;

    for (int i = 0; i < 3; i++) {
        xpipe(gates[i]);
        kids[i] = child_exiting(20 + i, gates[i][0]);
    }
    group = kids[0];
    must("setpgid", setpgid(kids[0], group) == 0 && setpgid(kids[1], group) == 0);
    signal_fd(gates[2][1]);  // outside the group: P_PGID must not return it
    signal_fd(gates[1][1]);
    show_ret("waitid(P_PGID)", waitid(P_PGID, group, &si, WEXITED));
    show_info("  from the group", &si, kids[1]);
    signal_fd(gates[0][1]);
    show_ret("waitid(P_PGID) again", waitid(P_PGID, group, &si, WEXITED));
    show_info("  the leader", &si, kids[0]);
    show_ret("waitid(P_PGID), group empty now", waitid(P_PGID, group, &si, WEXITED));
    show_ret("waitid(P_ALL)", waitid(P_ALL, 0, &si, WEXITED));
    show_info("  the one outside", &si, kids[2]);
    show_ret("waitid(P_ALL) with no children", waitid(P_ALL, 0, &si, WEXITED));
}

static void
waitid_errors(void)
{
    siginfo_t si;

    show_ret("waitid with an unknown idtype", waitid((idtype_t)42, 0, &si, WEXITED));
    show_ret("waitid without WEXITED, WSTOPPED or WCONTINUED", waitid(P_ALL, 0, &si, WNOHANG));
    show_ret("waitid with an unknown option bit", waitid(P_ALL, 0, &si, WEXITED | 0x10000000));
    show_ret("waitid(P_PID, 0)", waitid(P_PID, 0, &si, WEXITED));
}

static void
test_waitid(void)
{
    waitid_pid();
    waitid_groups();
    waitid_errors();
}

// ---------------------------------------------------------------- SIGCHLD

static volatile sig_atomic_t chld_count, chld_code, chld_status;
static volatile pid_t chld_pid;

static void
on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    chld_count++;
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid = si->si_pid;
}

static void
install_chld(int flags)
{
    struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO | flags };

    sigemptyset(&sa.sa_mask);
    must("sigaction", sigaction(SIGCHLD, &sa, NULL) == 0);
}

// Wait in sigsuspend for the handler to have run once more.
static void
await_chld(int before)
{
    sigset_t none;

    sigemptyset(&none);
    while (chld_count == before)
        sigsuspend(&none);
}

static void
report_chld(const char *what, pid_t pid)
{
    const char *code = chld_code == CLD_EXITED   ? "CLD_EXITED"
                       : chld_code == CLD_KILLED ? "CLD_KILLED"
                       : chld_code == CLD_DUMPED ? "CLD_DUMPED"
                                                 : "other";

    say("%s: handler ran, %s, si_status %d, si_pid the child's: %s\n", what, code, chld_status,
        chld_pid == pid ? "yes" : "no");
}

static void
test_sigchld(void)
{
    sigset_t block;
    pid_t pid;
    int before;

    install_chld(0);
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, NULL);
    before = chld_count;
    pid = child_exiting(7, -1);
    await_chld(before);
    report_chld("exit(7)", pid);
    reap("  then waitpid", pid);
    before = chld_count;
    pid = xfork();
    if (pid == 0)
        for (;;)
            pause();
    kill(pid, SIGTERM);
    await_chld(before);
    report_chld("killed by SIGTERM", pid);
    reap("  then waitpid", pid);
    before = chld_count;
    pid = xfork();
    if (pid == 0)
        fault(0);
    await_chld(before);
    report_chld("SIGSEGV", pid);
    reap("  then waitpid", pid);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    signal(SIGCHLD, SIG_DFL);
}

// ---------------------------------------------------------------- no zombies

static void
test_noreap(void)
{
    pid_t pid;

    signal(SIGCHLD, SIG_IGN);
    pid = child_exiting(1, -1);
    show_ret("SIGCHLD ignored: wait() once the child is gone", wait(NULL));
    show_ret("  kill(child, 0)", kill(pid, 0));
    show_ret("  waitpid(child)", waitpid(pid, NULL, 0));
    install_chld(SA_NOCLDWAIT);
    chld_count = 0;
    pid = child_exiting(2, -1);
    show_ret("SA_NOCLDWAIT with a handler: wait()", wait(NULL));
    say("  the handler ran %d time(s), si_status %d\n", (int)chld_count, (int)chld_status);
    show_ret("  kill(child, 0)", kill(pid, 0));
    signal(SIGCHLD, SIG_DFL);
    pid = child_exiting(3, -1);
    reap("SIGCHLD back to default: a zombie again", pid);
    pid = child_exiting(4, -1);
    int gate[2];
    xpipe(gate);
    pid_t slow = child_exiting(5, gate[0]);
    siginfo_t si;
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);  // a zombie now
    signal(SIGCHLD, SIG_IGN);
    reap("a zombie from before SIGCHLD was ignored", pid);
    signal_fd(gate[1]);
    show_ret("  a child that exits while it is ignored: waitpid", waitpid(slow, NULL, 0));
    signal(SIGCHLD, SIG_DFL);
}

// ---------------------------------------------------------------- stop

#define CHANGE_WAIT_MS 10000

// waitpid(PID, OPTIONS) for a change that should come at once; a kernel
// that never stops a process would block for ever, so poll with WNOHANG
// and give up after CHANGE_WAIT_MS, ending the program.
static int
wait_change(pid_t pid, int options)
{
    struct timespec tick = { 0, 10 * 1000 * 1000 };
    int status;

    for (int ms = 0; ms < CHANGE_WAIT_MS; ms += 10) {
        pid_t got = waitpid(pid, &status, options | WNOHANG);
        must("waitpid", got >= 0);
        if (got == pid)
            return status;
        nanosleep(&tick, NULL);
    }
    say("no change of state within %d ms\n", CHANGE_WAIT_MS);
    kill(pid, SIGKILL);
    exit(1);
}

// The same with waitid(P_PID, PID, OPTIONS).
static void
waitid_change(const char *what, pid_t pid, int options)
{
    struct timespec tick = { 0, 10 * 1000 * 1000 };
    siginfo_t si;

    for (int ms = 0; ms < CHANGE_WAIT_MS; ms += 10) {
        si.si_pid = 0;
        must("waitid", waitid(P_PID, pid, &si, options | WNOHANG) == 0);
        if (si.si_pid == pid) {
            show_info(what, &si, pid);
            return;
        }
        nanosleep(&tick, NULL);
    }
    say("no change of state within %d ms\n", CHANGE_WAIT_MS);
    kill(pid, SIGKILL);
    exit(1);
}

static void
test_stop(void)
{
    int status;
    pid_t pid = xfork();

    // A group of its own, linked to the session by us: never an orphaned
    // group, whose members SIGTSTP would not stop (natively that depends on
    // how the test runner was started; under pkgload our group is one).
    if (pid == 0) {
        setpgid(0, 0);
        for (;;)
            pause();
    }
    setpgid(pid, pid);
    kill(pid, SIGSTOP);
    say("SIGSTOP, waitpid(WUNTRACED): %s\n", status_text(wait_change(pid, WUNTRACED)));
    show_ret("waitpid(WUNTRACED|WNOHANG) again", waitpid(pid, &status, WUNTRACED | WNOHANG));
    kill(pid, SIGCONT);
    say("SIGCONT, waitpid(WCONTINUED): %s\n", status_text(wait_change(pid, WCONTINUED)));
    kill(pid, SIGTSTP);
    waitid_change("SIGTSTP, waitid(WSTOPPED)", pid, WSTOPPED);
    kill(pid, SIGCONT);
    waitid_change("SIGCONT, waitid(WCONTINUED)", pid, WCONTINUED);
    kill(pid, SIGSTOP);
    wait_change(pid, WUNTRACED);
    kill(pid, SIGTERM);  // pends while it is stopped
    show_ret("SIGTERM to a stopped child, waitpid(WNOHANG)", waitpid(pid, &status, WNOHANG));
    kill(pid, SIGKILL);
    reap("then SIGKILL", pid);
}

static const struct {
    const char *name;
    void (*run)(void);
} parts[] = {
    { "status", test_status },   { "which", test_which },   { "waitid", test_waitid },
    { "sigchld", test_sigchld }, { "noreap", test_noreap }, { "stop", test_stop },
};

int
main(int argc, char **argv)
{
    struct rlimit no_core = { 0, 0 };

    watchdog(WATCHDOG_S);
    setrlimit(RLIMIT_CORE, &no_core);  // as pkgload's guest has it
    for (size_t i = 0; argc > 1 && i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (!strcmp(argv[1], parts[i].name)) {
            parts[i].run();
            return 0;
        }
    }
    fprintf(stderr, "usage: %s status|which|waitid|sigchld|noreap|stop\n", argv[0]);
    return 2;
}
