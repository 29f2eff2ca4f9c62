// System V message queues (msgget, msgsnd, msgrcv, msgctl).
#pragma once
#include "types.h"
#include <linux/msg.h>

// One message: its type and bytes, as it waits in a queue.
struct msg_item {
    struct msg_item *next;
    long type;
    size_t size;
    char text[];
};

struct msg_item *msg_alloc(size_t size);    // NULL when out of memory
void msg_free(struct msg_item *m);

long msg_get(int32_t key, int flags);                         // msgget: the id
// msgsnd with M made and checked: 0 when the queue (or a waiting receiver)
// took M, else the error and M is still the caller's.
long msg_send(int id, struct msg_item *m, int flags);
// msgrcv: *OUT is the message taken off the queue (or copied, MSG_COPY),
// for the caller to copy out and free.
long msg_receive(int id, size_t bufsz, long type, int flags, struct msg_item **out);
// IPC_STAT (0), MSG_STAT and MSG_STAT_ANY (ID is an index: the id).
long msg_stat(int id, int cmd, struct msqid64_ds *out);
int msg_info(int cmd, struct msginfo *out);                   // IPC_INFO, MSG_INFO
long msg_set(int id, const struct msqid64_ds *in);            // IPC_SET
long msg_remove(int id);                                      // IPC_RMID
