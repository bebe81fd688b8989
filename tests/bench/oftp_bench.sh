#!/usr/bin/env bash
# OFTP benchmark (issue 6): one file of MIB MiB sent with `wharf oftp send` to wharfd's OFTP
# station, exchange buffer 99,999 and credit 99, over TLS and over plain TCP, against the same
# bytes pushed through a raw Botan TLS 1.2 stream and a raw TCP stream on the same machine
# (tls_stream_bench: same TLS policy, 99,999-byte writes, 64 KiB reads, no OFTP). Each round runs
# raw TLS, OFTP TLS, raw TCP, OFTP TCP in turn, so background load hits them alike; the best
# rate of RUNS rounds counts. Prints MiB/s, CPU seconds per GiB (user+sys of both ends: the raw
# program's two threads; wharfd plus the client), and the ratios oftp_tls/raw_tls and
# oftp_tcp/raw_tcp. Not part of the test suite.
#
#   bash tests/bench/oftp_bench.sh [BUILD_DIR] [RUNS]        (OFTP_BENCH_MIB=1024 by default)
# OFTP_BENCH_RAW_TLS_FLAGS adds tls_stream_bench flags to the raw TLS runs: "--chacha" when the
# station prefers ChaCha20-Poly1305, so both sides use the same suite (the table shows the raw one).
# BUILD_DIR holds tests/bench/tls_stream_bench, daemon/wharfd and daemon/wharf (an optimised
# tree, for numbers that mean anything). The files live under BENCH_TMPDIR (default /dev/shm, a
# tmpfs, so the disk does not blur the protocol's own cost; it needs room for two copies). Until
# `wharf oftp send` exists, the OFTP half prints "oftp: not available yet (...)" and the raw
# numbers are still reported (exit status 0); an OFTP run that fails prints "oftp: failed (...)"
# (exit status 1).
set -euo pipefail
build=${1:-build/main}
runs=${2:-3}
mib=${OFTP_BENCH_MIB:-1024}
read -r -a raw_tls_flags <<< "${OFTP_BENCH_RAW_TLS_FLAGS:-}"
bytes=$((mib * 1024 * 1024))
raw_bench="$build/tests/bench/tls_stream_bench"
wharf="$build/daemon/wharf"
wharfd="$build/daemon/wharfd"
[[ -x "$raw_bench" ]] || { echo "build first: cmake --build $build --target tls_stream_bench"; exit 2; }
PY=/usr/bin/python3
work=$(mktemp -d "${BENCH_TMPDIR:-/dev/shm}/wharf-oftp-bench.XXXXXX")
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
source "$(dirname "$0")/bench_lib.sh"

ratio() { $PY -c "print(f'{$1 / $2:.2f}' if $2 else 'n/a')"; }
per_gib() { $PY -c "print(f'{($1) * 1024 / $mib:.2f}')"; }  # CPU seconds for the file -> per GiB

# run_raw [--plain]: "MiB/s CPU-s/GiB suite" of one tls_stream_bench run.
run_raw() {
  local line field key value rate="" cpu="" suite=""
  line=$("$raw_bench" --bytes "$bytes" --write-size 99999 "$@") || return 1
  for field in $line; do
    key=${field%%=*} value=${field#*=}
    case $key in
      mib_per_s) rate=$value ;;
      suite) suite=$value ;;
      cpu_user | cpu_sys) cpu="$cpu${cpu:+ + }$value" ;;
    esac
  done
  echo "$rate $(per_gib "$cpu") $suite"
}

#------------------------------------------------------------------------------------------------
# The OFTP side. wharfd serves one station with a plain and a TLS listener; partner "bench" may
# send to it. Needs `wharf oftp send` and wharfd's OFTP listeners (issue 6).

station_sfid=WHARFBENCH
inbox="$work/inbox"

# oftp_unavailable: why the OFTP half cannot run (empty when it can).
oftp_unavailable() {
  [[ -x "$wharf" ]] || { echo "$wharf not built"; return; }
  [[ -x "$wharfd" ]] || { echo "$wharfd not built"; return; }
  local errors
  errors=$("$wharf" oftp send --help 2>&1 > /dev/null) || echo "wharf oftp send --help: ${errors%%$'\n'*}"
}

