#!/usr/bin/env bash
# Installs the built one-folder app (dist/osce-sim, or the folder this script sits in when it
# is shipped inside it as _internal/share/linux/) for every user of this machine:
#   /opt/osce-sim/                        the app
#   /usr/local/bin/osce-sim               a link to it
#   /usr/share/applications/              the launcher entry
#   /usr/share/icons/hicolor/*/apps/      its icons
# With --kiosk, also /etc/xdg/autostart/osce-sim-kiosk.desktop: `osce-sim kiosk` opens full
# screen when a user logs in (use a station account that logs in by itself).
# Usage: sudo packaging/linux/install.sh [--kiosk] [APP_FOLDER]    (--uninstall removes it all)
# DESTDIR=/some/root puts it all under that folder instead (to try it, or to build a package).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kiosk=0; uninstall=0; src=""
for arg in "$@"; do
  case "$arg" in
    --kiosk) kiosk=1 ;;
    --uninstall) uninstall=1 ;;
    *) src="$arg" ;;
  esac
done
d="${DESTDIR:-}"
prefix="$d/opt/osce-sim"
if [ "$uninstall" = 1 ]; then
  rm -rf "$prefix" "$d/usr/local/bin/osce-sim" "$d/usr/share/applications/osce-sim.desktop" \
    "$d/etc/xdg/autostart/osce-sim-kiosk.desktop"
  find "$d/usr/share/icons/hicolor" -name 'osce-sim.*' -delete 2>/dev/null || true
  echo "osce-sim removed (the learners' data folders are left as they are)"; exit 0
fi
if [ -z "$src" ]; then
  if [ -x "$here/../../../osce-sim" ]; then src="$here/../../.."  # inside the app: _internal/share/linux
  else src="$here/../../dist/osce-sim"; fi                         # in the source: packaging/linux
fi
src="$(cd "$src" && pwd)"
[ -x "$src/osce-sim" ] || { echo "no app in $src: run make package first" >&2; exit 1; }
desktop="$src/_internal/share/linux"
icons="$src/_internal/share/icons"
rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")" "$d/usr/local/bin"
cp -a "$src" "$prefix"
ln -sf /opt/osce-sim/osce-sim "$d/usr/local/bin/osce-sim"
install -Dm644 "$desktop/osce-sim.desktop" "$d/usr/share/applications/osce-sim.desktop"
if [ -d "$icons/hicolor" ]; then
  mkdir -p "$d/usr/share/icons/hicolor"
  cp -r "$icons/hicolor/." "$d/usr/share/icons/hicolor/"
  if [ -z "$d" ] && command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q /usr/share/icons/hicolor || true
  fi
fi
if [ "$kiosk" = 1 ]; then
  install -Dm644 "$desktop/osce-sim-kiosk.desktop" "$d/etc/xdg/autostart/osce-sim-kiosk.desktop"
  echo "kiosk: osce-sim kiosk starts at every login (/etc/xdg/autostart/osce-sim-kiosk.desktop)"
fi
echo "osce-sim installed in $prefix; run: osce-sim check"
