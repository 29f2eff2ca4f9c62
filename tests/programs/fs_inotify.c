// inotify(7): the events a program's own changes make (names, masks, cookie
// pairs, IN_ISDIR, the order Linux queues them), watches (wds from 1,
// IN_ONESHOT, IN_MASK_ADD/CREATE, rm_watch's IN_IGNORED, a node's end),
// read's rules (whole events, EINVAL, EAGAIN, FIONREAD, poll), the queue's
// overflow, a forked child's changes, and the argument errors.
#include "fs_check.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#define SCRATCH "/tmp/pkgload-fs_inotify"

static uint32_t cookies[64];
static int ncookies;

// Cookies differ between systems: name them by first appearance (c1, c2, ...).
static int
cookie_label(uint32_t cookie)
{
    for (int i = 0; i < ncookies; i++)
        if (cookies[i] == cookie)
            return i + 1;
    if (ncookies < 64)
        cookies[ncookies++] = cookie;
    return ncookies;
}

static void
print_mask(uint32_t mask)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } bits[] = {
        { IN_ACCESS, "ACCESS" },
        { IN_MODIFY, "MODIFY" },
        { IN_ATTRIB, "ATTRIB" },
        { IN_CLOSE_WRITE, "CLOSE_WRITE" },
        { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
        { IN_OPEN, "OPEN" },
        { IN_MOVED_FROM, "MOVED_FROM" },
        { IN_MOVED_TO, "MOVED_TO" },
        { IN_CREATE, "CREATE" },
        { IN_DELETE, "DELETE" },
        { IN_DELETE_SELF, "DELETE_SELF" },
        { IN_MOVE_SELF, "MOVE_SELF" },
        { IN_UNMOUNT, "UNMOUNT" },
        { IN_Q_OVERFLOW, "Q_OVERFLOW" },
        { IN_IGNORED, "IGNORED" },
        { IN_ISDIR, "ISDIR" },
    };
    const char *sep = "";

    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (mask & bits[i].bit) {
            printf("%s%s", sep, bits[i].name);
            sep = "|";
            mask &= ~bits[i].bit;
        }
    if (mask)
        printf("%s0x%x", sep, mask);
}

static void
print_events(const char *buf, ssize_t n)
{
    for (ssize_t off = 0; off < n;) {
        const struct inotify_event *ev = (const void *)(buf + off);
        printf("  wd=%d ", ev->wd);
        print_mask(ev->mask);
        if (ev->cookie)
            printf(" cookie=c%d", cookie_label(ev->cookie));
        if (ev->len)
            printf(" name=%s len=%u", ev->name, ev->len);
        printf("\n");
        off += sizeof(*ev) + ev->len;
    }
}

// Print every event queued now on the non-blocking FD, under TITLE.
static void
drain(int fd, const char *title)
{
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n;

    printf("%s:\n", title);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        print_events(buf, n);
    if (errno != EAGAIN)
        printf("  read: -1 %s\n", errno_name(errno));
}

static void
append_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_APPEND);

    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        perror(path);
    close(fd);
}