# start_oftp_station: certificate, configuration and wharfd; sets wharfd_pid, tcp_port, tls_port,
# or oftp_error when wharfd does not come up. (Not in a subshell: wharfd outlives the call.)
start_oftp_station() {
  mkdir -p "$work/state" "$inbox" "$work/outbox"
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=wharf-oftp-bench -days 2 \
    -keyout "$work/oftp.key" -out "$work/oftp.crt" 2> /dev/null
  tcp_port=$(free_port)
  tls_port=$(free_port)
  # overwrite/detect_duplicates: every run sends the same file name again.
  cat > "$work/wharf.yaml" <<YAML
server: {state_dir: $work/state, workers: 2, log: {level: warn}}
oftp:
  listen: ["127.0.0.1:$tcp_port"]
  tls_listen: ["127.0.0.1:$tls_port"]
  ssid: $station_sfid
  sfid: $station_sfid
  password: WHARFPW
  tls: {certificate: $work/oftp.crt, private_key: $work/oftp.key}
partners:
  - name: bench
    ssid: BENCH
    password: BENCHPW
    inbox: $inbox
    outbox: $work/outbox
    overwrite: always
    detect_duplicates: false
    protocol: {exchange_buffer: 99999, credit: 99}
YAML
  "$wharfd" --config "$work/wharf.yaml" > "$work/wharfd.log" 2>&1 &
  wharfd_pid=$!
  pids+=("$wharfd_pid")
  local port
  for port in "$tcp_port" "$tls_port"; do
    for _ in $(seq 100); do
      (echo > "/dev/tcp/127.0.0.1/$port") 2> /dev/null && continue 2
      kill -0 "$wharfd_pid" 2> /dev/null || break
      sleep 0.05
    done
    local log; log=$(tail -1 "$work/wharfd.log")
    oftp_error="wharfd did not open port $port${log:+: $log}"
    return
  done
}

