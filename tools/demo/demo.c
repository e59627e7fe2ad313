/* The bundled demo (`bin/ops run --demo`): an ordinary static Linux program, built with gcc on the
 * host and run unmodified in the unikernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
    struct utsname u;
    uname(&u);
    printf("Hello from an unmodified Linux binary running on the compat unikernel!\n");
    printf("  uname: %s %s %s (pid %d)\n", u.sysname, u.release, u.machine, getpid());
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int limit = 200000, count = 0;
    char *sieve = calloc(limit + 1, 1);
    for (int i = 2; i <= limit; i++) {
        if (sieve[i]) continue;
        count++;
        for (long j = (long)i * i; j <= limit; j += i) sieve[j] = 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("  %d primes below %d, sieved in %.2f ms\n", count, limit,
           (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    unsigned char r[8];
    getrandom(r, sizeof r, 0);
    printf("  8 random bytes: %02x%02x%02x%02x%02x%02x%02x%02x\n", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    time_t now = time(NULL);
    printf("  wall clock: %s", ctime(&now));
    FILE *f = fopen("/tmp/demo.txt", "w");
    fprintf(f, "%d primes\n", count);
    fclose(f);
    char line[64] = "";
    f = fopen("/tmp/demo.txt", "r");
    fgets(line, sizeof line, f);
    fclose(f);
    printf("  wrote and read back /tmp/demo.txt: %s", line);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) _exit(7);
    int status = 0;
    waitpid(child, &status, 0);
    printf("  forked child %d exited with status %d\n", child, WEXITSTATUS(status));
    int regions = 0;
    f = fopen("/proc/self/maps", "r");
    while (fgets(line, sizeof line, f)) if (strchr(line, '\n')) regions++;
    fclose(f);
    printf("  /proc/self/maps lists %d regions\n", regions);
    for (int i = 1; i < argc; i++) printf("  argv[%d] = %s\n", i, argv[i]);
    free(sieve);
    return 0;
}
