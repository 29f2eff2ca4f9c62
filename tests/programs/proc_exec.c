// execve and friends: the program re-executes itself (its own path, from
// /proc/self/exe) with PROC_CHILD=<what> in the environment, and that
// image reports what it was given: argv, envp, which descriptors survived,
// signal dispositions, mask and pending set, its pid. The parts: fork+exec,
// a chain of execs by the first process, vfork, posix_spawn, `#!` scripts
// (with and without an argument, nested), execveat/fexecve, a megabyte of
// arguments, close-on-exec, signals across exec, exec from a thread, and
// the errors (ENOENT, ENOTDIR, EACCES, ENOEXEC, ELOOP, E2BIG, EFAULT,
// ETXTBSY). Paths are printed as $SELF and $DIR, never as themselves.
#include "proc_check.h"

#include <dirent.h>
#include <pthread.h>
#include <semaphore.h>
#include <spawn.h>
#include <sys/resource.h>

#define ARG_STRLEN_MAX (32 * 4096)  // Linux's MAX_ARG_STRLEN, NUL included

extern char **environ;

static const char *self;    // this program's path
static char dir[64] = "";  // a scratch folder of scripts and odd files

// ---------------------------------------------------------------- the child's side

// Print S with this program's path as $SELF and the scratch folder as $DIR.
static const char *
masked(const char *s)
{
    static char out[4][512];
    static int turn;
    const char *d = getenv("PROC_DIR");
    char *o = out[turn++ % 4];
    size_t n = 0;

    while (*s && n < 500) {
        if (!strncmp(s, self, strlen(self))) {
            n += snprintf(o + n, 512 - n, "$SELF");
            s += strlen(self);
        } else if (d && *d && !strncmp(s, d, strlen(d))) {
            n += snprintf(o + n, 512 - n, "$DIR");
            s += strlen(d);
        } else {
            o[n++] = *s++;
        }
    }
    o[n] = 0;
    return o;
}

// Compare getpid/getppid with what the caller wrote in PROC_PID/PROC_PPID.
static void
show_ids(void)
{
    const char *pid = getenv("PROC_PID"), *ppid = getenv("PROC_PPID");

    if (pid)
        yes_no("the pid from before the exec", getpid() == atoi(pid));
    if (ppid)
        yes_no("the parent from before the exec", getppid() == atoi(ppid));
}

static void
child_show(int argc, char **argv)
{
    say("argc %d\n", argc);
    for (int i = 0; i < argc; i++)
        say("argv[%d] = [%s]\n", i, masked(argv[i]));
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "PROC_", 5))
            say("env [%s]\n", masked(*e));
    show_ids();
}

// PROC_FDS="what:fd[,fd] ...": say whether each descriptor is open (by
// name: the numbers are not the point).
static void
child_fds(void)
{
    char *list = strdup(getenv("PROC_FDS") ? getenv("PROC_FDS") : "");

    for (char *tok = strtok(list, " "); tok; tok = strtok(NULL, " ")) {
        char *colon = strrchr(tok, ':'), states[64] = "";
        *colon = 0;
        for (char *fd = colon + 1; fd; fd = strchr(fd, ',') ? strchr(fd, ',') + 1 : NULL)
            strcat(strcat(states, *states ? " " : ""),
                   fcntl(atoi(fd), F_GETFD) >= 0 ? "open" : errno_name(errno));
        say("%s: %s\n", tok, states);
    }
    free(list);
}

// Every signal's disposition, the mask and the pending set, in one line each.
static void
child_signals(void)
{
    char ign[256] = "", caught[256] = "", blocked[256] = "", pending[256] = "";
    sigset_t mask, pend;
    stack_t ss;

    sigprocmask(SIG_SETMASK, NULL, &mask);
    sigpending(&pend);
    for (int sig = 1; sig < 32; sig++) {
        struct sigaction sa;
        sigaction(sig, NULL, &sa);
        char *list = sa.sa_handler == SIG_IGN ? ign : sa.sa_handler == SIG_DFL ? NULL : caught;
        if (list)
            strcat(strcat(list, " "), sig_name(sig));
        if (sigismember(&mask, sig))
            strcat(strcat(blocked, " "), sig_name(sig));
        if (sigismember(&pend, sig))
            strcat(strcat(pending, " "), sig_name(sig));
    }
    say("ignored:%s\ncaught:%s\nblocked:%s\npending:%s\n", ign, caught, blocked, pending);
    sigaltstack(NULL, &ss);
    yes_no("alternate stack disabled", (ss.ss_flags & SS_DISABLE) != 0);
}

