#!/usr/bin/env bash
# Makes sure redis-server is installed for the Redis store's tests, which start their own server
# on a free port and stop it when they end (Redis 5 or later).
exec bash "$(dirname "$0")/debian-package.sh" redis-server redis-server
