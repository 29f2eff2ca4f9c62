// System V message queues: sending and receiving by type (any, equal,
// MSG_EXCEPT, the lowest up to a negative type), MSG_NOERROR and E2BIG,
// IPC_NOWAIT, MSG_COPY, IPC_STAT's counts, a full queue (IPC_SET's
// msg_qbytes), a receive and a send that wait for another thread, a
// receive ended by IPC_RMID, keys, permissions for a non-root effective
// uid, and the errors of each call.
#include "ipc_check.h"

#include <sys/mman.h>

#define TEXT_MAX 200
#ifndef MSG_COPY
#define MSG_COPY 040000      // Linux's; musl's headers lack it
#endif

struct message {
    long type;
    char text[TEXT_MAX];
};

struct receiver {
    int id;
    long type;
    int flags;
    long ret;
    int err;
    struct message m;
};

static long
send(int id, long type, const char *text, int flags)
{
    struct message m = { .type = type };

    strncpy(m.text, text, sizeof(m.text) - 1);
    return msgsnd(id, &m, strlen(text) + 1, flags);
}

// Receive and print what came: its type and text, or the error.
static void
recv_show(const char *what, int id, size_t size, long type, int flags)
{
    struct message m;
    long n;

    memset(&m, 0, sizeof(m));
    n = msgrcv(id, &m, size, type, flags);
    if (n == -1)
        printf("%s: %s\n", what, errno_name(errno));
    else
        printf("%s: %ld bytes, type %ld, \"%.*s\"\n", what, n, m.type, (int)n, m.text);
}

static void
show_counts(const char *what, int id)
{
    struct msqid_ds ds;

    if (msgctl(id, IPC_STAT, &ds) == -1)
        printf("%s: IPC_STAT %s\n", what, errno_name(errno));
    else
        printf("%s: qnum %lu, cbytes %lu\n", what, (unsigned long)ds.msg_qnum,
               (unsigned long)ds.__msg_cbytes);
}

static void *
receive_thread(void *arg)
{
    struct receiver *r = arg;

    r->ret = msgrcv(r->id, &r->m, sizeof(r->m.text), r->type, r->flags);
    r->err = errno;
    return NULL;
}

static void *
send_thread(void *arg)
{
    struct receiver *r = arg;      // ret and err only

    char text[60];

    memset(text, 'z', sizeof(text) - 1);
    text[sizeof(text) - 1] = 0;
    r->ret = send(r->id, 9, text, 0);       // 60 bytes: no room until a receive
    r->err = errno;
    return NULL;
}

