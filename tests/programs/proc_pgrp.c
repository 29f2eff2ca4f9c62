// Process groups and sessions: setpgid (by the child and by its parent,
// joining a group, and its errors: ESRCH, EPERM across sessions, EACCES
// after the child's exec), getpgid, setsid and getsid; then signals to a
// group: kill(-pgid) from outside it, kill(0) from inside it, killpg,
// and kill(pid, 0) of a live child, a zombie and a reaped one. The program
// never signals its own group (natively that is the test runner's):
// kill(0) is sent only from a child that checked it leads a group of
// its own.
#include "proc_check.h"
#include <stdbool.h>
#include <sys/prctl.h>

// ---------------------------------------------------------------- groups

// A child that waits for a byte on GATE and then exits 0.
static pid_t
waiting_child(int gate)
{
    pid_t pid = xfork();

    if (pid == 0) {
        await_fd(gate);
        _exit(0);
    }
    return pid;
}

static void
groups_inherited(void)
{
    int report[2];
    pid_t pid;

    xpipe(report);
    pid = xfork();
    if (pid == 0) {
        char ok[2] = { getpgid(0) == getpgid(getppid()), getsid(0) == getsid(getppid()) };
        write_full(report[1], ok, 2);
        _exit(0);
    }
    char ok[2];
    must("read", read_full(report[0], ok, 2) == 2);
    yes_no("a child starts in its parent's group", ok[0]);
    yes_no("and in its parent's session", ok[1]);
    wait_for(pid);
    close(report[0]);
    close(report[1]);
}

static void
groups_setpgid(void)
{
    int gate[2];
    pid_t a, b;

    xpipe(gate);
    a = waiting_child(gate[0]);
    b = waiting_child(gate[0]);
    show_ret("setpgid(child, child)", setpgid(a, a));
    yes_no("  getpgid(child) is the child", getpgid(a) == a);
    yes_no("  getsid(child) is ours", getsid(a) == getsid(0));
    show_ret("setpgid(second child, first child's group)", setpgid(b, a));
    yes_no("  getpgid(second child) is the first", getpgid(b) == a);
    show_ret("setpgid(second child, its own pid)", setpgid(b, 0));
    yes_no("  a group of its own now", getpgid(b) == b);
    show_ret("setpgid(child, a group that does not exist)", setpgid(a, 0x3ffffff0));
    show_ret("setpgid(child, -1)", setpgid(a, -1));
    show_ret("setpgid(our parent, ...)", setpgid(getppid(), getppid()));
    show_ret("setpgid(a pid that does not exist, ...)", setpgid(0x3ffffff0, 0));
    show_ret("getpgid(a pid that does not exist)", getpgid(0x3ffffff0));
    show_ret("getsid(a pid that does not exist)", getsid(0x3ffffff0));
    write_full(gate[1], "xx", 2);
    reap("first child", a);
    reap("second child", b);
    close(gate[0]);
    close(gate[1]);
}

// A child that makes a session of its own, and what it then may not do.
static void
groups_setsid(void)
{
    int report[2], gate[2];
    pid_t pid;

    xpipe(report);
    xpipe(gate);
    pid = xfork();
    if (pid == 0) {
        char r[6];
        pid_t me = getpid(), ppgid = getpgid(getppid());
        r[0] = setsid() == me;
        r[1] = getsid(0) == me;
        r[2] = getpgid(0) == me;
        r[3] = setsid() < 0 ? errno : 0;
        r[4] = setpgid(0, ppgid) < 0 ? errno : 0;
        r[5] = getsid(getppid()) != me;
        write_full(report[1], r, sizeof(r));
        await_fd(gate[0]);
        _exit(0);
    }
    char r[6];
    must("read", read_full(report[0], r, sizeof(r)) == sizeof(r));
    yes_no("setsid() in a child returns its pid", r[0]);
    yes_no("  getsid(0) is the child", r[1]);
    yes_no("  it leads a new group too", r[2]);
    say("  setsid() again: %s\n", errno_name(r[3]));
    say("  setpgid into its parent's group (another session): %s\n", errno_name(r[4]));
    yes_no("  its parent's session is another", r[5]);
    yes_no("getsid(child) from the parent is the child", getsid(pid) == pid);
    show_ret("setpgid(child in another session, child)", setpgid(pid, pid));
    signal_fd(gate[1]);
    reap("session leader", pid);
}

