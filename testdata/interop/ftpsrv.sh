#!/usr/bin/env bash
# ftpsrv.sh — run ftp-srv 4.6.3 (npm, on the machine's node) on 127.0.0.1
# for ftpconform interop runs.
#
#   testdata/interop/ftpsrv.sh [start]   start (or report the running one); prints the PID
#   testdata/interop/ftpsrv.sh stop
#   testdata/interop/ftpsrv.sh restart
#   testdata/interop/ftpsrv.sh status
#
# Needs node >= 12 and ftp-srv installed by testdata/interop/install.sh in
# $FTPCONFORM_INTEROP_PREFIX/ftp-srv (default /opt/ftpconform-interop/ftp-srv).
#
# Setup: ftp-srv has no user database; the server script
# ($STATE/server.js, rewritten on every start) accepts the one user
# `conform` with $FTPCONFORM_PASSWORD (default conform-interop), whose
# virtual root is $STATE/home (with the link passwd-link -> /etc/passwd, for
# POLICY-PATH-SYMLINK). No anonymous login. Its log (bunyan JSON lines) goes
# to $STATE/server.log. It runs as root, like the other servers here; ftp-srv
# has no privilege drop. An exception no handler caught is logged (marked
# FTPCONFORM-UNCAUGHT-EXCEPTION) instead of ending the process: ftp-srv
# 4.6.3 throws one now and then from a race in its active-mode connector,
# and a crash would turn the rest of a run into connection failures.
#
# FTPS: the `tls` option ({key, cert} of the lab's test certificate,
# common.sh ensure_tls_cert) with an ftp:// url: explicit FTPS, AUTH TLS
# offered, never required (ftp-srv has no way to require it). ftp-srv
# lists AUTH TLS, PBSZ and PROT in FEAT with or without the option; without
# it AUTH TLS gets 502. It does not ask for TLS session reuse. Implicit
# FTPS is cheap here: the same process also serves an ftps:// url (TLS from
# the first byte) on 127.0.0.1:$FTPSRV_IMPLICIT_PORT (2196; 0: none),
# passive ports 31000-31099. FTPCONFORM_INTEROP_TLS=0: neither, as before.
#
# Server: 127.0.0.1:$FTPSRV_PORT (2126), passive ports 30400-30999, 127.0.0.1
# in 227 replies. The range is wider than the other servers' 100 ports:
# ftp-srv hands out passive ports in turn and tries only 5 of them before it
# answers PASV with "400 Unable to find valid port"; it keeps the listener
# of a replaced PASV open, and with 100 ports a full run met that reply in
# about a dozen checks, not always the same ones (with 600 ports, in none
# of 2 runs). One node process: `stop` signals that PID only (checked
# against its recorded start time), and KILL after 5 s.
set -u
PROG=ftpsrv.sh
NAME=ftp-srv
. "$(dirname "$0")/common.sh"

: "${FTPCONFORM_INTEROP_PREFIX:=/opt/ftpconform-interop}"
: "${FTPSRV_PORT:=2126}"
: "${FTPSRV_DIR:=$FTPCONFORM_INTEROP_PREFIX/ftp-srv}"
: "${FTPSRV_NODE:=$(command -v node)}"
# Implicit FTPS (ftps://) on this port in the same process; 0: none.
: "${FTPSRV_IMPLICIT_PORT:=2196}"
# 1: explicit FTPS offered (not required) and the implicit port; 0: no TLS.
: "${FTPCONFORM_INTEROP_TLS:=1}"
PORT=$FTPSRV_PORT
PASV_MIN=30400
PASV_MAX=30999
STATE=$FTPCONFORM_INTEROP_DIR/ftpsrv
PIDFILE=$STATE/server.pid

write_server() {
	mkdir -p "$STATE/home"
	ensure_escape_link "$STATE/home"
	cat >"$STATE/server.js.tmp" <<'EOF'
// Written by testdata/interop/ftpsrv.sh; rewritten on every start.
// argv: PORT PASV_MIN PASV_MAX HOME; the password is in $FTPCONFORM_PASSWORD.
// With $FTPCONFORM_TLS_CERT and $FTPCONFORM_TLS_KEY: explicit FTPS offered
// on PORT, and, with $FTPCONFORM_TLS_IMPLICIT_PORT, implicit FTPS there
// (passive ports 31000-31099).
const fs = require("fs");
const FtpSrv = require("ftp-srv");

const [port, pasvMin, pasvMax] = process.argv.slice(2, 5).map(Number);
const home = process.argv[5];
const password = process.env.FTPCONFORM_PASSWORD;
const certFile = process.env.FTPCONFORM_TLS_CERT;
const keyFile = process.env.FTPCONFORM_TLS_KEY;
const implicitPort = Number(process.env.FTPCONFORM_TLS_IMPLICIT_PORT || 0);
const tls = certFile ? { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) } : false;

