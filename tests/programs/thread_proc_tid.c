// /proc/TID of a thread that is not its process's first: the name resolves
// (to a folder whose comm and status are the thread's, and whose task/
// lists the process's threads) though /proc's listing names only
// processes; once the thread has ended and been joined, the name is gone.
#include "thread_check.h"

#include <dirent.h>
#include <semaphore.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static sem_t ready, done;
static pid_t worker_tid;

static void *
worker(void *arg)
{
    worker_tid = (pid_t)syscall(SYS_gettid);
    prctl(PR_SET_NAME, "tid-worker");
    sem_post(&ready);
    while (sem_wait(&done) != 0)
        ;
    return arg;
}

static bool
is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

// The first line of PATH starting with KEY, its value as a number; -1 if none.
static long
status_field(const char *path, const char *key)
{
    char line[256];
    long v = -1;
    FILE *f = fopen(path, "r");

    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, key, strlen(key)))
            v = strtol(line + strlen(key), NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static bool
proc_lists(pid_t id)
{
    char name[16];
    bool found = false;
    DIR *d = opendir("/proc");
    struct dirent *e;

    snprintf(name, sizeof(name), "%d", (int)id);
    while (d && (e = readdir(d)))
        found = found || !strcmp(e->d_name, name);
    if (d)
        closedir(d);
    return found;
}

int
main(void)
{
    char path[96], comm[32] = "";
    pid_t pid = getpid();

    sem_init(&ready, 0, 0);
    sem_init(&done, 0, 0);
    pthread_t t = start_thread(worker, NULL);
    while (sem_wait(&ready) != 0)
        ;
    snprintf(path, sizeof(path), "/proc/%d", (int)worker_tid);
    yes_no("/proc/TID is a folder", is_dir(path));
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)worker_tid);
    FILE *f = fopen(path, "r");
    if (f && fgets(comm, sizeof(comm), f))
        comm[strcspn(comm, "\n")] = 0;
    if (f)
        fclose(f);
    printf("its comm: [%s]\n", comm);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)worker_tid);
    yes_no("its status: Pid is the thread", status_field(path, "Pid:") == worker_tid);
    yes_no("its status: Tgid is the process", status_field(path, "Tgid:") == pid);
    snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)worker_tid, (int)worker_tid);
    yes_no("its task/TID", is_dir(path));
    snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)worker_tid, (int)pid);
    yes_no("its task/PID", is_dir(path));
    yes_no("/proc lists the process", proc_lists(pid));
    yes_no("/proc lists the thread", proc_lists(worker_tid));
    snprintf(path, sizeof(path), "/proc/%d", (int)(pid + 100000));
    yes_no("/proc/<unused id> exists", is_dir(path));

    sem_post(&done);
    join_thread(t);
    snprintf(path, sizeof(path), "/proc/%d", (int)worker_tid);
    // The thread's end is reaped by the kernel just after the join's wake-up.
    bool gone = false;
    for (int i = 0; i < 200 && !(gone = !is_dir(path)); i++)
        usleep(10000);
    yes_no("/proc/TID gone after the join", gone);
    return 0;
}
