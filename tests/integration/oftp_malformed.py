#!/usr/bin/env python3
"""A raw OFTP 2.0 initiator for oftp_malformed.sh: one connection to wharfd's plain listener,
one kind of malformed input, and what wharfd answered, as one line on stdout:

    ESID 07        wharfd ended the session with that reason (and then closed the connection)
    CLOSED         wharfd closed the connection without an ESID

Anything else wharfd does (no SSRM, no SSID answer, SFNA instead of SFPA, an ESID that is not
followed by a close, no answer within the timeout) fails with exit status 1 and a message on
stderr. The layouts follow RFC 5024 sections 5.3 and 8.2; the partner is the one
start_oftp_station configures (SSID CLIENT, password CLIENTPW, files for SFID WHARF).

usage: oftp_malformed.py PORT CASE
"""
import socket
import sys

TIMEOUT_S = 15
SSRM = b"IODETTE FTP READY \r"


def stb(exchange_buffer: bytes) -> bytes:
    """A Stream Transmission Buffer: version 1, flags 0, 24-bit length of header and buffer."""
    return bytes([0x10]) + (len(exchange_buffer) + 4).to_bytes(3, "big") + exchange_buffer


def alnum(value: str, width: int) -> bytes:
    return value.ljust(width)[:width].encode("ascii")


def numeric(value: int, width: int) -> bytes:
    return str(value).zfill(width).encode("ascii")


def ssid(code="CLIENT", password="CLIENTPW", buffer_size=b"99999", credit=b"099", capability=b"B") -> bytes:
    """SSID at level 2.0 ('5'): no compression, no restart, no secure authentication."""
    return (b"X" + b"5" + alnum(code, 25) + alnum(password, 8) + buffer_size + capability
            + b"N" + b"N" + b"N" + credit + b"N" + b" " * 4 + b" " * 8 + b"\r")


def sfid(dataset_name: str) -> bytes:
    """SFID at level 2.0 for an unstructured file of one KiB, no restart, no security."""
    return (b"H" + alnum(dataset_name, 26) + b" " * 3 + b"20260102" + b"0304050000" + b" " * 8
            + alnum("WHARF", 25) + alnum("CLIENT", 25) + b"U" + numeric(0, 5)
            + numeric(1, 13) + numeric(1, 13) + numeric(0, 17)
            + b"00" + b"00" + b"0" + b"0" + b"N" + numeric(0, 3))


def data(payload: bytes) -> bytes:
    """A DATA buffer of uncompressed sub-records of at most 63 octets each."""
    out = bytearray(b"D")
    for at in range(0, len(payload), 63):
        chunk = payload[at:at + 63]
        out.append(len(chunk))
        out += chunk
    return bytes(out)


class Peer:
    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
        self.pending = b""

    def _fill(self, count: int) -> bool:
        while len(self.pending) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.pending += chunk
        return True

    def next_buffer(self):
        """The next exchange buffer from wharfd (STH checked and removed), or None at EOF."""
        if not self._fill(4):
            if self.pending:
                fail(f"EOF inside a stream transmission header: {self.pending!r}")
            return None
        header = self.pending[:4]
        if header[0] != 0x10:
            fail(f"wharfd sent a bad stream transmission header {header.hex()}")
        length = int.from_bytes(header[1:4], "big")
        if length < 5 or not self._fill(length):
            fail(f"wharfd sent a broken stream transmission buffer: {self.pending!r}")
        exchange_buffer, self.pending = self.pending[4:length], self.pending[length:]
        return exchange_buffer

    def expect(self, code: bytes, what: str) -> bytes:
        exchange_buffer = self.next_buffer()
        if exchange_buffer is None:
            fail(f"wharfd closed the connection instead of sending {what}")
        if exchange_buffer[:1] != code:
            fail(f"wharfd sent {exchange_buffer[:80]!r} instead of {what}")
        return exchange_buffer

    def send(self, raw: bytes):
        self.sock.sendall(raw)

    def log_on(self, **ssid_fields) -> bytes:
        """SSRM in, our SSID out, wharfd's SSID in; returns wharfd's SSID."""
        self.expect(b"I", "SSRM")
        self.send(stb(ssid(**ssid_fields)))
        return self.expect(b"X", "its SSID")

    def open_file(self, dataset_name: str, **ssid_fields) -> bytes:
        """Logged on and SFID accepted with SFPA; returns wharfd's SSID."""
        answer = self.log_on(**ssid_fields)
        self.send(stb(sfid(dataset_name)))
        self.expect(b"2", "SFPA")
        return answer

    def outcome(self) -> str:
        """What wharfd did at last: "ESID NN" (a close must follow) or "CLOSED"."""
        exchange_buffer = self.next_buffer()
        if exchange_buffer is None:
            return "CLOSED"
        if exchange_buffer[:1] != b"F":
            fail(f"wharfd answered {exchange_buffer[:80]!r}, not ESID")
        print(f"ESID buffer: {exchange_buffer!r}", file=sys.stderr)
        rest = self.next_buffer()
        if rest is not None:
            fail(f"wharfd sent {rest[:80]!r} after its ESID instead of closing")
        return "ESID " + exchange_buffer[1:3].decode("ascii", "replace")


