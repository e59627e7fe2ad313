/* Processes: fork/wait exit statuses, copy-on-fork memory, a pipe from child to parent, vfork,
 * execve of ourselves, of a copy of ourselves written at run time and of a "#!" script naming
 * that copy, posix_spawn, signals a process sends itself, and a child killed by one. */
#include "compat.h"
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile int got_usr1;
static void on_usr1(int s) { (void)s; got_usr1++; }

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child-exec") == 0) return 42;   /* the exec'd image */
    int st, fds[2];
    static int shared_value = 1;

    pid_t pid = fork();
    if (pid == 0) { shared_value = 99; _exit(7); }
    CHECK_ERR(pid > 0, "fork returns the child's pid in the parent");
    CHECK_ERR(waitpid(pid, &st, 0) == pid, "waitpid returns that pid");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "the child's exit status is 7");
    CHECK(shared_value == 1, "the child's writes do not reach the parent's memory");
    errno = 0;
    CHECK(wait(&st) == -1 && errno == ECHILD, "wait with no children left fails with ECHILD");

    CHECK_ERR(pipe(fds) == 0, "pipe");
    pid = fork();
    if (pid == 0) { close(fds[0]); write(fds[1], "from the child", 14); _exit(0); }
    close(fds[1]);
    char buf[32] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    CHECK(n == 14 && strcmp(buf, "from the child") == 0, "the parent reads what the child wrote to a pipe");
    CHECK(read(fds[0], buf, 1) == 0, "end of file once the child is gone");
    close(fds[0]);
    waitpid(pid, &st, 0);

    pid = fork();
    if (pid == 0) { CHECK(getppid() > 0, "getppid in the child"); fflush(stdout); _exit(getppid() == getpid() ? 1 : 0); }
    waitpid(pid, &st, 0);
    CHECK(WEXITSTATUS(st) == 0, "the child's parent is not itself");

    pid = vfork();
    if (pid == 0) _exit(3);
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "vfork child exit status");

    pid = fork();
    if (pid == 0) { char *args[] = { argv[0], "child-exec", NULL }; execve("/proc/self/exe", args, environ); _exit(99); }
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "execve of /proc/self/exe runs main again (status 42)");

    /* A program written at run time (in odd-sized pieces) and then executed, directly and as the
     * interpreter of a script also written at run time. */
    {
        static char chunk[70001];
        const char *copy = "/tmp/compat-process-copy", *script = "/tmp/compat-process-script";
        int in = open("/proc/self/exe", O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0755), ok = in >= 0 && out >= 0;
        ssize_t got;
        while (ok && (got = read(in, chunk, sizeof chunk)) > 0) ok = write(out, chunk, (size_t)got) == got;
        if (in >= 0) close(in);
        if (out >= 0) close(out);
        CHECK_ERR(ok, "copy /proc/self/exe to %s", copy);
        pid = fork();
        if (pid == 0) { char *args[] = { (char *)copy, "child-exec", NULL }; execve(copy, args, environ); _exit(99); }
        waitpid(pid, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "execve of the copy runs main again (status 42)");
        out = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
        ok = out >= 0 && dprintf(out, "#!%s child-exec\nnot read\n", copy) > 0;
        if (out >= 0) close(out);
        CHECK_ERR(ok, "write %s", script);
        pid = fork();
        if (pid == 0) { char *args[] = { (char *)script, NULL }; execve(script, args, environ); _exit(99); }
        waitpid(pid, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "execve of a script whose interpreter is the copy (status 42)");
        unlink(script);
        unlink(copy);
    }

    char *sargs[] = { argv[0], "child-exec", NULL };
    CHECK_ERR(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, sargs, environ) == 0, "posix_spawn");
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "the spawned process exits with 42");

    pid = fork();
    if (pid == 0) { char *bad[] = { "nope", NULL }; execve("/no/such/program", bad, environ); _exit(errno == ENOENT ? 11 : 12); }
    waitpid(pid, &st, 0);
    CHECK(WEXITSTATUS(st) == 11, "execve of a missing file fails with ENOENT and the caller continues");

    signal(SIGUSR1, on_usr1);
    CHECK_ERR(kill(getpid(), SIGUSR1) == 0 && got_usr1 == 1, "kill(getpid(), SIGUSR1) runs the handler");
    CHECK_ERR(raise(SIGUSR1) == 0 && got_usr1 == 2, "raise runs the handler");
    pid = fork();
    if (pid == 0) { signal(SIGTERM, SIG_DFL); raise(SIGTERM); _exit(0); }
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "a child that raises SIGTERM is reported as killed by it");
    pid = fork();
    if (pid == 0) { *(volatile int *)0 = 1; _exit(0); }
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a child that faults is reported as killed by SIGSEGV");
    return t_done();
}
