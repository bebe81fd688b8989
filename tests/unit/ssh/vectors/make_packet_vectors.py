#!/usr/bin/python3
"""Known-answer SSH binary packets, built independently of wharf.

Writes packet_vectors.vec next to this script. The C++ test (tests/unit/ssh/
packet_vectors_test.cpp) reads that file, so tests never need Python. Rerun after changing
this script and commit both:

    /usr/bin/python3 tests/unit/ssh/vectors/make_packet_vectors.py

Needs Debian's python3-cryptography (38 was used); call /usr/bin/python3, not a pyenv python.
Everything is built from the specifications, not from wharf's code:
  RFC 4253 section 6      packet layout, minimal padding (>= 4 bytes, aligned to the block),
                          MAC = MAC(key, uint32 seq || unencrypted packet)
  OpenSSH PROTOCOL 1.5    -etm: length in clear, MAC over uint32 seq || length || ciphertext
  RFC 4344 / RFC 4345     CTR counters run across packets; arcfour256 drops 1536 keystream bytes
  RFC 5647 section 7      AES-GCM: length as AAD, 4-byte fixed IV + 64-bit invocation counter
  PROTOCOL.chacha20poly1305  K_2 = key[0:32], K_1 = key[32:64], nonce = uint64 seq,
                          Poly1305 key = K_2 block 0, payload from block 1
Keys, IVs, payloads and padding are deterministic (SHA-512 of a label), so the file is stable.
"""

import hashlib
import hmac
import os
import struct
import warnings

from cryptography.hazmat.primitives import poly1305
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

warnings.filterwarnings("ignore")  # Blowfish, CAST5, ARC4 and 3DES are deprecated upstream


