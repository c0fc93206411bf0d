#!/usr/bin/python3
"""tls_smoke.py — check explicit FTPS on the interop lab's servers with
Python's ftplib.FTP_TLS and curl, and print one table row per server.

    tls_smoke.py --ca CA_FILE SERVER=PORT[/IMPLICIT_PORT]...

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
  implicit  curl --cacert on ftps://127.0.0.1:IMPLICIT_PORT (TLS from the
            first byte), as curl above; "n/a" for a server without one

A result is OK, FAIL (with the reason) or, where real-servers.md or the
lab's settings predict a failure (KNOWN), "known: REASON" when it failed
that way, or "OK (known failure did not show)". A failure that matches a
server's known race (RACY: ftp-srv's AUTH TLS) is tried again, up to
TRIES times (ftplib with a pause after 234), and the cell says which
try passed, or "known race on every try" (real-servers.md calls the
server intermittent, not broken). The exit status is 1 when any result is a FAIL.
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
# the server; the test is tried again, up to TRIES times in all, the ftplib
# tests with AUTH_PAUSE between the 234 reply and the client's TLS
# handshake (ftp-srv wraps its socket only some time after sending 234: a
# ClientHello that arrives first is read as a plaintext command, and the
# plaintext reply ends the handshake with 'wrong version number'). curl
# cannot pause: each of its steps is tried again instead (in curl()).
RACY = {
    "ftpsrv": (r"wrong version number|WRONG_VERSION_NUMBER",
               "ftp-srv's AUTH TLS is racy: the client's TLS handshake sometimes meets a plaintext reply, 'wrong version number' (real-servers.md note 2)"),
}
TRIES = 5
AUTH_PAUSE = 0.05
# plain last: on ftp-srv a plain session makes the next AUTH TLS lose its
# race far more often (real-servers.md note 2).
TESTS = ["auth", "pasv", "actv", "noreuse", "curl", "plain", "implicit"]


class LabFTP(ftplib.FTP_TLS):
    """FTP_TLS whose data connections resume the control connection's TLS
    session when reuse is True (stock ftplib never does), and which
    records whether the server accepted the resumption."""

    reuse = True
    data_reused = None
    auth_pause = 0.0

    def auth(self):
        """AUTH TLS as ftplib sends it, with an optional pause between the
        234 reply and the TLS handshake."""
        resp = self.voidcmd("AUTH TLS")
        if self.auth_pause:
            time.sleep(self.auth_pause)
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)
        self.file = self.sock.makefile(mode="r", encoding=self.encoding)
        return resp

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


def tls_login(port, ca, password, reuse=True, pause=0.0):
    ftp = LabFTP(context=context(ca), timeout=TIMEOUT)
    ftp.reuse = reuse
    ftp.auth_pause = pause
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


def run_test(server, test, port, ca, password, pause=0.0):
    """Returns (ok, detail)."""
    payload = os.urandom(65536 + 123)
    try:
        if test == "auth":
            ftp = tls_login(port, ca, password, pause=pause)
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
            ftp = tls_login(port, ca, password, pause=pause)
            ftp.set_pasv(test == "pasv")
            transfer(ftp, f"tls-smoke-{test}.bin", payload)
            reused = ftp.data_reused
            ftp.quit()
            return True, "" if reused else "(session not resumed)"
        if test == "noreuse":
            ftp = tls_login(port, ca, password, reuse=False, pause=pause)
            ftp.set_pasv(True)
            ftp.retrlines("LIST", lambda _l: None)
            ftp.quit()
            return True, ""
        racy = RACY.get(server, (None,))[0]
        if test == "curl":
            return curl(f"ftp://{HOST}:{port}/", ca, password, payload, racy)
        if test == "implicit":
            return curl(f"ftps://{HOST}:{port}/", ca, password, payload, racy)
    except (ftplib.Error, OSError, EOFError, RuntimeError, ssl.SSLError) as exc:
        return False, short(exc)
    raise ValueError(test)


def curl(url, ca, password, payload, racy=None):
    """STOR, LIST, RETR and DELE, one curl each: curl 7.88 resumes the TLS
    session on the first data connection of a control connection only (on
    the second it offers a stale session, which vsftpd and proftpd refuse
    with 522/425), so one control connection per transfer, as
    real-servers.md ran it. A step that fails with the server's known race
    (racy) is tried again, up to TRIES times."""
    base = ["curl", "--silent", "--show-error", "--ssl-reqd", "--cacert", ca,
            "--user", f"{USER}:{password}", "--max-time", str(TIMEOUT)]
    name = "tls-smoke-curl.bin"
    with tempfile.TemporaryDirectory() as tmp:
        up, down = os.path.join(tmp, "up"), os.path.join(tmp, "down")
        with open(up, "wb") as f:
            f.write(payload)
        steps = [
            ("STOR", ["-T", up, url + name]),
            ("LIST", [url]),
            ("RETR", ["-o", down, url + name]),
            ("DELE", ["-Q", f"DELE {name}", "-o", os.devnull, url]),
        ]
        races = 0
        for what, args in steps:
            for _ in range(TRIES):
                p = subprocess.run(base + args, capture_output=True, timeout=TIMEOUT + 10)
                err = p.stderr.decode("utf-8", "replace").strip().splitlines()
                err = err[-1] if err else f"exit {p.returncode}"
                if p.returncode == 0 or not racy or not re.search(racy, err):
                    break
                races += 1
            if p.returncode != 0:
                return False, f"{what}: {err}"
            if what == "LIST" and name not in p.stdout.decode("latin-1"):
                return False, f"LIST does not show {name}"
        with open(down, "rb") as f:
            if f.read() != payload:
                return False, "RETR returned other bytes"
    return True, f"({races} step(s) retried after the known race)" if races else ""


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
    if server in RACY and re.search(RACY[server][0], detail):
        return f"known race on every try: {detail}", False
    return f"FAIL: {detail}", True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ca", required=True)
    ap.add_argument("servers", nargs="+", help="SERVER=PORT[/IMPLICIT_PORT]")
    args = ap.parse_args()
    password = os.environ.get("FTPCONFORM_PASSWORD", "conform-interop")
    rows, unexpected, notes = [], 0, []
    for spec in args.servers:
        server, ports = spec.split("=")
        port, _, implicit_port = ports.partition("/")
        row = [server]
        races = 0
        for test in TESTS:
            if test == "implicit" and not implicit_port:
                row.append("n/a")
                continue
            t0 = time.monotonic()
            # curl retries its own steps (curl()).
            for attempt in range(1, 1 + (1 if test in ("curl", "implicit") else TRIES)):
                ok, detail = run_test(server, test, int(implicit_port if test == "implicit" else port),
                                      args.ca, password, pause=AUTH_PAUSE if attempt > 1 else 0.0)
                if ok or server not in RACY or not re.search(RACY[server][0], detail):
                    break
                races += 1
                print(f"{server:10} {test:8} try {attempt}: {detail} (known race; trying again)", flush=True)
            dt = time.monotonic() - t0
            cell, bad = verdict(server, test, ok, detail)
            if attempt > 1:
                paused = f", {AUTH_PAUSE * 1000:.0f} ms pause after 234" if test not in ("curl", "implicit", "plain") else ""
                cell += f" (try {attempt} of {TRIES}{paused})"
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
