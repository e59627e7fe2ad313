/* Touches N MiB of anonymous memory, one byte per page, and sums them back: with more than 4 GiB
 * it needs RAM above the 4 GiB boundary. Prints only what does not depend on the machine. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 64, n = mb << 20;
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    for (size_t i = 0; i < n; i += 4096) p[i] = (char)(i >> 12);
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i += 4096) sum += (unsigned char)p[i];
    printf("touched %zu MiB, sum %lu\n", mb, sum);
    return 0;
}
