// QEMU's debug console at port 0xe9: one outb per byte, no status to poll.
// It carries the kernel log and the exit record, never the program's output.
#include "drivers/debugcon.h"
#include "arch/x86_64/cpu.h"

#define DEBUGCON_PORT 0xe9

void
debugcon_write(const char *s, size_t n)
{
    __asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(DEBUGCON_PORT) : "memory");
}
