# Shared by the benchmarks: ports, and a private OpenSSH sshd next to wharf. Callers set
# `work` (a scratch directory) and `pids` (killed on exit) before sourcing this file.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done; echo "port $1 never opened"; exit 1; }

# start_bench_sshd [EXTRA sshd_config LINES...]: makes $work/host_key (wharf reuses it, so both
# servers sign with the same key type) and the client key $work/id, starts sshd on a free
# loopback port with key authentication only, and sets sshd_port and sshd_pid.
start_bench_sshd() {
  local sshd
  sshd=$(command -v sshd || echo /usr/sbin/sshd)
  [[ -x "$sshd" ]] || { echo "OpenSSH sshd missing"; exit 2; }
  mkdir -p /run/sshd 2>/dev/null || true   # privilege separation directory, when root
  ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$work/id"
  cp "$work/id.pub" "$work/authorized_keys"; chmod 600 "$work/authorized_keys"
  sshd_port=$(free_port)
  {
    printf '%s\n' "Port $sshd_port" "ListenAddress 127.0.0.1" "HostKey $work/host_key" "PidFile none" \
      "AuthorizedKeysFile $work/authorized_keys" "StrictModes no" "UsePAM no" "PasswordAuthentication no" \
      "KbdInteractiveAuthentication no" "PermitRootLogin prohibit-password" "LogLevel ERROR"
    local line
    for line in "$@"; do printf '%s\n' "$line"; done
  } > "$work/sshd_config"
  "$sshd" -D -e -f "$work/sshd_config" 2> "$work/sshd.log" &
  sshd_pid=$!
  pids+=("$sshd_pid")
}
