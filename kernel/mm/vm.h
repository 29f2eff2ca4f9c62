// The program's half of the address space: a sorted list of regions (VMAs)
// with their protection; pages are allocated when first touched.
#pragma once
#include "types.h"

#define VMA_ANON   0x1
#define VMA_STACK  0x2
#define VMA_HEAP   0x4
#define VMA_SHARED 0x8
// The kernel's own pages, mapped as they are (exec/vdso.c): never freed,
// never filled on a fault, not to be grown. [vvar] stays read-only for
// good; a [vdso] page made writable gets a copy of its own first.
#define VMA_VDSO    0x10
#define VMA_VVAR    0x20
#define VMA_SPECIAL (VMA_VDSO | VMA_VVAR)
// A System V shared memory attach (shmat): shmdt finds its regions by this.
#define VMA_SYSV_SHM 0x40
// A shared mapping of a file not open for writing (or a SHM_RDONLY attach):
// mprotect may not make it writable (Linux's missing VM_MAYWRITE).
#define VMA_NO_WRITE 0x80
// mlock(2): the region's pages are kept resident (this kernel never swaps,
// so that means populated now), and counted against RLIMIT_MEMLOCK.
// LOCKONFAULT (MLOCK_ONFAULT, MCL_ONFAULT) locks pages as they are touched.
#define VMA_LOCKED      0x100
#define VMA_LOCKONFAULT 0x200
#define VMA_LOCK_MASK   (VMA_LOCKED | VMA_LOCKONFAULT)

struct vnode;

// The file behind a region. Private regions copy a page of it on first
// touch (zeros at and past END, for an ELF segment's bss); shared regions
// map the file's own pages, so writes reach the file.
struct vma_backing {
    struct vnode *vn;         // NULL: anonymous, zero-filled
    uint64_t off;             // page-aligned file offset of the region's first byte
    uint64_t end;             // file offset where the bytes stop; UINT64_MAX for mmap(2)
};

struct vma {
    uint64_t start, end;      // page aligned, [start, end)
    uint32_t prot;            // PROT_READ | PROT_WRITE | PROT_EXEC
    uint32_t flags;           // VMA_*
    struct vma_backing backing;
    char *path;               // the file's path, for /proc/self/maps
    struct vma *next;         // sorted by start
};

struct mm {
    uint64_t *pml4;           // its page table (the kernel half shared by all)
    int users;                // processes using it (a vfork child shares its parent's)
    int active;               // CPUs whose CR3 holds it; freed when both are 0
    struct vma *vmas;
    uint64_t brk_start, brk;  // program break: [brk_start, brk) is the heap
    uint64_t mmap_base;       // mmap places regions below this, top down
    uint64_t stack_top;
    uint64_t vdso;            // the vDSO's ELF header (AT_SYSINFO_EHDR), 0 if none
    uint32_t membarrier_registered;   // membarrier(2) REGISTER_* commands done (kept by fork)
    uint32_t lock_future;     // mlockall(MCL_FUTURE): VMA_LOCK_MASK bits of new mappings
    struct vnode *exe;        // the program it runs (its exec_users counts this), NULL if none
    uint64_t arg_start, arg_end, env_start,
        env_end;   // the initial stack's strings (/proc/PID/cmdline, environ)
    uint64_t start_stack;     // the initial stack pointer (argc's address)
    uint64_t peak_total, peak_rss;   // highest pages counted by mm_usage (mm/usage.c)
};

// #PF error code bits
#define PF_PRESENT 0x1
#define PF_WRITE   0x2
#define PF_USER    0x4
#define PF_INSTR   0x10

// Above this many pages, a change to the running page table flushes this
// CPU's TLB with one CR3 load instead of an invlpg per page: under TCG the
// invlpgs of a big region cost more than the refill.
#define FLUSH_ONE_BY_ONE 32

// Frames to free once other CPUs can no longer reach them (TLB shootdown):
// runs of contiguous frames, so a big region's unmap takes few shootdowns.
struct frame_batch {
    uint64_t start[32];
    uint32_t npages[32];
    unsigned int n;
    bool flush_local;         // this CPU's TLB is to be flushed whole first
};
void frame_batch_add(struct frame_batch *b, uint64_t pa);
void frame_batch_finish(struct frame_batch *b);

struct vma *vma_find(struct mm *mm, uint64_t addr);
void vma_free(struct vma *v);         // the region's struct, file and path (not its pages)
// Map [addr, addr+len) anonymous with PROT at exactly ADDR (replacing what is there).
long vm_map_fixed(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags);
// The same, with pages filled from BACKING on first touch.
long vm_map_backed(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags,
                   const struct vma_backing *backing, const char *path);
// Map the NPAGES frames from PA at VA, in a private anonymous region, as if
// its faults had put them there (exec fills the new stack before mapping it).
long vm_map_pages(struct mm *mm, uint64_t va, uint64_t pa, uint64_t npages, uint32_t prot);
// A free, page-aligned range of LEN bytes: at HINT if free, else top down. 0 if none.
uint64_t vm_find_free(struct mm *mm, uint64_t len, uint64_t hint);
// Split V at ADDR (strictly inside it); V keeps the lower part. -EINVAL for [vdso]/[vvar].
long vm_split(struct vma *v, uint64_t addr);
long vm_unmap(struct mm *mm, uint64_t addr, uint64_t len);
long vm_protect(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot);
// madvise(MADV_DONTNEED) on mapped [addr, addr+len): drop the pages, so that
// private anonymous memory reads back as zeros and file pages as the file.
long vm_discard(struct mm *mm, uint64_t addr, uint64_t len);
// Unmap, in every process, the mappings of VN's own frames of pages
// [FIRST, END) (private copies stay): before a punched hole frees them.
void vm_unmap_file_pages(struct vnode *vn, uint64_t first, uint64_t end);
long vm_fault(struct mm *mm, uint64_t addr, uint32_t error); // 0, -EFAULT for SIGSEGV, -ENOMEM: OOM
bool vm_range_is_free(struct mm *mm, uint64_t addr, uint64_t len);
bool vm_range_is_mapped(struct mm *mm, uint64_t addr, uint64_t len);
// Move the pages of [old, old+len) to NEW (already free), keeping their contents.
long vm_move(struct mm *mm, uint64_t old, uint64_t len, uint64_t new);
uint64_t vm_pte_flags(uint32_t prot);
// Whether V's frame PA is the program's own (a shared file mapping's belong
// to the file, the kernel image's to the kernel).
bool vm_frame_owned(const struct vma *v, uint64_t pa);
