#!/usr/bin/env bash
# wharfd's OFTP TLS listener against OpenSSL's s_client and `wharf oftp send --tls`:
# - without client authentication, s_client completes a TLS 1.2 handshake (verifying wharfd's
#   certificate against the test CA) and the first application bytes are the SSRM STB;
# - with oftp.tls.client_ca and require_client_cert, and partner "client" pinned to client.pem:
#   s_client without a certificate and with a self-signed one is refused in the handshake (no
#   SSRM; wharfd logs oftp.tls.failed with the reason), with the CA-issued client.pem it gets the
#   SSRM; `wharf oftp send` with client.pem delivers a file, without a certificate it ends with
#   exit 255, and with another CA-issued certificate (accepted by the handshake, but not the
#   partner's) it is refused at SSID with ESID 04.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oftp_lib.sh"

make_oftp_certs
pki=$WORK/pki
# Another certificate the CA issued: the handshake takes it, partner "client" must not.
openssl req -newkey rsa:2048 -nodes -keyout "$pki/other.rsa" -out "$pki/other.csr" -subj "/CN=other" 2>/dev/null
openssl x509 -req -in "$pki/other.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
  -out "$pki/other.pem" -extfile <(printf 'basicConstraints=CA:FALSE\n') 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$pki/other.rsa" -out "$pki/other.key"

# s_client_probe NAME [s_client ARGS...]: one s_client run against $OFTPS_PORT that verifies
# wharfd's certificate; prints "SSRM" when the first application bytes are the SSRM STB, else
# "REFUSED" (no application bytes, s_client ended). s_client's stderr goes to $WORK/NAME.err.
s_client_probe() {
  local name=$1; shift
  $PY - "$WORK/$name.err" openssl s_client -connect "127.0.0.1:$OFTPS_PORT" -quiet -verify_return_error \
    -CAfile "$pki/ca.pem" "$@" <<'PYEOF'
import select, subprocess, sys, time
# STB header (version 1, flags 0, length 4 + 19) and "IODETTE FTP READY \r" (RFC 5024 5.3.1, 8.2)
SSRM = bytes([0x10, 0x00, 0x00, 0x17]) + b"IODETTE FTP READY \r"
with open(sys.argv[1], "wb") as errors:
    client = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
    received = b""
    ended_by_itself = False
    deadline = time.monotonic() + 15
    while len(received) < len(SSRM) and time.monotonic() < deadline:
        ready, _, _ = select.select([client.stdout], [], [], 0.2)
        if not ready:
            continue
        chunk = client.stdout.read1(4096)
        if not chunk:  # s_client is ending: the handshake failed or wharfd closed
            try:
                client.wait(timeout=5)
                ended_by_itself = True
            except subprocess.TimeoutExpired:
                pass
            break
        received += chunk
    client.kill()
    client.wait()
if received == SSRM:
    print("SSRM")
elif not received and ended_by_itself:
    print("REFUSED")
else:
    print(f"UNEXPECTED {received.hex()} (s_client {'ended' if ended_by_itself else 'still running'})")
PYEOF
}

# --- Without client authentication --------------------------------------------------------
start_oftp_station
got=$(s_client_probe plain)
[[ $got == SSRM ]] || fail "s_client without client authentication: $got; $(cat "$WORK/plain.err")"
grep -q "depth=0 CN = localhost" "$WORK/plain.err" || fail "s_client did not verify wharfd's certificate: $(cat "$WORK/plain.err")"
wait_for_event oftp.session.end 1   # s_client killed in WF_SSID
[[ "$(event_field oftp.session.end proto)" == oftps ]] || fail "the s_client session was not logged as oftps"
[[ $(count_events oftp.tls.failed) -eq 0 ]] || fail "a good handshake was logged as oftp.tls.failed"
pass "s_client: TLS handshake, wharfd's certificate verified, SSRM as the first application bytes"
stop_wharfd_within 10

# --- Client certificates required -----------------------------------------------------------
start_oftp_station "    client_ca: pki/ca.pem
    require_client_cert: true" "    tls: {certificate: pki/client.pem}"

