/* Pseudo-terminals: /dev/ptmx and /dev/pts/N, the line discipline between them (canonical
 * editing, echo, raw mode, input and output translation), job control on a forkpty child
 * (^C -> SIGINT, TIOCSWINSZ -> SIGWINCH, hang-up -> SIGHUP), hang-up and EIO at either end's
 * close, and readiness in poll/epoll. argv[1] picks a section.
 *
 * Linux moves master writes to the slave through a work queue, so a byte written to one end is
 * not at once readable at the other: every read here waits (poll with a timeout) for exactly the
 * bytes it expects, and no check depends on how reads split the data. Never printed: pty
 * numbers, pids (other ptys may exist on the machine). */
#include "compat.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <utmp.h>

/* Reads exactly n bytes from fd (waiting up to ms for each piece); returns how many came. */
static int read_n(int fd, char *buf, int n, int ms)
{
    int got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, ms) <= 0)
            break;
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0)
            break;
        got += r;
    }
    buf[got] = 0;
    return got;
}

/* True when fd becomes readable within ms. */
static int readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Expects exactly `want` on fd (and nothing else within a short wait). */
static int expect(int fd, const char *want)
{
    char buf[256];
    int n = (int)strlen(want);
    int got = read_n(fd, buf, n, 2000);
    if (got == n && memcmp(buf, want, n) == 0 && !readable(fd, 50))
        return 1;
    if (readable(fd, 0)) {
        ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
        if (r > 0)
            got += r;
    }
    fprintf(stderr, "expect: got %d bytes:", got);     /* stderr: not compared, for diagnosis */
    for (int i = 0; i < got; i++)
        fprintf(stderr, " %02x", (unsigned char)buf[i]);
    fputc('\n', stderr);
    return 0;
}

static void put(int fd, const char *s)
{
    write(fd, s, strlen(s));
}

static int open_pair(int *m, int *s)
{
    return openpty(m, s, NULL, NULL, NULL);
}

static void set_lflag(int fd, tcflag_t on, tcflag_t off)
{
    struct termios t;
    tcgetattr(fd, &t);
    t.c_lflag = (t.c_lflag | on) & ~off;
    tcsetattr(fd, TCSANOW, &t);
}

