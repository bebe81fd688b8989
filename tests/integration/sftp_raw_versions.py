"""Raw SFTP v4, v5 and v6 packets against wharfd, checked byte by byte.

Usage: sftp_raw_versions.py PORT KEY ROOT

An independent reading of the drafts: every encoder and decoder below is written from
draft-ietf-secsh-filexfer-04 (v4), -05 (v5), -13 (v6) and openssh-PROTOCOL (limits@openssh.com);
paramiko is used only as the SSH transport (a session channel with the "sftp" subsystem).
ROOT is alice's root directory on disk, so results are checked against os.stat.
Section numbers in messages are "-NN sX.Y" for draft -NN, section X.Y.
"""
import os
import re
import stat
import struct
import sys
import time
import traceback

import paramiko

port, key_path, root = int(sys.argv[1]), sys.argv[2], sys.argv[3]
RO_ROOT = os.path.join(root, "..", "ro")  # the read-only virtual folder /ro

# ---------------------------------------------------------------- constants (from the drafts)
FXP_INIT, FXP_VERSION, FXP_OPEN, FXP_CLOSE, FXP_READ, FXP_WRITE = 1, 2, 3, 4, 5, 6
FXP_LSTAT, FXP_FSTAT, FXP_SETSTAT, FXP_FSETSTAT, FXP_OPENDIR, FXP_READDIR = 7, 8, 9, 10, 11, 12
FXP_REMOVE, FXP_MKDIR, FXP_RMDIR, FXP_REALPATH, FXP_STAT, FXP_RENAME = 13, 14, 15, 16, 17, 18
FXP_READLINK, FXP_SYMLINK, FXP_LINK, FXP_BLOCK, FXP_UNBLOCK = 19, 20, 21, 22, 23
FXP_STATUS, FXP_HANDLE, FXP_DATA, FXP_NAME, FXP_ATTRS = 101, 102, 103, 104, 105
FXP_EXTENDED, FXP_EXTENDED_REPLY = 200, 201

OK, EOF, NO_SUCH_FILE, PERMISSION_DENIED, FAILURE, BAD_MESSAGE = 0, 1, 2, 3, 4, 5
OP_UNSUPPORTED, INVALID_HANDLE, NO_SUCH_PATH, FILE_ALREADY_EXISTS, WRITE_PROTECT = 8, 9, 10, 11, 12
LOCK_CONFLICT, DIR_NOT_EMPTY, NOT_A_DIRECTORY, LINK_LOOP = 17, 18, 19, 21
INVALID_PARAMETER, FILE_IS_A_DIRECTORY = 23, 24
BYTE_RANGE_LOCK_REFUSED, NO_MATCHING_BYTE_RANGE_LOCK = 26, 31
# Status codes each version defines: -04 s7 (0..13), -05 s7 (0..17), -13 s9.1 (0..31).
MAX_CODE = {3: 8, 4: 13, 5: 17, 6: 31}

# ATTRS valid-attribute-flags. -04 s5.1 prints PERMISSIONS as 0x40 (same as ACL); -05 s10.1
# "correct the value of ATTR_PERMISSIONS flag" fixes it to 0x04, which is what we use for v4 too.
A_SIZE, A_PERMISSIONS, A_ACCESSTIME, A_CREATETIME, A_MODIFYTIME = 0x1, 0x4, 0x8, 0x10, 0x20
A_ACL, A_OWNERGROUP, A_SUBSECOND, A_BITS, A_ALLOCATION_SIZE = 0x40, 0x80, 0x100, 0x200, 0x400
A_TEXT_HINT, A_MIME_TYPE, A_LINK_COUNT, A_UNTRANSLATED_NAME, A_CTIME = 0x800, 0x1000, 0x2000, 0x4000, 0x8000
A_EXTENDED = 0x80000000
ATTR_FLAGS_ALLOWED = {
    4: A_SIZE | A_PERMISSIONS | A_ACCESSTIME | A_CREATETIME | A_MODIFYTIME | A_ACL | A_OWNERGROUP
    | A_SUBSECOND | A_EXTENDED,
}
ATTR_FLAGS_ALLOWED[5] = ATTR_FLAGS_ALLOWED[4] | A_BITS
ATTR_FLAGS_ALLOWED[6] = ATTR_FLAGS_ALLOWED[5] | A_ALLOCATION_SIZE | A_TEXT_HINT | A_MIME_TYPE \
    | A_LINK_COUNT | A_UNTRANSLATED_NAME | A_CTIME
ALL_ATTRS = 0xFFFF  # the "flags" hint of STAT/LSTAT/FSTAT: interested in everything
T_REGULAR, T_DIRECTORY, T_SYMLINK, T_SPECIAL, T_UNKNOWN = 1, 2, 3, 4, 5
MAX_TYPE = {4: 5, 5: 9, 6: 9}  # -04 s5.2 defines 1..5; -05 s5.2 and -13 s7.2 1..9
ATTRIB_BITS_DEFINED = {5: 0x7FF, 6: 0xFFF}  # -05 s5.8, -13 s7.9
ATTRIB_TRANSLATION_ERR = 0x800

# v4 pflags (-04 s6.3)
PF_READ, PF_WRITE, PF_APPEND, PF_CREAT, PF_TRUNC, PF_EXCL, PF_TEXT = 1, 2, 4, 8, 0x10, 0x20, 0x40
# v5/v6 open flags (-05 s6.3.1, -13 s8.1.1.3)
CREATE_NEW, CREATE_TRUNCATE, OPEN_EXISTING, OPEN_OR_CREATE, TRUNCATE_EXISTING = 0, 1, 2, 3, 4
F_APPEND_DATA, F_APPEND_DATA_ATOMIC, F_TEXT_MODE = 0x8, 0x10, 0x20
F_BLOCK_READ, F_BLOCK_WRITE, F_BLOCK_DELETE, F_BLOCK_ADVISORY = 0x40, 0x80, 0x100, 0x200
F_NOFOLLOW, F_DELETE_ON_CLOSE = 0x400, 0x800
# ace-mask bits used as desired-access (-13 s7.8)
ACE_READ_DATA, ACE_WRITE_DATA, ACE_APPEND_DATA = 0x1, 0x2, 0x4
ACE_READ_ATTRIBUTES, ACE_WRITE_ATTRIBUTES, ACE_DELETE = 0x80, 0x100, 0x10000
ACC_R = ACE_READ_DATA | ACE_READ_ATTRIBUTES
ACC_W = ACE_WRITE_DATA | ACE_WRITE_ATTRIBUTES
ACC_RW = ACC_R | ACC_W
RENAME_OVERWRITE, RENAME_ATOMIC, RENAME_NATIVE = 1, 2, 4
REALPATH_NO_CHECK, REALPATH_STAT_IF, REALPATH_STAT_ALWAYS = 1, 2, 3

# ---------------------------------------------------------------- bookkeeping
CHECKS = 0
FAILS = []
NOTES = []
SEEN_NEWLINE = {}


def check(cond, what, detail=""):
    global CHECKS
    CHECKS += 1
    if not cond:
        FAILS.append(f"{what} -- {detail}" if detail else what)
        print(f"FAIL: {what} {detail}", flush=True)
    return bool(cond)


def note(text):
    NOTES.append(text)
    print(f"note: {text}", flush=True)


# ---------------------------------------------------------------- encoding (RFC 4251 s5, -13 s4.2)
def u8(v):
    return struct.pack(">B", v)


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v)


def u64(v):
    return struct.pack(">Q", v)


def i64(v):
    return struct.pack(">q", v)


def sstr(v):
    if isinstance(v, str):
        v = v.encode("utf-8")
    return u32(len(v)) + v


def boolean(v):
    return b"\x01" if v else b"\x00"


def enc_attrs(version, *, ftype=T_UNKNOWN, size=None, alloc=None, owner=None, group=None, perms=None,
              atime=None, mtime=None, ctime=None, createtime=None, subsecond=False):
    """ATTRS as -04 s5 / -05 s5 / -13 s7 lay it out; times are (seconds, nanoseconds)."""
    flags, body = 0, b""
    if size is not None:
        flags |= A_SIZE
        body += u64(size)
    if alloc is not None:
        flags |= A_ALLOCATION_SIZE
        body += u64(alloc)
    if owner is not None:
        flags |= A_OWNERGROUP
        body += sstr(owner) + sstr(group)
    if perms is not None:
        flags |= A_PERMISSIONS
        body += u32(perms)
    if subsecond:
        flags |= A_SUBSECOND
    for flag, value in ((A_ACCESSTIME, atime), (A_CREATETIME, createtime), (A_MODIFYTIME, mtime),
                        (A_CTIME, ctime)):
        if value is not None:
            flags |= flag
            body += i64(value[0])
            if subsecond:
                body += u32(value[1])
    return u32(flags) + u8(ftype) + body


