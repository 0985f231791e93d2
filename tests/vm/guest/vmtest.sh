# Shell functions for the guest's test scripts (sourced as /lib/vmtest.sh).
# Everything the host parses is framed by marker lines:
#   @@VM begin TAG / output / @@VM end TAG RC     (vm_block)
#   @@VM TAG words...                             (vm_say)

vm_say() { echo "@@VM $*"; }

# vm_block TAG CMD...: runs CMD with stdout and stderr inside the frame, returns its status.
vm_block() {
    tag=$1; shift
    echo "@@VM begin $tag"
    "$@" 2>&1
    rc=$?
    echo "@@VM end $tag $rc"
    return $rc
}

# vm_state PREFIX: the kernel's network state, each as a block PREFIX.NAME:
#   link, addr, route4, route6 (iproute2 JSON), bonding (/proc/net/bonding/*),
#   vlan (/proc/net/vlan/config), sysctl (IPv6 accept_ra and autoconf per interface),
#   resolv (/etc/resolv.conf), hostname.
vm_state() {
    vm_block "$1.link" /usr/sbin/ip -j -d link show
    vm_block "$1.addr" /usr/sbin/ip -j addr show
    vm_block "$1.route4" /usr/sbin/ip -j -4 route show table main
    vm_block "$1.route6" /usr/sbin/ip -j -6 route show table main
    vm_block "$1.bonding" sh -c 'for f in /proc/net/bonding/*; do [ -e "$f" ] && echo "== $f" && cat "$f"; done; true'
    vm_block "$1.vlan" sh -c 'cat /proc/net/vlan/config 2>/dev/null; true'
    vm_block "$1.sysctl" sh -c 'for f in /proc/sys/net/ipv6/conf/*/accept_ra /proc/sys/net/ipv6/conf/*/autoconf; do echo "$f $(cat "$f")"; done'
    vm_block "$1.resolv" sh -c 'cat /etc/resolv.conf 2>/dev/null; true'
    vm_block "$1.hostname" hostname
}

# vm_apply TAG ARGS...: `configdrive-net apply ARGS` framed as TAG (its log and exit code).
vm_apply() {
    tag=$1; shift
    vm_block "$tag" /bin/configdrive-net apply "$@"
}
