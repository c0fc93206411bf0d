#!/usr/bin/env bash
# tls-smoke.sh — check that the interop lab's servers offer explicit FTPS,
# with clients other than ftpconform: Python's ftplib.FTP_TLS and curl.
#
#   testdata/interop/tls-smoke.sh [SERVER...]   default: all five
#   STOP=1 testdata/interop/tls-smoke.sh        stop each server it started
#
# Makes the lab's test certificate (common.sh, ensure_tls_cert; CA in
# $CA_FILE), starts each server with its script (TLS offered, not
# required), then runs tls_smoke.py: AUTH TLS with the certificate
# verified against the lab CA, a plain login, PROT P passive and active
# (STOR, LIST, RETR, DELE, data connections resuming the control
# connection's TLS session), PROT P without session reuse, and curl
# --ssl-reqd --cacert (passive); curl on ftps:// where a server has an
# implicit FTPS port (ftp-srv, 2196). It prints one line per test and a table.
# Behaviour real-servers.md records (pyftpdlib resets curl's early data
# handshake, ftp-srv needs the data handshake before its 150, ftp-srv's
# racy AUTH TLS, vsftpd's and proftpd's required session reuse) is shown as
# "known", not as a failure.
#
# Exit status: 0 when every result is OK or known, 1 otherwise (or when a
# server did not start). Needs root and install.sh.
set -u
PROG=tls-smoke.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
: "${STOP:=0}"
export FTPCONFORM_PASSWORD FTPCONFORM_INTEROP_DIR
export FTPCONFORM_INTEROP_TLS=1

all=(vsftpd pyftpdlib proftpd pureftpd ftpsrv)
declare -A PORT=([vsftpd]=2121 [pyftpdlib]=2122 [proftpd]=2124 [pureftpd]=2125 [ftpsrv]=2126)
# Implicit FTPS (ftps://), where the lab has it (ftpsrv.sh).
declare -A IMPLICIT=([ftpsrv]=2196)
[ $# -gt 0 ] || set -- "${all[@]}"
servers=()
for s in "$@"; do
	case $s in pure-ftpd) s=pureftpd ;; ftp-srv) s=ftpsrv ;; esac
	[ -n "${PORT[$s]:-}" ] || { echo "$PROG: unknown server $s (known: ${all[*]})" >&2; exit 2; }
	servers+=("$s")
done
need_root
command -v curl >/dev/null || die "curl not found: run testdata/interop/install.sh"

mkdir -p "$FTPCONFORM_INTEROP_DIR"
ensure_tls_cert
echo "== lab CA: $CA_FILE"
started=()
stop_started() {
	local s
	for s in "${started[@]}"; do "$here/$s.sh" stop >/dev/null 2>&1; done
	started=()
}
[ "$STOP" = 1 ] && trap 'stop_started; exit 130' INT TERM

fail=0
specs=()
for s in "${servers[@]}"; do
	if ! "$here/$s.sh" start >"$FTPCONFORM_INTEROP_DIR/$s.tls-smoke-start.log" 2>&1; then
		cat "$FTPCONFORM_INTEROP_DIR/$s.tls-smoke-start.log" >&2
		echo "$PROG: $s did not start" >&2
		fail=1
		continue
	fi
	started+=("$s")
	specs+=("$s=${PORT[$s]}${IMPLICIT[$s]:+/${IMPLICIT[$s]}}")
done
if [ ${#specs[@]} -gt 0 ]; then
	/usr/bin/python3 "$here/tls_smoke.py" --ca "$CA_FILE" "${specs[@]}" || fail=1
fi
[ "$STOP" = 1 ] && stop_started
exit $fail