got=$(s_client_probe none)
[[ $got == REFUSED ]] || fail "s_client without a certificate: $got"
grep -q "alert" "$WORK/none.err" || fail "s_client without a certificate saw no TLS alert: $(cat "$WORK/none.err")"
wait_for_event oftp.tls.failed 1
reason=$(event_field oftp.tls.failed reason)
[[ $reason == tls:* ]] || fail "oftp.tls.failed without a TLS reason: $reason"
pass "s_client without a certificate: refused in the handshake ($reason)"

got=$(s_client_probe rogue -cert "$pki/rogue.pem" -key "$pki/rogue.key")
[[ $got == REFUSED ]] || fail "s_client with the self-signed rogue certificate: $got"
grep -q "alert bad certificate" "$WORK/rogue.err" || fail "s_client with rogue.pem: $(cat "$WORK/rogue.err")"
wait_for_event oftp.tls.failed 2
reason=$(event_field oftp.tls.failed reason)
[[ $reason == *"client certificate refused"* ]] || fail "rogue.pem refused for another reason: $reason"
pass "s_client with a self-signed certificate: refused in the handshake ($reason)"

got=$(s_client_probe client -cert "$pki/client.pem" -key "$pki/client.key")
[[ $got == SSRM ]] || fail "s_client with the CA-issued client.pem: $got; $(cat "$WORK/client.err")"
pass "s_client with the CA-issued client certificate: SSRM"

tls_to=(--tls --ca "$pki/ca.pem" --to "127.0.0.1:$OFTPS_PORT")
head -c 70000 /dev/urandom > "$WORK/files/tls.bin"
oftp_send "${tls_to[@]}" --client-cert "$pki/client.pem" --client-key "$pki/client.key" --dsn TLSCERT \
  "$WORK/files/tls.bin" || fail "send with client.pem: exit $?: $(cat "$WORK/send.out" "$WORK/send.log")"
cmp -s "$WORK/files/tls.bin" "$(received_file TLSCERT)" || fail "the file sent over TLS differs"
wait_for_event oftp.file.received 1
[[ "$(event_field oftp.session.start tls)" == "TLS v1.2 "* ]] || fail "wharfd's session says tls=$(event_field oftp.session.start tls)"
pass "wharf oftp send --client-cert client.pem: the file arrives byte-exact over TLS 1.2"

failed_before=$(count_events oftp.tls.failed)
status=0
oftp_send "${tls_to[@]}" --dsn NOCERT "$WORK/files/tls.bin" || status=$?
[[ $status -eq 255 ]] || fail "send without a client certificate: exit $status: $(cat "$WORK/send.out")"
wait_for_event oftp.tls.failed $((failed_before + 1))
[[ $(client_events oftp.tls.failed) -eq 1 ]] || fail "the client did not log why TLS failed: $(cat "$WORK/send.log")"
pass "wharf oftp send without a client certificate: exit 255, both sides log oftp.tls.failed"

auth_failed_before=$(count_events oftp.auth.failed)
status=0
oftp_send "${tls_to[@]}" --client-cert "$pki/other.pem" --client-key "$pki/other.key" --dsn OTHER \
  "$WORK/files/tls.bin" || status=$?
[[ $status -eq 255 ]] || fail "send with another CA-issued certificate: exit $status: $(cat "$WORK/send.out")"
grep -q "ESID 04" "$WORK/send.out" || fail "another CA-issued certificate: the client saw $(cat "$WORK/send.out")"
wait_for_event oftp.auth.failed $((auth_failed_before + 1))
[[ "$(event_field oftp.auth.failed reason)" == 04 ]] || fail "logged as $(event_field oftp.auth.failed reason)"
[[ "$(event_field oftp.auth.failed why)" == *certificate* ]] || fail "logged why: $(event_field oftp.auth.failed why)"
pass "another CA-issued certificate for partner client (pinned to client.pem): ESID 04 at SSID"

[[ $(find "$WORK/inbox" -type f | wc -l) -eq 1 ]] || fail "the inbox holds $(find "$WORK/inbox" -type f | wc -l) files, not 1"
stop_wharfd_within 10
assert_all_json
