// Kernel panics: the reason, the registers, a backtrace with function names
// from the embedded symbol table, then the exit record and QEMU's panic exit.
#include "log.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "drivers/qemu_exit.h"
#include "layout.h"

struct ksym {
    uint64_t addr;
    uint32_t name;
    uint32_t pad;
};
extern const struct ksym ksyms_table[];
extern const uint64_t ksyms_count;
extern const char ksyms_names[];

const char *
ksym_lookup(uint64_t addr, uint64_t *offset)
{
    uint64_t lo = 0, hi = ksyms_count;

    if (!ksyms_count || addr < ksyms_table[0].addr)
        return NULL;
    while (hi - lo > 1) {                 // last symbol at or below addr
        uint64_t mid = (lo + hi) / 2;
        if (ksyms_table[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - ksyms_table[lo].addr;
    return &ksyms_names[ksyms_table[lo].name];
}

// ADDR named by the function holding ADDR - BIAS: 1 for a return address,
// which follows a call that may be its function's last instruction (a call
// to a noreturn function such as panic), so ADDR itself may be the next one's.
static void
log_addr(const char *prefix, uint64_t addr, uint64_t bias)
{
    uint64_t off;
    const char *name = ksym_lookup(addr - bias, &off);

    if (name)
        klog("%s%p  %s+0x%lx", prefix, (void *)addr, name, off + bias);
    else
        klog("%s%p", prefix, (void *)addr);
}

// Walk the frame-pointer chain; stop at anything that is not a kernel stack.
static void
log_backtrace(uint64_t rbp)
{
    klog("backtrace:");
    for (int depth = 0; depth < 32 && rbp >= KERNEL_BASE && !(rbp & 7); depth++) {
        uint64_t *frame = (uint64_t *)rbp;
        if (!frame[1])
            break;
        log_addr("  ", frame[1], 1);
        rbp = frame[0];
    }
}

static void
log_frame(const struct trap_frame *f)
{
    klog("vector %lu  error 0x%lx  cr2 %p", f->vector, f->error, (void *)read_cr2());
    log_addr("rip ", f->rip, 0);
    klog("rax %p rbx %p rcx %p rdx %p", (void *)f->rax, (void *)f->rbx, (void *)f->rcx,
         (void *)f->rdx);
    klog("rsi %p rdi %p rbp %p rsp %p", (void *)f->rsi, (void *)f->rdi, (void *)f->rbp,
         (void *)f->rsp);
    klog("r8  %p r9  %p r10 %p r11 %p", (void *)f->r8, (void *)f->r9, (void *)f->r10,
         (void *)f->r11);
    klog("r12 %p r13 %p r14 %p r15 %p", (void *)f->r12, (void *)f->r13, (void *)f->r14,
         (void *)f->r15);
    klog("cs %lx ss %lx rflags %lx cr3 %p", f->cs, f->ss, f->rflags, (void *)read_cr3());
}

static __noreturn void
panic_finish(const struct trap_frame *f, const char *fmt, va_list ap)
{
    static bool in_panic;
    char msg[256];

    __asm__ volatile("cli");
    if (in_panic)
        qemu_exit(QEMU_EXIT_PANIC);   // a panic while panicking: just stop
    in_panic = true;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    klog("panic: %s", msg);
    if (f) {
        log_frame(f);
        log_backtrace(f->rbp);
    } else {
        log_backtrace(read_rbp());
    }
    klog("pkgload-exit panic");
    qemu_exit(QEMU_EXIT_PANIC);
}

__noreturn void
panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    panic_finish(NULL, fmt, ap);
}

__noreturn void
panic_frame(const struct trap_frame *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    panic_finish(f, fmt, ap);
}
