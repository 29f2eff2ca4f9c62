// The vDSO as programs meet it: AT_SYSINFO_EHDR points at an ELF shared
// object that exports Linux's __vdso_* functions with version LINUX_2.6
// (found here as musl and Go find them: DT_HASH, DT_VERSYM, DT_VERDEF);
// libc's clock_gettime, gettimeofday, time, clock_getres and sched_getcpu
// and those functions called directly agree with the raw syscalls read
// just before and after. Only facts that hold on any Linux are printed.
//
//   vdso             the checks above
//   vdso maps        [vvar] and [vdso] as regions: what mprotect, madvise
//                    and mremap may do to them
//   vdso null        clock_gettime(CLOCK_MONOTONIC, NULL): the vDSO writes
//                    through the pointer, so SIGSEGV, as on Linux
//   vdso unmap_vvar  a clock read after munmap of [vvar]: SIGSEGV
//   vdso settime     (under pkgload only: it sets the clock) clock_settime
//                    and settimeofday seen by the vDSO and the syscalls
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL

static int failures;

static void
check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "yes" : "NO");
    failures += !ok;
}

static long long
ns_of(const struct timespec *t)
{
    return t->tv_sec * NS + t->tv_nsec;
}

// ---------------------------------------------------------------- the ELF image

struct vdso {
    uintptr_t base;                // load bias: the image is linked at 0
    const char *strings;
    const Elf64_Sym *syms;
    const Elf32_Word *hash;        // DT_HASH: nbucket, nchain, ...
    const Elf64_Half *versym;
    const Elf64_Verdef *verdef;
};

static int
vdso_open(struct vdso *v, const Elf64_Ehdr *eh)
{
    const Elf64_Phdr *ph = (const void *)((const char *)eh + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;

    memset(v, 0, sizeof(*v));
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD)
            v->base = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
        else if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const void *)((const char *)eh + ph[i].p_offset);
    }
    for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
        const void *p = (const void *)(v->base + dyn->d_un.d_ptr);
        switch (dyn->d_tag) {
        case DT_STRTAB: v->strings = p; break;
        case DT_SYMTAB: v->syms = p; break;
        case DT_HASH: v->hash = p; break;
        case DT_VERSYM: v->versym = p; break;
        case DT_VERDEF: v->verdef = p; break;
        }
    }
    return v->base && v->strings && v->syms && v->hash && v->versym && v->verdef;
}

static int
version_is(const struct vdso *v, Elf64_Half index, const char *name)
{
    const Elf64_Verdef *d = v->verdef;

    for (;;) {
        if (d->vd_ndx == (index & 0x7fff)) {
            const Elf64_Verdaux *aux = (const void *)((const char *)d + d->vd_aux);
            return strcmp(v->strings + aux->vda_name, name) == 0;
        }
        if (!d->vd_next)
            return 0;
        d = (const void *)((const char *)d + d->vd_next);
    }
}

// NAME@LINUX_2.6, a defined function, as musl's __vdsosym looks it up.
static void *
vdso_sym(const struct vdso *v, const char *name)
{
    for (Elf32_Word i = 0; i < v->hash[1]; i++) {
        const Elf64_Sym *s = &v->syms[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF)
            continue;
        if (strcmp(v->strings + s->st_name, name) == 0 && version_is(v, v->versym[i], "LINUX_2.6"))
            return (void *)(v->base + s->st_value);
    }
    return NULL;
}

static void
check_image(const Elf64_Ehdr *eh, struct vdso *v)
{
    check("AT_SYSINFO_EHDR set", eh != NULL);
    if (!eh)
        exit(1);
    check("ELF magic, 64-bit, little-endian", memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 &&
                                                  eh->e_ident[EI_CLASS] == ELFCLASS64 &&
                                                  eh->e_ident[EI_DATA] == ELFDATA2LSB);
    check("shared object for x86-64", eh->e_type == ET_DYN && eh->e_machine == EM_X86_64);
    check("page aligned", ((uintptr_t)eh & 4095) == 0);
    check("DT_HASH, DT_SYMTAB, DT_STRTAB, DT_VERSYM, DT_VERDEF", vdso_open(v, eh));
}

