/* SO_LINGER with a timeout: close waits until the peer has everything (quickly, when it reads),
 * or until the timeout when it does not; with a zero timeout close resets the connection. */
#include "compat.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static int listener(int *port)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { AF_INET, 0, { htonl(INADDR_LOOPBACK) } };
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 4);
    socklen_t al = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &al);
    *port = ntohs(a.sin_port);
    return l;
}

static int dial(int port)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { AF_INET, htons(port), { htonl(INADDR_LOOPBACK) } };
    connect(c, (struct sockaddr *)&a, sizeof a);
    return c;
}

static long drained;
static void *drain(void *arg)
{
    int s = *(int *)arg;
    char buf[65536];
    long n;
    while ((n = read(s, buf, sizeof buf)) > 0) drained += n;
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static char data[4 << 20];
    int port, l = listener(&port);
    struct linger lg = { 1, 2 };

    /* The peer reads: close returns once everything is acknowledged. */
    int c = dial(port), s = accept(l, NULL, NULL);
    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    pthread_t t;
    pthread_create(&t, NULL, drain, &s);
    write(c, data, 1 << 20);
    double t0 = now();
    int r = close(c);
    double took = now() - t0;
    pthread_join(t, NULL);
    printf("reading peer: close %d within the timeout %d, peer got %ld bytes\n", r, took < 1.5, drained);
    close(s);

    /* The peer does not read: close gives up after the 2 s timeout. */
    c = dial(port); s = accept(l, NULL, NULL);
    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    struct timeval tv = { 0, 200000 };
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    long sent = 0, n;
    while ((n = write(c, data, sizeof data)) > 0) sent += n;      /* until the buffers are full */
    t0 = now();
    r = close(c);
    took = now() - t0;
    printf("silent peer: close %d after the timeout %d\n", r, took > 1.5 && took < 4);
    close(s);

    /* A zero timeout: close resets; the peer reads ECONNRESET. */
    c = dial(port); s = accept(l, NULL, NULL);
    struct linger zero = { 1, 0 };
    setsockopt(c, SOL_SOCKET, SO_LINGER, &zero, sizeof zero);
    write(c, "x", 1);
    close(c);
    usleep(100000);
    char b[4];
    n = read(s, b, sizeof b);
    long m = read(s, b, sizeof b);
    printf("zero linger: peer reads %ld then %ld errno %d\n", n, m, m < 0 ? errno : 0);
    close(s);
    close(l);
    return 0;
}
