"""Helpers for sftp_stress.sh.

  sftp_stress.py make FILE MIB [SEED]
      Writes MIB MiB of pseudo-random bytes (AES-CTR keyed by SEED, random by default) and
      prints the SHA-256. Several times faster than /dev/urandom; the content only has to be
      incompressible and different per file.
  sftp_stress.py make-many DIR COUNT BYTES
      Writes DIR/f<i>.bin for i in 0..COUNT-1, each BYTES long with its own seed.
  sftp_stress.py stall PORT KEY USER REMOTE LOCAL READS READ_SIZE PAUSE WHARFD_PID OUT_JSON
      A raw SFTP v3 client (its own packets, carried by `ssh -s ... sftp`): opens REMOTE,
      pipelines READS reads of READ_SIZE bytes (far more than the server keeps outstanding),
      then stops reading the channel for PAUSE seconds while sampling wharfd's VmRSS; while
      paused, the file "paused" appears in OUT_JSON's directory (the shell runs a second
      session then) and "resume" is awaited.
      Afterwards it reads every reply and checks each DATA against LOCAL. Writes the RSS
      samples and timings to OUT_JSON.
"""
import hashlib
import json
import os
import struct
import sys
import threading
import time

CHUNK = 16 * 1024 * 1024


def keystream(seed):
    """AES-128-CTR over zeros, keyed by the seed: incompressible and ~0.5 GB/s."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = hashlib.sha256(str(seed).encode()).digest()
    encryptor = Cipher(algorithms.AES(key[:16]), modes.CTR(key[16:])).encryptor()
    zeros = bytes(CHUNK)
    return lambda n: encryptor.update(zeros[:n])


def make(path, mib, seed):
    stream = keystream(seed)
    digest = hashlib.sha256()
    left = mib * 1024 * 1024
    with open(path, "wb") as f:
        while left > 0:
            block = stream(min(CHUNK, left))
            digest.update(block)
            f.write(block)
            left -= len(block)
    print(digest.hexdigest())


def make_many(directory, count, size):
    for i in range(count):
        stream = keystream(f"session-{i}")
        with open(os.path.join(directory, f"f{i}.bin"), "wb") as f:
            left = size
            while left > 0:
                block = stream(min(CHUNK, left))
                f.write(block)
                left -= len(block)


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# --- a minimal SFTP v3 client on a raw channel ---------------------------------------------
FXP_INIT, FXP_VERSION, FXP_OPEN, FXP_CLOSE, FXP_READ = 1, 2, 3, 4, 5
FXP_STATUS, FXP_HANDLE, FXP_DATA = 101, 102, 103
FXF_READ = 1


def sstr(b):
    return struct.pack(">I", len(b)) + b


def packet(kind, body):
    return struct.pack(">IB", len(body) + 1, kind) + body


class Reader:
    """Whole SFTP packets from a pipe, reading only when asked."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = bytearray()

    def _fill(self, n):
        while len(self.buffer) < n:
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                raise EOFError("the server closed the channel (or ssh exited)")
            self.buffer += chunk

    def packet(self):
        self._fill(4)
        (length,) = struct.unpack_from(">I", self.buffer)
        self._fill(4 + length)
        body = bytes(self.buffer[4:4 + length])
        del self.buffer[:4 + length]
        return body[0], body[1:]


