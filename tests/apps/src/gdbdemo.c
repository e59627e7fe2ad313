#include <stdio.h>
int counter;
int fib(int n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }
void bump(int times) { for (int i = 0; i < times; i++) counter += 2; }
int depth(int n, char *p) { if (n == 0) { *p = 1; return 0; } return depth(n - 1, p) + 1; }
int main(int argc, char **argv) {
    printf("fib(10) = %d\n", fib(10));
    bump(3);
    printf("counter = %d\n", counter);
    if (argc > 1) return depth(3, (char *)16);
    return 0;
}
