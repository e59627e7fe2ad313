/* Keys: add_key, request_key and keyctl over the thread, process, session and user keyrings.
 * The test joins a fresh anonymous session keyring first, so nothing of the caller's shows, and
 * prints facts rather than serial numbers (random on Linux). Covers READ/DESCRIBE/SEARCH/UPDATE/
 * REVOKE/UNLINK/CLEAR/LINK/GET_KEYRING_ID/SETPERM/INVALIDATE, the errnos Linux gives (ENOKEY,
 * EKEYREVOKED, ENODEV, EINVAL, EPERM, ENOTDIR, EDEADLK, EACCES, EFAULT, EOPNOTSUPP), root's byte
 * quota (EDQUOT), and inheritance: the session keyring across fork, a thread's own keyring, none of
 * the process and thread keyrings across execve. */
#include "compat.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_ < 0 ? r_ : 0, r_ < 0 ? errno : 0); } while (0)
#define SHOWV(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_, r_ < 0 ? errno : 0); } while (0)

enum { GET_KEYRING_ID = 0, JOIN_SESSION = 1, UPDATE = 2, REVOKE = 3, SETPERM = 5, DESCRIBE = 6, CLEAR = 7,
       LINK = 8, UNLINK = 9, SEARCH = 10, READ = 11, GET_SECURITY = 17, INVALIDATE = 21 };
enum { THREAD = -1, PROCESS = -2, SESSION = -3, USER = -4 };

static long add(const char *type, const char *desc, const void *p, size_t n, long ring)
{
    return syscall(SYS_add_key, type, desc, p, n, ring);
}
static long kc(long op, long a, long b, long c, long d) { return syscall(SYS_keyctl, op, a, b, c, d); }
static long req(const char *type, const char *desc, long dest) { return syscall(SYS_request_key, type, desc, NULL, dest); }

static void describe(const char *what, long id)
{
    char buf[256];
    errno = 0;
    long r = kc(DESCRIBE, id, (long)buf, sizeof buf, 0);
    if (r < 0) printf("describe %s: errno %d\n", what, errno);
    else printf("describe %s: %ld \"%s\"\n", what, r, buf);
}

static void read_user(const char *what, long id)
{
    char buf[64] = {0};
    errno = 0;
    long r = kc(READ, id, (long)buf, sizeof buf - 1, 0);
    if (r < 0) printf("read %s: errno %d\n", what, errno);
    else printf("read %s: %ld \"%s\"\n", what, r, buf);
}

/* Number of keys a keyring holds, and whether id is one of them. */
static void ring_holds(const char *what, long ring, long id)
{
    int32_t ids[64];
    errno = 0;
    long r = kc(READ, ring, (long)ids, sizeof ids, 0);
    int found = 0;
    for (long i = 0; r > 0 && i < r / 4 && i < 64; i++) found |= ids[i] == id;
    if (r < 0) printf("keyring %s: errno %d\n", what, errno);
    else printf("keyring %s: %ld keys, holds the key: %s\n", what, r / 4, found ? "yes" : "no");
}