static void
test_new(int id, time_t before)
{
    struct msqid_ds ds;

    show("IPC_STAT", msgctl(id, IPC_STAT, &ds));
    printf("  qnum %lu, cbytes %lu, qbytes %lu, mode %o, key %d\n", (unsigned long)ds.msg_qnum,
           (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes, ds.msg_perm.mode,
           (int)ds.msg_perm.__key);
    yes_no("  no sender or receiver yet",
           !ds.msg_lspid && !ds.msg_lrpid && !ds.msg_stime && !ds.msg_rtime);
    yes_no("  ctime set", ds.msg_ctime >= before - 1);
}

static void
test_types(int id)
{
    struct msqid_ds ds;

    show("send type 3", send(id, 3, "three", 0));
    show("send type 1", send(id, 1, "one-a", 0));
    show("send type 2", send(id, 2, "two", 0));
    show("send type 1", send(id, 1, "one-b", 0));
    show_counts("  four queued", id);
    msgctl(id, IPC_STAT, &ds);
    yes_no("  lspid is the caller, stime set", ds.msg_lspid == getpid() && ds.msg_stime);
    recv_show("receive type 0", id, TEXT_MAX, 0, 0);
    recv_show("receive type 1", id, TEXT_MAX, 1, 0);
    recv_show("receive not type 1", id, TEXT_MAX, 1, MSG_EXCEPT);
    msgctl(id, IPC_STAT, &ds);
    yes_no("  lrpid is the caller, rtime set", ds.msg_lrpid == getpid() && ds.msg_rtime);
    send(id, 5, "five", 0);
    send(id, 2, "two-b", 0);
    send(id, 1, "one-c", 0);
    recv_show("receive type -3", id, TEXT_MAX, -3, 0);
    recv_show("receive type -3", id, TEXT_MAX, -3, 0);
    recv_show("receive type -3", id, TEXT_MAX, -3, 0);
    recv_show("receive type -3, IPC_NOWAIT", id, TEXT_MAX, -3, IPC_NOWAIT);
    recv_show("receive type 4, IPC_NOWAIT", id, TEXT_MAX, 4, IPC_NOWAIT);
    recv_show("receive type LONG_MIN", id, TEXT_MAX, (long)(~0ul >> 1) * -1 - 1, 0);
    show_counts("  empty", id);
}

static void
test_sizes(int id)
{
    char big[8193];

    send(id, 4, "a longer message than the buffer", 0);
    recv_show("receive into 10 bytes", id, 10, 0, IPC_NOWAIT);
    show_counts("  still queued", id);
    recv_show("receive into 10 bytes, MSG_NOERROR", id, 10, 0, MSG_NOERROR);
    show_counts("  taken", id);
    show("send 0 bytes", msgsnd(id, &(struct message){ .type = 8 }, 0, 0));
    recv_show("receive it", id, 0, 0, 0);
    memset(big, 'x', sizeof(big));
    big[sizeof(big) - 1] = 0;
    show("send 8193 bytes", send(id, 1, big, 0));
    big[sizeof(big) - 2] = 0;
    show("send 8192 bytes", send(id, 1, big, 0));
    show_counts("  queued", id);
    msgrcv(id, &(struct message){ 0 }, 0, 0, MSG_NOERROR);
}

static void
test_copy(int id)
{
    send(id, 1, "first", 0);
    send(id, 2, "second", 0);
    recv_show("MSG_COPY 1", id, TEXT_MAX, 1, MSG_COPY | IPC_NOWAIT);
    recv_show("MSG_COPY 0", id, TEXT_MAX, 0, MSG_COPY | IPC_NOWAIT);
    recv_show("MSG_COPY 2", id, TEXT_MAX, 2, MSG_COPY | IPC_NOWAIT);
    recv_show("MSG_COPY without IPC_NOWAIT", id, TEXT_MAX, 0, MSG_COPY);
    recv_show("MSG_COPY with MSG_EXCEPT", id, TEXT_MAX, 0, MSG_COPY | IPC_NOWAIT | MSG_EXCEPT);
    recv_show("MSG_COPY 0 into 3 bytes", id, 3, 0, MSG_COPY | IPC_NOWAIT);
    recv_show("MSG_COPY 0 into 3 bytes, MSG_NOERROR", id, 3, 0,
              MSG_COPY | IPC_NOWAIT | MSG_NOERROR);
    show_counts("  both still queued", id);
    recv_show("receive", id, TEXT_MAX, 0, 0);
    recv_show("receive", id, TEXT_MAX, 0, 0);
}

static void
test_errors(int id)
{
    char *edge =
        mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) + 4096;
    struct msqid_ds ds;

    munmap(edge, 4096);
    *(long *)(edge - sizeof(long)) = 1;       // a good type, then no text

    show("send type 0", send(id, 0, "x", 0));
    show("send type -1", send(id, -1, "x", 0));
    show("send from a bad pointer", msgsnd(id, (void *)8, 4, 0));
    show("send text past the memory's end", msgsnd(id, edge - sizeof(long), 4, 0));
    show("send id -1", send(-1, 1, "x", 0));
    show("send to an id never made", send(0x7ffffff0, 1, "x", 0));
    show("receive id -1", msgrcv(-1, &ds, 8, 0, 0));
    show("receive size -1", msgrcv(id, &ds, (size_t)-1, 0, IPC_NOWAIT));
    send(id, 1, "lost", 0);
    show("receive into a bad pointer", msgrcv(id, (void *)8, 8, 0, 0));
    show_counts("  the message is gone", id);
    show("msgctl id -1", msgctl(-1, IPC_STAT, &ds));
    show("msgctl cmd -1", msgctl(id, -1, &ds));
    show("msgctl cmd 99", msgctl(id, 99, &ds));
    show("IPC_STAT bad pointer", msgctl(id, IPC_STAT, (void *)8));
    show("IPC_SET bad pointer", msgctl(id, IPC_SET, (void *)8));
}

