// Interrupts that wake a halted CPU: the local APIC's timer for deadlines
// (TSC-deadline mode when CPUID has it, else one-shot mode calibrated against
// the TSC) and the I/O APIC for device IRQs. Written from the Intel SDM vol. 3
// ("Advanced Programmable Interrupt Controller") and the 82093AA I/O APIC
// datasheet. Nothing here runs at boot: the first wait or device calls
// irq_init(), and each CPU's first deadline sets its timer up.
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "drivers/acpi.h"
#include "drivers/clock.h"
#include "layout.h"
#include "log.h"
#include "arch/x86_64/percpu.h"
#include "sched/spinlock.h"

#define MSR_TSC_DEADLINE        0x6e0
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

// Local APIC registers (byte offsets in its 4 KiB page).
#define LAPIC_ID          0x020
#define LAPIC_VERSION     0x030     // bits 23:16: number of LVT entries - 1
#define LAPIC_TPR         0x080
#define LAPIC_EOI         0x0b0
#define LAPIC_SVR         0x0f0
#define LAPIC_ICR_LOW     0x300
#define LAPIC_ICR_HIGH    0x310
#define LAPIC_LVT_CMCI    0x2f0     // exists with 7 LVT entries
#define LAPIC_LVT_TIMER   0x320
#define LAPIC_LVT_THERMAL 0x330     // with 6
#define LAPIC_LVT_PERF    0x340     // with 5
#define LAPIC_LVT_LINT0   0x350
#define LAPIC_LVT_LINT1   0x360
#define LAPIC_LVT_ERROR   0x370
#define LAPIC_TIMER_INIT  0x380
#define LAPIC_TIMER_CUR   0x390
#define LAPIC_TIMER_DIV   0x3e0
#define SVR_ENABLE        (1u << 8)
#define LVT_MASKED        (1u << 16)
#define LVT_TSC_DEADLINE  (2u << 17)
#define TIMER_DIV_1       0xb
#define ICR_INIT          (5u << 8)
#define ICR_STARTUP       (6u << 8)
#define ICR_PENDING       (1u << 12)
#define ICR_ASSERT        (1u << 14)
#define ICR_LEVEL         (1u << 15)

// I/O APIC: an index register and a data window; redirection entry N is
// registers 0x10 + 2N (low half) and 0x11 + 2N (high half: destination).
#define IOAPIC_MAX_PINS  240
#define IOREGSEL         0
#define IOWIN            4         // in 32-bit words: byte offset 0x10
#define IOAPIC_VER       0x01      // bits 23:16: number of entries - 1
#define IOAPIC_REDIR(n)  (0x10 + 2 * (n))
#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL      (1u << 15)
#define REDIR_MASKED     (1u << 16)
// QEMU's fixed I/O APIC address (hw/i386 IO_APIC_DEFAULT_ADDRESS), used only
// when the firmware gives no MADT; microvm's qboot does give one.
#define IOAPIC_FALLBACK 0xfec00000u

#define NSEC 1000000000ull

static volatile uint32_t *lapic;
static uint32_t lapic_id;
static bool tsc_deadline;       // else one-shot mode at lapic_timer_hz
static uint64_t lapic_timer_hz;
static struct spinlock timer_lock = SPINLOCK_INIT;   // the first CPUs to find the timer's mode
static bool timer_known;        // tsc_deadline and lapic_timer_hz are set
static uint64_t timer_lvt_set;  // bit cpu_id: that CPU's LVT timer entry is programmed
static struct acpi_madt madt;
static bool madt_found;

__after_boot static uint32_t
lapic_read(uint32_t reg)
{
    return lapic[reg / 4];
}
__after_boot static void
lapic_write(uint32_t reg, uint32_t v)
{
    lapic[reg / 4] = v;
}

__after_boot static uint32_t
ioapic_read(uint32_t phys, uint32_t reg)
{
    volatile uint32_t *io = phys_to_virt(phys);

    io[IOREGSEL] = reg;
    return io[IOWIN];
}

__after_boot static void
ioapic_write(uint32_t phys, uint32_t reg, uint32_t v)
{
    volatile uint32_t *io = phys_to_virt(phys);

    io[IOREGSEL] = reg;
    io[IOWIN] = v;
}

__after_boot static unsigned int
ioapic_pins(uint32_t phys)
{
    return MIN(((ioapic_read(phys, IOAPIC_VER) >> 16) & 0xff) + 1, IOAPIC_MAX_PINS);
}

// Ticks at HZ in NS nanoseconds, without 128-bit arithmetic (no libgcc).
__after_boot static uint64_t
ns_to_ticks(uint64_t ns, uint64_t hz)
{
    return ns / NSEC * hz + ns % NSEC * hz / NSEC;
}