static long main_thread_ring, proc_ring;
static void *thread_main(void *arg)
{
    (void)arg;
    long mine = kc(GET_KEYRING_ID, THREAD, 0, 0, 0);
    printf("new thread: own thread keyring %s\n", mine > 0 && mine != main_thread_ring ? "yes" : "no");
    describe("the new thread's keyring", THREAD);
    printf("new thread: shares the process keyring %s\n", kc(GET_KEYRING_ID, PROCESS, 0, 0, 0) == proc_ring ? "yes" : "no");
    SHOW("new thread: request_key of a key in the creator's thread keyring", req("user", "compat:two", 0));
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 2 && strcmp(argv[1], "after-exec") == 0) {
        long ses = atol(argv[2]);
        printf("after exec: session keyring kept %s\n", kc(GET_KEYRING_ID, SESSION, 0, 0, 0) == ses ? "yes" : "no");
        SHOW("after exec: process keyring", kc(GET_KEYRING_ID, PROCESS, 0, 0, 0));
        SHOW("after exec: thread keyring", kc(GET_KEYRING_ID, THREAD, 0, 0, 0));
        SHOW("after exec: request_key compat:one", req("user", "compat:one", 0));
        return 0;
    }

    long ses = kc(JOIN_SESSION, 0, 0, 0, 0);
    printf("join an anonymous session keyring: %s\n", ses > 0 ? "ok" : "failed");
    describe("session", ses);
    printf("KEY_SPEC_SESSION_KEYRING is it: %s\n", kc(GET_KEYRING_ID, SESSION, 0, 0, 0) == ses ? "yes" : "no");
    SHOW("process keyring before any", kc(GET_KEYRING_ID, PROCESS, 0, 0, 0));
    SHOW("thread keyring before any", kc(GET_KEYRING_ID, THREAD, 0, 0, 0));
    proc_ring = kc(GET_KEYRING_ID, PROCESS, 1, 0, 0);
    main_thread_ring = kc(GET_KEYRING_ID, THREAD, 1, 0, 0);
    printf("created process and thread keyrings: %s\n", proc_ring > 0 && main_thread_ring > 0 && proc_ring != main_thread_ring ? "yes" : "no");
    describe("process keyring", PROCESS);
    describe("thread keyring", THREAD);
    printf("same id again: %s\n", kc(GET_KEYRING_ID, PROCESS, 1, 0, 0) == proc_ring ? "yes" : "no");
    char sec[8] = "x";
    SHOWV("get_security", kc(GET_SECURITY, PROCESS, (long)sec, sizeof sec, 0));

    /* user keys */
    long k1 = add("user", "compat:one", "payload-1", 9, PROCESS);
    printf("add_key to the process keyring: %s\n", k1 > 0 ? "ok" : "failed");
    describe("k1", k1);
    read_user("k1", k1);
    char small[8] = {0};
    SHOWV("read into 4 bytes", kc(READ, k1, (long)small, 4, 0));
    printf("  got \"%s\"\n", small);
    SHOWV("read length only", kc(READ, k1, 0, 0, 0));
    long again = add("user", "compat:one", "second", 6, PROCESS);
    printf("add_key with the same description updates the key: %s\n", again == k1 ? "yes" : "no");
    read_user("k1", k1);
    SHOW("update", kc(UPDATE, k1, (long)"updated!", 8, 0));
    read_user("k1", k1);
    long k2 = add("user", "compat:two", "2", 1, THREAD);
    long k3 = add("user", "compat:three", "3", 1, SESSION);
    printf("keys in the thread and session keyrings: %s\n", k2 > 0 && k3 > 0 ? "ok" : "failed");
    printf("search the process keyring finds k1: %s\n", kc(SEARCH, PROCESS, (long)"user", (long)"compat:one", 0) == k1 ? "yes" : "no");
    SHOW("search the session keyring for k1", kc(SEARCH, SESSION, (long)"user", (long)"compat:one", 0));
    printf("request_key finds the thread's key: %s\n", req("user", "compat:two", 0) == k2 ? "yes" : "no");
    printf("request_key finds the session's key: %s\n", req("user", "compat:three", 0) == k3 ? "yes" : "no");
    SHOW("request_key of nothing", req("user", "compat:none", 0));
    SHOW("request_key of an unknown type", req("nosuchtype", "compat:one", 0));
    SHOW("search for an unknown type", kc(SEARCH, PROCESS, (long)"nosuchtype", (long)"compat:one", 0));
    ring_holds("process", PROCESS, k1);

    /* errors */
    SHOW("add_key unknown type", add("nosuchtype", "compat:x", "x", 1, PROCESS));
    SHOW("add_key type with a dot", add(".hidden", "compat:x", "x", 1, PROCESS));
    SHOW("add_key empty type", add("", "compat:x", "x", 1, PROCESS));
    SHOW("add_key user without payload", add("user", "compat:x", NULL, 0, PROCESS));
    static char big[40000];
    memset(big, 'b', sizeof big);
    SHOW("add_key user 32768 bytes", add("user", "compat:x", big, 32768, PROCESS));
    long kbig = add("user", "compat:big", big, 32767, PROCESS);
    printf("add_key user 32767 bytes: %s\n", kbig > 0 ? "ok" : "failed");
    SHOWV("read it (length)", kc(READ, kbig, 0, 0, 0));
    SHOW("add_key 1 MiB payload", add("user", "compat:x", big, 1024 * 1024, PROCESS));
    SHOW("add_key keyring with a payload", add("keyring", "compat:ring", "x", 1, PROCESS));
    SHOW("add_key keyring named with a dot", add("keyring", ".compat", NULL, 0, PROCESS));
    SHOW("add_key into ring 0", add("user", "compat:x", "x", 1, 0));
    SHOW("add_key into a user key", add("user", "compat:x", "x", 1, k1));
    SHOW("add_key into a bad special id", add("user", "compat:x", "x", 1, -100));
    SHOW("add_key into the group keyring", add("user", "compat:x", "x", 1, -6));
    char longdesc[5000];
    memset(longdesc, 'd', sizeof longdesc);
    longdesc[4096] = 0;
    SHOW("add_key 4096-byte description", add("user", longdesc, "x", 1, PROCESS));
    SHOW("add_key bad type pointer", add((const char *)1, "compat:x", "x", 1, PROCESS));
    SHOW("add_key bad payload pointer", add("user", "compat:x", (const void *)1, 4, PROCESS));
    SHOW("add_key logon without a prefix", add("logon", "nocolon", "x", 1, PROCESS));
    long klogon = add("logon", "compat:logon", "secret", 6, PROCESS);
    printf("add_key logon: %s\n", klogon > 0 ? "ok" : "failed");
    describe("logon", klogon);
    SHOW("read a logon key", kc(READ, klogon, (long)small, sizeof small, 0));
    SHOW("update a keyring", kc(UPDATE, PROCESS, (long)"x", 1, 0));
    SHOW("update with no payload", kc(UPDATE, k1, 0, 0, 0));
    SHOW("keyctl unknown operation", kc(9999, 0, 0, 0, 0));
    SHOW("describe id 0", kc(DESCRIBE, 0, 0, 0, 0));
    SHOW("describe into a bad buffer", kc(DESCRIBE, k1, 1, 100, 0));
    SHOWV("describe into a short buffer", kc(DESCRIBE, k1, (long)small, 4, 0));

    /* revoke */
    SHOW("revoke k3", kc(REVOKE, k3, 0, 0, 0));
    read_user("revoked k3", k3);
    SHOW("update revoked", kc(UPDATE, k3, (long)"x", 1, 0));
    describe("revoked k3", k3);
    SHOW("revoke again", kc(REVOKE, k3, 0, 0, 0));
    SHOW("search finds it revoked", kc(SEARCH, SESSION, (long)"user", (long)"compat:three", 0));
    SHOW("request_key finds it revoked", req("user", "compat:three", 0));
    SHOW("unlink the revoked key", kc(UNLINK, k3, SESSION, 0, 0));

    /* permissions */
    SHOW("setperm with unknown bits", kc(SETPERM, k1, 0x40000000, 0, 0));
    SHOW("setperm: possessor without read", kc(SETPERM, k1, 0x3d010000, 0, 0));
    describe("k1", k1);
    read_user("k1 possessed without read permission", k1);
    SHOW("setperm: view only", kc(SETPERM, k1, 0x01010000, 0, 0));
    read_user("k1 view only", k1);
    SHOW("update view only", kc(UPDATE, k1, (long)"x", 1, 0));
    SHOW("setperm without setattr", kc(SETPERM, k1, 0x3f010000, 0, 0));
    SHOW("search finds no searchable key", kc(SEARCH, PROCESS, (long)"user", (long)"compat:one", 0));

    /* links */
    long k4 = add("user", "compat:four", "4", 1, PROCESS);
    SHOW("link k4 into the session", kc(LINK, k4, SESSION, 0, 0));
    ring_holds("session after link", SESSION, k4);
    SHOW("link it again", kc(LINK, k4, SESSION, 0, 0));
    ring_holds("session after the second link", SESSION, k4);
    SHOW("link the process keyring into the thread keyring", kc(LINK, PROCESS, THREAD, 0, 0));
    SHOW("link the thread keyring into the process keyring", kc(LINK, THREAD, PROCESS, 0, 0));
    SHOW("link a keyring into itself", kc(LINK, PROCESS, PROCESS, 0, 0));
    SHOW("link into a user key", kc(LINK, k4, k4, 0, 0));
    printf("search the thread keyring finds k4 in the nested process keyring: %s\n",
           kc(SEARCH, THREAD, (long)"user", (long)"compat:four", 0) == k4 ? "yes" : "no");
    long found = kc(SEARCH, THREAD, (long)"user", (long)"compat:four", SESSION);
    printf("search with a destination: %s\n", found == k4 ? "yes" : "no");
    SHOW("unlink k4 from the session", kc(UNLINK, k4, SESSION, 0, 0));
    SHOW("unlink it again", kc(UNLINK, k4, SESSION, 0, 0));
    SHOW("unlink from a user key", kc(UNLINK, k4, k4, 0, 0));
    SHOW("unlink the process keyring from the thread keyring", kc(UNLINK, PROCESS, THREAD, 0, 0));

    /* invalidate */
    long k5 = add("user", "compat:five", "5", 1, SESSION);
    SHOW("invalidate", kc(INVALIDATE, k5, 0, 0, 0));
    /* (A read now says EACCES or ENOKEY on Linux, depending on whether its garbage collector ran yet.) */
    describe("invalidated k5", k5);

    /* the user keyring (shared by every process of root: clean up after ourselves) */
    long ku = add("user", "compat:user", "u", 1, USER);
    printf("add_key to the user keyring: %s\n", ku > 0 ? "ok" : "failed");
    printf("search the user keyring: %s\n", kc(SEARCH, USER, (long)"user", (long)"compat:user", 0) == ku ? "yes" : "no");
    SHOW("unlink from the user keyring", kc(UNLINK, ku, USER, 0, 0));

    /* a thread */
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);

    /* fork: the session is shared, the process and thread keyrings are not */
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: same session keyring %s\n", kc(GET_KEYRING_ID, SESSION, 0, 0, 0) == ses ? "yes" : "no");
        SHOW("child: process keyring", kc(GET_KEYRING_ID, PROCESS, 0, 0, 0));
        SHOW("child: thread keyring", kc(GET_KEYRING_ID, THREAD, 0, 0, 0));
        SHOW("child: request_key of the parent's process key", req("user", "compat:four", 0));
        long kc6 = add("user", "compat:from-child", "c", 1, SESSION);
        printf("child: add to the session: %s\n", kc6 > 0 ? "ok" : "failed");
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("parent: the child's session key is here: %s\n", req("user", "compat:from-child", 0) > 0 ? "yes" : "no");

    /* execve: the process and thread keyrings go, the session stays */
    pid = fork();
    if (pid == 0) {
        char arg[32];
        snprintf(arg, sizeof arg, "%ld", ses);
        char *args[] = { argv[0], "after-exec", arg, NULL };
        execv("/proc/self/exe", args);
        printf("exec failed: errno %d\n", errno);
        _exit(1);
    }
    waitpid(pid, &st, 0);
    printf("exec child exit: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* a keyring of our own, filled to the quota, then cleared */
    long ring = add("keyring", "compat:ring", NULL, 0, SESSION);
    describe("new keyring", ring);
    long n = 0, last = 0;
    int last_errno = 0;
    char desc[32];
    for (n = 0; n < 2000; n++) {
        snprintf(desc, sizeof desc, "compat:fill%ld", n);
        last = add("user", desc, big, 32767, ring);
        if (last < 0) { last_errno = errno; break; }
    }
    printf("filling the quota with 32767-byte keys: stopped after more than 700: %s, errno %d\n", n > 700 ? "yes" : "no", last_errno);
    SHOW("clear it", kc(CLEAR, ring, 0, 0, 0));
    int32_t ids[4];
    SHOWV("its size after clear", kc(READ, ring, (long)ids, sizeof ids, 0));
    SHOW("clear a user key", kc(CLEAR, k4, 0, 0, 0));
    /* (Linux frees the cleared keys, and their quota, in a garbage collector that runs soon after.) */
    SHOW("unlink our keyring", kc(UNLINK, ring, SESSION, 0, 0));
    usleep(200000);

    return 0;
}
