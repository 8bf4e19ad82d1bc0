# SPDX-License-Identifier: MIT
# Helpers sourced by scripts/demo and scripts/test: package installation and timed stages.
# Not meant to be run on its own.

# The Debian packages every build needs. Sanitizers need libclang-rt-16-dev (the runtimes are
# not in clang-16 itself); gtest is needed to configure any preset with tests on.
# af::http builds llhttp from node-llhttp's C sources and parses URLs with Boost.URL; af::asio
# needs Boost's headers; the HTTP tests drive the server with curl and Python and the client
# against nginx (Debian's policy-rc.d keeps the package from starting a system nginx). af::tls
# needs OpenSSL 3 (its tests use the openssl CLI as a peer); the tokio-style port is checked with
# redis-cli and redis-benchmark.
AF_BUILD_PACKAGES=(cmake ninja-build g++ libgtest-dev clang-16 libclang-rt-16-dev liburing-dev pkg-config
                   node-llhttp libboost1.81-dev libboost-url1.81-dev libboost1.81-doc curl python3 nginx-light
                   libssl-dev openssl redis-tools)

# af_ensure_packages PKG...: installs the packages that are missing, and nothing when all are
# there, so reruns are quick. `apt-get update` only runs when a plain install fails (a fresh
# machine has no package lists yet, a stale one may point at removed versions).
af_ensure_packages() {
    local missing=() p
    for p in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        echo "packages: all ${#@} present"
        return 0
    fi
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
    echo "packages: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
        echo "packages: install failed, running apt-get update and retrying"
        "${sudo[@]}" apt-get update
        "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

# af_stage NAME CMD...: runs CMD, prints its wall time, and stops the whole script with a
# message naming the stage when it fails. CMD runs in a subshell with `set -e` so that a failing
# step inside a shell function stops the stage (`if ! f` would disable errexit inside f).
AF_STAGE_TIMES=()
af_stage() {
    local name=$1
    shift
    local t0=$SECONDS rc
    echo
    echo "==> [$name] $*"
    set +e
    (
        set -eo pipefail
        "$@"
    )
    rc=$?
    set -e
    if ((rc != 0)); then
        echo
        echo "FAILED: stage '$name' (exit $rc after $((SECONDS - t0))s): $*" >&2
        exit 1
    fi
    AF_STAGE_TIMES+=("$(printf '%-14s %5ss' "$name" "$((SECONDS - t0))")")
    echo "<== [$name] ok in $((SECONDS - t0))s"
}

af_print_times() {
    echo
    echo "stage times:"
    printf '  %s\n' "${AF_STAGE_TIMES[@]}"
    echo "  total          $((SECONDS))s"
}
