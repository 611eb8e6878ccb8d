#!/usr/bin/env bash
# Build the desktop's .deb from the PyInstaller bundle (make package):
#   scripts/build-deb.sh BUNDLE_DIR OUT_DIR VERSION
# Installs the bundle in /opt/agent-workbench, /usr/bin/workbench, a .desktop entry that
# handles tel: and callto: links, and the icon. dpkg-deb only: no debhelper needed.
set -euo pipefail
bundle=$1 out=$2 version=$3
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$bundle/workbench" ] || { echo "no bundle at $bundle (run PyInstaller first)" >&2; exit 1; }
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg="$work/agent-workbench_${version}_${arch}"
mkdir -p "$pkg/DEBIAN" "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/applications" \
  "$pkg/usr/share/icons/hicolor/scalable/apps" "$pkg/usr/share/doc/agent-workbench"
cp -a "$bundle" "$pkg/opt/agent-workbench"
ln -s /opt/agent-workbench/workbench "$pkg/usr/bin/workbench"
install -m 0644 "$root/packaging/deb/agent-workbench.desktop" "$pkg/usr/share/applications/"
install -m 0644 "$root/packaging/deb/agent-workbench.svg" "$pkg/usr/share/icons/hicolor/scalable/apps/"
printf 'Agent Workbench %s\nLicense: MIT\n' "$version" > "$pkg/usr/share/doc/agent-workbench/copyright"
size=$(du -sk "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: agent-workbench
Version: $version
Architecture: $arch
Maintainer: Agent Workbench <it@example.com>
Installed-Size: $size
Section: misc
Priority: optional
Depends: libc6 (>= 2.36), libglib2.0-0, libfontconfig1, libfreetype6, libx11-6, libx11-xcb1, libxcb1,
 libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-randr0, libxcb-render-util0,
 libxcb-shape0, libxcb-xinerama0, libxcb-xkb1, libxkbcommon0, libxkbcommon-x11-0, libegl1, libgl1,
 libdbus-1-3, xdg-utils, fonts-wqy-microhei | fonts-noto-cjk
Recommends: baresip-core
Description: desktop workbench for telesales agents and store receptionists
 Pops the customer of a call (softphone, tel: link, server feed), records the outcome with the
 keyboard, works offline and syncs with the Agent Workbench central server.
CONTROL
cat > "$pkg/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
# register the .desktop entry as a handler of tel: and callto: links (xdg-mime / xdg-open read it)
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database -q /usr/share/applications || true; fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true; fi
exit 0
POSTINST
cp "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/postrm"
chmod 0755 "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/postrm"
mkdir -p "$out"
fakeroot dpkg-deb --build -Zzstd -z6 "$pkg" "$out/agent-workbench_${version}_${arch}.deb" >/dev/null
echo "$out/agent-workbench_${version}_${arch}.deb"
