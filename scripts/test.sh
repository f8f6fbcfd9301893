#!/bin/sh
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. install dependencies; check formatting with clang-format-14; install playwright-core
#   2. build optimized, run every ctest test (unit, header, golden, fuzz corpus replay, quality)
#   3. build with AddressSanitizer + UBSan and the arena bypassed, run the suite again
#   4. build the libFuzzer targets with clang and run each for FUZZ_SECONDS (default 45)
# Ends with one line "N passed, N failed" counting ctest tests and fuzz runs.
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh --test || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }
FUZZ_SECONDS=${FUZZ_SECONDS:-45}
JOBS=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # $1: ctest log
    line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$1" | tail -1)
    if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
    t=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')
    passed=$((passed + t - f))
    failed=$((failed + f))
}

echo "== format"
if clang-format-14 --dry-run --Werror include/*.h src/*.c src/*.h cli/*.c cli/*.h server/*.c \
    server/*.h fuzz/*.c tests/unit/*.c bench/*.c; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# The browser tests (tests/browser) drive Debian's chromium with playwright-core from npm,
# installed here into the build tree, never with a browser of its own. Under CI=true a missing
# chromium or playwright fails those tests instead of skipping them.
echo "== playwright-core for the browser tests"
export CI=${CI:-true}
export IBID_NPM_DIR="$PWD/build-ci-npm"
if [ ! -d "$IBID_NPM_DIR/node_modules/playwright-core" ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund \
        --prefix "$IBID_NPM_DIR" playwright-core@1 >/dev/null 2>&1 ||
        echo "npm install playwright-core failed: the browser tests will fail"
fi

for variant in release asan; do
    echo "== build and test: $variant"
    dir=build-ci-$variant
    case $variant in
    release) flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo" ;;
    asan) flags="-DCMAKE_BUILD_TYPE=Debug -DIBID_SANITIZE=address,undefined" ;;
    esac
    # shellcheck disable=SC2086
    if cmake -S . -B "$dir" $flags >/dev/null && cmake --build "$dir" -j"$JOBS" >/dev/null; then
        (cd "$dir" && ctest --output-on-failure -j"$JOBS") >"$log" 2>&1
        cat "$log"
        count "$log"
    else
        echo "build failed: $variant"
        cmake --build "$dir" 2>&1 | tail -30
        failed=$((failed + 1))
    fi
done

echo "== fuzz (${FUZZ_SECONDS}s per target)"
dir=build-ci-fuzz
if CC=clang-14 cmake -S . -B "$dir" -DIBID_FUZZ=ON -DIBID_TESTS=OFF \
    -DIBID_SANITIZE=address,undefined >/dev/null && cmake --build "$dir" -j"$JOBS" >/dev/null; then
    for t in "$dir"/fuzz/fuzz_*; do
        name=$(basename "$t")
        work=$(mktemp -d)
        cp fuzz/corpus/"$name"/* "$work"/ 2>/dev/null
        if "$t" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=4096 -print_final_stats=0 \
            -artifact_prefix="$dir/$name-" "$work" >"$dir/$name.log" 2>&1; then
            echo "fuzz $name: ok"
            passed=$((passed + 1))
        else
            echo "fuzz $name: FAILED"
            tail -40 "$dir/$name.log"
            failed=$((failed + 1))
        fi
        rm -rf "$work"
    done
else
    echo "fuzz build failed"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