// ---------------------------------------------------------------- the functions

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, struct timezone *);
typedef time_t (*time_fn)(time_t *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static const struct {
    clockid_t id;
    const char *name;
} clocks[] = {
    { CLOCK_REALTIME, "REALTIME" },
    { CLOCK_MONOTONIC, "MONOTONIC" },
    { CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" },
    { CLOCK_BOOTTIME, "BOOTTIME" },
    { CLOCK_TAI, "TAI" },
    { CLOCK_REALTIME_COARSE, "REALTIME_COARSE" },
    { CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" },
};

// syscall before <= FN <= syscall after, on clock ID.
static int
in_order(gettime_fn fn, clockid_t id)
{
    struct timespec a, b, c;

    if (syscall(SYS_clock_gettime, id, &a) || fn(id, &b) || syscall(SYS_clock_gettime, id, &c))
        return 0;
    return ns_of(&a) <= ns_of(&b) && ns_of(&b) <= ns_of(&c) && b.tv_nsec >= 0 && b.tv_nsec < NS;
}

static int
same_res(gettime_fn fn, clockid_t id)
{
    struct timespec a, b;

    return syscall(SYS_clock_getres, id, &a) == 0 && fn(id, &b) == 0 && ns_of(&a) == ns_of(&b);
}

static void
check_clocks(gettime_fn direct, gettime_fn getres)
{
    char what[96];

    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        snprintf(what, sizeof(what), "clock_gettime(%s) between two syscalls", clocks[i].name);
        check(what, in_order(clock_gettime, clocks[i].id) && in_order(direct, clocks[i].id));
        snprintf(what, sizeof(what), "clock_getres(%s) as the syscall's", clocks[i].name);
        check(what, same_res(clock_getres, clocks[i].id) && same_res(getres, clocks[i].id));
    }
    struct timespec t;
    errno = 0;
    check("clock_gettime(-1) fails with EINVAL", clock_gettime(-1, &t) == -1 && errno == EINVAL);
    check("__vdso_clock_gettime(-1) returns -EINVAL", direct(-1, &t) == -EINVAL);
    check("__vdso_clock_gettime(CLOCK_PROCESS_CPUTIME_ID) works",
          direct(CLOCK_PROCESS_CPUTIME_ID, &t) == 0 && t.tv_nsec < NS);
    check("__vdso_clock_getres(CLOCK_MONOTONIC, NULL) returns 0",
          getres(CLOCK_MONOTONIC, NULL) == 0);
}

static long long
us_of(const struct timeval *t)
{
    return t->tv_sec * 1000000LL + t->tv_usec;
}

// libc may fill the timezone itself (glibc's static gettimeofday zeroes
// it), so the zone is compared through the vDSO's own function.
static void
check_wall(gettimeofday_fn direct_tod, time_fn direct_time)
{
    struct timeval a, b, c, d;
    struct timezone za, zc;
    time_t t0, t1, t2, t3, t4;

    syscall(SYS_gettimeofday, &a, &za);
    gettimeofday(&b, NULL);
    direct_tod(&c, &zc);
    syscall(SYS_gettimeofday, &d, NULL);
    check("gettimeofday between two syscalls",
          us_of(&a) <= us_of(&b) && us_of(&b) <= us_of(&c) && us_of(&c) <= us_of(&d));
    check("__vdso_gettimeofday's timezone as the syscall's",
          za.tz_minuteswest == zc.tz_minuteswest && za.tz_dsttime == zc.tz_dsttime);
    check("gettimeofday(NULL, NULL) returns 0", direct_tod(NULL, NULL) == 0);
    t0 = syscall(SYS_time, NULL);
    t1 = time(NULL);
    t2 = direct_time(&t3);
    t4 = syscall(SYS_time, NULL);
    check("time between two syscalls, stored and returned",
          t0 <= t1 && t1 <= t2 && t2 <= t4 && t2 == t3);
}

// The CPU may change between two calls natively, so try until it did not.
static void
check_getcpu(getcpu_fn direct)
{
    int agree = 0;

    for (int i = 0; i < 1000 && !agree; i++) {
        unsigned cpu0 = 99999, node0 = 99999, cpu1 = 99999, node1 = 99999;
        int libc = sched_getcpu();
        syscall(SYS_getcpu, &cpu0, &node0, NULL);
        long r = direct(&cpu1, &node1, NULL);
        agree = r == 0 && libc >= 0 && cpu1 == cpu0 && (unsigned)libc == cpu0 && node1 == node0;
    }
    check("sched_getcpu and __vdso_getcpu as the syscall's", agree);
    check("__vdso_getcpu(NULL, NULL) returns 0", direct(NULL, NULL, NULL) == 0);
}

static int
run_checks(void)
{
    struct vdso v;
    static const char *const names[] = { "__vdso_clock_gettime",
                                         "__vdso_gettimeofday",
                                         "__vdso_time",
                                         "__vdso_getcpu",
                                         "__vdso_clock_getres",
                                         "clock_gettime",
                                         "gettimeofday",
                                         "time",
                                         "getcpu" };
    void *fns[sizeof(names) / sizeof(names[0])];
    char what[96];
    int all = 1;

    check_image((const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR), &v);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        fns[i] = vdso_sym(&v, names[i]);
        snprintf(what, sizeof(what), "%s@LINUX_2.6 exported", names[i]);
        check(what, fns[i] != NULL);
        all &= fns[i] != NULL;
    }
    if (!all)
        return 1;
    check("clock_gettime is __vdso_clock_gettime", fns[5] == fns[0]);
    check_clocks((gettime_fn)fns[0], (gettime_fn)fns[4]);
    check_wall((gettimeofday_fn)fns[1], (time_fn)fns[2]);
    check_getcpu((getcpu_fn)fns[3]);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}

// ---------------------------------------------------------------- the regions

static int
find_region(const char *name, uintptr_t *start, uintptr_t *end)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;

    while (f && !found && fgets(line, sizeof(line), f))
        found = strstr(line, name) && sscanf(line, "%lx-%lx", start, end) == 2;
    if (f)
        fclose(f);
    return found;
}

