#!/usr/bin/python3
"""Known-answer vectors for wharf's SSH key exchange, made independently of wharf and Botan.

Debian's python3 with python3-cryptography (38) does the X25519, ECDH P-256, finite-field DH and
Ed25519 arithmetic; hashlib does SHA-256. The MODP primes are not copied from anywhere: they are
computed from their defining formulas in RFC 2409 section 6.2 and RFC 3526 (2^n - 2^(n-64) - 1 +
2^64 * (floor(2^(n-130) * pi) + offset)), with pi from Machin's formula, and checked for
primality here.

Every private value is fixed, so the output never changes. Run from the repository root:
    /usr/bin/python3 tests/unit/ssh/vectors/make_kex_vectors.py \
        > tests/unit/ssh/vectors/kex_vectors.vec
The C++ test (tests/unit/ssh/kex_vectors_test.cpp) injects the same private keys into wharf's
methods in both roles and expects these bytes.
"""

import hashlib
import random
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, ec, ed25519, x25519

RAW = serialization.Encoding.Raw
RAW_PUBLIC = serialization.PublicFormat.Raw

# --- SSH encodings (RFC 4251 section 5) ----------------------------------------------------------


def u32(value):
    return struct.pack(">I", value)


def string(data):
    if isinstance(data, str):
        data = data.encode()
    return u32(len(data)) + data