def fail(message: str):
    print(f"oftp_malformed.py: {message}", file=sys.stderr)
    sys.exit(1)


def run(peer: Peer, case: str) -> str:
    if case == "sth_version":  # version 2 in the first nibble, a valid CD behind it
        peer.expect(b"I", "SSRM")
        peer.send(bytes([0x20, 0, 0, 5]) + b"R")
    elif case == "sth_flags":  # version 1 with a reserved flag set
        peer.expect(b"I", "SSRM")
        peer.send(bytes([0x18, 0, 0, 5]) + b"R")
    elif case == "sth_too_short":  # length 4: a header without an exchange buffer
        peer.expect(b"I", "SSRM")
        peer.send(bytes([0x10, 0, 0, 4]))
    elif case == "sth_too_long":  # length 100004: one above 99999 + 4 (no buffer follows)
        peer.expect(b"I", "SSRM")
        peer.send(bytes([0x10]) + (100004).to_bytes(3, "big"))
    elif case == "truncated_then_close":  # half an SSID, then our side of the connection shut
        peer.expect(b"I", "SSRM")
        peer.send(stb(ssid())[:30])
        peer.sock.shutdown(socket.SHUT_WR)
    elif case == "ssid_cut_short":  # a whole STB whose SSID stops after the code
        peer.expect(b"I", "SSRM")
        peer.send(stb(ssid()[:27]))
    elif case == "unknown_command":  # 'Q' is no OFTP command code
        peer.expect(b"I", "SSRM")
        peer.send(stb(b"QUESTION\r"))
    elif case == "ssid_garbage":  # SSIDSDEB of letters where five digits belong
        peer.expect(b"I", "SSRM")
        peer.send(stb(ssid(buffer_size=b"ABCDE")))
    elif case == "ssid_garbage_capability":  # SSIDSR neither S, R nor B
        peer.expect(b"I", "SSRM")
        peer.send(stb(ssid(capability=b"Q")))
    elif case == "data_before_sfid":  # logged on, then DATA with no file open
        peer.log_on()
        peer.send(stb(data(b"hello")))
    elif case == "oversize_buffer":  # 128-octet exchange buffers agreed, then a DATA of 205
        answer = peer.log_on(buffer_size=b"00128")
        if answer[35:40] != b"00128":
            fail(f"wharfd's SSID does not agree on 128-octet buffers: {answer!r}")
        peer.send(stb(sfid("OVERSIZE")))
        peer.expect(b"2", "SFPA")
        peer.send(stb(data(bytes(range(65, 65 + 50)) * 4)))
    elif case == "credit_violation":  # credit 1 agreed, then two DATA buffers at once
        answer = peer.log_on(credit=b"001")
        if answer[44:47] != b"001":
            fail(f"wharfd's SSID does not agree on credit 1: {answer!r}")
        peer.send(stb(sfid("CREDIT")))
        peer.expect(b"2", "SFPA")
        peer.send(stb(data(b"first")) + stb(data(b"second")))
    else:
        fail(f"unknown case {case}")
    return peer.outcome()


def main():
    if len(sys.argv) != 3:
        fail("usage: oftp_malformed.py PORT CASE")
    peer = Peer(int(sys.argv[1]))
    try:
        print(run(peer, sys.argv[2]))
    except socket.timeout:
        fail(f"{sys.argv[2]}: no answer from wharfd within {TIMEOUT_S}s")
    except ConnectionResetError:
        fail(f"{sys.argv[2]}: wharfd reset the connection")


if __name__ == "__main__":
    main()