# wharfd_ticks: CPU clock ticks wharfd used so far (utime + stime, every thread).
wharfd_ticks() {
  local stat; stat=$(< "/proc/$wharfd_pid/stat"); stat=${stat##*) }  # fields from 3 on
  read -r -a f <<< "$stat"
  echo $((f[11] + f[12]))
}
hz=$(getconf CLK_TCK)

# run_oftp_send PORT [CLIENT FLAGS...]: one `wharf oftp send` of the source file; prints
# "MiB/s CPU-s/GiB wharfd-CPU-s/GiB client-CPU-s/GiB" after checking what wharfd stored, or why
# it failed (and returns 1). The wall time is the client's, session set-up included.
run_oftp_send() {
  local port=$1; shift
  kill -0 "$wharfd_pid" 2> /dev/null || { echo "wharfd is gone: $(tail -1 "$work/wharfd.log")"; return 1; }
  rm -rf "${inbox:?}"/*
  local ticks0 ticks1 times received=""
  ticks0=$(wharfd_ticks)
  # bash's `time` also counts the processes the client reaped. XDG_STATE_HOME: the client keeps
  # its restart state in $work, not in ~/.local/state (and no run resumes an earlier one).
  rm -rf "$work/client-state"
  if ! times=$(TIMEFORMAT='%3R %3U %3S'
               { time XDG_STATE_HOME="$work/client-state" timeout 900 "$wharf" oftp send --to "127.0.0.1:$port" "$@" --ssid BENCH --password BENCHPW \
                   --sfid "$station_sfid" --buffer 99999 --credit 99 "$work/source.bin" > "$work/client.out" 2>&1; } 2>&1); then
    echo "wharf oftp send failed: $(tail -1 "$work/client.out")"
    return 1
  fi
  # The client is done once wharfd confirmed the file (EFPA); give wharfd a moment to store it.
  for _ in $(seq 100); do
    received=$(find "$inbox" -type f -size "${bytes}c" | head -1)
    [[ -n $received ]] && break
    sleep 0.05
  done
  ticks1=$(wharfd_ticks)
  [[ -n $received ]] || { echo "no file of $bytes bytes in the inbox: $(find "$inbox" -type f | head -3)"; return 1; }
  cmp -s "$received" "$work/source.bin" || { echo "the received file differs from the one sent"; return 1; }
  read -r real user sys <<< "$times"
  local server_cpu; server_cpu=$($PY -c "print(($ticks1 - $ticks0) / $hz)")
  echo "$($PY -c "print(f'{$mib / $real:.1f}')") $(per_gib "$server_cpu + $user + $sys")" \
       "$(per_gib "$server_cpu") $(per_gib "$user + $sys")"
}

# The two runs the benchmark compares with the raw streams.
run_oftp_tls() { run_oftp_send "$tls_port" --tls --insecure; }
run_oftp_tcp() { run_oftp_send "$tcp_port"; }

#------------------------------------------------------------------------------------------------

# Results: one line per run in $work/result.NAME (NAME: raw_tls, raw_tcp, oftp_tls, oftp_tcp).
record() { local name=$1; shift; echo "$*" >> "$work/result.$name"; }
column_of() { cut -d' ' -f"$2" "$work/result.$1"; }                      # NAME COLUMN
best_of() { column_of "$1" 1 | sort -g | tail -1; }                       # rate
median_of() { column_of "$1" "$2" | sort -g | sed -n "$(((runs + 1) / 2))p"; }
all_rates() { column_of "$1" 1 | paste -sd' '; }

# oftp_round tls|tcp: one OFTP run, recorded; a failure sets oftp_error, and no OFTP run follows.
oftp_round() {
  [[ -z $oftp_missing && -z $oftp_error ]] || return 0
  local result
  if result=$("run_oftp_$1"); then record "oftp_$1" "$result"; else oftp_error="run_oftp_$1: $result"; fi
}

oftp_missing=$(oftp_unavailable)  # the feature is not there (yet): report the raw numbers only
oftp_error=""                     # it is there and failed
[[ -n $oftp_missing ]] || start_oftp_station
[[ -n $oftp_missing || -n $oftp_error ]] || head -c "$bytes" /dev/urandom > "$work/source.bin"  # random: compression cannot help

echo "OFTP buffer 99999, credit 99 vs raw streams: $mib MiB on $(df --output=fstype "$work" | tail -1)," \
     "best of $runs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$runs"); do
  raw=$(run_raw "${raw_tls_flags[@]}"); record raw_tls "$raw"  # (a failed assignment ends the script: set -e)
  oftp_round tls
  raw=$(run_raw --plain); record raw_tcp "$raw"
  oftp_round tcp
done

row() { printf '%-9s %8s %10s   %s\n' "$@"; }
row "" "MiB/s" "CPU s/GiB" "all runs, MiB/s"
row "raw tls" "$(best_of raw_tls)" "$(median_of raw_tls 2)" "$(all_rates raw_tls)  ($(column_of raw_tls 3 | head -1))"
row "raw tcp" "$(best_of raw_tcp)" "$(median_of raw_tcp 2)" "$(all_rates raw_tcp)"
if [[ -n $oftp_missing ]]; then echo "oftp: not available yet ($oftp_missing)"; exit 0; fi
if [[ -n $oftp_error ]]; then echo "oftp: failed ($oftp_error)"; exit 1; fi
for transport in tls tcp; do
  row "oftp $transport" "$(best_of "oftp_$transport")" "$(median_of "oftp_$transport" 2)" \
    "$(all_rates "oftp_$transport")  (CPU s/GiB: wharfd $(median_of "oftp_$transport" 3), client $(median_of "oftp_$transport" 4))"
  echo "oftp_$transport / raw_$transport: throughput $(ratio "$(best_of "oftp_$transport")" "$(best_of "raw_$transport")")," \
       "CPU $(ratio "$(median_of "oftp_$transport" 2)" "$(median_of "raw_$transport" 2)")"
done