static void
child_bigargs(int argc, char **argv)
{
    unsigned long sum = 0, bytes = 0, env_bytes = 0;

    for (int i = 0; i < argc; i++)
        for (const char *s = argv[i]; *s; s++, bytes++)
            sum = sum * 31 + (unsigned char)*s;
    for (char **e = environ; *e; e++)
        env_bytes += strlen(*e);
    say("argc %d, %lu bytes of arguments, checksum %lx, %lu bytes of environment\n", argc, bytes,
        sum, env_bytes);
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

// PROC_CHILD=chain with PROC_LEFT=n: exec ourselves n more times, then report.
static void child_chain(void);

static int
run_child(const char *what, int argc, char **argv)
{
    if (!strcmp(what, "show"))
        child_show(argc, argv);
    else if (!strcmp(what, "fds"))
        child_fds();
    else if (!strcmp(what, "signals"))
        child_signals();
    else if (!strcmp(what, "bigargs"))
        child_bigargs(argc, argv);
    else if (!strcmp(what, "chain"))
        child_chain();
    else if (!strcmp(what, "threads")) {
        say("after exec from a thread: threads %d\n", count_tasks());
        show_ids();
    } else if (!strcmp(what, "exit"))
        return atoi(getenv("PROC_STATUS"));
    else
        return 98;
    return 0;
}

// ---------------------------------------------------------------- helpers

// An environment for the child: PROC_CHILD=what, then the extra entries.
static char **
child_env(const char *what, const char *extra1, const char *extra2)
{
    static char child[64], dirvar[128], *env[8];
    int n = 0;

    snprintf(child, sizeof(child), "PROC_CHILD=%s", what);
    snprintf(dirvar, sizeof(dirvar), "PROC_DIR=%s", dir);
    env[n++] = child;
    env[n++] = dirvar;
    env[n++] = "PATH=/usr/bin:/bin";
    if (extra1)
        env[n++] = (char *)extra1;
    if (extra2)
        env[n++] = (char *)extra2;
    env[n] = NULL;
    return env;
}

static const char *
pid_var(const char *name, pid_t pid)
{
    static char buf[2][48];
    static int turn;
    char *b = buf[turn++ % 2];

    snprintf(b, 48, "%s=%d", name, pid);
    return b;
}

// Fork, exec PATH with ARGV and ENV in the child, wait, print the status.
static void
fork_exec(const char *what, const char *path, char *const argv[], char *const env[])
{
    pid_t pid = xfork();

    if (pid == 0) {
        execve(path, argv, env);
        say("%s: execve failed: %s\n", what, errno_name(errno));
        _exit(127);
    }
    reap(what, pid);
}

static void
make_file(const char *name, const char *content, size_t len, mode_t mode)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    must(path, fd >= 0);
    write_full(fd, content, len);
    close(fd);
    must("chmod", chmod(path, mode) == 0);
}

static void
make_script(const char *name, const char *first_line, mode_t mode)
{
    char text[512];

    snprintf(text, sizeof(text), "%s\nthis line is never read\n", first_line);
    make_file(name, text, strlen(text), mode);
}

static void
remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    rmdir(dir);
}

static void
make_dir(void)
{
    strcpy(dir, "/tmp/proc_exec_XXXXXX");
    must("mkdtemp", mkdtemp(dir) != NULL);
}

static const char *
in_dir(const char *name)
{
    static char buf[4][160];
    static int turn;
    char *b = buf[turn++ % 4];

    snprintf(b, 160, "%s/%s", dir, name);
    return b;
}

// ---------------------------------------------------------------- parts

static void
test_fork_exec(void)
{
    char *argv[] = { "argv zero", "one", "", "two words", "tab\there", "ünïcødé", NULL };
    char *const *env = child_env("show", "EMPTY=", "A=b=c");

    fork_exec("fork+exec", self, argv, env);
    char *none[] = { "only argv0", NULL };
    char *empty_env[] = { "PROC_CHILD=show", NULL };
    fork_exec("fork+exec, no arguments, one variable", self, none, empty_env);
}

