#!/usr/bin/env bash
# Builds the Debian package dist/zsn2n_VERSION_amd64.deb, offline: release binaries with the Swift
# runtime linked in (--static-swift-stdlib: the target needs no toolchain, only Debian's libpng,
# libjpeg, libtiff and libsystemd, which become Depends:), staged by scripts/install-daemon.sh under /usr
# (docs/operating.md, "Install and enable").
#
#   scripts/package-deb.sh                  # build, then package
#   BIN=path/to/bin scripts/package-deb.sh  # package prebuilt zsn2n and zsn2nd (built static)
#   VERSION=0.1.0+local1 scripts/package-deb.sh   # another version number (default: zsn2nVersion)
#
# Prints the path of the .deb on its last line. Needs dpkg-dev (dpkg-shlibdeps) and binutils.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

VERSION=${VERSION:-$(sed -n 's/^public let zsn2nVersion = "\(.*\)"$/\1/p' Sources/Pipeline/Version.swift)}
[ -n "$VERSION" ] || { echo "package-deb: no zsn2nVersion in Sources/Pipeline/Version.swift" >&2; exit 1; }
ARCH=amd64
[ "$(dpkg --print-architecture)" = "$ARCH" ] || { echo "package-deb: builds $ARCH only" >&2; exit 1; }
SCRATCH=${SCRATCH:-.build-static}
BIN=${BIN:-}

if [ -z "$BIN" ]; then
    # No $ORIGIN run path: nothing is loaded from beside the binaries.
    BUILD=(swift build -c release --static-swift-stdlib --disable-local-rpath --scratch-path "$SCRATCH")
    "${BUILD[@]}" --product zsn2nd >&2
    "${BUILD[@]}" --product zsn2n >&2
    BIN=$("${BUILD[@]}" --show-bin-path)
fi

# The Swift runtime must be inside the binaries, not beside them.
for b in zsn2n zsn2nd; do
    [ -x "$BIN/$b" ] || { echo "package-deb: no executable $BIN/$b" >&2; exit 1; }
    if ldd "$BIN/$b" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu|not found'; then
        echo "package-deb: $BIN/$b needs the libraries above at run time (build with --static-swift-stdlib)" >&2
        exit 1
    fi
done

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
PKG=$STAGE/root
# Debian bookworm's places: units under /lib/systemd/system, sysusers.d and tmpfiles.d under /usr/lib.
DESTDIR=$PKG PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system \
    SYSUSERSDIR=/usr/lib/sysusers.d TMPFILESDIR=/usr/lib/tmpfiles.d \
    scripts/install-daemon.sh "$BIN" >&2
# Stripped as dh_strip does (debug information and symbols: 14 MB less a binary).
strip --remove-section=.comment --remove-section=.note "$PKG/usr/bin/zsn2n" "$PKG/usr/bin/zsn2nd"

# The date of the commit, so that the same commit gives the same changelog.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT with local changes"
MAINTAINER=${DEB_MAINTAINER:-"$(git config user.name 2>/dev/null || echo zsn2n maintainers) <$(git config user.email 2>/dev/null || echo zsn2n@localhost)>"}
{
    printf 'zsn2n (%s) unstable; urgency=medium\n\n  * Built from git %s.\n\n -- %s  %s\n' \
        "$VERSION" "$COMMIT" "$MAINTAINER" "$(date -R -u -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$PKG/usr/share/doc/zsn2n/changelog.gz"
chmod 0644 "$PKG/usr/share/doc/zsn2n/changelog.gz"

# Depends: from the libraries the binaries link, as Debian's own packages declare them.
mkdir -p "$PKG/DEBIAN" "$STAGE/debian"
printf 'Source: zsn2n\n\nPackage: zsn2n\nArchitecture: %s\n' "$ARCH" > "$STAGE/debian/control"
DEPENDS=$(cd "$STAGE" && dpkg-shlibdeps -O -e root/usr/bin/zsn2n -e root/usr/bin/zsn2nd 2>/dev/null \
    | sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || { echo "package-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# The codecs' libraries must be among them (on bookworm libpng16-16, libjpeg62-turbo, libtiff6,
# libsystemd0; other releases name them differently, hence the prefixes): a binary that lost one
# would install and then fail on its first image of that format.
for lib in libpng libjpeg libtiff libsystemd; do
    case ", $DEPENDS" in *", $lib"*) ;;
        *) echo "package-deb: no $lib package in Depends ($DEPENDS)" >&2; exit 1 ;; esac
done

sed -e "s/@VERSION@/$VERSION/" -e "s/@MAINTAINER@/$MAINTAINER/" -e "s/@DEPENDS@/$DEPENDS/" \
    -e "s/@INSTALLED_SIZE@/$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)/" \
    packaging/debian/control.in > "$PKG/DEBIAN/control"
echo /etc/zsn2n/zsn2nd.yaml > "$PKG/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$PKG/DEBIAN/"
(cd "$PKG" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$PKG/DEBIAN/md5sums"
chmod 0644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/conffiles" "$PKG/DEBIAN/md5sums"

mkdir -p dist
OUT=$ROOT/dist/zsn2n_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$PKG" "$OUT" >&2
echo "$OUT"
