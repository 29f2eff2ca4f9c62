// kmain: from the boot stub to the program's first instruction.
#include "types.h"
#include "layout.h"
#include "log.h"
#include "manifest.h"
#include "crash_test.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/pvh.h"
#include "arch/x86_64/trap.h"
#include "drivers/clock.h"
#include "drivers/pic.h"
#include "drivers/rng.h"
#include "exec/exec.h"
#include "fs/console.h"
#include "fs/file.h"
#include "fs/initramfs.h"
#include "fs/vfs.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "sched/proc.h"
#include "syscalls/stubs.h"
#include "syscalls/trace.h"

void kmain(void);

void
kmain(void)
{
    const struct hvm_start_info *si = phys_to_virt(boot_start_info);
    struct thread *t;
    struct trap_frame *f;

    cpu_detect();
    manifest_load(si);
    pmm_init(si);
    paging_init();
    gdt_init();
    trap_init();
    cpu_init();
    pic_disable();
    initramfs_init(si);
    rng_seed(manifest.raw->seed, MANIFEST_SEED_LEN);
    clock_set_realtime(manifest.raw->time_ns);
    stubs_load(manifest.raw->stubs);
    trace_init();
    vfs_init();

    t = proc_create_init();
    console_open_stdio();
    f = (struct trap_frame *)(t->kstack_top - sizeof(*f));
    if (manifest.raw->flags & MANIFEST_CRASH_MASK)     // tests only: docs/boot-protocol.md
        crash_test_run((manifest.raw->flags & MANIFEST_CRASH_MASK) >> MANIFEST_CRASH_SHIFT);
    exec_initial(f);
    t->mark_tsc = user_entry_tsc = rdtsc();
    trap_return_to(f);
}
