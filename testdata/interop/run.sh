#!/usr/bin/env bash
# run.sh — start vsftpd and pyftpdlib (if not running) and run ftpconform
# against each; reports go to $OUT (default /tmp):
#   $OUT/interop-vsftpd.{xml,json,out}, $OUT/interop-pyftpdlib.{xml,json,out}
#
#   testdata/interop/run.sh [vsftpd] [pyftpdlib]   (default: both)
#   STOP=1 testdata/interop/run.sh                 stop the servers afterwards
#   TIMEOUT=10s testdata/interop/run.sh            reply timeout (default 5s, see below)
#
# Run from anywhere; it uses `go run ./cmd/ftpconform` in the repository.
# Prints, per server, the exit code, the wall time of the run (`go run`,
# after a build that warms the cache) and the summary line, then the
# failures and warnings of each report (findings.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${OUT:=/tmp}"
: "${FTPCONFORM_PASSWORD:=conform-interop}"
# --timeout: 5s instead of ftpconform's default 10s. The slowest legitimate
# reply is a refused password (vsftpd and pyftpdlib delay it by about 3 s),
# and a few checks wait a whole reply timeout for something a server never
# does (vsftpd never notices a lost control connection during STOR; neither
# server supports the default data port): with 10s the vsftpd run takes
# about 33 s, with 5s about 26 s. TIMEOUT= (empty) uses ftpconform's default.
: "${TIMEOUT=5s}"
export FTPCONFORM_PASSWORD

servers=("$@")
[ ${#servers[@]} -eq 0 ] && servers=(vsftpd pyftpdlib)

# Build once so that the timing of each run is the harness, not the compiler.
(cd "$repo" && go build -o /dev/null ./cmd/ftpconform) || { echo "build failed" >&2; exit 2; }

rc_all=0
for s in "${servers[@]}"; do
	case $s in
	vsftpd) port=2121 range=30000-30099 ;;
	pyftpdlib) port=2122 range=30100-30199 ;;
	*) echo "unknown server $s" >&2; exit 2 ;;
	esac
	"$here/$s.sh" start >/dev/null || exit 1
	start=$(date +%s.%N)
	(cd "$repo" && go run ./cmd/ftpconform run \
		--target "ftp://conform@127.0.0.1:$port" \
		--pasv-range "$range" --pasv-address 127.0.0.1 \
		${TIMEOUT:+--timeout "$TIMEOUT"} \
		--junit "$OUT/interop-$s.xml" --json "$OUT/interop-$s.json" \
		>"$OUT/interop-$s.out" 2>&1)
	rc=$?
	end=$(date +%s.%N)
	[ $rc -gt $rc_all ] && rc_all=$rc
	printf '%-10s exit %d  wall %.1fs  ' "$s" "$rc" "$(echo "$end - $start" | bc)"
	grep -E "^[0-9]+ passed" "$OUT/interop-$s.out" || tail -1 "$OUT/interop-$s.out"
done
for s in "${servers[@]}"; do
	"$here/findings.py" "$OUT/interop-$s.json"
	echo
done
if [ "${STOP:-0}" = 1 ]; then
	for s in "${servers[@]}"; do "$here/$s.sh" stop; done
fi
exit $rc_all
