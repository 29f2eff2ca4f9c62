// Memory protection keys (pkeys(7)), answered as Linux answers on a CPU
// without PKU: pkey_alloc finds no key (ENOSPC, as pkey_alloc(2) promises),
// pkey_free has none to free (EINVAL), pkey_mprotect with key -1 is
// mprotect. The guest CPU has no PKU (CR4.PKE stays clear), so V8's probe
// learns that keys are unavailable and goes on without them.
#include "types.h"
#include "syscalls.h"          // every handler's prototype, generated from table.tsv
#include "syscalls/mprotect.h"
#include <asm-generic/errno.h>

#define PKEY_ACCESS_MASK 0x3   // PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE

long
sys_pkey_alloc(unsigned long flags, unsigned long access_rights)
{
    if (flags)
        return -EINVAL;
    if (access_rights & ~PKEY_ACCESS_MASK)
        return -EINVAL;
    // LINUX-DIFF: this host's Linux answers a process's first valid call EINVAL
    // (it takes the key, cannot set its rights, and keeps it), ENOSPC after.
    return -ENOSPC;
}

long
sys_pkey_free(int pkey)
{
    return -EINVAL; // no key was ever allocated
}

long
sys_pkey_mprotect(unsigned long addr, size_t len, unsigned long prot, int pkey)
{
    return mprotect_with_key(addr, len, prot, pkey);
}
