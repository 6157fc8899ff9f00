#!/usr/bin/env bash
# `make package`: the frozen desktop build and two .deb files in dist/, with their sizes:
#   reviewer-app_<version>-1_<arch>.deb      the workstation, frozen by PyInstaller, in /opt
#   reviewer-service_<version>-1_<arch>.deb  the review service: wheels (a virtualenv is made
#                                            with Debian's python3 on install), systemd unit,
#                                            settings in /etc, database in /var/lib
# then the benchmark: start to first window, frozen vs `python -m reviewer_app`.
# The frozen build (a few minutes) is reused while nothing it is built from changed;
# FREEZE=1 forces it, FREEZE=0 reuses any earlier one. packaging/README.md says what each
# step makes and why.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK=1

VERSION=$("$PY" -c 'import reviewer_app; print(reviewer_app.__version__)')
DEB_VERSION="$VERSION-1"
ARCH=$(dpkg --print-architecture)
WORK=$ROOT/build/package
FROZEN=$ROOT/build/desktop/dist/reviewer-app
OUT=$ROOT/dist
mkdir -p "$WORK" "$OUT" "$ROOT/build/desktop"
started=$(date +%s)

step() { echo "== package: $*"; }

# ------------------------------------------------------------------ the frozen desktop build
step "icons: resources/icons/*.png are the renderings of reviewer-app.svg"
"$PY" scripts/make_icons.py --check

frozen_inputs() {
  find reviewer_app safeguards ui resources packaging/reviewer-app.spec packaging/entry \
    pyproject.toml -type f -not -path '*/__pycache__/*' -not -path 'reviewer_app/service/*' \
    -newer "$FROZEN/.built" -print -quit
}
if [ "${FREEZE:-}" = 0 ] && [ -f "$FROZEN/.built" ]; then
  step "PyInstaller: reusing $FROZEN as asked (FREEZE=0)"
elif [ "${FREEZE:-}" = 1 ] || [ ! -f "$FROZEN/.built" ] || [ -n "$(frozen_inputs)" ]; then
  step "PyInstaller: one-folder build of reviewer-app + reviewer-cli (a few minutes)"
  t0=$(date +%s)
  "$ROOT/.venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath build/desktop/dist --workpath build/desktop/work packaging/reviewer-app.spec \
    > build/desktop/pyinstaller.log 2>&1 || { tail -n 40 build/desktop/pyinstaller.log; exit 1; }
  touch "$FROZEN/.built"
  echo "   frozen in $(( $(date +%s) - t0 )) s: $(du -sh "$FROZEN" | cut -f1) in $FROZEN"
else
  step "PyInstaller: reusing $FROZEN (nothing it is built from changed; FREEZE=1 rebuilds)"
fi

# ------------------------------------------------------------------ helpers for both .deb files
# Files root-owned (dpkg-deb --root-owner-group), directories 0755, files 0644 or 0755.
normalise_modes() {
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -type f -perm /111 -exec chmod 0755 {} +
  find "$1" -type f ! -perm /111 -exec chmod 0644 {} +
}

# The package's Installed-Size in KiB, as dpkg-gencontrol counts it (plus `extra` KiB).
installed_kib() { echo $(( $(du -sk --exclude=DEBIAN "$1" | cut -f1) + ${2:-0} )); }

write_control() {  # template root installed_kib depends
  "$PY" - "$1" "$2/DEBIAN/control" "$DEB_VERSION" "$ARCH" "$3" "$4" "${PY_MIN:-}" \
    "${PY_NEXT:-}" <<'EOF'
import sys
template, target, *values = sys.argv[1:]
keys = ["DEB_VERSION", "ARCH", "INSTALLED_SIZE", "DEPENDS", "PY_MIN", "PY_NEXT"]
text = open(template).read()
for key, value in zip(keys, values, strict=True):
    text = text.replace(f"@{key}@", value)
if "@" in text.replace("reviewer-app@localhost", ""):
    raise SystemExit(f"package: a placeholder is left in {target}")
open(target, "w").write(text)
EOF
}

# depends.extra: one dependency per line, comments and blank lines ignored.
extra_depends() { grep -v '^\s*\(#\|$\)' "$1" | paste -sd, - | sed 's/,/, /g'; }

