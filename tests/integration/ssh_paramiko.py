"""paramiko (an independent SSH implementation) against wharf's SSH server: password and
publickey authentication, then an exec channel and a subsystem channel."""
import io
import sys

import paramiko

port = int(sys.argv[1])
key_file = sys.argv[2]
password = sys.argv[3]


def connect(**auth):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", port=port, username="alice", allow_agent=False, look_for_keys=False,
                   timeout=10, banner_timeout=10, auth_timeout=10, **auth)
    return client


def exec_source(client, size):
    stdin, stdout, _ = client.exec_command(f"source {size}")
    data = stdout.read()
    assert stdout.channel.recv_exit_status() == 0
    return data


def echo_subsystem(client, text):
    channel = client.get_transport().open_session()
    channel.invoke_subsystem("echo")
    channel.sendall(text)
    channel.shutdown_write()
    received = b""
    while True:
        chunk = channel.recv(65536)
        if not chunk:
            break
        received += chunk
    status = channel.recv_exit_status()
    channel.close()
    return received, status


with connect(password=password) as client:
    data = exec_source(client, 1000000)
    assert len(data) == 1000000, len(data)
    assert data[:26] == b"abcdefghijklmnopqrstuvwxyz"
    cipher = client.get_transport().remote_cipher
    print(f"ok: password auth; exec source 1000000 bytes intact (cipher {cipher})")

key = paramiko.Ed25519Key.from_private_key_file(key_file)
with connect(pkey=key) as client:
    payload = bytes(range(256)) * 4096
    received, status = echo_subsystem(client, payload)
    assert received == payload and status == 0, (len(received), status)
    print("ok: ed25519 key auth; echo subsystem 1 MiB round trip")

try:
    connect(password="wrong-" + password)
    raise SystemExit("FAIL: a wrong password was accepted")
except paramiko.AuthenticationException:
    print("ok: wrong password refused")
