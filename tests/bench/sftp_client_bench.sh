#!/usr/bin/env bash
# SFTP client benchmark: `wharf sftp put/get` against OpenSSH's `sftp` client, both talking to
# the same private OpenSSH sshd (internal-sftp) on a loopback port with the same cipher. For
# each cipher and direction, every client moves MIB MiB RUNS times (the clients alternate
# within a round, so background load hits all alike); the best rate counts. Every result is
# checked by SHA-256. Prints MiB/s per client and the wharf/openssh ratio, and the CPU time
# (user+sys) each client spent per GiB (median; OpenSSH's sftp together with the ssh process it
# drives), which busy machines disturb far less than wall-clock rates, and the CPU time sshd spent
# serving each client (median; the request pattern changes it). Not part of the suite.
#
# Two pairings, like with like:
#   32k x 64   both clients with 64 requests of 32 KiB in flight (`sftp -B 32768 -R 64`,
#              `wharf sftp --requests 64 --request-size 32768`): the same request pattern.
#   default    OpenSSH's sftp as shipped (64 requests; it sizes them from the server's
#              limits@openssh.com: 261120 bytes with OpenSSH's sftp-server, `sftp -vvv` says)
#              against wharf with BENCH_WHARF_BEST (default 32 requests of 128 KiB: 4 MiB in
#              flight, twice sshd's 2 MiB channel window, so the window never waits for a
#              late reply; larger requests bought nothing here, and 64 x 255 KiB cost more CPU).
#
#   bash tests/bench/sftp_client_bench.sh [BUILD_DIR] [MIB] [RUNS]
# BUILD_DIR holds daemon/wharf (a Release tree, for numbers that mean anything). The files live
# under BENCH_TMPDIR (default /dev/shm, a tmpfs, so disks do not blur the clients' own cost;
# it needs room for three copies of the file).
set -euo pipefail
build=${1:-build/main}
mib=${2:-1024}
runs=${3:-3}
ciphers=${BENCH_CIPHERS:-"aes128-gcm@openssh.com chacha20-poly1305@openssh.com"}
wharf_best=${BENCH_WHARF_BEST:-"--requests 32 --request-size 131072"}
wharf=$(realpath "$build/daemon/wharf")
[[ -x "$wharf" ]] || { echo "build first: $wharf"; exit 2; }
command -v sftp > /dev/null || { echo "OpenSSH sftp missing"; exit 2; }
PY=/usr/bin/python3
work=$(mktemp -d "${BENCH_TMPDIR:-/dev/shm}/wharf-sftp-client-bench.XXXXXX")
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
source "$(dirname "$0")/bench_lib.sh"

me=$(id -un)
root="$work/remote"  # what the server reads and writes (absolute paths for internal-sftp)
mkdir -p "$root" "$work/local"
start_bench_sshd "Subsystem sftp internal-sftp"
wait_port "$sshd_port"

# The source file: incompressible, made once (AES-CTR of zeros is faster than /dev/urandom).
bytes=$((mib * 1024 * 1024))
openssl enc -aes-128-ctr -nosalt -K "$(openssl rand -hex 16)" -iv "$(openssl rand -hex 16)" \
  -in <(head -c "$bytes" /dev/zero) -out "$work/local/src.bin"
want=$(sha256sum "$work/local/src.bin" | cut -d' ' -f1)
cp "$work/local/src.bin" "$root/src.bin"

ssh_opts=(-F /dev/null -i "$work/id" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no
          -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -P "$sshd_port")
wharf_opts=(-p "$sshd_port" -i "$work/id" --accept-any-host-key --no-progress)
read -r -a wharf_best_words <<< "$wharf_best"

# run_client CLIENT CIPHER up|down: one transfer, in $work/local. CLIENT is openssh-32k,
# openssh-default, wharf-32k or wharf-best.
run_client() {
  local client=$1 cipher=$2 direction=$3
  local from=src.bin to="$root/dst.bin" target="$me@127.0.0.1"
  [[ $direction == down ]] && from="$root/src.bin" to=dst.bin
  local verb="put"; [[ $direction == down ]] && verb="get"
  local wharf_from=$from wharf_to=$to
  if [[ $direction == up ]]; then wharf_to="$target:$to"; else wharf_from="$target:$from"; fi
  case $client in
    openssh-32k) sftp "${ssh_opts[@]}" -o Ciphers="$cipher" -B 32768 -R 64 -b - "$target" <<< "$verb $from $to" ;;
    openssh-default) sftp "${ssh_opts[@]}" -o Ciphers="$cipher" -b - "$target" <<< "$verb $from $to" ;;
    wharf-32k) "$wharf" sftp "${wharf_opts[@]}" -c "$cipher" --requests 64 --request-size 32768 "$verb" "$wharf_from" "$wharf_to" ;;
    wharf-best) "$wharf" sftp "${wharf_opts[@]}" -c "$cipher" "${wharf_best_words[@]}" "$verb" "$wharf_from" "$wharf_to" ;;
  esac
}

