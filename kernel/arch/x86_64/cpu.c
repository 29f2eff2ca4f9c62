// Boot CPU setup: which optional features exist, the control register bits
// we turn on (SSE/XSAVE for programs, SMEP/SMAP/UMIP against the program,
// global pages), the syscall MSRs and %gs pointing at the per-CPU block.
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "layout.h"
#include "log.h"

struct cpu_features cpu_features;
extern struct tss tss;       // gdt.c
extern uint64_t gdt[];
extern uint64_t boot_pml4[];    // boot.S
extern struct mm init_mm;       // sched/proc.c
struct percpu boot_cpu = {
    .pml4 = boot_pml4,
    .active_mm = &init_mm,
    .self = &boot_cpu,
    .tss = &tss,
    .gdt = gdt,
    .armed_deadline = UINT64_MAX,
};
struct percpu *cpus[MAX_CPUS] = { &boot_cpu };
uint32_t num_cpus = 1;

extern char syscall_entry[];
extern uint32_t boot_cpuid_ext_edx;   // boot.S

#define CR0_MP         (1ull << 1)
#define CR0_EM         (1ull << 2)
#define CR0_NE         (1ull << 5)
#define CR4_PGE        (1ull << 7)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP       (1ull << 11)
#define CR4_OSXSAVE    (1ull << 18)
#define CR4_SMEP       (1ull << 20)
#define CR4_SMAP       (1ull << 21)
#define EFER_SCE       (1ull << 0)
#define EFER_NXE       (1ull << 11)

void
cpu_detect(void)
{
    struct cpuid_regs r1 = cpuid(1, 0), r7 = cpuid(7, 0);

    cpu_features.hwcap = r1.edx;
    cpu_features.xsave = r1.ecx & (1u << 26);
    cpu_features.rdrand = r1.ecx & (1u << 30);
    cpu_features.smep = r7.ebx & (1u << 7);
    cpu_features.smap = r7.ebx & (1u << 20);
    cpu_features.umip = r7.ecx & (1u << 2);
    cpu_features.fsgsbase = r7.ebx & (1u << 0);
    // RDTSCP (CPUID 0x80000001, which boot.S asked) or RDPID: either reads TSC_AUX.
    cpu_features.tsc_aux = (boot_cpuid_ext_edx >> 27 | r7.ecx >> 22) & 1;
}

// XCR0: every user state component the CPU has among x87, SSE, AVX, and the
// AVX-512 trio, so glibc's ifuncs pick the same code they would on Linux.
static void
enable_xsave(void)
{
    struct cpuid_regs d = cpuid(0xd, 0);
    uint64_t want = 0x7 | 0xe0;   // x87 | SSE | AVX | opmask | ZMM_Hi256 | Hi16_ZMM
    uint64_t xcr0 = (((uint64_t)d.edx << 32) | d.eax) & want;

    if ((xcr0 & 0xe0) != 0xe0)
        xcr0 &= ~0xe0ull;         // AVX-512 is all three or nothing
    __asm__ volatile("xsetbv" ::"c"(0), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)));
    cpu_features.xcr0 = xcr0;
    cpu_features.xsave_size = cpuid(0xd, 0).ebx;   // size for the enabled components
}

static void
setup_control_registers(void)
{
    uint64_t cr4 = read_cr4() | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;

    write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE);
    if (cpu_features.xsave)
        cr4 |= CR4_OSXSAVE;
    if (cpu_features.smep)
        cr4 |= CR4_SMEP;
    if (cpu_features.smap)
        cr4 |= CR4_SMAP;
    if (cpu_features.umip)
        cr4 |= CR4_UMIP;
    write_cr4(cr4);
    if (cpu_features.xsave)
        enable_xsave();
    else
        cpu_features.xsave_size = 512;   // fxsave area
}

// syscall enters at syscall_entry with CS 0x08; sysret/iret use the 0x18 base.
// FMASK clears IF, TF, DF and AC on entry.
static void
setup_syscall(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, ((uint64_t)0x18 << 48) | ((uint64_t)SEL_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC);
}

// The vDSO's getcpu reads the CPU number from IA32_TSC_AUX (RDPID or
// RDTSCP), as Linux's does: each CPU writes its own when it starts.
void
cpu_set_tsc_aux(unsigned cpu)
{
    if (cpu_features.tsc_aux)
        wrmsr(MSR_TSC_AUX, cpu);
}

// Say which protections the boot CPU really has on: read back from CR4 and
// EFER, not what we meant to set (tests/test_hardening.py checks this line).
static void
log_protections(void)
{
    uint64_t cr4 = read_cr4(), efer = rdmsr(MSR_EFER);

    klog("cpu: nx %s, smep %s, smap %s, umip %s", efer & EFER_NXE ? "on" : "off",
         cr4 & CR4_SMEP ? "on" : "off", cr4 & CR4_SMAP ? "on" : "off",
         cr4 & CR4_UMIP ? "on" : "off");
}

// What the kernel cannot run without, checked once here rather than in the
// drivers that meet it later: the local APIC in xAPIC (MMIO) mode, as reset
// leaves it (arch/x86_64/apic.c drives it on first use, never at boot).
static void
check_requirements(void)
{
    if (rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC)
        panic("apic: the firmware left the local APIC in x2APIC mode; only xAPIC (MMIO) is "
              "supported");
}

void
cpu_init(void)
{
    check_requirements();
    setup_control_registers();
    setup_syscall();
    wrmsr(MSR_GS_BASE, (uint64_t)&boot_cpu);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    cpu_set_tsc_aux(0);
    log_protections();
}

// An application processor: the same control registers and syscall MSRs
// as the boot CPU, and %gs on its own per-CPU block.
__after_boot void
cpu_init_ap(struct percpu *c)
{
    setup_control_registers();
    setup_syscall();
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    cpu_set_tsc_aux(c->cpu_id);
}