static void
errors(void)
{
    int in = inotify_init1(IN_NONBLOCK), file = open("efile", O_CREAT | O_RDWR, 0644);

    CHECK("init1 bad flag", inotify_init1(1));
    CHECK("init1 O_RDWR", inotify_init1(O_RDWR));
    CHECK("add bad fd", inotify_add_watch(-1, ".", IN_ALL_EVENTS));
    CHECK("add closed fd", inotify_add_watch(999, ".", IN_ALL_EVENTS));
    CHECK("add not inotify", inotify_add_watch(file, ".", IN_ALL_EVENTS));
    CHECK("add mask 0", inotify_add_watch(in, ".", 0));
    CHECK("add add+create", inotify_add_watch(in, ".", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
    CHECK("add missing", inotify_add_watch(in, "nothing", IN_ALL_EVENTS));
    CHECK("add efault", inotify_add_watch(in, BAD_PTR, IN_ALL_EVENTS));
    CHECK("add empty", inotify_add_watch(in, "", IN_ALL_EVENTS));
    CHECK("add onlydir file", inotify_add_watch(in, "efile", IN_ALL_EVENTS | IN_ONLYDIR));
    CHECK("add under file", inotify_add_watch(in, "efile/x", IN_ALL_EVENTS));
    CHECK("rm bad fd", inotify_rm_watch(-1, 1));
    CHECK("rm not inotify", inotify_rm_watch(file, 1));
    CHECK("rm unknown wd", inotify_rm_watch(in, 7));
    CHECK("rm wd 0", inotify_rm_watch(in, 0));
    CHECK("write", write(in, "x", 1) < 0 ? -errno : 0);
    CHECK("ioctl other", ioctl(in, TCGETS, &(char[64]){ 0 }));
    CHECK("init1 cloexec", (fcntl(inotify_init1(IN_CLOEXEC), F_GETFD) & FD_CLOEXEC) != 0);
    drain(in, "no events from errors");
    close(file);
    close(in);
}

// Events on the children of watched folders.
static void
folder_events(void)
{
    int in = inotify_init1(IN_NONBLOCK), fd;
    char c;

    mkdir("d", 0755);
    mkdir("e", 0755);
    CHECK("watch d", inotify_add_watch(in, "d", IN_ALL_EVENTS));
    CHECK("watch e", inotify_add_watch(in, "e", IN_ALL_EVENTS));
    CHECK("watch d again", inotify_add_watch(in, "d", IN_ALL_EVENTS));
    fd = open("d/f", O_CREAT | O_WRONLY, 0644);
    write(fd, "ab", 2);
    write(fd, "cd", 2);     // the same event again: merged
    close(fd);
    drain(in, "create, write twice, close");
    chmod("d/f", 0600);
    fd = open("d/f", O_RDONLY);
    read(fd, &c, 1);
    read(fd, &c, 1);
    close(fd);
    truncate("d/f", 1);
    fd = open("d/f", O_WRONLY | O_TRUNC);
    close(fd);
    drain(in, "chmod, open, read twice, close, truncate, O_TRUNC");
    mkdir("d/s", 0755);
    symlink("f", "d/l");
    link("d/f", "d/h");
    mknod("d/p", S_IFIFO | 0644, 0);
    drain(in, "mkdir, symlink, link, mkfifo");
    rename("d/f", "d/g");
    rename("d/g", "e/g");
    rename("d/s", "e/s");
    rename("d/h", "e/g");   // replaces e/g
    drain(in, "renames");
    unlink("e/g");
    unlink("d/l");
    unlink("d/p");
    rmdir("e/s");
    drain(in, "unlink, rmdir");
    close(in);
}

// Events on watched nodes themselves, with their folders watched too.
static void
self_events(void)
{
    int in = inotify_init1(IN_NONBLOCK), fd;

    mkdir("s", 0755);
    mkdir("s/sub", 0755);
    close(open("s/f", O_CREAT | O_WRONLY, 0644));
    CHECK("watch s", inotify_add_watch(in, "s", IN_ALL_EVENTS));
    CHECK("watch s/f", inotify_add_watch(in, "s/f", IN_ALL_EVENTS));
    CHECK("watch s/sub", inotify_add_watch(in, "s/sub", IN_ALL_EVENTS));
    append_file("s/f", "x");
    chmod("s/sub", 0700);
    rename("s/f", "s/f2");
    drain(in, "write, chmod folder, rename");
    fd = open("s/f2", O_RDONLY);
    unlink("s/f2");
    drain(in, "unlink an open file");
    close(fd);
    drain(in, "its last close");
    rename("s/sub", "s/sub2");
    drain(in, "rename a watched folder");
    rmdir("s/sub2");
    drain(in, "rmdir");
    rmdir("s");
    drain(in, "rmdir the watched folder");
    CHECK("rm gone wd", inotify_rm_watch(in, 1));
    close(in);
}

// IN_ONESHOT, IN_MASK_ADD, IN_MASK_CREATE, rm_watch, and wd numbering.
static void
watch_masks(void)
{
    int in = inotify_init1(IN_NONBLOCK);

    close(open("m", O_CREAT | O_WRONLY, 0644));
    CHECK("oneshot", inotify_add_watch(in, "m", IN_MODIFY | IN_ONESHOT));
    append_file("m", "1");
    append_file("m", "2");
    drain(in, "oneshot: one event, then ignored");
    CHECK("modify", inotify_add_watch(in, "m", IN_MODIFY));
    CHECK("replace with attrib", inotify_add_watch(in, "m", IN_ATTRIB));
    append_file("m", "3");
    chmod("m", 0600);
    drain(in, "attrib only");
    CHECK("mask add modify", inotify_add_watch(in, "m", IN_MODIFY | IN_MASK_ADD));
    append_file("m", "4");
    chmod("m", 0644);
    drain(in, "modify and attrib");
    CHECK("mask create", inotify_add_watch(in, "m", IN_MODIFY | IN_MASK_CREATE));
    CHECK("mask create new", inotify_add_watch(in, ".", IN_CREATE | IN_MASK_CREATE));
    CHECK("rm", inotify_rm_watch(in, 2));
    CHECK("rm again", inotify_rm_watch(in, 2));
    drain(in, "rm_watch");
    CHECK("after rm", inotify_add_watch(in, "m", IN_MODIFY));
    symlink("m", "ml");
    CHECK("dont_follow", inotify_add_watch(in, "ml", IN_ATTRIB | IN_DONT_FOLLOW));
    CHECK("follow", inotify_add_watch(in, "ml", IN_ATTRIB));
    CHECK("onlydir", inotify_add_watch(in, ".", IN_ATTRIB | IN_ONLYDIR));
    CHECK("excl_unlink", inotify_add_watch(in, ".", IN_DELETE | IN_EXCL_UNLINK));
    close(in);
}

// read's rules, FIONREAD and poll.
static void
reading(void)
{
    int in = inotify_init1(IN_NONBLOCK), n = -1;
    char buf[256] __attribute__((aligned(8)));
    struct pollfd p = { .fd = 0, .events = POLLIN };
    ssize_t r;

    p.fd = in;
    mkdir("r", 0755);
    CHECK("watch r", inotify_add_watch(in, "r", IN_CREATE));
    CHECK("poll empty", poll(&p, 1, 0));
    CHECK("read empty", read(in, buf, sizeof(buf)));
    CHECK("fionread empty", ioctl(in, FIONREAD, &n));
    printf("fionread: %d\n", n);
    mkdir("r/abc", 0755);
    mkdir("r/a-name-of-twenty-two", 0755);
    CHECK("poll ready", poll(&p, 1, 0));
    printf("revents: 0x%x\n", p.revents);
    CHECK("fionread", ioctl(in, FIONREAD, &n));
    printf("fionread: %d\n", n);
    CHECK("read 16 bytes", read(in, buf, 16));
    CHECK("read 31 bytes", read(in, buf, 31));
    CHECK("read 40 bytes", r = read(in, buf, 40));
    print_events(buf, r);
    CHECK("read 40 bytes again", read(in, buf, 40));
    CHECK("read 64 bytes", r = read(in, buf, 64));
    print_events(buf, r);
    CHECK("fionread drained", ioctl(in, FIONREAD, &n));
    printf("fionread: %d\n", n);
    CHECK("read drained", read(in, buf, sizeof(buf)));
    mkdir("r/lost", 0755);
    CHECK("read efault", syscall(SYS_read, in, BAD_PTR, sizeof(buf)));
    CHECK("read after efault", read(in, buf, sizeof(buf)));
    close(in);
}

// A full queue ends with one IN_Q_OVERFLOW (wd -1); the rest is dropped.
static void
overflow(void)
{
    int in = inotify_init1(IN_NONBLOCK), count = 0, overflows = 0, last_wd = 0, fd;
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n;

    close(open("o", O_CREAT | O_WRONLY, 0644));
    CHECK("watch o", inotify_add_watch(in, "o", IN_MODIFY | IN_ATTRIB));
    fd = open("o", O_WRONLY);
    for (int i = 0; i < 8200; i++) {   // 16400 events, none merged
        write(fd, "x", 1);
        fchmod(fd, 0644);
    }
    close(fd);
    while ((n = read(in, buf, sizeof(buf))) > 0)
        for (ssize_t off = 0; off < n; off += sizeof(struct inotify_event)) {
            const struct inotify_event *ev = (const void *)(buf + off);
            count++;
            overflows += !!(ev->mask & IN_Q_OVERFLOW);
            last_wd = ev->wd;
        }
    printf("overflow: %d events, %d overflows, last wd %d\n", count, overflows, last_wd);
    close(in);
}

// The parent hears what a forked child does, and a blocking read waits for it.
static void
forked(void)
{
    int in = inotify_init1(0);
    char buf[256] __attribute__((aligned(8)));
    ssize_t n;
    pid_t pid;

    mkdir("k", 0755);
    CHECK("watch k", inotify_add_watch(in, "k", IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE));
    if ((pid = fork()) == 0) {
        usleep(100000);
        mkdir("k/made", 0755);
        _exit(0);
    }
    CHECK("blocking read", n = read(in, buf, sizeof(buf)));
    print_events(buf, n);
    waitpid(pid, NULL, 0);
    if ((pid = fork()) == 0) {
        int fd = open("k/file", O_CREAT | O_WRONLY, 0644);
        write(fd, "child", 5);
        close(fd);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    fcntl(in, F_SETFL, O_NONBLOCK);
    drain(in, "the child's file");
    close(in);
}

// rename over a watched file, RENAME_EXCHANGE, a hard link's count, and
// two instances watching one node.
static void
replacing(void)
{
    int in = inotify_init1(IN_NONBLOCK), in2 = inotify_init1(IN_NONBLOCK);

    mkdir("x", 0755);
    mkdir("y", 0755);
    close(open("x/a", O_CREAT | O_WRONLY, 0644));
    close(open("x/b", O_CREAT | O_WRONLY, 0644));
    mkdir("y/c", 0755);
    CHECK("watch x", inotify_add_watch(in, "x", IN_ALL_EVENTS));
    CHECK("watch y", inotify_add_watch(in, "y", IN_ALL_EVENTS));
    CHECK("watch x/b", inotify_add_watch(in, "x/b", IN_ALL_EVENTS));
    CHECK("watch x/a", inotify_add_watch(in, "x/a", IN_ALL_EVENTS));
    CHECK("second instance x/a", inotify_add_watch(in2, "x/a", IN_ATTRIB | IN_MOVE_SELF));
    CHECK("link", link("x/a", "y/a2"));
    drain(in, "a link of a watched file");
    CHECK("rename over", rename("x/a", "x/b"));
    drain(in, "rename over a watched file");
    CHECK("exchange", syscall(SYS_renameat2, AT_FDCWD, "x/b", AT_FDCWD, "y/c", 2));
    drain(in, "exchange a file and a folder");
    drain(in2, "the second instance");
    close(in2);
    close(in);
}

// Listing folders: the watched one and a child of it.
static void
listing(void)
{
    int in = inotify_init1(IN_NONBLOCK), n = 0;
    DIR *d;

    mkdir("ls", 0755);
    mkdir("ls/child", 0755);
    close(open("ls/file", O_CREAT | O_WRONLY, 0644));
    CHECK("watch ls", inotify_add_watch(in, "ls", IN_ALL_EVENTS));
    for (const char *path = "ls"; path; path = strcmp(path, "ls") ? NULL : "ls/child") {
        if (!(d = opendir(path)))
            continue;
        while (readdir(d))
            n++;
        closedir(d);
    }
    printf("entries: %d\n", n);
    drain(in, "opendir, readdir, closedir");
    close(in);
}

static void
on_alarm(int sig __attribute__((unused)))
{
}

// epoll readiness (edge-triggered too), and a signal ending a blocking read.
static void
waiting(void)
{
    int in = inotify_init1(0), ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out;
    struct sigaction sa = { .sa_handler = on_alarm };   // no SA_RESTART: EINTR
    char buf[256] __attribute__((aligned(8)));

    mkdir("w", 0755);
    CHECK("watch w", inotify_add_watch(in, "w", IN_CREATE));
    CHECK("epoll add", epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev));
    CHECK("epoll empty", epoll_wait(ep, &out, 1, 0));
    mkdir("w/one", 0755);
    CHECK("epoll ready", epoll_wait(ep, &out, 1, 0));
    printf("events: 0x%x\n", out.events);
    CHECK("epoll edge consumed", epoll_wait(ep, &out, 1, 0));
    mkdir("w/two", 0755);
    CHECK("epoll new edge", epoll_wait(ep, &out, 1, 0));
    CHECK("read both", read(in, buf, sizeof(buf)));
    sigaction(SIGALRM, &sa, NULL);
    ualarm(100000, 0);
    CHECK("blocking read, signal", read(in, buf, sizeof(buf)));
    close(ep);
    close(in);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    enter_scratch(SCRATCH);
    errors();
    folder_events();
    self_events();
    watch_masks();
    reading();
    overflow();
    forked();
    replacing();
    listing();
    waiting();
    show_file("max_queued_events", "/proc/sys/fs/inotify/max_queued_events");
    show_file("max_user_instances", "/proc/sys/fs/inotify/max_user_instances");
    leave_scratch(SCRATCH);
    return 0;
}
