// clone(2) as the C libraries call it for a thread, done by hand:
// CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID.
// The parent gets the child's tid, also written at the PARENT_SETTID address
// before clone returns; the child runs on the stack and with the TLS it was
// given (%fs), in the same process; at its exit (SYS_exit, not the whole
// process) the kernel clears the CHILD_CLEARTID word and wakes its futex,
// which is what pthread_join waits for. set_tid_address in the child returns
// its tid and moves the word cleared at exit. Flag sets Linux refuses
// (CLONE_SIGHAND without CLONE_VM, CLONE_THREAD without CLONE_SIGHAND) are
// EINVAL. The child uses only raw system calls: it shares no libc state.
#include "thread_check.h"

#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define STACK_SIZE (64 * 1024)
#define THREAD_FLAGS                                                                               \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |            \
     CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

// clone(flags, stack, ptid, ctid, tls) then, in the child, fn(arg) and
// exit(its value). fn and arg travel on the child's stack.
long raw_clone(unsigned long flags, void *stack_top, volatile int *ptid, volatile int *ctid,
               void *tls, long (*fn)(void *), void *arg);
__asm__(".text\n"
        ".type raw_clone, @function\n"
        "raw_clone:\n"
        "    mov 8(%rsp), %rax\n"  // arg, the 7th argument
        "    sub $16, %rsi\n"
        "    mov %r9, (%rsi)\n"  // fn
        "    mov %rax, 8(%rsi)\n"  // arg
        "    mov %rcx, %r10\n"  // ctid: the 4th syscall argument is r10
        "    mov $56, %eax\n"  // SYS_clone
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    xor %ebp, %ebp\n"  // the child: new stack, no caller
        "    pop %rax\n"
        "    pop %rdi\n"
        "    call *%rax\n"
        "    mov %rax, %rdi\n"
        "    mov $60, %eax\n"  // SYS_exit: this thread only
        "    syscall\n"
        "    ud2\n"
        "1:  ret\n"
        ".size raw_clone, .-raw_clone\n");

static inline long
raw_syscall1(long nr, long a)
{
    long ret;

    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a) : "rcx", "r11", "memory");
    return ret;
}

static inline long
raw_futex_wait(volatile int *word, int val)
{
    long ret;
    register long r10 __asm__("r10") = 0;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(SYS_futex), "D"(word), "S"(FUTEX_WAIT), "d"(val), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}

// The child's TLS block: x86-64's TCB starts with a pointer to itself, and
// the stack protector reads its canary at %fs:0x28.
struct tcb {
    struct tcb *self;
    uintptr_t unused[4];
    uintptr_t canary;
};

struct child_report {
    long tid, pid, set_tid_ret;
    uintptr_t fs_self;
    volatile int *move_to;  // if set, the child calls set_tid_address(move_to)
    volatile int release;   // the child exits once the parent sets it
};

static long __attribute__((no_stack_protector))
child(void *arg)
{
    struct child_report *r = arg;
    uintptr_t fs0;

    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
    r->fs_self = fs0;
    r->tid = raw_syscall1(SYS_gettid, 0);
    r->pid = raw_syscall1(SYS_getpid, 0);
    if (r->move_to)
        r->set_tid_ret = raw_syscall1(SYS_set_tid_address, (long)r->move_to);
    while (!r->release)
        raw_futex_wait(&r->release, 0);
    return 0;
}

static void *
new_stack_top(void)
{
    char *s = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (s == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return s + STACK_SIZE;
}

// Wait until the kernel clears *word (the child's exit), as pthread_join does.
static void
wait_cleared(volatile int *word)
{
    int v;

    while ((v = __atomic_load_n(word, __ATOMIC_ACQUIRE)) != 0)
        syscall(SYS_futex, word, FUTEX_WAIT, v, NULL, NULL, 0);
}

static void
release(struct child_report *r)
{
    __atomic_store_n(&r->release, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &r->release, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static struct tcb *
new_tcb(void)
{
    struct tcb *t = calloc(1, sizeof(*t));
    uintptr_t canary;

    __asm__("mov %%fs:0x28, %0" : "=r"(canary));
    t->self = t;
    t->canary = canary;
    return t;
}

static void
test_thread(void)
{
    static volatile int tid_word = -1;
    struct child_report r = { 0 };
    struct tcb *tls = new_tcb();

    long ret = raw_clone(THREAD_FLAGS, new_stack_top(), &tid_word, &tid_word, tls, child, &r);
    yes_no("clone returned a tid", ret > 0);
    yes_no("  PARENT_SETTID wrote it before clone returned", tid_word == ret);
    release(&r);
    wait_cleared(&tid_word);
    yes_no("  CHILD_CLEARTID cleared the word at exit, and woke us", tid_word == 0);
    yes_no("  the child's gettid is that tid", r.tid == ret);
    yes_no("  the child's getpid is ours", r.pid == getpid());
    yes_no("  the child's %fs:0 is the TLS it was given", r.fs_self == (uintptr_t)tls);
}

static void
test_set_tid_address(void)
{
    static volatile int tid_word = -1, moved_word = -1;
    struct child_report r = { .move_to = &moved_word };

    long ret = raw_clone(THREAD_FLAGS, new_stack_top(), &tid_word, &tid_word, new_tcb(), child, &r);
    release(&r);
    wait_cleared(&moved_word);
    yes_no("set_tid_address in the child returned its tid", r.set_tid_ret == ret);
    yes_no("  the new word was cleared at exit", moved_word == 0);
    yes_no("  the first word was left alone", tid_word == ret);
}

static void
test_refused(void)
{
    static volatile int word;
    struct child_report r = { .release = 1 };

    long ret = raw_clone(CLONE_SIGHAND, new_stack_top(), &word, &word, NULL, child, &r);
    printf("clone(CLONE_SIGHAND without CLONE_VM): %s\n",
           ret < 0 ? err_name((int)-ret) : "created");
    ret = raw_clone(CLONE_VM | CLONE_THREAD, new_stack_top(), &word, &word, NULL, child, &r);
    printf("clone(CLONE_THREAD without CLONE_SIGHAND): %s\n",
           ret < 0 ? err_name((int)-ret) : "created");
}

int
main(void)
{
    test_thread();
    test_set_tid_address();
    test_refused();
    return 0;
}
