/* Terminal job control, run on a terminal (tests/apps/jobctl.sh runs it under script(1) natively and
 * through ops, and compares): the caller is a session leader in the foreground; children move to
 * background groups and read (SIGTTIN stops them; ignored: EIO; caught: EINTR), write with TOSTOP
 * (SIGTTOU), call tcsetpgrp from the background (SIGTTOU; with it ignored they take the terminal and
 * give it back); tcsetpgrp errors (EINVAL, ESRCH, EPERM for another session); a new session has no
 * controlling terminal (ENOTTY) and may not steal one (EPERM); TIOCNOTTY; an orphaned group reads EIO. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_ < 0 ? r_ : 0, r_ < 0 ? errno : 0); } while (0)

static volatile int caught;
static void on_sig(int s) { caught = s; }

/* Runs fn in a child in a new background process group; reports how it ended. */
static void background(const char *what, void (*fn)(void))
{
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        fn();
        _exit(0);
    }
    setpgid(c, c);
    int st;
    waitpid(c, &st, WUNTRACED);
    if (WIFSTOPPED(st)) {
        printf("%s: stopped by %s\n", what, strsignal(WSTOPSIG(st)));
        kill(c, SIGKILL);
        waitpid(c, &st, 0);
    } else printf("%s: exited %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void read_default(void) { char b; SHOW("  read (not reached)", read(0, &b, 1)); }
static void read_ignored(void) { signal(SIGTTIN, SIG_IGN); char b; SHOW("  read with SIGTTIN ignored", read(0, &b, 1)); }
static void read_blocked(void)
{
    sigset_t s; sigemptyset(&s); sigaddset(&s, SIGTTIN); sigprocmask(SIG_BLOCK, &s, NULL);
    char b; SHOW("  read with SIGTTIN blocked", read(0, &b, 1));
}
static void read_caught(void)
{
    struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on_sig; sigaction(SIGTTIN, &sa, NULL);
    char b; SHOW("  read with a SIGTTIN handler", read(0, &b, 1));
    printf("  handler ran for SIGTTIN: %s\n", caught == SIGTTIN ? "yes" : "no");
}
static void write_plain(void) { SHOW("  write without TOSTOP", write(1, "  (background line)\n", 20)); }
static void write_default(void) { SHOW("  write (not reached)", write(1, "x\n", 2)); }
static void write_ignored(void) { signal(SIGTTOU, SIG_IGN); SHOW("  write with TOSTOP, SIGTTOU ignored", write(1, "  (line)\n", 9)); }
static void tcset_default(void) { SHOW("  tcsetpgrp (not reached)", tcsetpgrp(0, getpgrp())); }
static void tcset_ignored(void)
{
    signal(SIGTTOU, SIG_IGN);
    pid_t fg = tcgetpgrp(0);
    SHOW("  tcsetpgrp from the background, SIGTTOU ignored", tcsetpgrp(0, getpgrp()));
    printf("  now in the foreground: %s\n", tcgetpgrp(0) == getpgrp() ? "yes" : "no");
    SHOW("  give it back", tcsetpgrp(0, fg));
}
static void tcattr_default(void)
{
    struct termios t; tcgetattr(0, &t);
    SHOW("  tcsetattr (not reached)", tcsetattr(0, TCSANOW, &t));
}
static void new_session(void)
{
    SHOW("  setsid", setsid() > 0 ? 0 : -1);
    SHOW("  tcgetpgrp without a controlling terminal", tcgetpgrp(0));
    pid_t sid;
    SHOW("  TIOCGSID without a controlling terminal", ioctl(0, TIOCGSID, &sid));
    SHOW("  TIOCNOTTY without a controlling terminal", ioctl(0, TIOCNOTTY));
    SHOW("  TIOCSCTTY of another session's terminal", ioctl(0, TIOCSCTTY, 0));
}
static void notty(void)
{
    SHOW("  TIOCNOTTY (not a session leader)", ioctl(0, TIOCNOTTY));
    SHOW("  tcgetpgrp after TIOCNOTTY", tcgetpgrp(0));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("\n=== jobctl\n");                                   /* where the comparison starts */
    if (!isatty(0)) { printf("stdin is not a terminal\n"); return 0; }
    printf("session leader: %s\n", getsid(0) == getpid() ? "yes" : "no");
    printf("foreground group is ours: %s\n", tcgetpgrp(0) == getpgrp() ? "yes" : "no");
    pid_t sid = 0;
    SHOW("TIOCGSID", ioctl(0, TIOCGSID, &sid));
    printf("TIOCGSID is our session: %s\n", sid == getsid(0) ? "yes" : "no");
    SHOW("TIOCSCTTY on our own terminal", ioctl(0, TIOCSCTTY, 0));
    SHOW("tcsetpgrp to our own group", tcsetpgrp(0, getpgrp()));
    SHOW("tcsetpgrp -1", tcsetpgrp(0, -1));
    SHOW("tcsetpgrp to no group", tcsetpgrp(0, 999999));
    SHOW("tcgetpgrp on a pipe", ({ int p[2]; (void)!pipe(p); tcgetpgrp(p[0]); }));

    background("background read", read_default);
    background("background read, SIGTTIN ignored", read_ignored);
    background("background read, SIGTTIN blocked", read_blocked);
    background("background read, SIGTTIN caught", read_caught);
    background("background write", write_plain);
    background("background tcsetattr", tcattr_default);
    background("background tcsetpgrp", tcset_default);
    background("background tcsetpgrp, SIGTTOU ignored", tcset_ignored);
    printf("foreground group is ours again: %s\n", tcgetpgrp(0) == getpgrp() ? "yes" : "no");
    {
        struct termios d;
        tcgetattr(0, &d);
        printf("control characters: intr %d quit %d erase %d kill %d eof %d time %d min %d start %d stop %d susp %d"
               " reprint %d discard %d werase %d lnext %d\n", d.c_cc[VINTR], d.c_cc[VQUIT], d.c_cc[VERASE], d.c_cc[VKILL],
               d.c_cc[VEOF], d.c_cc[VTIME], d.c_cc[VMIN], d.c_cc[VSTART], d.c_cc[VSTOP], d.c_cc[VSUSP], d.c_cc[VREPRINT],
               d.c_cc[VDISCARD], d.c_cc[VWERASE], d.c_cc[VLNEXT]);
    }

    struct termios saved, t;
    tcgetattr(0, &saved);
    t = saved;
    t.c_lflag |= TOSTOP;
    SHOW("set TOSTOP", tcsetattr(0, TCSANOW, &t));
    tcgetattr(0, &t);
    printf("TOSTOP reads back: %s\n", (t.c_lflag & TOSTOP) ? "yes" : "no");
    background("background write with TOSTOP", write_default);
    background("background write with TOSTOP, SIGTTOU ignored", write_ignored);
    tcsetattr(0, TCSANOW, &saved);

    /* another session */
    pid_t c = fork();
    if (c == 0) { new_session(); _exit(0); }
    int st;
    waitpid(c, &st, 0);
    c = fork();
    if (c == 0) { setsid(); pause(); _exit(0); }
    usleep(100000);
    SHOW("tcsetpgrp to a group of another session", tcsetpgrp(0, c));
    kill(c, SIGKILL);
    waitpid(c, &st, 0);

    /* a child that gives up the terminal */
    c = fork();
    if (c == 0) { notty(); _exit(0); }
    waitpid(c, &st, 0);
    printf("still ours after the child's TIOCNOTTY: %s\n", tcgetpgrp(0) == getpgrp() ? "yes" : "no");

    /* an orphaned background group: its parent has gone, so SIGTTIN would stop it for good: EIO */
    int p[2];
    if (pipe(p) != 0) return 1;
    c = fork();
    if (c == 0) {
        pid_t mid = getpid();
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, 0);
            while (getppid() == mid) usleep(10000);              /* until the middle process is gone */
            char b;
            errno = 0;
            long r = read(0, &b, 1);
            char line[64];
            int n = snprintf(line, sizeof line, "orphaned group read: %ld errno %d\n", r, r < 0 ? errno : 0);
            (void)!write(p[1], line, n);
            _exit(0);
        }
        _exit(0);
    }
    close(p[1]);
    waitpid(c, &st, 0);
    char buf[128];
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("%s", buf);
    return 0;
}