static void basics(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK_ERR(m >= 0, "posix_openpt");
    CHECK_ERR(grantpt(m) == 0, "grantpt");
    char name[64];
    CHECK_ERR(ptsname_r(m, name, sizeof name) == 0, "ptsname_r");
    CHECK(strncmp(name, "/dev/pts/", 9) == 0, "ptsname is under /dev/pts");
    unsigned n = 99999;
    CHECK_ERR(ioctl(m, TIOCGPTN, &n) == 0, "TIOCGPTN");
    CHECK((unsigned)atoi(name + 9) == n, "TIOCGPTN matches ptsname");
    int lk = 0;
    CHECK_ERR(ioctl(m, TIOCGPTLCK, &lk) == 0 && lk == 1, "a new slave is locked");
    errno = 0;
    CHECK(open(name, O_RDWR | O_NOCTTY) == -1 && errno == EIO, "opening a locked slave: EIO");
    errno = 0;
    CHECK(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY) == -1 && errno == EIO, "TIOCGPTPEER on a locked slave: EIO");
    CHECK_ERR(unlockpt(m) == 0, "unlockpt");
    int s = open(name, O_RDWR | O_NOCTTY);
    CHECK_ERR(s >= 0, "open the slave after unlockpt");
    CHECK(isatty(m) && isatty(s), "both ends are terminals");
    char tn[64] = "";
    CHECK_ERR(ttyname_r(s, tn, sizeof tn) == 0 && strcmp(tn, name) == 0, "ttyname of the slave is its ptsname");
    struct stat st, st2;
    CHECK_ERR(fstat(s, &st) == 0, "fstat slave");
    CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 && minor(st.st_rdev) == n, "slave is char device 136:N");
    CHECK_ERR(stat(name, &st2) == 0 && st2.st_rdev == st.st_rdev && st2.st_ino == st.st_ino, "stat of the path is the slave");
    CHECK_ERR(fstat(m, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2,
              "master is char device 5:2");
    char path[64], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", s);
    ssize_t l = readlink(path, link, sizeof link - 1);
    if (l >= 0)
        link[l] = 0;
    CHECK(l > 0 && strcmp(link, name) == 0, "/proc/self/fd of the slave names /dev/pts/N");
    snprintf(path, sizeof path, "/proc/self/fd/%d", m);
    l = readlink(path, link, sizeof link - 1);
    if (l >= 0)
        link[l] = 0;
    CHECK(l > 0 && strcmp(link, "/dev/ptmx") == 0, "/proc/self/fd of the master names /dev/ptmx");
    int found = 0;
    DIR *d = opendir("/dev/pts");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, name + 9) == 0)
            found = 1;
    if (d)
        closedir(d);
    CHECK(found, "/dev/pts lists the slave");
    int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    CHECK_ERR(peer >= 0 && fstat(peer, &st2) == 0 && major(st2.st_rdev) == 136 && minor(st2.st_rdev) == n,
              "TIOCGPTPEER opens the same slave");
    errno = 0;
    CHECK(ioctl(s, TIOCGPTN, &n) == -1 && errno == ENOTTY, "TIOCGPTN on the slave: ENOTTY");
    int pg = -1;
    CHECK(ioctl(m, TIOCGPGRP, &pg) == 0 && pg == 0, "master TIOCGPGRP: no foreground group yet");
    errno = 0;
    CHECK(ioctl(s, TIOCGPGRP, &pg) == -1 && errno == ENOTTY, "slave TIOCGPGRP when not our terminal: ENOTTY");
    errno = 0;
    CHECK(ioctl(m, TIOCGSID, &pg) == -1 && errno == ENOTTY, "TIOCGSID without a session: ENOTTY");
    pid_t pid = fork();                                /* a child is never a session leader (we may be one) */
    if (pid == 0)
        _exit(ioctl(s, TIOCSCTTY, 0) == -1 && errno == EPERM ? 0 : 1);
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "TIOCSCTTY by a non-leader: EPERM");

    struct termios t;
    CHECK_ERR(tcgetattr(s, &t) == 0, "tcgetattr slave");
    CHECK((t.c_lflag & (ICANON | ECHO | ISIG | ECHOE | ECHOK | IEXTEN)) == (ICANON | ECHO | ISIG | ECHOE | ECHOK | IEXTEN),
          "default lflag: ICANON ECHO ISIG ECHOE ECHOK IEXTEN");
    CHECK((t.c_iflag & ICRNL) && (t.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR), "default ICRNL, OPOST|ONLCR");
    CHECK(t.c_cc[VERASE] == 0177 && t.c_cc[VKILL] == 025 && t.c_cc[VEOF] == 4 && t.c_cc[VINTR] == 3 && t.c_cc[VMIN] == 1,
          "default control characters");
    struct termios tm;
    CHECK(tcgetattr(m, &tm) == 0 && tm.c_lflag == t.c_lflag, "the master reports the slave's modes");
    struct winsize ws = {0};
    CHECK(ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 0 && ws.ws_col == 0, "a new pty is 0x0");
    ws.ws_row = 24;
    ws.ws_col = 80;
    CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ on the master");
    memset(&ws, 0, sizeof ws);
    CHECK(ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 24 && ws.ws_col == 80, "the slave sees the new size");

    fcntl(m, F_SETFL, O_NONBLOCK);
    fcntl(s, F_SETFL, O_NONBLOCK);
    char c;
    errno = 0;
    CHECK(read(m, &c, 1) == -1 && errno == EAGAIN, "empty master, non-blocking: EAGAIN");
    errno = 0;
    CHECK(read(s, &c, 1) == -1 && errno == EAGAIN, "empty slave, non-blocking: EAGAIN");
    close(peer);
    close(s);
    close(m);
    CHECK(stat(name, &st) == -1 && errno == ENOENT, "/dev/pts/N goes with the pair");

    /* The lowest free index is reused. */
    int m1, s1, m2, s2;
    open_pair(&m1, &s1);
    unsigned n1, n2;
    ioctl(m1, TIOCGPTN, &n1);
    close(s1);
    close(m1);
    open_pair(&m2, &s2);
    ioctl(m2, TIOCGPTN, &n2);
    CHECK(n2 <= n1, "a freed index can be reused");
    close(s2);
    close(m2);
}

