#!/usr/bin/env bash
# Installs the C libraries zsn2n links (libpng, libjpeg, libtiff, libsystemd) when they are missing.
# Debian/Ubuntu; needs root or sudo. Swift itself is expected at /opt/swift or on PATH.
set -euo pipefail
missing=()
# python3-jsonschema: ServiceTests validate sidecars against schema/ with it (Draft 2020-12).
# dpkg-dev (dpkg-shlibdeps), binutils (strip): scripts/package-deb.sh. debootstrap,
# systemd-container (systemd-nspawn): scripts/test-package.sh boots the package in a container.
# prometheus: its promtool checks the daemon's metrics file (ServiceTests).
for pkg in libpng-dev libjpeg-dev libtiff-dev libsystemd-dev pkg-config python3-jsonschema \
           dpkg-dev binutils debootstrap systemd-container prometheus; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