static void
child_chain(void)
{
    int left = atoi(getenv("PROC_LEFT"));
    char left_var[32], *argv[] = { "chain", NULL };

    say("chain: %d execs left\n", left);
    if (left == 0) {
        show_ids();
        exit(3);
    }
    snprintf(left_var, sizeof(left_var), "PROC_LEFT=%d", left - 1);
    execve(self, argv, child_env("chain", left_var, pid_var("PROC_PID", atoi(getenv("PROC_PID")))));
    say("chain: execve failed: %s\n", errno_name(errno));
    exit(1);
}

// The first process replaces itself three times and exits from the last image.
static void
test_chain(void)
{
    char *argv[] = { "chain", NULL };

    remove_dir();
    execve(self, argv, child_env("chain", "PROC_LEFT=3", pid_var("PROC_PID", getpid())));
    say("execve failed: %s\n", errno_name(errno));
    exit(1);
}

static volatile int vfork_mark;

static void
test_vfork(void)
{
    char *argv[] = { "vforked", "arg", NULL };
    char **env = child_env("show", pid_var("PROC_PPID", getpid()), NULL);
    const char *missing = in_dir("missing");
    pid_t pid;

    pid = vfork();
    if (pid == 0) {
        vfork_mark = 42;  // the parent's memory: it sees this when it resumes
        _exit(5);
    }
    must("vfork", pid > 0);
    say("vfork+_exit: the parent sees the child's write: %d\n", vfork_mark);
    reap("vfork+_exit", pid);
    pid = vfork();
    if (pid == 0) {
        execve(self, argv, env);
        _exit(127);
    }
    reap("vfork+execve", pid);
    pid = vfork();
    if (pid == 0) {
        execve(missing, argv, environ);
        _exit(127);
    }
    reap("vfork+execve of a missing file", pid);
}

// posix_spawn with file actions and attributes; glibc and musl both run
// the child with clone(CLONE_VM|CLONE_VFORK) and report exec errors.
static void
spawn_with_actions(void)
{
    char *argv[] = { "spawned", NULL };
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t mask, dfl;
    pid_t pid;
    int err;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 10, in_dir("opened"), O_WRONLY | O_CREAT, 0644);
    posix_spawn_file_actions_adddup2(&fa, 10, 11);
    posix_spawn_file_actions_addclose(&fa, 10);
    posix_spawnattr_init(&attr);
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGUSR2);
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setsigdefault(&attr, &dfl);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    err = posix_spawn(&pid, self, &fa, &attr, argv,
                      child_env("fds", "PROC_FDS=opened-then-closed:10 its-dup2:11", NULL));
    if (err == 0)
        reap("spawned (fds)", pid);
    say("posix_spawn with file actions: %s\n", errno_name(err));
    err = posix_spawn(&pid, self, NULL, &attr, argv, child_env("signals", NULL, NULL));
    if (err == 0)
        reap("spawned (signals)", pid);
    say("posix_spawn with a mask and SIGUSR2 to default: %s\n", errno_name(err));
    signal(SIGUSR2, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
}

static void
test_spawn(void)
{
    char *argv[] = { "spawned", "x", NULL };
    char path_var[4200], *slash;
    pid_t pid;
    int err;

    spawn_with_actions();
    err = posix_spawn(&pid, in_dir("missing"), NULL, NULL, argv, environ);
    if (err == 0)
        reap("spawned (missing)", pid);
    say("posix_spawn of a missing file: %s\n", errno_name(err));
    snprintf(path_var, sizeof(path_var), "%s", self);
    slash = strrchr(path_var, '/');
    *slash = 0;
    setenv("PATH", path_var, 1);
    err = posix_spawnp(&pid, slash + 1, NULL, NULL, argv, child_env("show", NULL, NULL));
    if (err == 0)
        reap("spawned (show)", pid);
    say("posix_spawnp by name on PATH: %s\n", errno_name(err));
}

