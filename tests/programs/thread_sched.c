// Scheduling calls, answered so that the output does not depend on how many
// CPUs there are: sched_yield; sched_getaffinity (the CPU we run on is in
// the mask; raw sizes and errors); sched_setaffinity to the current CPU
// alone, which getcpu and a new thread (it inherits the mask) then see;
// getcpu; and the policy and priorities of a normal task.
#include "thread_check.h"

#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
current_cpu(void)
{
    unsigned cpu = ~0u, node = ~0u;

    if (syscall(SYS_getcpu, &cpu, &node, NULL) < 0)
        return -1;
    return (int)cpu;
}

static void *
in_thread(void *arg)
{
    cpu_set_t set;

    (void)arg;
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return (void *)-1L;
    long ok = CPU_COUNT(&set) == 1 && CPU_ISSET(current_cpu(), &set) && sched_yield() == 0;
    return (void *)ok;
}

static void
test_affinity(void)
{
    cpu_set_t all, one, got, far;
    uint64_t raw[16];

    show_ret("sched_getaffinity", sched_getaffinity(0, sizeof(all), &all));
    int cpu = current_cpu();
    yes_no("  at least one CPU, and the current one in it",
           CPU_COUNT(&all) >= 1 && cpu >= 0 && CPU_ISSET(cpu, &all));
    printf("raw sched_getaffinity, 8 bytes: %ld\n", syscall(SYS_sched_getaffinity, 0, 8, raw));
    show_ret("raw sched_getaffinity, 4 bytes", syscall(SYS_sched_getaffinity, 0, 4, raw));
    show_ret("raw sched_getaffinity, 0 bytes", syscall(SYS_sched_getaffinity, 0, 0, raw));
    show_ret("raw sched_getaffinity, bad address", syscall(SYS_sched_getaffinity, 0, 8, (void *)8));
    show_ret("sched_getaffinity of no such task", sched_getaffinity(0x3ffffff0, sizeof(got), &got));

    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    show_ret("sched_setaffinity to the current CPU", sched_setaffinity(0, sizeof(one), &one));
    sched_getaffinity(0, sizeof(got), &got);
    yes_no("  read back: that CPU alone", CPU_COUNT(&got) == 1 && CPU_ISSET(cpu, &got));
    yes_no("  getcpu still gives it", current_cpu() == cpu);
    yes_no("  a new thread inherits the mask",
           join_thread(start_thread(in_thread, NULL)) == (void *)1);
    CPU_ZERO(&far);
    CPU_SET(CPU_SETSIZE - 1, &far);
    show_ret("sched_setaffinity to CPU 1023 alone", sched_setaffinity(0, sizeof(far), &far));
    CPU_ZERO(&far);
    show_ret("sched_setaffinity to no CPU", sched_setaffinity(0, sizeof(far), &far));
    show_ret("sched_setaffinity back to all", sched_setaffinity(0, sizeof(all), &all));
    sched_getaffinity(0, sizeof(got), &got);
    yes_no("  read back: as at the start", CPU_EQUAL(&got, &all));
}

static void
test_policy(void)
{
    struct sched_param param = { .sched_priority = -1 };

    show_ret("sched_yield", sched_yield());
    // Raw: musl's wrappers of these two are stubs (ENOSYS).
    long policy = syscall(SYS_sched_getscheduler, 0);
    printf("sched_getscheduler: %s\n", policy == SCHED_OTHER ? "SCHED_OTHER" : err_name(errno));
    show_ret("sched_getparam", syscall(SYS_sched_getparam, 0, &param));
    printf("  priority: %d\n", param.sched_priority);
    printf("priority range SCHED_OTHER: %d..%d, SCHED_FIFO: %d..%d, SCHED_RR: %d..%d\n",
           sched_get_priority_min(SCHED_OTHER), sched_get_priority_max(SCHED_OTHER),
           sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO),
           sched_get_priority_min(SCHED_RR), sched_get_priority_max(SCHED_RR));
    show_ret("sched_get_priority_max(99)", sched_get_priority_max(99));
}

int
main(void)
{
    test_affinity();
    test_policy();
    return 0;
}
