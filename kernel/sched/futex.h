// Futexes (futex(2)): threads wait on a 32-bit word of the program's memory
// and are woken by address. A private futex is known by (address space,
// address); a shared one in a MAP_SHARED mapping by its physical address,
// as Linux keys private anonymous memory by address and shared memory by
// the page, so private and shared operations on the same anonymous word
// meet. Caller holds the kernel lock.
#pragma once
#include "types.h"

struct thread;

#define FUTEX_FOREVER UINT64_MAX

// DEADLINE is monotonic ns (FUTEX_FOREVER for none). 0, -EAGAIN, -ETIMEDOUT,
// -EINTR / -ERESTARTSYS, -EFAULT, -EINVAL.
long futex_wait(uint32_t __user *uaddr, bool shared, uint32_t val, uint64_t deadline,
                uint32_t bitset);
long futex_wake(uint32_t __user *uaddr, bool shared, int n, uint32_t bitset);
long futex_requeue(uint32_t __user *uaddr, bool shared, int nwake, int nrequeue,
                   uint32_t __user *uaddr2, bool cmp, uint32_t cmpval);
long futex_wake_op(uint32_t __user *uaddr, bool shared, int n, int n2, uint32_t __user *uaddr2,
                   uint32_t op);
long futex_lock_pi(uint32_t __user *uaddr, bool shared, uint64_t deadline, bool try_only);
long futex_unlock_pi(uint32_t __user *uaddr, bool shared);
// A thread is dying: its robust list's futexes get FUTEX_OWNER_DIED and a waiter woken.
void futex_exit_robust(struct thread *t);
