#!/usr/bin/env bash
# vsftpd.sh — run Debian's vsftpd on 127.0.0.1 for ftpconform interop runs.
#
#   testdata/interop/vsftpd.sh [start]   start (or report the running one); prints the PID
#   testdata/interop/vsftpd.sh stop      end the master and every session process it forked
#   testdata/interop/vsftpd.sh restart
#   testdata/interop/vsftpd.sh status
#
# Needs root and vsftpd: the .deb unpacked by testdata/interop/install.sh
# under $FTPCONFORM_INTEROP_PREFIX/vsftpd (default /opt/ftpconform-interop;
# the package conflicts with proftpd-core), or else Debian's /usr/sbin/vsftpd
# when the package is installed.
#
# Setup:
#   - system user `conform` (shell /usr/sbin/nologin), password
#     $FTPCONFORM_PASSWORD (default: conform-interop); created if missing,
#     password reset on every start;
#   - PAM service /etc/pam.d/ftpconform-vsftpd (pam_unix auth+account, no
#     pam_shells: Debian's /etc/pam.d/vsftpd requires a shell listed in
#     /etc/shells and would refuse nologin);
#   - config, logs and the PID file in $FTPCONFORM_INTEROP_DIR/vsftpd
#     (default /tmp/ftpconform-interop/vsftpd); the login directory (chroot)
#     is conform's home, which gets a link passwd-link -> /etc/passwd (for
#     POLICY-PATH-SYMLINK; inside the chroot it points nowhere);
#   - conform's password is hashed with SHA-512 crypt rather than yescrypt
#     (0.13 s of CPU per login, over 1 s on a loaded host: see common.sh).
#
# FTPS (explicit, optional): ssl_enable=YES with the lab's test certificate
# (common.sh, ensure_tls_cert), AUTH TLS allowed but never required
# (force_local_logins_ssl=NO, force_local_data_ssl=NO; allow_anon_ssl=YES,
# though anonymous login is off), so plain FTP sessions behave as before
# apart from FEAT, which now lists AUTH TLS, PBSZ and PROT.
# require_ssl_reuse stays at vsftpd's default YES ($VSFTPD_SSL_REUSE): a
# protected data connection whose TLS session is not a resumption of the
# control connection's is refused ("522 SSL connection failed: session
# reuse required"), which is what a stock vsftpd does and what issue 9's
# session-reuse check must meet. ssl_ciphers is left at the package's
# default (TLS 1.3 suites are not governed by it). FTPCONFORM_INTEROP_TLS=0
# starts vsftpd without TLS, as before.
#
# Server: 127.0.0.1:$VSFTPD_PORT (2121), passive ports 30000-30099, active
# data connections from port $VSFTPD_PORT-1 (2120: RFC 959 §5.2 L-1; not 20,
# which clashes with other servers' TIME_WAIT sockets).
#
# vsftpd's per-session processes call setsid(): they leave the master's
# session and process group, so `stop` stops the master (SIGSTOP, so that
# it cannot fork while we look), collects its descendants from /proc, and
# signals each by PID (checked against its recorded start time).
set -u
PROG=vsftpd.sh
. "$(dirname "$0")/common.sh"

: "${VSFTPD_PORT:=2121}"
: "${FTPCONFORM_INTEROP_PREFIX:=/opt/ftpconform-interop}"
if [ -z "${VSFTPD_BIN:-}" ]; then
	VSFTPD_BIN=$FTPCONFORM_INTEROP_PREFIX/vsftpd/usr/sbin/vsftpd
	[ -x "$VSFTPD_BIN" ] || VSFTPD_BIN=/usr/sbin/vsftpd
