#!/usr/bin/env bash
# Build (or reuse) the matrix roots:  setup_root.sh [suite...]   (default: $REE_MATRIX_SUITES = "trixie sid")
#
# For each suite:
#   1. root  : debootstrap --variant=minbase from THIS machine's Debian mirror (read from its apt
#              sources), then apt-get install --no-install-recommends $ROOT_PACKAGES. Built in
#              <root>.partial and renamed when complete, so an interrupted build never looks complete.
#              Skipped when <root>/.ree-root-stamp exists.
#   2. venv  : the Debian packages named on the `# apt:` lines of requirements-<suite>.txt (the native
#              geo libraries pyproj, shapely, pyogrio, rasterio, geopandas, built on the root's own
#              GDAL/PROJ/GEOS, which qgis_process has loaded: bundled copies in wheels clash with them),
#              installed with apt-get; then /opt/ree-venv from the root's /usr/bin/python3 with
#              --system-site-packages and the file's pip pins (wheels only, except names given to
#              --no-binary in the file: built without isolation, with the root's numpy and the build
#              tools on the apt lines), checked by check_venv.py (no bundled GDAL/PROJ/GEOS, no pip
#              numpy/GDAL/QGIS, the same library versions as QGIS, deps.REQUIRED satisfied).
#              Redone only when the requirements file changes (hash in /opt/ree-venv/.ree-venv-stamp).
# Build times go to <root>/.ree-build-times. A per-suite flock makes concurrent runs safe.
# REE_MATRIX_REBUILD=1 forces a rebuild of the root; REE_MATRIX_REBUILD=venv only of the venv;
# REE_MATRIX_MAX_AGE_DAYS=N rebuilds roots older than N days (default: never).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ "$(id -u)" = 0 ] || die "setup_root.sh needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
RUN="$MATRIX_DIR/run_in_root.sh"
# be gentle with the shared cores
NICE=(nice -n 10)
command -v ionice >/dev/null && NICE+=(ionice -c 3)

build_root() {
    local suite="$1" R="$2" mirror part t0 t1
    mirror="$(host_mirror)"
    part="$R.partial"
    log "$suite: building root from $mirror (debootstrap minbase + $ROOT_PACKAGES)"
    t0=$(date +%s)
    rm -rf "$part"
    mkdir -p "$MATRIX_CACHE"
    # debootstrap mounts /proc etc. itself; a private mount namespace guarantees nothing is left behind
    "${NICE[@]}" unshare --mount --propagation private -- \
        debootstrap --variant=minbase --components=main --include=ca-certificates \
        "$suite" "$part" "$mirror" >"$MATRIX_CACHE/$suite.debootstrap.log" 2>&1 \
        || { tail -n 30 "$MATRIX_CACHE/$suite.debootstrap.log" >&2; die "$suite: debootstrap failed (log: $MATRIX_CACHE/$suite.debootstrap.log)"; }
    printf 'deb %s %s main\n' "$mirror" "$suite" >"$part/etc/apt/sources.list"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$part/etc/apt/apt.conf.d/90ree-norecommends"
    # carry over the host's apt date checks (a host whose mirror is a frozen snapshot turns them off)
    apt-config dump 2>/dev/null | grep -E '^Acquire::Check-(Valid-Until|Date) ' >"$part/etc/apt/apt.conf.d/80ree-host-checks" || true
    printf '#!/bin/sh\nexit 101\n' >"$part/usr/sbin/policy-rc.d"; chmod +x "$part/usr/sbin/policy-rc.d"
    # shellcheck disable=SC2086
    "${NICE[@]}" "$RUN" "$part" sh -c "apt-get update -q && apt-get install -y -q $ROOT_PACKAGES && apt-get clean" \
        >"$MATRIX_CACHE/$suite.apt.log" 2>&1 \
        || { tail -n 30 "$MATRIX_CACHE/$suite.apt.log" >&2; die "$suite: apt-get install failed (log: $MATRIX_CACHE/$suite.apt.log)"; }
    t1=$(date +%s)
    {
        echo "suite=$suite"
        echo "mirror=$mirror"
        echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "root_seconds=$((t1 - t0))"
        chroot "$part" dpkg-query -W -f='pkg:${Package}=${Version}\n' python3 python3-qgis qgis python3-numpy python3-gdal 2>/dev/null || true
    } >"$part/$ROOT_STAMP"
    cp "$part/$ROOT_STAMP" "$part/.ree-build-times"
    rm -rf "$R"
    mv "$part" "$R"
    log "$suite: root built in $((t1 - t0)) s ($(du -sh "$R" 2>/dev/null | cut -f1))"
}

