#!/usr/bin/env bash
# Usage: debian-package.sh BINARY PACKAGE
# Makes sure BINARY is on the PATH, installing Debian's PACKAGE when it is missing; fails,
# rather than let the tests that need it skip, when it cannot. Prints the binary's version.
set -euo pipefail
binary="$1"
package="$2"

if ! command -v "$binary" >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$binary is missing and apt-get is not available: install $package and run again" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null
fi
"$binary" --version
