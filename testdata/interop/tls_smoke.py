#!/usr/bin/python3
"""tls_smoke.py — check explicit FTPS on the interop lab's servers with
Python's ftplib.FTP_TLS and curl, and print one table row per server.

    tls_smoke.py --ca CA_FILE SERVER=PORT...

Run by tls-smoke.sh, which makes the lab certificate and starts the
servers. Every connection goes to 127.0.0.1. The user is `conform`, the
password $FTPCONFORM_PASSWORD.

Per server:
  auth      AUTH TLS, the certificate verified against the lab CA (name
            127.0.0.1), PBSZ 0, login, PROT P; the TLS version of the
            control connection
  pasv      PROT P, passive: STOR, LIST (the file is listed), RETR (the
            same bytes), DELE; the data connections resume the control
            connection's TLS session (as lftp, FileZilla and curl do)
  actv      the same with PORT (set_pasv(False))
  noreuse   PROT P, passive LIST with stock ftplib, which does not resume
            the session: servers that require reuse refuse it
  curl      curl --ssl-reqd --cacert CA (EPSV): STOR (-T), LIST, RETR, DELE
  plain     a plain login and passive LIST on the same server (TLS offered,
            not required: the plain interop run depends on it)

A result is OK, FAIL (with the reason) or, where real-servers.md or the
lab's settings predict a failure (KNOWN), "known: REASON" when it failed
that way, or "OK (known failure did not show)". A failure that matches a
server's known race (RACY: ftp-srv's AUTH TLS) is tried again, up to
TRIES times, and the cell says which try passed. The exit status is 1 when
any result is a FAIL.
"""
import argparse
import ftplib
import hashlib
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
USER = "conform"
TIMEOUT = 15

# (server, test) -> (pattern, why): the test is expected to fail with a
# message matching pattern (a failure with another message is a FAIL).
# From /work/shared/real-servers.md and the lab's settings (vsftpd.sh,
# proftpd.sh).
KNOWN = {
    ("vsftpd", "noreuse"): (r"^error_perm: 522 ",
                            "require_ssl_reuse=YES (vsftpd's default): 522 when the data connection does not resume the control connection's TLS session"),
    ("proftpd", "noreuse"): (r"^error_temp: 425 ",
                             "mod_tls requires session reuse by default (TLSOptions without NoSessionReuseRequired, proftpd.sh): 425"),
    ("pyftpdlib", "curl"): (r"curl: \((13|35|56)\)",
                            "pyftpdlib resets a data connection whose TLS handshake starts before the transfer command, as curl's does (real-servers.md note 1)"),
    ("ftpsrv", "pasv"): (r"^error_temp: 425 ",
                         "ftp-srv wants the data connection's TLS handshake before it sends 150, ftplib shakes hands after the 150: 425 after 5 s (real-servers.md note 3)"),
    ("ftpsrv", "noreuse"): (r"^error_temp: 425 ",
                            "as pasv: ftp-srv wants the data handshake before its 150 (real-servers.md note 3)"),
}
# server -> (pattern, why): a failure matching pattern is a known race of
# the server; the test is tried again, up to TRIES times in all.
RACY = {
    "ftpsrv": (r"wrong version number|WRONG_VERSION_NUMBER",
               "ftp-srv's AUTH TLS is racy: the client's TLS handshake sometimes meets a plaintext reply, 'wrong version number' (real-servers.md note 2)"),
}
TRIES = 5
# plain last: on ftp-srv a plain session makes the next AUTH TLS lose its
# race far more often (real-servers.md note 2).
TESTS = ["auth", "pasv", "actv", "noreuse", "curl", "plain"]


class LabFTP(ftplib.FTP_TLS):
    """FTP_TLS whose data connections resume the control connection's TLS
    session when reuse is True (stock ftplib never does), and which
    records whether the server accepted the resumption."""

    reuse = True
    data_reused = None

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            session = self.sock.session if self.reuse else None
            try:
                conn = self.context.wrap_socket(conn, server_hostname=self.host, session=session)
            except Exception:
                conn.close()
                raise
            self.data_reused = conn.session_reused
        return conn, size


def context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = True  # the lab certificate names IP 127.0.0.1
    return ctx


def short(exc):
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= 110 else text[:107] + "..."


def tls_login(port, ca, password, reuse=True):
    ftp = LabFTP(context=context(ca), timeout=TIMEOUT)
    ftp.reuse = reuse
    ftp.connect(HOST, port)
    ftp.auth()
    ftp.login(USER, password)  # PBSZ/PROT come after login in ftplib's
    ftp.prot_p()               # order: AUTH, USER, PASS, PBSZ 0, PROT P
    return ftp