build_venv() {
    local suite="$1" R="$2" req hash apt_pkgs t0 t1
    req="$(requirements_file "$suite")"
    [ -f "$req" ] || die "$suite: no requirements file $req"
    hash="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ "${REE_MATRIX_REBUILD:-}" != venv ] && [ "$(cat "$R$VENV_STAMP" 2>/dev/null)" = "$hash" ]; then
        log "$suite: venv up to date"
        return
    fi
    # Debian packages of this suite: every "# apt: pkg pkg ..." line of the requirements file
    apt_pkgs="$(sed -n 's/^#[[:space:]]*apt:[[:space:]]*//p' "$req" | tr -s ' \n' '  ' | sed 's/ *$//')"
    case "$apt_pkgs" in *[!a-z0-9.+:\ -]*) die "$suite: bad package name on an '# apt:' line of $req" ;; esac
    log "$suite: building venv $VENV_IN_ROOT (--system-site-packages) from $(basename "$req")${apt_pkgs:+; apt: $apt_pkgs}"
    t0=$(date +%s)
    rm -f "$R$VENV_STAMP"
    "${NICE[@]}" "$RUN" "$suite" sh -ec "
        if [ -n '$apt_pkgs' ]; then
            apt-get update -q
            apt-get install -y -q $apt_pkgs
            apt-get clean
        fi
        rm -rf '$VENV_IN_ROOT'
        /usr/bin/python3 -m venv --system-site-packages '$VENV_IN_ROOT'
        # wheels, except names the file gives to --no-binary: those are compiled against the root's
        # GDAL/GEOS/numpy with the root's build tools (no isolation: no pip numpy/Cython in the build)
        '$VENV_IN_ROOT/bin/python' -m pip install -q --no-cache-dir --only-binary=:all: --no-build-isolation -r '$req'
        # numpy, GDAL, QGIS from Debian; geo libraries on the root's GDAL/PROJ/GEOS, no bundled copies
        '$VENV_IN_ROOT/bin/python' '$MATRIX_DIR/check_venv.py'
    " >"$MATRIX_CACHE/$suite.venv.log" 2>&1 \
        || { tail -n 30 "$MATRIX_CACHE/$suite.venv.log" >&2; die "$suite: venv failed (log: $MATRIX_CACHE/$suite.venv.log)"; }
    printf '%s\n' "$hash" >"$R$VENV_STAMP"
    t1=$(date +%s)
    sed -i -e '/^venv_seconds=/d' -e '/^apt:/d' "$R/.ree-build-times"
    echo "venv_seconds=$((t1 - t0))" >>"$R/.ree-build-times"
    # shellcheck disable=SC2086
    [ -z "$apt_pkgs" ] || chroot "$R" dpkg-query -W -f='apt:${Package}=${Version}\n' $apt_pkgs >>"$R/.ree-build-times" 2>/dev/null || true
    log "$suite: venv built in $((t1 - t0)) s"
}

setup_suite() {
    local suite="$1" R
    R="$(root_dir "$suite")"
    mkdir -p "$MATRIX_CACHE"
    exec 9>"$MATRIX_CACHE/.$suite.lock"
    flock 9
    if [ "${REE_MATRIX_REBUILD:-}" = 1 ]; then rm -f "$R/$ROOT_STAMP"; fi
    # optional refresh of old roots (sid moves daily): REE_MATRIX_MAX_AGE_DAYS=14
    if [ -n "${REE_MATRIX_MAX_AGE_DAYS:-}" ] && [ -f "$R/$ROOT_STAMP" ] \
        && [ -n "$(find "$R/$ROOT_STAMP" -mtime "+$REE_MATRIX_MAX_AGE_DAYS")" ]; then
        log "$suite: root older than $REE_MATRIX_MAX_AGE_DAYS days: rebuilding"
        rm -f "$R/$ROOT_STAMP"
    fi
    if [ -f "$R/$ROOT_STAMP" ]; then
        log "$suite: root cached at $R"
    else
        build_root "$suite" "$R"
    fi
    build_venv "$suite" "$R"
    flock -u 9
}

suites=("$@")
[ ${#suites[@]} -gt 0 ] || read -r -a suites <<<"$MATRIX_SUITES"
for s in "${suites[@]}"; do
    setup_suite "$s"
done
