#!/bin/sh
# /usr/bin/reviewer-service: the review service's command in its virtualenv. For the
# installed service, run it as its user with its settings file, e.g.
#   sudo -u reviewer-service reviewer-service user add alice --role specialist --team t1 \
#        --config /etc/reviewer-service/reviewer-service.toml
venv=/opt/reviewer-service/venv
if [ ! -x "$venv/bin/reviewer-service" ]; then
  echo "reviewer-service: $venv is missing; run: dpkg-reconfigure reviewer-service" >&2
  exit 1
fi
exec "$venv/bin/reviewer-service" "$@"
