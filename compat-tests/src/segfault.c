/* segfault: prints one line, then writes to address 0x10. The expected outcome
 * is death by SIGSEGV (exit status 139 as a shell reports it). */
#include "compat.h"

int main(void)
{
    printf("about to fault\n");
    fflush(stdout);
    *(volatile int *)(unsigned long)0x10 = 1;
    printf("FAIL segfault: write to address 0x10 did not fault\n");
    fflush(stdout);
    return 1;
}
