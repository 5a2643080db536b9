#!/bin/sh
# Builds zsn2nd (and zsn2n) in release mode and installs the daemon: binaries, systemd unit,
# configuration, sysusers.d and tmpfiles.d entries, JSON Schemas and documentation; then creates
# the user and the folders when systemd-sysusers/systemd-tmpfiles exist.
#
#   sudo scripts/install-daemon.sh            # install under /usr/local and /etc
#   DESTDIR=/tmp/pkg scripts/install-daemon.sh # stage for a package (creates nothing live)
#   sudo systemctl enable --now zsn2nd        # then start it
set -eu

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-/etc/systemd/system}
cd "$(dirname "$0")/.."

swift build -c release --product zsn2nd
swift build -c release --product zsn2n 2>/dev/null || echo "note: zsn2n (CLI) not built; installing the daemon only"
BIN=$(swift build -c release --show-bin-path)

install -d "$DESTDIR$PREFIX/bin" "$DESTDIR$UNITDIR" "$DESTDIR$SYSCONFDIR/zsn2n" \
    "$DESTDIR$SYSCONFDIR/sysusers.d" "$DESTDIR$SYSCONFDIR/tmpfiles.d" \
    "$DESTDIR$PREFIX/share/zsn2n/schema" "$DESTDIR$PREFIX/share/doc/zsn2n"
install -m 0755 "$BIN/zsn2nd" "$DESTDIR$PREFIX/bin/zsn2nd"
[ -x "$BIN/zsn2n" ] && install -m 0755 "$BIN/zsn2n" "$DESTDIR$PREFIX/bin/zsn2n"
sed "s#/usr/local/bin/zsn2nd#$PREFIX/bin/zsn2nd#; s#/etc/zsn2n/#$SYSCONFDIR/zsn2n/#; s#/usr/local/share/#$PREFIX/share/#" \
    systemd/zsn2nd.service > "$DESTDIR$UNITDIR/zsn2nd.service"
chmod 0644 "$DESTDIR$UNITDIR/zsn2nd.service"
install -m 0644 systemd/zsn2nd.sysusers "$DESTDIR$SYSCONFDIR/sysusers.d/zsn2nd.conf"
install -m 0644 systemd/zsn2nd.tmpfiles "$DESTDIR$SYSCONFDIR/tmpfiles.d/zsn2nd.conf"
install -m 0644 schema/*.schema.json "$DESTDIR$PREFIX/share/zsn2n/schema/"
install -m 0644 README.md "$DESTDIR$PREFIX/share/doc/zsn2n/README.md"

# Never overwrite an operator's configuration: a changed one gets the new default beside it.
CONFIG="$DESTDIR$SYSCONFDIR/zsn2n/zsn2nd.yaml"
if [ -e "$CONFIG" ] && ! cmp -s etc/zsn2nd.yaml "$CONFIG"; then
    install -m 0644 etc/zsn2nd.yaml "$CONFIG.new"
    echo "kept $CONFIG; the shipped default is $CONFIG.new"
else
    install -m 0644 etc/zsn2nd.yaml "$CONFIG"
fi

if [ -z "$DESTDIR" ]; then
    if command -v systemd-sysusers >/dev/null; then systemd-sysusers "$SYSCONFDIR/sysusers.d/zsn2nd.conf"; fi
    if command -v systemd-tmpfiles >/dev/null; then systemd-tmpfiles --create "$SYSCONFDIR/tmpfiles.d/zsn2nd.conf"; fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        echo "installed; start with: systemctl enable --now zsn2nd"
    else
        echo "installed; systemd is not running here, start by hand: $PREFIX/bin/zsn2nd --config $SYSCONFDIR/zsn2n/zsn2nd.yaml"
    fi
fi
