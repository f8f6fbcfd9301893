#!/bin/sh
# Install what ibid needs to build and test on Debian 12 (uses sudo when not root).
#   scripts/deps.sh          the build dependencies
#   scripts/deps.sh --test   also the test tools (cmocka, clang and libFuzzer, python3)
set -eu
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
pkgs="build-essential cmake pkg-config libutf8proc-dev libxxhash-dev libzstd-dev zlib1g-dev libjansson-dev"
# the reworded and translated layer: stemmers, language identification, and data read at run time
pkgs="$pkgs libstemmer-dev libexttextcat-dev wordnet-base"
# the store (ibid add, ibid query): SQLite; ibid serve: libmicrohttpd
pkgs="$pkgs libsqlite3-dev libmicrohttpd-dev"
# the MPI scale-out (optional in CMake; docs/mpi.md): Open MPI, its compiler wrapper and mpirun
pkgs="$pkgs libopenmpi-dev openmpi-bin"
pkgs="$pkgs dict-freedict-deu-eng dict-freedict-spa-eng dict-freedict-ara-eng"
# the reverse dictionaries, read inverted to widen the coverage of the direct ones
pkgs="$pkgs dict-freedict-eng-deu dict-freedict-eng-spa dict-freedict-eng-ara"
if [ "${1:-}" = "--test" ]; then
    # nodejs runs the HTML report's script in tests/quality/report_view.js
    pkgs="$pkgs libcmocka-dev clang-14 libclang-rt-14-dev clang-format-14 python3 nodejs sqlite3"
fi
# shellcheck disable=SC2086
if ! dpkg -s $pkgs >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $pkgs >/dev/null
fi
if [ "${1:-}" = "--test" ]; then
    # the browser tests of ibid serve's page and ibid report's: Debian's chromium (without its
    # recommends), driven by playwright-core from npm, which scripts/test.sh installs; npm from
    # Debian when nodejs came without it
    more="chromium"
    command -v npm >/dev/null 2>&1 || more="$more npm"
    # shellcheck disable=SC2086
    if ! dpkg -s chromium >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
            $more >/dev/null
    fi
fi
