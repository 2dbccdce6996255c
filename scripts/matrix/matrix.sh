#!/usr/bin/env bash
# make test-matrix:  matrix.sh [suite...]   (default: $REE_MATRIX_SUITES = "trixie sid")
#
# For each suite whose root is built (make setup-matrix): enter the root (run_in_root.sh), run
# tests/qgis with pytest and the qgis_process smoke run (in_root.py), results in
# <repo>/.matrix/results/<suite>/. Then print the table (report.py); exit 1 on any failure.
# REE_MATRIX_JOBS=2 runs the suites side by side (default 1: the cores are shared).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

suites=("$@")
[ ${#suites[@]} -gt 0 ] || read -r -a suites <<<"$MATRIX_SUITES"
RESULTS="${REE_MATRIX_RESULTS:-$REPO_DIR/.matrix/results}"
JOBS="${REE_MATRIX_JOBS:-1}"

run_suite() {
    local suite="$1" out="$RESULTS/$1" t0 rc
    rm -rf "$out"; mkdir -p "$out"
    if [ ! -f "$(root_dir "$suite")/$ROOT_STAMP" ]; then
        log "$suite: root not built: run 'make setup-matrix'"
        return 1
    fi
    # shared lock: setup_root.sh (exclusive) never rebuilds a root or venv under a running test
    exec 8>"$MATRIX_CACHE/.$suite.lock"
    flock -s 8
    t0=$(date +%s)
    "$MATRIX_DIR/run_in_root.sh" "$suite" nice -n 5 "$VENV_IN_ROOT/bin/python" "$MATRIX_DIR/in_root.py" \
        --results "$out" --suite "$suite" 2>&1 | tee "$out/run.log" | grep -v -e '^QStandardPaths' -e 'setapi() is deprecated'
    rc=${PIPESTATUS[0]}
    echo "$(( $(date +%s) - t0 ))" >"$out/seconds"
    flock -u 8
    return "$rc"
}

mkdir -p "$RESULTS"
t_all=$(date +%s)
if [ "$JOBS" -gt 1 ]; then
    pids=()
    for s in "${suites[@]}"; do run_suite "$s" >"$RESULTS.$s.console" 2>&1 & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p" || true; done
    for s in "${suites[@]}"; do cat "$RESULTS.$s.console"; rm -f "$RESULTS.$s.console"; done
else
    for s in "${suites[@]}"; do run_suite "$s" || true; done
fi
log "matrix run took $(( $(date +%s) - t_all )) s"
/usr/bin/python3 "$MATRIX_DIR/report.py" "$RESULTS" "${suites[@]}"
