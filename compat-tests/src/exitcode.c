/* exitcode: exits with the status given as argv[1] (default 3) via exit().
 * Prints exactly one line. */
#include "compat.h"

int main(int argc, char **argv)
{
    int status = 3;
    if (argc > 1)
        status = atoi(argv[1]);
    printf("exitcode: exiting with status %d\n", status & 0xff);
    fflush(stdout);
    exit(status);
}
