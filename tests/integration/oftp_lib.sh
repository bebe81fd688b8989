# Helpers for the OFTP integration tests (source after lib.sh): test certificates made with
# openssl, a wharfd OFTP station with one partner for `wharf oftp send`, and that client.

# make_oftp_certs: $WORK/pki with ca.pem/ca.key (the partners' CA), server.pem/server.key
# (wharfd's, CN=localhost), client.pem/client.key (issued by the CA), rogue.pem/rogue.key
# (self-signed, same subject as the client: a wrong certificate).
make_oftp_certs() {
  local pki=$WORK/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 2 \
    -subj "/CN=wharf test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  local name
  for name in server client; do
    openssl req -newkey rsa:2048 -nodes -keyout "$pki/$name.rsa" -out "$pki/$name.csr" \
      -subj "/CN=${name/server/localhost}" 2>/dev/null
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 2 -out "$pki/$name.pem" \
      -extfile <(printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n') 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$pki/$name.rsa" -out "$pki/$name.key"
  done
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/rogue.rsa" -out "$pki/rogue.pem" -days 2 \
    -subj "/CN=client" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$pki/rogue.rsa" -out "$pki/rogue.key"
}

# start_oftp_station [EXTRA_OFTP_YAML] [EXTRA_PARTNER_YAML]: wharfd with oftp.listen on
# $OFTP_PORT and oftp.tls_listen on $OFTPS_PORT (SSID WHARF, password WHARFPW), one partner
# "client" (SSID CLIENT, password CLIENTPW, inbox $WORK/inbox) whose protocol allows
# everything; EXTRA_* are YAML lines appended to the oftp section / the partner (indented).
start_oftp_station() {
  [[ -f "$WORK/pki/ca.pem" ]] || make_oftp_certs
  OFTP_PORT=$(free_port)
  OFTPS_PORT=$(free_port)
  mkdir -p "$WORK/inbox" "$WORK/outbox" "$WORK/cli-state" "$WORK/files"
  cat > "$WORK/wharf.yaml" <<YAML
server: {state_dir: state, workers: 2, shutdown_grace: 2s}
oftp:
  listen: ["127.0.0.1:$OFTP_PORT"]
  tls_listen: ["127.0.0.1:$OFTPS_PORT"]
  ssid: WHARF
  password: WHARFPW
  tls:
    certificate: pki/server.pem
    private_key: pki/server.key
${1:-}
partners:
  - name: client
    ssid: CLIENT
    password: CLIENTPW
    inbox: inbox
    outbox: outbox
    protocol: {exchange_buffer: 99999, credit: 99, compression: true}
${2:-}
YAML
  start_wharfd --config "$WORK/wharf.yaml"
  wait_for_event server.ready
}

# oftp_send ARGS...: `wharf oftp send` to the station as partner "client" over plain TCP (add
# --tls ... to the ARGS for TLS, which also needs --to 127.0.0.1:$OFTPS_PORT after them);
# stdout to $WORK/send.out, the JSON log to $WORK/send.log; returns wharf's exit status.
oftp_send() {
  "$WHARF" oftp send --to "127.0.0.1:$OFTP_PORT" --ssid CLIENT --password CLIENTPW --sfid WHARF \
    --partner-ssid WHARF --partner-password WHARFPW --state-dir "$WORK/cli-state" --log-format json \
    "$@" > "$WORK/send.out" 2> "$WORK/send.log"
}

# client_events NAME: how many lines of the client's JSON log carry event NAME.
client_events() {
  $PY - "$WORK/send.log" "$1" <<'PYEOF'
import json, sys
count = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    count += record.get("event") == sys.argv[2]
print(count)
PYEOF
}

# received_file DSN: the one inbox file whose name starts with DSN (any originator folder).
received_file() {
  local found
  found=$(find "$WORK/inbox" -type f -name "$1.*" | head -2)
  [[ $(printf '%s\n' "$found" | grep -c .) -eq 1 ]] || fail "expected one inbox file for $1, found: ${found:-none}"
  printf '%s\n' "$found"
}