static void ldisc(void)
{
    int m, s;
    char buf[256];
    CHECK_ERR(open_pair(&m, &s) == 0, "openpty");

    /* Canonical mode: erase, kill, word erase; echoes on the master. */
    put(m, "abx\177c\n");
    CHECK(read_n(s, buf, 4, 2000) == 4 && strcmp(buf, "abc\n") == 0, "ERASE removes a character");
    CHECK(expect(m, "abx\b \bc\r\n"), "echo: ERASE as backspace-space-backspace, newline as CR LF");
    put(m, "junk\025ok\n");
    CHECK(read_n(s, buf, 3, 2000) == 3 && strcmp(buf, "ok\n") == 0, "KILL drops the line");
    CHECK(expect(m, "junk\b \b\b \b\b \b\b \bok\r\n"), "echo: KILL erases each character");
    put(m, "one two\027three\n");
    CHECK(read_n(s, buf, 10, 2000) == 10 && strcmp(buf, "one three\n") == 0, "WERASE drops a word");
    CHECK(expect(m, "one two\b \b\b \b\b \bthree\r\n"), "echo: WERASE");
    put(m, "\177\177x\n");
    CHECK(read_n(s, buf, 2, 2000) == 2 && strcmp(buf, "x\n") == 0, "ERASE at the start of a line does nothing");
    CHECK(expect(m, "x\r\n"), "echo: nothing for an ERASE with nothing to erase");

    /* A line is read whole or in pieces; EOF ends a line without a newline, alone it reads as 0. */
    put(m, "hello\n");
    CHECK(readable(s, 2000), "a complete line makes the slave readable");
    int avail = -1;
    CHECK(ioctl(s, FIONREAD, &avail) == 0 && avail == 6, "FIONREAD counts the line");
    CHECK(read(s, buf, 2) == 2 && memcmp(buf, "he", 2) == 0, "a short read takes part of the line");
    CHECK(read(s, buf, sizeof buf) == 4 && memcmp(buf, "llo\n", 4) == 0, "the next read takes the rest");
    put(m, "two\nlines\n");
    CHECK(read_n(s, buf, 4, 2000) == 4 && strcmp(buf, "two\n") == 0 && read(s, buf, sizeof buf) == 6,
          "one read returns one line");
    expect(m, "hello\r\ntwo\r\nlines\r\n");
    put(m, "xy\004");
    CHECK(readable(s, 2000) && read(s, buf, sizeof buf) == 2 && memcmp(buf, "xy", 2) == 0, "EOF ends a line without newline");
    put(m, "\004");
    CHECK(readable(s, 2000) && read(s, buf, sizeof buf) == 0, "EOF alone reads as end of file");
    CHECK(expect(m, "xy"), "echo: EOF is not echoed");
    put(m, "abc");
    CHECK(!readable(s, 100), "a partial line is not readable");
    avail = -1;
    CHECK(ioctl(s, FIONREAD, &avail) == 0 && avail == 0, "FIONREAD: a partial line counts 0");
    put(m, "\r");
    CHECK(read_n(s, buf, 4, 2000) == 4 && strcmp(buf, "abc\n") == 0, "ICRNL: CR ends the line as NL");
    expect(m, "abc\r\n");

    /* Echo off, ECHONL; IGNCR. */
    set_lflag(s, ECHONL, ECHO);
    put(m, "secret\n");
    CHECK(read_n(s, buf, 7, 2000) == 7 && strcmp(buf, "secret\n") == 0, "no echo: input still arrives");
    CHECK(expect(m, "\r\n"), "ECHONL echoes only the newline");
    set_lflag(s, ECHO, ECHONL);
    struct termios t;
    tcgetattr(s, &t);
    t.c_iflag |= IGNCR;
    tcsetattr(s, TCSANOW, &t);
    put(m, "b\r\n");
    CHECK(read_n(s, buf, 2, 2000) == 2 && strcmp(buf, "b\n") == 0, "IGNCR drops CR");
    expect(m, "b\r\n");
    t.c_iflag &= ~IGNCR;
    t.c_lflag &= ~ISIG;
    tcsetattr(s, TCSANOW, &t);
    put(m, "\003\n");
    CHECK(read_n(s, buf, 2, 2000) == 2 && buf[0] == 3, "without ISIG ^C is data");
    CHECK(expect(m, "^C\r\n"), "echo: ECHOCTL shows ^C");
    t.c_lflag |= ISIG;
    tcsetattr(s, TCSANOW, &t);

    /* Output processing on slave writes. */
    put(s, "l1\nl2\n");
    CHECK(expect(m, "l1\r\nl2\r\n"), "ONLCR: slave NL reaches the master as CR NL");
    t.c_oflag |= TAB3;
    tcsetattr(s, TCSANOW, &t);
    put(s, "a\tb\n");
    CHECK(expect(m, "a       b\r\n"), "TAB3 expands tabs");
    t.c_oflag &= ~TAB3;
    t.c_oflag |= OCRNL;
    tcsetattr(s, TCSANOW, &t);
    put(s, "x\r");
    CHECK(expect(m, "x\n"), "OCRNL turns CR into NL");
    t.c_oflag &= ~(OPOST | OCRNL);
    tcsetattr(s, TCSANOW, &t);
    put(s, "raw\n");
    CHECK(expect(m, "raw\n"), "without OPOST NL stays NL");

    /* Raw mode. */
    cfmakeraw(&t);
    CHECK(tcsetattr(s, TCSANOW, &t) == 0, "cfmakeraw + tcsetattr");
    put(m, "ab\003\177\r");
    CHECK(read_n(s, buf, 5, 2000) == 5 && memcmp(buf, "ab\003\177\r", 5) == 0, "raw: bytes arrive unchanged");
    CHECK(!readable(m, 100), "raw: no echo");
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    tcsetattr(s, TCSANOW, &t);
    CHECK(read(s, buf, sizeof buf) == 0, "VMIN=0 VTIME=0: an empty read returns 0 at once");
    t.c_cc[VTIME] = 1;
    tcsetattr(s, TCSANOW, &t);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    ssize_t r = read(s, buf, sizeof buf);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK(r == 0 && ms >= 50, "VMIN=0 VTIME=1: an empty read times out with 0");
    t.c_cc[VMIN] = 3;
    t.c_cc[VTIME] = 0;
    tcsetattr(s, TCSANOW, &t);
    put(m, "xyz");
    CHECK(read(s, buf, sizeof buf) == 3 && memcmp(buf, "xyz", 3) == 0, "VMIN=3: the read waits for three bytes");
    t.c_lflag |= ICANON;
    tcsetattr(s, TCSANOW, &t);
    put(m, "back\n");
    CHECK(read_n(s, buf, 5, 2000) == 5 && strcmp(buf, "back\n") == 0, "back to canonical mode");

    /* Non-canonical data becomes a line when ICANON comes back; TCSAFLUSH drops it. */
    t.c_lflag &= ~ICANON;
    t.c_cc[VMIN] = 1;
    tcsetattr(s, TCSANOW, &t);
    put(m, "pend");
    read_n(s, buf, 1, 2000);                           /* "p": the rest has been processed too */
    t.c_lflag |= ICANON;
    tcsetattr(s, TCSAFLUSH, &t);
    put(m, "new\n");
    CHECK(read_n(s, buf, 4, 2000) == 4 && strcmp(buf, "new\n") == 0, "TCSAFLUSH drops unread input");
    close(s);
    close(m);
}