function login({ username, password: given }, resolve, reject) {
  if (username === "conform" && given === password) {
    resolve({ root: home });
  } else {
    reject(new Error("Invalid username or password"));
  }
}

const server = new FtpSrv({
  url: `ftp://127.0.0.1:${port}`,
  pasv_url: "127.0.0.1",
  pasv_min: pasvMin,
  pasv_max: pasvMax,
  anonymous: false,
  tls,
});
server.on("login", login);

let implicit = null;
if (tls && implicitPort) {
  implicit = new FtpSrv({
    url: `ftps://127.0.0.1:${implicitPort}`,
    pasv_url: "127.0.0.1",
    pasv_min: 31000,
    pasv_max: 31099,
    anonymous: false,
    tls,
  });
  implicit.on("login", login);
}

// ftp-srv 4.6.3 has races that throw outside any promise chain, e.g. in
// src/connector/active.js, "Cannot read properties of null (reading
// 'pause')" when an active data connection completes after the session
// dropped it. Node then ends the whole process, and every later check of a
// run fails with "connection refused", so which checks fail would depend on
// when the race hit. Log such errors (the marker lets run.sh count them)
// and keep serving the other sessions instead.
process.on("uncaughtException", (err) => {
  console.error("FTPCONFORM-UNCAUGHT-EXCEPTION", err && err.stack ? err.stack : err);
});

// The implicit listener first: launch waits for PORT, so both listen then.
(implicit ? implicit.listen().then(() => console.log(`implicit FTPS on 127.0.0.1:${implicitPort}`)) : Promise.resolve())
  .then(() => server.listen())
  .then(() => console.log(`listening on 127.0.0.1:${port}`));
EOF
	mv "$STATE/server.js.tmp" "$STATE/server.js"
}

start() {
	local pid
	[ -n "$FTPSRV_NODE" ] && [ -x "$FTPSRV_NODE" ] || die "node not found: run testdata/interop/install.sh"
	[ -d "$FTPSRV_DIR/node_modules/ftp-srv" ] || die "$FTPSRV_DIR/node_modules/ftp-srv not found: run testdata/interop/install.sh"
	if pid=$(already_running); then echo "$pid"; return 0; fi
	write_server
	local cert="" key="" implicit=0
	if [ "$FTPCONFORM_INTEROP_TLS" = 1 ]; then
		ensure_tls_cert
		cert=$CERT_FILE key=$KEY_FILE implicit=$FTPSRV_IMPLICIT_PORT
		if [ "$implicit" != 0 ] && port_busy "$implicit"; then
			die "port $implicit (implicit FTPS) is in use by another process"
		fi
	fi
	# NODE_PATH: server.js lives in $STATE, ftp-srv in $FTPSRV_DIR.
	pid=$(FTPCONFORM_PASSWORD=$FTPCONFORM_PASSWORD NODE_PATH=$FTPSRV_DIR/node_modules \
		FTPCONFORM_TLS_CERT=$cert FTPCONFORM_TLS_KEY=$key FTPCONFORM_TLS_IMPLICIT_PORT=$implicit \
		launch "$STATE/server.log" "$FTPSRV_NODE" "$STATE/server.js" \
		"$PORT" "$PASV_MIN" "$PASV_MAX" "$STATE/home") || exit 1
	log "listening on 127.0.0.1:$PORT (pasv $PASV_MIN-$PASV_MAX, root $STATE/home)"
	if [ "$FTPCONFORM_INTEROP_TLS" = 1 ]; then
		log "explicit FTPS offered (tls option, not required), CA $CA_FILE"
		[ "$implicit" != 0 ] && log "implicit FTPS on 127.0.0.1:$implicit (pasv 31000-31099)"
	fi
	log "target: ftp://conform:****@127.0.0.1:$PORT (password in \$FTPCONFORM_PASSWORD, default conform-interop)"
	echo "$pid"
}

case "${1:-start}" in
start) start ;;
stop) stop_tree ;;
restart) stop_tree && start ;;
status) status_tree ;;
*) echo "usage: $0 [start|stop|restart|status]" >&2; exit 2 ;;
esac