// One-shot mode counts down at a rate the SDM leaves to the platform: count
// it against the TSC for 1 ms, once. Both ends read the TSC and then the
// count the same way, so the time each pair takes (an MMIO exit to QEMU)
// cancels out.
__after_boot static uint64_t
calibrate_timer(void)
{
    uint64_t tsc_hz = clock_tsc_hz(), t0, t1;
    uint32_t c0, c1;

    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | IRQ_VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, UINT32_MAX);
    t0 = rdtsc();
    c0 = lapic_read(LAPIC_TIMER_CUR);
    do {
        cpu_relax();
        t1 = rdtsc();
        c1 = lapic_read(LAPIC_TIMER_CUR);
    } while (t1 - t0 < tsc_hz / 1000);
    lapic_write(LAPIC_TIMER_INIT, 0);
    return MAX((uint64_t)(c0 - c1) * tsc_hz / (t1 - t0), 1);
}

// Software-enable the local APIC with our spurious vector and mask every
// local source but the timer (which stays masked until armed). The APIC is
// in xAPIC mode: cpu_init refused to boot otherwise.
__after_boot static void
lapic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    unsigned int lvts;

    if (!(base & APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    lapic = phys_to_virt(base & ~0xfffull & ((1ull << 52) - 1));
    lvts = ((lapic_read(LAPIC_VERSION) >> 16) & 0xff) + 1;
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | IRQ_VEC_TIMER);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    if (lvts >= 5)
        lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
    if (lvts >= 6)
        lapic_write(LAPIC_LVT_THERMAL, LVT_MASKED);
    if (lvts >= 7)
        lapic_write(LAPIC_LVT_CMCI, LVT_MASKED);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, SVR_ENABLE | IRQ_VEC_SPURIOUS);
}

// Find the I/O APICs (MADT) and mask every input: each IRQ is unmasked by
// the driver that waits for it (irq_route_isa).
__after_boot static void
ioapic_init(void)
{
    madt_found = acpi_read_madt(&madt);
    if (!madt_found) {
        klog("apic: no MADT from the firmware; I/O APIC assumed at 0x%x (QEMU's fixed address)",
             IOAPIC_FALLBACK);
        madt.ioapics[0] = (struct acpi_ioapic){ .address = IOAPIC_FALLBACK, .gsi_base = 0 };
        madt.num_ioapics = 1;
    }
    for (int i = 0; i < madt.num_ioapics; i++)
        for (unsigned int pin = 0; pin < ioapic_pins(madt.ioapics[i].address); pin++)
            ioapic_write(madt.ioapics[i].address, IOAPIC_REDIR(pin), REDIR_MASKED);
}

__after_boot void
irq_init(void)
{
    if (lapic)
        return;
    lapic_init();
    ioapic_init();
    lapic_id = lapic_my_id();
    klog("apic: local APIC %u, %d I/O APIC(s) from %s", lapic_id, madt.num_ioapics,
         madt_found ? "the MADT" : "the fallback");
}

// The timer's mode, and in one-shot mode its rate, found once, by the
// first CPU to need its timer: routing a device's interrupt (the console's,
// at a program's first write) then costs no millisecond of counting the
// timer against the TSC, nor the TSC's own calibration. Every CPU's local
// APIC runs at the same rate on QEMU and on real hardware of one package.
__after_boot static void
timer_discover(void)
{
    if (__atomic_load_n(&timer_known, __ATOMIC_ACQUIRE))
        return;
    spin_lock(&timer_lock);
    if (!timer_known) {
        irq_init();
        tsc_deadline = cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE;
        if (!tsc_deadline)
            lapic_timer_hz = calibrate_timer();
        klog("apic: timer %s (%lu Hz)", tsc_deadline ? "TSC-deadline" : "one-shot",
             tsc_deadline ? clock_tsc_hz() : lapic_timer_hz);
        __atomic_store_n(&timer_known, true, __ATOMIC_RELEASE);
    }
    spin_unlock(&timer_lock);
}

// This CPU's LVT timer entry, in the mode found, at its first use.
__after_boot static void
timer_lvt(void)
{
    uint64_t bit = 1ull << this_cpu()->cpu_id;

    if (__atomic_load_n(&timer_lvt_set, __ATOMIC_RELAXED) & bit)
        return;
    timer_discover();
    if (tsc_deadline) {
        lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | IRQ_VEC_TIMER);
        // The SDM asks for a fence between the xAPIC MMIO write that selects
        // TSC-deadline mode and the first WRMSR of the deadline.
        __asm__ volatile("mfence" ::: "memory");
    } else {
        lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
        lapic_write(LAPIC_LVT_TIMER, IRQ_VEC_TIMER);    // one-shot, unmasked, stopped
    }
    __atomic_or_fetch(&timer_lvt_set, bit, __ATOMIC_RELAXED);
}

