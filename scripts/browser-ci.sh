#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser check (npm run test:browser), which
# drives it headless through playwright-core.
exec bash "$(dirname "$0")/debian-package.sh" chromium chromium
