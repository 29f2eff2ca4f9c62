// Signal frames: struct rt_sigframe as the x86-64 psABI and <asm/sigcontext.h>,
// <asm/ucontext.h>, <asm-generic/siginfo.h> define it. Below it, 64-byte
// aligned, the FPU/SSE/AVX state in xsave's standard form, marked with the
// _fpx_sw_bytes and FP_XSTATE_MAGIC2 that glibc and Linux look for.
#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "layout.h"
#include <asm-generic/errno.h>
#include <asm/sigcontext.h>
#include <asm/signal.h>
#include <asm/ucontext.h>
#include <asm-generic/siginfo.h>
#include <linux/signal.h>

struct rt_sigframe_k {
    uint64_t pretcode;      // sa_restorer: the handler returns into rt_sigreturn
    struct ucontext uc;
    siginfo_t info;
};

#define RED_ZONE          128
#define XSAVE_HDR         512       // the xsave header follows the 512-byte legacy area
#define FXSAVE_MXCSR      24
#define FXSAVE_MXCSR_MASK 28
#define FXSAVE_SW_BYTES   464
// Flags the program may change through the frame: CF PF AF ZF SF TF DF OF RF AC.
#define USER_RFLAGS 0x50dd5ull
#ifndef RFLAGS_TF
#define RFLAGS_TF 0x100ull
#endif
#ifndef RFLAGS_DF
#define RFLAGS_DF 0x400ull
#endif
#define RFLAGS_RF 0x10000ull

static uint8_t fpu_buf[4096] __attribute__((aligned(64)));   // one thread: one buffer
static uint32_t mxcsr_mask;

__after_boot static size_t
fpu_frame_size(void)
{
    return cpu_features.xsave_size + (cpu_features.xsave ? 4 : 0);   // + FP_XSTATE_MAGIC2
}

__after_boot static void
fpu_save(void)
{
    uint64_t m = cpu_features.xcr0;

    if (!cpu_features.xsave) {
        __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])fpu_buf));
        return;
    }
    memset(fpu_buf + XSAVE_HDR, 0, 64);
    __asm__ volatile("xsave64 %0"
                     : "+m"(*(uint8_t(*)[4096])fpu_buf)
                     : "a"((uint32_t)m), "d"((uint32_t)(m >> 32)));
}

// Load fpu_buf, which must be valid for xrstor/fxrstor (checked by the caller).
__after_boot static void
fpu_load(void)
{
    uint64_t m = cpu_features.xcr0;

    if (!cpu_features.xsave)
        __asm__ volatile("fxrstor64 %0" ::"m"(*(uint8_t(*)[512])fpu_buf));
    else
        __asm__ volatile("xrstor64 %0" ::"m"(*(uint8_t(*)[4096])fpu_buf), "a"((uint32_t)m),
                         "d"((uint32_t)(m >> 32)));
}

// The handler starts with a clean FPU, as on Linux: every component in its
// initial state, MXCSR with all exceptions masked.
__after_boot static void
fpu_init_state(void)
{
    memset(fpu_buf, 0, XSAVE_HDR + 64);
    *(uint16_t *)fpu_buf = 0x37f;
    *(uint32_t *)(fpu_buf + FXSAVE_MXCSR) = 0x1f80;
    fpu_load();
}

// Save the FPU state to the program at FP (64-byte aligned), then reset it.
__after_boot static long
fpu_save_to_user(uint64_t fp)
{
    uint32_t magic2 = FP_XSTATE_MAGIC2;
    size_t size = cpu_features.xsave_size;

    if (size > sizeof(fpu_buf))
        return -EFAULT;
    fpu_save();
    if (cpu_features.xsave) {
        struct _fpx_sw_bytes sw = {
            .magic1 = FP_XSTATE_MAGIC1,
            .extended_size = size + 4,
            .xfeatures = cpu_features.xcr0,
            .xstate_size = size,
        };
        memcpy(fpu_buf + FXSAVE_SW_BYTES, &sw, sizeof(sw));
        if (copy_to_user((void __user *)(fp + size), &magic2, 4) < 0)
            return -EFAULT;
    }
    if (copy_to_user((void __user *)fp, fpu_buf, size) < 0)
        return -EFAULT;
    fpu_init_state();
    return 0;
}

