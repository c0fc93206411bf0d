# shellcheck shell=bash
# Helpers shared by the server scripts (vsftpd.sh, pyftpdlib.sh, proftpd.sh,
# pureftpd.sh, ftpsrv.sh; sourced, not run).
#
# Process bookkeeping: every server the scripts start is recorded in
# $STATE/server.pid as "PID STARTTIME", where STARTTIME is field 22 of
# /proc/PID/stat. A PID is only ever signalled when its start time still
# matches, so a recycled PID is never touched. Nothing is looked up by
# process name.

: "${FTPCONFORM_INTEROP_DIR:=${TMPDIR:-/tmp}/ftpconform-interop}"
# The password of the test user `conform` (the same for every server).
: "${FTPCONFORM_PASSWORD:=conform-interop}"

die() { echo "$PROG: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root (it creates a system user / binds as root)"; }

# starttime PID: the process's start time in clock ticks since boot, or
# nothing when the process does not exist.
starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	# The command name (field 2) may contain spaces: cut after the last ')'.
	stat=${stat##*) }
	# Now field 3 (state) is the first word; starttime (22) is word 20.
	set -- $stat
	echo "${20}"
}

# running PID STARTTIME: true while that very process exists and is not a
# zombie (a zombie is dead; it only waits for its parent to reap it).
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- $stat "$2"
	[ "$1" != Z ] && [ "$1" != X ] && [ "${20}" = "${!#}" ]
}

ppid_of() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	set -- $stat
	echo "$2"
}

# alive_recorded PIDFILE: prints the recorded PID when that very process
# (same start time) is still running.
alive_recorded() {
	local pid st
	[ -f "$1" ] || return 1
	read -r pid st <"$1" || return 1
	[ -n "$pid" ] && [ -n "$st" ] || return 1
	running "$pid" "$st" || return 1
	echo "$pid"
}

