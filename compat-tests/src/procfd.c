/* /proc/PID/fd, fdinfo and task of another process: a child opens a file (and seeks in it),
 * holds a pipe end and runs a second thread, then waits; the parent lists the child's fd/ and
 * task/ directories, reads its links, fdinfo and each thread's stat/status/comm, reads the file
 * through the link, and sees the directory go when the child is reaped. Also the caller's own
 * /proc/self/fdinfo and /proc/self/task. Only descriptors from 3 up are shown (0-2 are the
 * harness's). */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_, r_ < 0 ? errno : 0); } while (0)

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* The numeric names in a directory, sorted; -1 when it cannot be opened. */
static int list_numbers(const char *path, int *out, int max)
{
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && n < max) out[n++] = atoi(e->d_name);
    closedir(d);
    qsort(out, n, sizeof(int), cmp_int);
    return n;
}

/* The line of a /proc file that starts with key (without its newline), or "" */
static void line_of(const char *path, const char *key, char *out, size_t size)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    char buf[256];
    while (fgets(buf, sizeof buf, f)) {
        if (strncmp(buf, key, strlen(key)) == 0) {
            buf[strcspn(buf, "\n")] = 0;
            snprintf(out, size, "%s", buf);
            break;
        }
    }
    fclose(f);
}

static int child_pipe_read;
static void *sleeper(void *arg)
{
    (void)arg;
    char c;
    while (read(child_pipe_read, &c, 1) < 0 && errno == EINTR) {}
    return NULL;
}

