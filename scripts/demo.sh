#!/usr/bin/env bash
# `make demo`: with a display, the interactive demo (sign in as the specialist or the wellness
# lead; DEMO_AS=lead make demo goes straight to the lead console); without one, the
# self-driving tour under Xvfb (the specialist's queue, then the lead console), with a
# screenshot of every step in ./demo-output/. All demo content is synthetic.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export QT_LOGGING_RULES="${QT_LOGGING_RULES:-qt.multimedia.symbolsresolver=false}"

# A keyring for the demo's sign-in: the desktop's own when there is one, else a private one.
with_keyring() {
  if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    "$@"
  else
    dbus-run-session -- sh -c '
      echo -n demo-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
      exec "$@"' demo "$@"
  fi
}

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  # DEMO_AS=specialist|lead|admin skips the choice; otherwise the demo asks which account.
  if [ -n "${DEMO_AS:-}" ]; then
    echo "demo: signing in as the demo $DEMO_AS on synthetic data (close the window to end)"
    with_keyring reviewer-app --demo --as "$DEMO_AS"
  else
    echo "demo: pick an account: the specialist's workstation on synthetic cases, or the"
    echo "      wellness lead's console (policy editor, team dashboard); close the window to end"
    with_keyring reviewer-app --demo
  fi
else
  out="$PWD/demo-output"
  rm -rf "$out"; mkdir -p "$out"
  echo "demo: no display; running the self-driving tour under Xvfb"
  export QT_QPA_PLATFORM=xcb
  with_keyring xvfb-run -a -s "-screen 0 1600x1000x24" reviewer-app --tour "$out"
  echo "demo: screenshots of every step are in $out/"
  ls -1 "$out"
fi
