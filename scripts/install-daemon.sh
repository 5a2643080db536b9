#!/bin/sh
# Installs zsn2nd and zsn2n: binaries, systemd unit, configuration, sysusers.d and tmpfiles.d
# entries, JSON Schemas and documentation; then creates the user and the folders when
# systemd-sysusers/systemd-tmpfiles exist. The binaries are built (release, with the Swift runtime
# linked in, so they need no toolchain at run time) unless prebuilt ones are given.
#
#   sudo scripts/install-daemon.sh                  # build, install under /usr/local and /etc
#   sudo scripts/install-daemon.sh path/to/bin      # install the zsn2nd and zsn2n found there
#   sudo BIN=path/to/bin scripts/install-daemon.sh  # the same
#   DESTDIR=/tmp/pkg scripts/install-daemon.sh      # stage for a package (creates nothing live)
#   sudo systemctl enable --now zsn2nd              # then start it
#
# PREFIX (/usr/local), SYSCONFDIR (/etc), UNITDIR (/etc/systemd/system), SYSUSERSDIR and
# TMPFILESDIR ($SYSCONFDIR/sysusers.d, $SYSCONFDIR/tmpfiles.d) change the destinations;
# scripts/package-deb.sh stages with PREFIX=/usr and the /usr/lib folders.
set -eu

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-/etc/systemd/system}
SYSUSERSDIR=${SYSUSERSDIR:-$SYSCONFDIR/sysusers.d}
TMPFILESDIR=${TMPFILESDIR:-$SYSCONFDIR/tmpfiles.d}
BIN=${1:-${BIN:-}}
cd "$(dirname "$0")/.."

# sudo resets PATH (secure_path), so `swift` is looked for on PATH, in the usual toolchain places,
# then on the PATH of the user who ran sudo (a login shell of theirs).
find_swift() {
    for s in "$(command -v swift 2>/dev/null || true)" /opt/swift/usr/bin/swift /usr/share/swift/usr/bin/swift \
             ${SUDO_USER:+"$(getent passwd "$SUDO_USER" | cut -d: -f6)/.local/share/swiftly/bin/swift"} \
             ${SUDO_USER:+"$(getent passwd "$SUDO_USER" | cut -d: -f6)/.swiftly/bin/swift"}; do
        [ -n "$s" ] && [ -x "$s" ] && { echo "$s"; return; }
    done
    if [ -n "${SUDO_USER:-}" ]; then
        s=$(sudo -u "$SUDO_USER" -i sh -c 'command -v swift' 2>/dev/null || true)
        [ -n "$s" ] && [ -x "$s" ] && { echo "$s"; return; }
    fi
    return 1
}

if [ -z "$BIN" ]; then
    SWIFT=$(find_swift) || {
        echo "install-daemon: swift not found (PATH, /opt/swift/usr/bin, ${SUDO_USER:-the user}'s PATH);" \
             "give prebuilt binaries: scripts/install-daemon.sh DIR" >&2
        exit 1
    }
    PATH="$(dirname "$SWIFT"):$PATH"; export PATH
    # Under sudo, build as the user who owns the checkout, so no root-owned files land in it.
    AS=""
    if [ -n "${SUDO_USER:-}" ] && [ "$(id -u)" -eq 0 ] && [ "$(stat -c %U .)" = "$SUDO_USER" ]; then
        AS="sudo -u $SUDO_USER env PATH=$PATH"
    fi
    BUILD="swift build -c release --static-swift-stdlib --disable-local-rpath --scratch-path .build-static"
    $AS $BUILD --product zsn2nd
    $AS $BUILD --product zsn2n
    BIN=$($AS $BUILD --show-bin-path)
fi
for b in zsn2nd zsn2n; do
    [ -x "$BIN/$b" ] || { echo "install-daemon: no executable $BIN/$b" >&2; exit 1; }
done

install -d "$DESTDIR$PREFIX/bin" "$DESTDIR$UNITDIR" "$DESTDIR$SYSCONFDIR/zsn2n" \
    "$DESTDIR$SYSUSERSDIR" "$DESTDIR$TMPFILESDIR" \
    "$DESTDIR$PREFIX/share/zsn2n/schema" "$DESTDIR$PREFIX/share/doc/zsn2n/docs"
install -m 0755 "$BIN/zsn2nd" "$DESTDIR$PREFIX/bin/zsn2nd"
install -m 0755 "$BIN/zsn2n" "$DESTDIR$PREFIX/bin/zsn2n"
# The unit names the package's paths (/usr/bin, /usr/share/doc); other prefixes are put in here.
sed "s#/usr/bin/zsn2nd#$PREFIX/bin/zsn2nd#g; s#/etc/zsn2n/#$SYSCONFDIR/zsn2n/#g; s#/usr/share/doc/zsn2n/#$PREFIX/share/doc/zsn2n/#g" \
    systemd/zsn2nd.service > "$DESTDIR$UNITDIR/zsn2nd.service"
chmod 0644 "$DESTDIR$UNITDIR/zsn2nd.service"
install -m 0644 systemd/zsn2nd.sysusers "$DESTDIR$SYSUSERSDIR/zsn2nd.conf"
install -m 0644 systemd/zsn2nd.tmpfiles "$DESTDIR$TMPFILESDIR/zsn2nd.conf"
install -m 0644 schema/*.schema.json "$DESTDIR$PREFIX/share/zsn2n/schema/"
# The README and the docs it links to, side by side as in the repository, so that its links resolve.
install -m 0644 README.md "$DESTDIR$PREFIX/share/doc/zsn2n/README.md"
install -m 0644 docs/*.md "$DESTDIR$PREFIX/share/doc/zsn2n/docs/"

# Never overwrite an operator's configuration: a changed one gets the new default beside it.
CONFIG="$DESTDIR$SYSCONFDIR/zsn2n/zsn2nd.yaml"
if [ -e "$CONFIG" ] && ! cmp -s etc/zsn2nd.yaml "$CONFIG"; then
    install -m 0644 etc/zsn2nd.yaml "$CONFIG.new"
    echo "kept $CONFIG; the shipped default is $CONFIG.new"
else
    install -m 0644 etc/zsn2nd.yaml "$CONFIG"
fi

if [ -z "$DESTDIR" ]; then
    if command -v systemd-sysusers >/dev/null; then systemd-sysusers "$SYSUSERSDIR/zsn2nd.conf"; fi
    if command -v systemd-tmpfiles >/dev/null; then systemd-tmpfiles --create "$TMPFILESDIR/zsn2nd.conf"; fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        echo "installed; start with: systemctl enable --now zsn2nd"
    else
        echo "installed; systemd is not running here, start by hand: $PREFIX/bin/zsn2nd --config $SYSCONFDIR/zsn2n/zsn2nd.yaml"
    fi
fi
