#!/usr/bin/env bash
# Installs only /usr/libexec/podman/quadlet (podman 5.x, Debian 13) on a Debian 12 host, for tests that
# validate rendered units with the real generator. Installing trixie's podman package itself would upgrade
# libc and remove the toolchain, so the binary is taken out of the .deb with dpkg-deb. Idempotent.
set -euo pipefail
QUADLET=${QUADLET:-/usr/libexec/podman/quadlet}
if [ -x "$QUADLET" ]; then
  echo "quadlet: present ($("$QUADLET" -version 2>/dev/null || echo '?'))"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install_quadlet.sh: run as root" >&2; exit 1; }

if ! grep -rqsE '^[^#]*\btrixie\b' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && !/security/ {print $2; exit}' || true)
  [ -n "$uri" ] || uri=$(awk '/^deb / && !/security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" > /etc/apt/sources.list.d/e2e-trixie.sources
fi
if ! grep -rqsE 'n=trixie' /etc/apt/preferences /etc/apt/preferences.d/ 2>/dev/null; then
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 50\n' > /etc/apt/preferences.d/e2e-trixie
fi
apt-cache policy podman 2>/dev/null | grep -q trixie || apt-get update -qq
work=$(mktemp -d /tmp/hoist-quadlet.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq podman/trixie 2>&1 | grep -v unsandboxed >&2 || true)
deb=$(ls -1 "$work"/podman_5*.deb 2>/dev/null | tail -1 || true)
[ -n "$deb" ] || { echo "install_quadlet.sh: could not download podman/trixie" >&2; exit 1; }
dpkg-deb -x "$deb" "$work/x"
install -D -m 0755 "$work/x/usr/libexec/podman/quadlet" "$QUADLET"
echo "quadlet: installed $("$QUADLET" -version) from $(basename "$deb")"