def det_bytes(label, n):
    """n deterministic bytes for a label."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha512(f"{label}/{counter}".encode()).digest()
        counter += 1
    return out[:n]


def u32(value):
    return struct.pack(">I", value & 0xFFFFFFFF)


# --- unauthenticated ciphers whose state runs across packets ---------------------------------

class OpenSslStream:
    """A cryptography encryptor used for every packet in turn (CTR, CBC, RC4)."""

    def __init__(self, algorithm, mode):
        self.enc = Cipher(algorithm, mode).encryptor()

    def encrypt(self, data):
        return self.enc.update(data)


class EcbCounterMode:
    """CTR built by hand from ECB, for 3DES (OpenSSL has no des-ede3-ctr). RFC 4344 section 4:
    X is the IV as a big-endian integer of block size, incremented after each block."""

    def __init__(self, algorithm, iv):
        self.ecb = Cipher(algorithm, modes.ECB()).encryptor()
        self.block = len(iv)
        self.counter = int.from_bytes(iv, "big")
        self.keystream = b""

    def encrypt(self, data):
        while len(self.keystream) < len(data):
            x = self.counter.to_bytes(self.block, "big")
            self.keystream += self.ecb.update(x)
            self.counter = (self.counter + 1) % (1 << (8 * self.block))
        out = bytes(a ^ b for a, b in zip(data, self.keystream))
        self.keystream = self.keystream[len(data):]
        return out


class Arcfour1536:
    """RFC 4345: RC4 with the first 1536 bytes of keystream thrown away."""

    def __init__(self, key):
        self.enc = Cipher(algorithms.ARC4(key), None).encryptor()
        self.enc.update(bytes(1536))

    def encrypt(self, data):
        return self.enc.update(data)


STREAMS = {
    # name: (key bytes, iv bytes, block size, factory)
    "aes128-ctr": (16, 16, 16, lambda k, iv: OpenSslStream(algorithms.AES(k), modes.CTR(iv))),
    "aes256-ctr": (32, 16, 16, lambda k, iv: OpenSslStream(algorithms.AES(k), modes.CTR(iv))),
    "aes128-cbc": (16, 16, 16, lambda k, iv: OpenSslStream(algorithms.AES(k), modes.CBC(iv))),
    "aes256-cbc": (32, 16, 16, lambda k, iv: OpenSslStream(algorithms.AES(k), modes.CBC(iv))),
    "3des-cbc": (24, 8, 8, lambda k, iv: OpenSslStream(algorithms.TripleDES(k), modes.CBC(iv))),
    "blowfish-cbc": (16, 8, 8, lambda k, iv: OpenSslStream(algorithms.Blowfish(k), modes.CBC(iv))),
    "cast128-cbc": (16, 8, 8, lambda k, iv: OpenSslStream(algorithms.CAST5(k), modes.CBC(iv))),
    "3des-ctr": (24, 8, 8, lambda k, iv: EcbCounterMode(algorithms.TripleDES(k), iv)),
    "arcfour256": (32, 0, 8, lambda k, iv: Arcfour1536(k)),
}

MACS = {
    # name: (hash, key bytes, tag bytes, encrypt-then-MAC)
    "hmac-sha2-256": ("sha256", 32, 32, False),
    "hmac-sha2-512": ("sha512", 64, 64, False),
    "hmac-sha1": ("sha1", 20, 20, False),
    "hmac-sha1-96": ("sha1", 20, 12, False),
    "hmac-md5": ("md5", 16, 16, False),
    "hmac-md5-96": ("md5", 16, 12, False),
    "hmac-sha2-256-etm@openssh.com": ("sha256", 32, 32, True),
    "hmac-sha2-512-etm@openssh.com": ("sha512", 64, 64, True),
    "hmac-sha1-etm@openssh.com": ("sha1", 20, 20, True),
}


def frame(label, payload, block, length_outside_alignment):
    """RFC 4253 section 6 with minimal padding; returns (plaintext packet, padding)."""
    unpadded = (0 if length_outside_alignment else 4) + 1 + len(payload)
    pad = block - unpadded % block
    if pad < 4:
        pad += block
    padding = det_bytes(label + "/padding", pad)
    packet_length = 1 + len(payload) + pad
    return u32(packet_length) + bytes([pad]) + payload + padding, padding


# --- scenarios -----------------------------------------------------------------------------

def stream_scenario(cipher, mac, seqs, payloads):
    key_len, iv_len, block, factory = STREAMS[cipher]
    digest, mac_key_len, tag_len, etm = MACS[mac]
    label = f"{cipher}+{mac}"
    key = det_bytes(label + "/key", key_len)
    iv = det_bytes(label + "/iv", iv_len)
    mac_key = det_bytes(label + "/mac_key", mac_key_len)
    stream = factory(key, iv)
    packets = []
    for i, (seq, payload) in enumerate(zip(seqs, payloads)):
        plain, padding = frame(f"{label}/{i}", payload, block, etm)
        if etm:
            body = stream.encrypt(plain[4:])
            covered = plain[:4] + body
            tag = hmac.new(mac_key, u32(seq) + covered, digest).digest()[:tag_len]
            wire = covered + tag
        else:
            tag = hmac.new(mac_key, u32(seq) + plain, digest).digest()[:tag_len]
            wire = stream.encrypt(plain) + tag
        packets.append((seq, payload, padding, wire))
    return dict(name=label, cipher=cipher, mac=mac, key=key, iv=iv, mac_key=mac_key,
                packets=packets)


def gcm_scenario(cipher, key_len, iv, seqs, payloads):
    label = cipher
    key = det_bytes(label + "/key", key_len)
    fixed, counter = iv[:4], int.from_bytes(iv[4:], "big")
    aead = AESGCM(key)
    packets = []
    for i, (seq, payload) in enumerate(zip(seqs, payloads)):
        plain, padding = frame(f"{label}/{i}", payload, 16, True)
        nonce = fixed + counter.to_bytes(8, "big")
        wire = plain[:4] + aead.encrypt(nonce, plain[4:], plain[:4])
        counter = (counter + 1) % (1 << 64)
        packets.append((seq, payload, padding, wire))
    return dict(name=label, cipher=cipher, mac="", key=key, iv=iv, mac_key=b"", packets=packets)


def chacha20(key, block_counter, nonce8, data):
    # cryptography takes OpenSSL's 16-byte IV: the block counter as 8 little-endian bytes
    # (words 12-13) followed by the 8-byte nonce (words 14-15): the original ChaCha layout.
    iv = block_counter.to_bytes(8, "little") + nonce8
    return Cipher(algorithms.ChaCha20(key, iv), None).encryptor().update(data)


def chacha_scenario(seqs, payloads):
    label = "chacha20-poly1305@openssh.com"
    key = det_bytes(label + "/key", 64)
    k2, k1 = key[:32], key[32:]
    packets = []
    for i, (seq, payload) in enumerate(zip(seqs, payloads)):
        plain, padding = frame(f"{label}/{i}", payload, 8, True)
        nonce = seq.to_bytes(8, "big")
        length = chacha20(k1, 0, nonce, plain[:4])
        poly_key = chacha20(k2, 0, nonce, bytes(32))
        body = chacha20(k2, 1, nonce, plain[4:])
        tag = poly1305.Poly1305.generate_tag(poly_key, length + body)
        packets.append((seq, payload, padding, length + body + tag))
    return dict(name=label, cipher=label, mac="", key=key, iv=b"", mac_key=b"", packets=packets)


def payloads_for(label, sizes):
    # Message number 2 (SSH_MSG_IGNORE) followed by deterministic bytes.
    return [bytes([2]) + det_bytes(f"{label}/payload/{n}", n - 1) for n in sizes]


SIZES = [1, 16, 31, 100, 1000]


def scenarios():
    out = []
    out.append(chacha_scenario([0, 1, 7, 0xFFFFFFFF], payloads_for("chacha", [1, 16, 100, 1000])))
    # The invocation counter starts at ...fffe so the third packet carries into byte 7.
    out.append(gcm_scenario("aes128-gcm@openssh.com", 16,
                            det_bytes("gcm128/fixed", 4) + bytes.fromhex("00000000fffffffe"),
                            [0, 1, 2, 3], payloads_for("gcm128", [1, 16, 100, 1000])))
    out.append(gcm_scenario("aes256-gcm@openssh.com", 32, det_bytes("gcm256/iv", 12),
                            [0, 1, 2], payloads_for("gcm256", [31, 1, 1000])))
    for cipher, mac in [
        ("aes128-ctr", "hmac-sha2-256"),
        ("aes128-ctr", "hmac-sha2-256-etm@openssh.com"),
        ("aes256-ctr", "hmac-sha2-512-etm@openssh.com"),
        ("aes128-cbc", "hmac-sha1"),
        ("aes256-cbc", "hmac-sha1-etm@openssh.com"),
        ("3des-cbc", "hmac-sha1-96"),
        ("blowfish-cbc", "hmac-md5"),
        ("cast128-cbc", "hmac-md5-96"),
        ("3des-ctr", "hmac-sha2-512"),
        ("arcfour256", "hmac-sha2-256"),
    ]:
        seqs = list(range(len(SIZES)))
        out.append(stream_scenario(cipher, mac, seqs, payloads_for(cipher + mac, SIZES)))
    return out


def main():
    lines = [
        "# SSH binary packets made by make_packet_vectors.py (python3-cryptography 38 and",
        "# hashlib/hmac), not by wharf. Regenerate with that script; do not edit by hand.",
        "# [name] then cipher, mac, key, iv, mac_key; then per packet: seq, payload, padding",
        "# (the random padding bytes the sender used) and wire (the bytes on the wire).",
    ]
    for s in scenarios():
        lines += ["", f"[{s['name']}]", f"cipher = {s['cipher']}", f"mac = {s['mac']}",
                  f"key = {s['key'].hex()}", f"iv = {s['iv'].hex()}",
                  f"mac_key = {s['mac_key'].hex()}"]
        for seq, payload, padding, wire in s["packets"]:
            lines += ["", f"seq = {seq}", f"payload = {payload.hex()}",
                      f"padding = {padding.hex()}", f"wire = {wire.hex()}"]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packet_vectors.vec")
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(line.rstrip() for line in lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