// The enabled processors' local APIC ids (the MADT's), for starting them.
__after_boot int
apic_cpu_ids(const uint8_t **ids)
{
    irq_init();
    *ids = madt.lapic_ids;
    return madt.num_cpus;
}

__after_boot uint32_t
lapic_my_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

__after_boot void
lapic_init_ap(void)
{
    lapic_init();
    timer_lvt();
}

__after_boot static void
icr_send(uint32_t apic_id, uint32_t low)
{
    while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING)
        cpu_relax();
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, low);
}

__after_boot void
lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    icr_send(apic_id, ICR_ASSERT | vector);     // fixed delivery, physical destination
}

// The SDM's sequence: INIT, 10 ms, STARTUP, 200 us, STARTUP. The waits are
// for real hardware; QEMU starts the CPU at the first STARTUP, and a second
// one to a CPU already running is ignored.
__after_boot void
lapic_start_ap(uint32_t apic_id, uint8_t sipi_page)
{
    icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
    icr_send(apic_id, ICR_INIT | ICR_LEVEL);
    clock_delay_ns(10000000);
    icr_send(apic_id, ICR_STARTUP | sipi_page);
    clock_delay_ns(200000);
    icr_send(apic_id, ICR_STARTUP | sipi_page);
}

__after_boot void
lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

__after_boot void
lapic_timer_arm(uint64_t deadline_ns)
{
    uint64_t now, ticks;

    timer_lvt();
    if (tsc_deadline) {
        wrmsr(MSR_TSC_DEADLINE, boot_tsc + ns_to_ticks(deadline_ns, clock_tsc_hz()));
        return;
    }
    now = clock_monotonic_ns();
    ticks = deadline_ns > now ? ns_to_ticks(deadline_ns - now, lapic_timer_hz) : 1;
    lapic_write(LAPIC_TIMER_INIT, MAX(MIN(ticks, UINT32_MAX), 1)); // longer: woken early, re-armed
}

// ISA IRQ IRQ raises VECTOR on this CPU: through the GSI an override names,
// else the GSI of the same number, active high and edge-triggered as ISA is.
// False when no I/O APIC has that GSI: the caller decides what that means.
__after_boot bool
irq_route_isa(unsigned int irq, uint8_t vector)
{
    uint32_t gsi = irq, flags = 0, low;

    irq_init();
    for (int i = 0; i < madt.num_overrides; i++)
        if (madt.overrides[i].irq == irq)
            gsi = madt.overrides[i].gsi, flags = madt.overrides[i].flags;
    low = vector; // fixed delivery, physical destination
    if ((flags & ACPI_POLARITY_MASK) == ACPI_POLARITY_LOW)
        low |= REDIR_ACTIVE_LOW;
    if ((flags & ACPI_TRIGGER_MASK) == ACPI_TRIGGER_LEVEL)
        low |= REDIR_LEVEL;
    for (int i = 0; i < madt.num_ioapics; i++) {
        const struct acpi_ioapic *io = &madt.ioapics[i];
        if (gsi < io->gsi_base || gsi - io->gsi_base >= ioapic_pins(io->address))
            continue;
        ioapic_write(io->address, IOAPIC_REDIR(gsi - io->gsi_base) + 1, lapic_id << 24);
        ioapic_write(io->address, IOAPIC_REDIR(gsi - io->gsi_base), low);
        return true;
    }
    klog("apic: no I/O APIC input for ISA IRQ %u (GSI %u)", irq, gsi);
    return false;
}

static struct {
    void (*fn)(void *);
    void *arg;
} handlers[IRQ_VEC_DEV_LAST - IRQ_VEC_DEV_FIRST + 1];

__after_boot bool
irq_set_handler(uint8_t vector, void (*fn)(void *), void *arg)
{
    if (vector < IRQ_VEC_DEV_FIRST || vector > IRQ_VEC_DEV_LAST)
        return false;
    handlers[vector - IRQ_VEC_DEV_FIRST].fn = fn;
    handlers[vector - IRQ_VEC_DEV_FIRST].arg = arg;
    return true;
}

__after_boot void
irq_run_handler(uint8_t vector)
{
    if (handlers[vector - IRQ_VEC_DEV_FIRST].fn)
        handlers[vector - IRQ_VEC_DEV_FIRST].fn(handlers[vector - IRQ_VEC_DEV_FIRST].arg);
}