__after_boot static uint32_t
get_mxcsr_mask(void)
{
    static uint8_t buf[512] __attribute__((aligned(16)));

    if (!mxcsr_mask) {
        __asm__ volatile("fxsave64 %0" : "=m"(buf));
        mxcsr_mask = *(uint32_t *)(buf + FXSAVE_MXCSR_MASK);
        if (!mxcsr_mask)
            mxcsr_mask = 0xffbf;
    }
    return mxcsr_mask;
}

// Make fpu_buf safe for xrstor: whatever the program wrote must not fault in
// the kernel. Without the xstate magic, only x87 and SSE come from the frame.
__after_boot static long
fpu_check_xsave(uint64_t fp)
{
    struct _fpx_sw_bytes sw;
    uint64_t *hdr = (uint64_t *)(fpu_buf + XSAVE_HDR);
    uint32_t magic2 = 0;

    memcpy(&sw, fpu_buf + FXSAVE_SW_BYTES, sizeof(sw));
    if (sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size == cpu_features.xsave_size &&
        copy_from_user(&magic2, (const void __user *)(fp + sw.xstate_size), 4) == 0 &&
        magic2 == FP_XSTATE_MAGIC2) {
        if ((hdr[0] & ~cpu_features.xcr0) || hdr[1] || hdr[2])
            return -EFAULT;
    } else {
        hdr[0] = 3;                 // x87 | SSE from the legacy area, the rest initial
        hdr[1] = hdr[2] = 0;
    }
    memset(&hdr[3], 0, 40);
    return 0;
}

// Restore the FPU state from FP; 0 means "initial state", as on Linux.
__after_boot static long
fpu_restore_from_user(uint64_t fp)
{
    size_t size = cpu_features.xsave ? cpu_features.xsave_size : 512;
    uint32_t mask = get_mxcsr_mask();

    if (!fp) {
        fpu_init_state();
        return 0;
    }
    if ((fp & 63) || size > sizeof(fpu_buf) ||
        copy_from_user(fpu_buf, (const void __user *)fp, size) < 0)
        return -EFAULT;
    if (*(uint32_t *)(fpu_buf + FXSAVE_MXCSR) & ~mask)
        return -EFAULT;
    if (cpu_features.xsave && fpu_check_xsave(fp) < 0)
        return -EFAULT;
    fpu_load();
    return 0;
}

__after_boot static void
fill_mcontext(struct sigcontext *mc, const struct trap_frame *f, const struct sigframe_args *a,
              uint64_t fp)
{
    *mc = (struct sigcontext){
        .r8 = f->r8,
        .r9 = f->r9,
        .r10 = f->r10,
        .r11 = f->r11,
        .r12 = f->r12,
        .r13 = f->r13,
        .r14 = f->r14,
        .r15 = f->r15,
        .rdi = f->rdi,
        .rsi = f->rsi,
        .rbp = f->rbp,
        .rbx = f->rbx,
        .rdx = f->rdx,
        .rax = f->rax,
        .rcx = f->rcx,
        .rsp = f->rsp,
        .rip = f->rip,
        .eflags = f->rflags,
        .cs = f->cs,
        .ss = f->ss,
        .err = a->err,
        .trapno = a->trapno,
        .oldmask = a->oldmask,
        .cr2 = a->cr2,
        .fpstate = (struct _fpstate_64 *)fp,
    };
}

__after_boot static bool
canonical(uint64_t va)
{
    return va <
           0x0000800000000000ull;   // user half only: iretq to anything else faults in the kernel
}

// Where the frame goes: below the red zone, or at the top of the alternate
// stack for SA_ONSTACK when the program is not already on it.
__after_boot static uint64_t
frame_stack_top(const struct trap_frame *f, bool onstack, const struct sig_altstack *as,
                bool *switched)
{
    *switched = onstack && as->size && !sig_altstack_holds(as, f->rsp);
    return *switched ? as->sp + as->size : f->rsp - RED_ZONE;
}