static void
test_script(void)
{
    char line[300], *argv[] = { "ignored argv0", "x", "y z", NULL };
    char *const *env = child_env("show", NULL, NULL);

    snprintf(line, sizeof(line), "#!%s", self);
    make_script("plain", line, 0755);
    snprintf(line, sizeof(line), "#!%s one-arg  ", self);
    make_script("witharg", line, 0755);
    snprintf(line, sizeof(line), "#! \t%s two words here\t", self);
    make_script("spaces", line, 0755);
    snprintf(line, sizeof(line), "#!%s", in_dir("witharg"));
    make_script("nested", line, 0755);
    fork_exec("script", in_dir("plain"), argv, env);
    fork_exec("script with an argument", in_dir("witharg"), argv, env);
    fork_exec("script with spaces", in_dir("spaces"), argv, env);
    fork_exec("script run by a script", in_dir("nested"), argv, env);
    must("chdir", chdir(dir) == 0);
    fork_exec("script by a relative path", "./plain", argv, env);
    must("chdir", chdir("/") == 0);
}

// Which descriptors an exec closes: those with FD_CLOEXEC however it was
// set, and no others (dup and dup2 make a descriptor without it).
static void
test_cloexec(void)
{
    char *argv[] = { "cloexec", NULL };
    char list[512];
    int plain = open("/", O_RDONLY | O_DIRECTORY), flagged = open("/", O_RDONLY | O_CLOEXEC);
    int set_later = dup(plain), set_cleared = dup(plain), fds[2];

    must("open", plain >= 0 && flagged >= 0 && set_later >= 0 && set_cleared >= 0);
    fcntl(set_later, F_SETFD, FD_CLOEXEC);
    fcntl(set_cleared, F_SETFD, FD_CLOEXEC);
    fcntl(set_cleared, F_SETFD, 0);
    must("pipe2", pipe2(fds, O_CLOEXEC) == 0);
    snprintf(list, sizeof(list),
             "PROC_FDS=stdin:0 stdout:1 stderr:2 plain:%d O_CLOEXEC:%d F_SETFD-later:%d "
             "F_SETFD-then-cleared:%d pipe2(O_CLOEXEC):%d,%d dup3(O_CLOEXEC):%d dup2-of-flagged:%d "
             "F_DUPFD_CLOEXEC:%d dup-of-flagged:%d",
             plain, flagged, set_later, set_cleared, fds[0], fds[1], dup3(plain, 20, O_CLOEXEC),
             dup2(flagged, 21), fcntl(plain, F_DUPFD_CLOEXEC, 22), dup(flagged));
    remove_dir();
    execve(self, argv, child_env("fds", list, NULL));
    say("execve failed: %s\n", errno_name(errno));
}

static void
on_signal(int sig)
{
    (void)sig;
}

// Caught signals go back to default, ignored ones stay ignored, the mask
// and the pending set are kept, the alternate stack is gone.
static void
test_signals(void)
{
    char *argv[] = { "signals", NULL };
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_ONSTACK };
    sigset_t block;

    for (int sig = 1; sig < 32; sig++)
        signal(sig, SIG_DFL);  // whatever the caller left, start from Linux's defaults
    must("sigaltstack", sigaltstack(&ss, NULL) == 0);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    remove_dir();
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_SETMASK, &block, NULL);
    raise(SIGINT);
    execve(self, argv, child_env("signals", NULL, NULL));
    say("execve failed: %s\n", errno_name(errno));
}

// fexecve: glibc and musl make it execveat(fd, "", AT_EMPTY_PATH).
static void
test_fexecve(void)
{
    char *argv[] = { "by descriptor", "x", NULL };
    int fd = open(self, O_RDONLY);
    pid_t pid;

    must("open", fd >= 0);
    pid = xfork();
    if (pid == 0) {
        fexecve(fd, argv, child_env("show", NULL, NULL));
        say("fexecve failed: %s\n", errno_name(errno));
        _exit(127);
    }
    reap("fexecve", pid);
    close(fd);
}

static void
test_execveat(void)
{
    char *argv[] = { "by name", "x", NULL };
    char *const *env = child_env("show", NULL, NULL);
    int fd = open(self, O_RDONLY), dirfd;
    pid_t pid;
    char *slash;

    must("open", fd >= 0);
    char parent[4096];
    snprintf(parent, sizeof(parent), "%s", self);
    slash = strrchr(parent, '/');
    *slash = 0;
    dirfd = open(parent, O_RDONLY | O_DIRECTORY);
    pid = xfork();
    if (pid == 0) {
        syscall(SYS_execveat, dirfd, slash + 1, argv, env, 0);
        say("execveat failed: %s\n", errno_name(errno));
        _exit(127);
    }
    reap("execveat by a name in a folder", pid);
    symlink(self, in_dir("link"));
    show_ret("execveat of a symlink with AT_SYMLINK_NOFOLLOW",
             syscall(SYS_execveat, AT_FDCWD, in_dir("link"), argv, env, AT_SYMLINK_NOFOLLOW));
    show_ret("execveat with a flag it does not take (AT_REMOVEDIR)",
             syscall(SYS_execveat, AT_FDCWD, self, argv, env, AT_REMOVEDIR));
    show_ret("execveat of \"\" without AT_EMPTY_PATH", syscall(SYS_execveat, fd, "", argv, env, 0));
    close(dirfd);
    close(fd);
}

