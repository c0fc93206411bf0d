#!/usr/bin/env bash
# proftpd.sh — run Debian's ProFTPD (proftpd-core 1.3.8) on 127.0.0.1 for
# ftpconform interop runs.
#
#   testdata/interop/proftpd.sh [start]   start (or report the running one); prints the PID
#   testdata/interop/proftpd.sh stop      end the master and every session process
#   testdata/interop/proftpd.sh restart
#   testdata/interop/proftpd.sh status
#
# Needs root and proftpd-core (testdata/interop/install.sh). The system
# configuration in /etc/proftpd is not used: the server runs with its own
# file, $FTPCONFORM_INTEROP_DIR/proftpd/proftpd.conf, written on every start,
# in the foreground (-n) so that the PID we record is the master's.
#
# Setup:
#   - system user `conform` (as for vsftpd.sh: shell /usr/sbin/nologin,
#     password $FTPCONFORM_PASSWORD, SHA-512 crypt), checked by
#     mod_auth_unix against /etc/shadow (no PAM: AuthOrder mod_auth_unix.c;
#     RequireValidShell off, since nologin is not in /etc/shells);
#   - login directory (chroot, DefaultRoot) $STATE/home, not conform's home,
#     so that each server has a tree of its own; it gets the link
#     passwd-link -> /etc/passwd (for POLICY-PATH-SYMLINK);
#   - AllowStoreRestart on: APPE and REST+STOR are refused with 451 otherwise;
#   - AllowOverwrite on: STOR over an existing file;
#   - RootRevoke off: active data from port L-1 (see below).
#
# FTPS (explicit, optional): mod_tls from proftpd-mod-crypto, loaded with
# LoadModule from $PROFTPD_MODULE_DIR (/usr/lib/proftpd), the lab's test
# certificate (common.sh, ensure_tls_cert), `TLSEngine on`, `TLSRequired
# off` (AUTH TLS offered, plain sessions as before apart from FEAT, which
# lists AUTH TLS, CCC, PBSZ, PROT and SSCN, and PBSZ/PROT before AUTH,
# which mod_tls answers instead of core's 500), TLSProtocol TLSv1.2
# TLSv1.3, `TLSVerifyClient off`. TLSOptions: empty, i.e. mod_tls's
# default, which REQUIRES the data connection's TLS session to resume the
# control connection's (like vsftpd's require_ssl_reuse=YES): this is how
# proftpd ships, and with vsftpd the lab then has two servers that demand
# reuse and three that do not. PROFTPD_TLS_OPTIONS=NoSessionReuseRequired
# turns the demand off. FTPCONFORM_INTEROP_TLS=0: no mod_tls, as before.
#
# Server: 127.0.0.1:$PROFTPD_PORT (2124), passive ports 30200-30299.
# Active data connections come from port L-1 = 2123, RFC 959's default data
# port, because of `RootRevoke off`; with proftpd 1.3.8's default
# (RootRevoke on: every root privilege dropped after login) they come from
# an ephemeral port (seen: 43491). 2123 is left free on purpose: with
# proftpd on 2123 its L-1 would be pyftpdlib's 2122, and active transfers
# would fail with "425 ... Address already in use" while pyftpdlib runs.
set -u
PROG=proftpd.sh
NAME=proftpd
. "$(dirname "$0")/common.sh"

: "${PROFTPD_PORT:=2124}"
: "${PROFTPD_BIN:=/usr/sbin/proftpd}"
# mod_tls.so (package proftpd-mod-crypto) is in proftpd's module directory.
: "${PROFTPD_MODULE_DIR:=/usr/lib/proftpd}"
# TLSOptions; empty: mod_tls's defaults (session reuse required).
: "${PROFTPD_TLS_OPTIONS:=}"
# 1: explicit FTPS offered (not required); 0: no TLS at all.
: "${FTPCONFORM_INTEROP_TLS:=1}"
PORT=$PROFTPD_PORT
PASV_MIN=30200
PASV_MAX=30299
STATE=$FTPCONFORM_INTEROP_DIR/proftpd
CONF=$STATE/proftpd.conf
PIDFILE=$STATE/server.pid

