#!/bin/sh
# Faultline's container entrypoint (also installed as /toxiproxy, the path of Toxiproxy's server).
#
# With arguments, they go to the faultline CLI unchanged, so Toxiproxy's container command lines
# work as they are: `-host=0.0.0.0 -config=/tmp/tc-toxiproxy.json` (Testcontainers), `-config=/x.json`,
# or any faultline command (`serve --config …`, `list`, …). Without arguments it runs `serve`, which
# reads its settings from the environment (FAULTLINE_CONFIG, FAULTLINE_STATE, …).
#
# The image sets FAULTLINE_HOST=0.0.0.0, so the admin API is reachable from outside the container
# even when the arguments do not say -host=0.0.0.0 (the trap of Toxiproxy's image, where any
# argument replaces its default -host=0.0.0.0); a -host flag still wins. It also sets
# FAULTLINE_ALLOW_REMOTE_LISTEN=true, so proxies may listen on 0.0.0.0 where their ports are published.
set -e
app="${FAULTLINE_HOME:-/app}"
if [ "$#" -eq 0 ]; then
  set -- serve
fi
exec node "$app/dist/bin/main.js" "$@"