static const char *
result(long r)
{
    static char buf[64];

    if (r == 0)
        return "0";
    snprintf(buf, sizeof(buf), "%s", r == -1 ? strerror(errno) : "unexpected value");
    return buf;
}

static int
run_maps(void)
{
    uintptr_t vs, ve, ds, de;
    struct timespec t;

    check("[vvar] in /proc/self/maps", find_region("[vvar]", &vs, &ve));
    check("[vdso] in /proc/self/maps", find_region("[vdso]", &ds, &de));
    check("[vdso] starts at AT_SYSINFO_EHDR", ds == getauxval(AT_SYSINFO_EHDR));
    check("[vvar] below [vdso]", ve <= ds);
    printf("mprotect [vvar] read+write: %s\n",
           result(mprotect((void *)vs, ve - vs, PROT_READ | PROT_WRITE)));
    printf("mprotect [vvar] read+exec: %s\n",
           result(mprotect((void *)vs, ve - vs, PROT_READ | PROT_EXEC)));
    printf("mprotect [vvar] none: %s\n", result(mprotect((void *)vs, ve - vs, PROT_NONE)));
    printf("mprotect [vvar] read: %s\n", result(mprotect((void *)vs, ve - vs, PROT_READ)));
    printf("madvise [vvar] DONTNEED: %s\n", result(madvise((void *)vs, ve - vs, MADV_DONTNEED)));
    printf("madvise [vdso] DONTNEED: %s\n", result(madvise((void *)ds, de - ds, MADV_DONTNEED)));
    errno = 0;
    printf("mremap [vdso] larger: %s\n",
           result((long)mremap((void *)ds, de - ds, de - ds + 4096, 0)));
    errno = 0;
    printf("mremap [vvar] larger, may move: %s\n",
           result((long)mremap((void *)vs, ve - vs, ve - vs + 4096, MREMAP_MAYMOVE)));
    printf("mprotect [vdso] read+write+exec: %s\n",
           result(mprotect((void *)ds, de - ds, PROT_READ | PROT_WRITE | PROT_EXEC)));
    ((volatile char *)ds)[de - ds - 1] ^= 0x5a;   // the page's last byte: padding, not code
    ((volatile char *)ds)[de - ds - 1] ^= 0x5a;
    printf("mprotect [vdso] read+exec: %s\n",
           result(mprotect((void *)ds, de - ds, PROT_READ | PROT_EXEC)));
    check("clock_gettime after all that", clock_gettime(CLOCK_MONOTONIC, &t) == 0);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}

