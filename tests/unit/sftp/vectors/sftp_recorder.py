#!/usr/bin/python3
"""A stand-in SFTP v3 server for recording what OpenSSH's sftp client sends.

Run as `sftp -b batch -D "vectors/sftp_recorder.py OUT.hex"`: sftp talks to it over pipes, no
ssh involved. Every client packet is appended to OUT.hex as one hex line (length included).
It answers INIT with VERSION 3 and OpenSSH's extensions, fakes a tiny tree ("/", "/f.txt"
of 5 bytes) so ls/get/put/mkdir/rename run to the end, and answers the rest with
SSH_FX_OP_UNSUPPORTED. Deterministic: fixed times, ids and handles.
"""
import struct
import sys

EXTENSIONS = [(b"posix-rename@openssh.com", b"1"), (b"statvfs@openssh.com", b"2"),
              (b"fstatvfs@openssh.com", b"2"), (b"hardlink@openssh.com", b"1"),
              (b"fsync@openssh.com", b"1"), (b"lsetstat@openssh.com", b"1"),
              (b"limits@openssh.com", b"1"), (b"expand-path@openssh.com", b"1"),
              (b"copy-data", b"1"), (b"home-directory", b"1"),
              (b"users-groups-by-id@openssh.com", b"1")]


def s(b):
    return struct.pack(">I", len(b)) + b


def u32(v):
    return struct.pack(">I", v)


def attrs(mode, size):
    return u32(0xF) + struct.pack(">Q", size) + u32(1000) + u32(1000) + u32(mode) + u32(1700000000) * 2


DIR, FILE = attrs(0o40755, 4096), attrs(0o100644, 5)


def read_exact(n):
    data = b""
    while len(data) < n:
        chunk = sys.stdin.buffer.read(n - len(data))
        if not chunk:
            sys.exit(0)
        data += chunk
    return data


def send(ptype, body):
    sys.stdout.buffer.write(u32(len(body) + 1) + bytes([ptype]) + body)
    sys.stdout.buffer.flush()


def status(rid, code, msg=b""):
    send(101, u32(rid) + u32(code) + s(msg) + s(b"en"))


def main():
    out = open(sys.argv[1], "a")
    dir_listed = set()
    read_done = set()
    while True:
        length = struct.unpack(">I", read_exact(4))[0]
        body = read_exact(length)
        out.write((u32(length) + body).hex() + "\n")
        out.flush()
        ptype, rest = body[0], body[1:]
        if ptype == 1:
            send(2, u32(3) + b"".join(s(n) + s(v) for n, v in EXTENSIONS))
            continue
        rid = struct.unpack(">I", rest[:4])[0]
        arg = rest[8:8 + struct.unpack(">I", rest[4:8])[0]] if len(rest) >= 8 else b""
        if ptype == 16:  # REALPATH
            path = b"/" if arg in (b".", b"", b"/") else (arg if arg.startswith(b"/") else b"/" + arg)
            send(104, u32(rid) + u32(1) + s(path) + s(path) + u32(0))
        elif ptype in (7, 17):  # LSTAT, STAT
            if arg in (b"/", b"/."):
                send(105, u32(rid) + DIR)
            elif arg == b"/f.txt":
                send(105, u32(rid) + FILE)
            else:
                status(rid, 2, b"No such file")
        elif ptype == 8:  # FSTAT
            send(105, u32(rid) + FILE)
        elif ptype == 11:  # OPENDIR
            send(102, u32(rid) + s(b"D1"))
        elif ptype == 12:  # READDIR
            if arg in dir_listed:
                status(rid, 1, b"End of file")
            else:
                dir_listed.add(arg)
                long = b"-rw-r--r--    1 u u 5 Nov 14 22:13 f.txt"
                send(104, u32(rid) + u32(1) + s(b"f.txt") + s(long) + FILE)
        elif ptype == 3:  # OPEN
            send(102, u32(rid) + s(b"F1"))
        elif ptype == 5:  # READ
            offset = struct.unpack(">Q", rest[4 + 4 + len(arg):4 + 4 + len(arg) + 8])[0]
            if offset == 0:
                send(103, u32(rid) + s(b"hello"))
            else:
                status(rid, 1, b"End of file")
        elif ptype in (4, 6, 9, 10, 13, 14, 15, 18, 20):  # CLOSE WRITE SETSTAT FSETSTAT REMOVE MKDIR RMDIR RENAME SYMLINK
            status(rid, 0, b"Success")
        elif ptype == 200:
            name = arg
            if name == b"limits@openssh.com":
                send(201, u32(rid) + struct.pack(">QQQQ", 262144, 261120, 261120, 0))
            elif name in (b"posix-rename@openssh.com", b"fsync@openssh.com",
                          b"hardlink@openssh.com"):
                status(rid, 0, b"Success")
            elif name == b"expand-path@openssh.com":
                send(104, u32(rid) + u32(1) + s(b"/") + s(b"/") + u32(0))
            else:
                status(rid, 8, b"Operation unsupported")
        else:
            status(rid, 8, b"Operation unsupported")


main()
