#!/usr/bin/env bash
# `wharf oftp send` (our initiator) against wharfd's OFTP station for protocol levels 1.2, 1.3,
# 1.4 and 2.0, over plain TCP and TLS, each virtual file format (U, T, F, V), with and without
# buffer compression: every file arrives byte-exact in the inbox, its EERP comes back in the
# same session, and both logs show the session and the file (wharfd's oftp.file.received and
# oftp.eerp.sent, the client's oftp.file.sent and oftp.eerp.received).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oftp_lib.sh"

start_oftp_station
files=$WORK/files
# U: random octets with long runs (compression has something to do); T: text lines;
# F: 80-octet records; V: lines of 0 to 150 octets, every one ending in LF.
{ head -c 150000 /dev/urandom; head -c 70000 /dev/zero; head -c 30001 /dev/urandom; } > "$files/u.bin"
$PY - "$files" <<'PYEOF'
import random, sys
random.seed(6)
d = sys.argv[1]
with open(d + "/t.txt", "w", newline="") as f:
    for i in range(3000):
        f.write("line %d %s\r\n" % (i, "x" * random.randint(0, 60)))
with open(d + "/f.dat", "wb") as f:
    for i in range(1500):
        f.write(("REC%05d" % i).encode() + bytes([random.randint(65, 90)]) * 72)
with open(d + "/v.txt", "w", newline="") as f:
    for i in range(2500):
        f.write("%s\n" % ("v%d " % i + "y" * random.randint(0, 140))[: random.randint(0, 150)])
PYEOF

format_args() {
  case $1 in
    U) echo "--format U $files/u.bin" ;;
    T) echo "--format T $files/t.txt" ;;
    F) echo "--format F --record-length 80 $files/f.dat" ;;
    V) echo "--format V --record-length 150 $files/v.txt" ;;
  esac
}

sessions=0
for version in 1.2 1.3 1.4 2.0; do
  for transport in tcp tls; do
    tls_args=()
    [[ $transport == tls ]] && tls_args=(--tls --ca "$WORK/pki/ca.pem" --to "127.0.0.1:$OFTPS_PORT")
    for compression in off on; do
      compression_args=()
      [[ $compression == on ]] && compression_args=(--compression)
      for format in U T F V; do
        dsn="M${version/./}${transport^^}${compression^^}$format"
        sessions=$((sessions + 1))
        # shellcheck disable=SC2046
        oftp_send --version "$version" "${compression_args[@]}" "${tls_args[@]}" --dsn "$dsn" \
          $(format_args $format) || fail "$dsn: exit $?: $(cat "$WORK/send.out" "$WORK/send.log")"
        grep -q "sent as $dsn .*EERP received" "$WORK/send.out" \
          || fail "$dsn: no EERP in the report: $(cat "$WORK/send.out")"
        source_file=$(format_args $format | awk '{print $NF}')
        got=$(received_file "$dsn")
        cmp -s "$source_file" "$got" || fail "$dsn: the received file differs from $source_file"
        [[ $(client_events oftp.file.sent) -eq 1 && $(client_events oftp.eerp.received) -eq 1 ]] \
          || fail "$dsn: the client's log lacks oftp.file.sent/oftp.eerp.received: $(cat "$WORK/send.log")"
        [[ $(client_events oftp.session.start) -eq 1 ]] || fail "$dsn: no oftp.session.start in the client's log"
      done
      wait_for_event oftp.file.received "$sessions"
      [[ "$(event_field oftp.session.start version)" == "$version" ]] \
        || fail "$version/$transport: wharfd's session ran $(event_field oftp.session.start version)"
      want_compression=False  # event_field prints JSON booleans as Python does
      [[ $compression == on ]] && want_compression=True
      [[ "$(event_field oftp.session.start compression)" == "$want_compression" ]] \
        || fail "$version/$transport/$compression: wharfd's session compression $(event_field oftp.session.start compression)"
      if [[ $transport == tls ]]; then
        [[ "$(event_field oftp.session.start tls)" == TLS* ]] \
          || fail "$version/tls: wharfd's session says tls=$(event_field oftp.session.start tls)"
      else
        [[ "$(event_field oftp.session.start tls)" == off ]] || fail "$version/tcp: wharfd's session says TLS"
      fi
    done
    pass "OFTP $version over $transport: U, T, F and V files byte-exact, with and without compression, EERPs back"
  done
done
wait_for_event oftp.eerp.sent "$sessions"
[[ $(count_events oftp.session.end) -ge $sessions ]] || fail "fewer oftp.session.end than sessions"
[[ "$(event_field oftp.file.received format)" == V ]] || fail "wharfd logged the last file's format as $(event_field oftp.file.received format)"
[[ $(find "$WORK/inbox" -type f | wc -l) -eq $sessions ]] || fail "the inbox holds other files than the $sessions received"
[[ -z $(find "$WORK/state" -name '*.part' -size +0) ]] || fail "partial files left in the state directory"
assert_all_json
pass "$sessions sessions, each file once in the inbox, every log line JSON"
