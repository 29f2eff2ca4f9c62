// /proc/self/stat, statm and status as proc(5) lays them out: stat's 52
// fields and what they must agree with (pids, threads, start time not in
// the future, the program's code, stack, break, argument and environment
// addresses, signal bitmaps), statm's 7 page counts, and status's Vm*
// lines in order and width, each consistent with statm. Only relations are
// printed: the numbers themselves differ between any two runs.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define NFIELDS 52
#define PAGE_KB 4

extern char **environ;
static char stat_buf[4096], statm_buf[1024], status_buf[8192];
static int initialised_data = 42;
static const char *argv0;   // in the program's data segment

static void
read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

    if (n < 0) {
        perror(path);
        exit(1);
    }
    buf[n] = 0;
    close(fd);
}

// Stat's fields as numbers, 1-based; comm (2) and state (3) are kept as text.
static int
split_stat(char *line, unsigned long long *f, char *comm, char *state)
{
    char *open = strchr(line, '('), *close = strrchr(line, ')'), *tok, *save;
    int n = 3;

    if (!open || !close)
        return 0;
    *close = 0;
    snprintf(comm, 64, "%s", open + 1);
    f[1] = strtoull(line, NULL, 10);
    for (tok = strtok_r(close + 1, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        if (n == 3)
            snprintf(state, 4, "%s", tok);
        if (n <= NFIELDS)
            f[n] = strtoull(tok, NULL, 10);
        n++;
    }
    return n - 1;
}

// The value of status's line NAME in kB, and whether it has Linux's width ("%8lu kB").
static long
status_kb(const char *name, int *well_formed)
{
    char key[32];
    const char *at, *unit, *end;

    snprintf(key, sizeof(key), "\n%s:\t", name);
    at = strstr(status_buf, key);
    if (!at)
        return -1;
    at += strlen(key);
    unit = strstr(at, " kB\n");
    end = strchr(at, '\n');
    *well_formed = unit && unit < end && unit - at >= 8;
    return strtol(at, NULL, 10);
}

static void
check_stat(unsigned long long *f, int nfields, const char *comm, const char *state, int here)
{
    struct rlimit rss;
    unsigned long long now = 0;
    char uptime[64];

    read_file("/proc/uptime", uptime, sizeof(uptime));
    now = (unsigned long long)(strtod(uptime, NULL) * sysconf(_SC_CLK_TCK));
    getrlimit(RLIMIT_RSS, &rss);
    printf("stat fields: %d, comm %s, state %s\n", nfields, comm, state);
    printf("pid, ppid, pgrp, session: %d %d %d %d\n", f[1] == (unsigned)getpid(),
           f[4] == (unsigned)getppid(), f[5] == (unsigned)getpgrp(), f[6] == (unsigned)getsid(0));
    printf("threads 1: %d, starttime not after now: %d\n", f[20] == 1, f[22] <= now + 1);
    printf("rsslim is RLIMIT_RSS: %d\n", f[25] == (unsigned long long)rss.rlim_cur);
    printf("main in [startcode, endcode): %d\n",
           f[26] <= (unsigned long)&check_stat && (unsigned long)&check_stat < f[27]);
    printf("a local under startstack: %d\n", (unsigned long)&here < f[28]);
    printf("data in [start_data, end_data): %d\n",
           f[45] <= (unsigned long)&initialised_data && (unsigned long)&initialised_data < f[46]);
    printf("start_brk not above the break: %d\n", f[47] <= (unsigned long)sbrk(0));
    printf("argv[0] in args, environ[0] in env: %d %d\n",
           f[48] <= (unsigned long)argv0 && (unsigned long)argv0 < f[49],
           !environ[0] ||
               (f[50] <= (unsigned long)environ[0] && (unsigned long)environ[0] < f[51]));
    printf("SIGUSR1 blocked, SIGUSR2 ignored, SIGTERM caught: %d %d %d\n",
           (int)(f[32] >> (SIGUSR1 - 1) & 1), (int)(f[33] >> (SIGUSR2 - 1) & 1),
           (int)(f[34] >> (SIGTERM - 1) & 1));
    printf("exit_signal SIGCHLD: %d, exit_code 0: %d\n", f[38] == SIGCHLD, f[52] == 0);
}

static void
check_statm_status(unsigned long long *f, unsigned long *m, int nstatm)
{
    static const char *const names[] = { "VmPeak", "VmSize",  "VmLck",   "VmPin",    "VmHWM",
                                         "VmRSS",  "RssAnon", "RssFile", "RssShmem", "VmData",
                                         "VmStk",  "VmExe",   "VmLib",   "VmPTE",    "VmSwap" };
    long kb[15];
    int formed = 1, ok = 0, order = 1;
    const char *prev = status_buf;

    printf("statm fields: %d, lib and dt 0: %d\n", nstatm, m[4] == 0 && m[6] == 0);
    // Linux's stat rss reads per-CPU counters not yet summed (0 for a small
    // program): only its bound is certain
    printf("stat vsize is statm size: %d, stat rss <= size: %d\n", f[23] == m[0] * PAGE_KB * 1024,
           f[24] <= m[0]);
    printf("shared <= resident <= size: %d\n", m[2] <= m[1] && m[1] <= m[0]);
    for (int i = 0; i < 15; i++) {
        kb[i] = status_kb(names[i], &ok);
        formed &= kb[i] >= 0 && ok;
        const char *at = strstr(status_buf, names[i]);
        order &= at && at > prev;
        prev = at ? at : prev;
    }
    printf("status Vm lines present, in order, %%8lu kB: %d %d\n", formed, order);
    printf("VmSize, VmRSS, shared, VmExe, data as statm: %d %d %d %d %d\n",
           kb[1] == (long)m[0] * PAGE_KB, kb[5] == (long)m[1] * PAGE_KB,
           kb[7] + kb[8] == (long)m[2] * PAGE_KB, kb[11] == (long)m[3] * PAGE_KB,
           kb[9] + kb[10] == (long)m[5] * PAGE_KB);
    printf("RssAnon+RssFile+RssShmem is VmRSS: %d\n", kb[6] + kb[7] + kb[8] == kb[5]);
    printf("VmPeak >= VmSize, VmHWM >= VmRSS, VmLck 0, VmSwap 0: %d %d %d %d\n", kb[0] >= kb[1],
           kb[4] >= kb[5], kb[2] == 0, kb[14] == 0);
}

static void
on_term(int sig)
{
    _exit(sig);
}

int
main(int argc, char **argv)
{
    unsigned long long f[NFIELDS + 2] = { 0 };
    unsigned long m[8] = { 0 };
    char comm[64], state[4] = "";
    sigset_t usr1;
    int nfields, nstatm;

    argv0 = argv[argc - argc];
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGTERM, on_term);
    // The three files back to back, into pages already touched, before stdio
    // allocates: one moment's memory.
    memset(stat_buf, 1, sizeof(stat_buf));
    memset(statm_buf, 1, sizeof(statm_buf));
    memset(status_buf, 1, sizeof(status_buf));
    read_file("/proc/self/stat", stat_buf, sizeof(stat_buf));
    read_file("/proc/self/statm", statm_buf, sizeof(statm_buf));
    read_file("/proc/self/status", status_buf, sizeof(status_buf));
    nfields = split_stat(stat_buf, f, comm, state);
    nstatm = sscanf(statm_buf, "%lu %lu %lu %lu %lu %lu %lu", &m[0], &m[1], &m[2], &m[3], &m[4],
                    &m[5], &m[6]);
    check_stat(f, nfields, comm, state, 0);
    check_statm_status(f, m, nstatm);
    return 0;
}