# ---------------------------------------------------------------- decoding
class Short(Exception):
    pass


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise Short(f"need {n} bytes at offset {self.pos}, have {len(self.data) - self.pos}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def string(self):
        return self.take(self.u32())

    def text(self):
        return self.string().decode("utf-8")

    def boolean(self):
        value = self.u8()
        check(value in (0, 1), "bool is 0 or 1 (RFC 4251 s5)", f"got {value}")
        return value == 1

    def left(self):
        return len(self.data) - self.pos

    def rest(self):
        return self.take(self.left())


def parse_attrs(r, version, where):
    """ATTRS: -04 s5, -05 s5, -13 s7. Returns a dict; checks flags and field ranges."""
    a = {}
    flags = a["flags"] = r.u32()
    check(flags & ~ATTR_FLAGS_ALLOWED[version] == 0,
          f"v{version} {where}: ATTRS flags only v{version} bits", f"flags 0x{flags:08x}")
    check(flags & 0x2 == 0, f"v{version} {where}: 0x2 (old UIDGID) MUST NOT appear (-13 s7.1)")
    a["type"] = r.u8()
    check(1 <= a["type"] <= MAX_TYPE[version], f"v{version} {where}: type byte in 1..{MAX_TYPE[version]}",
          f"got {a['type']}")
    sub = flags & A_SUBSECOND
    if flags & A_SIZE:
        a["size"] = r.u64()
    if version >= 6 and flags & A_ALLOCATION_SIZE:
        a["allocation_size"] = r.u64()
    if flags & A_OWNERGROUP:
        a["owner"] = r.text()
        a["group"] = r.text()
    if flags & A_PERMISSIONS:
        a["permissions"] = r.u32()
    names = [(A_ACCESSTIME, "atime"), (A_CREATETIME, "createtime"), (A_MODIFYTIME, "mtime")]
    if version >= 6:
        names.append((A_CTIME, "ctime"))
    for flag, name in names:
        if flags & flag:
            a[name] = r.i64()
            if sub:
                ns = a[name + "_ns"] = r.u32()
                check(ns <= 999_999_999, f"v{version} {where}: {name}-nseconds <= 999999999 (-13 s7.7)",
                      f"got {ns}")
    if flags & A_ACL:
        a["acl"] = r.string()
    if version >= 5 and flags & A_BITS:
        a["attrib_bits"] = r.u32()
        check(a["attrib_bits"] & ~ATTRIB_BITS_DEFINED[version] == 0,
              f"v{version} {where}: only defined attrib-bits", f"0x{a['attrib_bits']:08x}")
        if version >= 6:
            a["attrib_bits_valid"] = r.u32()
    if version >= 6 and flags & A_TEXT_HINT:
        a["text_hint"] = r.u8()
        check(a["text_hint"] <= 3, f"v6 {where}: text-hint 0..3 (-13 s7.10)", f"got {a['text_hint']}")
    if version >= 6 and flags & A_MIME_TYPE:
        a["mime_type"] = r.text()
    if version >= 6 and flags & A_LINK_COUNT:
        a["link_count"] = r.u32()
    if version >= 6 and flags & A_UNTRANSLATED_NAME:
        a["untranslated_name"] = r.string()
        check(a.get("attrib_bits", 0) & ATTRIB_TRANSLATION_ERR,
              f"v6 {where}: untranslated-name only with TRANSLATION_ERR attrib-bit (-13 s7.13)")
    if flags & A_EXTENDED:
        a["extended"] = [(r.string(), r.string()) for _ in range(r.u32())]
    return a


# ---------------------------------------------------------------- the session
class ChannelClosed(Exception):
    pass


class Reply:
    def __init__(self, ptype, rid, body):
        self.type, self.id, self.body = ptype, rid, body
        self.r = Reader(body)

    def __repr__(self):
        return f"Reply(type={self.type}, id={self.id}, body={self.body[:64].hex()})"


class Session:
    next_id = 1000

    def __init__(self, transport, init_version, expect_version=None, label=None):
        self.chan = transport.open_session(timeout=20)
        self.chan.settimeout(20)
        self.chan.invoke_subsystem("sftp")
        self.label = label or f"v{init_version}"
        self.send_raw(u32(5) + u8(FXP_INIT) + u32(init_version))  # -13 s5.1: no request-id
        ptype, body = self.recv_packet()
        check(ptype == FXP_VERSION, f"{self.label}: VERSION reply to INIT", f"type {ptype}")
        r = Reader(body)
        self.version = r.u32()
        want = expect_version if expect_version is not None else init_version
        check(self.version == want, f"{self.label}: VERSION says {want} (-13 s5.2)", f"got {self.version}")
        self.ext = {}
        self.ext_order = []
        while r.left():  # -13 s5.2: extension-pair[0..n] up to the end of the packet
            name = r.string().decode("utf-8")
            data = r.string()
            self.ext_order.append(name)
            self.ext[name] = data
        check(len(self.ext_order) == len(self.ext), f"{self.label}: extension names not repeated",
              str(self.ext_order))

    # raw I/O
    def send_raw(self, data):
        self.chan.sendall(data)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.chan.recv(n - len(buf))
            if not chunk:
                raise ChannelClosed(f"channel closed after {len(buf)} of {n} bytes")
            buf += chunk
        return buf

    def recv_packet(self):
        length = struct.unpack(">I", self.recv_exact(4))[0]
        check(1 <= length <= 16 * 1024 * 1024, f"{self.label}: sane reply length", str(length))
        data = self.recv_exact(length)
        return data[0], data[1:]

    def send_packet(self, ptype, body):
        self.send_raw(u32(1 + len(body)) + u8(ptype) + body)

    def request(self, ptype, fields=b"", rid=None):
        if rid is None:
            Session.next_id += 1
            rid = Session.next_id
        self.send_packet(ptype, u32(rid) + fields)
        return self.reply(rid)

    def reply(self, rid):
        ptype, body = self.recv_packet()
        r = Reader(body)
        got = r.u32()
        check(got == rid, f"{self.label}: reply carries the request-id (-13 s4)", f"sent {rid} got {got}")
        return Reply(ptype, got, body[4:])

    # typed replies
    def status_of(self, rep, what):
        """STATUS body (-04 s7, -05 s7, -13 s9.1): code, message, language tag[, error data]."""
        if not check(rep.type == FXP_STATUS, f"{self.label} {what}: STATUS reply", f"got {rep!r}"):
            return None
        r = rep.r
        code = r.u32()
        msg = r.string()
        lang = r.string()
        try:
            msg.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            utf8 = False
        check(utf8, f"{self.label} {what}: status message is UTF-8", repr(msg))
        check(lang == b"" or re.fullmatch(rb"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", lang),
              f"{self.label} {what}: language tag is an RFC 1766 tag", repr(lang))
        check(code <= MAX_CODE[self.version],
              f"{self.label} {what}: status code defined in v{self.version}", f"code {code}")
        if code == FAILURE:
            check(msg != b"", f"{self.label} {what}: FAILURE has meaningful text (-13 s9.1)")
        # v4 has no error-specific data; v5/v6 only for UNKNOWN_PRINCIPAL(16) (-13 s9.1)
        check(r.left() == 0 or (self.version >= 5 and code == 16),
              f"{self.label} {what}: nothing after the language tag", rep.body.hex())
        self.last_msg = msg
        return code

    def expect_status(self, rep, want, what):
        code = self.status_of(rep, what)
        if code is None:
            return None
        wants = want if isinstance(want, (set, tuple, list)) else {want}
        check(code in wants, f"{self.label} {what}: status {sorted(wants)}",
              f"got {code} ({self.last_msg!r}); bytes {rep.body.hex()}")
        return code

    def handle_of(self, rep, what):
        if rep.type == FXP_STATUS:
            code = self.status_of(rep, what)
            check(False, f"{self.label} {what}: HANDLE reply", f"STATUS {code} {self.last_msg!r}")
            return None
        check(rep.type == FXP_HANDLE, f"{self.label} {what}: HANDLE reply", repr(rep))
        h = rep.r.string()
        check(0 < len(h) <= 256, f"{self.label} {what}: handle 1..256 bytes (-13 s9.2)", str(len(h)))
        check(rep.r.left() == 0, f"{self.label} {what}: HANDLE has no trailing bytes", rep.body.hex())
        return h

    def attrs_of(self, rep, what):
        if rep.type == FXP_STATUS:
            code = self.status_of(rep, what)
            check(False, f"{self.label} {what}: ATTRS reply", f"STATUS {code} {self.last_msg!r}")
            return None
        check(rep.type == FXP_ATTRS, f"{self.label} {what}: ATTRS reply", repr(rep))
        a = parse_attrs(rep.r, self.version, what)
        check(rep.r.left() == 0, f"{self.label} {what}: ATTRS consumed exactly",
              f"{rep.r.left()} bytes left: {rep.body.hex()}")
        return a

    def names_of(self, rep, what, readdir=False):
        """NAME (-04 s7, -13 s9.4): count x (filename, ATTRS) -- no longname in v4+; v6 may end
        with an end-of-list bool. Returns ([(name, attrs)], end_of_list or None)."""
        if rep.type == FXP_STATUS:
            code = self.status_of(rep, what)
            check(False, f"{self.label} {what}: NAME reply", f"STATUS {code} {self.last_msg!r}")
            return None, None
        check(rep.type == FXP_NAME, f"{self.label} {what}: NAME reply", repr(rep))
        r = rep.r
        count = r.u32()
        entries = []
        for i in range(count):
            name = r.text()
            entries.append((name, parse_attrs(r, self.version, f"{what} entry {i}")))
        eol = None
        if self.version >= 6 and r.left() == 1:
            eol = r.boolean()
            if not readdir:  # -13 s9.4: "should either be omitted or be true unless ... READDIR"
                check(eol, f"{self.label} {what}: end-of-list omitted or true outside READDIR (-13 s9.4)")
        check(r.left() == 0, f"{self.label} {what}: NAME consumed exactly (no longname in v4+)",
              f"{r.left()} bytes left after {count} entries: {rep.body[-min(48, len(rep.body)):].hex()}")
        return entries, eol

    def data_of(self, rep, what):
        """DATA (-13 s9.3): string data [bool end-of-file] (the bool only in v6)."""
        if rep.type == FXP_STATUS:
            code = self.status_of(rep, what)
            return code, None
        check(rep.type == FXP_DATA, f"{self.label} {what}: DATA reply", repr(rep))
        data = rep.r.string()
        eof = None
        if self.version >= 6 and rep.r.left() == 1:
            eof = rep.r.boolean()
        check(rep.r.left() == 0, f"{self.label} {what}: DATA consumed exactly", f"{rep.r.left()} left")
        return data, eof

    # requests
    def open4(self, path, pflags, attrs=None):
        attrs = attrs if attrs is not None else enc_attrs(4)
        return self.request(FXP_OPEN, sstr(path) + u32(pflags) + attrs)

    def open56(self, path, access, flags, attrs=None):
        attrs = attrs if attrs is not None else enc_attrs(self.version)
        return self.request(FXP_OPEN, sstr(path) + u32(access) + u32(flags) + attrs)

    def open_rw(self, path, create=True):
        """A read-write handle (creating/truncating if create) in whatever form the version uses."""
        if self.version == 4:
            rep = self.open4(path, PF_READ | PF_WRITE | (PF_CREAT | PF_TRUNC if create else 0))
        else:
            rep = self.open56(path, ACC_RW, CREATE_TRUNCATE if create else OPEN_EXISTING)
        return self.handle_of(rep, f"OPEN {path}")

    def open_r(self, path):
        if self.version == 4:
            rep = self.open4(path, PF_READ)
        else:
            rep = self.open56(path, ACC_R, OPEN_EXISTING)
        return self.handle_of(rep, f"OPEN(read) {path}")

    def close(self, handle, what="CLOSE"):
        return self.expect_status(self.request(FXP_CLOSE, sstr(handle)), OK, what)

    def write(self, handle, offset, data):
        return self.request(FXP_WRITE, sstr(handle) + u64(offset) + sstr(data))

    def read(self, handle, offset, length):
        return self.request(FXP_READ, sstr(handle) + u64(offset) + u32(length))

    def stat(self, path, ptype=FXP_STAT):
        return self.request(ptype, sstr(path) + u32(ALL_ATTRS))

    def fstat(self, handle):
        return self.request(FXP_FSTAT, sstr(handle) + u32(ALL_ATTRS))

    def mkdir(self, path, perms=None):
        return self.request(FXP_MKDIR, sstr(path) + enc_attrs(self.version, ftype=T_DIRECTORY, perms=perms))

    def read_all(self, handle, chunk=4096):
        out, offset = b"", 0
        while True:
            data, _ = self.data_of(self.read(handle, offset, chunk), "READ")
            if isinstance(data, int):
                check(data == EOF, f"{self.label} READ loop ends in EOF", f"status {data}")
                return out
            out += data
            offset += len(data)

    def close_channel(self):
        try:
            self.chan.close()
        except Exception:
            pass


def disk(*parts):
    return os.path.join(root, *parts)


# ---------------------------------------------------------------- shared checks
def compare_attrs(s, a, path_on_disk, what, follow=True):
    """Attributes against os.stat: type, size, permissions, times, v6 extras (-13 s7)."""
    if a is None:
        return
    st = os.stat(path_on_disk) if follow else os.lstat(path_on_disk)
    v = s.version
    if stat.S_ISREG(st.st_mode):
        want_type = T_REGULAR
    elif stat.S_ISDIR(st.st_mode):
        want_type = T_DIRECTORY
    elif stat.S_ISLNK(st.st_mode):
        want_type = T_SYMLINK
    else:
        want_type = None
    if want_type:
        check(a["type"] == want_type, f"v{v} {what}: type byte", f"got {a['type']} want {want_type}")
    if stat.S_ISREG(st.st_mode):
        check(a.get("size") == st.st_size, f"v{v} {what}: size == st_size", f"{a.get('size')} vs {st.st_size}")
    check("permissions" in a, f"v{v} {what}: permissions present")
    if "permissions" in a:
        p = a["permissions"]
        check(p & 0o7777 == st.st_mode & 0o7777, f"v{v} {what}: permission bits",
              f"{oct(p)} vs disk {oct(st.st_mode)}")
        if v >= 5:  # -05 s5.5 / -13 s7.6: MUST NOT send bits that are not defined (only 07777)
            check(p & ~0o7777 == 0, f"v{v} {what}: no undefined permission bits (-05 s5.5, -13 s7.6)",
                  f"permissions 0x{p:08x}")
        elif p & ~0o7777:
            note(f"v4 {what}: permissions carries file-type bits ({oct(p)}); -04 s5.5 leaves it open")
    check("mtime" in a, f"v{v} {what}: mtime present")
    if "mtime" in a:
        sec, ns = divmod(st.st_mtime_ns, 1_000_000_000)
        check(a["mtime"] == sec, f"v{v} {what}: mtime seconds", f"{a['mtime']} vs {sec}")
        if check(a["flags"] & A_SUBSECOND, f"v{v} {what}: SUBSECOND_TIMES present (Linux has ns)"):
            check(a["mtime_ns"] == ns, f"v{v} {what}: mtime nseconds", f"{a['mtime_ns']} vs {ns}")
    if "atime" in a:
        sec, ns = divmod(st.st_atime_ns, 1_000_000_000)
        check(a["atime"] == sec and a.get("atime_ns", ns) == ns, f"v{v} {what}: atime",
              f"{a['atime']}.{a.get('atime_ns')} vs {sec}.{ns}")
    if "ctime" in a:
        sec, ns = divmod(st.st_ctime_ns, 1_000_000_000)
        check(a["ctime"] == sec and a.get("ctime_ns", ns) == ns, f"v6 {what}: ctime",
              f"{a['ctime']}.{a.get('ctime_ns')} vs {sec}.{ns}")
    if "createtime" in a:
        check(0 < a["createtime"] <= int(time.time()) + 1, f"v{v} {what}: createtime plausible",
              str(a["createtime"]))
    if "owner" in a:
        import grp
        import pwd
        owner = pwd.getpwuid(st.st_uid).pw_name
        group = grp.getgrgid(st.st_gid).gr_name
        check(a["owner"].split("@")[0] in (owner, str(st.st_uid)), f"v{v} {what}: owner (-13 s7.5)",
              f"{a['owner']!r} vs {owner}")
        check(a["group"].split("@")[0] in (group, str(st.st_gid)), f"v{v} {what}: group (-13 s7.5)",
              f"{a['group']!r} vs {group}")
    if "link_count" in a:
        check(a["link_count"] == st.st_nlink, f"v6 {what}: link-count == st_nlink",
              f"{a['link_count']} vs {st.st_nlink}")
    if "allocation_size" in a:
        check(a["allocation_size"] == st.st_blocks * 512, f"v6 {what}: allocation-size == st_blocks*512",
              f"{a['allocation_size']} vs {st.st_blocks * 512}")


def check_versions_ext(s):
    data = s.ext.get("versions")
    if not check(data is not None, f"{s.label}: 'versions' extension sent (-13 s5.5)", str(s.ext_order)):
        return []
    text = data.decode("utf-8")
    tokens = text.split(",")
    check(all(t in ("2", "3", "4", "5", "6") or "@" in t for t in tokens),
          f"{s.label}: 'versions' is a comma-separated list of versions (-13 s5.5)", repr(text))
    for v in ("3", "4", "5", "6"):
        check(v in tokens, f"{s.label}: 'versions' lists {v} (wharf offers 3..6)", repr(text))
    return tokens


def check_newline_ext(s):
    data = s.ext.get("newline")
    check(data == b"\n", f"{s.label}: 'newline' is LF as configured (sftp.newline: lf)", repr(data))
    check(data is not None, f"{s.label}: 'newline' extension sent (-04 s4.3; server uses LF, wire default "
          "is CRLF)", str(s.ext_order))
    if data is not None:
        check(data in (b"\n", b"\r\n", b"\r"), f"{s.label}: 'newline' is a separator", repr(data))
        SEEN_NEWLINE[s.version] = data
    return data if data is not None else b"\r\n"


def parse_supported(s):
    """"supported" (-05 s4.4): 5 x uint32, then extension-names strings up to the end."""
    data = s.ext.get("supported")
    if data is None:
        note(f"{s.label}: no 'supported' extension (-05 s4.4 introduces it; not a MUST there)")
        return None
    r = Reader(data)
    sup = {"attribute_mask": r.u32(), "attribute_bits": r.u32(), "open_flags": r.u32(),
           "access_mask": r.u32(), "max_read_size": r.u32(), "extensions": []}
    while r.left():
        sup["extensions"].append(r.text())
    check(sup["attribute_mask"] & 0x2 == 0, f"{s.label}: supported attribute-mask has no 0x2")
    if sup["open_flags"] & ~0x1FF:  # -05 s6.3.1 defines flags up to DELETE_LOCK 0x100
        note(f"{s.label}: 'supported' open-flags 0x{sup['open_flags']:x} has bits -05 s6.3.1 does not define "
             f"(0x{sup['open_flags'] & ~0x1FF:x}, NOFOLLOW is a v6 flag)")
    check(sup["attribute_mask"] & ~ATTR_FLAGS_ALLOWED[5] == 0, f"{s.label}: 'supported' attribute-mask "
          "only v5 bits", f"0x{sup['attribute_mask']:08x}")
    print(f"  {s.label} supported: {sup}")
    return sup


def parse_supported2(s):
    """"supported2" (-13 s5.4), every field, consumed exactly."""
    data = s.ext.get("supported2")
    if not check(data is not None, f"{s.label}: 'supported2' sent (-13 s5.4: all servers MUST)",
                 str(s.ext_order)):
        return None
    r = Reader(data)
    try:
        sup = {"attribute_mask": r.u32(), "attribute_bits": r.u32(), "open_flags": r.u32(),
               "access_mask": r.u32(), "max_read_size": r.u32(), "open_block_vector": r.u16(),
               "block_vector": r.u16()}
        sup["attrib_extensions"] = [r.text() for _ in range(r.u32())]
        sup["extensions"] = [r.text() for _ in range(r.u32())]
    except Short as e:
        check(False, f"{s.label}: 'supported2' decodes per -13 s5.4", f"{e}; bytes {data.hex()}")
        return None
    check(r.left() == 0, f"{s.label}: 'supported2' consumed exactly (-13 s5.4)",
          f"{r.left()} trailing bytes; all {data.hex()}")
    check(sup["open_block_vector"] & 1, f"{s.label}: supported-open-block-vector bit 0 set (-13 s5.4 MUST)",
          hex(sup["open_block_vector"]))
    check(sup["block_vector"] & 1, f"{s.label}: supported-block-vector bit 0 set (-13 s5.4 MUST)",
          hex(sup["block_vector"]))
    check(sup["attribute_mask"] & ~ATTR_FLAGS_ALLOWED[6] == 0 and sup["attribute_mask"] & 2 == 0,
          f"{s.label}: supported-attribute-mask only defined bits", hex(sup["attribute_mask"]))
    check(sup["attribute_bits"] & ~ATTRIB_BITS_DEFINED[6] == 0, f"{s.label}: supported-attribute-bits "
          "only defined bits", hex(sup["attribute_bits"]))
    check(sup["open_flags"] & ~0xFFFF == 0, f"{s.label}: supported-open-flags only defined bits",
          hex(sup["open_flags"]))
    print(f"  {s.label} supported2: {sup}")
    return sup


def check_vendor_id(s):
    # Not in the drafts given here (it is in the separate filexfer-extensions draft): string
    # vendor-name, string product-name, string product-version, int64 product-build-number.
    data = s.ext.get("vendor-id")
    if data is None:
        return
    r = Reader(data)
    try:
        fields = [r.text(), r.text(), r.text(), r.i64()]
        check(r.left() == 0, f"{s.label}: vendor-id consumed exactly", data.hex())
        print(f"  {s.label} vendor-id: {fields}")
    except Short as e:
        check(False, f"{s.label}: vendor-id decodes (vendor, product, version, build)", f"{e} {data.hex()}")


def limits(s):
    """limits@openssh.com (openssh-PROTOCOL s4.8): EXTENDED_REPLY with 4 x uint64."""
    rep = s.request(FXP_EXTENDED, sstr("limits@openssh.com"))
    if rep.type == FXP_STATUS:
        code = s.status_of(rep, "limits@openssh.com")
        note(f"{s.label}: limits@openssh.com answered STATUS {code}")
        return None
    check(rep.type == FXP_EXTENDED_REPLY, f"{s.label}: limits@openssh.com EXTENDED_REPLY", repr(rep))
    lim = {"packet": rep.r.u64(), "read": rep.r.u64(), "write": rep.r.u64(), "handles": rep.r.u64()}
    check(rep.r.left() == 0, f"{s.label}: limits reply is 4 x uint64 exactly", rep.body.hex())
    check(lim["packet"] == 0 or lim["packet"] >= 34000, f"{s.label}: max-packet-length >= 34000", str(lim))
    check(lim["write"] == 0 or lim["write"] >= 32768, f"{s.label}: max-write-length >= 32768", str(lim))
    print(f"  {s.label} limits: {lim}")
    return lim


# ---------------------------------------------------------------- per-version sections
def section_version_packet(s):
    v = s.version
    print(f"  {s.label} VERSION extensions: {s.ext_order}")
    check_versions_ext(s)
    check_newline_ext(s)
    check_vendor_id(s)
    if v == 5:
        s.supported = parse_supported(s)
    if v == 6:
        s.supported = parse_supported2(s)
        if "supported" in s.ext:
            note("v6: server also sends v5 'supported' alongside 'supported2'")


def section_open_rw(s, d):
    """OPEN/WRITE/READ/CLOSE and the open dispositions (-04 s6.3, -05 s6.3.1, -13 s8.1.1)."""
    v = s.version
    payload = bytes(range(256)) * 40 + b"tail"
    if v == 4:
        h = s.handle_of(s.open4(f"{d}/a.bin", PF_WRITE | PF_CREAT | PF_TRUNC,
                                enc_attrs(4, perms=0o640)), "OPEN WRITE|CREAT|TRUNC")
    else:
        h = s.handle_of(s.open56(f"{d}/a.bin", ACC_W, CREATE_NEW, enc_attrs(v, perms=0o640)),
                        "OPEN CREATE_NEW")
    if h is None:
        return
    s.expect_status(s.write(h, 0, payload[:6000]), OK, "WRITE at 0")
    s.expect_status(s.write(h, 6000, payload[6000:]), OK, "WRITE at 6000")
    a = s.attrs_of(s.fstat(h), "FSTAT (open for write)")
    if a:
        check(a.get("size") == len(payload), f"v{v} FSTAT size after writes", str(a.get("size")))
    s.close(h)
    with open(disk(d.strip("/"), "a.bin"), "rb") as f:
        check(f.read() == payload, f"v{v} WRITE data on disk")
    check(stat.S_IMODE(os.stat(disk(d.strip("/"), "a.bin")).st_mode) == 0o640,
          f"v{v} OPEN attrs permissions applied (0640)", oct(os.stat(disk(d.strip('/'), 'a.bin')).st_mode))
    s.expect_status(s.request(FXP_CLOSE, sstr(h)), INVALID_HANDLE, "CLOSE of a closed handle")
    h = s.open_r(f"{d}/a.bin")
    if h:
        data, eof = s.data_of(s.read(h, 100, 1000), "READ 100+1000")
        check(data == payload[100:1100], f"v{v} READ returns the bytes at the offset")
        check(eof is not True, f"v{v} DATA end-of-file not true mid-file (-13 s9.3)")
        data, eof = s.data_of(s.read(h, len(payload) - 4, 100), "READ short at end")
        check(data == b"tail", f"v{v} short READ at end of file", repr(data))
        if v >= 6 and eof is not None:
            check(eof is True, "v6 DATA end-of-file true on a read reaching EOF (-13 s9.3)")
        got = s.data_of(s.read(h, len(payload), 100), "READ at EOF")[0]
        check(got == EOF, f"v{v} READ at end of file: STATUS EOF", repr(got))
        compare_attrs(s, s.attrs_of(s.fstat(h), "FSTAT"), disk(d.strip("/"), "a.bin"), "FSTAT")
        s.close(h)
    a = s.attrs_of(s.stat(f"{d}/a.bin"), "STAT")
    print(f"  v{v} STAT attrs: {a}")
    compare_attrs(s, a, disk(d.strip("/"), "a.bin"), "STAT")
    os.symlink("a.bin", disk(d.strip("/"), "a.lnk"))
    compare_attrs(s, s.attrs_of(s.stat(f"{d}/a.lnk", FXP_LSTAT), "LSTAT symlink"),
                  disk(d.strip("/"), "a.lnk"), "LSTAT symlink", follow=False)
    compare_attrs(s, s.attrs_of(s.stat(f"{d}/a.lnk"), "STAT symlink"), disk(d.strip("/"), "a.lnk"),
                  "STAT through symlink")
    compare_attrs(s, s.attrs_of(s.stat(d), "STAT dir"), disk(d.strip("/")), "STAT directory")

    dd = disk(d.strip("/"))
    with open(os.path.join(dd, "exists.txt"), "wb") as f:
        f.write(b"0123456789")
    if v == 4:
        s.expect_status(s.open4(f"{d}/exists.txt", PF_WRITE | PF_CREAT | PF_EXCL), FILE_ALREADY_EXISTS,
                        "OPEN CREAT|EXCL on an existing file")
        s.expect_status(s.open4(f"{d}/missing.txt", PF_READ), NO_SUCH_FILE, "OPEN READ of a missing file")
        code = s.expect_status(s.open4(f"{d}/nodir/x.txt", PF_READ), (NO_SUCH_PATH, NO_SUCH_FILE),
                               "OPEN in a missing directory")
        # CREAT without TRUNC keeps the content
        h = s.handle_of(s.open4(f"{d}/exists.txt", PF_WRITE | PF_CREAT), "OPEN WRITE|CREAT existing")
        if h:
            s.close(h)
        check(os.path.getsize(os.path.join(dd, "exists.txt")) == 10, "v4 CREAT without TRUNC keeps data")
        # APPEND: offset ignored (-04 s6.3)
        h = s.handle_of(s.open4(f"{d}/exists.txt", PF_WRITE | PF_APPEND), "OPEN WRITE|APPEND")
        if h:
            s.expect_status(s.write(h, 0, b"AB"), OK, "WRITE with APPEND at offset 0")
            s.close(h)
        with open(os.path.join(dd, "exists.txt"), "rb") as f:
            check(f.read() == b"0123456789AB", "v4 APPEND writes at the end, offset ignored (-04 s6.3)")
        # CREAT|TRUNC truncates
        h = s.handle_of(s.open4(f"{d}/exists.txt", PF_WRITE | PF_CREAT | PF_TRUNC), "OPEN CREAT|TRUNC existing")
        if h:
            s.close(h)
        check(os.path.getsize(os.path.join(dd, "exists.txt")) == 0, "v4 CREAT|TRUNC truncates")
        h = s.handle_of(s.open4(f"{d}/new-excl.txt", PF_WRITE | PF_CREAT | PF_EXCL), "OPEN CREAT|EXCL new")
        if h:
            s.close(h)
        check(os.path.isfile(os.path.join(dd, "new-excl.txt")), "v4 CREAT|EXCL creates")
    else:
        s.expect_status(s.open56(f"{d}/exists.txt", ACC_W, CREATE_NEW), FILE_ALREADY_EXISTS,
                        "OPEN CREATE_NEW on an existing file (-13 s8.1.1.3 MUST)")
        s.expect_status(s.open56(f"{d}/missing.txt", ACC_R, OPEN_EXISTING), NO_SUCH_FILE,
                        "OPEN_EXISTING of a missing file (-13 s8.1.1.3 MUST)")
        code = s.expect_status(s.open56(f"{d}/nodir/x.txt", ACC_R, OPEN_EXISTING), (NO_SUCH_PATH, NO_SUCH_FILE),
                               "OPEN_EXISTING in a missing directory")
        if code == NO_SUCH_FILE:
            note(f"v{v}: missing parent directory gives NO_SUCH_FILE (SHOULD be NO_SUCH_PATH, -13 s8.1.1.3)")
        s.expect_status(s.open56(f"{d}/missing.txt", ACC_W, TRUNCATE_EXISTING), NO_SUCH_FILE,
                        "TRUNCATE_EXISTING of a missing file (-13 s8.1.1.3 MUST)")
        h = s.handle_of(s.open56(f"{d}/exists.txt", ACC_RW, OPEN_OR_CREATE), "OPEN_OR_CREATE existing")
        if h:
            s.close(h)
        check(os.path.getsize(os.path.join(dd, "exists.txt")) == 10, f"v{v} OPEN_OR_CREATE keeps data")
        h = s.handle_of(s.open56(f"{d}/ooc.txt", ACC_RW, OPEN_OR_CREATE), "OPEN_OR_CREATE missing")
        if h:
            s.close(h)
        check(os.path.isfile(os.path.join(dd, "ooc.txt")), f"v{v} OPEN_OR_CREATE creates")
        h = s.handle_of(s.open56(f"{d}/exists.txt", ACC_W | ACE_APPEND_DATA, OPEN_EXISTING | F_APPEND_DATA),
                        "OPEN APPEND_DATA")
        if h:
            s.expect_status(s.write(h, 0, b"AB"), OK, "WRITE with APPEND_DATA at offset 0")
            s.expect_status(s.write(h, 3, b"CD"), OK, "WRITE with APPEND_DATA at offset 3")
            s.close(h)
        with open(os.path.join(dd, "exists.txt"), "rb") as f:
            got = f.read()
        check(got == b"0123456789ABCD", f"v{v} APPEND_DATA writes at the end, offset ignored (-13 s8.1.1.3)",
              repr(got))
        h = s.handle_of(s.open56(f"{d}/exists.txt", ACC_W, TRUNCATE_EXISTING), "TRUNCATE_EXISTING existing")
        if h:
            s.close(h)
        check(os.path.getsize(os.path.join(dd, "exists.txt")) == 0, f"v{v} TRUNCATE_EXISTING truncates")
        with open(os.path.join(dd, "exists.txt"), "wb") as f:
            f.write(b"xyz")
        h = s.handle_of(s.open56(f"{d}/exists.txt", ACC_W, CREATE_TRUNCATE), "CREATE_TRUNCATE existing")
        if h:
            s.close(h)
        check(os.path.getsize(os.path.join(dd, "exists.txt")) == 0, f"v{v} CREATE_TRUNCATE truncates")
        if v >= 6:
            s.expect_status(s.open56(d, ACC_R, OPEN_EXISTING), FILE_IS_A_DIRECTORY,
                            "OPEN of a directory (-13 s8.1.1.1 MUST)")
    # a file with more than max-read-size bytes: a full-size read returns it all (-13 s5.4)
    big = os.urandom(300_000)
    with open(os.path.join(dd, "big.bin"), "wb") as f:
        f.write(big)
    h = s.open_r(f"{d}/big.bin")
    if h:
        mrs = (getattr(s, "supported", None) or {}).get("max_read_size", 0)
        if mrs:
            want = min(mrs, len(big))
            data, _ = s.data_of(s.read(h, 0, want), f"READ max-read-size {want}")
            check(isinstance(data, bytes) and len(data) == want,
                  f"v{v} READ of max-read-size bytes returns them all (-13 s5.4 MUST)",
                  f"asked {want} got {len(data) if isinstance(data, bytes) else data}")
        check(s.read_all(h, 65536) == big, f"v{v} READ loop returns the whole file")
        s.close(h)


def section_setstat(s, d):
    """SETSTAT/FSETSTAT times with nanoseconds and permissions (-04 s6.9, -13 s8.6, s7.7)."""
    v = s.version
    dd = disk(d.strip("/"))
    p = os.path.join(dd, "times.txt")
    with open(p, "wb") as f:
        f.write(b"times")
    attrs = enc_attrs(v, perms=0o604, atime=(1_600_000_000, 111_222_333), mtime=(1_700_000_000, 123_456_789),
                      subsecond=True)
    s.expect_status(s.request(FXP_SETSTAT, sstr(f"{d}/times.txt") + attrs), OK, "SETSTAT perms+times+ns")
    st = os.stat(p)
    check(st.st_mtime_ns == 1_700_000_000_123_456_789, f"v{v} SETSTAT mtime with ns on disk",
          str(st.st_mtime_ns))
    check(st.st_atime_ns == 1_600_000_000_111_222_333, f"v{v} SETSTAT atime with ns on disk",
          str(st.st_atime_ns))
    check(stat.S_IMODE(st.st_mode) == 0o604, f"v{v} SETSTAT permissions on disk (no umask, -13 s7.6)",
          oct(st.st_mode))
    a = s.attrs_of(s.stat(f"{d}/times.txt"), "STAT after SETSTAT")
    if a:
        check((a.get("mtime"), a.get("mtime_ns")) == (1_700_000_000, 123_456_789), f"v{v} STAT mtime.ns echo",
              f"{a.get('mtime')}.{a.get('mtime_ns')}")
        compare_attrs(s, a, p, "STAT after SETSTAT")
    # one-half second before the epoch: seconds -1, nseconds 500000000 (-04 s5.6, -13 s7.7)
    attrs = enc_attrs(v, atime=(-1, 500_000_000), mtime=(-1, 500_000_000), subsecond=True)
    s.expect_status(s.request(FXP_SETSTAT, sstr(f"{d}/times.txt") + attrs), OK, "SETSTAT time before 1970")
    check(os.stat(p).st_mtime_ns == -500_000_000, f"v{v} SETSTAT negative time -1 + 0.5s on disk",
          str(os.stat(p).st_mtime_ns))
    a = s.attrs_of(s.stat(f"{d}/times.txt"), "STAT negative time")
    if a:
        check((a.get("mtime"), a.get("mtime_ns")) == (-1, 500_000_000),
              f"v{v} STAT negative mtime as int64 -1 + 500000000 ns", f"{a.get('mtime')}.{a.get('mtime_ns')}")
    # seconds only (no SUBSECOND_TIMES): nseconds fields absent
    attrs = enc_attrs(v, atime=(1_650_000_000, 0), mtime=(1_650_000_001, 0))
    s.expect_status(s.request(FXP_SETSTAT, sstr(f"{d}/times.txt") + attrs), OK, "SETSTAT whole seconds")
    check(os.stat(p).st_mtime_ns == 1_650_000_001_000_000_000, f"v{v} SETSTAT whole-second mtime",
          str(os.stat(p).st_mtime_ns))
    # FSETSTAT: size (truncate/extend) and permissions on a handle
    h = s.open_rw(f"{d}/times.txt", create=False)
    if h:
        s.expect_status(s.request(FXP_FSETSTAT, sstr(h) + enc_attrs(v, size=2, perms=0o640)), OK,
                        "FSETSTAT size=2 perms=0640")
        check(os.path.getsize(p) == 2 and stat.S_IMODE(os.stat(p).st_mode) == 0o640,
              f"v{v} FSETSTAT size and permissions on disk", f"{os.path.getsize(p)} {oct(os.stat(p).st_mode)}")
        s.expect_status(s.request(FXP_FSETSTAT, sstr(h) + enc_attrs(v, size=10)), OK, "FSETSTAT extend")
        with open(p, "rb") as f:
            check(f.read() == b"ti" + b"\0" * 8, f"v{v} FSETSTAT extends with zero bytes (-13 s7.3)")
        s.close(h)
    s.expect_status(s.request(FXP_SETSTAT, sstr(f"{d}/missing") + enc_attrs(v, perms=0o600)),
                    (NO_SUCH_FILE, NO_SUCH_PATH), "SETSTAT of a missing file")
    if v >= 6:
        sup = getattr(s, "supported", None) or {}
        want = {INVALID_PARAMETER} if sup.get("attribute_mask", 0) & A_ALLOCATION_SIZE else \
            {INVALID_PARAMETER, OP_UNSUPPORTED}
        before = os.path.getsize(p)
        s.expect_status(s.request(FXP_SETSTAT, sstr(f"{d}/times.txt") + enc_attrs(v, size=100, alloc=10)),
                        want, "SETSTAT size=100 allocation-size=10 (-13 s7.4: MUST INVALID_PARAMETER)")
        check(os.path.getsize(p) == before, "v6 refused SETSTAT left the size alone (-13 s7.1)",
              f"{before} -> {os.path.getsize(p)}")
    # directory permissions via SETSTAT and MKDIR attrs
    s.expect_status(s.mkdir(f"{d}/mk", perms=0o750), OK, "MKDIR with permissions")
    check(stat.S_IMODE(os.stat(os.path.join(dd, "mk")).st_mode) == 0o750, f"v{v} MKDIR attrs permissions")
    s.expect_status(s.mkdir(f"{d}/mk"), FILE_ALREADY_EXISTS, "MKDIR of an existing directory")
    s.expect_status(s.request(FXP_SETSTAT, sstr(f"{d}/mk") + enc_attrs(v, perms=0o711)), OK, "SETSTAT dir")
    check(stat.S_IMODE(os.stat(os.path.join(dd, "mk")).st_mode) == 0o711, f"v{v} SETSTAT dir permissions")


def section_readdir(s, d, batch):
    """OPENDIR/READDIR over more than one batch; NAME is filename + ATTRS only (-04 s6.7, -13 s9.4)."""
    v = s.version
    dd = disk(d.strip("/"), "many")
    os.mkdir(dd)
    expected = set()
    for i in range(batch * 2 + 5):
        name = f"file-{i:03}.dat"
        with open(os.path.join(dd, name), "wb") as f:
            f.write(b"z" * i)
        expected.add(name)
    os.mkdir(os.path.join(dd, "subdir"))
    os.symlink("file-001.dat", os.path.join(dd, "link"))
    expected |= {"subdir", "link"}
    h = s.handle_of(s.request(FXP_OPENDIR, sstr(f"{d}/many")), "OPENDIR")
    if h is None:
        return
    seen, replies, eol_seen = {}, 0, None
    for _ in range(100):
        rep = s.request(FXP_READDIR, sstr(h))
        if rep.type == FXP_STATUS:
            s.expect_status(rep, EOF, "READDIR after the last entry")
            break
        entries, eol = s.names_of(rep, f"READDIR #{replies}", readdir=True)
        if entries is None:
            break
        replies += 1
        check(not eol_seen, f"v{v} no names after a NAME with end-of-list true (-13 s9.4)")
        check(1 <= len(entries) <= batch, f"v{v} READDIR batch holds 1..{batch} names", str(len(entries)))
        for name, a in entries:
            check(name not in seen, f"v{v} READDIR name listed once", name)
            seen[name] = a
        if eol:
            eol_seen = True
    check(replies >= 2, f"v{v} READDIR needed more than one NAME reply", str(replies))
    names = set(seen) - {".", ".."}
    check(names == expected, f"v{v} READDIR lists exactly the directory", f"missing {expected - names} "
          f"extra {names - expected}")
    for name in sorted(names & expected):
        compare_attrs(s, seen[name], os.path.join(dd, name), f"READDIR {name}", follow=False)
    if eol_seen:
        note(f"v{v}: NAME end-of-list true was sent")
    # -13 s8.5: FSTAT takes a handle "from either SSH_FXP_OPEN or SSH_FXP_OPENDIR"; -04 s6.8 and
    # -05 s6.7 only speak of handles from SSH_FXP_OPEN
    rep = s.fstat(h)
    if v >= 6 or rep.type != FXP_STATUS:
        a = s.attrs_of(rep, "FSTAT on a directory handle (-13 s8.5: OPEN or OPENDIR handles)")
        if a:
            check(a["type"] == T_DIRECTORY, f"v{v} FSTAT of a directory handle: type DIRECTORY")
    else:
        s.expect_status(rep, INVALID_HANDLE, "FSTAT on a directory handle")
    if v >= 6:  # -13 s8.6: FSETSTAT too takes "an open file handle from either OPEN or OPENDIR"
        s.expect_status(s.request(FXP_FSETSTAT, sstr(h) + enc_attrs(v, perms=0o751)), OK,
                        "FSETSTAT on a directory handle (-13 s8.6)")
        check(stat.S_IMODE(os.stat(dd).st_mode) == 0o751, "v6 FSETSTAT on a directory handle applied",
              oct(os.stat(dd).st_mode))
    s.close(h, "CLOSE dir handle")
    # errors around directories
    s.expect_status(s.request(FXP_OPENDIR, sstr(f"{d}/nosuchdir")), (NO_SUCH_FILE, NO_SUCH_PATH),
                    "OPENDIR of a missing directory")
    # code 19 exists only from v6 (-13 s8.1.2 MUST); v4/v5 lack it (-04 s7, -05 s7) and must map it
    # onto a code they define: FAILURE, or NO_SUCH_PATH ("does not exist or is invalid")
    want = NOT_A_DIRECTORY if v >= 6 else (FAILURE, NO_SUCH_PATH)
    code = s.expect_status(s.request(FXP_OPENDIR, sstr(f"{d}/many/file-001.dat")), want, "OPENDIR of a file")
    if v < 6:
        note(f"v{v}: OPENDIR of a file answers {code} (NOT_A_DIRECTORY does not exist before v6)")
    want = DIR_NOT_EMPTY if v >= 6 else FAILURE  # code 18 exists only from v6
    s.expect_status(s.request(FXP_RMDIR, sstr(f"{d}/many")), want, "RMDIR of a non-empty directory")
    if v >= 6:
        s.expect_status(s.request(FXP_REMOVE, sstr(f"{d}/many/subdir")), FILE_IS_A_DIRECTORY,
                        "REMOVE of a directory (-13 s8.3 MUST)")
    else:
        code = s.status_of(s.request(FXP_REMOVE, sstr(f"{d}/many/subdir")), "REMOVE of a directory")
        check(code not in (None, OK), f"v{v} REMOVE of a directory fails", str(code))
    check(os.path.isdir(os.path.join(dd, "subdir")), f"v{v} directory still there after REMOVE")
    # READDIR on a file handle: INVALID_HANDLE (-13 s8.2.2 MUST)
    fh = s.open_r(f"{d}/many/file-002.dat")
    if fh:
        want = INVALID_HANDLE if v >= 6 else (INVALID_HANDLE, BAD_MESSAGE, FAILURE)
        s.expect_status(s.request(FXP_READDIR, sstr(fh)), want, "READDIR on a file handle")
        s.close(fh)
    s.expect_status(s.request(FXP_RMDIR, sstr(f"{d}/many/subdir")), OK, "RMDIR of an empty directory")
    check(not os.path.exists(os.path.join(dd, "subdir")), f"v{v} RMDIR removed it")


def section_status(s, d):
    """STATUS codes per version (-04 s7, -05 s7, -13 s9.1)."""
    v = s.version
    s.expect_status(s.stat(f"{d}/no-such-file"), NO_SUCH_FILE, "STAT of a missing file")
    s.expect_status(s.stat(f"{d}/no-such-file", FXP_LSTAT), NO_SUCH_FILE, "LSTAT of a missing file")
    s.expect_status(s.request(FXP_REMOVE, sstr(f"{d}/no-such-file")), NO_SUCH_FILE, "REMOVE of a missing file")
    # permissions: /locked allows list and download only (config)
    if v == 4:
        rep = s.open4("/locked/new.txt", PF_WRITE | PF_CREAT | PF_TRUNC)
    else:
        rep = s.open56("/locked/new.txt", ACC_W, CREATE_TRUNCATE)
    s.expect_status(rep, PERMISSION_DENIED, "upload into a folder without upload permission")
    s.expect_status(s.request(FXP_REMOVE, sstr("/locked/existing.txt")), PERMISSION_DENIED,
                    "REMOVE without delete permission")
    check(not os.path.exists(disk("locked", "new.txt")) and os.path.exists(disk("locked", "existing.txt")),
          f"v{v} nothing changed in /locked")
    h = s.open_r("/locked/existing.txt")
    if h:
        s.close(h)
    # the read-only virtual folder
    if v == 4:
        rep = s.open4("/ro/readme.txt", PF_WRITE)
    else:
        rep = s.open56("/ro/readme.txt", ACC_W, OPEN_EXISTING)
    code = s.expect_status(rep, (WRITE_PROTECT, PERMISSION_DENIED), "OPEN for write in a read-only folder")
    note(f"v{v}: write in the read-only folder answers {code}")
    s.expect_status(s.request(FXP_SETSTAT, sstr("/ro/readme.txt") + enc_attrs(v, perms=0o600)),
                    (WRITE_PROTECT, PERMISSION_DENIED), "SETSTAT in a read-only folder")
    s.expect_status(s.mkdir("/ro/sub"), (WRITE_PROTECT, PERMISSION_DENIED), "MKDIR in a read-only folder")
    with open(os.path.join(RO_ROOT, "readme.txt"), "rb") as f:
        check(f.read() == b"read only\n", f"v{v} read-only file unchanged")
    check(not os.path.exists(os.path.join(RO_ROOT, "sub")), f"v{v} no directory made in the read-only folder")
    # handles
    s.expect_status(s.read(b"no-such-handle", 0, 10), INVALID_HANDLE, "READ with a bogus handle")
    s.expect_status(s.write(b"\xff" * 4, 0, b"x"), INVALID_HANDLE, "WRITE with a bogus handle")
    s.expect_status(s.request(FXP_CLOSE, sstr(b"\x00\x01\x02")), INVALID_HANDLE, "CLOSE with a bogus handle")
    s.expect_status(s.request(FXP_FSTAT, sstr(b"zz") + u32(ALL_ATTRS)), INVALID_HANDLE, "FSTAT bogus handle")
    code = s.expect_status(s.request(FXP_READDIR, sstr(b"h" * 300)), (INVALID_HANDLE, BAD_MESSAGE),
                           "READDIR with a 300-byte handle (-13 s9.2: handles are at most 256 bytes)")
    if code == BAD_MESSAGE:
        note(f"v{v}: a 300-byte handle is BAD_MESSAGE rather than INVALID_HANDLE")
    # unknown packet type and unknown extension: OP_UNSUPPORTED (-13 s4, s4.3, s10)
    s.expect_status(s.request(99, b"\x00" * 7), OP_UNSUPPORTED, "unknown packet type 99")
    s.expect_status(s.request(FXP_EXTENDED, sstr("no-such-extension@example.com") + b"junk"), OP_UNSUPPORTED,
                    "unknown EXTENDED request")
    s.expect_status(s.request(FXP_STATUS, u32(0) + sstr("") + sstr("")), OP_UNSUPPORTED,
                    "a server-to-client type (STATUS) sent to the server")
    if v < 6:
        code = s.status_of(s.request(FXP_BLOCK, sstr(b"x") + u64(0) + u64(1) + u32(0)), f"BLOCK in v{v}")
        check(code in (OP_UNSUPPORTED, INVALID_HANDLE), f"v{v} BLOCK (a v6 type) refused", str(code))


def section_rename(s, d):
    """RENAME: v4 no flags (-04 s6.5), v5+ flags (-05 s6.5, -13 s8.3)."""
    v = s.version
    dd = disk(d.strip("/"))
    for name, content in (("r1.txt", b"one"), ("r2.txt", b"two")):
        with open(os.path.join(dd, name), "wb") as f:
            f.write(content)
    if v == 4:
        code = s.status_of(s.request(FXP_RENAME, sstr(f"{d}/r1.txt") + sstr(f"{d}/r2.txt")),
                           "RENAME onto an existing file")
        check(code in (FILE_ALREADY_EXISTS, FAILURE), "v4 RENAME onto existing is an error (-04 s6.5)", str(code))
        s.expect_status(s.request(FXP_RENAME, sstr(f"{d}/r1.txt") + sstr(f"{d}/r3.txt")), OK, "RENAME (no flags)")
        check(os.path.exists(os.path.join(dd, "r3.txt")) and not os.path.exists(os.path.join(dd, "r1.txt")),
              "v4 RENAME moved the file")
    else:
        s.expect_status(s.request(FXP_RENAME, sstr(f"{d}/r1.txt") + sstr(f"{d}/r2.txt") + u32(0)),
                        FILE_ALREADY_EXISTS, "RENAME flags=0 onto an existing file (-13 s8.3 MUST)")
        with open(os.path.join(dd, "r2.txt"), "rb") as f:
            check(f.read() == b"two", f"v{v} refused RENAME left the target alone")
        s.expect_status(s.request(FXP_RENAME, sstr(f"{d}/r1.txt") + sstr(f"{d}/r2.txt") + u32(RENAME_OVERWRITE)),
                        OK, "RENAME OVERWRITE")
        with open(os.path.join(dd, "r2.txt"), "rb") as f:
            check(f.read() == b"one", f"v{v} RENAME OVERWRITE replaced the target")
        check(not os.path.exists(os.path.join(dd, "r1.txt")), f"v{v} RENAME OVERWRITE removed the source")
        with open(os.path.join(dd, "r4.txt"), "wb") as f:
            f.write(b"four")
        # -05 s6.5: "SSH_FXP_RENAME_ATOMIC implies SSH_FXP_RENAME_OVERWRITE"; if the server cannot
        # replace atomically, OP_UNSUPPORTED. -13 s8.3 says the same but then also speaks of ATOMIC
        # "without OVERWRITE" as an atomic check-and-rename, so v6 may refuse an existing target.
        want = (OK, OP_UNSUPPORTED) if v == 5 else (OK, OP_UNSUPPORTED, FILE_ALREADY_EXISTS)
        code = s.expect_status(s.request(FXP_RENAME, sstr(f"{d}/r4.txt") + sstr(f"{d}/r2.txt") + u32(RENAME_ATOMIC)),
                               want, "RENAME ATOMIC onto an existing file (-05 s6.5: implies OVERWRITE)")
        if v == 6 and code == FILE_ALREADY_EXISTS:
            note("v6: RENAME ATOMIC without OVERWRITE refuses an existing target (-13 s8.3 reads both ways)")
        if code == OK:
            with open(os.path.join(dd, "r2.txt"), "rb") as f:
                check(f.read() == b"four", f"v{v} RENAME ATOMIC replaced the target")
        s.expect_status(s.request(FXP_RENAME, sstr(f"{d}/nope") + sstr(f"{d}/nope2") + u32(0)),
                        (NO_SUCH_FILE, NO_SUCH_PATH), "RENAME of a missing file")
        s.expect_status(s.request(FXP_RENAME, sstr(f"{d}/r2.txt") + sstr(f"{d}/r5.txt") + u32(RENAME_NATIVE)),
                        OK, "RENAME NATIVE")


def expected_text(content, newline):
    # The files here use LF; with "newline" announcing the server's own separator the wire
    # uses it too (-13 s5.3), so only a different announcement would need translating.
    return content.replace(b"\n", newline)


def section_text(s, d):
    """TEXT mode read/write against the announced newline (-04 s4.3, s6.3; -13 s5.3, s8.1.1.3)."""
    v = s.version
    nl = SEEN_NEWLINE.get(v, b"\r\n")
    dd = disk(d.strip("/"))
    content = b"line one\nline two\n\nlast line without newline"
    with open(os.path.join(dd, "text.txt"), "wb") as f:
        f.write(content)
    if v == 4:
        h = s.handle_of(s.open4(f"{d}/text.txt", PF_READ | PF_TEXT), "OPEN READ|TEXT")
    else:
        h = s.handle_of(s.open56(f"{d}/text.txt", ACC_R, OPEN_EXISTING | F_TEXT_MODE), "OPEN TEXT_MODE")
    if h is None:
        return
    # offsets are ignored in text mode: read sequentially, always saying offset 0
    out = b""
    for _ in range(200):
        data, _ = s.data_of(s.read(h, 0, 7), "text READ (offset 0)")
        if isinstance(data, int):
            check(data == EOF, f"v{v} text READ ends with EOF", str(data))
            break
        out += data
    want = expected_text(content, nl)
    check(out == want, f"v{v} TEXT read converts LF to the announced newline {nl!r}, offset ignored",
          f"got {out!r} want {want!r}")
    if v == 6:
        sup = getattr(s, "supported", None) or {}
        if "text-seek" in sup.get("extensions", []) or "text-seek" in s.ext:
            s.expect_status(s.request(FXP_EXTENDED, sstr("text-seek") + sstr(h) + u64(1)), OK, "text-seek line 1")
            data, _ = s.data_of(s.read(h, 0, 4096), "READ after text-seek")
            check(data == expected_text(b"line two\n\nlast line without newline", nl),
                  "v6 text-seek 1 continues at the second line (-13 s8.1.1.3)", repr(data))
            s.expect_status(s.request(FXP_EXTENDED, sstr("text-seek") + sstr(h) + u64(50)), EOF,
                            "text-seek past the end (-13 s8.1.1.3: EOF)")
        else:
            note("v6: text-seek not advertised")
    s.close(h)
    # text write: wire newline -> LF on disk, offsets ignored
    if v == 4:
        h = s.handle_of(s.open4(f"{d}/tw.txt", PF_WRITE | PF_CREAT | PF_TRUNC | PF_TEXT), "OPEN WRITE|TEXT")
    else:
        h = s.handle_of(s.open56(f"{d}/tw.txt", ACC_W, CREATE_TRUNCATE | F_TEXT_MODE), "OPEN TEXT_MODE write")
    if h:
        s.expect_status(s.write(h, 0, b"alpha" + nl + b"beta" + nl + b"lone\rcr"), OK, "text WRITE 1")
        s.expect_status(s.write(h, 0, b"gamma" + nl), OK, "text WRITE 2 (offset 0 ignored)")
        s.close(h)
        with open(os.path.join(dd, "tw.txt"), "rb") as f:
            got = f.read()
        check(got == b"alpha\nbeta\nlone\rcrgamma\n", f"v{v} TEXT write converts {nl!r} to LF, offsets ignored",
              repr(got))


def section_realpath(s, d):
    v = s.version
    entries, _ = s.names_of(s.request(FXP_REALPATH, sstr(".")), "REALPATH .")
    if entries:
        check(len(entries) == 1 and entries[0][0] == "/", f"v{v} REALPATH . is / (home)", str(entries))
    entries, _ = s.names_of(s.request(FXP_REALPATH, sstr(f"{d}/../{d.strip('/')}/./a.bin")), "REALPATH dots")
    if entries:
        check(entries[0][0] == f"{d}/a.bin", f"v{v} REALPATH removes . and ..", entries[0][0])
    if v < 6:
        return
    dd = disk(d.strip("/"))
    # control byte (-13 s8.9)
    entries, _ = s.names_of(s.request(FXP_REALPATH, sstr(f"{d}/nodir/x") + u8(REALPATH_NO_CHECK)),
                            "REALPATH NO_CHECK missing")
    if entries:
        check(entries[0][0] == f"{d}/nodir/x", "v6 REALPATH NO_CHECK does not fail on a missing path",
              entries[0][0])
    entries, _ = s.names_of(s.request(FXP_REALPATH, sstr(f"{d}/a.lnk") + u8(REALPATH_NO_CHECK)),
                            "REALPATH NO_CHECK symlink")
    if entries:
        check(entries[0][0] == f"{d}/a.lnk", "v6 REALPATH NO_CHECK does not resolve symlinks (-13 s8.9 MUST)",
              entries[0][0])
    entries, _ = s.names_of(s.request(FXP_REALPATH, sstr(f"{d}/missing") + u8(REALPATH_STAT_IF)),
                            "REALPATH STAT_IF missing")
    if entries:
        check(entries[0][0] == f"{d}/missing" and entries[0][1]["type"] == T_UNKNOWN,
              "v6 REALPATH STAT_IF on a missing path: OK with type UNKNOWN (-13 s8.9)",
              f"{entries[0][0]} type {entries[0][1]['type']}")
    entries, _ = s.names_of(s.request(FXP_REALPATH, sstr(f"{d}/a.bin") + u8(REALPATH_STAT_IF)),
                            "REALPATH STAT_IF file")
    if entries:
        compare_attrs(s, entries[0][1], os.path.join(dd, "a.bin"), "REALPATH STAT_IF attrs")
    s.expect_status(s.request(FXP_REALPATH, sstr(f"{d}/missing") + u8(REALPATH_STAT_ALWAYS)),
                    (NO_SUCH_FILE, NO_SUCH_PATH), "REALPATH STAT_ALWAYS on a missing path (-13 s8.9 MUST fail)")
    rep = s.request(FXP_REALPATH, sstr(d) + u8(REALPATH_STAT_ALWAYS) + sstr("mk") + sstr("..") + sstr("a.bin"))
    entries, _ = s.names_of(rep, "REALPATH STAT_ALWAYS compose mk, .., a.bin")
    if entries:
        check(len(entries) == 1 and entries[0][0] == f"{d}/a.bin", "v6 REALPATH composes each path in turn",
              str([e[0] for e in entries]))
        compare_attrs(s, entries[0][1], os.path.join(dd, "a.bin"), "REALPATH STAT_ALWAYS attrs")
    rep = s.request(FXP_REALPATH, sstr(f"{d}/mk") + u8(REALPATH_STAT_ALWAYS) + sstr(d))
    entries, _ = s.names_of(rep, "REALPATH compose absolute")
    if entries:
        check(entries[0][0] == d and entries[0][1]["type"] == T_DIRECTORY,
              "v6 REALPATH absolute compose-path discards the original (-13 s8.9)", entries[0][0])
    entries, _ = s.names_of(s.request(FXP_REALPATH, sstr(d) + u8(REALPATH_NO_CHECK) + sstr("")),
                            "REALPATH empty compose")
    if entries:
        check(entries[0][0] == d, "v6 REALPATH zero-length compose-path", entries[0][0])


def section_link_v6(s, d):
    """SSH_FXP_LINK (-13 s8.7): new-link-path, existing-path, bool sym-link."""
    dd = disk(d.strip("/"))
    with open(os.path.join(dd, "target.txt"), "wb") as f:
        f.write(b"target")
    s.expect_status(s.request(FXP_LINK, sstr(f"{d}/sym") + sstr("target.txt") + boolean(True)), OK,
                    "LINK sym-link=true")
    p = os.path.join(dd, "sym")
    if check(os.path.islink(p), "v6 LINK true made a symlink at new-link-path"):
        check(os.path.realpath(p) == os.path.realpath(os.path.join(dd, "target.txt")),
              "v6 symlink points at existing-path", os.readlink(p))
        print(f"  v6 symlink on disk: {os.readlink(p)!r}")
        entries, _ = s.names_of(s.request(FXP_READLINK, sstr(f"{d}/sym")), "READLINK")
        if entries:
            check(entries[0][0] in ("target.txt", f"{d}/target.txt"), "v6 READLINK gives the target",
                  entries[0][0])
        a = s.attrs_of(s.stat(f"{d}/sym", FXP_LSTAT), "LSTAT new symlink")
        if a:
            check(a["type"] == T_SYMLINK, "v6 LSTAT of the symlink: type SYMLINK")
    s.expect_status(s.request(FXP_LINK, sstr(f"{d}/hard0") + sstr(f"{d}/no-target") + boolean(False)),
                    (NO_SUCH_FILE, NO_SUCH_PATH, OP_UNSUPPORTED), "hard LINK to a missing file")
    code = s.expect_status(s.request(FXP_LINK, sstr(f"{d}/hard") + sstr(f"{d}/target.txt") + boolean(False)),
                           (OK, OP_UNSUPPORTED), "LINK sym-link=false")
    if code == OK:
        hp = os.path.join(dd, "hard")
        check(os.path.isfile(hp) and not os.path.islink(hp) and
              os.stat(hp).st_ino == os.stat(os.path.join(dd, "target.txt")).st_ino,
              "v6 LINK false made a hard link (same st_ino)")
        check(os.stat(hp).st_nlink == 2, "v6 hard link: st_nlink 2", str(os.stat(hp).st_nlink))
        a = s.attrs_of(s.stat(f"{d}/hard"), "STAT hard link")
        if a and "link_count" in a:
            check(a["link_count"] == 2, "v6 link-count 2 after LINK", str(a["link_count"]))
    else:
        note("v6: hard LINK answered OP_UNSUPPORTED")
    s.expect_status(s.request(FXP_LINK, sstr(f"{d}/sym") + sstr("target.txt") + boolean(True)),
                    FILE_ALREADY_EXISTS, "LINK onto an existing name")
    s.expect_status(s.request(FXP_LINK, sstr("/ro/l") + sstr("readme.txt") + boolean(True)),
                    (WRITE_PROTECT, PERMISSION_DENIED), "LINK in the read-only folder")


def section_nofollow_deleteonclose_v6(s, d):
    sup = getattr(s, "supported", None) or {}
    flags_ok = sup.get("open_flags", 0)
    want = {LINK_LOOP} if flags_ok & F_NOFOLLOW else {LINK_LOOP, OP_UNSUPPORTED}
    s.expect_status(s.open56(f"{d}/a.lnk", ACC_R, OPEN_EXISTING | F_NOFOLLOW), want,
                    "OPEN NOFOLLOW on a symlink (-13 s8.1.1.3: LINK_LOOP)")
    dd = disk(d.strip("/"))
    if flags_ok & F_DELETE_ON_CLOSE:
        h = s.handle_of(s.open56(f"{d}/doc.txt", ACC_W, CREATE_NEW | F_DELETE_ON_CLOSE), "OPEN DELETE_ON_CLOSE")
        if h:
            s.expect_status(s.write(h, 0, b"bye"), OK, "WRITE delete-on-close file")
            s.close(h)
            check(not os.path.exists(os.path.join(dd, "doc.txt")), "v6 DELETE_ON_CLOSE removed the file")
    else:
        note("v6: DELETE_ON_CLOSE not in supported-open-flags")


def block_index(mask):
    """-13 s5.4: the vector bit for a combination of BLOCK_* flags, BLOCK_READ as bit 0."""
    return (mask >> 6) & 0xF


def section_block_v6(s, d, transport):
    """BLOCK/UNBLOCK (-13 s8.8) and open-time BLOCK_* flags, as the advertised vectors allow."""
    sup = getattr(s, "supported", None) or {}
    bv, obv = sup.get("block_vector", 1), sup.get("open_block_vector", 1)
    dd = disk(d.strip("/"))
    with open(os.path.join(dd, "lock.bin"), "wb") as f:
        f.write(b"L" * 1000)
    h1 = s.open_rw(f"{d}/lock.bin", create=False)
    h2 = s.open_rw(f"{d}/lock.bin", create=False)
    if not (h1 and h2):
        return
    X = F_BLOCK_READ | F_BLOCK_WRITE | F_BLOCK_ADVISORY  # exclusive advisory (index 0b1011)
    S = F_BLOCK_WRITE | F_BLOCK_ADVISORY                 # shared advisory (index 0b1010)
    supported = lambda m: bool(bv & (1 << block_index(m)))
    blk = lambda h, off, ln, mm: s.request(FXP_BLOCK, sstr(h) + u64(off) + u64(ln) + u32(mm))
    unblk = lambda h, off, ln: s.request(FXP_UNBLOCK, sstr(h) + u64(off) + u64(ln))
    for m in (F_BLOCK_READ, F_BLOCK_DELETE, F_BLOCK_READ | F_BLOCK_WRITE):
        if not supported(m):
            s.expect_status(blk(h1, 0, 10, m), OP_UNSUPPORTED,
                            f"BLOCK mask 0x{m:x} outside block vector 0x{bv:04x} (-13 s5.4)")
    if not supported(X):
        note(f"v6: block vector 0x{bv:04x} has no exclusive advisory lock; BLOCK not exercised further")
    else:
        s.expect_status(blk(h1, 100, 50, X), OK, "BLOCK 100+50 exclusive")
        s.expect_status(blk(h2, 120, 10, X), BYTE_RANGE_LOCK_REFUSED,
                        "BLOCK overlapping from another handle (-13 s8.8.1)")
        if supported(S):
            s.expect_status(blk(h2, 140, 20, S), BYTE_RANGE_LOCK_REFUSED,
                            "shared BLOCK overlapping an exclusive one from another handle (-13 s8.8.1)")
        other = Session(transport, 6, label="v6 second session")
        oh = other.open_rw(f"{d}/lock.bin", create=False)
        if oh:
            other.expect_status(other.request(FXP_BLOCK, sstr(oh) + u64(0) + u64(500) + u32(X)),
                                BYTE_RANGE_LOCK_REFUSED, "BLOCK overlapping from a second session (-13 s8.8.1)")
            other.close(oh)
        other.close_channel()
        s.expect_status(blk(h2, 150, 10, X), OK, "BLOCK adjacent, not overlapping")
        s.expect_status(unblk(h1, 100, 49), NO_MATCHING_BYTE_RANGE_LOCK,
                        "UNBLOCK with a different length (-13 s8.8.2 MUST)")
        s.expect_status(unblk(h2, 100, 50), NO_MATCHING_BYTE_RANGE_LOCK,
                        "UNBLOCK from a handle that holds no such lock (-13 s8.8.2 MUST)")
        s.expect_status(unblk(h1, 100, 50), OK, "UNBLOCK exact range")
        s.expect_status(blk(h2, 120, 10, X), OK, "BLOCK after UNBLOCK")
        s.expect_status(unblk(h2, 120, 10), OK, "UNBLOCK 120+10")
        s.expect_status(unblk(h2, 150, 10), OK, "UNBLOCK 150+10")
        s.expect_status(unblk(h2, 150, 10), NO_MATCHING_BYTE_RANGE_LOCK, "UNBLOCK twice (-13 s8.8.2 MUST)")
        # "even if the request is from the same client in the same connection" (-13 s8.8.1)
        s.expect_status(blk(h1, 600, 10, X), OK, "BLOCK 600+10 exclusive")
        s.expect_status(blk(h1, 605, 10, X), BYTE_RANGE_LOCK_REFUSED,
                        "BLOCK overlapping an earlier BLOCK of the same handle (-13 s8.8.1)")
        if supported(S):
            s.expect_status(blk(h1, 300, 10, S), OK, "BLOCK 300+10 shared")
            s.expect_status(blk(h2, 305, 10, X), BYTE_RANGE_LOCK_REFUSED,
                            "exclusive BLOCK overlapping a shared one (-13 s8.8.1)")
            code = s.status_of(blk(h2, 305, 10, S), "shared BLOCK overlapping a shared one")
            note(f"v6: shared BLOCK over a shared one answers {code} (-13 s8.8.1 says any overlap is "
                 "REFUSED; its s5.4 example calls these 'classic shared' locks)")
    s.close(h1)
    s.close(h2)
    # open-time locks (-13 s8.1.1.3): BLOCK_WRITE refuses another writer with LOCK_CONFLICT
    om = F_BLOCK_WRITE | F_BLOCK_ADVISORY
    if obv & (1 << block_index(om)):
        h = s.handle_of(s.open56(f"{d}/lock.bin", ACC_RW, OPEN_EXISTING | om), "OPEN BLOCK_WRITE|ADVISORY")
        if h:
            s.expect_status(s.open56(f"{d}/lock.bin", ACC_W, OPEN_EXISTING | om), LOCK_CONFLICT,
                            "second OPEN for write with BLOCK_WRITE (-13 s8.1.1.3)")
            s.close(h)
            h = s.handle_of(s.open56(f"{d}/lock.bin", ACC_W, OPEN_EXISTING | om), "OPEN after the lock is gone")
            if h:
                s.close(h)
    else:
        s.expect_status(s.open56(f"{d}/lock.bin", ACC_RW, OPEN_EXISTING | om), OP_UNSUPPORTED,
                        f"OPEN BLOCK_WRITE|ADVISORY outside open block vector 0x{obv:04x} (-13 s8.1.1.3)")


def section_malformed(s, d, transport):
    """Malformed packets: truncated bodies, oversize WRITE, an oversize length prefix."""
    v = s.version
    # a truncated body with a valid request-id: BAD_MESSAGE (-13 s9.1)
    s.expect_status(s.request(FXP_READ, sstr(b"abc") + b"\x00\x00\x00"), BAD_MESSAGE, "READ cut inside offset")
    s.expect_status(s.request(FXP_STAT, u32(50) + b"short"), BAD_MESSAGE, "STAT with a string past the end")
    s.expect_status(s.request(FXP_OPEN, sstr(f"{d}/x") + u32(0)), BAD_MESSAGE, "OPEN without flags/attrs")
    s.expect_status(s.request(FXP_SETSTAT, sstr(f"{d}/times.txt") + u32(A_SIZE) + u8(1) + b"\x00\x00"),
                    BAD_MESSAGE, "SETSTAT with ATTRS cut inside size")
    # excess data at the end of a valid packet MUST be ignored (-13 s4); -04/-05 do not say so
    rep = s.request(FXP_STAT, sstr(d) + u32(ALL_ATTRS) + b"excess")
    if v >= 6:
        a = s.attrs_of(rep, "STAT with 6 excess bytes at the end (-13 s4: MUST ignore excess data)")
        check(a is not None and a["type"] == T_DIRECTORY, "v6 excess data ignored (-13 s4 MUST)")
    elif rep.type == FXP_STATUS:
        s.expect_status(rep, BAD_MESSAGE, "STAT with excess bytes")
    else:
        s.attrs_of(rep, "STAT with excess bytes")
    # the session still works
    check(s.attrs_of(s.stat(d), "STAT after malformed packets") is not None, f"v{v} session survives")
    lim = limits(s)
    if lim and lim["write"]:
        h = s.open_rw(f"{d}/over.bin")
        if h:
            n = lim["write"] + 1
            body = sstr(h) + u64(0) + sstr(b"w" * n)
            size = 4 + 1 + 4 + len(body)
            if lim["packet"] == 0 or size <= lim["packet"]:
                code = s.status_of(s.write(h, 0, b"w" * n), f"WRITE of max-write-length+1 ({n}) bytes")
                check(code not in (None, OK), f"v{v} WRITE beyond max-write-length refused with a status", str(code))
                note(f"v{v}: WRITE of max-write-length+1 bytes answers status {code} {s.last_msg!r}")
            else:
                note(f"v{v}: max-write-length+1 WRITE ({size} bytes) exceeds max-packet-length "
                     f"{lim['packet']}; sending one of exactly max-write-length instead")
            s.expect_status(s.write(h, 0, b"w" * lim["write"]), OK, "WRITE of exactly max-write-length")
            s.close(h)
            check(os.path.getsize(disk(d.strip('/'), "over.bin")) == lim["write"],
                  f"v{v} only the accepted WRITE reached the file", str(os.path.getsize(disk(d.strip('/'), "over.bin"))))
        check(s.attrs_of(s.stat(d), "STAT after the oversize WRITE") is not None, f"v{v} session survives")
    # a length prefix above max-packet-length on its own channel: the server closes that channel
    max_packet = lim["packet"] if lim and lim["packet"] else 256 * 1024 + 1024
    victim = Session(transport, v, label=f"v{v} victim")
    victim.send_raw(u32(max_packet + 1) + u8(FXP_STAT) + u32(1) + sstr(d))
    closed, deadline, extra = False, time.time() + 15, b""
    victim.chan.settimeout(1)
    while time.time() < deadline:
        try:
            chunk = victim.chan.recv(65536)
        except Exception:  # socket.timeout
            continue
        if not chunk:
            closed = True
            break
        extra += chunk
    check(closed, f"v{v} length prefix {max_packet + 1} > max packet: server closes the channel",
          f"still open after 15s; received {extra[:40].hex()}")
    victim.close_channel()
    check(transport.is_active(), f"v{v} the SSH connection survives the closed channel")
    check(s.attrs_of(s.stat(d), "STAT on the other channel") is not None, f"v{v} other channel still works")
    again = Session(transport, v, label=f"v{v} after victim")
    check(again.attrs_of(again.stat(d), "STAT on a new channel") is not None, f"v{v} new channel works")
    again.close_channel()


# ---------------------------------------------------------------- version-select (-13 s5.5)
def section_version_select(transport):
    s = Session(transport, 3, label="v3+select")
    tokens = check_versions_ext(s)
    if "6" in tokens:
        # no waiting needed (-13 s5.5), but we wait to check the reply
        s.expect_status(s.request(FXP_EXTENDED, sstr("version-select") + sstr("6")), OK, "version-select 6")
        s.version = 6
        s.label = "v3->6"
        d = "/vsel"
        compare_attrs(s, s.attrs_of(s.stat(d), "v6 STAT after version-select"), disk("vsel"), "STAT after select")
        entries, _ = s.names_of(s.request(FXP_REALPATH, sstr(d) + u8(REALPATH_STAT_ALWAYS) + sstr("f.txt")),
                                "v6 REALPATH after version-select")
        if entries:
            check(entries[0][0] == "/vsel/f.txt", "version-select: v6 REALPATH compose works", entries[0][0])
            compare_attrs(s, entries[0][1], disk("vsel", "f.txt"), "REALPATH attrs after select")
        s.expect_status(s.request(FXP_LINK, sstr("/vsel/l") + sstr("f.txt") + boolean(True)), OK,
                        "v6 LINK after version-select")
        check(os.path.islink(disk("vsel", "l")), "version-select: LINK made the symlink")
        h = s.handle_of(s.open56("/vsel/g.txt", ACC_W, CREATE_NEW), "v6 OPEN after version-select")
        if h:
            s.close(h)
        s.expect_status(s.request(FXP_RMDIR, sstr("/vsel")), DIR_NOT_EMPTY, "v6 codes after version-select")
    s.close_channel()
    # version-select not as the first request: fail the request and close the channel
    s = Session(transport, 3, label="v3 late select")
    s.request(FXP_REALPATH, sstr("."))
    try:
        code = s.status_of(s.request(FXP_EXTENDED, sstr("version-select") + sstr("6")), "late version-select")
        check(code not in (None, OK), "version-select not first: the request fails (-13 s5.5 MUST)", str(code))
        s.chan.settimeout(10)
        s.recv_packet()
        check(False, "version-select not first: channel closed (-13 s5.5 MUST)", "got another packet")
    except ChannelClosed:
        check(True, "version-select not first: channel closed (-13 s5.5 MUST)")
    except Exception as e:
        check(False, "version-select not first: channel closed (-13 s5.5 MUST)", repr(e))
    s.close_channel()
    # an unlisted version: MAY answer with a status, MUST close the channel
    s = Session(transport, 3, label="v3 bad select")
    try:
        Session.next_id += 1
        s.send_packet(FXP_EXTENDED, u32(Session.next_id) + sstr("version-select") + sstr("9"))
        s.chan.settimeout(10)
        while True:
            ptype, body = s.recv_packet()
            check(ptype == FXP_STATUS and struct.unpack(">I", body[4:8])[0] != OK,
                  "version-select 9: any reply is a failure status", body.hex())
    except ChannelClosed:
        check(True, "version-select of an unlisted version closes the channel (-13 s5.5 MUST)")
    except Exception as e:
        check(False, "version-select of an unlisted version closes the channel (-13 s5.5 MUST)", repr(e))
    s.close_channel()
    # down-grade from 6 to 4 is allowed (-13 s5.5); attrs then use the v4 layout
    s = Session(transport, 6, label="v6->4")
    s.expect_status(s.request(FXP_EXTENDED, sstr("version-select") + sstr("4")), OK, "version-select 4 after INIT 6")
    s.version = 4
    compare_attrs(s, s.attrs_of(s.stat("/vsel/f.txt"), "v4 STAT after select 4"), disk("vsel", "f.txt"),
                  "STAT after select 4")
    s.expect_status(s.request(FXP_RMDIR, sstr("/vsel")), FAILURE, "v4 code for non-empty dir after select 4")
    s.close_channel()


# ---------------------------------------------------------------- main
def run(name, fn, *args):
    print(f"== {name}", flush=True)
    try:
        fn(*args)
    except Exception as e:  # a broken section is a failure, the others still run
        traceback.print_exc()
        check(False, f"{name}: section ran to the end", repr(e))


def main():
    sock_transport = paramiko.Transport(("127.0.0.1", port))
    sock_transport.start_client(timeout=20)
    key = paramiko.Ed25519Key.from_private_key_file(key_path)
    sock_transport.auth_publickey("alice", key)
    check(sock_transport.is_authenticated(), "publickey auth")
    os.makedirs(disk("locked"), exist_ok=True)
    with open(disk("locked", "existing.txt"), "wb") as f:
        f.write(b"locked")
    os.makedirs(disk("vsel"), exist_ok=True)
    with open(disk("vsel", "f.txt"), "wb") as f:
        f.write(b"version select")
    batch = int(os.environ.get("READDIR_BATCH", "10"))
    for v in (4, 5, 6):
        d = f"/v{v}"
        s = Session(sock_transport, v)
        run(f"v{v} VERSION", section_version_packet, s)
        rep = s.mkdir(d, perms=0o755)
        s.expect_status(rep, OK, f"MKDIR {d}")
        run(f"v{v} open/read/write/stat", section_open_rw, s, d)
        run(f"v{v} setstat", section_setstat, s, d)
        run(f"v{v} readdir", section_readdir, s, d, batch)
        run(f"v{v} status codes", section_status, s, d)
        run(f"v{v} rename", section_rename, s, d)
        run(f"v{v} text mode", section_text, s, d)
        run(f"v{v} realpath", section_realpath, s, d)
        if v == 6:
            run("v6 link", section_link_v6, s, d)
            run("v6 nofollow/delete-on-close", section_nofollow_deleteonclose_v6, s, d)
            run("v6 block", section_block_v6, s, d, sock_transport)
        run(f"v{v} malformed", section_malformed, s, d, sock_transport)
        s.close_channel()
    run("version-select", section_version_select, sock_transport)
    check(sock_transport.is_active(), "SSH connection alive at the end")
    sock_transport.close()
    print(f"\n{CHECKS} checks, {len(FAILS)} failed, {len(NOTES)} notes")
    for n in NOTES:
        print(f"  note: {n}")
    for f in FAILS:
        print(f"  FAIL: {f}")
    sys.exit(1 if FAILS else 0)


main()
