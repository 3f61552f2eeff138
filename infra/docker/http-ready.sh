#!/usr/bin/env bash
# http-ready PORT [PATH]: exit 0 when GET http://127.0.0.1:PORT/PATH (default /readyz) answers
# 200. The health check of the service images, which carry bash but neither curl nor wget.
set -euo pipefail
port="${1:?usage: http-ready PORT [PATH]}"
path="${2:-/readyz}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
IFS=' ' read -r _ status _ <&3
[[ "$status" == 200 ]]