// After its exec the parent may no longer move the child (EACCES).
static void
groups_after_exec(const char *self)
{
    int gate[2], ready[2];
    char gate_var[32], ready_var[32];
    pid_t pid;

    xpipe(gate);
    xpipe(ready);
    snprintf(gate_var, sizeof(gate_var), "PROC_GATE=%d", gate[0]);
    snprintf(ready_var, sizeof(ready_var), "PROC_READY=%d", ready[1]);
    pid = xfork();
    if (pid == 0) {
        char *argv[] = { "waiter", NULL }, *env[] = { gate_var, ready_var, NULL };
        execve(self, argv, env);
        _exit(127);
    }
    await_fd(ready[0]);
    show_ret("setpgid(child, child) after the child's exec", setpgid(pid, pid));
    signal_fd(gate[1]);
    reap("exec'd child", pid);
}

// ---------------------------------------------------------------- kill

static int report_fd = -1;

static void
on_usr(int sig)
{
    char c = sig == SIGUSR1 ? '1' : '2';

    write(report_fd, &c, 1);
}

// A member of the test group (its handlers set by the leader, before it
// forked): report each SIGUSR1/SIGUSR2 as a byte, until killed.
static void
member(int ready_fd, int die_fd)
{
    signal_fd(ready_fd);
    await_fd(die_fd);  // only SIGKILL ends us in practice; EOF if the test broke
    _exit(1);
}

// Read N report bytes and print them sorted.
static void
show_reports(const char *what, int fd, int n)
{
    char got[8] = "";

    for (int i = 0; i < n; i++) {
        if (!readable_within(fd, 10000)) {
            say("%s: %d of %d members reported within 10 s\n", what, i, n);
            exit(1);
        }
        must("read reports", read_full(fd, got + i, 1) == 1);
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && got[j] < got[j - 1]; j--) {
            char t = got[j];
            got[j] = got[j - 1];
            got[j - 1] = t;
        }
    say("%s: %d members reported [%s]\n", what, n, got);
}

struct group {
    pid_t leader;
    int reports[2], ready[2], die[2], cmd[2];
};

// The leader: its own group, two more members in it, then one command from
// the top: send kill(0, SIGUSR2), and be a member like the others.
static void
leader(struct group *g)
{
    struct sigaction sa = { .sa_handler = on_usr, .sa_flags = SA_RESTART };
    pid_t members[2];
    char cmd;

    setpgid(0, 0);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    for (int i = 0; i < 2; i++) {
        members[i] = xfork();
        if (members[i] == 0) {
            close(g->cmd[0]);
            member(g->ready[1], g->die[0]);
        }
    }
    must("read", read(g->cmd[0], &cmd, 1) == 1);  // 'k': send kill(0, SIGUSR2)
    if (getpgid(0) != getpid()) {
        say("leader: not leading a group of its own, no kill(0)\n");
        _exit(1);
    }
    show_ret("kill(0, SIGUSR2) from the leader", kill(0, SIGUSR2));
    member(g->ready[1], g->die[0]);
}

static void
test_kill(void)
{
    struct group g;
    int n;
    char c;

    xpipe(g.reports);
    xpipe(g.ready);
    xpipe(g.die);
    xpipe(g.cmd);
    report_fd = g.reports[1];
    g.leader = xfork();
    if (g.leader == 0)
        leader(&g);
    setpgid(g.leader, g.leader);  // also done by the leader: whichever comes first
    for (int i = 0; i < 2; i++)
        await_fd(g.ready[0]);
    show_ret("kill(-leader, SIGUSR1)", kill(-g.leader, SIGUSR1));
    show_reports("  the group", g.reports[0], 3);
    show_ret("killpg(leader, SIGUSR1)", killpg(g.leader, SIGUSR1));
    show_reports("  the group", g.reports[0], 3);
    signal_fd(g.cmd[1]);
    await_fd(g.ready[0]);  // the leader is a plain member now
    show_reports("  kill(0) reached", g.reports[0], 3);
    show_ret("kill(-leader, SIGUSR2)", kill(-g.leader, SIGUSR2));
    show_reports("  the group", g.reports[0], 3);
    show_ret("kill(leader, 0)", kill(g.leader, 0));
    show_ret("kill(-leader, SIGKILL)", kill(-g.leader, SIGKILL));
    reap("the leader", g.leader);
    close(g.reports[1]);
    close(g.ready[1]);
    close(g.die[0]);
    close(g.die[1]);
    n = read(g.reports[0], &c, 1);
    say("every member gone (end of file on their pipe): %s\n", n == 0 ? "yes" : "no");
    show_ret("kill(reaped leader, 0)", kill(g.leader, 0));
    show_ret("kill(a pid that does not exist, SIGUSR1)", kill(0x3ffffff0, SIGUSR1));
    show_ret("kill(our own pid, 65)", kill(getpid(), 65));
}

