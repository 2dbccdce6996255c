#!/usr/bin/env bash
# Run a command inside a matrix root:  run_in_root.sh <suite|/path/to/root> <command> [args...]
#
# Mounts /proc, /sys, /dev (+pts, shm), a private /tmp and the repository (bind, at the same
# absolute path as on the host, so .pkg/ree_damage -> <repo> resolves inside too; its .qgis-settings
# is a private tmpfs) in a PRIVATE
# mount namespace (unshare -m): when the command ends, the namespace and every mount in it are gone,
# even if this script is killed. An EXIT trap also unmounts in order, for tidiness.
# The environment is reset; only a few variables are passed (proxy settings, REE_*, QT_QPA_PLATFORM),
# and the host's CA bundle is copied in as /etc/ree-host-ca.crt for pip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ "$(id -u)" = 0 ] || die "run_in_root.sh needs root (chroot, mounts)"
[ $# -ge 2 ] || die "usage: run_in_root.sh <suite|root-path> <command> [args...]"

target="$1"; shift
case "$target" in
    */*) R="$target" ;;
    *) R="$(root_dir "$target")"
       [ -f "$R/$ROOT_STAMP" ] || die "root $R is not built: run 'make setup-matrix' (scripts/matrix/setup_root.sh $target)" ;;
esac
[ -x "$R/bin/sh" ] || die "$R is not a root file system"

if [ "${REE_MATRIX_IN_NS:-}" != "$R" ]; then
    export REE_MATRIX_IN_NS="$R"
    exec unshare --mount --propagation private -- "$0" "$R" "$@"
fi

mounted=()
cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -R "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT
do_mount() {  # do_mount <target> <mount args...>
    local dst="$1"; shift
    mkdir -p "$dst"
    mount "$@" "$dst"
    mounted+=("$dst")
}

do_mount "$R/proc" -t proc proc
do_mount "$R/sys" --rbind /sys
do_mount "$R/dev" --rbind /dev
do_mount "$R/tmp" -t tmpfs -o mode=1777 tmpfs
do_mount "$R$REPO_DIR" --bind "$REPO_DIR"
# pytest-qgis >= 3 keeps its QGIS profile in <repo>/.qgis-settings and exports it to child processes
# (QGIS_CUSTOM_CONFIG_PATH), so qgis_process started by tests/qgis uses it too: a fresh one per run,
# never shared between the suites, the host and other checkouts' runs
mkdir -p "$REPO_DIR/.qgis-settings"
do_mount "$R$REPO_DIR/.qgis-settings" -t tmpfs -o mode=0755 tmpfs
# name resolution for pip / apt inside the root
if [ -e /etc/resolv.conf ]; then
    rm -f "$R/etc/resolv.conf"
    cp -L /etc/resolv.conf "$R/etc/resolv.conf"
fi

# the host's CA bundle (it may trust a TLS-intercepting proxy the root's own bundle does not know)
host_ca="${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
ca_envs=()
if [ -r "$host_ca" ]; then
    cp -L "$host_ca" "$R/etc/ree-host-ca.crt"
    ca_envs=(PIP_CERT=/etc/ree-host-ca.crt SSL_CERT_FILE=/etc/ree-host-ca.crt REQUESTS_CA_BUNDLE=/etc/ree-host-ca.crt)
fi

envs=("${ca_envs[@]}" HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
      DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
      QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" REE_REPO="$REPO_DIR" REE_VENV="$VENV_IN_ROOT")
# as inside QGIS (sys.prefix /usr): a Debian pyproj in the venv finds the system PROJ data
[ -d "$R/usr/share/proj" ] && envs+=(PROJ_DATA=/usr/share/proj)
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY PIP_INDEX_URL PIP_DEFAULT_TIMEOUT \
         REE_SMOKE_ONLY REE_PYTEST_ARGS CI; do
    [ -n "${!v:-}" ] && envs+=("$v=${!v}")
done

set +e
chroot "$R" /usr/bin/env -i -C "$REPO_DIR" "${envs[@]}" "$@"
rc=$?
set -e
exit "$rc"
