#!/usr/bin/env bash
# `wharf oftp send --config FILE --partner NAME`: the client takes its station and the partner
# (address, SSID, passwords, inbox) from a wharfd configuration. In one session it delivers its
# file, receives the file wharfd's outbox holds for it (wharfd speaks after the CD), answers
# with an EERP that wharfd matches to the sent file, and gets the EERP for its own.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oftp_lib.sh"

start_oftp_station
mkdir -p "$WORK/client-inbox"
cat > "$WORK/client.yaml" <<YAML
server: {state_dir: client-state}
oftp:
  ssid: CLIENT
  password: CLIENTPW
partners:
  - name: station
    ssid: WHARF
    password: WHARFPW
    inbox: client-inbox
    outbox: client-outbox
    connect: {address: "127.0.0.1:$OFTP_PORT"}
YAML
"$WHARFD" --check-config "$WORK/client.yaml" > /dev/null || fail "the client configuration is invalid"
head -c 123457 /dev/urandom > "$WORK/files/to-station.bin"
head -c 77777 /dev/urandom > "$WORK/files/for-client.bin"
cp "$WORK/files/for-client.bin" "$WORK/outbox/REPORT.TXT"

(cd "$WORK" && "$WHARF" oftp send --config client.yaml --partner station --dsn VIACONFIG \
   --log-format json files/to-station.bin > send.out 2> send.log) \
  || fail "send via --config: exit $?: $(cat "$WORK/send.out" "$WORK/send.log")"
grep -q "sent as VIACONFIG .*EERP received" "$WORK/send.out" || fail "no EERP for VIACONFIG: $(cat "$WORK/send.out")"
grep -q "received 1 file" "$WORK/send.out" || fail "the client did not receive the outbox file: $(cat "$WORK/send.out")"
cmp -s "$WORK/files/to-station.bin" "$(received_file VIACONFIG)" || fail "VIACONFIG differs in wharfd's inbox"
got=$(find "$WORK/client-inbox" -type f -name 'REPORT.TXT.*')
[[ -n "$got" ]] && cmp -s "$WORK/files/for-client.bin" "$got" || fail "the outbox file did not arrive byte-exact at the client"
wait_for_event oftp.eerp.received 1
[[ "$(event_field oftp.eerp.received dsn)" == REPORT.TXT ]] || fail "wharfd's EERP names $(event_field oftp.eerp.received dsn)"
[[ "$(event_field oftp.eerp.received matched)" == True ]] || fail "wharfd did not match the EERP to its sent file"
[[ -z "$(ls -A "$WORK/outbox")" ]] || fail "the outbox still holds $(ls -A "$WORK/outbox")"
[[ -z "$(find "$WORK/state/oftp/client/sent" -type f 2>/dev/null)" ]] || fail "the sent copy was kept after its EERP"
[[ $(count_events oftp.session.start) -eq 1 ]] || fail "more than one session on wharfd's side"
assert_all_json
pass "--config/--partner: both files delivered in one session, EERPs both ways, outbox settled"