static volatile sig_atomic_t got_int, got_winch, got_hup;
static void on_sig(int sig)
{
    if (sig == SIGINT)
        got_int++;
    if (sig == SIGWINCH)
        got_winch++;
    if (sig == SIGHUP)
        got_hup++;
}

static int wait_flag(volatile sig_atomic_t *f)
{
    for (int i = 0; i < 5000 && !*f; i++)
        usleep(1000);
    return *f != 0;
}

/* The child reports over a pipe, one line per fact; the parent prints them in order. */
static int report_fd;
static void report(int ok, const char *what)
{
    char line[160];
    int n = snprintf(line, sizeof line, "%s child: %s\n", ok ? "PASS" : "FAIL", what);
    write(report_fd, line, n);
}

static void child(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGWINCH, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    report(getsid(0) == getpid(), "forkpty made a session");
    report(tcgetpgrp(0) == getpgrp(), "the pty is our controlling terminal, our group in front");
    pid_t sid = 0;
    report(ioctl(0, TIOCGSID, &sid) == 0 && sid == getpid(), "TIOCGSID names our session");
    char tn[64];
    report(ttyname_r(0, tn, sizeof tn) == 0 && strncmp(tn, "/dev/pts/", 9) == 0, "stdin is a /dev/pts slave");
    int tty = open("/dev/tty", O_RDWR);
    struct stat a, b;
    report(tty >= 0 && fstat(tty, &a) == 0 && major(a.st_rdev) == 5 && minor(a.st_rdev) == 0 && isatty(tty),
           "/dev/tty opens our terminal");
    if (tty >= 0) {
        write(tty, "via-tty\n", 8);
        close(tty);
    }
    report(ioctl(0, TIOCSCTTY, 0) == 0, "TIOCSCTTY again on our own terminal");
    report(fstat(0, &a) == 0 && fstat(1, &b) == 0 && a.st_rdev == b.st_rdev, "stdin and stdout are the same slave");
    write(report_fd, "ready\n", 6);

    report(wait_flag(&got_int), "^C on the master raised SIGINT");
    report(wait_flag(&got_winch), "TIOCSWINSZ on the master raised SIGWINCH");
    struct winsize ws;
    report(ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 30 && ws.ws_col == 100, "the new size is 30x100");
    char buf[64];
    ssize_t r = read(0, buf, sizeof buf);
    report(r == 5 && memcmp(buf, "line\n", 5) == 0, "a line typed on the master");
    write(1, "out\n", 4);
    write(report_fd, "waiting\n", 8);

    report(wait_flag(&got_hup), "closing the master raised SIGHUP");
    report(read(0, buf, sizeof buf) == 0, "after the hang-up reads give end of file");
    errno = 0;
    report(write(1, "x", 1) == -1 && errno == EIO, "after the hang-up writes give EIO");
    _exit(0);
}

