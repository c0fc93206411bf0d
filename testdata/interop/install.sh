#!/usr/bin/env bash
# install.sh — install the five FTP servers the interop run drives, as root,
# on Debian 12. Idempotent: when everything is in place it only checks and
# returns (about a second).
#
#   testdata/interop/install.sh
#
# What goes where:
#   - proftpd-core and python3-pyftpdlib: apt-get install (system packages);
#   - for FTPS: proftpd-mod-crypto (mod_tls), python3-openssl (pyftpdlib's
#     TLS_FTPHandler), openssl (the lab's test certificate, common.sh) and
#     curl (tls-smoke.sh); vsftpd, pure-ftpd and ftp-srv need nothing more;
#   - vsftpd and pure-ftpd: they conflict with proftpd as Debian packages
#     (all three provide ftp-server), so their .debs are fetched with
#     `apt-get download` and unpacked with `dpkg -x` under
#     $FTPCONFORM_INTEROP_PREFIX/<name> (default /opt/ftpconform-interop);
#     their runtime libraries come with apt;
#   - ftp-srv $FTPSRV_VERSION from npm into $FTPCONFORM_INTEROP_PREFIX/ftp-srv,
#     run later with the machine's node (Debian's nodejs when there is none);
#   - iproute2 (`ss`, used by common.sh to see whether a port listens).
#
# No package may start a daemon (Debian's proftpd, vsftpd and pure-ftpd all
# would, on port 21): for the time of the apt calls /usr/sbin/policy-rc.d
# exits 101. An existing policy-rc.d is put back as it was afterwards; one
# this script created is removed.
#
# `apt-get update` runs at most once, and only when a package is not known
# to apt or a download fails (stale lists).
set -euo pipefail
PROG=install.sh

: "${FTPCONFORM_INTEROP_PREFIX:=/opt/ftpconform-interop}"
: "${FTPSRV_VERSION:=4.6.3}"
PREFIX=$FTPCONFORM_INTEROP_PREFIX
export DEBIAN_FRONTEND=noninteractive

log() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, /opt, /usr/sbin/policy-rc.d)"
command -v apt-get >/dev/null || die "apt-get not found: this script is for Debian"

# System packages. Only those dpkg does not list as installed go to apt.
APT_PKGS=(
	proftpd-core python3-pyftpdlib python3
	# FTPS (TLS=explicit run.sh, tls-smoke.sh): proftpd's mod_tls, pyftpdlib's
	# TLS_FTPHandler (pyOpenSSL), the lab certificate (common.sh), and curl
	# for the smoke test.
	proftpd-mod-crypto python3-openssl openssl curl
	iproute2       # ss: common.sh checks listening ports with it
	passwd         # useradd, chpasswd (the system user conform)
	libpam-modules # pam_unix for vsftpd's PAM service
	# Runtime libraries of the unpacked vsftpd and pure-ftpd (their .deb
	# dependencies, which `dpkg -x` does not install).
	libcap2 libpam0g libssl3 libwrap0 libsodium23 libcrypt1
)
# Packages unpacked beside the system (name -> the binary that proves it).
declare -A UNPACK_FILE=(
	[vsftpd]=usr/sbin/vsftpd
	[pure-ftpd]=usr/sbin/pure-ftpd
)

updated=0
apt_update_once() {
	[ $updated = 1 ] && return 0
	log "apt-get update"
	apt-get update -qq
	updated=1
}

# --- policy-rc.d: no daemon may start while packages are installed ---------
POLICY=/usr/sbin/policy-rc.d
policy_saved=""
policy_set=0
policy_on() {
	[ $policy_set = 1 ] && return 0
	if [ -e "$POLICY" ]; then
		policy_saved=$(mktemp)
		cp -p "$POLICY" "$policy_saved"
	fi
	printf '#!/bin/sh\n# ftpconform interop install: start no daemon.\nexit 101\n' >"$POLICY.tmp"
	chmod 755 "$POLICY.tmp"
	mv "$POLICY.tmp" "$POLICY"
	policy_set=1
}
policy_off() {
	[ $policy_set = 1 ] || return 0
	if [ -n "$policy_saved" ]; then
		mv "$policy_saved" "$POLICY" # as it was (content and mode)
	else
		rm -f "$POLICY"
	fi
	policy_set=0
}
tmpdir=""
cleanup() {
	policy_off
	[ -n "$tmpdir" ] && rm -rf "$tmpdir"
	return 0
}
trap cleanup EXIT

# port21_listeners: who listens on port 21 now (empty when nobody does;
# "unknown" before iproute2 is installed).
port21_listeners() {
	command -v ss >/dev/null || { echo unknown; return 0; }
	ss -Hltn '( sport = :21 )' 2>/dev/null || true
}

t0=$(date +%s%N)

# --- 1. system packages ------------------------------------------------------
# One dpkg-query for all of them: "name status" per installed package.
missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${APT_PKGS[@]}" 2>/dev/null || true)
for p in "${APT_PKGS[@]}"; do
	grep -qx "$p installed" <<<"$installed" || missing+=("$p")
