#!/usr/bin/env bash
# Installs only /usr/local/bin/promtool (from Debian 12's prometheus package), for tests that check
# hoist's metrics output with `promtool check metrics`. The package itself would install and start a
# Prometheus server; the binary alone is what the tests need, so it is taken out of the .deb with
# dpkg-deb. Idempotent.
set -euo pipefail
PROMTOOL=${PROMTOOL:-/usr/local/bin/promtool}
if [ -x "$PROMTOOL" ]; then
  echo "promtool: present ($("$PROMTOOL" --version 2>&1 | head -1))"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install_promtool.sh: run as root" >&2; exit 1; }
apt-cache policy prometheus 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -qq
work=$(mktemp -d /tmp/hoist-promtool.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq prometheus/bookworm 2>&1 | grep -v unsandboxed >&2 || true)
deb=$(ls -1 "$work"/prometheus_*.deb 2>/dev/null | tail -1 || true)
[ -n "$deb" ] || { echo "install_promtool.sh: could not download prometheus/bookworm" >&2; exit 1; }
dpkg-deb -x "$deb" "$work/x"
install -D -m 0755 "$work/x/usr/bin/promtool" "$PROMTOOL"
echo "promtool: installed $("$PROMTOOL" --version 2>&1 | head -1) from $(basename "$deb")"
