#!/usr/bin/env bash
# The README's test command: installs what is needed, builds wharf twice (a release-style
# tree with -Werror, and an ASan+UBSan tree), and runs the whole suite through one ctest,
# whose closing line counts every test of both trees.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
jobs=$(nproc)
build=${WHARF_BUILD_DIR:-build}

# Sanitizer tree first: the main tree's ctest runs its unit binaries as sanitized.* tests.
cmake -S . -B "$build/asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWHARF_WERROR=ON -DWHARF_SANITIZE=ON
cmake --build "$build/asan" -j "$jobs" --target wharf_unit_binaries

cmake -S . -B "$build/main" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWHARF_WERROR=ON \
      -DWHARF_SANITIZED_BUILD_DIR="$PWD/$build/asan"
cmake --build "$build/main" -j "$jobs"

cd "$build/main"
ctest --output-on-failure --timeout 600 -j "$jobs"