static int
run_unmap_vvar(void)
{
    uintptr_t vs, ve;
    struct timespec t;

    if (!find_region("[vvar]", &vs, &ve) || munmap((void *)vs, ve - vs) != 0)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t);   // reads [vvar]: SIGSEGV
    printf("clock_gettime read no [vvar]\n");
    return 1;
}

// ---------------------------------------------------------------- setting the clock

// Only in a pkgload guest: natively, as root, this would set the host's clock.
static int
in_pkgload(void)
{
    struct utsname u;
    size_t n;

    return uname(&u) == 0 && (n = strlen(u.release)) >= 8 &&
           strcmp(u.release + n - 8, "-pkgload") == 0;
}

// Every way to read the wall clock, in seconds, within [lo, lo + 10).
static int
wall_near(time_t lo)
{
    struct timespec a, b, c;
    struct timeval tv;
    time_t t = time(NULL);

    clock_gettime(CLOCK_REALTIME, &a);
    clock_gettime(CLOCK_TAI, &b);
    syscall(SYS_clock_gettime, CLOCK_REALTIME_COARSE, &c);
    gettimeofday(&tv, NULL);
    return a.tv_sec >= lo && a.tv_sec < lo + 10 && b.tv_sec >= lo && b.tv_sec < lo + 10 &&
           c.tv_sec >= lo && c.tv_sec < lo + 10 && tv.tv_sec >= lo && tv.tv_sec < lo + 10 &&
           t >= lo && t < lo + 10;
}

static int
zone_is(gettimeofday_fn direct_tod, int minuteswest, int dsttime)
{
    struct timezone a, b;
    struct timeval tv;

    direct_tod(&tv, &a);
    syscall(SYS_gettimeofday, NULL, &b);
    return a.tz_minuteswest == minuteswest && a.tz_dsttime == dsttime &&
           b.tz_minuteswest == minuteswest && b.tz_dsttime == dsttime;
}