done
# node: the machine's own when it is new enough (ftp-srv needs >= 12), else
# Debian's nodejs (18). npm likewise.
node_ok() {
	command -v node >/dev/null || return 1
	local major
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
	[ "$major" -ge 12 ]
}
FTPSRV_DIR=$PREFIX/ftp-srv
ftpsrv_ok() {
	[ -f "$FTPSRV_DIR/node_modules/ftp-srv/package.json" ] &&
		grep -q "\"version\": \"$FTPSRV_VERSION\"" "$FTPSRV_DIR/node_modules/ftp-srv/package.json"
}
node_ok || missing+=(nodejs)
if ! ftpsrv_ok && ! command -v npm >/dev/null; then missing+=(npm); fi

if [ ${#missing[@]} -gt 0 ]; then
	before21=$(port21_listeners)
	policy_on
	# Unknown to apt (lists never fetched, or too old): update first.
	for p in "${missing[@]}"; do
		apt-cache show "$p" >/dev/null 2>&1 || { apt_update_once; break; }
	done
	log "apt-get install ${missing[*]}"
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
		# A stale list names .debs the archive no longer has: update, retry.
		[ $updated = 0 ] || die "apt-get install ${missing[*]} failed"
		apt_update_once
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
			die "apt-get install ${missing[*]} failed"
	fi
	policy_off
	after21=$(port21_listeners)
	if [ "$before21" != unknown ] && [ "$after21" != "$before21" ]; then
		die "something started listening on port 21 during the install: $after21"
	fi
fi

# --- 2. vsftpd and pure-ftpd, unpacked --------------------------------------
# $PREFIX/<name>/.deb records which .deb was unpacked; a different candidate
# version (after an update) is unpacked afresh.
for name in "${!UNPACK_FILE[@]}"; do
	dir=$PREFIX/$name
	if [ -x "$dir/${UNPACK_FILE[$name]}" ] && [ -f "$dir/.deb" ]; then
		continue
	fi
	[ -n "$tmpdir" ] || tmpdir=$(mktemp -d)
	debs=("$name")
	# pure-pw and the PureDB tools are in pure-ftpd; pure-ftpd-common only
	# holds Debian's wrapper scripts, which the interop scripts do not use.
	log "apt-get download ${debs[*]}"
	if ! (cd "$tmpdir" && apt-get download -qq "${debs[@]}" >/dev/null 2>&1); then
		apt_update_once
		(cd "$tmpdir" && apt-get download -qq "${debs[@]}" >/dev/null) ||
			die "apt-get download ${debs[*]} failed"
	fi
	rm -rf "$dir.new"
	mkdir -p "$dir.new"
	for deb in "$tmpdir"/"$name"_*.deb; do
		dpkg -x "$deb" "$dir.new"
		basename "$deb" >>"$dir.new/.deb"
	done
	rm -f "$tmpdir"/*.deb
	rm -rf "$dir"
	mv "$dir.new" "$dir"
	[ -x "$dir/${UNPACK_FILE[$name]}" ] || die "$dir/${UNPACK_FILE[$name]} missing after unpacking"
	log "unpacked $(cat "$dir/.deb") into $dir"
done
# Every shared library the unpacked binaries need must resolve.
for bin in "$PREFIX/vsftpd/usr/sbin/vsftpd" "$PREFIX/pure-ftpd/usr/sbin/pure-ftpd" \
	"$PREFIX/pure-ftpd/usr/bin/pure-pw"; do
	if ldd "$bin" | grep -q 'not found'; then
		ldd "$bin" | grep 'not found' >&2
		die "$bin: missing shared libraries"
	fi
done

# --- 3. ftp-srv from npm -----------------------------------------------------
if ! ftpsrv_ok; then
	log "npm install ftp-srv@$FTPSRV_VERSION into $FTPSRV_DIR"
	rm -rf "$FTPSRV_DIR.new"
	mkdir -p "$FTPSRV_DIR.new"
	# A package.json of its own, so npm installs here and nowhere else.
	echo '{"name": "ftpconform-interop-ftp-srv", "private": true}' >"$FTPSRV_DIR.new/package.json"
	# --omit=optional: bunyan's optional dtrace-provider would try a native
	# build (node-gyp) and is not needed. --ignore-scripts: no install hooks.
	(cd "$FTPSRV_DIR.new" && npm install --silent --no-audit --no-fund --omit=optional \
		--ignore-scripts --save-exact "ftp-srv@$FTPSRV_VERSION" >/dev/null) ||
		die "npm install ftp-srv@$FTPSRV_VERSION failed"
	rm -rf "$FTPSRV_DIR"
	mv "$FTPSRV_DIR.new" "$FTPSRV_DIR"
	ftpsrv_ok || die "ftp-srv $FTPSRV_VERSION not found after npm install"
fi
(cd "$FTPSRV_DIR" && node -e 'require("ftp-srv")') || die "node cannot load ftp-srv from $FTPSRV_DIR"

t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
log "ready in $((ms / 1000)).$(printf %03d $((ms % 1000)))s: proftpd $(dpkg-query -W -f='${Version}' proftpd-core)," \
	"$(cat "$PREFIX/vsftpd/.deb" "$PREFIX/pure-ftpd/.deb" | paste -sd" ")", \
	"pyftpdlib $(dpkg-query -W -f='${Version}' python3-pyftpdlib), ftp-srv $FTPSRV_VERSION on node $(node --version)"