// The uc_stack the handler sees: the alternate stack and whether F was on it.
__after_boot static stack_t
frame_uc_stack(const struct trap_frame *f, const struct sig_altstack *as)
{
    int flags =
        !as->size ? SS_DISABLE : (sig_altstack_holds(as, f->rsp) ? SS_ONSTACK : 0) | (int)as->flags;

    return (stack_t){ .ss_sp = (void *)as->sp, .ss_size = as->size, .ss_flags = flags };
}

__after_boot long
sigframe_setup(struct trap_frame *f, const struct sigframe_args *a, struct sig_altstack *as)
{
    struct rt_sigframe_k k;
    bool switched;
    uint64_t fp = (frame_stack_top(f, a->onstack, as, &switched) - fpu_frame_size()) & ~63ull;
    uint64_t frame = ((fp - sizeof(k)) & ~15ull) - 8;

    if (!canonical(a->handler))
        return -EFAULT;             // iretq would fault in the kernel; Linux gives SIGSEGV
    memset(&k, 0, sizeof(k));
    k.pretcode = a->restorer;
    k.uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    k.uc.uc_stack = frame_uc_stack(f, as);
    fill_mcontext(&k.uc.uc_mcontext, f, a, fp);
    k.uc.uc_sigmask = a->oldmask;
    memcpy(&k.info, a->info, sizeof(k.info));
    if (copy_to_user((void __user *)frame, &k, sizeof(k)) < 0 || fpu_save_to_user(fp) < 0)
        return -EFAULT;
    if (switched && (as->flags & SS_AUTODISARM))
        *as = (struct sig_altstack){ 0 };
    f->rdi = a->sig;
    f->rsi = frame + offsetof(struct rt_sigframe_k, info);
    f->rdx = frame + offsetof(struct rt_sigframe_k, uc);
    f->rax = 0;
    f->rsp = frame;
    f->rip = a->handler;
    f->rflags &= ~(RFLAGS_DF | RFLAGS_TF | RFLAGS_RF);
    f->cs = SEL_UCODE;
    f->ss = SEL_UDATA;
    return 0;
}

// The alternate stack as the frame recorded it; a bad one is ignored.
__after_boot static void
restore_altstack(const stack_t *ss, struct sig_altstack *as)
{
    if (ss->ss_flags & SS_DISABLE)
        *as = (struct sig_altstack){ 0 };
    else if (ss->ss_size >= MINSIGSTKSZ && !(ss->ss_flags & ~(SS_ONSTACK | SS_AUTODISARM)))
        *as =
            (struct sig_altstack){ (uint64_t)ss->ss_sp, ss->ss_size, ss->ss_flags & SS_AUTODISARM };
}

__after_boot long
sigframe_restore(struct trap_frame *f, uint64_t *mask, struct sig_altstack *as)
{
    struct ucontext uc;
    const struct sigcontext *mc = &uc.uc_mcontext;

    if (copy_from_user(&uc, (const void __user *)f->rsp, sizeof(uc)) < 0)
        return -EFAULT;
    if (!canonical(mc->rip) || !canonical(mc->rsp))
        return -EFAULT;
    if (fpu_restore_from_user((uint64_t)mc->fpstate) < 0)
        return -EFAULT;
    *f = (struct trap_frame){
        .r8 = mc->r8,
        .r9 = mc->r9,
        .r10 = mc->r10,
        .r11 = mc->r11,
        .r12 = mc->r12,
        .r13 = mc->r13,
        .r14 = mc->r14,
        .r15 = mc->r15,
        .rdi = mc->rdi,
        .rsi = mc->rsi,
        .rbp = mc->rbp,
        .rbx = mc->rbx,
        .rdx = mc->rdx,
        .rax = mc->rax,
        .rcx = mc->rcx,
        .rsp = mc->rsp,
        .rip = mc->rip,
        .rflags = (f->rflags & ~USER_RFLAGS) | (mc->eflags & USER_RFLAGS),
        .cs = SEL_UCODE,
        .ss = SEL_UDATA,
        .vector = TRAP_SYSCALL_DONE,   // rax is a value, not a restart code
    };
    *mask = uc.uc_sigmask;
    restore_altstack(&uc.uc_stack, as);
    return 0;
}
