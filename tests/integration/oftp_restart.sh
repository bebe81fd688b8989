#!/usr/bin/env bash
# Restart of a broken 200 MB transfer (RFC 5024 SFIDREST/SFPAACNT) from `wharf oftp send` to
# wharfd's OFTP station: a) the sender is killed (SIGKILL) half way, b) the receiver is. Sending
# the same file again resumes from the receiver's checkpoint (restart_offset in both logs, close
# to where the cut was) and the inbox file is byte-exact.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oftp_lib.sh"

readonly MiB=$((1024 * 1024))
readonly CHECKPOINT=$((2 * MiB))
readonly CUT_AT=$((100 * MiB))
SEND_PID=""
trap '[[ -n $SEND_PID ]] && kill -KILL "$SEND_PID" 2>/dev/null; cleanup' EXIT

start_oftp_station "  protocol: {checkpoint_interval: 2M}"
big=$WORK/files/big.bin
head -c 200M /dev/urandom > "$big"
incoming=$WORK/state/oftp/client/incoming

# start_send DSN: `wharf oftp send` of the big file in the background (SEND_PID is wharf's own
# pid, so SIGKILL hits the client and not a shell around it).
start_send() {
  "$WHARF" oftp send --to "127.0.0.1:$OFTP_PORT" --ssid CLIENT --password CLIENTPW --sfid WHARF \
    --partner-ssid WHARF --partner-password WHARFPW --state-dir "$WORK/cli-state" --log-format json \
    --dsn "$1" "$big" > "$WORK/send.out" 2> "$WORK/send.log" &
  SEND_PID=$!
  disown  # it is killed on purpose: no job report from bash
}

# part_size: octets in the receiver's partial file (0 before it exists).
part_size() {
  local part
  part=$(find "$incoming" -name '*.part' 2>/dev/null | head -1)
  if [[ -n $part ]]; then stat -c %s "$part"; else echo 0; fi
}

# checkpoint_bytes: the octets of the partial file the receiver's restart state calls safe.
checkpoint_bytes() {
  local state
  state=$(find "$incoming" -name '*.state' | head -1)
  [[ -n $state ]] || fail "no restart state in $incoming"
  awk '$1 == "content_bytes" { print $2 }' "$state"
}

# cut_when_half_there PID: SIGKILL PID once the partial file holds CUT_AT octets; prints the
# partial file's size at that moment.
cut_when_half_there() {
  local pid=$1 deadline=$((SECONDS + 40)) size=0
  while :; do
    size=$(part_size)
    (( size >= CUT_AT )) && break
    kill -0 "$pid" 2>/dev/null || fail "the transfer ended before the cut ($size octets there)"
    (( SECONDS < deadline )) || fail "only $size octets arrived within 40 s"
    sleep 0.01
  done
  kill -KILL "$pid"
  echo "$size"
}

# client_field EVENT FIELD: FIELD of the last EVENT in the client's JSON log.
client_field() { log_field "$WORK/send.log" "$1" "$2"; }

# assert_resumed DSN LOW HIGH: the second send delivered DSN byte-exact, resuming at an offset
# in [LOW, HIGH] by wharfd's and the client's logs.
assert_resumed() {
  local dsn=$1 low=$2 high=$3 offset
  wait_for_event oftp.file.received 1 30
  offset=$(event_field oftp.file.received restart_offset)
  [[ "$(event_field oftp.file.received dsn)" == "$dsn" ]] || fail "wharfd received $(event_field oftp.file.received dsn), not $dsn"
  (( offset >= low && offset <= high )) || fail "$dsn resumed at $offset, expected $low..$high"
  [[ "$(client_field oftp.file.sent restart_offset)" == "$offset" ]] \
    || fail "the client's oftp.file.sent does not say restart_offset $offset: $(cat "$WORK/send.log")"
  [[ "$(event_field oftp.file.received bytes)" == $((200 * MiB)) ]] || fail "wharfd logged $(event_field oftp.file.received bytes) bytes"
  cmp -s "$big" "$(received_file "$dsn")" || fail "$dsn: the inbox file differs from the source"
  [[ -z $(find "$incoming" -name '*.part') ]] || fail "$dsn: a partial file is left behind"
  echo "$dsn resumed at $offset ($((offset / MiB)) MiB)"
}

# --- a) the sender dies half way ----------------------------------------------------------------
start_send BIGA
cut=$(cut_when_half_there "$SEND_PID")
SEND_PID=""
wait_for_event oftp.file.interrupted 1 20
kept=$(part_size)
echo "client killed at $cut octets in the partial file; wharfd kept $kept"
(( kept >= cut )) || fail "wharfd kept $kept octets of the partial file, fewer than the $cut there at the cut"
[[ $(checkpoint_bytes) == "$kept" ]] || fail "wharfd's restart state holds $(checkpoint_bytes) octets, the file $kept"
oftp_send --dsn BIGA "$big" || fail "resending BIGA: exit $?: $(cat "$WORK/send.out" "$WORK/send.log")"
# wharfd kept all it got; the client records how far it read every 4 MiB, so it offers a
# position up to that much short of it.
assert_resumed BIGA $((kept - 5 * MiB)) $((kept / 1024 * 1024))
pass "a) the sender was killed at $((cut / MiB)) MiB; the resend resumed and the file is byte-exact"

# --- b) the receiver dies half way --------------------------------------------------------------
cp "$WORK/wharfd.log" "$WORK/wharfd-a.log"
start_send BIGB
disown "$WHARFD_PID"
cut=$(cut_when_half_there "$WHARFD_PID")
while kill -0 "$WHARFD_PID" 2>/dev/null; do sleep 0.05; done
for _ in $(seq 200); do kill -0 "$SEND_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$SEND_PID" 2>/dev/null && fail "the client still runs 10 s after wharfd died"
SEND_PID=""
kept=$(part_size)
safe=$(checkpoint_bytes)
echo "wharfd killed at $cut octets in the partial file; $kept there after it died, its last checkpoint $safe"
# The last checkpoint is at most one interval (plus one exchange buffer) behind what was
# appended; the batch being appended at the cut may be missing from the file or be there in part.
(( safe <= kept && safe >= cut - CHECKPOINT - 4 * MiB )) || fail "checkpoint $safe is not within an interval of the cut"
start_wharfd --config "$WORK/wharf.yaml"
wait_for_event server.ready
oftp_send --dsn BIGB "$big" || fail "resending BIGB: exit $?: $(cat "$WORK/send.out" "$WORK/send.log")"
# The client read further than wharfd kept (it offers all it read), so the restart is exactly
# the checkpoint's whole KiB blocks; what the .part file held beyond it is sent again.
assert_resumed BIGB $((safe / 1024 * 1024)) $((safe / 1024 * 1024))
pass "b) wharfd was killed at $((cut / MiB)) MiB; after its restart the resend resumed from its checkpoint, byte-exact"
assert_all_json
stop_wharfd_within 5
