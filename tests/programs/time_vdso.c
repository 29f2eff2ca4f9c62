// The vDSO: the kernel maps one (getauxval(AT_SYSINFO_EHDR) != 0) whose
// dynamic symbol table exports __vdso_clock_gettime, __vdso_gettimeofday,
// __vdso_time, __vdso_getcpu and __vdso_clock_getres at version LINUX_2.6,
// the names and version glibc, musl and Go look up. Each clock read through
// the C library (which uses the vDSO when there is one) and through the
// vDSO's own function lies between two raw system calls reading the same
// clock; gettimeofday, time and clock_getres agree with theirs.
#include "thread_check.h"

#include <elf.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

struct vdso {
    uintptr_t bias;
    const Elf64_Sym *symtab;
    const char *strtab;
    const Elf64_Half *versym;
    const Elf64_Verdef *verdef;
    uint32_t nsyms;
};

// The number of dynamic symbols: DT_HASH says it; else walk DT_GNU_HASH's chains.
static uint32_t
count_symbols(const uint32_t *hash, const uint32_t *gnu_hash)
{
    if (hash)
        return hash[1];
    if (!gnu_hash)
        return 0;
    uint32_t nbuckets = gnu_hash[0], symoffset = gnu_hash[1], bloom_size = gnu_hash[2];
    const uint32_t *buckets = gnu_hash + 4 + bloom_size * 2;  // 64-bit bloom words
    const uint32_t *chain = buckets + nbuckets;
    uint32_t last = 0;
    for (uint32_t i = 0; i < nbuckets; i++)
        if (buckets[i] > last)
            last = buckets[i];
    if (last < symoffset)
        return symoffset;
    while (!(chain[last - symoffset] & 1))
        last++;
    return last + 1;
}

static int
find_tables(uintptr_t base, struct vdso *v)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    const uint32_t *hash = NULL, *gnu_hash = NULL;
    int have_load = 0;

    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
        return 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !have_load) {
            v->bias = base + ph[i].p_offset - ph[i].p_vaddr;
            have_load = 1;
        }
    }
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const Elf64_Dyn *)(v->bias + ph[i].p_vaddr);
    if (!have_load || !dyn)
        return 0;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        uintptr_t p = v->bias + dyn->d_un.d_ptr;
        switch (dyn->d_tag) {
        case DT_SYMTAB: v->symtab = (const Elf64_Sym *)p; break;
        case DT_STRTAB: v->strtab = (const char *)p; break;
        case DT_VERSYM: v->versym = (const Elf64_Half *)p; break;
        case DT_VERDEF: v->verdef = (const Elf64_Verdef *)p; break;
        case DT_HASH: hash = (const uint32_t *)p; break;
        case DT_GNU_HASH: gnu_hash = (const uint32_t *)p; break;
        }
    }
    v->nsyms = count_symbols(hash, gnu_hash);
    return v->symtab && v->strtab && v->nsyms;
}

// The name of version index `ndx` in DT_VERDEF, or "" if it has none.
static const char *
version_name(const struct vdso *v, unsigned ndx)
{
    const Elf64_Verdef *d = v->verdef;

    while (d) {
        if ((d->vd_ndx & 0x7fff) == ndx) {
            const Elf64_Verdaux *aux = (const Elf64_Verdaux *)((const char *)d + d->vd_aux);
            return v->strtab + aux->vda_name;
        }
        d = d->vd_next ? (const Elf64_Verdef *)((const char *)d + d->vd_next) : NULL;
    }
    return "";
}

// The address of a defined function `name` at version LINUX_2.6, or NULL.
static void *
lookup(const struct vdso *v, const char *name)
{
    for (uint32_t i = 0; i < v->nsyms; i++) {
        const Elf64_Sym *s = &v->symtab[i];
        if (s->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s->st_info) != STT_FUNC ||
            strcmp(v->strtab + s->st_name, name) != 0)
            continue;
        if (v->versym && v->verdef &&
            strcmp(version_name(v, v->versym[i] & 0x7fff), "LINUX_2.6") != 0)
            continue;
        return (void *)(v->bias + s->st_value);
    }
    return NULL;
}

static long long
ts_ns(struct timespec t)
{
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static const struct {
    clockid_t id;
    const char *name;
} clocks[] = {
    { CLOCK_REALTIME, "CLOCK_REALTIME" },
    { CLOCK_MONOTONIC, "CLOCK_MONOTONIC" },
    { CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW" },
    { CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
    { CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE" },
    { CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE" },
};

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static void
test_clocks(clock_gettime_fn vdso_gettime)
{
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        struct timespec a, b, c, d;
        syscall(SYS_clock_gettime, clocks[i].id, &a);
        clock_gettime(clocks[i].id, &b);
        int ok = vdso_gettime && vdso_gettime(clocks[i].id, &c) == 0;
        syscall(SYS_clock_gettime, clocks[i].id, &d);
        printf("%s: libc's read between two syscalls: %s, the vDSO's: %s\n", clocks[i].name,
               ts_ns(a) <= ts_ns(b) && ts_ns(b) <= ts_ns(d) ? "yes" : "no",
               ok && ts_ns(a) <= ts_ns(c) && ts_ns(c) <= ts_ns(d) ? "yes" : "no");
    }
}

static void
test_others(void)
{
    struct timeval tv0, tv, tv1;
    struct timespec res, raw_res;

    syscall(SYS_gettimeofday, &tv0, NULL);
    gettimeofday(&tv, NULL);
    syscall(SYS_gettimeofday, &tv1, NULL);
    yes_no("gettimeofday between two syscalls", timercmp(&tv0, &tv, <=) && timercmp(&tv, &tv1, <=));
    time_t t0 = (time_t)syscall(SYS_time, NULL), t = time(NULL),
           t1 = (time_t)syscall(SYS_time, NULL);
    yes_no("time between two syscalls", t0 <= t && t <= t1);
    clock_getres(CLOCK_MONOTONIC, &res);
    syscall(SYS_clock_getres, CLOCK_MONOTONIC, &raw_res);
    yes_no("clock_getres(CLOCK_MONOTONIC) as the syscall's", ts_ns(res) == ts_ns(raw_res));
    show_ret("clock_gettime(clock 1000)", clock_gettime(1000, &res));
}

int
main(void)
{
    static const char *const names[] = { "__vdso_clock_gettime", "__vdso_gettimeofday",
                                         "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres" };
    struct vdso v = { 0 };
    uintptr_t base = getauxval(AT_SYSINFO_EHDR);
    clock_gettime_fn vdso_gettime = NULL;

    yes_no("AT_SYSINFO_EHDR set", base != 0);
    int tables = base && find_tables(base, &v);
    yes_no("  an ELF image with a dynamic symbol table", tables);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        printf("  %s@LINUX_2.6: %s\n", names[i], tables && lookup(&v, names[i]) ? "yes" : "no");
    if (tables)
        vdso_gettime = (clock_gettime_fn)lookup(&v, "__vdso_clock_gettime");
    test_clocks(vdso_gettime);
    test_others();
    return 0;
}