/* Copies the child's report lines to stdout until `until` (a line of its own) arrives, or (NULL) to the end. */
static void relay(FILE *from, const char *until)
{
    char line[200];
    while (fgets(line, sizeof line, from)) {
        if (until && strcmp(line, until) == 0)
            return;
        if (strncmp(line, "FAIL", 4) == 0)
            t_failures++;
        fputs(line, stdout);
    }
    if (until)
        t_fail("report pipe ended early", "child report before %s", until);
}

static void session(void)
{
    int pfd[2];
    pipe(pfd);
    fflush(stdout);
    int m;
    pid_t pid = forkpty(&m, NULL, NULL, NULL);
    if (pid == 0) {
        close(pfd[0]);
        report_fd = pfd[1];
        child();
    }
    close(pfd[1]);
    CHECK_ERR(pid > 0, "forkpty");
    FILE *rep = fdopen(pfd[0], "r");
    relay(rep, "ready\n");
    fflush(stdout);
    CHECK(expect(m, "via-tty\r\n"), "the child's write to /dev/tty reached the master");
    int pg = 0;
    CHECK(ioctl(m, TIOCGPGRP, &pg) == 0 && pg == pid, "master TIOCGPGRP: the child's group is in front");
    pid_t sid = 0;
    CHECK(ioctl(m, TIOCGSID, &sid) == 0 && sid == pid, "master TIOCGSID: the child's session");

    put(m, "\003");
    CHECK(expect(m, "^C"), "^C is echoed as ^C");
    struct winsize ws = {30, 100, 0, 0};
    ioctl(m, TIOCSWINSZ, &ws);
    put(m, "line\n");
    CHECK(expect(m, "line\r\nout\r\n"), "echo of the line, then the child's output");
    relay(rep, "waiting\n");
    fflush(stdout);
    close(m);
    relay(rep, NULL);                                  /* the child's last reports */
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child exited normally");
    fclose(rep);
}