def transfer(ftp, name, payload):
    """STOR, LIST, RETR, DELE of name; raises on any difference."""
    ftp.storbinary(f"STOR {name}", _Reader(payload))
    lines = []
    ftp.retrlines("LIST", lines.append)
    if not any(name in line for line in lines):
        raise RuntimeError(f"LIST does not show {name} ({len(lines)} lines)")
    got = bytearray()
    ftp.retrbinary(f"RETR {name}", got.extend)
    if hashlib.sha256(got).digest() != hashlib.sha256(payload).digest():
        raise RuntimeError(f"RETR returned {len(got)} bytes, not the {len(payload)} stored")
    ftp.delete(name)


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def read(self, n):
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk


def run_test(server, test, port, ca, password):
    """Returns (ok, detail)."""
    payload = os.urandom(65536 + 123)
    try:
        if test == "auth":
            ftp = tls_login(port, ca, password)
            detail = f"{ftp.sock.version()}"
            ftp.quit()
            return True, detail
        if test == "plain":
            ftp = ftplib.FTP(timeout=TIMEOUT)
            ftp.connect(HOST, port)
            ftp.login(USER, password)
            ftp.set_pasv(True)
            ftp.retrlines("LIST", lambda _l: None)
            ftp.quit()
            return True, ""
        if test in ("pasv", "actv"):
            ftp = tls_login(port, ca, password)
            ftp.set_pasv(test == "pasv")
            transfer(ftp, f"tls-smoke-{test}.bin", payload)
            reused = ftp.data_reused
            ftp.quit()
            return True, "" if reused else "(session not resumed)"
        if test == "noreuse":
            ftp = tls_login(port, ca, password, reuse=False)
            ftp.set_pasv(True)
            ftp.retrlines("LIST", lambda _l: None)
            ftp.quit()
            return True, ""
        if test == "curl":
            return curl(port, ca, password, payload)
    except (ftplib.Error, OSError, EOFError, RuntimeError, ssl.SSLError) as exc:
        return False, short(exc)
    raise ValueError(test)


def curl(port, ca, password, payload):
    base = ["curl", "--silent", "--show-error", "--ssl-reqd", "--cacert", ca,
            "--user", f"{USER}:{password}", "--max-time", str(TIMEOUT)]
    url = f"ftp://{HOST}:{port}/"
    name = "tls-smoke-curl.bin"
    with tempfile.TemporaryDirectory() as tmp:
        up, down = os.path.join(tmp, "up"), os.path.join(tmp, "down")
        with open(up, "wb") as f:
            f.write(payload)
        steps = [
            ("STOR", base + ["-T", up, url + name]),
            ("LIST", base + [url]),
            ("RETR", base + ["-o", down, url + name]),
            ("DELE", base + ["-Q", f"DELE {name}", url, "-o", os.devnull]),
        ]
        for what, cmd in steps:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT + 10)
            if p.returncode != 0:
                err = p.stderr.strip().splitlines()
                return False, f"{what}: {err[-1] if err else 'exit %d' % p.returncode}"
            if what == "LIST" and name not in p.stdout:
                return False, f"LIST does not show {name}"
        with open(down, "rb") as f:
            if f.read() != payload:
                return False, "RETR returned other bytes"
    return True, ""


def verdict(server, test, ok, detail):
    """(cell text, unexpected failure?)"""
    pattern, _why = KNOWN.get((server, test), (None, ""))
    if ok:
        cell = "OK" + (f" {detail}" if detail else "")
        if pattern:
            cell += " (known failure did not show)"
        return cell, False
    if pattern and re.search(pattern, detail):
        return f"known: {detail}", False
    return f"FAIL: {detail}", True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ca", required=True)
    ap.add_argument("servers", nargs="+", help="SERVER=PORT")
    args = ap.parse_args()
    password = os.environ.get("FTPCONFORM_PASSWORD", "conform-interop")
    rows, unexpected, notes = [], 0, []
    for spec in args.servers:
        server, port = spec.split("=")
        row = [server]
        races = 0
        for test in TESTS:
            t0 = time.monotonic()
            for attempt in range(1, TRIES + 1):
                ok, detail = run_test(server, test, int(port), args.ca, password)
                if ok or server not in RACY or not re.search(RACY[server][0], detail):
                    break
                races += 1
                print(f"{server:10} {test:8} try {attempt}: {detail} (known race; trying again)", flush=True)
            dt = time.monotonic() - t0
            cell, bad = verdict(server, test, ok, detail)
            if attempt > 1:
                cell += f" (try {attempt} of {TRIES})"
            unexpected += bad
            if (server, test) in KNOWN:
                notes.append(f"{server} {test}: {KNOWN[(server, test)][1]}")
            row.append(cell)
            print(f"{server:10} {test:8} {dt:5.1f}s {cell}", flush=True)
        if races:
            notes.append(f"{server}: {races} attempt(s) met the known race: {RACY[server][1]}")
        rows.append(row)
    print()
    print("| server | " + " | ".join(TESTS) + " |")
    print("|---" * (len(TESTS) + 1) + "|")
    for row in rows:
        print("| " + " | ".join(c.replace("|", "/") for c in row) + " |")
    if notes:
        print("\nknown (expected) results:")
        for n in notes:
            print(f"  - {n}")
    print(f"\n{unexpected} unexpected failure(s)")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
