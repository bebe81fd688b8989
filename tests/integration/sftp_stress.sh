#!/usr/bin/env bash
# SFTP under load, against wharfd with OpenSSH's sftp and a raw SFTP client carried by OpenSSH's ssh:
#   1. a client that pipelines far more READs than the server keeps outstanding and then
#      stops reading: wharfd's RSS stays bounded, another session is served meanwhile, and
#      once the client reads again every byte arrives, in order;
#   2. a 1 GiB upload and a 1 GiB download (SHA-256 on both sides);
#   3. 100 concurrent sessions, each uploading and downloading its own 10 MiB file, every
#      file intact and every session's log lines present.
# STRESS_BIG_MIB / STRESS_SESSIONS / STRESS_SESSION_MIB shrink the run for debugging.
source "$(dirname "$0")/lib.sh"
command -v sftp > /dev/null || fail "OpenSSH sftp missing (packaging/install-deps.sh installs openssh-client)"
$PY -c 'import cryptography' 2> /dev/null || fail "python3-cryptography missing (a paramiko dependency: packaging/install-deps.sh installs it)"
HELPER="$(dirname "$0")/sftp_stress.py"
big_mib=${STRESS_BIG_MIB:-1024}
sessions=${STRESS_SESSIONS:-100}
session_bytes=$(( ${STRESS_SESSION_MIB:-10} * 1024 * 1024 ))

port=$(free_port)
mkdir -p "$WORK/data/alice" "$WORK/client" "$WORK/local" "$WORK/many" "$WORK/stall"
ssh-keygen -q -t ed25519 -N '' -C alice -f "$WORK/client/id_ed25519"
# 100 logins at once: no early drops below 200 unauthenticated connections, no cap per address.
cat > "$WORK/wharf.yaml" <<YAML
server:
  state_dir: state
  workers: 2
  shutdown_grace: 2s
ssh:
  listen: ["127.0.0.1:$port"]
  max_startups: "200:30:300"
  per_source_max_startups: 200
  login_grace_time: 120s
users:
  - name: alice
    root: data/alice
    authorized_keys: ["$(cat "$WORK/client/id_ed25519.pub")"]
YAML
start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready

ssh_opts=(-F /dev/null -P "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
          -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=30 -o ServerAliveInterval=15
          -o ServerAliveCountMax=4 -i "$WORK/client/id_ed25519")