// A full queue: a sender that does not wait fails; one that waits goes
// when a receive makes room (whether it began waiting before or not).
static void
test_full(int id)
{
    struct receiver r = { .id = id };
    struct msqid_ds ds;
    char text[60];
    pthread_t t;

    msgctl(id, IPC_STAT, &ds);
    ds.msg_qbytes = 100;
    show("IPC_SET qbytes 100", msgctl(id, IPC_SET, &ds));
    memset(text, 'y', sizeof(text) - 1);
    text[sizeof(text) - 1] = 0;
    show("send 60 bytes", send(id, 1, text, 0));
    show("send 60 more, IPC_NOWAIT", send(id, 1, text, IPC_NOWAIT));
    t = start_thread(send_thread, &r);
    recv_show("receive, making room", id, 10, 0, MSG_NOERROR);
    join_thread(t);
    printf("  the waiting sender: %s\n", r.ret == -1 ? errno_name(r.err) : "ok");
    recv_show("receive", id, TEXT_MAX, 0, 0);
    ds.msg_qbytes = 16384;
    msgctl(id, IPC_SET, &ds);
}

// A queue of one's own: its size may shrink, not grow past MSGMNB without
// CAP_SYS_RESOURCE (which root may lack in a container, so not tried as root).
static void
test_own_queue(void)
{
    int id = ipc_track(IPC_KIND_MSG, msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    struct msqid_ds ds;

    show("  IPC_STAT of its own", msgctl(id, IPC_STAT, &ds));
    yes_no("  owned by uid 65534", ds.msg_perm.uid == 65534 && ds.msg_perm.cuid == 65534);
    ds.msg_qbytes = 16385;
    show("  IPC_SET qbytes 16385", msgctl(id, IPC_SET, &ds));
    ds.msg_qbytes = 50;
    show("  IPC_SET qbytes 50", msgctl(id, IPC_SET, &ds));
    show("  IPC_RMID", msgctl(id, IPC_RMID, NULL));
}

static void
test_wait(int id)
{
    struct receiver r = { .id = id, .type = 7 };
    pthread_t t = start_thread(receive_thread, &r);

    show("send type 6", send(id, 6, "six", 0));
    show("send type 7", send(id, 7, "seven", 0));
    join_thread(t);
    printf("a receive of type 7 waiting: %s, type %ld, \"%s\"\n",
           r.ret == -1 ? errno_name(r.err) : "ok", r.m.type, r.m.text);
    recv_show("  left", id, TEXT_MAX, 0, IPC_NOWAIT);
}

// IPC_RMID ends a receive that waits. Nothing shows a waiting receiver, so
// the removal comes a while after the receiver starts;
// should the removal still come first (EINVAL), try again, waiting longer.
static void
test_removed(void)
{
    struct receiver r = { 0 };

    for (int delay_ms = 50; delay_ms < 10000; delay_ms *= 2) {
        pthread_t t;

        r = (struct receiver){ .id =
                                   ipc_track(IPC_KIND_MSG, msgget(IPC_PRIVATE, IPC_CREAT | 0600)) };
        t = start_thread(receive_thread, &r);
        usleep(delay_ms * 1000);
        msgctl(r.id, IPC_RMID, NULL);
        join_thread(t);
        if (!(r.ret == -1 && r.err == EINVAL))
            break;
    }
    printf("IPC_RMID with a receiver waiting: %s\n", r.ret == -1 ? errno_name(r.err) : "ok");
}

static void
test_keys_perms(void)
{
    key_t key = own_key(IPC_KIND_MSG, 1);
    int id, priv;

    show("msgget a key not in use", msgget(key, 0600));
    id = ipc_track(IPC_KIND_MSG,
                   show("msgget IPC_CREAT|IPC_EXCL", msgget(key, IPC_CREAT | IPC_EXCL | 0644)));
    show("  again", msgget(key, IPC_CREAT | IPC_EXCL | 0600));
    yes_no("msgget the key: the same id", msgget(key, 0) == id);
    priv = ipc_track(IPC_KIND_MSG, msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    send(id, 1, "for anyone", 0);
    if (show("seteuid 65534", seteuid(65534)) == -1)
        return;
    show("send to 0644", send(id, 1, "x", IPC_NOWAIT));
    recv_show("receive from 0644", id, TEXT_MAX, 0, IPC_NOWAIT);
    recv_show("receive from 0600", priv, TEXT_MAX, 0, IPC_NOWAIT);
    show("IPC_STAT of 0600", msgctl(priv, IPC_STAT, &(struct msqid_ds){ 0 }));
    show("IPC_RMID of 0600", msgctl(priv, IPC_RMID, NULL));
    show("msgget the key asking for writing", msgget(key, 0200));
    test_own_queue();
    show("seteuid 0", seteuid(0));
    show("IPC_RMID", msgctl(id, IPC_RMID, NULL));
}

static void
test_info(int id)
{
    struct msginfo info;
    struct msqid_ds ds;
    int max = msgctl(0, IPC_INFO, (struct msqid_ds *)&info);

    yes_no("IPC_INFO returns an index at least this queue's", max >= (id & 0x7fff));
    printf("  msgpool %d msgmap %d msgmax %d msgmnb %d msgmni %d msgssz %d msgtql %d msgseg %u\n",
           info.msgpool, info.msgmap, info.msgmax, info.msgmnb, info.msgmni, info.msgssz,
           info.msgtql, info.msgseg);
    send(id, 1, "counted", 0);
    max = msgctl(0, MSG_INFO, (struct msqid_ds *)&info);
    yes_no("MSG_INFO counts this queue and message",
           max >= (id & 0x7fff) && info.msgpool >= 1 && info.msgmap >= 1 && info.msgtql >= 8);
    yes_no("MSG_STAT of its index gives its id",
           msgctl(id & 0x7fff, MSG_STAT, &ds) == id && ds.msg_qnum == 1);
    yes_no("MSG_STAT_ANY too", msgctl(id & 0x7fff, MSG_STAT_ANY, &ds) == id);
    msgrcv(id, &ds, 0, 0, MSG_NOERROR);
}

int
main(void)
{
    // Linux stamps IPC times from its coarse clock, which can lag a precise
    // time() by one tick across a second boundary: allow one second.
    time_t before = time(NULL);
    int id;

    setvbuf(stdout, NULL, _IONBF, 0);
    ipc_cleanup_at_end();
    id = ipc_track(IPC_KIND_MSG, show("msgget IPC_PRIVATE", msgget(IPC_PRIVATE, IPC_CREAT | 0600)));
    if (id == -1)
        return 1;
    test_new(id, before);
    test_types(id);
    test_sizes(id);
    test_copy(id);
    test_errors(id);
    test_full(id);
    test_wait(id);
    test_removed();
    test_keys_perms();
    test_info(id);
    show("IPC_RMID", msgctl(id, IPC_RMID, NULL));
    show("IPC_RMID again", msgctl(id, IPC_RMID, NULL));
    return 0;
}
