// The other CPUs QEMU gave us (-smp N; the MADT lists them) start when the
// program makes its first thread: one at a time, INIT and STARTUP IPIs to
// the trampoline (ap_boot.S), each waited for before the next, then each
// joins the scheduler as an idle CPU. A CPU that does not come up within a
// second is left out with a log line.
#include "arch/x86_64/smp.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "drivers/clock.h"
#include "mm/heap.h"
#include "mm/kstack.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "sched/klock.h"
#include "sched/sched.h"
#include "lib/string.h"
#include "layout.h"
#include "log.h"

extern char ap_trampoline[], ap_trampoline_end[], ap_cr3[], ap_stack[], ap_entry[];

static struct percpu *ap_booting;
static volatile bool ap_up;
static uint64_t *ap_pml4;

// What the trampoline turns paging on with: the first 2 MiB (the
// trampoline) identity-mapped beside the kernel's half. It must lie below
// 4 GiB: the trampoline loads CR3 in 32-bit mode.
__after_boot static uint64_t
make_ap_page_table(void)
{
    uint64_t pml4 = pmm_alloc_zeroed(), pdpt = pmm_alloc_zeroed(), pd = pmm_alloc_zeroed();
    uint64_t *p;

    if (!pml4 || !pdpt || !pd || (pml4 | pdpt | pd) >> 32)
        return 0;
    p = phys_to_virt(pml4);
    p[0] = pdpt | PTE_P | PTE_W;
    ((uint64_t *)phys_to_virt(pdpt))[0] = pd | PTE_P | PTE_W;
    ((uint64_t *)phys_to_virt(pd))[0] = PTE_P | PTE_W | PTE_PS;
    return pml4;
}

// An application processor's first C code, on its idle thread's stack,
// which sched_idle_loop then starts afresh.
__after_boot static __noreturn void
ap_main(void)
{
    struct percpu *c = ap_booting;

    write_cr3(virt_to_phys(paging_kernel_root()));    // no process's yet: active_mm NULL
    gdt_load_ap(c);
    trap_init();
    cpu_init_ap(c);
    lapic_init_ap();
    // Already its idle thread's: klock_acquire opens interrupt windows and
    // runs irq work, and timer_program reads current (fuzzing at --smp 2
    // found a NULL current there).
    c->current = c->idle;
    __atomic_store_n(&ap_up, true, __ATOMIC_RELEASE);
    klock_acquire();
    sched_idle_loop();
}

__after_boot static struct percpu *
make_percpu(uint32_t lapic_id)
{
    struct percpu *c = kzalloc(sizeof(*c));

    if (!c || gdt_make_ap(c) < 0)
        return NULL;
    c->self = c;
    c->cpu_id = num_cpus;
    c->lapic_id = lapic_id;
    c->armed_deadline = UINT64_MAX;
    c->pml4 = paging_kernel_root();
    return c;
}

// Start the CPU with local APIC LAPIC_ID; true once it runs ap_main.
__after_boot static bool
start_one(uint32_t lapic_id)
{
    struct percpu *c = make_percpu(lapic_id);
    uint64_t stack, deadline;
    uint8_t *tramp = phys_to_virt(AP_TRAMPOLINE_PHYS);

    if (!c || !(stack = sched_make_idle(c)))
        return false;
    // The kernel's half as it is now: the stack may be in a slot made just now.
    memcpy(ap_pml4 + 256, paging_kernel_root() + 256, 256 * sizeof(uint64_t));
    *(uint64_t *)(tramp + (ap_stack - ap_trampoline)) = stack;
    ap_booting = c;
    ap_up = false;
    lapic_start_ap(lapic_id, AP_TRAMPOLINE_PHYS >> PAGE_SHIFT);
    deadline = clock_monotonic_ns() + 1000000000ull;
    while (!__atomic_load_n(&ap_up, __ATOMIC_ACQUIRE))
        if (clock_monotonic_ns() > deadline)
            return false;
    cpus[num_cpus] = c;
    __atomic_store_n(&num_cpus, num_cpus + 1, __ATOMIC_RELEASE);
    return true;
}

__after_boot void
smp_start(void)
{
    static bool done;
    const uint8_t *ids;
    uint8_t *tramp = phys_to_virt(AP_TRAMPOLINE_PHYS);
    uint64_t cr3;
    int n;

    if (done)
        return;
    done = true;
    n = apic_cpu_ids(&ids);
    boot_cpu.lapic_id = lapic_my_id();
    if (n <= 1)
        return;
    if (!(cr3 = make_ap_page_table())) {
        klog("smp: no memory below 4 GiB for the start-up page table; one CPU");
        return;
    }
    memcpy(tramp, ap_trampoline, ap_trampoline_end - ap_trampoline);
    *(uint32_t *)(tramp + (ap_cr3 - ap_trampoline)) = cr3;
    ap_pml4 = phys_to_virt(cr3);
    *(uint64_t *)(tramp + (ap_entry - ap_trampoline)) = (uint64_t)ap_main;
    for (int i = 0; i < n && num_cpus < MAX_CPUS; i++)
        if (ids[i] != boot_cpu.lapic_id && !start_one(ids[i]))
            klog("smp: the CPU with local APIC %u did not start", ids[i]);
    klog("smp: %u CPUs", num_cpus);
}

// The CPUs the program may use: every enabled one the MADT lists, started
// or not yet (they start with the first thread), so sched_getaffinity and
// sysconf answer the same before and after.
__after_boot uint32_t
smp_cpus_present(void)
{
    const uint8_t *ids;
    int n = apic_cpu_ids(&ids);

    return n < 1 ? 1 : n > MAX_CPUS ? MAX_CPUS : (uint32_t)n;
}
