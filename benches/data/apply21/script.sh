# The apply row's configuration as a script of one process per operation (benches/bench.py runs
# it with bash -e in a fresh network namespace; $RESOLV is a file on tmpfs). 21 operations: 4 MTUs,
# 1 sysctl, 4 links up, 6 addresses, 5 routes, hostname, resolv.conf.
ip link set dev n0 mtu 1450
ip link set dev n1 mtu 9000
ip link set dev n2 mtu 1500
ip link set dev n3 mtu 1400
sysctl -qw net.ipv6.conf.n0.accept_ra=0
ip link set dev n0 up
ip link set dev n1 up
ip link set dev n2 up
ip link set dev n3 up
ip addr add 192.0.2.10/24 broadcast 192.0.2.255 dev n0
ip addr add 2001:db8::10/64 dev n0
ip addr add 198.51.100.10/24 broadcast 198.51.100.255 dev n1
ip addr add 10.1.0.10/16 broadcast 10.1.255.255 dev n2
ip addr add 10.3.0.10/24 broadcast 10.3.0.255 dev n3
ip addr add 10.3.1.10/24 broadcast 10.3.1.255 dev n3
ip route add default via 192.0.2.1 dev n0 proto static
ip route add ::/0 via fe80::1 dev n0 proto static onlink
ip route add 203.0.113.0/24 via 198.51.100.1 dev n1 proto static
ip route add 10.2.0.0/16 via 10.1.0.1 dev n2 proto static
ip route add 10.4.0.0/16 via 10.3.0.1 dev n3 proto static
hostname bench-guest
printf '# resolv.conf\nnameserver 192.0.2.53\n' | tee "$RESOLV" >/dev/null