# descendants PID: every live (non-zombie) descendant of PID, breadth
# first. One pass over /proc with the read builtin (no forks).
descendants() {
	local root=$1 p line f head out=""
	local -A kids=()
	local -a queue fields
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		{ read -r line <"/proc/$p/stat"; } 2>/dev/null || continue
		read -r -a fields <<<"${line##*) }"
		[ "${fields[0]}" = Z ] && continue
		kids[${fields[1]}]+=" $p"
	done
	queue=(${kids[$root]:-})
	while [ ${#queue[@]} -gt 0 ]; do
		head=${queue[0]}
		queue=("${queue[@]:1}" ${kids[$head]:-})
		out+=" $head"
	done
	echo $out
}

# port_busy PORT: true when something listens on 127.0.0.1:PORT (or on all
# addresses).
port_busy() {
	ss -Hltn "( sport = :$1 )" 2>/dev/null | grep -q .
}

# wait_listen PORT PID SECONDS: wait until PORT listens, fail when PID dies.
wait_listen() {
	local i=0 n=$(($3 * 10))
	while [ $i -lt $n ]; do
		port_busy "$1" && return 0
		[ -d "/proc/$2" ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# signal_recorded SIG PID STARTTIME: send SIG to PID only if it is still the
# process that started at STARTTIME.
signal_recorded() {
	running "$2" "$3" && kill "-$1" "$2" 2>/dev/null
	return 0
}

# ensure_user: the system user `conform` with $FTPCONFORM_PASSWORD, created
# when missing (shell /usr/sbin/nologin: it is an FTP-only account).
ensure_user() {
	if ! getent passwd conform >/dev/null; then
		useradd --create-home --home-dir /home/conform --shell /usr/sbin/nologin \
			--comment "ftpconform interop test user" conform ||
			die "cannot create user conform"
		log "created system user conform (home /home/conform)"
	fi
	# Idempotent: (re)set the known password every time. SHA-512 crypt,
	# not Debian's default yescrypt: yescrypt costs ~0.13 s of CPU per
	# login (over 1 s on a loaded machine), and every check logs in at
	# least once, so the hash alone would dominate a run's time.
	echo "conform:$FTPCONFORM_PASSWORD" | chpasswd --crypt-method SHA512 ||
		die "cannot set conform's password"
}

# ensure_escape_link DIR OWNER: a symbolic link DIR/passwd-link -> /etc/passwd,
# so that POLICY-PATH-SYMLINK has a link pointing outside the login
# directory to try (the server must not serve /etc/passwd through it).
ensure_escape_link() {
	ln -sfn /etc/passwd "$1/passwd-link" || die "cannot create $1/passwd-link"
	[ -n "${2:-}" ] && chown -h "$2" "$1/passwd-link"
	return 0
}

# --- Shared by proftpd.sh, pureftpd.sh and ftpsrv.sh -------------------------
# They set PROG, STATE, PIDFILE, PORT and NAME before calling these.

# launch LOGFILE CMD...: start CMD in a session of its own (it must survive
# the shell that started it), record "PID STARTTIME" in $PIDFILE and wait
# until $PORT listens. Prints the PID. A background job of a non-interactive
# shell is not a group leader, so setsid execs in place and $! is the
# server's own PID.
launch() {
	local logfile=$1 pid st
	shift
	# already_running's own check runs in a command substitution, where
	# its die only ends the subshell: check again here (callers use
	# `|| exit 1`), or wait_listen would take another process's listener
	# for this server's.
	port_busy "$PORT" && die "port $PORT is in use by another process (not one this script started)"
	setsid "$@" </dev/null >>"$logfile" 2>&1 &
	pid=$!
	st=$(starttime "$pid")
	[ -n "$st" ] || die "$NAME exited at once; see $logfile"
	echo "$pid $st" >"$PIDFILE"
	if ! wait_listen "$PORT" "$pid" 15; then
		tail -5 "$logfile" >&2
		stop_tree >/dev/null 2>&1
		die "$NAME did not come up on port $PORT; see $logfile"
	fi
	echo "$pid"
}

# already_running: prints the recorded PID and succeeds when the server this
# script started is still up; otherwise clears a stale PID file and fails
# when something else holds $PORT.
already_running() {
	local pid
	mkdir -p "$STATE"
	if pid=$(alive_recorded "$PIDFILE"); then
		log "already running on 127.0.0.1:$PORT"
		echo "$pid"
		return 0
	fi
	rm -f "$PIDFILE"
	port_busy "$PORT" && die "port $PORT is in use by another process (not one this script started)"
	return 1
}

# stop_tree: end the recorded master and every process it forked (session
# processes may have left its session or process group, so they are found
# through the parent links in /proc, not by group). The master is frozen
# with SIGSTOP meanwhile so that it cannot fork a new session unseen. Every
# signal goes to a PID whose start time was just read, so a recycled PID is
# never hit.
stop_tree() {
	local pid st p pst victims="" i left n
	if ! pid=$(alive_recorded "$PIDFILE"); then
		log "not running"
		rm -f "$PIDFILE"
		return 0
	fi
	read -r pid st <"$PIDFILE"
	kill -STOP "$pid" 2>/dev/null
	# Twice: a session that was just starting may fork a child after the
	# first look.
	for i in 1 2; do
		for p in $(descendants "$pid"); do
			case " $victims " in *" $p:"*) continue ;; esac
			pst=$(starttime "$p")
			[ -n "$pst" ] && victims="$victims $p:$pst" &&
				signal_recorded TERM "$p" "$pst"
		done
	done
	n=$(echo $victims | wc -w)
	victims="$victims $pid:$st"
	signal_recorded TERM "$pid" "$st"
	kill -CONT "$pid" 2>/dev/null
	for i in $(seq 50); do
		left=""
		for p in $victims; do
			running "${p%%:*}" "${p#*:}" && left="$left $p"
		done
		victims=$left
		[ -z "$victims" ] && break
		sleep 0.1
	done
	for p in $victims; do signal_recorded KILL "${p%%:*}" "${p#*:}"; done
	log "stopped $NAME (master $pid, $n other process(es))"
	rm -f "$PIDFILE"
}

status_tree() {
	local pid
	if pid=$(alive_recorded "$PIDFILE"); then
		echo "running: master $pid, others: $(descendants "$pid")"
	else
		echo "not running"
		return 1
	fi
}

# ensure_home DIR: the login directory DIR, owned by conform, with the link
# passwd-link -> /etc/passwd (for POLICY-PATH-SYMLINK).
ensure_home() {
	mkdir -p "$1"
	chown conform: "$1"
	chmod 0755 "$1"
	ensure_escape_link "$1" conform:
}

# --- FTPS: the lab's test certificate ----------------------------------------
# ensure_tls_cert: a self-signed CA and a server certificate it signed for
# 127.0.0.1 and localhost (subjectAltName), in $TLS_DIR (default
# $FTPCONFORM_INTEROP_DIR/tls, the lab's work directory: never in the
# repository). Made once per lab, i.e. when a file is missing or the server
# certificate does not verify against the CA or expires within a day; while
# they are valid they are kept, so that servers already running and clients
# started later agree on the CA. `rm -r $TLS_DIR` forces new ones.
# Exports CA_FILE (the CA certificate, for clients: --ca-file, --cacert),
# CERT_FILE and KEY_FILE (the server's certificate and its key, 0600) and
# PEM_FILE (key and certificate in one file, 0600, for pure-ftpd).
# RSA 2048 keys: every server here (vsftpd's rsa_cert_file, pure-ftpd,
# proftpd's TLSRSACertificateFile) takes RSA.
: "${TLS_DIR:=$FTPCONFORM_INTEROP_DIR/tls}"
tls_cert_ok() {
	[ -s "$CA_FILE" ] && [ -s "$CERT_FILE" ] && [ -s "$KEY_FILE" ] && [ -s "$PEM_FILE" ] || return 1
	openssl verify -CAfile "$CA_FILE" "$CERT_FILE" >/dev/null 2>&1 || return 1
	openssl x509 -in "$CERT_FILE" -noout -checkend 86400 >/dev/null 2>&1 || return 1
	# The key must be the certificate's.
	[ "$(openssl x509 -in "$CERT_FILE" -noout -pubkey 2>/dev/null)" = \
		"$(openssl pkey -in "$KEY_FILE" -pubout 2>/dev/null)" ]
}
ensure_tls_cert() {
	export CA_FILE=$TLS_DIR/ca.pem CERT_FILE=$TLS_DIR/server.pem KEY_FILE=$TLS_DIR/server.key \
		PEM_FILE=$TLS_DIR/server-with-key.pem
	command -v openssl >/dev/null || die "openssl not found: run testdata/interop/install.sh"
	tls_cert_ok && return 0
	local tmp
	mkdir -p "$TLS_DIR"
	chmod 0755 "$TLS_DIR"
	tmp=$(mktemp -d "$TLS_DIR/new.XXXXXX") || die "cannot create a directory in $TLS_DIR"
	(
		set -e
		umask 077
		cd "$tmp"
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
			-subj "/O=ftpconform interop lab/CN=ftpconform interop lab CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-keyout ca.key -out ca.pem
		openssl req -newkey rsa:2048 -nodes -sha256 \
			-subj "/O=ftpconform interop lab/CN=127.0.0.1" \
			-keyout server.key -out server.csr
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" \
			"subjectAltName=IP:127.0.0.1,DNS:localhost" >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 30 -sha256 -extfile server.ext -out server.pem
		cat server.key server.pem >server-with-key.pem
		chmod 0600 ca.key server.key server-with-key.pem
		chmod 0644 ca.pem server.pem
	) >"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log" >&2; rm -rf "$tmp"; die "cannot make the test certificate"; }
	mv -f "$tmp/ca.pem" "$tmp/ca.key" "$tmp/server.pem" "$tmp/server.key" \
		"$tmp/server-with-key.pem" "$TLS_DIR/"
	rm -rf "$tmp"
	tls_cert_ok || die "the new test certificate in $TLS_DIR does not verify"
	log "made the lab's test CA and server certificate (127.0.0.1, localhost) in $TLS_DIR"
}
