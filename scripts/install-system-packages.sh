#!/usr/bin/env bash
# Install the Debian packages the app and its tests use, if missing and if we can.
# Outside CI a problem prints a note and the set-up goes on (the tests that need a missing
# package skip and say why). Under CI=true every problem fails the run: a CI machine must have
# everything, so nothing turns into a quietly skipped test.
# APT_UPDATE=0 skips `apt-get update` (tests; a machine whose lists are fresh).
set -u
strict=0
[ "${CI:-}" = "true" ] && strict=1

problem() {
  if [ "$strict" -eq 1 ]; then echo "error: $* (CI=true: failing the run)" >&2; exit 1; fi
  echo "note: $*" >&2
  exit 0
}

missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  problem "not a Debian system; install these yourself for full features: ${missing[*]}"
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else
    problem "not root; run 'sudo apt-get install ${missing[*]}' (a CJK font, Qt's X11 libraries, the softphone and PostgreSQL tests)"
  fi
else SUDO=""; fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ "${APT_UPDATE:-1}" != "0" ]; then
  $SUDO apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; echo "note: apt-get update failed; trying the install anyway" >&2; }
fi
# the apt lock may be held by another install (unattended upgrades): wait for it a while
if ! $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=120 --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  problem "could not install ${missing[*]}; tests that need them will skip and say why"
fi
exit 0