write_config() {
	ensure_home "$STATE/home"
	cat >"$CONF.tmp" <<EOF
# Written by testdata/interop/proftpd.sh; rewritten on every start.
ServerName          "ftpconform interop"
ServerType          standalone
DefaultServer       on
DefaultAddress      127.0.0.1
SocketBindTight     on
Port                $PORT
UseIPv6             off
User                nobody
Group               nogroup
Umask               022
MaxInstances        100
PidFile             $STATE/proftpd.pid
ScoreboardFile      $STATE/proftpd.scoreboard
DelayTable          $STATE/proftpd.delay
SystemLog           $STATE/proftpd.log
TransferLog         $STATE/xferlog
WtmpLog             off
UseReverseDNS       off
UseFtpUsers         off

AuthOrder           mod_auth_unix.c
AuthPAM             off
RequireValidShell   off
DefaultRoot         $STATE/home
PassivePorts        $PASV_MIN $PASV_MAX

AllowOverwrite      on
AllowStoreRestart   on
RootRevoke          off
EOF
	if [ "$FTPCONFORM_INTEROP_TLS" = 1 ]; then
		cat >>"$CONF.tmp" <<EOF

# Explicit FTPS, offered but not required (see proftpd.sh).
ModulePath          $PROFTPD_MODULE_DIR
LoadModule          mod_tls.c
TLSEngine           on
TLSLog              $STATE/tls.log
TLSProtocol         TLSv1.2 TLSv1.3
TLSRSACertificateFile    $CERT_FILE
TLSRSACertificateKeyFile $KEY_FILE
TLSVerifyClient     off
TLSRequired         off
TLSRenegotiate      none
EOF
		[ -n "$PROFTPD_TLS_OPTIONS" ] && echo "TLSOptions          $PROFTPD_TLS_OPTIONS" >>"$CONF.tmp"
	fi
	mv "$CONF.tmp" "$CONF"
}

start() {
	local pid
	need_root
	[ -x "$PROFTPD_BIN" ] || die "$PROFTPD_BIN not found: run testdata/interop/install.sh"
	if pid=$(already_running); then echo "$pid"; return 0; fi
	ensure_user
	if [ "$FTPCONFORM_INTEROP_TLS" = 1 ]; then
		[ -f "$PROFTPD_MODULE_DIR/mod_tls.so" ] ||
			die "$PROFTPD_MODULE_DIR/mod_tls.so not found (proftpd-mod-crypto): run testdata/interop/install.sh"
		ensure_tls_cert
	fi
	write_config
	"$PROFTPD_BIN" -t -c "$CONF" >"$STATE/configtest.log" 2>&1 ||
		{ cat "$STATE/configtest.log" >&2; die "bad configuration $CONF"; }
	pid=$(launch "$STATE/stderr.log" "$PROFTPD_BIN" -n -c "$CONF") || exit 1
	log "listening on 127.0.0.1:$PORT (pasv $PASV_MIN-$PASV_MAX, active from port $((PORT - 1)), root $STATE/home)"
	[ "$FTPCONFORM_INTEROP_TLS" = 1 ] &&
		log "explicit FTPS offered (mod_tls, TLSRequired off, TLSOptions '${PROFTPD_TLS_OPTIONS}'), CA $CA_FILE"
	log "target: ftp://conform:****@127.0.0.1:$PORT (password in \$FTPCONFORM_PASSWORD, default conform-interop)"
	echo "$pid"
}

case "${1:-start}" in
start) start ;;
stop) need_root; stop_tree ;;
restart) need_root; stop_tree && start ;;
status) status_tree ;;
*) echo "usage: $0 [start|stop|restart|status]" >&2; exit 2 ;;
esac