md5sums() { (cd "$1" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' \
  | sort -z | xargs -0 md5sum > DEBIAN/md5sums); }

build_deb() {  # root name
  local deb="$OUT/${2}_${DEB_VERSION}_${ARCH}.deb"
  md5sums "$1"
  # xz (Debian's default, smallest) on every core; DEB_COMPRESSION="-Zzstd -z9" builds in seconds
  # (15 % larger) while iterating
  # shellcheck disable=SC2086
  dpkg-deb --root-owner-group ${DEB_COMPRESSION:--Zxz --threads-max=$(nproc)} \
    --build "$1" "$deb" >/dev/null
  echo "$deb"
}

# ------------------------------------------------------------------ reviewer-app.deb
step "reviewer-app.deb: /opt/reviewer-app, launchers, desktop entry, icons, metainfo"
APP=$WORK/reviewer-app/root
rm -rf "$WORK/reviewer-app"; mkdir -p "$APP/DEBIAN" "$APP/opt" "$APP/usr/bin" \
  "$APP/usr/share/applications" "$APP/usr/share/metainfo" "$APP/etc/reviewer-app" \
  "$APP/usr/share/doc/reviewer-app" "$APP/usr/share/icons/hicolor/scalable/apps"
cp -a "$FROZEN" "$APP/opt/reviewer-app"
rm -f "$APP/opt/reviewer-app/.built"
D=packaging/debian/reviewer-app
install -m 0755 "$D/reviewer-app.sh" "$APP/usr/bin/reviewer-app"
install -m 0755 "$D/reviewer-cli.sh" "$APP/usr/bin/reviewer-cli"
install -m 0644 "$D/reviewer-app.conf" "$APP/etc/reviewer-app/reviewer-app.conf"
install -m 0644 resources/reviewer-app.desktop "$APP/usr/share/applications/"
install -m 0644 resources/*.metainfo.xml "$APP/usr/share/metainfo/"
install -m 0644 resources/icons/reviewer-app.svg "$APP/usr/share/icons/hicolor/scalable/apps/"
for png in resources/icons/reviewer-app-*.png; do
  size=${png##*-}; size=${size%.png}
  install -D -m 0644 "$png" "$APP/usr/share/icons/hicolor/${size}x${size}/apps/reviewer-app.png"
done
install -m 0644 packaging/README.md "$APP/usr/share/doc/reviewer-app/README.md"
normalise_modes "$APP"
install -m 0755 "$D/postinst" "$APP/DEBIAN/postinst"
echo /etc/reviewer-app/reviewer-app.conf > "$APP/DEBIAN/conffiles"

# Depends: the Debian packages of every library the frozen ELF files link and the bundle does
# not carry (dpkg-shlibdeps), plus what Qt dlopen()s and the keyring (depends.extra).
shlib=$WORK/reviewer-app/shlibdeps
mkdir -p "$shlib/debian"
printf 'Source: reviewer-app\n\nPackage: reviewer-app\nArchitecture: any\n' \
  > "$shlib/debian/control"
mapfile -t elves < <("$PY" - "$APP/opt/reviewer-app" <<'EOF'
import os, sys
for d, _, files in os.walk(sys.argv[1]):
    for f in files:
        p = os.path.join(d, f)
        if not os.path.islink(p):
            with open(p, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    print(p)
EOF
)
mapfile -t libdirs < <(printf '%s\n' "${elves[@]}" | xargs -n1 dirname | sort -u)
shlibs=$(cd "$shlib" && dpkg-shlibdeps -O --ignore-missing-info \
  "${libdirs[@]/#/-l}" -e "${elves[@]}" 2> "$shlib/warnings.log" \
  | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "package: dpkg-shlibdeps found nothing" >&2; cat "$shlib/warnings.log" >&2; exit 1; }
app_depends=$("$PY" - "$shlibs" "$(extra_depends "$D/depends.extra")" <<'EOF'
"""dpkg-shlibdeps' list, then each extra that names a package not already in it."""
import sys
found = [d.strip() for d in sys.argv[1].split(",") if d.strip()]
names = {d.split()[0] for d in found}
extra = [d.strip() for d in sys.argv[2].split(",")
         if d.strip() and d.split()[0] not in names]
print(", ".join(found + extra))
EOF
)
write_control "$D/control.in" "$APP" "$(installed_kib "$APP")" "$app_depends"
APP_DEB=$(build_deb "$APP" reviewer-app)

# ------------------------------------------------------------------ reviewer-service.deb
step "reviewer-service: a wheel of the core, safeguards and the service (no ui/, no Qt)"
SRC=$WORK/service-src
rm -rf "$SRC" "$WORK/wheels"; mkdir -p "$SRC/resources"
cp -a reviewer_app safeguards "$SRC/"
cp -a resources/policies "$SRC/resources/"
find "$SRC" -name __pycache__ -prune -exec rm -rf {} +
"$PY" - "$SRC/pyproject.toml" <<'EOF'
"""The service's distribution, derived from the root pyproject.toml so the dependency lists
are written once: the core's dependencies plus the `service` extra, and no desktop extra."""
import json
import sys
import tomllib

root = tomllib.load(open("pyproject.toml", "rb"))
project = root["project"]
deps = project["dependencies"] + project["optional-dependencies"]["service"]
if any(d.lower().startswith(("pyside6", "shiboken6")) for d in deps):
    raise SystemExit("package: the service's dependencies name PySide6")
q = json.dumps
text = f"""[build-system]
requires = ["setuptools>=68", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "reviewer-service"
dynamic = ["version"]
description = "The review service of the reviewer workstation"
requires-python = {q(project["requires-python"])}
dependencies = [{", ".join(q(d) for d in deps)}]

[project.scripts]
reviewer-service = "reviewer_app.service.__main__:main"

[tool.setuptools.dynamic]
version = {{ attr = "reviewer_app.__version__" }}

[tool.setuptools.packages.find]
include = ["reviewer_app*", "safeguards*", "resources.policies"]

[tool.setuptools.package-data]
"resources.policies" = ["*.toml"]
"reviewer_app.service" = ["migrations/*.ini", "migrations/*.py", "migrations/versions/*.py"]
"reviewer_app.store" = ["migrations/*.ini", "migrations/*.py", "migrations/versions/*.py"]
"""
open(sys.argv[1], "w").write(text)
EOF
step "reviewer-service: wheels of it and of everything it depends on (cp311, $ARCH)"
"$ROOT/.venv/bin/pip" wheel -q --prefer-binary --wheel-dir "$WORK/wheels" "$SRC" \
  > "$WORK/pip-wheel.log" 2>&1 || { tail -n 30 "$WORK/pip-wheel.log"; exit 1; }
if ls "$WORK/wheels" | grep -iE '^(pyside6|shiboken6)' >/dev/null; then
  echo "package: a Qt wheel is among the service's wheels" >&2; exit 1
fi

step "reviewer-service: trial install of the wheels, offline, into a throwaway virtualenv"
trial=$WORK/trial-venv
rm -rf "$trial"
"$(readlink -f "$PY")" -m venv "$trial"
env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$trial/bin/pip" install -q --no-index --find-links "$WORK/wheels" \
  "reviewer-service==$VERSION"
"$trial/bin/reviewer-service" --version
if "$trial/bin/python" -c 'import PySide6' 2>/dev/null; then
  echo "package: PySide6 is importable in the service's virtualenv" >&2; exit 1
fi
venv_kib=$(du -sk "$trial" | cut -f1)
PY_MIN=$("$trial/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
PY_NEXT=$("$trial/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1] + 1}")')
export PY_MIN PY_NEXT

step "reviewer-service.deb: wheels, systemd unit, settings, postinst (user, venv, migrate)"
SVC=$WORK/reviewer-service/root
D=packaging/debian/reviewer-service
rm -rf "$WORK/reviewer-service"
mkdir -p "$SVC/DEBIAN" "$SVC/opt/reviewer-service" "$SVC/lib/systemd/system" \
  "$SVC/etc/reviewer-service" "$SVC/usr/bin" "$SVC/usr/share/doc/reviewer-service"
cp -a "$WORK/wheels" "$SVC/opt/reviewer-service/wheels"
echo "reviewer-service==$VERSION" > "$SVC/opt/reviewer-service/requirement.txt"
install -m 0644 "$D/reviewer-service.service" "$SVC/lib/systemd/system/"
install -m 0644 "$D/reviewer-service.toml" "$SVC/etc/reviewer-service/"
install -m 0755 "$D/reviewer-service.sh" "$SVC/usr/bin/reviewer-service"
install -m 0644 packaging/README.md "$SVC/usr/share/doc/reviewer-service/README.md"
normalise_modes "$SVC"
chmod 0640 "$SVC/etc/reviewer-service/reviewer-service.toml"  # may hold a database password
for script in postinst prerm postrm; do install -m 0755 "$D/$script" "$SVC/DEBIAN/$script"; done
install -m 0644 "$D/conffiles" "$SVC/DEBIAN/conffiles"
write_control "$D/control.in" "$SVC" "$(installed_kib "$SVC" "$venv_kib")" \
  "$(extra_depends "$D/depends.extra")"
SVC_DEB=$(build_deb "$SVC" reviewer-service)
rm -rf "$trial"

# ------------------------------------------------------------------ sizes and the benchmark
step "built in $(( $(date +%s) - started )) s (version $VERSION)"
for deb in "$APP_DEB" "$SVC_DEB"; do
  awk -v name="$(basename "$deb")" -v bytes="$(stat -c %s "$deb")" \
      -v kib="$(dpkg-deb -f "$deb" Installed-Size)" \
      'BEGIN { printf "   %-46s %7.1f MiB, installed %7.1f MiB\n", name, bytes / 1048576, kib / 1024 }'
done
echo "   (reviewer-service's installed size includes its virtualenv, $(( venv_kib / 1024 )) MiB, made on install)"
if [ "${BENCH:-1}" = 1 ]; then
  step "benchmark: start to first window, frozen vs python -m (under Xvfb, same run)"
  bench_home=$(mktemp -d)  # a throwaway HOME with its own unlocked keyring
  mkdir -m 700 "$bench_home/run"
  HOME=$bench_home XDG_RUNTIME_DIR=$bench_home/run dbus-run-session -- sh -c '
    echo -n bench-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"' bench "$PY" scripts/bench_package.py --frozen "$FROZEN/reviewer-app" \
    --debs "$APP_DEB" "$SVC_DEB" --json "$WORK/bench.json" 2> >(grep -v 'fd limit' >&2)
  rm -rf "$bench_home"
fi
