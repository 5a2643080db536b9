#!/usr/bin/env bash
# The Debian package under a real systemd: builds dist/zsn2n_VERSION_amd64.deb (or takes the one
# given), makes a minimal Debian bookworm (debootstrap minbase + systemd + the package's Depends,
# cached), installs the .deb in it with apt (offline: the container has no network), boots it with
# systemd-nspawn and runs the daemon as an operator would: start, drop files, reload, status, the
# journal, stop, kill -9, upgrade, remove, purge. Each check prints PASS or FAIL; any FAIL makes
# the exit status 1. Where the machine cannot boot a container (not root, no systemd-nspawn or
# debootstrap, no network for the first debootstrap, the boot fails) it prints one SKIP line with
# the reason and exits 0: it never passes silently.
#
#   sudo scripts/test-package.sh [path/to/zsn2n_VERSION_amd64.deb]
#
# The root filesystem is cached in $ZSN2N_NSPAWN_CACHE (default /var/cache/zsn2n-nspawn), one per
# list of packages; each run boots a copy. KEEP=1 keeps the copy (its path is printed).
set -uo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${ZSN2N_NSPAWN_CACHE:-/var/cache/zsn2n-nspawn}

skip() { echo "SKIP: package test not run: $*"; exit 0; }
FAILS=0; CHECKS=0
pass() { CHECKS=$((CHECKS + 1)); echo "PASS: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
# check DESCRIPTION COMMAND...: PASS when the command succeeds.
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
# require: the same, but the rest cannot run without it.
require() { check "$@" || { fail "(stopped here: the checks after this one need it)"; summary; exit 1; }; }
summary() {
    if [ "$FAILS" -gt 0 ] && [ -n "${LEADER:-}" ]; then
        echo "package test: the daemon's journal in the guest:"; g journalctl --no-pager -u zsn2nd | tail -40
        for f in apt-install apt-upgrade apt-remove apt-reinstall apt-purge; do
            [ -e "$WORK/$f.log" ] && { echo "--- $f"; tail -5 "$WORK/$f.log"; }
        done
    fi
    echo "package test: $CHECKS checks, $FAILS failed, $(( $(date +%s) - START )) s"
}

[ "$(uname -s)" = Linux ] || skip "not Linux"
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap and systemd-nspawn); run it with sudo"
for tool in systemd-nspawn debootstrap dpkg-deb nsenter flock setsid; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh installs it)"
done

