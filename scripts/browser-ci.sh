#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser check (npm run test:browser), which
# drives it headless through playwright-core. Installs the package when the binary is missing;
# fails, rather than let the check skip, when it cannot.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  chromium --version
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing and apt-get is not available: install Chromium and run again" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
chromium --version
