#!/usr/bin/env bash
# Installs exactly what wharf needs to build and to run its test suite on Debian 12.
# Idempotent: packages already present are skipped, apt-get update runs only when needed.
set -euo pipefail

build_packages=(
  g++ cmake ninja-build pkg-config
  libbotan-2-dev libboost1.81-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  zlib1g-dev libcrypt-dev libsystemd-dev catch2
)
# Test peers and tools: independent implementations we interoperate with, never link.
test_packages=(
  systemd openssh-client openssh-server python3-paramiko python3-argon2 python3-bcrypt
  sshpass openssl putty-tools
  procps iproute2
  clang libclang-rt-14-dev
)

wanted=("${build_packages[@]}")
if [[ "${1:-}" != "--build-only" ]]; then
  wanted+=("${test_packages[@]}")
fi

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