static int
run_settime(void)
{
    struct timespec m0, m1, when = { 1000000000, 0 };   // 2001-09-09T01:46:40Z
    struct timezone west = { 60, 0 }, east = { -120, 1 }, far = { 15 * 60 + 1, 0 };
    struct vdso v;
    gettimeofday_fn tod;

    if (!in_pkgload()) {
        fprintf(stderr, "vdso settime: not under pkgload: refusing to set this machine's clock\n");
        return 2;
    }
    if (!vdso_open(&v, (const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR)) ||
        !(tod = (gettimeofday_fn)vdso_sym(&v, "__vdso_gettimeofday")))
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &m0);
    check("clock_settime(CLOCK_REALTIME, 2001-09-09) succeeds",
          clock_settime(CLOCK_REALTIME, &when) == 0);
    check("every wall clock reads 2001-09-09", wall_near(1000000000));
    clock_gettime(CLOCK_MONOTONIC, &m1);
    check("CLOCK_MONOTONIC went on", ns_of(&m1) >= ns_of(&m0) && ns_of(&m1) - ns_of(&m0) < 10 * NS);
    check("a zone west 15 h 1 min fails with EINVAL",
          syscall(SYS_settimeofday, NULL, &far) == -1 && errno == EINVAL);
    check("the first zone set alone moves the clock", syscall(SYS_settimeofday, NULL, &west) == 0);
    check("every wall clock reads an hour later", wall_near(1000000000 + 3600));
    check("gettimeofday gives the zone", zone_is(tod, 60, 0));
    check("a second zone set alone", syscall(SYS_settimeofday, NULL, &east) == 0);
    check("leaves the clock", wall_near(1000000000 + 3600));
    check("and gettimeofday gives it", zone_is(tod, -120, 1));
    check("settimeofday(1234567890.5) succeeds",
          settimeofday(&(struct timeval){ 1234567890, 500000 }, NULL) == 0);
    check("every wall clock reads 2009-02-13", wall_near(1234567890));
    check("setuid(1000)", setuid(1000) == 0);
    check("then clock_settime fails with EPERM",
          clock_settime(CLOCK_REALTIME, &when) == -1 && errno == EPERM);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}

// Bad arguments that fail before any permission check: safe natively.
static void
check_settime_errors(void)
{
    struct timespec ok = { 1000000000, 0 }, neg = { -1, 0 }, big = { 0, NS };
    clockid_t cpu;

    errno = 0;
    check("clock_settime(CLOCK_MONOTONIC) fails with EINVAL",
          clock_settime(CLOCK_MONOTONIC, &ok) == -1 && errno == EINVAL);
    check("clock_settime(CLOCK_REALTIME, -1 s) fails with EINVAL",
          clock_settime(CLOCK_REALTIME, &neg) == -1 && errno == EINVAL);
    check("clock_settime(CLOCK_REALTIME, 10^9 ns) fails with EINVAL",
          clock_settime(CLOCK_REALTIME, &big) == -1 && errno == EINVAL);
    check("clock_settime(CLOCK_REALTIME, NULL) fails with EFAULT",
          syscall(SYS_clock_settime, CLOCK_REALTIME, NULL) == -1 && errno == EFAULT);
    check("clock_settime(CLOCK_PROCESS_CPUTIME_ID) fails with EINVAL",
          clock_settime(CLOCK_PROCESS_CPUTIME_ID, &ok) == -1 && errno == EINVAL);
    check("clock_settime(CLOCK_TAI) fails with EINVAL",
          clock_settime(CLOCK_TAI, &ok) == -1 && errno == EINVAL);
    check("clock_settime(this process's CPU clock) fails with EPERM",
          clock_getcpuclockid(0, &cpu) == 0 && clock_settime(cpu, &ok) == -1 && errno == EPERM);
    check("settimeofday(tv_usec -1) fails with EINVAL",
          syscall(SYS_settimeofday, &(struct timeval){ 0, -1 }, NULL) == -1 && errno == EINVAL);
    check("settimeofday(bad pointer) fails with EFAULT",
          syscall(SYS_settimeofday, (void *)8, NULL) == -1 && errno == EFAULT);
}

int
main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    struct timespec *volatile none = NULL;

    if (strcmp(mode, "maps") == 0)
        return run_maps();
    if (strcmp(mode, "null") == 0)
        return clock_gettime(CLOCK_MONOTONIC, none) == 0 ? 3 : 4;
    if (strcmp(mode, "unmap_vvar") == 0)
        return run_unmap_vvar();
    if (strcmp(mode, "settime") == 0)
        return run_settime();
    check_settime_errors();
    return run_checks();
}
