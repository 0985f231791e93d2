#!/bin/bash
# Test-only dracut module (tests/vm): the probe that reports the network state at pre-pivot,
# when configdrive-net's hooks have run and the real root is mounted.
check() { return 255; }
depends() { return 0; }
install() {
    # Named busybox-*: under any other name busybox does not know which applet to run.
    inst_simple /bin/busybox /usr/bin/busybox-cdnvm
    inst_multiple ip
    inst_simple "$moddir/cdnvm-probe" /usr/bin/cdnvm-probe
    inst_hook pre-pivot 90 "$moddir/cdnvm-probe-hook.sh"
}