static void hangup(void)
{
    int m, s;
    char buf[64];

    /* The slave closes: the master reads what was written, then EIO; poll says POLLHUP. */
    open_pair(&m, &s);
    put(s, "bye\n");
    close(s);
    CHECK(read_n(m, buf, 5, 2000) == 5 && strcmp(buf, "bye\r\n") == 0, "the master drains what the slave wrote");
    errno = 0;
    CHECK(read(m, buf, sizeof buf) == -1 && errno == EIO, "then the master reads EIO");
    struct pollfd p = {m, POLLIN, 0};
    CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "poll on the master: POLLHUP");
    CHECK(write(m, "z", 1) == 1, "the master may still write");
    char name[64];
    ptsname_r(m, name, sizeof name);
    s = open(name, O_RDWR | O_NOCTTY);
    CHECK_ERR(s >= 0, "the slave can be opened again");
    close(s);
    close(m);

    /* The master closes: the slave is hung up. */
    open_pair(&m, &s);
    ptsname_r(m, name, sizeof name);
    close(m);
    CHECK(read(s, buf, sizeof buf) == 0, "slave read after the master closed: 0");
    errno = 0;
    CHECK(write(s, "x", 1) == -1 && errno == EIO, "slave write after the master closed: EIO");
    struct termios t;
    errno = 0;
    CHECK(tcgetattr(s, &t) == -1 && errno == EIO, "slave ioctl after the master closed: EIO");
    p.fd = s;
    p.events = POLLIN | POLLOUT;
    p.revents = 0;
    CHECK(poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) == (POLLHUP | POLLERR), "poll on the slave: POLLHUP|POLLERR");
    struct stat st;
    CHECK(stat(name, &st) == -1 && errno == ENOENT, "/dev/pts/N is gone with the master");
    close(s);

    /* A blocked slave read wakes up at the hang-up. */
    open_pair(&m, &s);
    pid_t pid = fork();
    if (pid == 0) {
        close(m);
        ssize_t r = read(s, buf, sizeof buf);
        _exit(r == -1 && errno == EIO ? 0 : 1);
    }
    close(s);
    usleep(100000);
    close(m);
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a slave read blocked at the hang-up returns EIO");
}

static void readiness(void)
{
    int m, s;
    char buf[64];
    open_pair(&m, &s);
    struct pollfd p[2] = {{m, POLLIN | POLLOUT, 0}, {s, POLLIN | POLLOUT, 0}};
    CHECK(poll(p, 2, 0) == 2 && p[0].revents == POLLOUT && p[1].revents == POLLOUT, "idle pair: both writable, neither readable");
    set_lflag(s, 0, ECHO);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = m}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev);
    CHECK(epoll_wait(ep, &out, 1, 0) == 0, "epoll: master not readable");
    put(s, "ping\n");
    CHECK(epoll_wait(ep, &out, 1, 2000) == 1 && out.data.fd == m && (out.events & EPOLLIN), "epoll: slave output wakes the master");
    CHECK(read_n(m, buf, 6, 2000) == 6, "read it");
    put(m, "pong");
    CHECK(!readable(s, 100), "a partial line does not wake the slave");
    put(m, "\n");
    CHECK(readable(s, 2000), "the newline does");
    CHECK(read(s, buf, sizeof buf) == 5, "read the line");

    /* A blocked writer: the slave's output fills up, a reader on the master frees it. */
    fcntl(s, F_SETFL, O_NONBLOCK);
    long total = 0;
    char block[512];
    memset(block, 'w', sizeof block);
    for (;;) {
        ssize_t r = write(s, block, sizeof block);
        if (r < 0)
            break;
        total += r;
        if (total > (1 << 22))
            break;
    }
    CHECK(errno == EAGAIN && total >= 4096 && total < (1 << 22), "a full slave gives EAGAIN");
    /* Linux moves output to the master's side in a worker, which may free room just after the
       EAGAIN: fill again after each pause until a write after a pause still finds it full. */
    for (int round = 0; round < 50; round++) {
        usleep(20000);
        ssize_t r = write(s, block, sizeof block);
        if (r < 0)
            break;
        while (r > 0 && total < (1 << 22)) {
            total += r;
            r = write(s, block, sizeof block);
        }
    }
    p[1].events = POLLOUT;
    p[1].revents = 0;
    CHECK(poll(&p[1], 1, 0) == 0, "a full slave is not writable");
    long drained = 0;
    char big[4096];
    while (drained < total) {
        if (!readable(m, 2000))
            break;
        ssize_t r = read(m, big, sizeof big);
        if (r <= 0)
            break;
        drained += r;
    }
    CHECK(drained == total, "the master reads all of it");
    CHECK(poll(&p[1], 1, 2000) == 1 && (p[1].revents & POLLOUT), "then the slave is writable again");
    close(ep);
    close(s);
    close(m);
}

