/* The interface queries programs make: getifaddrs (NETLINK_ROUTE dumps), if_nameindex and
 * if_nametoindex, and the SIOCGIF* ioctls on a socket. Only facts about the loopback interface
 * are printed, so the output is the same on any machine. */
#include "compat.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct ifaddrs *list;
    CHECK_ERR(getifaddrs(&list) == 0, "getifaddrs");
    int lo_inet = 0, lo_packet = 0;
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "lo") != 0 || !i->ifa_addr) continue;
        if (i->ifa_addr->sa_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)i->ifa_addr, *m = (struct sockaddr_in *)i->ifa_netmask;
            if (a->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && m && m->sin_addr.s_addr == htonl(0xFF000000) && (i->ifa_flags & IFF_LOOPBACK) && (i->ifa_flags & IFF_UP))
                lo_inet++;
        }
        if (i->ifa_addr->sa_family == AF_PACKET) lo_packet++;
    }
    CHECK(lo_inet == 1, "getifaddrs lists lo with 127.0.0.1/8, up and loopback");
    CHECK(lo_packet == 1, "getifaddrs lists lo's link (AF_PACKET)");
    freeifaddrs(list);

    CHECK(if_nametoindex("lo") == 1, "if_nametoindex(lo) is 1");
    CHECK(if_nametoindex("nosuch0") == 0, "if_nametoindex of an unknown name is 0");
    char name[IF_NAMESIZE];
    CHECK(if_indextoname(1, name) && strcmp(name, "lo") == 0, "if_indextoname(1) is lo");
    struct if_nameindex *ni = if_nameindex();
    int found = 0;
    for (struct if_nameindex *p = ni; p && p->if_index; p++) if (p->if_index == 1 && !strcmp(p->if_name, "lo")) found = 1;
    CHECK(found, "if_nameindex includes lo as 1");
    if_freenameindex(ni);

    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    CHECK(ioctl(s, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & IFF_UP) && (r.ifr_flags & IFF_LOOPBACK), "SIOCGIFFLAGS: lo is up and loopback");
    CHECK(ioctl(s, SIOCGIFINDEX, &r) == 0 && r.ifr_ifindex == 1, "SIOCGIFINDEX: 1");
    CHECK(ioctl(s, SIOCGIFADDR, &r) == 0 && ((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK), "SIOCGIFADDR: 127.0.0.1");
    CHECK(ioctl(s, SIOCGIFNETMASK, &r) == 0 && ((struct sockaddr_in *)&r.ifr_netmask)->sin_addr.s_addr == htonl(0xFF000000), "SIOCGIFNETMASK: 255.0.0.0");
    strcpy(r.ifr_name, "nosuch0");
    CHECK(ioctl(s, SIOCGIFFLAGS, &r) == -1 && errno == ENODEV, "SIOCGIFFLAGS on an unknown interface: ENODEV");
    struct ifconf c;
    char buf[40 * 16];
    c.ifc_len = sizeof buf;
    c.ifc_buf = buf;
    int lo = 0;
    if (ioctl(s, SIOCGIFCONF, &c) == 0)
        for (int k = 0; k < c.ifc_len / (int)sizeof(struct ifreq); k++)
            if (!strcmp(c.ifc_req[k].ifr_name, "lo")) lo++;
    CHECK(lo == 1, "SIOCGIFCONF lists lo");
    close(s);

    /* /proc/net and /sys/class/net, as netstat, ss, ifconfig and ip read them. */
    char text[65536];
    FILE *f = fopen("/proc/net/dev", "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = 0;
    if (f) fclose(f);
    CHECK(strstr(text, "    lo:") != NULL && strstr(text, "Receive") != NULL, "/proc/net/dev lists lo");
    f = fopen("/sys/class/net/lo/mtu", "r");
    int mtu = 0;
    CHECK(f && fscanf(f, "%d", &mtu) == 1 && mtu == 65536, "/sys/class/net/lo/mtu is 65536");
    if (f) fclose(f);
    f = fopen("/sys/class/net/lo/ifindex", "r");
    int index = 0;
    CHECK(f && fscanf(f, "%d", &index) == 1 && index == 1, "/sys/class/net/lo/ifindex is 1");
    if (f) fclose(f);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 1);
    socklen_t alen = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &alen);
    char want[64];
    snprintf(want, sizeof want, "0100007F:%04X 00000000:0000 0A", ntohs(a.sin_port));
    f = fopen("/proc/net/tcp", "r");
    n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = 0;
    if (f) fclose(f);
    CHECK(strstr(text, want) != NULL, "/proc/net/tcp shows the listening socket (127.0.0.1, its port, state 0A)");
    close(l);
    return t_done();
}