fi
# async_abor_enable: YES lets vsftpd act on ABOR sent with Telnet IP/Synch
# (TCP urgent data) during a transfer, as RFC 959 §4.1.3 describes. vsftpd's
# own default is NO: it then reads ABOR only after the transfer has ended.
: "${VSFTPD_ASYNC_ABOR:=YES}"
# ascii_upload_enable / ascii_download_enable: YES makes TYPE A convert line
# ends as RFC 959 §3.1.1.1 requires. vsftpd's own default is NO: it then
# answers TYPE A with 200 but transfers every file as in TYPE I.
: "${VSFTPD_ASCII:=YES}"
# isolate / isolate_network: vsftpd's per-session PID/IPC/network namespaces
# (hardening; no effect on the protocol). Default YES, as in vsftpd.
: "${VSFTPD_ISOLATE:=YES}"
# require_ssl_reuse: YES (vsftpd's default) refuses a protected data
# connection that does not resume the control connection's TLS session.
: "${VSFTPD_SSL_REUSE:=YES}"
# 1: explicit FTPS offered (not required); 0: no TLS at all.
: "${FTPCONFORM_INTEROP_TLS:=1}"
PASV_MIN=30000
PASV_MAX=30099
STATE=$FTPCONFORM_INTEROP_DIR/vsftpd
CONF=$STATE/vsftpd.conf
PIDFILE=$STATE/server.pid
PAM_SERVICE=ftpconform-vsftpd

write_config() {
	local home
	home=$(getent passwd conform | cut -d: -f6)
	[ -d "$home" ] || { mkdir -p "$home" && chown conform: "$home"; }
	ensure_escape_link "$home" conform:
	mkdir -p "$STATE/empty"
	chown root:root "$STATE/empty"
	chmod 0555 "$STATE/empty"

	cat >/etc/pam.d/$PAM_SERVICE.tmp <<'EOF'
# ftpconform interop (testdata/interop/vsftpd.sh): password check only,
# no pam_shells (the test user's shell is /usr/sbin/nologin).
auth    required   pam_unix.so
account required   pam_unix.so
EOF
	mv /etc/pam.d/$PAM_SERVICE.tmp /etc/pam.d/$PAM_SERVICE

	cat >"$CONF.tmp" <<EOF
# Written by testdata/interop/vsftpd.sh; rewritten on every start.
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$VSFTPD_PORT
background=NO

anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
pam_service_name=$PAM_SERVICE
userlist_enable=NO
tcp_wrappers=NO
isolate=$VSFTPD_ISOLATE
isolate_network=$VSFTPD_ISOLATE
secure_chroot_dir=$STATE/empty

pasv_enable=YES
pasv_min_port=$PASV_MIN
pasv_max_port=$PASV_MAX
port_enable=YES
async_abor_enable=$VSFTPD_ASYNC_ABOR
ascii_upload_enable=$VSFTPD_ASCII
ascii_download_enable=$VSFTPD_ASCII
connect_from_port_20=YES
ftp_data_port=$((VSFTPD_PORT - 1))

xferlog_enable=YES
vsftpd_log_file=$STATE/vsftpd.log
log_ftp_protocol=YES
EOF
	if [ "$FTPCONFORM_INTEROP_TLS" = 1 ]; then
		cat >>"$CONF.tmp" <<EOF

# Explicit FTPS, offered but not required (see vsftpd.sh).
ssl_enable=YES
rsa_cert_file=$CERT_FILE
rsa_private_key_file=$KEY_FILE
allow_anon_ssl=YES
force_local_logins_ssl=NO
force_local_data_ssl=NO
require_ssl_reuse=$VSFTPD_SSL_REUSE
ssl_request_cert=NO
EOF
	fi
	mv "$CONF.tmp" "$CONF"
}

