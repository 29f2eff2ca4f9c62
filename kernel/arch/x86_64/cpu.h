// Thin wrappers over x86-64 instructions: port I/O, MSRs, control registers, CPUID.
#pragma once
#include "types.h"

#define MSR_EFER           0xc0000080
#define MSR_STAR           0xc0000081
#define MSR_LSTAR          0xc0000082
#define MSR_FMASK          0xc0000084
#define MSR_FS_BASE        0xc0000100
#define MSR_GS_BASE        0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX        0xc0000103
#define MSR_APIC_BASE      0x1b
#define APIC_BASE_ENABLE   (1u << 11)
#define APIC_BASE_X2APIC   (1u << 10)

#define RFLAGS_IF (1u << 9)
#define RFLAGS_TF (1u << 8)
#define RFLAGS_DF (1u << 10)
#define RFLAGS_AC (1u << 18)

static inline void
outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void
outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void
outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t
inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t
rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void
wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t
rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};
static inline struct cpuid_regs
cpuid(uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(sub));
    return r;
}

#define DEFINE_CR(n)                                                                               \
    static inline uint64_t read_cr##n(void)                                                        \
    {                                                                                              \
        uint64_t v;                                                                                \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                          \
        return v;                                                                                  \
    }                                                                                              \
    static inline void write_cr##n(uint64_t v)                                                     \
    {                                                                                              \
        __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");                                   \
    }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void
invlpg(uint64_t va)
{
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}
static inline void
cpu_relax(void)
{
    __asm__ volatile("pause");
}
static inline __noreturn void
halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}
static inline uint64_t
read_rbp(void)
{
    uint64_t v;
    __asm__ volatile("mov %%rbp, %0" : "=r"(v));
    return v;
}

// Which optional features the boot CPU has and we turned on (arch/x86_64/cpu.c).
struct cpu_features {
    bool smap, smep, umip, xsave, rdrand, fsgsbase;
    bool tsc_aux;            // IA32_TSC_AUX exists (RDTSCP or RDPID): the vDSO's getcpu reads it
    uint32_t hwcap;          // CPUID.1:EDX, what AT_HWCAP reports
    uint32_t xsave_size;     // bytes for the user's FPU/SSE/AVX state
    uint64_t xcr0;
};
extern struct cpu_features cpu_features;
void cpu_detect(void);   // fill cpu_features (before paging_init)
void cpu_init(void);
void cpu_set_tsc_aux(unsigned cpu); // on CPU number CPU, as it starts: the vDSO's getcpu reads it
struct percpu;
void cpu_init_ap(struct percpu *c); // an application processor's share of cpu_init

// Open and close the window where the kernel may touch user pages (SMAP).
static inline void
user_access_begin(void)
{
    if (cpu_features.smap)
        __asm__ volatile("stac" ::: "memory", "cc");
}
static inline void
user_access_end(void)
{
    if (cpu_features.smap)
        __asm__ volatile("clac" ::: "memory", "cc");
}
