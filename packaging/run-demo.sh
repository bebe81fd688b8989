#!/usr/bin/env bash
# The README's run command: installs what is needed, builds wharfd and starts it in the
# foreground on the embedded demo configuration (loopback only, state in ./wharf-demo).
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh --build-only
cmake -S . -B build/main -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/main -j "$(nproc)" --target wharfd wharf
exec build/main/daemon/wharfd --demo "${1:-wharf-demo}"
