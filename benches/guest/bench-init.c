/* bench-init: the boot benchmark's stopwatch inside a real initramfs (benches/vmbench.py).
 *
 * Started by the kernel as the initramfs's first process (rdinit=/bench/init). It writes
 * "bench: init" to the kernel log, forks a watcher, and execs the image's own /init with the
 * same arguments, so the image boots exactly as it would (its /init is still PID 1). The
 * watcher listens to rtnetlink's IPv4 address and route groups (events: no polling, no CPU
 * taken from the boot) until the address and the default route given on the kernel command
 * line as bench.addr=A.B.C.D and bench.gw=A.B.C.D are both there, writes
 * "bench: configured" to the kernel log and powers the VM off (sysrq o).
 * The kernel stamps both lines with its clock: the host reads them from the console.
 * Built static by the benchmark (gcc -static); a benchmark tool, not part of the product.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int kmsg = -1;

static void say(const char *what)
{
    char line[128];
    int n = snprintf(line, sizeof line, "<2>bench: %s\n", what);
    if (kmsg >= 0)
        (void)!write(kmsg, line, (size_t)n);
}

/* bench.addr= and bench.gw= from /proc/cmdline (mounted on /bench/proc by the watcher). */
static int param(const char *cmdline, const char *key, struct in_addr *out)
{
    const char *p = strstr(cmdline, key);
    char v[32];
    size_t n = 0;
    if (!p)
        return -1;
    p += strlen(key);
    while (p[n] && p[n] != ' ' && p[n] != '\n' && n < sizeof v - 1) {
        v[n] = p[n];
        n++;
    }
    v[n] = 0;
    return inet_pton(AF_INET, v, out) == 1 ? 0 : -1;
}

static void watch(void)
{
    char cmdline[4096] = {0};
    struct in_addr want_addr, want_gw;
    int have_addr = 0, have_gw = 0, fd;

    mkdir("/bench/proc", 0755);
    if (mount("proc", "/bench/proc", "proc", 0, NULL) != 0) {
        say("watcher: cannot mount proc");
        _exit(1);
    }
    fd = open("/bench/proc/cmdline", O_RDONLY);
    if (fd < 0 || read(fd, cmdline, sizeof cmdline - 1) <= 0) {
        say("watcher: cannot read the command line");
        _exit(1);
    }
    close(fd);
    if (param(cmdline, "bench.addr=", &want_addr) || param(cmdline, "bench.gw=", &want_gw)) {
        say("watcher: no bench.addr= or bench.gw=");
        _exit(1);
    }
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
                             .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE};
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
        say("watcher: cannot listen to rtnetlink");
        _exit(1);
    }
    say("watching");
    static char buf[65536];
    while (!(have_addr && have_gw)) {
        ssize_t len = recv(s, buf, sizeof buf, 0);
        if (len <= 0)
            continue;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
             h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == RTM_NEWADDR) {
                struct ifaddrmsg *ifa = NLMSG_DATA(h);
                int rl = (int)IFA_PAYLOAD(h);
                for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, rl); a = RTA_NEXT(a, rl))
                    if ((a->rta_type == IFA_LOCAL || a->rta_type == IFA_ADDRESS) &&
                        RTA_PAYLOAD(a) == 4 && !memcmp(RTA_DATA(a), &want_addr, 4))
                        have_addr = 1;
            } else if (h->nlmsg_type == RTM_NEWROUTE) {
                struct rtmsg *rt = NLMSG_DATA(h);
                int rl = (int)RTM_PAYLOAD(h);
                if (rt->rtm_dst_len != 0 || rt->rtm_table != RT_TABLE_MAIN)
                    continue;
                for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, rl); a = RTA_NEXT(a, rl))
                    if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == 4 &&
                        !memcmp(RTA_DATA(a), &want_gw, 4))
                        have_gw = 1;
            }
        }
    }
    say("configured");
    fd = open("/bench/proc/sysrq-trigger", O_WRONLY);
    if (fd >= 0)
        (void)!write(fd, "o", 1);
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    (void)argc;
    /* The initramfs may have no /dev/kmsg yet (nothing has mounted devtmpfs): our own node. */
    mkdir("/bench", 0755);
    mknod("/bench/kmsg", S_IFCHR | 0600, makedev(1, 11));
    kmsg = open("/bench/kmsg", O_WRONLY | O_CLOEXEC);
    say("init");
    pid_t pid = fork();
    if (pid == 0)
        watch();
    argv[0] = "/init";
    execv("/init", argv);
    say("cannot exec /init");
    return 1;
}