static void
test_zombie_kill(void)
{
    pid_t pid = xfork();
    siginfo_t si;

    if (pid == 0)
        _exit(0);
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    show_ret("kill(zombie, 0)", kill(pid, 0));
    show_ret("kill(zombie, SIGKILL)", kill(pid, SIGKILL));
    reap("the zombie", pid);
    show_ret("kill(reaped, 0)", kill(pid, 0));
}

// ---------------------------------------------------------------- main

// The exec'd child of groups_after_exec: say it is ready, wait for the gate.
static int
run_waiter(void)
{
    signal_fd(atoi(getenv("PROC_READY")));
    await_fd(atoi(getenv("PROC_GATE")));
    return 0;
}

// The orphan case's stopped process: its own group, a SIGHUP handler that
// reports on REPORT_FD, then it stops itself until something continues it.
static int orphan_fd = -1;

static void
on_hup(int sig)
{
    (void)sig;
    write_full(orphan_fd, "H", 1);
}

static void
stopped_member(int report)
{
    orphan_fd = report;
    must("setpgid", setpgid(0, 0) == 0);
    must("signal", signal(SIGHUP, on_hup) != SIG_ERR);
    raise(SIGSTOP);
    _exit(0);
}

// A child whose own child (a group of its own, stopped) outlives it: the
// grandchild's group loses its only link to the session, so it is sent
// SIGHUP and SIGCONT (POSIX orphaned process groups), unless the new
// parent (a subreaper here) is itself such a link.
static void
orphan_case(const char *what, bool subreaper)
{
    int fds[2], gchild_pipe[2];
    pid_t child, gchild = 0;
    char c;

    xpipe(fds);
    xpipe(gchild_pipe);
    must("prctl", prctl(PR_SET_CHILD_SUBREAPER, subreaper) == 0);
    if ((child = xfork()) == 0) {
        pid_t g = xfork();
        if (g == 0)
            stopped_member(fds[1]);
        int status;
        must("waitpid", waitpid(g, &status, WUNTRACED) == g);
        write_full(gchild_pipe[1], &g, sizeof(g));
        _exit(WIFSTOPPED(status) ? 0 : 1);
    }
    reap("middle child", child);
    must("grandchild pid", read_full(gchild_pipe[0], &gchild, sizeof(gchild)) == sizeof(gchild));
    yes_no(what,
           readable_within(fds[0], subreaper ? 500 : 5000) && read(fds[0], &c, 1) == 1 && c == 'H');
    if (subreaper) {
        kill(gchild, SIGKILL);
        reap("stopped grandchild, killed", gchild);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    close(fds[0]), close(fds[1]), close(gchild_pipe[0]), close(gchild_pipe[1]);
}

// Whether PID stops within MS milliseconds (then it is reported and stays so).
static bool
stops_within(pid_t pid, int ms)
{
    int status;

    for (int waited = 0; waited <= ms; waited += 10) {
        pid_t got = waitpid(pid, &status, WUNTRACED | WNOHANG);
        if (got == pid)
            return WIFSTOPPED(status);
        usleep(10 * 1000);
    }
    return false;
}

// A session leader's own group has no link outside (its parent is in
// another session): SIGTSTP, SIGTTIN and SIGTTOU with their default action
// are discarded for its members, as POSIX asks; SIGSTOP still stops them.
static void
orphaned_group_stops(void)
{
    pid_t child = xfork();

    if (child == 0) {
        must("setsid", setsid() == getpid());
        pid_t g = xfork();
        if (g == 0)
            for (;;)
                pause();
        kill(g, SIGTSTP);
        yes_no("SIGTSTP to a member of an orphaned group stops it", stops_within(g, 300));
        kill(g, SIGTTIN);
        yes_no("SIGTTIN stops it", stops_within(g, 300));
        kill(g, SIGSTOP);
        yes_no("SIGSTOP stops it", stops_within(g, 5000));
        kill(g, SIGKILL);
        reap("then SIGKILL", g);
        _exit(0);
    }
    reap("the session leader", child);
}

static void
test_orphans(void)
{
    setsid();   // natively, so no ancestor of the test runner is in the session
    orphan_case("a parent in the session left: SIGHUP to the stopped group", false);
    orphan_case("the subreaper in the session still links it, yet SIGHUP", true);
    orphaned_group_stops();
}

int
main(int argc, char **argv)
{
    if (getenv("PROC_GATE"))
        return run_waiter();
    watchdog(WATCHDOG_S);
    if (argc > 1 && !strcmp(argv[1], "groups")) {
        groups_inherited();
        groups_setpgid();
        groups_setsid();
        groups_after_exec(self_path(argv[0]));
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "kill")) {
        test_kill();
        test_zombie_kill();
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "orphan")) {
        test_orphans();
        return 0;
    }
    fprintf(stderr, "usage: %s groups|kill|orphan\n", argv[0]);
    return 2;
}
