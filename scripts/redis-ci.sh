#!/usr/bin/env bash
# Makes sure redis-server is installed for the Redis store's tests, which start their
# own server on a free port and stop it when they end. Installs the Debian package
# when the binary is missing; fails, rather than let the tests skip, when it cannot.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  redis-server --version
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "redis-server is missing and apt-get is not available: install Redis (5 or later) and run again" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends redis-server >/dev/null
redis-server --version
