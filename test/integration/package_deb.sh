#!/usr/bin/env bash
# The Debian package (issue 5), as an operator gets it:
#   - built from this build tree with CPack (packaging/build-deb.sh --from-build);
#   - lintian reports no error; the control file, the file list and modes,
#     the maintainer scripts and the unit are what they should be;
#     systemd-analyze verify accepts the unit;
#   - installed with dpkg into a throw-away root (dpkg --root, maintainer
#     scripts run chrootless): the service user is created, the unit enabled;
#   - the installed xfctl runs `init --system` there and the installed xfnode
#     starts on what it wrote;
#   - a reinstall (the upgrade path) and a purge leave configuration and data
#     byte for byte as they were; a database from a newer xfnode stops the
#     upgrade in preinst, before anything is unpacked.
# Needs dpkg-dev, lintian, systemd and fakeroot (tools/dev.sh installs them).
set -euo pipefail
SRC=${XF_SOURCE_DIR:?set by ctest}
BUILD=${XF_BUILD_DIR:?set by ctest}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xfpkg.XXXXXX")
NODE_PID=
cleanup() {
  if [ -n "$NODE_PID" ]; then kill "$NODE_PID" 2>/dev/null || true; fi
  [ -n "${XF_KEEP_TEST_DIRS:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

for tool in dpkg dpkg-deb lintian systemd-analyze sqlite3 od; do
  command -v "$tool" >/dev/null || fail "$tool is missing (bash tools/dev.sh deps installs it)"
done
AS_ROOT=1
DPKG=(dpkg)
if [ "$(id -u)" -ne 0 ]; then
  command -v fakeroot >/dev/null || fail "fakeroot is missing (bash tools/dev.sh deps installs it)"
  AS_ROOT=0
  DPKG=(fakeroot dpkg --force-not-root)
fi

if grep -Eq '^XF_(SANITIZE|TSAN):BOOL=ON$' "$BUILD/CMakeCache.txt"; then
  echo "skipped: a sanitizer build is not packaged (tools/dev.sh test checks the package)"
  exit 0
fi

step "build the package"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
if [ "$prefix" = /usr ]; then
  DEB=$(bash "$SRC/packaging/build-deb.sh" --from-build "$BUILD" --out "$WORK/deb" 2>"$WORK/cpack.log" | tail -n 1) ||
    { cat "$WORK/cpack.log"; fail "cpack failed"; }
else
  # A tree configured before /usr became the default prefix: a tree of its own.
  echo "$BUILD has CMAKE_INSTALL_PREFIX=$prefix; building a package tree in $BUILD/package-tree"
  DEB=$(bash "$SRC/packaging/build-deb.sh" --build-dir "$BUILD/package-tree" --out "$WORK/deb" 2>"$WORK/cpack.log" | tail -n 1) ||
    { cat "$WORK/cpack.log"; fail "build-deb.sh failed"; }
  BUILD=$BUILD/package-tree
fi
[ -f "$DEB" ] || fail "no package built ($DEB)"
echo "$DEB"

step "lintian: no errors"
lintian --fail-on error --tag-display-limit 0 "$DEB" 2>&1 | grep -v '^running with root privileges' | tee "$WORK/lintian.txt" ||
  fail "lintian reports errors"
if grep -q '^E:' "$WORK/lintian.txt"; then fail "lintian reports errors"; fi

step "control file"
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = xfnode ] || fail "Package: $(field Package)"
version=$(sed -n 's/^project(xfnode VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[ "$(field Version)" = "$version-1" ] || fail "Version: $(field Version), expected $version-1"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture: $(field Architecture)"
depends=$(field Depends)
echo "Depends: $depends"
depends_on() { echo "$depends" | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | grep -qxF "$1"; }
for lib in adduser libc6 libstdc++6 libsqlite3-0 libssl3 libxml2 libyaml-cpp0.7 libzstd1 libboost-json1.81.0; do
  depends_on "$lib" || fail "Depends lacks $lib"
done
# Every library the binaries link directly comes from a package in Depends.
owner_of() {  # a library path → the package that ships it (usrmerge: /lib is /usr/lib)
  local real o p
  real=$(readlink -f "$1")
  for p in "$1" "$real" "${real#/usr}" "/usr$1"; do
    o=$(dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1)
    if [ -n "$o" ]; then
      echo "$o"
      return
    fi
  done
}
dpkg-deb -x "$DEB" "$WORK/x"
for bin in xfnode xfctl; do
  f=$WORK/x/usr/bin/$bin
  if file "$f" | grep -q 'not stripped'; then fail "$bin is not stripped"; fi
  if ldd "$f" | grep -q 'not found'; then fail "$bin needs a library that is not installed"; fi
  for soname in $(objdump -p "$f" | awk '$1 == "NEEDED" {print $2}'); do
    so=$(ldd "$f" | awk -v n="$soname" '$1 == n {print $3}')
    pkg=$(owner_of "$so")
    [ -n "$pkg" ] || fail "$bin: no package ships $so"
    depends_on "$pkg" || fail "$bin links $soname from $pkg, which is not in Depends"
  done
done

step "maintainer scripts"
dpkg-deb -e "$DEB" "$WORK/control"
for script in preinst postinst prerm postrm; do
  f=$WORK/control/$script
  [ -f "$f" ] || fail "no $script"
  [ "$(stat -c %a "$f")" = 755 ] || fail "$script has mode $(stat -c %a "$f")"
  [ "$(head -n 1 "$f")" = "#!/bin/sh" ] || fail "$script does not start with #!/bin/sh"
  grep -q '^set -e$' "$f" || fail "$script lacks set -e"
  sh -n "$f" || fail "$script: syntax error"
  if command -v dash >/dev/null; then dash -n "$f" || fail "$script: not POSIX sh"; fi
  # Data and configuration are never removed.
  if grep -Eq 'rm +-[a-zA-Z]*r|deluser|delgroup|userdel' "$f"; then fail "$script deletes something"; fi
done
known=$("$BUILD/packaging/xf_schema_version")
grep -q "^known=$known\$" "$WORK/control/preinst" || fail "preinst does not know schema version $known"
grep -q 'adduser --quiet --system --group' "$WORK/control/postinst" || fail "postinst does not create the user"

step "files and modes"
dpkg-deb -c "$DEB" >"$WORK/contents.txt"
# Only /usr: the package ships no configuration and no data.
if awk '{print $6}' "$WORK/contents.txt" | grep -v '^\./usr/' | grep -qv '^\./$'; then
  fail "files outside /usr: $(awk '{print $6}' "$WORK/contents.txt" | grep -v '^\./usr/' | grep -v '^\./$' | head -n 3)"
fi
if awk '{print $2}' "$WORK/contents.txt" | grep -qv '^root/root$'; then fail "a file not owned by root/root"; fi
expect() {  # mode path
  grep -Eq "^$1 root/root +[0-9]+ [0-9-]+ [0-9:]+ \./$2\$" "$WORK/contents.txt" || fail "missing or wrong mode: $1 $2"
}
expect -rwxr-xr-x usr/bin/xfnode
expect -rwxr-xr-x usr/bin/xfctl
expect -rw-r--r-- usr/lib/systemd/system/xfnode.service
expect -rw-r--r-- usr/share/xfnode/codes/division.csv
expect -rw-r--r-- usr/share/xfnode/codes/VERSION
expect -rw-r--r-- usr/share/xfnode/schema/xfnode.xsd
expect -rw-r--r-- usr/share/xfnode/samples/cases/valid/letter-village-assets.json
expect -rw-r--r-- usr/share/xfnode/samples/blobs/7987561696fd96d317d0726c0463134f139a0f0f15568aa642678442e69ff3bd
expect -rw-r--r-- usr/share/doc/xfnode/examples/county.yaml
expect -rw-r--r-- usr/share/doc/xfnode/copyright
expect -rw-r--r-- usr/share/doc/xfnode/changelog.Debian.gz
expect -rw-r--r-- usr/share/doc/xfnode/README.Debian
expect -rw-r--r-- usr/share/man/man8/xfnode.8.gz
expect -rw-r--r-- usr/share/man/man8/xfctl.8.gz
if grep -E '^d' "$WORK/contents.txt" | grep -qv '^drwxr-xr-x'; then fail "a directory is not 0755"; fi
for f in "$SRC"/codes/data/*.csv; do expect -rw-r--r-- "usr/share/xfnode/codes/$(basename "$f")"; done
for f in "$SRC"/conf/*.yaml; do expect -rw-r--r-- "usr/share/doc/xfnode/examples/$(basename "$f")"; done

step "the unit"
unit=$WORK/x/usr/lib/systemd/system/xfnode.service
for line in 'User=xfnode' 'Group=xfnode' 'StateDirectory=xfnode' 'ExecStart=/usr/bin/xfnode --config /etc/xfnode/xfnode.yaml' \
  'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
  'CapabilityBoundingSet=' 'ConditionPathExists=/etc/xfnode/xfnode.yaml' 'WantedBy=multi-user.target'; do
  grep -qxF "$line" "$unit" || fail "the unit lacks $line"
done
# Verified against the binary it names, in the unpacked tree (this host has no /usr/bin/xfnode).
mkdir -p "$WORK/verify"
sed "s|^ExecStart=/usr/bin/xfnode|ExecStart=$WORK/x/usr/bin/xfnode|" "$unit" >"$WORK/verify/xfnode.service"
if ! systemd-analyze verify --man=no "$WORK/verify/xfnode.service" >"$WORK/verify.txt" 2>&1 || [ -s "$WORK/verify.txt" ]; then
  cat "$WORK/verify.txt"
  fail "systemd-analyze verify does not accept the unit"
fi
echo "systemd-analyze verify: ok"
systemd-analyze security --offline=yes "$WORK/verify/xfnode.service" 2>/dev/null | tail -n 1 || true

step "install into a throw-away root"
R=$WORK/root
mkdir -p "$R/etc" "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" "$R/var/log"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$R/etc/shadow"
printf 'root:*::\n' >"$R/etc/gshadow"
chmod 640 "$R/etc/shadow" "$R/etc/gshadow"
# Chrootless: the scripts run with DPKG_ROOT=$R; its libraries are this host's.
dpkg_root() { "${DPKG[@]}" --root="$R" --force-script-chrootless --force-depends --log="$WORK/dpkg.log" "$@"; }
dpkg_root -i "$DEB" >"$WORK/install.txt" 2>&1 || { cat "$WORK/install.txt"; fail "dpkg -i failed"; }
dpkg_root -s xfnode | grep -q '^Status: install ok installed$' || fail "xfnode is not installed in the root"
grep -q '^xfnode:x:[0-9]*:[0-9]*:[^:]*:/var/lib/xfnode:/usr/sbin/nologin$' "$R/etc/passwd" || fail "no service user: $(cat "$R/etc/passwd")"
grep -q '^xfnode:' "$R/etc/group" || fail "no group xfnode"
uid=$(awk -F: '$1 == "xfnode" {print $3}' "$R/etc/passwd")
[ "$uid" -lt 1000 ] || fail "xfnode is not a system user (uid $uid)"
[ -L "$R/etc/systemd/system/multi-user.target.wants/xfnode.service" ] || fail "the unit is not enabled"
if [ -e "$R/etc/xfnode" ] || [ -e "$R/var/lib/xfnode" ]; then fail "the package created configuration or data"; fi
[ "$(stat -c %a "$R/usr/bin/xfnode")" = 755 ] || fail "installed xfnode has mode $(stat -c %a "$R/usr/bin/xfnode")"

step "xfctl init --system, then the installed xfnode starts"
# Owners: a user of this host stands in for xfnode (the root's passwd is not this host's).
svc_user=xfnode
getent passwd xfnode >/dev/null || svc_user=daemon
"$R/usr/bin/xfctl" init --system --root "$R" --user "$svc_user" --node-id 110105 --name 北京市朝阳区信访局 \
  --api-port 0 --exchange-port 0 >"$WORK/init.txt" 2>&1 || { cat "$WORK/init.txt"; fail "xfctl init --system failed"; }
cat "$WORK/init.txt"
"$R/usr/bin/xfctl" init --system --root "$R" --node-id 110105 >"$WORK/init2.txt" 2>&1 &&
  fail "a second init replaced the node's keys"
grep -q '已存在；不会替换节点的密钥' "$WORK/init2.txt" || fail "a second init did not say why it refused (in Chinese)"
modes() {  # path mode [owner:group]
  [ "$(stat -c %a "$R$1")" = "$2" ] || fail "$1 has mode $(stat -c %a "$R$1"), expected $2"
  if [ -n "${3:-}" ] && [ "$AS_ROOT" = 1 ]; then
    [ "$(stat -c %U:%G "$R$1")" = "$3" ] || fail "$1 is owned by $(stat -c %U:%G "$R$1"), expected $3"
  fi
}
g=$(id -gn "$svc_user")
[ "$AS_ROOT" = 1 ] || echo "not root: owners are not checked, only modes"
modes /etc/xfnode 750 "root:$g"
modes /etc/xfnode/xfnode.yaml 640 "root:$g"
modes /etc/xfnode/api.token 640 "root:$g"
modes /etc/xfnode/keys 750 "root:$g"
modes /etc/xfnode/keys/signing.key 600 "$svc_user:$g"
modes /etc/xfnode/keys/tls.key 600 "$svc_user:$g"
modes /etc/xfnode/keys/signing.pub 644
modes /etc/xfnode/keys/tls.crt 644
modes /var/lib/xfnode 750 "$svc_user:$g"
grep -qx "data_dir: $R/var/lib/xfnode" "$R/etc/xfnode/xfnode.yaml" || fail "the config does not name the data dir"
grep -qx "  key: $R/etc/xfnode/keys/signing.key" "$R/etc/xfnode/xfnode.yaml" || fail "the config does not name the key"

XF_CODES_DIR=$R/usr/share/xfnode/codes "$R/usr/bin/xfnode" --config "$R/etc/xfnode/xfnode.yaml" >"$WORK/xfnode.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 200); do
  [ -s "$R/var/lib/xfnode/api.url" ] && "$R/usr/bin/xfctl" status --config "$R/etc/xfnode/xfnode.yaml" >"$WORK/status.txt" 2>&1 && break
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$WORK/xfnode.log"; fail "the installed xfnode stopped"; }
  sleep 0.1
done
grep -q 110105 "$WORK/status.txt" || { cat "$WORK/xfnode.log" "$WORK/status.txt"; fail "xfctl status does not answer"; }
# A sample case from the package, checked against the package's code tables,
# its attachment uploaded first (a case is registered only with it held: R6).
"$R/usr/bin/xfctl" case add "$R/usr/share/xfnode/samples/cases/valid/visit-property-fee.json" \
  --blobs "$R/usr/share/xfnode/samples/blobs" \
  --config "$R/etc/xfnode/xfnode.yaml" || fail "the installed node refused a sample case"
"$R/usr/bin/xfctl" backup "$WORK/backup" --config "$R/etc/xfnode/xfnode.yaml" >"$WORK/backup.txt" ||
  fail "xfctl backup of the installed node failed"
grep -Eq '信访件 +1$' "$WORK/backup.txt" || { cat "$WORK/backup.txt"; fail "the backup does not hold the case"; }
kill "$NODE_PID"
wait "$NODE_PID" || true
NODE_PID=

state() {  # every file of the node's configuration and data: mode, owner, hash
  (cd "$R" && find etc/xfnode var/lib/xfnode -printf '%p %m %u:%g\n' | sort &&
    find etc/xfnode var/lib/xfnode -type f -exec sha256sum {} + | sort)
}
state >"$WORK/state.before"

step "reinstall (the upgrade path) keeps configuration and data"
dpkg_root -i "$DEB" >"$WORK/reinstall.txt" 2>&1 || { cat "$WORK/reinstall.txt"; fail "reinstall failed"; }
state >"$WORK/state.after"
diff "$WORK/state.before" "$WORK/state.after" || fail "the reinstall changed configuration or data"
[ "$(grep -c '^xfnode:' "$R/etc/passwd")" = 1 ] || fail "the service user was created twice"

step "a database from a newer xfnode stops the upgrade before anything is unpacked"
db=$R/var/lib/xfnode/xfnode.db
sqlite3 "$db" "PRAGMA user_version = $((known + 1));"
state >"$WORK/state.newer"
if dpkg_root -i "$DEB" >"$WORK/downgrade.txt" 2>&1; then
  cat "$WORK/downgrade.txt"
  fail "dpkg installed over a database from a newer xfnode"
fi
grep -q "newer xfnode" "$WORK/downgrade.txt" || { cat "$WORK/downgrade.txt"; fail "no clear message"; }
grep -q "拒绝降级" "$WORK/downgrade.txt" || { cat "$WORK/downgrade.txt"; fail "no message in Chinese"; }
grep 'xfnode:' "$WORK/downgrade.txt" | head -n 3
state >"$WORK/state.refused"
diff "$WORK/state.newer" "$WORK/state.refused" || fail "the refused upgrade changed configuration or data"
dpkg_root -s xfnode | grep -q '^Status: install ok installed$' || fail "the installed version was lost"
sqlite3 "$db" "PRAGMA user_version = $known;"
state >"$WORK/state.before"

step "purge keeps configuration, data and the user"
dpkg_root --purge xfnode >"$WORK/purge.txt" 2>&1 || { cat "$WORK/purge.txt"; fail "purge failed"; }
grep -q 'kept /var/lib/xfnode' "$WORK/purge.txt" || fail "purge did not say it kept the data"
grep -q '保留了 /var/lib/xfnode' "$WORK/purge.txt" || fail "purge did not say it in Chinese"
[ ! -e "$R/usr/bin/xfnode" ] || fail "purge left /usr/bin/xfnode"
state >"$WORK/state.after"
diff "$WORK/state.before" "$WORK/state.after" || fail "purge changed configuration or data"
grep -q '^xfnode:' "$R/etc/passwd" || fail "purge removed the service user"

echo "package: ok"
