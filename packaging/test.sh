#!/usr/bin/env bash
# The README's test command: installs what is needed, builds wharf twice (a release-style
# tree with -Werror, and an ASan+UBSan tree), plus the libFuzzer targets in a third, Clang tree
# when /usr/bin/clang++ exists, and runs the whole suite through one ctest, whose closing line
# counts every test of all trees.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
jobs=$(nproc)
build=$(realpath -m "${WHARF_BUILD_DIR:-build}")

# Sanitizer tree first: the main tree's ctest runs its unit binaries as sanitized.* tests.
cmake -S . -B "$build/asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWHARF_WERROR=ON -DWHARF_SANITIZE=ON
cmake --build "$build/asan" -j "$jobs" --target wharf_unit_binaries

# Fuzz tree, only where Clang is installed: the libFuzzer binaries the main tree's ctest runs
# for a bounded time as fuzz.* tests (tests/fuzz/README.md). Only they are built there.
fuzz_tree=()
if [[ -x /usr/bin/clang++ ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$build/fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DWHARF_WERROR=ON -DWHARF_FUZZ=ON -DWHARF_BUILD_TESTS=ON
  cmake --build "$build/fuzz" -j "$jobs" --target wharf_fuzzers
  fuzz_tree=(-DWHARF_FUZZ_BUILD_DIR="$build/fuzz")
else
  echo "test.sh: /usr/bin/clang++ not found: no libFuzzer tree, so no fuzz.* tests"
  fuzz_tree=(-DWHARF_FUZZ_BUILD_DIR=)
fi

cmake -S . -B "$build/main" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWHARF_WERROR=ON \
      -DWHARF_SANITIZED_BUILD_DIR="$build/asan" "${fuzz_tree[@]}"
cmake --build "$build/main" -j "$jobs"

cd "$build/main"
ctest --output-on-failure --timeout 600 -j "$jobs"
