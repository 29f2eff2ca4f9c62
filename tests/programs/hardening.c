// Hardening seen from a program: code on its heap, stack or a writable
// mapping does not run (NX: SIGSEGV), code made executable with mprotect
// does, kernel addresses are not readable from user mode, and `aslr`
// prints the addresses ASLR moves (stack, mmap, brk, the program itself).
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const unsigned char ret42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };  // mov $42,%eax; ret
static sigjmp_buf env;
static volatile void *fault_addr;

static void
on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_addr = si->si_addr;
    siglongjmp(env, sig);
}

// Call CODE; say whether it ran or faulted (and where).
static void
try_call(const char *what, void *code)
{
    int sig;

    memcpy(code, ret42, sizeof(ret42));
    if ((sig = sigsetjmp(env, 1)) == 0) {
        int r = ((int (*)(void))code)();
        printf("%s: ran, returned %d\n", what, r);
    } else {
        printf("%s: signal %d%s\n", what, sig, fault_addr == code ? " at the code" : "");
    }
}

static void
try_read(const char *what, uintptr_t addr)
{
    int sig;

    if ((sig = sigsetjmp(env, 1)) == 0) {
        volatile char c = *(volatile char *)addr;
        (void)c;
        printf("%s: read it\n", what);
    } else {
        printf("%s: signal %d\n", what, sig);
    }
}

static void
nx(void)
{
    char on_stack[64];
    char *heap = malloc(64);
    char *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    try_call("heap", heap);
    try_call("stack", on_stack);
    try_call("mmap rw", map);
    mprotect(map, 4096, PROT_READ | PROT_EXEC);
    if (sigsetjmp(env, 1) == 0)
        printf("mmap r-x: ran, returned %d\n", ((int (*)(void))map)());
    mprotect(map, 4096, PROT_READ);
    if (sigsetjmp(env, 1) == 0)
        printf("mmap r--: ran, returned %d\n", ((int (*)(void))map)());
    else
        printf("mmap r--: signal %d%s\n", SIGSEGV, fault_addr == map ? " at the code" : "");
}

static void
kernel_reads(void)
{
    try_read("direct map 0xffff800000000000", 0xffff800000000000UL);
    try_read("kernel image 0xffffffff80100000", 0xffffffff80100000UL);
    try_read("kernel image 0xffffffff81000000", 0xffffffff81000000UL);
    try_read("top page 0xfffffffffffff000", 0xfffffffffffff000UL);
    try_read("non-canonical 0x800000000000", 0x800000000000UL);
}

static void
aslr(void)
{
    int on_stack;
    void *map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    printf("stack %p\nmmap %p\nbrk %p\nprogram %p\n", (void *)&on_stack, map, sbrk(0),
           (void *)aslr);
}

int
main(int argc, char **argv)
{
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER };

    setvbuf(stdout, NULL, _IONBF, 0);
    sigaction(SIGSEGV, &sa, NULL);
    if (argc > 1 && strcmp(argv[1], "aslr") == 0)
        aslr();
    else if (argc > 1 && strcmp(argv[1], "kernel") == 0)
        kernel_reads();
    else
        nx();
    return 0;
}