# The package.
if [ $# -ge 1 ]; then
    DEB=$(realpath "$1")
else
    echo "package test: building the package (scripts/package-deb.sh)"
    DEB=$(scripts/package-deb.sh 2>/tmp/zsn2n-package-deb.$$.log | tail -1) || {
        tail -20 /tmp/zsn2n-package-deb.$$.log; rm -f /tmp/zsn2n-package-deb.$$.log
        fail "scripts/package-deb.sh builds the package"; exit 1; }
    rm -f /tmp/zsn2n-package-deb.$$.log
fi
[ -f "$DEB" ] || { fail "the package $DEB exists"; exit 1; }
VERSION=$(dpkg-deb -f "$DEB" Version)
pass "package $(basename "$DEB"), $(du -k "$DEB" | cut -f1) KB"

WORK=$(mktemp -d /var/tmp/zsn2n-pkgtest.XXXXXX)
NSPAWN=""; LEADER=""
cleanup() {
    if [ -n "$LEADER" ] && kill -0 "$LEADER" 2>/dev/null; then
        kill -s RTMIN+4 "$LEADER" 2>/dev/null   # systemd: poweroff
        for _ in $(seq 30); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 1; done
    fi
    [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null && kill -KILL "$NSPAWN" 2>/dev/null
    [ -n "$NSPAWN" ] && wait "$NSPAWN" 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "package test: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The root filesystem: minbase, systemd, and the package's Depends (the first of each
# alternative), so that apt installs the .deb without a network. Cached by that list.
PACKAGES=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep . \
    | sort -u | tr '\n' ' ')
PACKAGES="systemd systemd-sysv $PACKAGES"
KEY=$(printf '%s\n' "$SUITE" "$MIRROR" $PACKAGES | sort -u | sha256sum | cut -c1-16)
BASE=$CACHE/$SUITE-$KEY
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -d "$BASE/root" ]; then
    echo "package test: root filesystem cached in $BASE ($PACKAGES)"
else
    echo "package test: debootstrap $SUITE minbase + $PACKAGES (once; cached in $BASE)"
    T0=$(date +%s)
    rm -rf "$BASE.tmp"; mkdir -p "$BASE.tmp"
    if ! debootstrap --variant=minbase --include="$(echo $PACKAGES | tr ' ' ',')" "$SUITE" "$BASE.tmp/root" "$MIRROR" \
            >"$BASE.tmp/debootstrap.log" 2>&1; then
        tail -5 "$BASE.tmp/debootstrap.log"
        skip "debootstrap $SUITE from $MIRROR failed (no network?); log above"
    fi
    # apt's lists are only needed at debootstrap time; the container has no network.
    rm -rf "$BASE.tmp/root/var/cache/apt/archives/"*.deb
    mv "$BASE.tmp" "$BASE"
    echo "package test: root filesystem made in $(( $(date +%s) - T0 )) s"
fi
flock -u 9
ROOT=$WORK/root
cp -a --reflink=auto "$BASE/root" "$ROOT"

# Inputs, made with the package's own zsn2n: a PNG, a JPEG and a TIFF of 64x64 (a few seconds of
# training at 30 iterations), a file that is no image, and a 128x128 PNG for the long job.
mkdir -p "$WORK/x" "$ROOT/root/in"
dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$WORK/x" ./usr/bin/zsn2n
Z=$WORK/x/usr/bin/zsn2n
"$Z" noise data/study/camera128.png --crop 64 -o "$ROOT/root/in/gray.png" --model gauss:25 >/dev/null &&
"$Z" noise data/study/astronaut128.png --crop 64 -o "$ROOT/root/in/photo.jpg" --model gauss:25 >/dev/null &&
"$Z" noise data/study/astronaut128.png --crop 64 -o "$ROOT/root/in/scan.tif" --model poisson:30 >/dev/null &&
"$Z" noise data/study/camera128.png -o "$ROOT/root/in/slow.png" --model gauss:25 >/dev/null ||
    { fail "zsn2n noise makes the inputs"; exit 1; }
echo "not an image" > "$ROOT/root/in/bad.png"
cp "$DEB" "$ROOT/root/zsn2n.deb"
# The upgrade: the same package under a later version.
dpkg-deb -R "$DEB" "$WORK/up" && sed -i "s/^Version: .*/Version: $VERSION+pkgtest1/" "$WORK/up/DEBIAN/control" &&
    dpkg-deb --root-owner-group -Zgzip -z1 -b "$WORK/up" "$ROOT/root/zsn2n-up.deb" >/dev/null || fail "repackaged for the upgrade"
rm -rf "$WORK/up"

# Boot. --register=no --keep-unit: no machined and no scope of our own (the host need not run
# systemd); --private-network: no network in the guest, so apt must find the Depends installed.
setsid systemd-nspawn --quiet --boot --register=no --keep-unit --private-network -D "$ROOT" \
    --machine="zsn2n-pkgtest" --console=pipe </dev/null >"$WORK/boot.log" 2>&1 &
NSPAWN=$!
# The guest's PID 1: nspawn's child in a PID namespace of its own, once it has become systemd.
for _ in $(seq 100); do
    for c in $(cat /proc/$NSPAWN/task/*/children 2>/dev/null); do
        if [ "$(readlink /proc/$c/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] && [ "$(cat /proc/$c/comm 2>/dev/null)" = systemd ]; then
            LEADER=$c
        fi
    done
    [ -n "$LEADER" ] && break
    kill -0 $NSPAWN 2>/dev/null || break
    sleep 0.2
done
[ -n "$LEADER" ] || { tail -5 "$WORK/boot.log"; LEADER=""; skip "systemd-nspawn did not start a container here; its output is above"; }
# g: run a command in the guest as root; gsh: a shell line.
# Each in a session of its own, so that nothing in the guest can signal this script's process group.
g() { setsid -w nsenter -t "$LEADER" -a -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"; }
gsh() { g sh -c "$1"; }
STATE=""
for _ in $(seq 60); do
    STATE=$(g systemctl is-system-running 2>/dev/null)
    case "$STATE" in running|degraded) break ;; esac
    sleep 1
done
case "$STATE" in
running) ;;
degraded) echo "package test: the guest boots degraded: $(g systemctl --failed --plain --no-legend | cut -d' ' -f1 | tr '\n' ' ')" ;;
*) tail -5 "$WORK/boot.log"; skip "the container did not finish booting in 60 s (state '${STATE:-none}')" ;;
esac
pass "guest booted: $(g systemctl --version | head -1), state $STATE, in $(( $(date +%s) - START )) s since start"

# wait_for SECONDS SHELL-LINE: true once the line succeeds in the guest.
wait_for() { local n=$(( $1 * 4 )); while [ $n -gt 0 ]; do gsh "$2" >/dev/null 2>&1 && return 0; sleep 0.25; n=$((n - 1)); done; return 1; }
J="journalctl --no-pager _SYSTEMD_UNIT=zsn2nd.service"
V=/var/lib/zsn2n

# Install.
gsh 'apt-get install -y /root/zsn2n.deb' >"$WORK/apt-install.log" 2>&1
require "apt-get install of the .deb, offline (Depends already in the guest)" gsh 'dpkg-query -W -f="\${Status}" zsn2n | grep -q "install ok installed"'
[ "$(g zsn2nd --version 2>&1)" = "$VERSION" ] && pass "zsn2nd --version prints $VERSION" || fail "zsn2nd --version prints $VERSION (got '$(g zsn2nd --version 2>&1)')"
check "the binaries need no Swift toolchain (ldd: no libswift*, libFoundation*, nothing missing)" \
    gsh '[ -x /usr/bin/zsn2nd ] && [ -x /usr/bin/zsn2n ] && ! ldd /usr/bin/zsn2nd /usr/bin/zsn2n | grep -E "libswift|libFoundation|libdispatch|not found"'
check "user and group zsn2n exist (systemd-sysusers)" gsh 'getent passwd zsn2n >/dev/null && getent group zsn2n >/dev/null'
check "folders: $V 750, inbox 2770, outbox/done/failed 2750, all zsn2n:zsn2n (systemd-tmpfiles)" \
    gsh "[ \"\$(stat -c '%a %U:%G' $V $V/inbox $V/outbox $V/done $V/failed | tr '\n' ' ')\" = '750 zsn2n:zsn2n 2770 zsn2n:zsn2n 2750 zsn2n:zsn2n 2750 zsn2n:zsn2n 2750 zsn2n:zsn2n ' ]"
check "the daemon is installed but neither enabled nor started" \
    gsh '[ "$(systemctl is-enabled zsn2nd)" = disabled ] && ! systemctl -q is-active zsn2nd'
check "systemd-analyze verify of the unit is clean" gsh '[ -z "$(systemd-analyze verify /lib/systemd/system/zsn2nd.service 2>&1)" ]'
EXPOSURE=$(g systemd-analyze security --offline=yes /lib/systemd/system/zsn2nd.service 2>/dev/null | sed -n 's/.*Overall exposure level for zsn2nd.service: \([0-9.]*\).*/\1/p')
awk -v e="${EXPOSURE:-99}" 'BEGIN { exit !(e <= 1.0) }' && pass "systemd-analyze security: exposure $EXPOSURE (at most 1.0)" \
    || fail "systemd-analyze security: exposure ${EXPOSURE:-unknown} (at most 1.0)"
check "the shipped configuration is valid (zsn2nd --check-config)" gsh 'zsn2nd --config /etc/zsn2n/zsn2nd.yaml --check-config >/dev/null'

# Quick jobs: 30 iterations, a short settle time (the operator's edit of the conffile).
gsh "sed -i 's/^iterations: .*/iterations: 30/; s/^settle_seconds: .*/settle_seconds: 0.5/' /etc/zsn2n/zsn2nd.yaml"
T0=$(date +%s)
require "systemctl start returns (Type=notify: READY=1 arrived)" g systemctl start zsn2nd
check "the unit is active, READY logged (ZSN2N_EVENT=ready)" gsh "systemctl -q is-active zsn2nd && $J ZSN2N_EVENT=ready | grep -q ready"
check "STATUS= in systemctl status: Idle, watching $V/inbox" gsh "systemctl status zsn2nd | grep -q 'Status: \"Idle, watching $V/inbox'"

# Drops, as an uploader would: under a temporary name, then renamed.
gsh "cd $V/inbox && for f in gray.png photo.jpg scan.tif bad.png; do cp /root/in/\$f .\$f.part && mv .\$f.part \$f; done"
if wait_for 90 "[ -e $V/outbox/gray.png.json ] && [ -e $V/outbox/photo.jpg.json ] && [ -e $V/outbox/scan.tif.json ] && [ -e $V/failed/bad.png.error.json ]"; then
    pass "four drops handled in $(( $(date +%s) - T0 )) s"
else
    fail "four drops handled within 90 s"
fi
check "gray.png: outbox/gray.png (a PNG) and its sidecar, the original in done/" \
    gsh "[ \"\$(od -An -tx1 -N4 $V/outbox/gray.png)\" = ' 89 50 4e 47' ] && grep -Eq '\"schema\" *: *\"zsn2n.sidecar/2\"' $V/outbox/gray.png.json && [ -e $V/done/gray.png ] && [ ! -e $V/inbox/gray.png ]"
check "photo.jpg: outbox/photo.jpg (a JPEG) and its sidecar, the original in done/" \
    gsh "[ \"\$(od -An -tx1 -N2 $V/outbox/photo.jpg)\" = ' ff d8' ] && grep -Eq '\"format\" *: *\"jpeg\"' $V/outbox/photo.jpg.json && [ -e $V/done/photo.jpg ]"
check "scan.tif: outbox/scan.tif (a TIFF, through the libtiff the package depends on) and its sidecar" \
    gsh "[ \"\$(od -An -tx1 -N4 $V/outbox/scan.tif)\" = ' 49 49 2a 00' ] && grep -Eq '\"format\" *: *\"tiff\"' $V/outbox/scan.tif.json && [ -e $V/done/scan.tif ]"
check "bad.png: moved to failed/ with bad.png.error.json (stage decode), nothing in the outbox" \
    gsh "[ -e $V/failed/bad.png ] && grep -Eq '\"stage\" *: *\"decode\"' $V/failed/bad.png.error.json && [ ! -e $V/outbox/bad.png ]"
check "the journal: done entries for all three, a failed one with its MESSAGE_ID, all with _SYSTEMD_UNIT=zsn2nd.service" \
    gsh "entries=\$($J ZSN2N_EVENT=done -o verbose) && for f in gray.png photo.jpg scan.tif; do echo \"\$entries\" | grep -q ZSN2N_FILE=\$f || exit 1; done && $J MESSAGE_ID=0540398a6e644a11860e76fa52296cc9 -o verbose | grep -q ZSN2N_FILE=bad.png"
check "STATUS= after the jobs: Idle ... (3 done, 1 failed)" gsh "systemctl status zsn2nd | grep -q '(3 done, 1 failed)'"
check "metrics: $V/metrics/zsn2nd.prom counts 3 done and 1 failed at decode" \
    gsh "grep -qx 'zsn2n_jobs_done_total 3' $V/metrics/zsn2nd.prom && grep -qx 'zsn2n_jobs_failed_total{stage=\"decode\"} 1' $V/metrics/zsn2nd.prom"
check "no libdispatch thread-priority notices in the journal" gsh "$J ZSN2N_EVENT=done | grep -q done && ! journalctl --no-pager -b | grep -q 'Failed to set thread priority'"
check "every thread of the daemon runs at nice 10" \
    gsh 'P=$(systemctl show -p MainPID --value zsn2nd); [ "$P" -gt 0 ] && [ -e /proc/$P/task ] || exit 1
         for t in /proc/$P/task/*; do cut -d" " -f19 $t/stat; done | grep -vqx 10 && exit 1; true'

# Reload: a bad configuration is refused (systemctl reload fails, the daemon keeps running with
# its old one); a good one is taken.
gsh 'cp /etc/zsn2n/zsn2nd.yaml /root/good.yaml && echo "iteratons: 5" >> /etc/zsn2n/zsn2nd.yaml'
check "systemctl reload with a bad configuration fails" gsh 'systemctl -q is-active zsn2nd && ! systemctl reload zsn2nd 2>/dev/null'
check "... the daemon stays active with its configuration, the reason in the journal" \
    gsh "systemctl -q is-active zsn2nd && $J | grep -q \"reload refused.*'iteratons'\""
gsh "cp /root/good.yaml /etc/zsn2n/zsn2nd.yaml && sed -i 's/^iterations: .*/iterations: 100000/' /etc/zsn2n/zsn2nd.yaml"
check "systemctl reload with a good configuration succeeds" g systemctl reload zsn2nd
check "... the daemon logs it (ZSN2N_EVENT=reloaded) and stays active" \
    wait_for 10 "$J ZSN2N_EVENT=reloaded | grep -q 'configuration reloaded' && systemctl -q is-active zsn2nd"

# A long job (100000 iterations): progress in STATUS=, then stop and kill in the middle of training.
gsh "cd $V/inbox && cp /root/in/slow.png .slow.part && mv .slow.part slow.png"
wait_for 30 "$J ZSN2N_EVENT=started | grep -q slow.png" || fail "slow.png started within 30 s"
check "STATUS= during training: Denoising slow.png: N%" wait_for 20 "systemctl status zsn2nd | grep -q 'Status: \"Denoising slow.png'"
T1=$(date +%s%N)
require "systemctl stop during training" g systemctl stop zsn2nd
echo "package test: the stop took $(( ($(date +%s%N) - T1) / 1000000 )) ms"
check "... exited cleanly (Result=success, status 0)" \
    gsh '[ "$(systemctl show -p Result --value zsn2nd)" = success ] && [ "$(systemctl show -p ExecMainStatus --value zsn2nd)" = 0 ]'
check "... slow.png stays in the inbox, no output, no temporaries" \
    gsh "[ -e $V/inbox/slow.png ] && [ ! -e $V/outbox/slow.png ] && [ -z \"\$(find $V -name '.zsn2nd-tmp-*')\" ]"
g systemctl start zsn2nd
wait_for 30 "$J ZSN2N_EVENT=started | grep -c slow.png | grep -qx 2" || fail "slow.png started again after the start"
OLD=$(g systemctl show -p MainPID --value zsn2nd)
# dash's own kill (procps is not installed); never with 0 or nothing, which would be a process group.
[ "${OLD:-0}" -gt 1 ] 2>/dev/null || { fail "the daemon runs again after the start (MainPID '$OLD')"; summary; exit 1; }
gsh "kill -9 $OLD"
if wait_for 30 "P=\$(systemctl show -p MainPID --value zsn2nd); [ \"\$P\" != 0 ] && [ \"\$P\" != $OLD ] && systemctl -q is-active zsn2nd"; then
    pass "kill -9 during training: systemd restarts the daemon (Restart=on-failure), active again"
else
    fail "kill -9 during training: systemd restarts the daemon within 30 s"
fi
check "... slow.png still in the inbox, taken again" wait_for 30 "[ -e $V/inbox/slow.png ] && $J ZSN2N_EVENT=started | grep -c slow.png | grep -qx 3"

# Upgrade to a later version: the edited configuration is kept, the running daemon restarted.
OLD=$(g systemctl show -p MainPID --value zsn2nd)
gsh 'apt-get install -y /root/zsn2n-up.deb' >"$WORK/apt-upgrade.log" 2>&1
check "upgrade to $VERSION+pkgtest1 with apt-get install" gsh "[ \"\$(dpkg-query -W -f='\${Version}' zsn2n)\" = '$VERSION+pkgtest1' ]"
check "... the edited configuration is kept (iterations: 100000), no prompt" \
    gsh 'grep -qx "iterations: 100000" /etc/zsn2n/zsn2nd.yaml && [ ! -e /etc/zsn2n/zsn2nd.yaml.dpkg-dist ]'
check "... the running daemon was restarted on the new binary, slow.png still in the inbox" \
    gsh "P=\$(systemctl show -p MainPID --value zsn2nd); [ \"\$P\" != $OLD ] && systemctl -q is-active zsn2nd && [ -e $V/inbox/slow.png ]"

# Remove keeps the data and the configuration; purge deletes them. Enabled first, to see that a
# reinstall restores it and that purge leaves no link behind.
g systemctl enable --quiet zsn2nd
gsh 'apt-get remove -y zsn2n' >"$WORK/apt-remove.log" 2>&1
check "apt-get remove: the daemon stopped, the binaries gone" gsh '! systemctl -q is-active zsn2nd && [ ! -e /usr/bin/zsn2nd ] && ! dpkg-query -W -f="\${Status}" zsn2n | grep -q "ok installed"'
check "... $V kept (outbox, done, failed, the waiting slow.png), /etc/zsn2n/zsn2nd.yaml kept" \
    gsh "[ -e $V/outbox/gray.png.json ] && [ -e $V/done/photo.jpg ] && [ -e $V/failed/bad.png ] && [ -e $V/inbox/slow.png ] && [ -e /etc/zsn2n/zsn2nd.yaml ]"
gsh 'apt-get install -y /root/zsn2n-up.deb' >"$WORK/apt-reinstall.log" 2>&1
check "reinstall after remove: enabled again as it was, not started, the configuration as edited" \
    gsh '[ "$(systemctl is-enabled zsn2nd)" = enabled ] && ! systemctl -q is-active zsn2nd && grep -qx "iterations: 100000" /etc/zsn2n/zsn2nd.yaml'
gsh 'apt-get purge -y zsn2n' >"$WORK/apt-purge.log" 2>&1
check "apt-get purge: $V and /etc/zsn2n removed, no mask or link of the unit left" \
    gsh "[ ! -e $V ] && [ ! -e /etc/zsn2n ] && ! dpkg-query -W zsn2n 2>/dev/null | grep -q . && [ -z \"\$(find /etc/systemd/system -name 'zsn2nd*')\" ]"

summary
[ "$FAILS" -eq 0 ]