start() {
	local pid st
	need_root
	[ -x "$VSFTPD_BIN" ] || die "$VSFTPD_BIN not found: run testdata/interop/install.sh"
	mkdir -p "$STATE"
	if pid=$(alive_recorded "$PIDFILE"); then
		log "already running on 127.0.0.1:$VSFTPD_PORT"
		echo "$pid"
		return 0
	fi
	rm -f "$PIDFILE"
	if port_busy "$VSFTPD_PORT"; then
		die "port $VSFTPD_PORT is in use by another process (not one this script started)"
	fi
	ensure_user
	[ "$FTPCONFORM_INTEROP_TLS" = 1 ] && ensure_tls_cert
	write_config
	# setsid: the server must survive the shell that started it. A
	# background job of a non-interactive shell is not a group leader, so
	# setsid execs in place and $! is vsftpd's own PID.
	setsid "$VSFTPD_BIN" "$CONF" </dev/null >>"$STATE/stderr.log" 2>&1 &
	pid=$!
	st=$(starttime "$pid")
	[ -n "$st" ] || die "vsftpd exited at once; see $STATE/stderr.log"
	echo "$pid $st" >"$PIDFILE"
	if ! wait_listen "$VSFTPD_PORT" "$pid" 10; then
		tail -5 "$STATE/stderr.log" >&2
		stop >/dev/null 2>&1
		die "vsftpd did not come up on port $VSFTPD_PORT"
	fi
	log "listening on 127.0.0.1:$VSFTPD_PORT (pasv $PASV_MIN-$PASV_MAX, active from port $((VSFTPD_PORT - 1)))"
	[ "$FTPCONFORM_INTEROP_TLS" = 1 ] &&
		log "explicit FTPS offered (AUTH TLS, not required; require_ssl_reuse=$VSFTPD_SSL_REUSE), CA $CA_FILE"
	log "target: ftp://conform:****@127.0.0.1:$VSFTPD_PORT (password in \$FTPCONFORM_PASSWORD, default conform-interop)"
	echo "$pid"
}

stop() {
	local pid st p pst victims="" i
	need_root
	if pid=$(alive_recorded "$PIDFILE"); then
		read -r pid st <"$PIDFILE"
		# Freeze the master so that it forks no new session while we
		# collect its descendants (the sessions, which setsid() away).
		kill -STOP "$pid" 2>/dev/null
		# Twice: a session that was just starting may fork its
		# unprivileged child after the first look.
		for i in 1 2; do
			for p in $(descendants "$pid"); do
				case " $victims " in *" $p:"*) continue ;; esac
				pst=$(starttime "$p")
				[ -n "$pst" ] && victims="$victims $p:$pst" &&
					signal_recorded TERM "$p" "$pst"
			done
		done
		victims="$victims $pid:$st"
		local victims_all=$victims
		signal_recorded TERM "$pid" "$st"
		kill -CONT "$pid" 2>/dev/null
		for i in $(seq 50); do
			local left=""
			for p in $victims; do
				running "${p%%:*}" "${p#*:}" && left="$left $p"
			done
			victims=$left
			[ -z "$victims" ] && break
			sleep 0.1
		done
		for p in $victims; do signal_recorded KILL "${p%%:*}" "${p#*:}"; done
		log "stopped vsftpd (master $pid, $(($(echo "$victims_all" | wc -w) - 1)) session processes)"
	else
		log "master not running"
	fi
	rm -f "$PIDFILE"
	stop_orphans
}

# stop_orphans: session processes whose master died before `stop` (crash,
# kill -9) were reparented and are no longer its descendants. vsftpd forks
# its sessions without exec, so they keep the exact command line this script
# gave the master, which names this script's private config file: end those
# (and only those), each by PID.
stop_orphans() {
	local p n=0 st
	local -a args
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		{ mapfile -d '' -t args <"/proc/$p/cmdline"; } 2>/dev/null || continue
		[ ${#args[@]} -eq 2 ] && [ "${args[0]}" = "$VSFTPD_BIN" ] && [ "${args[1]}" = "$CONF" ] || continue
		st=$(starttime "$p")
		[ -n "$st" ] && signal_recorded TERM "$p" "$st" && n=$((n + 1))
	done
	[ $n -gt 0 ] && log "ended $n orphaned session process(es) of an earlier master"
	return 0
}

status() {
	local pid
	if pid=$(alive_recorded "$PIDFILE"); then
		echo "running: master $pid, sessions: $(descendants "$pid")"
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