static void show_fds(const char *dir, int min)
{
    int fds[64];
    int n = list_numbers(dir, fds, 64);
    printf("%s:", strchr(dir + 6, '/'));
    for (int i = 0; i < n; i++) if (fds[i] >= min) printf(" %d", fds[i]);
    printf("%s\n", n < 0 ? " (cannot open)" : "");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 3; i < 1024; i++) close(i);           /* whatever the caller left open */
    const char *path = "/tmp/compat-procfd.txt";
    int w = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (w < 0 || write(w, "hello, proc\n", 12) != 12) { printf("setup failed\n"); return 1; }
    close(w);

    int ready[2], go[2];
    if (pipe(ready) || pipe(go)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);                                   /* the child keeps ready[1] and go[0]; the file takes 3 */
        int f = open(path, O_RDONLY | O_CLOEXEC);
        lseek(f, 7, SEEK_SET);
        child_pipe_read = go[0];
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        usleep(20000);                                  /* let the thread block in read */
        (void)!write(ready[1], "r", 1);
        pthread_join(t, NULL);
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    char c;
    if (read(ready[0], &c, 1) != 1) { printf("child never ready\n"); return 1; }

    char dir[64], p[128], target[256];
    /* The child's descriptors from 3: the file, ready[1], go[0]. */
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    int fds[64];
    int n = list_numbers(dir, fds, 64);
    printf("child fds from 3:");
    int filefd = -1, pipefd = go[0];
    for (int i = 0; i < n; i++) {
        if (fds[i] < 3) continue;
        snprintf(p, sizeof p, "%s/%d", dir, fds[i]);
        ssize_t l = readlink(p, target, sizeof target - 1);
        target[l > 0 ? l : 0] = 0;
        if (strcmp(target, path) == 0) filefd = fds[i];
        printf(" %d=%s", fds[i], strncmp(target, "pipe:[", 6) == 0 ? "pipe" : target);
    }
    printf("\n");
    printf("the file is open in the child: %s\n", filefd >= 0 ? "yes" : "no");

    /* Read the file through the child's link. */
    snprintf(p, sizeof p, "%s/%d", dir, filefd);
    int r = open(p, O_RDONLY);
    char buf[64] = {0};
    ssize_t got = r >= 0 ? read(r, buf, sizeof buf - 1) : -1;
    printf("through /proc/PID/fd/N: %zd bytes, \"%.*s\"\n", got, (int)(got > 0 ? got - 1 : 0), buf);
    if (r >= 0) close(r);
    struct stat a, b;
    stat(p, &a);
    stat(path, &b);
    printf("stat through the link is the file: %s\n", a.st_ino == b.st_ino && a.st_size == b.st_size ? "yes" : "no");
    SHOW("readlink of a closed descriptor", ({ snprintf(p, sizeof p, "%s/%d", dir, 60); readlink(p, target, sizeof target); }));

    /* fdinfo */
    char line[256];
    snprintf(p, sizeof p, "/proc/%d/fdinfo/%d", (int)pid, filefd);
    line_of(p, "pos:", line, sizeof line); printf("file fdinfo %s\n", line);
    line_of(p, "flags:", line, sizeof line); printf("file fdinfo %s\n", line);
    snprintf(p, sizeof p, "/proc/%d/fdinfo/%d", (int)pid, pipefd);
    line_of(p, "pos:", line, sizeof line); printf("pipe fdinfo %s\n", line);
    line_of(p, "flags:", line, sizeof line); printf("pipe fdinfo %s\n", line);
    snprintf(p, sizeof p, "/proc/%d/fdinfo", (int)pid);
    int infos[64];
    int ni = list_numbers(p, infos, 64);
    int same = ni == n;
    for (int i = 0; same && i < n; i++) same = infos[i] == fds[i];
    printf("fdinfo lists the same descriptors as fd: %s\n", same ? "yes" : "no");

    /* task/ */
    snprintf(p, sizeof p, "/proc/%d/task", (int)pid);
    int tids[16];
    int nt = list_numbers(p, tids, 16);
    printf("child threads: %d\n", nt);
    for (int i = 0; i < nt; i++) {
        const char *who = tids[i] == pid ? "leader" : "other";
        char sp[128];
        snprintf(sp, sizeof sp, "/proc/%d/task/%d/stat", (int)pid, tids[i]);
        FILE *f = fopen(sp, "r");
        int id = 0; char comm[64] = ""; char state = '?'; int ppid = 0;
        if (f) { if (fscanf(f, "%d %63s %c %d", &id, comm, &state, &ppid) != 4) id = -1; fclose(f); }
        /* The leader may still be on its way from write() into pthread_join (R on Linux when the
           wake-up of the reader preempted it): wait, bounded, until it sleeps. */
        for (int tries = 0; state == 'R' && tries < 200; tries++) {
            usleep(5000);
            f = fopen(sp, "r");
            if (f) { if (fscanf(f, "%*d %*s %c", &state) != 1) state = '?'; fclose(f); }
        }
        printf("task %s: stat id is the tid %s, comm %s, state %c, ppid is us %s\n", who,
               id == tids[i] ? "yes" : "no", comm, state, ppid == getpid() ? "yes" : "no");
        snprintf(sp, sizeof sp, "/proc/%d/task/%d/status", (int)pid, tids[i]);
        char pl[64], tl[64], want[64];
        line_of(sp, "Pid:", pl, sizeof pl);
        line_of(sp, "Tgid:", tl, sizeof tl);
        snprintf(want, sizeof want, "Pid:\t%d", tids[i]);
        printf("task %s: status Pid is the tid %s", who, strcmp(pl, want) == 0 ? "yes" : "no");
        snprintf(want, sizeof want, "Tgid:\t%d", (int)pid);
        printf(", Tgid is the pid %s\n", strcmp(tl, want) == 0 ? "yes" : "no");
        snprintf(sp, sizeof sp, "/proc/%d/task/%d/comm", (int)pid, tids[i]);
        f = fopen(sp, "r");
        char cm[64] = "";
        if (f) { if (!fgets(cm, sizeof cm, f)) cm[0] = 0; fclose(f); }
        printf("task %s: comm %s", who, cm);
    }

    /* The caller's own. */
    int self = open(path, O_RDWR | O_APPEND);
    lseek(self, 3, SEEK_SET);
    snprintf(p, sizeof p, "/proc/self/fdinfo/%d", self);
    line_of(p, "pos:", line, sizeof line); printf("self fdinfo %s\n", line);
    line_of(p, "flags:", line, sizeof line); printf("self fdinfo %s\n", line);
    snprintf(p, sizeof p, "/proc/%d/fdinfo/%d", (int)getpid(), self);
    line_of(p, "flags:", line, sizeof line); printf("own pid fdinfo %s\n", line);
    close(self);
    SHOW("fdinfo of the closed descriptor", open(p, O_RDONLY));
    int mine[16];
    int nm = list_numbers("/proc/self/task", mine, 16);
    printf("self task: %d, is our pid %s\n", nm, nm == 1 && mine[0] == getpid() ? "yes" : "no");
    snprintf(p, sizeof p, "/proc/%d/task/%d/stat", (int)getpid(), (int)getpid());
    FILE *f = fopen(p, "r");
    char state = '?';
    if (f) { if (fscanf(f, "%*d %*s %c", &state) != 1) state = '?'; fclose(f); }
    printf("own task stat state: %c\n", state);

    /* Let the child go; its directory goes when it is reaped. */
    close(go[1]);
    int st;
    waitpid(pid, &st, 0);
    printf("child exit: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    show_fds(dir, 0);
    snprintf(p, sizeof p, "/proc/%d/task", (int)pid);
    SHOW("open task/ of the reaped child", open(p, O_RDONLY | O_DIRECTORY));
    unlink(path);
    return 0;
}
