# Shared by the VM test scripts (sourced, bash). Everything a test needs to boot the product in
# QEMU: the cache, the kernel, config-drive images, host-side servers on 127.0.0.1, the QEMU
# command line, and cleanup of every process the scripts start.
#
# Environment:
#   CDN_VM_CACHE   cache directory kept between runs (default /var/cache/configdrive-net-vm)
#   CDN_VM_OUT     where logs of this run go (default target/vm)
#   CDN_VM_BIN     the binary under test (default target/release/configdrive-net)
#   CDN_VM_TIMEOUT hard limit for one VM, seconds (default 420)
#   CDN_VM_JOBS    VMs run side by side (default 2; 1: one at a time)
#   CDN_VM_KEEP=1  keep per-test scratch files

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_DIR/../../.." && pwd)
CACHE=${CDN_VM_CACHE:-/var/cache/configdrive-net-vm}
OUT=${CDN_VM_OUT:-$REPO/target/vm-gen}
BIN=${CDN_VM_BIN:-$REPO/target/release/configdrive-net}
VM_TIMEOUT=${CDN_VM_TIMEOUT:-420}
CORPUS=${CDN_CORPUS:-$REPO/tests/corpus}
mkdir -p "$CACHE" "$OUT"

T0=${T0:-$(date +%s)}
export T0
say() { printf '[vm %4ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

# --- results -----------------------------------------------------------------------------
# Each test reports PASS, FAIL or PENDING (written, runs, but waits for a feature that has not
# landed: the reason is printed). The suite fails on FAIL only.
RESULTS=$OUT/results.txt
result() { # result PASS|FAIL|PENDING name detail...
    local r=$1 n=$2
    shift 2
    printf '%-7s %s  %s\n' "$r" "$n" "$*" | tee -a "$RESULTS" >&2
}

# --- processes and cleanup ---------------------------------------------------------------
# Every background process started here is recorded by PID and killed by PID on exit.
PIDS=()
CLEANUPS=()
track() { PIDS+=("$1"); }
on_exit() { CLEANUPS+=("$1"); }
_cleanup() {
    local p c
    [ -n "${VM_PID:-}" ] && kill "$VM_PID" 2>/dev/null
    for p in "${PIDS[@]}"; do
        # only a child of this shell that is still there (a PID reaped earlier may be reused)
        [ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" = "$$" ] && kill "$p" 2>/dev/null
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    for c in "${CLEANUPS[@]}"; do
        eval "$c" || true
    done
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# One writer at a time builds a cache entry (parallel runs wait for each other).
with_lock() { # with_lock NAME cmd...
    local name=$1
    shift
    (
        flock 9
        "$@"
    ) 9>"$CACHE/.lock-$name"
}

# --- the kernel --------------------------------------------------------------------------
# Debian's kernel, unpacked from its package (never installed on the host), with modules.dep
# built, and the ELF vmlinux extracted so QEMU boots it through the PVH entry (the guest then
# skips the xz decompression, ~3 s under TCG).
KDIR=$CACHE/kernel
kernel_fetch() {
    [ -s "$KDIR/kver" ] && [ -s "$KDIR/vmlinux" ] && return 0
    say "kernel: downloading Debian's linux-image-amd64 (cached in $KDIR)"
    local tmp pkg
    tmp=$(mktemp -d "$CACHE/kernel.tmp.XXXX")
    chmod 755 "$tmp" # apt-get download runs as _apt
    if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then apt-get update -q >/dev/null; fi
    pkg=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    [ -n "$pkg" ] || die "kernel: cannot resolve linux-image-amd64"
    (cd "$tmp" && apt-get download -q "$pkg" >/dev/null) || die "kernel: apt-get download $pkg failed"
    mkdir -p "$tmp/tree"
    dpkg -x "$tmp"/"$pkg"_*.deb "$tmp/tree"
    local kver=${pkg#linux-image-}
    depmod -b "$tmp/tree" "$kver"
    python3 "$VM_DIR/vmlinux.py" "$tmp/tree/boot/vmlinuz-$kver" "$tmp/vmlinux"
    mv "$tmp"/"$pkg"_*.deb "$tmp/linux-image.deb"
    echo "$kver" >"$tmp/kver"
    rm -rf "$KDIR"
    mv "$tmp" "$KDIR"
    say "kernel: $kver ready"
}
kernel() { with_lock kernel kernel_fetch; KVER=$(cat "$KDIR/kver"); export KVER; }

# --- the binary under test ---------------------------------------------------------------
need_binary() {
    if [ -z "${CDN_VM_BIN:-}" ]; then
        (cd "$REPO" && cargo build --release --locked -q) || die "cargo build failed"
    fi
    [ -x "$BIN" ] || die "$BIN: not built"
    file "$BIN" | grep -q "statically linked" || die "$BIN: not a static binary"
}

# --- config drives -----------------------------------------------------------------------
# make_drive SRC_DIR OUT KIND: SRC_DIR holds openstack/... (the drive's root). KIND:
#   iso      genisoimage with nova's flags (nova/virt/configdrive.py: -o -ldots -allow-lowercase
#            -allow-multidot -l -publisher -quiet -J -r -V config-2)
#   xorriso  the same image made by xorriso's mkisofs emulation
#   vfat     nova's vfat variant: a 64 MiB FAT image labelled config-2, filled with mcopy
make_drive() {
    local src=$1 out=$2 kind=$3 label=${4:-config-2}
    rm -f "$out"
    case $kind in
    iso)
        genisoimage -o "$out" -ldots -allow-lowercase -allow-multidot -l -publisher "configdrive-net tests" \
            -quiet -J -r -V "$label" "$src" 2>/dev/null
        ;;
    xorriso)
        xorriso -as mkisofs -o "$out" -ldots -allow-lowercase -allow-multidot -l \
            -publisher "configdrive-net tests" -quiet -J -r -V "$label" "$src" 2>/dev/null
        ;;
    vfat)
        truncate -s 64M "$out"
        mkfs.vfat -n "$label" "$out" >/dev/null 2>&1
        MTOOLS_SKIP_CHECK=1 mcopy -s -i "$out" "$src"/* ::/
        ;;
    *) die "make_drive: unknown kind $kind" ;;
    esac
}

# The QEMU option that attaches a drive image: cdrom (IDE ATAPI, the guest sees sr0), virtio
# (vda, read-only).
drive_opt() { # drive_opt IMAGE cdrom|virtio
    case $2 in
    cdrom) echo "-drive file=$1,if=ide,index=1,media=cdrom,readonly=on" ;;
    virtio) echo "-drive file=$1,if=virtio,format=raw,readonly=on" ;;
    esac
}

# --- host-side servers on 127.0.0.1 ------------------------------------------------------
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# http_server DIR LOG -> sets HTTP_PORT. Serves DIR on 127.0.0.1 only; LOG gets each request.
http_server() {
    HTTP_PORT=$(free_port)
    python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$1" >"$2" 2>&1 &
    track $!
    local i
    for i in $(seq 50); do
        (exec 3<>/dev/tcp/127.0.0.1/"$HTTP_PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    die "http server did not start"
}

# nbd_server IMAGE -> sets NBD_PORT. qemu-nbd on 127.0.0.1, export "root", writes go to a
# temporary overlay (-s) so the cached image is never changed.
nbd_server() {
    NBD_PORT=$(free_port)
    qemu-nbd --bind 127.0.0.1 --port "$NBD_PORT" --export-name root --format raw --snapshot \
        --persistent --shared 4 "$1" >"$OUT/qemu-nbd.log" 2>&1 &
    track $!
    local i
    for i in $(seq 50); do
        (exec 3<>/dev/tcp/127.0.0.1/"$NBD_PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    die "qemu-nbd did not start"
}

# A guestfwd rule: guest connections to ADDR:PORT reach 127.0.0.1:HOSTPORT. `cmd:` starts one
# socat per connection (a chardev target would carry a single connection for the VM's life);
# the command is a one-line script, so the QEMU option holds no spaces or commas.
guestfwd() { # guestfwd ADDR PORT HOSTPORT
    local s=$OUT/fwd-$3.sh
    printf '#!/bin/sh\nexec socat STDIO TCP:127.0.0.1:%s\n' "$3" >"$s"
    chmod 755 "$s"
    echo "guestfwd=tcp:$1:$2-cmd:$s"
}

# --- QEMU ----------------------------------------------------------------------------------
# NICs: one user-mode network per NIC, restrict=on (nothing leaves QEMU except the explicit
# guestfwd rules, which end on the host's loopback). nic_opts MAC[|netdev option]... ...
nic_opts() {
    local i=0 spec mac extra
    for spec in "$@"; do
        mac=${spec%%|*}
        extra=
        [ "$spec" != "$mac" ] && extra=",${spec#*|}" && extra=${extra//|/,}
        printf -- '-netdev user,id=n%d,restrict=on%s -device virtio-net-pci,netdev=n%d,mac=%s ' \
            "$i" "$extra" "$i" "$mac"
        i=$((i + 1))
    done
}

# run_vm NAME INITRD APPEND [qemu options...]: boots the cached kernel, console (ttyS0) to
# $OUT/NAME.console, the probe channel (ttyS1) to $OUT/NAME.probe. Returns QEMU's status
# (124 when it was killed at the timeout).
run_vm() {
    local name=$1 initrd=$2 append=$3
    shift 3
    rm -f "$OUT/$name.console" "$OUT/$name.probe"
    # In the background and waited for, so a TERM to this shell (trap in the caller) can stop
    # the runner, which stops QEMU.
    python3 "$VM_DIR/vmrun.py" --timeout "$VM_TIMEOUT" --log "$OUT/$name.console" \
        --mark 'CDNVM-INIT|Run /init' --mark 'configdrive-net:' --mark 'CDNVM-DONE' -- \
        qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 1 -nodefaults -no-user-config \
        -display none -no-reboot \
        -chardev stdio,id=con,signal=off -serial chardev:con \
        -serial "file:$OUT/$name.probe" \
        -kernel "$KDIR/vmlinux" -initrd "$initrd" \
        -append "console=ttyS0,115200 panic=-1 $append" "$@" &
    VM_PID=$!
    local rc=0
    wait "$VM_PID" || rc=$?
    VM_PID=
    return $rc
}

# A cpio archive (newc, gzip) of DIR, appended to an initramfs image to add or replace files
# without rebuilding it.
overlay_cpio() { # overlay_cpio DIR OUT
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$2"
}

# check_result NAME PROBE EXPECT_JSON STAGE [--known REGEX=REASON]...: runs check.py and
# reports the test: FAIL if a check failed, else PASS (PENDING when checks wait for a
# feature, with the count of known bugs and pending checks).
check_result() {
    local name=$1 probe=$2 expect=$3 stage=$4 txt
    shift 4
    txt=${probe%.probe}.$stage.check
    local rc=0
    python3 "$VM_DIR/check.py" "$probe" "$expect" "$stage" "$@" >"$txt" 2>&1 || rc=$?
    local ok pend bug now
    ok=$(grep -c '^  ok' "$txt" || true)
    pend=$(grep -c '^  PENDING' "$txt" || true)
    bug=$(grep -c '^  KNOWN-BUG' "$txt" || true)
    now=$(grep -c '^  NOW-PASSES' "$txt" || true)
    local detail="$ok checks ok"
    [ "$pend" -gt 0 ] && detail+=", $pend pending"
    [ "$bug" -gt 0 ] && detail+=", $bug known-bug"
    [ "$now" -gt 0 ] && detail+=", $now now pass (drop their mark)"
    if [ "$rc" -ne 0 ]; then
        result FAIL "$name" "$detail; $(grep -c '^  FAIL' "$txt") failed: $txt"
    elif [ "$pend" -gt 0 ]; then
        result PENDING "$name" "$detail: $txt"
    else
        result PASS "$name" "$detail"
    fi
    grep -E '^  (FAIL|PENDING|KNOWN-BUG|NOW-PASSES)' "$txt" | sed 's/^/    /' >&2 || true
    return 0
}
