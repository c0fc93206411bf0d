#!/usr/bin/env bash
# pureftpd.sh — run Debian's Pure-FTPd 1.0.50 on 127.0.0.1 for ftpconform
# interop runs.
#
#   testdata/interop/pureftpd.sh [start]   start (or report the running one); prints the PID
#   testdata/interop/pureftpd.sh stop      end the master and every session process
#   testdata/interop/pureftpd.sh restart
#   testdata/interop/pureftpd.sh status
#
# Needs root and the pure-ftpd .deb unpacked by testdata/interop/install.sh
# under $FTPCONFORM_INTEROP_PREFIX/pure-ftpd (default /opt/ftpconform-interop):
# the Debian package conflicts with proftpd-core, and Debian's wrapper
# scripts (pure-ftpd-common) are not used; the options are on the command
# line below.
#
# Setup:
#   - a virtual user `conform` in a PureDB ($STATE/pureftpd.pdb, made with
#     pure-pw mkdb from $STATE/pureftpd.passwd, both rewritten on every
#     start) with the password $FTPCONFORM_PASSWORD hashed with SHA-512
#     crypt: pure-pw's own default, argon2id, makes every login take ~3.5 s;
#   - it runs as the system user `conform` (created if missing, as for
#     vsftpd.sh) and is chrooted to $STATE/home, which gets the link
#     passwd-link -> /etc/passwd (for POLICY-PATH-SYMLINK);
#   - no anonymous login (-E), no syslog (-f none); the transfer log is
#     $STATE/xfer.log.
#
# FTPS (explicit, optional): -Y 1 (TLS level 1: AUTH TLS accepted, plain
# sessions too) and -2 $PEM_FILE, the lab's test key and certificate in one
# file (common.sh, ensure_tls_cert), given on the command line instead of
# pure-ftpd's built-in /etc/ssl/private/pure-ftpd.pem, so nothing is written
# to /etc. The greeting then says "[TLS]" and FEAT lists AUTH TLS, PBSZ and
# PROT. pure-ftpd does not ask for TLS session reuse on data connections.
# FTPCONFORM_INTEROP_TLS=0: no -Y/-2, as before.
#
# Server: 127.0.0.1:$PUREFTPD_PORT (2125), passive ports 30300-30399,
# 127.0.0.1 in 227 replies. Active data connections always come from port
# 20 (pure-ftpd has no option for that).
set -u
PROG=pureftpd.sh
NAME=pure-ftpd
. "$(dirname "$0")/common.sh"

: "${FTPCONFORM_INTEROP_PREFIX:=/opt/ftpconform-interop}"
: "${PUREFTPD_PORT:=2125}"
: "${PUREFTPD_DIR:=$FTPCONFORM_INTEROP_PREFIX/pure-ftpd}"
# 1: explicit FTPS offered (not required); 0: no TLS at all.
: "${FTPCONFORM_INTEROP_TLS:=1}"
PUREFTPD_BIN=$PUREFTPD_DIR/usr/sbin/pure-ftpd
PUREPW_BIN=$PUREFTPD_DIR/usr/bin/pure-pw
PORT=$PUREFTPD_PORT
PASV_MIN=30300
PASV_MAX=30399
STATE=$FTPCONFORM_INTEROP_DIR/pureftpd
PIDFILE=$STATE/server.pid

write_db() {
	local uid gid hash
	ensure_home "$STATE/home"
	uid=$(id -u conform) && gid=$(id -g conform) || die "no user conform"
	# SHA-512 crypt ($6$) with a random salt, from Debian's python3 (its
	# crypt module calls libcrypt, as pure-ftpd does to check it).
	hash=$(FTPCONFORM_PASSWORD=$FTPCONFORM_PASSWORD /usr/bin/python3 -W ignore -c '
import crypt, os
print(crypt.crypt(os.environ["FTPCONFORM_PASSWORD"], crypt.mksalt(crypt.METHOD_SHA512)))') ||
		die "cannot hash the password"
	# pure-pw's file format: name:hash:uid:gid:gecos:home, then 12 optional
	# fields (bandwidth, ratios, quotas, IP and time restrictions), empty.
	# "/./" at the end of home chroots the user there.
	umask 077
	echo "conform:$hash:$uid:$gid::$STATE/home/./::::::::::::" >"$STATE/pureftpd.passwd"
	umask 022
	PURE_PASSWDFILE=$STATE/pureftpd.passwd PURE_DBFILE=$STATE/pureftpd.pdb \
		"$PUREPW_BIN" mkdb "$STATE/pureftpd.pdb" -f "$STATE/pureftpd.passwd" ||
		die "pure-pw mkdb failed"
}

start() {
	local pid
	need_root
	[ -x "$PUREFTPD_BIN" ] || die "$PUREFTPD_BIN not found: run testdata/interop/install.sh"
	if pid=$(already_running); then echo "$pid"; return 0; fi
	ensure_user
	write_db
	local tls=()
	if [ "$FTPCONFORM_INTEROP_TLS" = 1 ]; then
		ensure_tls_cert
		tls=(-Y 1 -2 "$PEM_FILE")
	fi
	# -S bind address,port   -p passive range   -P address in 227 replies
	# -l puredb:FILE         virtual users only (no PAM, no /etc/passwd)
	# -E no anonymous        -A chroot everyone  -H no reverse DNS
	# -f none: no syslog     -O clf:FILE transfer log   -g PID file
	# -Y 1 -2 PEM: TLS offered, not required, with the lab's certificate
	pid=$(launch "$STATE/stderr.log" "$PUREFTPD_BIN" \
		-S "127.0.0.1,$PORT" -p "$PASV_MIN:$PASV_MAX" -P 127.0.0.1 \
		-l "puredb:$STATE/pureftpd.pdb" -E -A -H \
		-f none -O "clf:$STATE/xfer.log" -g "$STATE/pure-ftpd.pid" "${tls[@]}") || exit 1
	log "listening on 127.0.0.1:$PORT (pasv $PASV_MIN-$PASV_MAX, active from port 20, root $STATE/home)"
	[ "$FTPCONFORM_INTEROP_TLS" = 1 ] && log "explicit FTPS offered (-Y 1, not required), CA $CA_FILE"
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
