#!/bin/sh
# /usr/bin/reviewer-cli: the command line of the frozen workstation in /opt/reviewer-app.
# Without --server and $REVIEWER_SERVER_URL, the server is server_url in
# /etc/reviewer-app/reviewer-app.conf (set by whoever deploys the workstation).
conf=/etc/reviewer-app/reviewer-app.conf
if [ -z "${REVIEWER_SERVER_URL:-}" ] && [ -r "$conf" ]; then
  url=$(sed -n 's/^[[:space:]]*server_url[[:space:]]*=[[:space:]]*//p' "$conf" | tail -n 1)
  [ -n "$url" ] && export REVIEWER_SERVER_URL="$url"
fi
exec /opt/reviewer-app/reviewer-cli "$@"
