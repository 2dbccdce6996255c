# shellcheck shell=bash
# Shared settings of the QGIS version matrix (sourced by setup_root.sh, run_in_root.sh, matrix.sh).
#
# Roots live OUTSIDE the repository (CI runs in a fresh clone), one per Debian suite:
#   ${REE_MATRIX_CACHE:-/var/cache/ree_damage/matrix}/<suite>
# A root is complete when <root>/.ree-root-stamp exists; its venv when /opt/ree-venv/.ree-venv-stamp
# holds the hash of the suite's requirements file.

MATRIX_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$MATRIX_DIR/../.." && pwd)"
MATRIX_CACHE="${REE_MATRIX_CACHE:-/var/cache/ree_damage/matrix}"
MATRIX_SUITES="${REE_MATRIX_SUITES:-trixie sid}"
ROOT_STAMP=".ree-root-stamp"
VENV_IN_ROOT="/opt/ree-venv"
VENV_STAMP="$VENV_IN_ROOT/.ree-venv-stamp"

# Debian packages of every root (no recommends): QGIS Python bindings, providers, qgis_process.
ROOT_PACKAGES="python3-qgis qgis-providers qgis python3-venv python3-pip ca-certificates"

log() { printf '[matrix %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

root_dir() { printf '%s/%s\n' "$MATRIX_CACHE" "$1"; }

# The Debian mirror of this machine, read from its apt sources at run time (never hard-coded).
# REE_MATRIX_MIRROR overrides it. Prints e.g. http://<host>/debian
host_mirror() {
    if [ -n "${REE_MATRIX_MIRROR:-}" ]; then
        printf '%s\n' "$REE_MATRIX_MIRROR"
        return
    fi
    local files=() f uri
    [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ "${#files[@]}" -gt 0 ] || die "no apt sources found"
    # one-line format: deb [opts] URI suite comps ; deb822: URIs: URI ...
    uri="$(awk '
        /^[[:space:]]*#/ { next }
        /^[[:space:]]*deb[[:space:]]/ {
            for (i = 2; i <= NF; i++) { if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; continue } print $i; break }
        }
        /^[[:space:]]*URIs:/ { for (i = 2; i <= NF; i++) print $i }
    ' "${files[@]}" | sed 's:/*$::' | grep -E '^(https?|file)://.*/debian$' | head -n 1)"
    [ -n "$uri" ] || die "no Debian archive (URI ending in /debian) in the apt sources"
    printf '%s\n' "$uri"
}

requirements_file() { printf '%s/requirements-%s.txt\n' "$MATRIX_DIR" "$1"; }
