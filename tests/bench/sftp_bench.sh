#!/usr/bin/env bash
# SFTP benchmark: wharfd's SFTP server against a private OpenSSH sshd (internal-sftp) on the
# same machine, driven by the same OpenSSH sftp client with the same cipher and default
# request size/count. For each cipher, MIB MiB are uploaded and downloaded RUNS times per
# server (the servers alternate, so background load hits both alike); the best run counts.
# Prints MiB/s per server and the wharf/sshd ratio, and the CPU time each server spent per GiB
# (median; wharfd's own threads, and sshd's reaped per-connection processes), which busy
# machines disturb far less than wall-clock rates. Not part of the test suite.
#
#   bash tests/bench/sftp_bench.sh [BUILD_DIR] [MIB] [RUNS]
# BUILD_DIR holds daemon/wharfd (a Release tree, for numbers that mean anything).
set -euo pipefail
build=${1:-build/main}
mib=${2:-1024}
runs=${3:-3}
ciphers=${BENCH_CIPHERS:-"aes128-gcm@openssh.com chacha20-poly1305@openssh.com"}
wharfd="$build/daemon/wharfd"
[[ -x "$wharfd" ]] || { echo "build first: $wharfd"; exit 2; }
command -v sftp > /dev/null || { echo "OpenSSH sftp missing"; exit 2; }
PY=/usr/bin/python3
work=$(mktemp -d /tmp/wharf-sftp-bench.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
source "$(dirname "$0")/bench_lib.sh"

me=$(id -un)
# Both servers read and write the same directory: $root (wharf's user root, an absolute
# path for sshd's internal-sftp).
root="$work/data/$me"
mkdir -p "$root" "$work/local"
start_bench_sshd "Subsystem sftp internal-sftp"

wharf_port=$(free_port)
mkdir -p "$work/state"
cp "$work/host_key" "$work/state/ssh_host_ed25519_key"; cp "$work/host_key.pub" "$work/state/ssh_host_ed25519_key.pub"
cat > "$work/wharf.yaml" <<YAML
server: {state_dir: state, workers: 2, log: {level: warn}}
ssh:
  listen: ["127.0.0.1:$wharf_port"]
  host_keys: [state/ssh_host_ed25519_key]
users:
  - {name: $me, root: data/$me, authorized_keys: ["$(cat "$work/id.pub")"]}
YAML
"$wharfd" --config "$work/wharf.yaml" 2> "$work/wharf.log" & pids+=($!)
wharf_pid=$!
wait_port "$sshd_port"; wait_port "$wharf_port"

# The source file: incompressible, made once (AES-CTR of zeros is faster than /dev/urandom).
bytes=$((mib * 1024 * 1024))
openssl enc -aes-128-ctr -nosalt -K "$(openssl rand -hex 16)" -iv "$(openssl rand -hex 16)" \
  -in <(head -c "$bytes" /dev/zero) -out "$work/local/src.bin"
want=$(sha256sum "$work/local/src.bin" | cut -d' ' -f1)

ssh_opts=(-F /dev/null -i "$work/id" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no
          -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
# remote_path SERVER NAME: where NAME is, as that server's client sees it.
remote_path() { if [[ $1 == sshd ]]; then echo "$root/$2"; else echo "/$2"; fi; }
port_of() { if [[ $1 == sshd ]]; then echo "$sshd_port"; else echo "$wharf_port"; fi; }

# cpu_ticks SERVER: CPU clock ticks so far: wharfd's utime+stime (every thread); the sshd
# listener's cutime+cstime (each connection's processes once reaped, their children included).
cpu_ticks() {
  local stat
  if [[ $1 == sshd ]]; then stat=$(< "/proc/$sshd_pid/stat"); else stat=$(< "/proc/$wharf_pid/stat"); fi
  stat=${stat##*) }  # fields from 3 on
  read -r -a f <<< "$stat"
  if [[ $1 == sshd ]]; then echo $((f[13] + f[14])); else echo $((f[11] + f[12])); fi
}
hz=$(getconf CLK_TCK)

# transfer SERVER CIPHER up|down: "MiB/s CPU-seconds-per-GiB" of one put or get (session setup
# included, ~20 ms).
transfer() {
  local server=$1 cipher=$2 direction=$3 batch start end
  if [[ $direction == up ]]; then
    rm -f "$root/dst.bin"
    batch="put src.bin $(remote_path "$server" dst.bin)"
  else
    rm -f "$work/local/dst.bin"
    batch="get $(remote_path "$server" src.bin) dst.bin"
  fi
  sync  # do not bill one run for the previous run's writeback
  local cpu0; cpu0=$(cpu_ticks "$server")
  start=$EPOCHREALTIME
  (cd "$work/local" && timeout 600 sftp "${ssh_opts[@]}" -o Ciphers="$cipher" -P "$(port_of "$server")" -b - \
     "$me@127.0.0.1" <<< "$batch") > "$work/sftp.out" 2>&1 || { cat "$work/sftp.out" >&2; echo "$server $direction failed" >&2; exit 1; }
  end=$EPOCHREALTIME
  # sshd reaps the connection's processes just after the client is gone.
  local cpu1; for _ in $(seq 50); do cpu1=$(cpu_ticks "$server"); [[ $server == wharf || $cpu1 != "$cpu0" ]] && break; sleep 0.02; done
  local out="$root/dst.bin"; [[ $direction == down ]] && out="$work/local/dst.bin"
  [[ "$(stat -c %s "$out")" == "$bytes" ]] || { echo "$server $direction: wrong size" >&2; exit 1; }
  $PY -c "print(f'{$mib / ($end - $start):.1f} {($cpu1 - $cpu0) / $hz * 1024 / $mib:.2f}')"
}

# The file to download, on the server side once (the same file for both servers).
cp "$work/local/src.bin" "$root/src.bin"
[[ "$(sha256sum "$root/src.bin" | cut -d' ' -f1)" == "$want" ]] || { echo "copy differs"; exit 1; }

best() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
ratio() { $PY -c "print(f'{$1 / $2:.2f}')"; }
echo "OpenSSH $(ssh -V 2>&1 | cut -d, -f1 | cut -d_ -f2) client and sshd, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
     "$mib MiB, best of $runs"
printf '%-40s %8s %8s %6s | %-15s %-15s | %s\n' "" "MiB/s" "" "" "server CPU s/GiB" "" ""
printf '%-40s %8s %8s %6s | %7s %7s %6s | %s\n' "transfer" "sshd" "wharf" "ratio" "sshd" "wharf" "ratio" "all runs, MiB/s: sshd | wharf"
for cipher in $ciphers; do
  for direction in up down; do
    s=() w=() sc=() wc=()
    for _ in $(seq "$runs"); do
      read -r rate cpu <<< "$(transfer sshd "$cipher" "$direction")"; s+=("$rate"); sc+=("$cpu")
      read -r rate cpu <<< "$(transfer wharf "$cipher" "$direction")"; w+=("$rate"); wc+=("$cpu")
    done
    if [[ $direction == up ]]; then
      # The last upload went to wharf: it must be whole.
      [[ "$(sha256sum "$root/dst.bin" | cut -d' ' -f1)" == "$want" ]] || { echo "wharf upload differs"; exit 1; }
    else
      [[ "$(sha256sum "$work/local/dst.bin" | cut -d' ' -f1)" == "$want" ]] || { echo "wharf download differs"; exit 1; }
    fi
    bs=$(best "${s[@]}") bw=$(best "${w[@]}") ms=$(median "${sc[@]}") mw=$(median "${wc[@]}")
    label="upload"; [[ $direction == down ]] && label="download"
    printf '%-40s %8s %8s %6s | %7s %7s %6s | %s | %s\n' "$label $cipher" "$bs" "$bw" "$(ratio "$bw" "$bs")" \
      "$ms" "$mw" "$(ratio "$mw" "$ms")" "${s[*]}" "${w[*]}"
  done
done
rm -f "$root/dst.bin" "$work/local/dst.bin"