def mpint(value):
    assert value >= 0
    if value == 0:
        return u32(0)
    body = value.to_bytes((value.bit_length() + 7) // 8, "big")
    if body[0] & 0x80:
        body = b"\0" + body
    return string(body)


def name_list(names):
    return string(",".join(names))


# --- MODP groups from their definitions -------------------------------------------------------


def arctan_inverse(x, scale):
    """arctan(1/x) * scale, by the Taylor series in integers."""
    total = term = scale // x
    x_squared = x * x
    n = 1
    sign = -1
    while term:
        term //= x_squared
        total += sign * (term // (2 * n + 1))
        sign = -sign
        n += 1
    return total


def floor_pi_times_power_of_two(k):
    guard = 64
    scale = 1 << (k + guard)
    pi_scaled = 16 * arctan_inverse(5, scale) - 4 * arctan_inverse(239, scale)
    return pi_scaled >> guard


def modp_prime(bits, offset):
    return (1 << bits) - (1 << (bits - 64)) - 1 + (1 << 64) * (
        floor_pi_times_power_of_two(bits - 130) + offset)


def probably_prime(n, rounds=8):
    rng = random.Random(n)  # deterministic; this is a sanity check, not a proof
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = rng.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


MODP = {  # bits: offset (RFC 2409 section 6.2 for 1024, RFC 3526 sections 2-7 for the rest)
    1024: 129093,
    2048: 124476,
    3072: 1690314,
    4096: 240904,
    6144: 929484,
    8192: 4743158,
}
PRIMES = {}
for _bits, _offset in MODP.items():
    _p = modp_prime(_bits, _offset)
    assert _p.bit_length() == _bits
    assert probably_prime(_p, 4) and probably_prime((_p - 1) // 2, 4), _bits
    PRIMES[_bits] = _p

# --- Fixed inputs -------------------------------------------------------------------------------


def seed(label, length=32):
    return hashlib.sha512(("wharf kex vector " + label).encode()).digest()[:length]


V_C = "SSH-2.0-wharf_kat_client"
V_S = "SSH-2.0-wharf_kat_server"


def kexinit(cookie_label, kex):
    return (bytes([20]) + seed(cookie_label, 16) + name_list(kex) +
            name_list(["ssh-ed25519"]) + name_list(["aes256-ctr"]) * 2 +
            name_list(["hmac-sha2-256"]) * 2 + name_list(["none"]) * 2 + u32(0) * 2 +
            b"\0" + u32(0))


ALL_KEX = ["curve25519-sha256", "ecdh-sha2-nistp256", "diffie-hellman-group-exchange-sha256",
           "diffie-hellman-group14-sha256"]
I_C = kexinit("client cookie", ALL_KEX)
I_S = kexinit("server cookie", ALL_KEX)

HOST_SEED = seed("host key")
HOST_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(HOST_SEED)
K_S = string("ssh-ed25519") + string(HOST_KEY.public_key().public_bytes(RAW, RAW_PUBLIC))

KEY_LENGTHS = {"A": 12, "B": 16, "C": 32, "D": 48, "E": 64, "F": 100}


def derive(hash_name, k, h, session_id, letter, length):
    """RFC 4253 section 7.2."""
    out = hashlib.new(hash_name, k + h + letter.encode() + session_id).digest()
    while len(out) < length:
        out += hashlib.new(hash_name, k + h + out).digest()
    return out[:length]


def exchange(hash_name, middle, k):
    h = hashlib.new(hash_name, string(V_C) + string(V_S) + string(I_C) + string(I_S) +
                    string(K_S) + middle + k).digest()
    signature = string("ssh-ed25519") + string(HOST_KEY.sign(h))
    return h, signature


def emit(name, fields):
    print("[%s]" % name)
    for key, value in fields:
        print("%s = %s" % (key, value.hex() if isinstance(value, bytes) else value))
    print()


def emit_keys(fields, hash_name, k, h, session_id):
    for letter, length in KEY_LENGTHS.items():
        fields.append(("key_%s_%d" % (letter, length),
                       derive(hash_name, k, h, session_id, letter, length)))


# --- Methods ------------------------------------------------------------------------------------


def curve25519():
    client_private, server_private = seed("x25519 client"), seed("x25519 server")
    client = x25519.X25519PrivateKey.from_private_bytes(client_private)
    server = x25519.X25519PrivateKey.from_private_bytes(server_private)
    q_c = client.public_key().public_bytes(RAW, RAW_PUBLIC)
    q_s = server.public_key().public_bytes(RAW, RAW_PUBLIC)
    shared = client.exchange(server.public_key())
    assert shared == server.exchange(client.public_key())
    k = mpint(int.from_bytes(shared, "big"))  # RFC 8731 section 3.1: big-endian as is
    h, signature = exchange("sha256", string(q_c) + string(q_s), k)
    fields = [("client_private", client_private), ("server_private", server_private),
              ("client_init", bytes([30]) + string(q_c)),
              ("server_reply", bytes([31]) + string(K_S) + string(q_s) + string(signature)),
              ("shared_secret", k), ("exchange_hash", h)]
    emit_keys(fields, "sha256", k, h, h)
    emit("curve25519-sha256", fields)


def ecdh_p256():
    curve = ec.SECP256R1()
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    scalars = [int.from_bytes(seed("p256 " + who, 64), "big") % (order - 1) + 1
               for who in ("client", "server")]
    client, server = (ec.derive_private_key(s, curve) for s in scalars)
    point = serialization.PublicFormat.UncompressedPoint
    q_c = client.public_key().public_bytes(serialization.Encoding.X962, point)
    q_s = server.public_key().public_bytes(serialization.Encoding.X962, point)
    shared = client.exchange(ec.ECDH(), server.public_key())
    assert shared == server.exchange(ec.ECDH(), client.public_key())
    k = mpint(int.from_bytes(shared, "big"))
    h, signature = exchange("sha256", string(q_c) + string(q_s), k)
    fields = [("client_private", scalars[0].to_bytes(32, "big")),
              ("server_private", scalars[1].to_bytes(32, "big")),
              ("client_init", bytes([30]) + string(q_c)),
              ("server_reply", bytes([31]) + string(K_S) + string(q_s) + string(signature)),
              ("shared_secret", k), ("exchange_hash", h)]
    emit_keys(fields, "sha256", k, h, h)
    emit("ecdh-sha2-nistp256", fields)


def dh_exchange(p, g, label):
    """Both halves of a DH exchange with fixed 512-bit exponents; cryptography does the maths."""
    numbers = dh.DHParameterNumbers(p, g)
    exponents = [int.from_bytes(seed(label + " " + who, 64), "big") | (1 << 511)
                 for who in ("client", "server")]
    keys = [dh.DHPrivateNumbers(x, dh.DHPublicNumbers(pow(g, x, p), numbers)).private_key()
            for x in exponents]
    e, f = (key.public_key().public_numbers().y for key in keys)
    shared = keys[0].exchange(keys[1].public_key())
    assert shared == keys[1].exchange(keys[0].public_key())
    assert int.from_bytes(shared, "big") == pow(f, exponents[0], p)
    return exponents, e, f, mpint(int.from_bytes(shared, "big"))


def dh_group14_sha256():
    p, g = PRIMES[2048], 2
    (x, y), e, f, k = dh_exchange(p, g, "group14")
    h, signature = exchange("sha256", mpint(e) + mpint(f), k)
    fields = [("client_private", x.to_bytes(64, "big")), ("server_private", y.to_bytes(64, "big")),
              ("client_init", bytes([30]) + mpint(e)),
              ("server_reply", bytes([31]) + string(K_S) + mpint(f) + string(signature)),
              ("shared_secret", k), ("exchange_hash", h)]
    emit_keys(fields, "sha256", k, h, h)
    # A rekey: same K and H, the first exchange's H as session id.
    rekey_session = seed("earlier session id")
    for letter in "AF":
        fields.append(("rekey_key_%s_%d" % (letter, KEY_LENGTHS[letter]),
                       derive("sha256", k, h, rekey_session, letter, KEY_LENGTHS[letter])))
    fields.append(("rekey_session_id", rekey_session))
    emit("diffie-hellman-group14-sha256", fields)


def dh_gex_sha256():
    p, g = PRIMES[3072], 2
    request_min, request_n, request_max = 2048, 3072, 8192
    (x, y), e, f, k = dh_exchange(p, g, "gex")
    group_fields = u32(request_min) + u32(request_n) + u32(request_max) + mpint(p) + mpint(g)
    h, signature = exchange("sha256", group_fields + mpint(e) + mpint(f), k)
    moduli = "20240101000000 2 6 100 %d %x %X" % (p.bit_length() - 1, g, p)
    fields = [("moduli", moduli),
              ("client_private", x.to_bytes(64, "big")), ("server_private", y.to_bytes(64, "big")),
              ("client_request",
               bytes([34]) + u32(request_min) + u32(request_n) + u32(request_max)),
              ("server_group", bytes([31]) + mpint(p) + mpint(g)),
              ("client_init", bytes([32]) + mpint(e)),
              ("server_reply", bytes([33]) + string(K_S) + mpint(f) + string(signature)),
              ("shared_secret", k), ("exchange_hash", h)]
    emit_keys(fields, "sha256", k, h, h)
    emit("diffie-hellman-group-exchange-sha256", fields)


def main():
    print("# Made by make_kex_vectors.py (Debian python3, python3-cryptography %s); do not edit."
          % __import__("cryptography").__version__)
    print("# Byte strings are hex. Payloads start with their message number. key_X_N is the")
    print("# RFC 4253 section 7.2 key for letter X, N bytes long, with session id = H.")
    print()
    emit("common", [("client_version", V_C), ("server_version", V_S),
                    ("client_kexinit", I_C), ("server_kexinit", I_S),
                    ("host_key_seed", HOST_SEED), ("host_key_blob", K_S)])
    emit("groups", [("modp%d" % bits, p.to_bytes(bits // 8, "big")) for bits, p in PRIMES.items()])
    curve25519()
    ecdh_p256()
    dh_group14_sha256()
    dh_gex_sha256()
    return 0


if __name__ == "__main__":
    sys.exit(main())
