#!/usr/bin/env bash
# `make test-package` (slow, as root): the built artefacts tested as a user gets them, never
# the source tree. In clean Debian 12 roots made with debootstrap from the mirror apt uses here:
#
#  1. both .deb files installed with apt (so their Depends are proven), then in that root:
#     reviewer-app --selftest offscreen and under Xvfb; the service started from its systemd
#     unit's own ExecStart line as the unit's user; reviewer-cli signs in (keyring: a
#     gnome-keyring under dbus-run-session), leases a case and decides it; the installed app's
#     window signed in to that service, screenshotted into build/test-package/;
#  2. the README's promise: a root with only python3 and git, plus the one line the README
#     says to run first; a copy of this clone runs the README's demo command headless, and the
#     test command's setup and static checks up to where pytest starts (collection only);
#  3. the checks of tests/package/ on the .deb files and the frozen build.
#
# Every mount is made inside a private mount namespace (unshare) and unmounted by a trap on
# exit. PACKAGE_ONLY=1 skips part 2 (the slowest), FRESH_ONLY=1 part 1; KEEP_ROOTS=1 keeps
# the roots for a look.
# The debootstrap result, apt's and pip's downloads are cached in build/test-package-cache/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build/test-package
CACHE=$ROOT/build/test-package-cache
SUITE=bookworm
started=$(date +%s)

if [ "$(id -u)" != 0 ]; then
  echo "test-package: run as root (debootstrap, chroot and mounts need it)" >&2
  exit 2
fi
if [ -z "${TEST_PACKAGE_NS:-}" ]; then  # mounts made from here on cannot leak to the host
  exec unshare --mount --propagation private env TEST_PACKAGE_NS=1 bash "$0" "$@"
fi

step() { echo "== test-package: $*"; }
fail() { echo "test-package: FAILED: $*" >&2; exit 1; }

