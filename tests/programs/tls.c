// __thread variables: initialised scalars and arrays (.tdata), zeroed ones
// (.tbss) and an over-aligned one, read and written from the main thread.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

__thread int counter = 42;
__thread char name[16] = "tls-initial";
__thread long squares[8] = { 0, 1, 4, 9 };
__thread unsigned zeroed[64];
__thread _Alignas(64) unsigned char aligned_block[64] = { 7 };

static void
bump(void)
{
    counter++;
    for (int i = 0; i < 8; i++)
        squares[i] = (long)i * i;
    for (int i = 0; i < 64; i++)
        zeroed[i] += (unsigned)i;
}

int
main(void)
{
    int all_zero = 1;
    for (int i = 0; i < 64; i++)
        all_zero &= zeroed[i] == 0;
    printf("initial: counter=%d name=%s squares[3]=%ld squares[7]=%ld tbss zero=%s\n", counter,
           name, squares[3], squares[7], all_zero ? "yes" : "NO");
    printf("aligned_block: first=%d 64-aligned=%s\n", aligned_block[0],
           ((uintptr_t)aligned_block % 64) == 0 ? "yes" : "NO");

    bump();
    bump();
    strcpy(name, "tls-changed");
    unsigned sum = 0;
    for (int i = 0; i < 64; i++)
        sum += zeroed[i];
    printf("after: counter=%d name=%s squares[7]=%ld zeroed sum=%u\n", counter, name, squares[7],
           sum);
    return 0;
}
