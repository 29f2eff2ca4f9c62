// Starting a program: map it (and its interpreter), build its stack, and
// point the return to ring 3 at the entry point with the registers the ABI
// specifies. The first program comes from the manifest at boot; execve
// (exec/execve.c) builds the same way into a new address space.
#include "exec/exec.h"
#include "exec/elf_load.h"
#include "exec/stack.h"
#include "exec/vdso.h"
#include "arch/x86_64/trap.h"
#include "drivers/qemu_exit.h"
#include "fs/console.h"
#include "drivers/rng.h"
#include "fs/vfs.h"
#include "manifest.h"
#include "mm/heap.h"
#include "mm/vm.h"
#include "mm/mm.h"
#include "sched/proc.h"
#include "lib/string.h"
#include "layout.h"
#include "log.h"
#include <asm-generic/errno.h>

uint64_t user_entry_tsc;

// Map the ELF file VN (named PATH) and, when it names one, its interpreter
// into MM. Errors as execve(2) gives them: a missing interpreter is ENOENT.
static long
load_program(struct mm *mm, struct vnode *vn, const char *path, struct elf_image *prog,
             struct elf_image *interp)
{
    struct vnode *ivn;
    long ret;

    if ((ret = elf_load(mm, vn, path, false, prog)) < 0 || !prog->interp[0])
        return ret;
    if ((ret = path_lookup(vfs_root, prog->interp, LOOKUP_FOLLOW, &ivn)) < 0)
        return ret;
    ret = elf_load(mm, ivn, prog->interp, true, interp);
    vnode_put(ivn);
    return ret == -ENOEXEC ? -ELIBBAD : ret;
}

// The break starts a random distance (up to 32 MiB) above the program, as Linux's.
static void
place_brk(struct mm *mm, const struct elf_image *prog)
{
    mm->brk_start = mm->brk = prog->end + ((random_u64() & 0x1fff) << PAGE_SHIFT);
}

// Everything a new program's memory holds at its start, built in MM (an
// empty address space, not necessarily the one loaded): stack, vDSO, the
// program and its interpreter, the break, the initial stack's contents.
// The first program at boot and every execve come this way.
long
exec_build(struct mm *mm, struct vnode *vn, const char *path, const struct exec_args *args,
           struct exec_entry *out)
{
    struct elf_image prog, interp;
    long sp;

    sp = stack_map(mm);
    sp |= vdso_map(mm);   // after: it goes above the stack. One test of both errors
    if (sp < 0)
        return sp;
    if ((sp = load_program(mm, vn, path, &prog, &interp)) < 0)
        return sp;
    place_brk(mm, &prog);
    sp = stack_build(mm, args, &prog, prog.interp[0] ? &interp : NULL);
    if (sp < 0)
        return sp;
    out->rip = prog.interp[0] ? interp.entry : prog.entry;
    out->rsp = sp;
    return 0;
}

void
exec_start_frame(struct trap_frame *f, const struct exec_entry *e)
{
    memset(f, 0, sizeof(*f));
    f->rip = e->rip;
    f->cs = SEL_UCODE;
    f->ss = SEL_UDATA;
    f->rsp = e->rsp;
    f->rflags = 0x202;    // IF; everything else clear (DF clear per the ABI)
    f->vector = TRAP_SYSCALL_DONE;
}

// The program cannot start (a malformed ELF, a missing interpreter): as a
// shell whose execve failed, end the run with the errno for the host to report.
static __noreturn void
exec_initial_failed(long err)
{
    klog("exec %s: cannot start it (error %ld)", manifest.path, err);
    klog("pkgload-exit exec-error=%ld", err);
    console_drain();   // the program's last output leaves the VM first
    qemu_exit(QEMU_EXIT_PROGRAM);
}

void
exec_initial(struct trap_frame *f)
{
    struct proc *p = current_proc();
    // The host lays out envp's array right after argv's, and argv's then
    // envp's strings, in order, at the manifest's end (loader/image.py).
    struct exec_args args = { manifest.path, manifest.argv, manifest.raw->argc, manifest.raw->envc,
                              (const char *)manifest.raw + manifest.raw->size };
    struct exec_entry e;
    struct vnode *vn;
    long ret;

    p->exe_path = manifest.path;   // the manifest stays in memory for good
    // Looked up when the tree is built, at first use (fs/rootfs.c): not at
    // boot. Even "/": then that lookup is short, and boot has no strcmp.
    p->cwd_vn = vnode_get(vfs_root);
    p->cwd_pending = manifest.cwd;
    vn = rootfs_program_node(manifest.raw->program_offset, manifest.raw->program_size,
                             manifest.raw->program_mode);
    if (!vn && (ret = path_lookup(vfs_root, manifest.path, LOOKUP_FOLLOW, &vn)) < 0)
        panic("exec %s: not in the image (error %ld)", manifest.path, -ret);
    mm_set_exe(p->mm, vn);
    ret = exec_build(p->mm, vn, manifest.path, &args, &e);
    vnode_put(vn);
    if (ret < 0)
        exec_initial_failed(-ret);
    exec_start_frame(f, &e);
}
