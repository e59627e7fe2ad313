/* hello: the smallest possible check that a program starts, prints and exits 0. */
#include "compat.h"

int main(void)
{
    printf("hello, world\n");
    t_pass("hello");
    return t_done();
}