sha() { sha256sum "$1" | cut -d' ' -f1; }
elapsed() { $PY -c "print(f'{$EPOCHREALTIME - $1:.2f}')"; }
mib_per_s() { $PY -c "print(f'{$1 / 1048576 / ($EPOCHREALTIME - $2):.1f}')"; }
# run_sftp TIMEOUT < BATCH: one OpenSSH sftp batch in $WORK/local; fails the test on any error.
run_sftp() {
  local limit=$1
  (cd "$WORK/local" && timeout "$limit" sftp "${ssh_opts[@]}" -b - alice@127.0.0.1) > "$WORK/sftp.out" 2>&1 \
    || { cat "$WORK/sftp.out" >&2; return 1; }
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$WHARFD_PID/status"; }
rss_start=$(rss_kib)
echo "wharfd VmRSS at start: ${rss_start} KiB"

# --- 1. A client that stops reading ---------------------------------------------------------------
# First, while wharfd is fresh: memory freed by earlier phases would hide growth from VmRSS.
# 4096 READs of 32 KiB (128 MiB asked for) against a server that keeps 64 outstanding. What
# wharfd may hold for this session while the client reads nothing:
#   the client's window (OpenSSH ssh: 2 MiB; sent, but in socket buffers or the SSH output)
#   + the engine's output (cap 1 MiB, exceeded by at most 64 outstanding replies: 2 MiB)
#   + one take_output() the channel could not send yet (the SFTP handler's pending bytes,
#     outside the engine's cap: up to the same 3 MiB)
#   + unread request bytes (at most the 2 MiB window we advertise) + allocator slack.
# About 10 MiB (13-14 MiB measured); 64 MiB leaves room for malloc arenas and still fails if
# the replies to all 4096 READs (128 MiB) were buffered.
stall_mib=128 reads=4096 read_size=32768 pause=5 bound_mib=64
$PY "$HELPER" make "$WORK/data/alice/stall.bin" "$stall_mib" > /dev/null || fail "could not write stall.bin"
rm -f "$WORK/stall/"*
timeout 120 $PY "$HELPER" stall "$port" "$WORK/client/id_ed25519" alice /stall.bin "$WORK/data/alice/stall.bin" \
  "$reads" "$read_size" "$pause" "$WHARFD_PID" "$WORK/stall/result.json" > "$WORK/stall.out" 2>&1 &
stall_pid=$!
for _ in $(seq 600); do [[ -e "$WORK/stall/paused" ]] && break; kill -0 "$stall_pid" 2>/dev/null || break; sleep 0.05; done
[[ -e "$WORK/stall/paused" ]] || { cat "$WORK/stall.out" >&2; fail "the stalling client never paused"; }
# Meanwhile another session is served.
t=$EPOCHREALTIME
run_sftp 15 <<< 'ls -l' || { touch "$WORK/stall/resume"; fail "a second session could not ls while a client stalled"; }
ls_s=$(elapsed "$t")
grep -q 'stall.bin' "$WORK/sftp.out" || { cat "$WORK/sftp.out" >&2; touch "$WORK/stall/resume"; fail "ls during the stall did not list stall.bin"; }
echo "second session: ls -l in ${ls_s}s while the first one stalled"
touch "$WORK/stall/resume"
wait "$stall_pid" || { cat "$WORK/stall.out" >&2; fail "the stalling client failed"; }
rm -f "$WORK/data/alice/stall.bin"
$PY - "$WORK/stall/result.json" "$bound_mib" "$stall_mib" <<'PYEOF' || fail "memory grew past the bound while a client stalled"
import json, sys
r = json.load(open(sys.argv[1]))
bound, size = int(sys.argv[2]) * 1024, int(sys.argv[3]) * 1024 * 1024
growth = r["rss_peak_kib"] - r["rss_before_kib"]
print(f"stall: RSS before {r['rss_before_kib']} KiB, peak {r['rss_peak_kib']} KiB (+{growth} KiB, bound {bound} KiB), "
      f"after {r['rss_after_kib']} KiB; {len(r['rss_samples_kib'])} samples over {r['paused_s']}s; "
      f"then {r['bytes_checked']} bytes read and checked in {r['resume_s']}s")
assert r["bytes_checked"] == size, f"read back {r['bytes_checked']} of {size} bytes"
assert growth < bound, f"VmRSS grew by {growth} KiB (bound {bound} KiB)"
PYEOF
pass "a stalled reader: RSS bounded, others served, all data correct once it reads again"

# --- 2. 1 GiB each way --------------------------------------------------------------------------
t=$EPOCHREALTIME
want=$($PY "$HELPER" make "$WORK/local/big.bin" "$big_mib") || fail "could not write the ${big_mib} MiB file"
echo "made ${big_mib} MiB in $(elapsed "$t")s"
bytes=$((big_mib * 1024 * 1024))
uploads_before=$(count_events sftp.upload.done) downloads_before=$(count_events sftp.download.done)
t=$EPOCHREALTIME
run_sftp 150 <<< 'put big.bin big.bin' || fail "${big_mib} MiB upload (sftp put) failed or took over 150s"
echo "upload ${big_mib} MiB: $(elapsed "$t")s ($(mib_per_s "$bytes" "$t") MiB/s)"
rm -f "$WORK/local/big.bin"
[[ "$(stat -c %s "$WORK/data/alice/big.bin")" == "$bytes" ]] || fail "uploaded file has $(stat -c %s "$WORK/data/alice/big.bin") bytes, not $bytes"
[[ "$(sha "$WORK/data/alice/big.bin")" == "$want" ]] || fail "${big_mib} MiB upload: SHA-256 differs"
wait_for_event sftp.upload.done $((uploads_before + 1)) 10
[[ "$(event_field sftp.upload.done bytes)" == "$bytes" ]] || fail "sftp.upload.done reports $(event_field sftp.upload.done bytes) bytes"
t=$EPOCHREALTIME
run_sftp 150 <<< 'get big.bin big.back' || fail "${big_mib} MiB download (sftp get) failed or took over 150s"
echo "download ${big_mib} MiB: $(elapsed "$t")s ($(mib_per_s "$bytes" "$t") MiB/s)"
rm -f "$WORK/data/alice/big.bin"
[[ "$(sha "$WORK/local/big.back")" == "$want" ]] || fail "${big_mib} MiB download: SHA-256 differs"
rm -f "$WORK/local/big.back"
wait_for_event sftp.download.done $((downloads_before + 1)) 10
[[ "$(event_field sftp.download.done bytes)" == "$bytes" ]] || fail "sftp.download.done reports $(event_field sftp.download.done bytes) bytes"
pass "${big_mib} MiB upload and download with matching SHA-256"
echo "wharfd VmRSS after the big transfers: $(rss_kib) KiB"

# --- 3. Concurrent sessions -----------------------------------------------------------------------
t=$EPOCHREALTIME
$PY "$HELPER" make-many "$WORK/many" "$sessions" "$session_bytes" || fail "could not write the session files"
sha256sum "$WORK"/many/f*.bin | sed "s|$WORK/many/||" | sort -k2 > "$WORK/many.sha"
echo "made $sessions files of $session_bytes bytes in $(elapsed "$t")s"
starts_before=$(count_events sftp.session.start)
uploads_before=$(count_events sftp.upload.done)
downloads_before=$(count_events sftp.download.done)
ends_before=$(count_events sftp.session.end)
# wharfd's peak VmRSS meanwhile, for the record (each session may hold a few MiB of replies).
(peak=0; while r=$(rss_kib 2> /dev/null) && [[ -n $r ]]; do (( r > peak )) && { peak=$r; echo "$peak" > "$WORK/peak_rss"; }; sleep 0.2; done) &
sampler=$!
t=$EPOCHREALTIME
pids=()
for i in $(seq 0 $((sessions - 1))); do
  (cd "$WORK/many" && timeout 150 sftp "${ssh_opts[@]}" -b - alice@127.0.0.1 > "$WORK/many/s$i.out" 2>&1 <<BATCH
put f$i.bin up$i.bin
get up$i.bin back$i.bin
BATCH
  ) &
  pids+=($!)
done
failed=()
for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("$i"); done
kill "$sampler" 2> /dev/null || true
wait "$sampler" 2> /dev/null || true
if (( ${#failed[@]} > 0 )); then
  for i in "${failed[@]:0:3}"; do echo "--- session $i ---" >&2; cat "$WORK/many/s$i.out" >&2; done
  fail "${#failed[@]} of $sessions concurrent sftp sessions failed (sessions ${failed[*]:0:10}...)"
fi
echo "$sessions concurrent sessions (${sessions} x 2 x $session_bytes bytes): $(elapsed "$t")s, wharfd peak VmRSS $(cat "$WORK/peak_rss" 2> /dev/null) KiB"
bad=0
for i in $(seq 0 $((sessions - 1))); do
  want=$(grep " f$i.bin\$" "$WORK/many.sha" | cut -d' ' -f1)
  [[ "$(sha "$WORK/data/alice/up$i.bin")" == "$want" ]] || { echo "session $i: upload differs" >&2; bad=$((bad + 1)); }
  [[ "$(sha "$WORK/many/back$i.bin")" == "$want" ]] || { echo "session $i: download differs" >&2; bad=$((bad + 1)); }
done
(( bad == 0 )) || fail "$bad of $((2 * sessions)) files differ after the concurrent sessions"
rm -rf "$WORK/many" "$WORK"/data/alice/up*.bin
# Every session logged its start, its upload, its download and its end, each with its own connection.
wait_for_event sftp.session.start $((starts_before + sessions)) 20
wait_for_event sftp.upload.done $((uploads_before + sessions)) 20
wait_for_event sftp.download.done $((downloads_before + sessions)) 20
wait_for_event sftp.session.end $((ends_before + sessions)) 20
$PY - "$WORK/wharfd.log" "$sessions" "$session_bytes" <<'PYEOF' || fail "log lines of the concurrent sessions"
import collections, json, sys
sessions, size = int(sys.argv[2]), int(sys.argv[3])
by_path = collections.defaultdict(list)
starts = collections.Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    record = json.loads(line)
    event = record.get("event")
    if event in ("sftp.upload.done", "sftp.download.done"):
        by_path[(event, record.get("path"))].append(record)
    elif event in ("sftp.session.start", "sftp.session.end"):
        starts[(event, record.get("conn"))] += 1
problems = []
conns = collections.defaultdict(set)
for i in range(sessions):
    for event in ("sftp.upload.done", "sftp.download.done"):
        records = by_path.get((event, f"/up{i}.bin"), [])
        if len(records) != 1:
            problems.append(f"{event} /up{i}.bin: {len(records)} lines")
            continue
        r = records[0]
        if r.get("status") != "ok" or r.get("bytes") != size:
            problems.append(f"{event} /up{i}.bin: status {r.get('status')} bytes {r.get('bytes')}")
        conns[i].add(r.get("conn"))
for i, c in conns.items():
    if len(c) != 1 or None in c:
        problems.append(f"session {i}: upload and download on connections {sorted(map(str, c))}")
    elif starts[("sftp.session.start", next(iter(c)))] != 1 or starts[("sftp.session.end", next(iter(c)))] != 1:
        problems.append(f"session {i}: connection {next(iter(c))} lacks one sftp.session.start/end")
if len({next(iter(c)) for c in conns.values() if len(c) == 1}) != sessions:
    problems.append("sessions share connection ids")
if problems:
    print("\n".join(problems[:20]), file=sys.stderr)
    sys.exit(1)
PYEOF
pass "$sessions concurrent sessions: every upload and download intact, each logged once with its own connection"
echo "wharfd VmRSS after the concurrent sessions: $(rss_kib) KiB"

# --- Wrap-up --------------------------------------------------------------------------------------
assert_all_json
(( $(count_events sftp.session.end) >= $(count_events sftp.session.start) )) || fail "sessions without sftp.session.end"
echo "wharfd VmRSS at the end: $(rss_kib) KiB"
stop_wharfd_within 10