def stall(port, key, user, remote, local, reads, read_size, pause, pid, out_json):
    """OpenSSH's ssh carries the channel (ssh -s ... sftp); SFTP packets are ours. ssh opens its
    window (2 MiB) only as we read its stdout, so once we stop reading the server must hold
    every further reply itself."""
    import subprocess

    result = {"reads": reads, "read_size": read_size, "pause_s": pause}
    ssh = subprocess.Popen(
        ["ssh", "-F", "/dev/null", "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=20",
         "-i", key, "-s", f"{user}@127.0.0.1", "sftp"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    try:
        stall_session(ssh, result, remote, local, reads, read_size, pause, pid, out_json)
    finally:
        if ssh.poll() is None:
            ssh.kill()
        ssh.wait()


def stall_session(ssh, result, remote, local, reads, read_size, pause, pid, out_json):
    send = ssh.stdin.write
    reader = Reader(ssh.stdout.fileno())
    send(packet(FXP_INIT, struct.pack(">I", 3)))
    kind, _ = reader.packet()
    assert kind == FXP_VERSION, kind
    send(packet(FXP_OPEN, struct.pack(">I", 1) + sstr(remote.encode()) + struct.pack(">II", FXF_READ, 0)))
    kind, body = reader.packet()
    assert kind == FXP_HANDLE, (kind, body)
    handle = body[8:8 + struct.unpack_from(">I", body, 4)[0]]

    time.sleep(0.5)
    result["rss_before_kib"] = vm_rss_kib(pid)

    # Send every READ from a thread: the server takes in 64 at a time and then keeps its
    # window shut, so the write may block until we read again.
    requests = bytearray()
    for i in range(reads):
        requests += packet(FXP_READ, struct.pack(">I", 100 + i) + sstr(handle) + struct.pack(">QI", i * read_size, read_size))
    send_error = []

    def send_all():
        try:
            send(bytes(requests))
        except Exception as e:  # reported below
            send_error.append(repr(e))

    sender = threading.Thread(target=send_all, daemon=True)
    sender.start()

    # Stop reading for `pause` seconds, and until the shell has run its second session.
    samples = []
    started = time.monotonic()
    paused_marker = os.path.join(os.path.dirname(out_json), "paused")
    resume_marker = os.path.join(os.path.dirname(out_json), "resume")
    deadline = started + 60
    while time.monotonic() - started < pause or not os.path.exists(resume_marker):
        if time.monotonic() > deadline:
            raise RuntimeError("the shell never said resume")
        samples.append(vm_rss_kib(pid))
        if time.monotonic() - started > 1.0 and not os.path.exists(paused_marker):
            open(paused_marker, "w").close()
        time.sleep(0.1)
    result["rss_samples_kib"] = samples
    result["rss_peak_kib"] = max(samples)
    result["paused_s"] = round(time.monotonic() - started, 1)

    # Resume: every DATA in order, matching the file on disk.
    resumed = time.monotonic()
    total = 0
    with open(local, "rb") as f:
        for i in range(reads):
            kind, body = reader.packet()
            (rid,) = struct.unpack_from(">I", body)
            if rid != 100 + i:
                raise AssertionError(f"reply {i}: id {rid}, expected {100 + i} (replies out of order)")
            f.seek(i * read_size)
            expected = f.read(read_size)
            if kind == FXP_STATUS:
                (code,) = struct.unpack_from(">I", body, 4)
                if expected:
                    raise AssertionError(f"read {i} at {i * read_size}: STATUS {code}, expected data")
                continue
            if kind != FXP_DATA:
                raise AssertionError(f"reply {i}: packet type {kind}")
            (n,) = struct.unpack_from(">I", body, 4)
            data = body[8:8 + n]
            if data != expected:
                raise AssertionError(f"read {i} at {i * read_size}: {len(data)} bytes differ from the file")
            total += len(data)
    sender.join(30)
    if send_error:
        raise AssertionError(f"sending the READs failed: {send_error[0]}")
    result["resume_s"] = round(time.monotonic() - resumed, 2)
    result["bytes_checked"] = total
    result["rss_after_kib"] = vm_rss_kib(pid)
    send(packet(FXP_CLOSE, struct.pack(">I", 99999) + sstr(handle)))
    kind, body = reader.packet()
    assert kind == FXP_STATUS and struct.unpack_from(">I", body, 4)[0] == 0, (kind, body)
    ssh.stdin.close()
    ssh.wait(20)
    with open(out_json, "w") as f:
        json.dump(result, f)


def main():
    command = sys.argv[1]
    if command == "make":
        make(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else os.urandom(16).hex())
    elif command == "make-many":
        make_many(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif command == "stall":
        a = sys.argv[2:]
        stall(int(a[0]), a[1], a[2], a[3], a[4], int(a[5]), int(a[6]), float(a[7]), int(a[8]), a[9])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