// A megabyte of arguments and half of one of environment reach the new image.
static void
test_bigargs(void)
{
    enum { ARGS = 1000, LEN = 1000, ENVS = 100, ENV_LEN = 5000 };
    static char strings[ARGS][LEN + 1], envs[ENVS][ENV_LEN + 1];
    static char *argv[ARGS + 2], *env[ENVS + 2];
    struct rlimit stack = { 8 << 20, 8 << 20 };

    must("setrlimit", setrlimit(RLIMIT_STACK, &stack) == 0);
    for (int i = 0; i < ARGS; i++) {
        for (int j = 0; j < LEN; j++)
            strings[i][j] = 'a' + (i * 7 + j) % 26;
        argv[i] = strings[i];
    }
    for (int i = 0; i < ENVS; i++) {
        snprintf(envs[i], ENV_LEN + 1, "V%d=", i);
        memset(envs[i] + strlen(envs[i]), 'e', ENV_LEN - strlen(envs[i]));
        env[i] = envs[i];
    }
    env[ENVS] = "PROC_CHILD=bigargs";
    fork_exec("a megabyte of arguments", self, argv, env);
}

// execve as a raw syscall, so bad pointers reach the kernel as they are.
static void
show_exec(const char *what, const char *path, char *const *argv, char *const *env)
{
    show_ret(what, syscall(SYS_execve, path, argv, env));
}

// One argument longer than MAX_ARG_STRLEN, and more in all than a quarter
// of the stack limit (8 MiB, set here so the caller's limit does not count).
static void
errors_e2big(char **argv, char **env)
{
    enum { TOTAL_ARGS = 48 };  // 48 x 64 KiB = 3 MiB > 2 MiB
    static char *many[TOTAL_ARGS + 1];
    char *huge = malloc(ARG_STRLEN_MAX + 1), *chunk = malloc(64 * 1024);
    struct rlimit stack = { 8 << 20, 8 << 20 };
    char *one_huge[] = { "x", huge, NULL };

    must("malloc", huge && chunk);
    must("setrlimit", setrlimit(RLIMIT_STACK, &stack) == 0);
    memset(huge, 'h', ARG_STRLEN_MAX);
    huge[ARG_STRLEN_MAX] = 0;
    show_exec("an argument of MAX_ARG_STRLEN bytes and its NUL", self, one_huge, env);
    huge[ARG_STRLEN_MAX - 1] = 0;  // exactly the limit with its NUL: fits
    memset(chunk, 'c', 64 * 1024 - 1);
    chunk[64 * 1024 - 1] = 0;
    for (int i = 0; i < TOTAL_ARGS; i++)
        many[i] = chunk;
    show_exec("3 MiB of arguments under an 8 MiB stack limit", self, many, env);
    show_exec("an environment of 3 MiB", self, argv, many);
    free(huge);
    free(chunk);
}

static void
errors_format(char **argv, char **env)
{
    static char elf[4096];
    int fd = open(self, O_RDONLY);

    must("read self", fd >= 0 && read(fd, elf, sizeof(elf)) == sizeof(elf));
    close(fd);
    elf[18] = 183;  // e_machine: AArch64
    elf[19] = 0;
    make_file("aarch64", elf, sizeof(elf), 0755);
    make_file("garbage", "garbage, not a program\n", 23, 0755);
    make_file("empty", "", 0, 0755);
    make_file("elfhead", "\177ELF", 4, 0755);
    make_script("nointerp", "#!", 0755);
    make_script("missinginterp", "#!/nonexistent/interpreter arg", 0755);
    make_script("notexec", "#!/bin/sh", 0644);
    char loop_line[128];
    snprintf(loop_line, sizeof(loop_line), "#!%s", in_dir("loop"));
    make_script("loop", loop_line, 0755);
    show_exec("an ELF for another machine", in_dir("aarch64"), argv, env);
    show_exec("garbage", in_dir("garbage"), argv, env);
    show_exec("an empty file", in_dir("empty"), argv, env);
    show_exec("four bytes of ELF magic", in_dir("elfhead"), argv, env);
    show_exec("#! and no interpreter", in_dir("nointerp"), argv, env);
    show_exec("#! with a missing interpreter", in_dir("missinginterp"), argv, env);
    show_exec("a script without execute permission", in_dir("notexec"), argv, env);
    show_exec("a script that is its own interpreter", in_dir("loop"), argv, env);
}