/* vhangup: a session leader hangs up its controlling terminal. The descriptors open on it then
 * read 0 and fail writes and ioctls with EIO, the session loses the terminal and its leader hears
 * SIGHUP; the slave can be opened again and works. In a child with a session of its own, so the
 * terminal this test runs on is never touched. */
static void vhangup_section(void)
{
    int m, s, fds[2];
    char name[64], buf[64];
    open_pair(&m, &s);
    ptsname_r(m, name, sizeof name);
    pipe(fds);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        report_fd = fds[1];
        setsid();
        report(syscall(SYS_vhangup) == 0, "vhangup without a controlling terminal: 0");
        signal(SIGHUP, on_sig);
        report(ioctl(s, TIOCSCTTY, 0) == 0, "the slave becomes the controlling terminal");
        pid_t reader = fork();
        if (reader == 0) {
            char b[8];
            _exit(read(s, b, sizeof b) == 0 ? 0 : 1);
        }
        usleep(100000);
        report(syscall(SYS_vhangup) == 0, "vhangup: 0");
        report(wait_flag(&got_hup), "the session leader hears SIGHUP");
        int rst = -1;
        waitpid(reader, &rst, 0);
        report(WIFEXITED(rst) && WEXITSTATUS(rst) == 0, "a read blocked at the hang-up returns 0");
        char b[8];
        report(read(s, b, sizeof b) == 0, "an open slave descriptor reads 0");
        errno = 0;
        report(write(s, "x", 1) == -1 && errno == EIO, "and writes fail with EIO");
        struct termios t;
        errno = 0;
        report(tcgetattr(s, &t) == -1 && errno == EIO, "and ioctls fail with EIO");
        struct pollfd p = {s, POLLIN | POLLOUT, 0};
        report(poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) == (POLLHUP | POLLERR), "poll: POLLHUP|POLLERR");
        int s2 = open(name, O_RDWR | O_NOCTTY);
        report(s2 >= 0, "the slave opens again");
        pid_t sid;
        errno = 0;
        report(ioctl(s2, TIOCGSID, &sid) == -1 && errno == ENOTTY, "it controls no session any more (TIOCGSID: ENOTTY)");
        report(tcgetattr(s2, &t) == 0, "ioctls on the new descriptor work");
        report(write(s2, "ok\n", 3) == 3, "writes too");
        report(syscall(SYS_vhangup) == 0, "a second vhangup (no controlling terminal): 0");
        _exit(0);
    }
    close(fds[1]);
    close(s);
    FILE *from = fdopen(fds[0], "r");
    while (fgets(buf, sizeof buf, from))
        fputs(buf, stdout);
    fclose(from);
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child ended normally");
    CHECK(read_n(m, buf, 4, 2000) == 4 && strcmp(buf, "ok\r\n") == 0, "the master reads what the new descriptor wrote");
    close(m);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(what, "basics") == 0)
        basics();
    else if (strcmp(what, "ldisc") == 0)
        ldisc();
    else if (strcmp(what, "session") == 0)
        session();
    else if (strcmp(what, "hangup") == 0)
        hangup();
    else if (strcmp(what, "readiness") == 0)
        readiness();
    else if (strcmp(what, "vhangup") == 0)
        vhangup_section();
    else
        t_fail("unknown section", "section %s", what);
    return t_done();
}
