#!/usr/bin/env bash
# pyftpdlib.sh — run Debian's pyftpdlib (python3-pyftpdlib 1.5.7) on
# 127.0.0.1 for ftpconform interop runs.
#
#   testdata/interop/pyftpdlib.sh [start]   start (or report the running one); prints the PID
#   testdata/interop/pyftpdlib.sh stop
#   testdata/interop/pyftpdlib.sh restart
#   testdata/interop/pyftpdlib.sh status
#
# Needs python3-pyftpdlib (testdata/interop/install.sh installs it). Runs Debian's /usr/bin/python3
# (not a python3 that happens to be first in PATH, which may lack the module).
#
# Setup: a virtual user `conform` (DummyAuthorizer, password
# $FTPCONFORM_PASSWORD, default conform-interop; all permissions
# elradfmwMT) whose home is $FTPCONFORM_INTEROP_DIR/pyftpdlib/home
# (default /tmp/ftpconform-interop/pyftpdlib/home), which gets a link
# passwd-link -> /etc/passwd (for POLICY-PATH-SYMLINK). The server script,
# its log and the PID file live in $FTPCONFORM_INTEROP_DIR/pyftpdlib.
#
# FTPS (explicit, optional): the handler is pyftpdlib's TLS_FTPHandler
# (pyOpenSSL, python3-openssl) with the lab's test certificate (common.sh,
# ensure_tls_cert) and tls_control_required = tls_data_required = False:
# AUTH TLS, PBSZ and PROT are offered (and listed by FEAT), a plain session
# works as before. pyftpdlib does not ask for TLS session reuse on data
# connections. FTPCONFORM_INTEROP_TLS=0: the plain FTPHandler, as before.
#
# Server: 127.0.0.1:$PYFTPDLIB_PORT (2122), passive ports 30100-30199. It is
# one process (pyftpdlib's default single-threaded ioloop): `stop` signals
# that PID only (checked against its recorded start time).
set -u
PROG=pyftpdlib.sh
. "$(dirname "$0")/common.sh"

: "${PYFTPDLIB_PORT:=2122}"
: "${PYFTPDLIB_PYTHON:=/usr/bin/python3}"
# 1: explicit FTPS offered (not required); 0: no TLS at all.
: "${FTPCONFORM_INTEROP_TLS:=1}"
PASV_MIN=30100
PASV_MAX=30199
STATE=$FTPCONFORM_INTEROP_DIR/pyftpdlib
PIDFILE=$STATE/server.pid

write_server() {
	mkdir -p "$STATE/home"
	ensure_escape_link "$STATE/home"
	cat >"$STATE/server.py.tmp" <<'EOF'
# Written by testdata/interop/pyftpdlib.sh; rewritten on every start.
import logging
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.servers import FTPServer

port, pasv_min, pasv_max, home = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
password = os.environ["FTPCONFORM_PASSWORD"]
# Explicit FTPS, offered but not required, when the certificate is given.
certfile, keyfile = os.environ.get("FTPCONFORM_TLS_CERT"), os.environ.get("FTPCONFORM_TLS_KEY")

authorizer = DummyAuthorizer()
authorizer.add_user("conform", password, home, perm="elradfmwMT")

if certfile:
    from pyftpdlib.handlers import TLS_FTPHandler as Base
else:
    from pyftpdlib.handlers import FTPHandler as Base

class Handler(Base):
    pass

if certfile:
    Handler.certfile = certfile
    Handler.keyfile = keyfile
    Handler.tls_control_required = False
    Handler.tls_data_required = False

Handler.authorizer = authorizer
Handler.passive_ports = range(pasv_min, pasv_max + 1)

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
server = FTPServer(("127.0.0.1", port), Handler)
server.serve_forever()
EOF
	mv "$STATE/server.py.tmp" "$STATE/server.py"
}

start() {
	local pid st
	"$PYFTPDLIB_PYTHON" -c 'import pyftpdlib' 2>/dev/null ||
		die "$PYFTPDLIB_PYTHON cannot import pyftpdlib: run testdata/interop/install.sh"
	mkdir -p "$STATE"
	if pid=$(alive_recorded "$PIDFILE"); then
		log "already running on 127.0.0.1:$PYFTPDLIB_PORT"
		echo "$pid"
		return 0
	fi
	rm -f "$PIDFILE"
	if port_busy "$PYFTPDLIB_PORT"; then
		die "port $PYFTPDLIB_PORT is in use by another process (not one this script started)"
	fi
	write_server
	local cert="" key=""
	if [ "$FTPCONFORM_INTEROP_TLS" = 1 ]; then
		"$PYFTPDLIB_PYTHON" -c 'import OpenSSL' 2>/dev/null ||
			die "$PYFTPDLIB_PYTHON cannot import OpenSSL (TLS_FTPHandler): run testdata/interop/install.sh"
		ensure_tls_cert
		cert=$CERT_FILE key=$KEY_FILE
	fi
	FTPCONFORM_PASSWORD=$FTPCONFORM_PASSWORD FTPCONFORM_TLS_CERT=$cert FTPCONFORM_TLS_KEY=$key \
		setsid "$PYFTPDLIB_PYTHON" "$STATE/server.py" \
		"$PYFTPDLIB_PORT" "$PASV_MIN" "$PASV_MAX" "$STATE/home" \
		</dev/null >>"$STATE/server.log" 2>&1 &
	pid=$!
	st=$(starttime "$pid")
	[ -n "$st" ] || die "pyftpdlib exited at once; see $STATE/server.log"
	echo "$pid $st" >"$PIDFILE"
	if ! wait_listen "$PYFTPDLIB_PORT" "$pid" 10; then
		tail -5 "$STATE/server.log" >&2
		stop >/dev/null 2>&1
		die "pyftpdlib did not come up on port $PYFTPDLIB_PORT"
	fi
	log "listening on 127.0.0.1:$PYFTPDLIB_PORT (pasv $PASV_MIN-$PASV_MAX, home $STATE/home)"
	[ "$FTPCONFORM_INTEROP_TLS" = 1 ] && log "explicit FTPS offered (TLS_FTPHandler, not required), CA $CA_FILE"
	log "target: ftp://conform:****@127.0.0.1:$PYFTPDLIB_PORT (password in \$FTPCONFORM_PASSWORD, default conform-interop)"
	echo "$pid"
}

stop() {
	local pid st i
	if pid=$(alive_recorded "$PIDFILE"); then
		read -r pid st <"$PIDFILE"
		signal_recorded TERM "$pid" "$st"
		for i in $(seq 50); do
			running "$pid" "$st" || break
			sleep 0.1
		done
		signal_recorded KILL "$pid" "$st"
		log "stopped pyftpdlib ($pid)"
	else
		log "not running"
	fi
	rm -f "$PIDFILE"
}

status() {
	local pid
	if pid=$(alive_recorded "$PIDFILE"); then
		echo "running: $pid"
	else
		echo "not running"
		return 1
	fi
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
restart) stop && start ;;
status) status ;;
*) echo "usage: $0 [start|stop|restart|status]" >&2; exit 2 ;;
esac
