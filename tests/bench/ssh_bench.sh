#!/usr/bin/env bash
# SSH benchmark: wharf's server against a private OpenSSH sshd on the same machine, driven by
# the same OpenSSH client with the same cipher. Prints handshakes per second and bulk
# throughput for each, and wharf/sshd ratios. Not part of the test suite (no timed asserts).
#
#   bash tests/bench/ssh_bench.sh [BUILD_DIR] [MIB] [HANDSHAKES]
set -euo pipefail
build=${1:-build/main}
mib=${2:-512}
handshakes=${3:-40}
server="$build/tests/ssh_test_server"
wharf="$build/daemon/wharf"
[[ -x "$server" && -x "$wharf" ]] || { echo "build first: $server, $wharf"; exit 2; }
work=$(mktemp -d /tmp/wharf-bench.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
source "$(dirname "$0")/bench_lib.sh"

me=$(id -un)
mkdir -p "$work/data/$me"
start_bench_sshd "MaxStartups 100"

wharf_port=$(free_port)
mkdir -p "$work/state"
cp "$work/host_key" "$work/state/ssh_host_ed25519_key"; cp "$work/host_key.pub" "$work/state/ssh_host_ed25519_key.pub"
cat > "$work/wharf.yaml" <<YAML
server: {state_dir: state, workers: 2, log: {level: warn}}
ssh:
  listen: ["127.0.0.1:$wharf_port"]
  host_keys: [state/ssh_host_ed25519_key]
  max_startups: "100:30:200"
users:
  - {name: $me, root: data/$me, authorized_keys: ["$(cat "$work/id.pub")"]}
YAML
"$server" --config "$work/wharf.yaml" 2> "$work/wharf.log" & pids+=($!)
wait_port "$sshd_port"; wait_port "$wharf_port"

ssh_opts=(-F /dev/null -i "$work/id" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no
          -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
now() { date +%s.%N; }
rate() { /usr/bin/python3 -c "print(f'{$1 / ($3 - $2):.1f}')"; }

# Handshakes: connect, key exchange, publickey auth, run a command that exits at once, close.
handshake_rate() {  # PORT COMMAND
  local start end
  start=$(now)
  for _ in $(seq "$handshakes"); do ssh "${ssh_opts[@]}" -p "$1" "$me@127.0.0.1" "$2" > /dev/null; done
  end=$(now)
  rate "$handshakes" "$start" "$end"
}

# Throughput: MIB MiB from server to client over one channel.
throughput() {  # PORT COMMAND CIPHER
  local start end
  start=$(now)
  ssh "${ssh_opts[@]}" -o Ciphers="$3" -p "$1" "$me@127.0.0.1" "$2" > /dev/null
  end=$(now)
  rate "$mib" "$start" "$end"
}

bytes=$((mib * 1024 * 1024))
printf '%-40s %12s %12s %8s\n' "measure (OpenSSH $(ssh -V 2>&1 | cut -d, -f1) client)" "sshd" "wharf" "ratio"
s=$(handshake_rate "$sshd_port" true); w=$(handshake_rate "$wharf_port" "source 0")
printf '%-40s %12s %12s %8s\n' "handshakes/s (ed25519, curve25519)" "$s" "$w" "$(/usr/bin/python3 -c "print(f'{$w/$s:.2f}')")"
for cipher in aes128-gcm@openssh.com chacha20-poly1305@openssh.com aes256-ctr; do
  s=$(throughput "$sshd_port" "head -c $bytes /dev/zero" "$cipher"); w=$(throughput "$wharf_port" "source $bytes" "$cipher")
  printf '%-40s %12s %12s %8s\n' "MiB/s download, $cipher" "$s" "$w" "$(/usr/bin/python3 -c "print(f'{$w/$s:.2f}')")"
done
