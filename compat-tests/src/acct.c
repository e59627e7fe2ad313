/* acct(2): BSD process accounting into a file of struct acct_v3 records. Children that exit,
 * are killed and exec each leave one record as they end; acct(NULL) adds the caller's own and
 * stops. Other processes of the machine may end meanwhile (natively, every process is
 * accounted): only records of this test's processes are looked at, and never times, tty,
 * memory or the ASU bit (which depends on what needed privilege). Works in /tmp/compat-acct. */
#include "compat.h"
#include "files.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define NR_acct 163
#define AFORK 0x01
#define ASU 0x02
#define ACORE 0x08
#define AXSIG 0x10

struct acct_v3_ {
    char ac_flag;
    char ac_version;
    uint16_t ac_tty;
    uint32_t ac_exitcode;
    uint32_t ac_uid;
    uint32_t ac_gid;
    uint32_t ac_pid;
    uint32_t ac_ppid;
    uint32_t ac_btime;
    float ac_etime;
    uint16_t ac_utime, ac_stime, ac_mem, ac_io, ac_rw, ac_minflt, ac_majflt, ac_swaps;
    char ac_comm[16];
};

static long acct_(const char *path)
{
    return syscall(NR_acct, path);
}

static pid_t kids[4];
static const char *kid_names[4] = {"exited", "killed", "execed", "self"};

static void show(const struct acct_v3_ *a, int who)
{
    char comm[17] = {0};
    memcpy(comm, a->ac_comm, 16);
    printf("record %s: comm %s version %d flags%s%s%s exitcode %u uid %u gid %u ppid %s\n", kid_names[who], comm,
           a->ac_version, (a->ac_flag & AFORK) ? " AFORK" : "", (a->ac_flag & AXSIG) ? " AXSIG" : "",
           (a->ac_flag & ACORE) ? " ACORE" : "", a->ac_exitcode, a->ac_uid, a->ac_gid,
           who == 3 ? (a->ac_ppid == (uint32_t)getppid() ? "the parent's" : "other")
                    : (a->ac_ppid == (uint32_t)getpid() ? "this test" : "other"));
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return 5;
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!f_scratch_begin("acct"))
        return t_done();
    /* Errors: the file must exist and be a regular file. */
    errno = 0;
    CHECK(acct_("missing") == -1 && errno == ENOENT, "a missing file: ENOENT");
    errno = 0;
    CHECK(acct_("") == -1 && errno == ENOENT, "an empty path: ENOENT");
    errno = 0;
    CHECK(acct_(".") == -1 && errno == EISDIR, "a directory: EISDIR");
    errno = 0;
    CHECK(acct_("/dev/null") == -1 && errno == EACCES, "a device: EACCES");
    errno = 0;
    CHECK(acct_((const char *)8) == -1 && errno == EFAULT, "a bad pointer: EFAULT");
    CHECK(acct_(NULL) == 0, "acct(NULL) while off: 0");
    f_write_file("pacct", "", 0);
    CHECK_ERR(acct_("pacct") == 0, "acct(\"pacct\") turns accounting on");

    /* A child that exits with 3 without exec: AFORK. */
    kids[0] = fork();
    if (kids[0] == 0)
        _exit(3);
    int st;
    waitpid(kids[0], &st, 0);

    /* A renamed child killed by SIGKILL: AXSIG, the signal as exit code. */
    int ready[2];
    pipe(ready);
    kids[1] = fork();
    if (kids[1] == 0) {
        prctl(PR_SET_NAME, "killed-child");
        write(ready[1], "r", 1);
        for (;;)
            pause();
    }
    char c;
    read(ready[0], &c, 1);
    kill(kids[1], SIGKILL);
    waitpid(kids[1], &st, 0);

    /* A child that execs this program again, which exits with 5: no AFORK, comm of the new program. */
    kids[2] = fork();
    if (kids[2] == 0) {
        char *args[] = {"exe", "child", NULL};
        execv("/proc/self/exe", args);
        _exit(99);
    }
    waitpid(kids[2], &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5, "the exec'd child exited with 5");

    kids[3] = getpid();
    CHECK(acct_(NULL) == 0, "acct(NULL) turns it off (writing the caller's record)");

    /* One record per process of ours, in the order they ended. */
    pid_t late = fork();
    if (late == 0)
        _exit(0);
    waitpid(late, &st, 0);
    static struct acct_v3_ recs[4096];
    ssize_t n = f_read_file("pacct", recs, sizeof recs);
    CHECK(n > 0 && n % 64 == 0, "the file holds whole 64-byte records");
    int seen[4] = {0}, late_seen = 0;
    for (ssize_t i = 0; i < n / 64; i++) {
        for (int k = 0; k < 4; k++) {
            if (recs[i].ac_pid != (uint32_t)kids[k])
                continue;
            if (!seen[k]++)
                show(&recs[i], k);
        }
        if (recs[i].ac_pid == (uint32_t)late)
            late_seen = 1;
    }
    for (int k = 0; k < 4; k++)
        CHECK(seen[k] == 1, "one record of the %s process", kid_names[k]);
    CHECK(!late_seen, "no record of a process that ended after acct(NULL)");
    f_scratch_end();
    return t_done();
}
