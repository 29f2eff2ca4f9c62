// Starting the program from the manifest: find it (and its interpreter) in
// the initramfs, map them, build the stack, and point the first return to
// ring 3 at the entry point with the registers the ABI specifies.
#include "exec/exec.h"
#include "arch/x86_64/trap.h"
#include "drivers/rng.h"
#include "fs/vfs.h"
#include "manifest.h"
#include "mm/heap.h"
#include "mm/vm.h"
#include "sched/proc.h"
#include "lib/string.h"
#include "layout.h"
#include "log.h"

uint64_t user_entry_tsc;

uint64_t
random_u64(void)
{
    uint64_t v;

    rng_bytes(&v, sizeof(v));
    return v;
}

static void
load_file(const char *path, bool interp, struct elf_image *img)
{
    struct vnode *vn;
    long ret;

    vn = interp ? NULL : rootfs_program_node(manifest.raw->program_offset, manifest.raw->program_size,
                                             manifest.raw->program_mode);
    if (!vn && (ret = path_lookup(vfs_root, path, LOOKUP_FOLLOW, &vn)) < 0)
        panic("exec %s: not in the image (error %ld)", path, -ret);
    ret = elf_load(current_proc()->mm, vn, path, interp, img);
    vnode_put(vn);
    if (ret < 0)
        panic("exec %s: cannot load (error %ld)", path, -ret);
}

// The break starts a random distance (up to 32 MiB) above the program, as Linux's.
static void
place_brk(struct mm *mm, const struct elf_image *prog)
{
    mm->brk_start = mm->brk = prog->end + ((random_u64() & 0x1fff) << PAGE_SHIFT);
}

void
exec_initial(struct trap_frame *f)
{
    struct proc *p = current_proc();
    struct elf_image prog, interp;
    // The host lays out envp's array right after argv's, and argv's then
    // envp's strings, in order, at the manifest's end (loader/image.py).
    struct exec_args args = { manifest.path, manifest.argv, manifest.raw->argc, manifest.raw->envc,
                              (const char *)manifest.raw + manifest.raw->size };
    long sp;

    p->exe_path = manifest.path;   // the manifest stays in memory for good
    // Looked up when the tree is built, at first use (fs/rootfs.c): not at
    // boot. Even "/": then that lookup is short, and boot has no strcmp.
    p->cwd_vn = vnode_get(vfs_root);
    p->cwd_pending = manifest.cwd;
    sp = stack_map(p->mm);
    sp |= vdso_map(p->mm);   // after: it goes above the stack. One test of both errors
    if (sp < 0)
        panic("exec %s: cannot map the stack or the vDSO (error %ld)", manifest.path, -sp);
    load_file(manifest.path, false, &prog);
    if (prog.interp[0])
        load_file(prog.interp, true, &interp);
    place_brk(p->mm, &prog);
    sp = stack_build(p->mm, &args, &prog, prog.interp[0] ? &interp : NULL);
    if (sp < 0)
        panic("exec %s: cannot build the stack (error %ld)", manifest.path, -sp);

    memset(f, 0, sizeof(*f));
    f->rip = prog.interp[0] ? interp.entry : prog.entry;
    f->cs = SEL_UCODE;
    f->ss = SEL_UDATA;
    f->rsp = sp;
    f->rflags = 0x202;    // IF; everything else clear (DF clear per the ABI)
}
