// Thread names: a new thread starts with its creator's name (the program's
// file name); pthread_setname_np on another thread, and prctl(PR_SET_NAME)
// on oneself, are read back with pthread_getname_np, prctl(PR_GET_NAME) and
// /proc/self/task/TID/comm (and /proc/self/comm for the main thread); names
// are cut to 15 bytes by prctl, refused with ERANGE by pthread_setname_np.
#include "thread_check.h"

#include <fcntl.h>
#include <semaphore.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static sem_t ready, named, done;
static char own_view[16];

static void
wait_sem(sem_t *s)
{
    while (sem_wait(s) != 0)
        ;
}

// Print a /proc comm file's contents (newline shown as \n), or its errno.
static void
show_comm(const char *what, const char *path)
{
    char buf[64];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

    if (n < 0) {
        printf("%s: %s\n", what, err_name(errno));
    } else {
        int newline = n > 0 && buf[n - 1] == '\n';
        buf[n - newline] = 0;
        printf("%s: [%s]%s\n", what, buf, newline ? "\\n" : "");
    }
    if (fd >= 0)
        close(fd);
}

static void
show_task_comm(const char *what, pid_t tid)
{
    char path[64];

    snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
    show_comm(what, path);
}

static void *
worker(void *arg)
{
    *(pid_t *)arg = (pid_t)syscall(SYS_gettid);
    sem_post(&ready);
    wait_sem(&named);  // main renames us, then we look
    prctl(PR_GET_NAME, own_view);
    sem_post(&ready);
    wait_sem(&done);
    return NULL;
}

int
main(void)
{
    char name[32];
    pid_t tid;

    sem_init(&ready, 0, 0);
    sem_init(&named, 0, 0);
    sem_init(&done, 0, 0);
    pthread_t t = start_thread(worker, &tid);
    wait_sem(&ready);
    pthread_getname_np(t, name, sizeof(name));
    printf("new thread's name: [%s]\n", name);
    show_task_comm("  its comm", tid);

    show_err("pthread_setname_np(t, \"worker-1\")", pthread_setname_np(t, "worker-1"));
    show_err("pthread_setname_np(t, 16 bytes)", pthread_setname_np(t, "0123456789abcdef"));
    pthread_getname_np(t, name, sizeof(name));
    printf("  pthread_getname_np: [%s]\n", name);
    show_err("  pthread_getname_np into 4 bytes", pthread_getname_np(t, name, 4));
    show_task_comm("  its comm", tid);
    sem_post(&named);
    wait_sem(&ready);
    printf("  PR_GET_NAME in the thread: [%s]\n", own_view);

    show_ret("prctl(PR_SET_NAME, \"a-very-long-main-name\")",
             prctl(PR_SET_NAME, "a-very-long-main-name"));
    memset(name, 0, sizeof(name));
    prctl(PR_GET_NAME, name);
    printf("  PR_GET_NAME: [%s]\n", name);
    show_comm("  /proc/self/comm", "/proc/self/comm");
    show_task_comm("  its task comm", getpid());
    show_task_comm("  the worker's comm is its own", tid);
    sem_post(&done);
    join_thread(t);
    return 0;
}
