#!/bin/sh
# /usr/bin/reviewer-app: starts the frozen workstation in /opt/reviewer-app. Without --server
# (or --demo, --tour, --selftest, --help, --version), it signs in to $REVIEWER_SERVER_URL, or
# else to server_url in /etc/reviewer-app/reviewer-app.conf (set by whoever deploys the app),
# so the desktop menu entry opens the team's service.
conf=/etc/reviewer-app/reviewer-app.conf
if [ -z "${REVIEWER_SERVER_URL:-}" ] && [ -r "$conf" ]; then
  url=$(sed -n 's/^[[:space:]]*server_url[[:space:]]*=[[:space:]]*//p' "$conf" | tail -n 1)
  [ -n "$url" ] && export REVIEWER_SERVER_URL="$url"
fi
for arg in "$@"; do
  case "$arg" in
    --server|--server=*|--demo|--tour|--tour=*|--selftest|-h|--help|--version)
      exec /opt/reviewer-app/reviewer-app "$@" ;;
  esac
done
if [ -n "${REVIEWER_SERVER_URL:-}" ]; then
  exec /opt/reviewer-app/reviewer-app --server "$REVIEWER_SERVER_URL" "$@"
fi
exec /opt/reviewer-app/reviewer-app "$@"