static void
test_errors(void)
{
    char *argv[] = { "never", NULL };
    char **env = child_env("show", NULL, NULL);
    char path[4200];

    show_exec("a missing file", in_dir("missing"), argv, env);
    show_exec("an empty path", "", argv, env);
    snprintf(path, sizeof(path), "%s/x", self);
    show_exec("a path through a file", path, argv, env);
    show_exec("a folder", dir, argv, env);
    make_file("noexec", "\177ELF", 4, 0644);
    show_exec("a file without execute permission", in_dir("noexec"), argv, env);
    errors_format(argv, env);
    errors_e2big(argv, env);
    show_exec("a bad argv pointer", self, (char **)1, env);
    char *bad_arg[] = { "x", (char *)1, NULL };
    show_exec("a bad argument pointer", self, bad_arg, env);
    show_exec("a bad path pointer", (char *)1, argv, env);
    say("still the same program\n");
}

// A file open for writing cannot be executed (Linux 6.1 and later alike).
static void
test_etxtbsy(void)
{
    char *argv[] = { "never", NULL };
    int writer;

    make_file("busy", "#!/bin/sh\n", 10, 0755);
    writer = open(in_dir("busy"), O_WRONLY);
    show_exec("a file open for writing", in_dir("busy"), argv, child_env("show", NULL, NULL));
    close(writer);
}

// A thread other than the main one calls execve: the other threads go and
// the process keeps its pid.
static sem_t started;

static void *
idle_thread(void *arg)
{
    (void)arg;
    sem_post(&started);
    for (;;)
        pause();
    return NULL;
}

static void *
exec_thread(void *arg)
{
    char *argv[] = { "from a thread", NULL };

    (void)arg;
    execve(self, argv,
           child_env("threads", pid_var("PROC_PID", getpid()), pid_var("PROC_PPID", getppid())));
    say("execve from a thread failed: %s\n", errno_name(errno));
    exit(1);
}

static void
test_threads(void)
{
    pthread_t t;

    remove_dir();
    sem_init(&started, 0, 0);
    for (int i = 0; i < 3; i++) {
        pthread_create(&t, NULL, idle_thread, NULL);
        while (sem_wait(&started) != 0)
            ;
    }
    pthread_create(&t, NULL, exec_thread, NULL);
    pthread_join(t, NULL);
    say("exec_thread returned\n");
}

static const struct {
    const char *name;
    void (*run)(void);
} parts[] = {
    { "fork_exec", test_fork_exec }, { "chain", test_chain },     { "vfork", test_vfork },
    { "spawn", test_spawn },         { "script", test_script },   { "cloexec", test_cloexec },
    { "signals", test_signals },     { "fexecve", test_fexecve }, { "execveat", test_execveat },
    { "bigargs", test_bigargs },     { "errors", test_errors },   { "etxtbsy", test_etxtbsy },
    { "threads", test_threads },
};

int
main(int argc, char **argv)
{
    const char *child = getenv("PROC_CHILD");

    if (!child)
        watchdog(WATCHDOG_S);  // an exec'd child keeps its caller's
    self = self_path(argv[0]);
    if (child)
        return run_child(child, argc, argv);
    for (size_t i = 0; argc > 1 && i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (!strcmp(argv[1], parts[i].name)) {
            make_dir();
            parts[i].run();
            remove_dir();
            return 0;
        }
    }
    fprintf(stderr,
            "usage: %s PART (fork_exec, chain, vfork, spawn, script, cloexec, signals, "
            "fexecve, execveat, bigargs, errors, etxtbsy, threads)\n",
            argv[0]);
    return 2;
}
