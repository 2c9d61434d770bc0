#!/usr/bin/env bash
# Install the Debian packages listed in the given files (one per line, '#' comments) that are not yet installed.
# Used by setup.sh (runtime.txt: what Clearsight needs to run) and test.sh (test.txt: browsers, servers, PDF
# tools the tests drive). Root installs directly; otherwise sudo is used when available.
set -euo pipefail
missing=()
for list in "$@"; do
  while read -r pkg; do
    [ -z "$pkg" ] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Clearsight needs these Debian packages, and this machine has no apt-get: ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing Debian packages: ${missing[*]}" >&2
$sudo apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