# The mirror apt uses on this machine (deb822 .sources or a one-line sources.list).
mirror() {
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{print $2}' | grep -v security | head -n 1 || true)
  [ -n "$uri" ] || uri=$(grep -hE '^deb\s' /etc/apt/sources.list 2>/dev/null \
        | awk '{print $2}' | grep -v security | head -n 1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)

# ------------------------------------------------------------------ mounts, always undone
MOUNTS=()
TMP=$(mktemp -d /tmp/test-package-XXXXXX)
# Every process running inside `dir` (a root under it): the service the test started in a
# chroot is not a child of the shell's job (chroot runs under a subshell), so killing the job
# alone left it serving after the test. SIGTERM, then wait up to 5 s for them to go.
stop_rooted() {  # dir
  local pid root pids=()
  for pid in /proc/[0-9]*; do
    root=$(readlink "$pid/root" 2>/dev/null) || continue
    case "$root" in "$1" | "$1"/*) pids+=("${pid#/proc/}") ;; esac
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "${pids[@]}" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
}
cleanup() {
  local status=$?
  stop_rooted "$TMP"
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount -l "${MOUNTS[$i]}" 2>/dev/null || true
  done
  if [ "${KEEP_ROOTS:-0}" = 1 ]; then
    echo "test-package: roots kept in $TMP"
  else
    rm -rf --one-file-system "$TMP"
  fi
  exit "$status"
}
trap cleanup EXIT INT TERM

mount_into() {  # root: proc, sys, dev, dev/pts, dev/shm, run, and the download caches
  local r=$1
  mount -t proc proc "$r/proc"; MOUNTS+=("$r/proc")
  mount -t sysfs -o ro sysfs "$r/sys"; MOUNTS+=("$r/sys")
  mount -t tmpfs -o mode=0755 tmpfs "$r/dev"; MOUNTS+=("$r/dev")
  for node in null zero full random urandom tty; do
    touch "$r/dev/$node"; mount --bind "/dev/$node" "$r/dev/$node"; MOUNTS+=("$r/dev/$node")
  done
  ln -s /proc/self/fd "$r/dev/fd"
  mkdir -p "$r/dev/pts" "$r/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts"
  MOUNTS+=("$r/dev/pts"); ln -sf pts/ptmx "$r/dev/ptmx"
  mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"; MOUNTS+=("$r/dev/shm")
  mount -t tmpfs -o mode=0755 tmpfs "$r/run"; MOUNTS+=("$r/run")
  mkdir -p "$CACHE/apt-archives/partial" "$CACHE/pip" "$r/root/.cache/pip"
  mount --bind "$CACHE/apt-archives" "$r/var/cache/apt/archives"
  MOUNTS+=("$r/var/cache/apt/archives")
  mount --bind "$CACHE/pip" "$r/root/.cache/pip"; MOUNTS+=("$r/root/.cache/pip")
}

# A clean root: the cached debootstrap of Debian 12 (minbase), unpacked, with the same apt
# sources as this machine (main, updates, security) and its DNS.
new_root() {
  local r=$1
  mkdir -p "$r"
  tar --numeric-owner -C "$r" -xzf "$CACHE/base-$SUITE.tgz"
  chmod 0755 "$r"  # "/" of the root: every user must be able to walk it
  cp /etc/resolv.conf "$r/etc/resolv.conf"
  rm -f "$r/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/debian.sources "$r/etc/apt/sources.list.d/" 2>/dev/null \
    || echo "deb $MIRROR $SUITE main" > "$r/etc/apt/sources.list"
  printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"  # no daemon starts in a chroot
  chmod 0755 "$r/usr/sbin/policy-rc.d"
  mount_into "$r"
}

# Run in a root with a clean environment (nothing of this machine's PATH, pip or Python).
in_root() {  # root command...
  local r=$1; shift
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive chroot "$r" "$@"
}

apt_in() {  # root packages...
  local r=$1; shift
  # the download cache is this machine's folder, so apt's _apt user may not write it
  in_root "$r" apt-get install -y -q --no-install-recommends -o APT::Sandbox::User=root "$@"
}

# ------------------------------------------------------------------ the packages
VERSION=$(.venv/bin/python -c 'import reviewer_app; print(reviewer_app.__version__)')
ARCH=$(dpkg --print-architecture)
APP_DEB=$ROOT/dist/reviewer-app_${VERSION}-1_${ARCH}.deb
SVC_DEB=$ROOT/dist/reviewer-service_${VERSION}-1_${ARCH}.deb
stale=""
if [ -f "$APP_DEB" ] && [ -f "$SVC_DEB" ]; then
  stale=$(find reviewer_app safeguards ui resources packaging pyproject.toml -type f \
          -not -path '*/__pycache__/*' \( -newer "$APP_DEB" -o -newer "$SVC_DEB" \) -print -quit)
fi
if [ "${REUSE_PACKAGES:-0}" = 1 ] && [ -f "$APP_DEB" ] && [ -f "$SVC_DEB" ]; then
  step "reusing dist/*.deb as asked (REUSE_PACKAGES=1)"
elif [ ! -f "$APP_DEB" ] || [ ! -f "$SVC_DEB" ] || [ -n "$stale" ]; then
  step "building the packages (make package)"
  BENCH=0 bash scripts/package.sh
else
  step "reusing dist/*.deb (newer than everything they are built from)"
fi
if [ "${PACKAGE_ONLY:-0}" != 1 ] && [ "${FRESH_ONLY:-0}" != 1 ]; then
  rm -rf "$OUT"  # a run of one part keeps the other part's screenshots and logs
fi
mkdir -p "$OUT"

if [ ! -f "$CACHE/base-$SUITE.tgz" ]; then
  step "debootstrap --variant=minbase $SUITE from $MIRROR (cached for the next run)"
  mkdir -p "$CACHE"
  debootstrap --variant=minbase "$SUITE" "$TMP/debootstrap" "$MIRROR" \
    > "$CACHE/debootstrap.log" 2>&1 || { tail -n 20 "$CACHE/debootstrap.log"; fail "debootstrap"; }
  tar --numeric-owner -C "$TMP/debootstrap" -czf "$CACHE/base-$SUITE.tgz.part" .
  mv "$CACHE/base-$SUITE.tgz.part" "$CACHE/base-$SUITE.tgz"
  rm -rf --one-file-system "$TMP/debootstrap"
fi

# ================================================================== 1. the installed packages
if [ "${FRESH_ONLY:-0}" != 1 ]; then
R=$TMP/packages
step "1. a clean root ($R); apt installs the two .deb files and nothing else"
new_root "$R"
in_root "$R" apt-get update -q -o APT::Sandbox::User=root > "$OUT/apt-update.log" 2>&1 || { cat "$OUT/apt-update.log"; fail "apt-get update"; }
mkdir -p "$R/tmp/debs"
cp "$APP_DEB" "$SVC_DEB" "$R/tmp/debs/"
t0=$(date +%s)
if ! apt_in "$R" "/tmp/debs/$(basename "$APP_DEB")" "/tmp/debs/$(basename "$SVC_DEB")" \
    > "$OUT/apt-install.log" 2>&1; then
  tail -n 40 "$OUT/apt-install.log"; fail "apt could not install the packages"
fi
echo "   installed in $(( $(date +%s) - t0 )) s; the postinst scripts said:"
grep -E '^(reviewer-|  ok|  FAIL|  skip|All checks|[0-9]+ check)' "$OUT/apt-install.log" \
  | sed 's/^/     /' || true
grep -q "reviewer-service: making /opt/reviewer-service/venv" "$OUT/apt-install.log" \
  || fail "the service's postinst did not make its virtualenv"
in_root "$R" dpkg-query -W -f='${Package} ${Version} ${Status}\n' reviewer-app reviewer-service \
  | tee "$OUT/installed.txt"
[ "$(grep -c 'install ok installed' "$OUT/installed.txt")" = 2 ] || fail "not both installed"

step "1. what the installs carry"
in_root "$R" sh -c 'test ! -e /opt/reviewer-app/_internal/reviewer_app/service' \
  || fail "the desktop install has the service's code"
if in_root "$R" /opt/reviewer-service/venv/bin/python -c 'import PySide6' 2>/dev/null; then
  fail "PySide6 is importable in the service's virtualenv"
fi
in_root "$R" sh -c 'ls /opt/reviewer-service/venv/lib/python3*/site-packages' > "$OUT/service-venv.txt"
if grep -qiE '^(pyside6|shiboken6|ui)$' "$OUT/service-venv.txt"; then
  fail "the service's virtualenv has Qt or the desktop code"
fi
in_root "$R" getent passwd reviewer-service > /dev/null || fail "no reviewer-service user"
in_root "$R" stat -c '%U:%G %a %n' /etc/reviewer-service/reviewer-service.toml \
  /var/lib/reviewer-service | tee "$OUT/service-perms.txt"
grep -q 'root:reviewer-service 640 /etc/reviewer-service/reviewer-service.toml' \
  "$OUT/service-perms.txt" || fail "the settings file is not root:reviewer-service 0640"
in_root "$R" test -f /var/lib/reviewer-service/reviewer-service.sqlite3 \
  || fail "postinst did not create (migrate) the database"
msg=$(in_root "$R" env QT_QPA_PLATFORM=offscreen /usr/bin/reviewer-app --demo 2>&1 >/dev/null) && fail "--demo started"
echo "$msg" | grep -q "the demo runs from the source tree" \
  || fail "reviewer-app --demo does not say the demo runs from the source tree: $msg"
echo "   no service in the desktop install, no Qt in the service's venv; --demo says: ok"

step "1. test tools in the root (not dependencies of either package): Xvfb, xwd, dbus"
apt_in "$R" xvfb xauth x11-apps x11-utils dbus dbus-user-session > "$OUT/apt-tools.log" 2>&1 \
  || { tail -n 20 "$OUT/apt-tools.log"; fail "test tools"; }

# The service: its unit's ExecStart, run as its User= with no new privileges, on a free port
# written into the settings file as an administrator would.
UNIT=$R/lib/systemd/system/reviewer-service.service
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
unit_user=$(sed -n 's/^User=//p' "$UNIT")
workdir=$(sed -n 's/^WorkingDirectory=//p' "$UNIT")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/^port = .*/port = $port/" "$R/etc/reviewer-service/reviewer-service.toml"
URL="http://127.0.0.1:$port"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze security --offline=yes --root="$R" reviewer-service.service 2>/dev/null \
    | tail -n 1 | sed 's/^/   unit hardening (systemd-analyze security): /' || true
fi
step "1. the service from the unit's ExecStart as $unit_user: $exec_start"
# shellcheck disable=SC2086
in_root "$R" setpriv --reuid="$unit_user" --regid="$unit_user" --init-groups --no-new-privs \
  -- sh -c "cd $workdir && exec $exec_start" > "$OUT/service.log" 2>&1 &
svc_pid=$!
for _ in $(seq 1 150); do
  if in_root "$R" /opt/reviewer-service/venv/bin/python -c \
      "import urllib.request,sys; urllib.request.urlopen('$URL/healthz', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$svc_pid" 2>/dev/null || { cat "$OUT/service.log"; fail "the service exited"; }
  sleep 0.2
done
in_root "$R" /opt/reviewer-service/venv/bin/python -c \
  "import urllib.request; print('   /healthz:', urllib.request.urlopen('$URL/healthz').read().decode())"
stop_service() {
  kill "$svc_pid" 2>/dev/null || true
  stop_rooted "$R"  # the service itself, in its root
  wait "$svc_pid" 2>/dev/null || true
}

as_svc() { in_root "$R" runuser -u reviewer-service -- "$@"; }
CONF=/etc/reviewer-service/reviewer-service.toml
echo "test-package-password-1" | as_svc reviewer-service user add alice --role specialist \
  --team escalations --config "$CONF"
as_svc reviewer-service seed --config "$CONF" --cases 4

# The person at the workstation: an ordinary user with a keyring in a dbus session.
in_root "$R" useradd -m -s /bin/sh reviewer 2>/dev/null || true
cat > "$R/home/reviewer/session.sh" <<EOF
#!/bin/sh
# In one dbus session: unlock a fresh gnome-keyring, sign in with reviewer-cli, lease and
# decide, run the self-test offscreen and under Xvfb, and show the signed-in workstation.
set -eu
export XDG_RUNTIME_DIR=\$HOME/run; mkdir -p -m 700 "\$XDG_RUNTIME_DIR"
echo -n keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
URL=$URL
export REVIEWER_SERVER_URL=\$URL
echo "-- reviewer-app --selftest (offscreen)"
QT_QPA_PLATFORM=offscreen reviewer-app --selftest
echo "-- reviewer-cli: login, lease, decide, sync"
echo test-package-password-1 | reviewer-cli login -u alice --password-stdin
reviewer-cli lease --max 1 --json > lease.json
case_id=\$(/opt/reviewer-service/venv/bin/python -c 'import json; print(json.load(open("lease.json"))[0]["id"])')
echo "leased \$case_id"
reviewer-cli decide "\$case_id" keep --reason "test-package: synthetic case kept"
reviewer-cli sync
reviewer-cli status --json > status.json
echo "\$case_id" > decided.txt
echo "-- Xvfb: reviewer-app --selftest, then the signed-in window"
Xvfb :57 -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=\$!
trap 'kill \$xvfb 2>/dev/null || true' EXIT
for i in \$(seq 1 50); do xwininfo -root -display :57 >/dev/null 2>&1 && break; sleep 0.1; done
DISPLAY=:57 QT_QPA_PLATFORM=xcb reviewer-app --selftest
DISPLAY=:57 reviewer-app > app.log 2>&1 &   # the launcher: --server from \$REVIEWER_SERVER_URL
app=\$!
shown=0
for i in \$(seq 1 300); do
  # the main window (not the small "connecting" dialog): named so, at least 800 px wide
  if xwininfo -root -tree -display :57 | awk '/"Reviewer workstation"/ {
       for (i = 1; i <= NF; i++) if (\$i ~ /^[0-9]+x[0-9]+\\+/ && \$i + 0 >= 800) found = 1 }
       END { exit !found }'; then shown=1; break; fi
  sleep 0.1
done
[ "\$shown" = 1 ] || { echo "no window of the installed app"; cat app.log; exit 1; }
sleep 5   # the first case is leased, decoded and blurred
xwd -root -display :57 -out window.xwd
xwininfo -root -tree -display :57 | grep 'Reviewer' | head -n 3
kill \$app; wait \$app || true
EOF
chmod 0755 "$R/home/reviewer/session.sh"
in_root "$R" chown -R reviewer:reviewer /home/reviewer
step "1. as an ordinary user: self-tests, reviewer-cli sign-in, lease, decide; the window"
if ! in_root "$R" runuser -u reviewer -- env HOME=/home/reviewer sh -c \
    'cd "$HOME" && dbus-run-session -- ./session.sh' 2>&1 | tee "$OUT/session.log"; then
  stop_service; fail "the session as the reviewer"
fi
case_id=$(cat "$R/home/reviewer/decided.txt")
decided=$(in_root "$R" /opt/reviewer-service/venv/bin/python -c "
import sqlite3
db = sqlite3.connect('/var/lib/reviewer-service/reviewer-service.sqlite3')
print(db.execute('select count(*) from decisions where case_id = ?', ('$case_id',)).fetchone()[0])")
[ "$decided" = 1 ] || { stop_service; fail "the service holds $decided decisions of $case_id"; }
echo "   the service holds the decision of $case_id exactly once"
stop_service
cp "$R/home/reviewer/window.xwd" "$OUT/installed-app.xwd"
convert "xwd:$OUT/installed-app.xwd" "$OUT/installed-app.png" && rm -f "$OUT/installed-app.xwd"
cp "$R/home/reviewer/status.json" "$OUT/cli-status.json"
echo "   screenshot of the installed app: $OUT/installed-app.png"

step "1. removal: the service's virtualenv goes, its database stays"
in_root "$R" apt-get remove -y -q reviewer-app reviewer-service > "$OUT/apt-remove.log" 2>&1 \
  || { tail -n 20 "$OUT/apt-remove.log"; fail "apt-get remove"; }
in_root "$R" test ! -e /opt/reviewer-service/venv || fail "the virtualenv survived removal"
in_root "$R" test ! -e /opt/reviewer-app || fail "/opt/reviewer-app survived removal"
in_root "$R" test -f /var/lib/reviewer-service/reviewer-service.sqlite3 \
  || fail "removal deleted the database"
echo "   removed cleanly; /var/lib/reviewer-service kept"
fi

# ================================================================== 2. the README's promise
if [ "${PACKAGE_ONLY:-0}" != 1 ]; then
  F=$TMP/fresh
  step "2. the README's promise: a clean root with only python3 and git ($F)"
  new_root "$F"
  in_root "$F" apt-get update -q -o APT::Sandbox::User=root > "$OUT/fresh-apt.log" 2>&1
  apt_in "$F" python3 git >> "$OUT/fresh-apt.log" 2>&1 || fail "python3 and git"
  first=$(grep -m1 -E '^\s*(sudo )?apt-get install .*\bmake\b' README.md | sed 's/^\s*//; s/^sudo //')
  [ -n "$first" ] || fail "README.md names no 'apt-get install ... make' line"
  echo "   the README's first line: $first"
  in_root "$F" sh -c "$first" >> "$OUT/fresh-apt.log" 2>&1 || fail "the README's line: $first"
  # this clone as it would be committed: tracked and new files, none of the ignored ones
  mkdir -p "$F/root/reviewer"
  git ls-files -z -c -o --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf - | tar -C "$F/root/reviewer" -xf -
  in_root "$F" sh -c 'cd /root/reviewer && git init -q && git add -A && git -c user.name=t \
    -c user.email=t@localhost commit -qm clone' || fail "git in the fresh root"
  # This machine reaches PyPI through a proxy that has its own certificate authority (pip
  # here is told so by $PIP_CERT); the root gets that one bundle the same way, nothing more.
  fresh_env=()
  if [ -n "${PIP_CERT:-}" ] && [ -f "$PIP_CERT" ]; then
    mkdir -p "$F/etc/ssl/certs"
    cp "$PIP_CERT" "$F/etc/ssl/certs/this-machine-ca-bundle.pem"
    fresh_env=(PIP_CERT=/etc/ssl/certs/this-machine-ca-bundle.pem)
    echo "   (pip in the root trusts this machine's CA bundle, as pip here does: PIP_CERT)"
  fi
  step "2. make demo (headless: the tour under Xvfb), as the README says"
  t0=$(date +%s)
  if ! in_root "$F" env "${fresh_env[@]}" sh -c 'cd /root/reviewer && make demo' \
      > "$OUT/fresh-demo.log" 2>&1; then
    tail -n 40 "$OUT/fresh-demo.log"; fail "make demo in the fresh root"
  fi
  shots=$(find "$F/root/reviewer/demo-output" -maxdepth 1 -name '*.png' | wc -l)
  [ "$shots" -gt 0 ] || fail "make demo saved no screenshot"
  echo "   make demo: $shots screenshots in $(( $(date +%s) - t0 )) s (setup included)"
  mkdir -p "$OUT/fresh-demo"
  find "$F/root/reviewer/demo-output" -maxdepth 1 -name '*.png' | sort | head -n 3 \
    | xargs -I{} cp {} "$OUT/fresh-demo/"
  step "2. make test's setup and static checks, up to where pytest starts (collection only)"
  if ! in_root "$F" env "${fresh_env[@]}" sh -c \
      'cd /root/reviewer && make setup && bash scripts/test.sh --collect-only -q' \
      > "$OUT/fresh-test.log" 2>&1; then
    tail -n 40 "$OUT/fresh-test.log"; fail "make test's setup in the fresh root"
  fi
  grep -E '^== |tests? collected|[0-9]+ tests' "$OUT/fresh-test.log" | tail -n 6 | sed 's/^/   /'
fi

# ================================================================== 3. checks of the artefacts
step "3. tests/package: the .deb files and the frozen build"
REVIEWER_PACKAGE_DIST=$ROOT/dist REVIEWER_FROZEN=$ROOT/build/desktop/dist/reviewer-app \
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/package

step "all passed in $(( $(date +%s) - started )) s; screenshots and logs in $OUT"
