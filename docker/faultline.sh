#!/bin/sh
# The faultline CLI in the image: /usr/local/bin/faultline, and /toxiproxy-cli, the path of
# Toxiproxy's CLI (`docker run --entrypoint=/toxiproxy-cli IMAGE list`, `docker exec C /toxiproxy-cli list`).
exec node "${FAULTLINE_HOME:-/app}/dist/bin/main.js" "$@"
