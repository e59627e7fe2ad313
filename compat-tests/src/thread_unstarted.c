/* thread_unstarted: a thread that has not yet run its first instruction when another thread of
 * its process calls execve or exit_group never runs at all: exec starts the new image alone (the
 * new thread does not wake up in it), and exit_group's status is the process's. (Go and other
 * runtimes start threads at any moment, also right before an exec.) */

#include "compat.h"
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK (64 * 1024)

static int spin(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return 0;
}

static int start_thread(void)
{
    char *stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack == MAP_FAILED)
        return -1;
    return clone(spin, stack + STACK, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, NULL);
}

int main(int argc, char **argv)
{
    int st, i;
    pid_t pid;

    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        /* The new image: time for a stray thread to run and crash it. */
        usleep(100000);
        printf("the new image runs alone after exec (round %s)\n", argv[2]);
        return 0;
    }
    for (i = 0; i < 3; i++) {
        char round[4];
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            snprintf(round, sizeof(round), "%d", i);
            if (start_thread() < 0)
                _exit(90);
            execl("/proc/self/exe", argv[0], "after-exec", round, (char *)NULL);
            _exit(91);
        }
        CHECK_ERR(pid > 0, "fork");
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "exec right after clone(CLONE_THREAD): the new image exits 0 (round %d)", i);
    }
    for (i = 0; i < 3; i++) {
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            if (start_thread() < 0)
                _exit(90);
            syscall(SYS_exit_group, 7);
            _exit(92);
        }
        CHECK_ERR(pid > 0, "fork");
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7,
              "exit_group(7) right after clone(CLONE_THREAD): status 7 (round %d)", i);
    }
    return t_done();
}