# sshd_ticks: CPU clock ticks of the sshd listener's reaped children (each connection's
# processes, internal-sftp included) so far.
sshd_ticks() {
  local stat; stat=$(< "/proc/$sshd_pid/stat"); stat=${stat##*) }  # fields from 3 on
  read -r -a f <<< "$stat"
  echo $((f[13] + f[14]))
}
hz=$(getconf CLK_TCK)

# transfer CLIENT CIPHER up|down: "MiB/s client-CPU-s/GiB sshd-CPU-s/GiB" of one put or get
# (session setup included, ~20 ms), after checking the result's SHA-256.
transfer() {
  local client=$1 cipher=$2 direction=$3 out times
  out="$root/dst.bin"; [[ $direction == down ]] && out="$work/local/dst.bin"
  rm -f "$out"
  sync  # do not bill one run for the previous run's writeback (when not on tmpfs)
  local ticks0; ticks0=$(sshd_ticks)
  # bash's `time` reports the user and sys time of every process the client reaped too
  # (OpenSSH's sftp waits for its ssh).
  times=$(cd "$work/local" && TIMEFORMAT='%3R %3U %3S' &&
          { time run_client "$client" "$cipher" "$direction" > "$work/client.out" 2>&1 || echo "failed $?"; } 2>&1)
  [[ $times != *failed* ]] || { cat "$work/client.out" >&2; echo "$client $direction $cipher failed" >&2; exit 1; }
  # sshd reaps the connection's processes just after the client is gone.
  local ticks1; for _ in $(seq 50); do ticks1=$(sshd_ticks); [[ $ticks1 != "$ticks0" ]] && break; sleep 0.02; done
  [[ "$(sha256sum "$out" | cut -d' ' -f1)" == "$want" ]] || { echo "$client $direction $cipher: the result differs" >&2; exit 1; }
  read -r real user sys <<< "$times"
  $PY -c "print(f'{$mib / $real:.1f} {($user + $sys) * 1024 / $mib:.2f} {($ticks1 - $ticks0) / $hz * 1024 / $mib:.2f}')"
}

best() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
ratio() { $PY -c "print(f'{$1 / $2:.2f}')"; }
echo "OpenSSH $(ssh -V 2>&1 | cut -d, -f1 | cut -d_ -f2) sftp client and sshd (internal-sftp), wharf $("$wharf" --version 2>/dev/null | head -1)," \
     "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $mib MiB on $(df --output=fstype "$work" | tail -1), best of $runs"
echo "wharf best: $wharf_best"
printf '%-34s %8s %8s %6s | %-20s | %-11s | %s\n' "" "MiB/s" "" "" "client CPU s/GiB" "sshd s/GiB" ""
printf '%-34s %8s %8s %6s | %6s %6s %6s | %5s %5s | %s\n' "transfer" "openssh" "wharf" "ratio" "ossh" "wharf" "ratio" \
  "ossh" "wharf" "all runs, MiB/s: openssh | wharf"
for cipher in $ciphers; do
  for direction in up down; do
    for pairing in 32k default; do
      openssh_client=openssh-$pairing wharf_client=wharf-32k
      [[ $pairing == default ]] && wharf_client="wharf-best"
      o=() w=() oc=() wc=() os=() ws=()
      for _ in $(seq "$runs"); do
        # (transfer runs in a subshell: its exit ends only that, and leaves no rate.)
        read -r rate cpu server <<< "$(transfer "$openssh_client" "$cipher" "$direction")"; [[ -n $rate ]] || exit 1
        o+=("$rate"); oc+=("$cpu"); os+=("$server")
        read -r rate cpu server <<< "$(transfer "$wharf_client" "$cipher" "$direction")"; [[ -n $rate ]] || exit 1
        w+=("$rate"); wc+=("$cpu"); ws+=("$server")
      done
      bo=$(best "${o[@]}") bw=$(best "${w[@]}") mo=$(median "${oc[@]}") mw=$(median "${wc[@]}")
      label="upload"; [[ $direction == down ]] && label="download"
      label="$label $pairing ${cipher%@openssh.com}"
      printf '%-34s %8s %8s %6s | %6s %6s %6s | %5s %5s | %s | %s\n' "$label" "$bo" "$bw" "$(ratio "$bw" "$bo")" \
        "$mo" "$mw" "$(ratio "$mw" "$mo")" "$(median "${os[@]}")" "$(median "${ws[@]}")" "${o[*]}" "${w[*]}"
    done
  done
done
