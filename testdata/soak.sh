#!/usr/bin/env bash
# soak.sh RUNS PAR BIN — run the whole suite against the embedded reference
# server RUNS times, PAR runs at a time, and fail when any run has a failed
# or warned check (a clean server earns neither, whatever the load).
set -u
runs=${1:-20} par=${2:-4} bin=${3:-bin/ftpconform}
dir=$(mktemp -d "${TMPDIR:-/tmp}/ftpconform-soak-XXXXXX")
start=$(date +%s)
bad=0
for ((i = 1; i <= runs; i += par)); do
	pids=()
	for ((j = i; j < i + par && j <= runs; j++)); do
		"$bin" run --json "$dir/run-$j.json" >"$dir/run-$j.out" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
done
for ((j = 1; j <= runs; j++)); do
	line=$(grep -E '^[0-9]+ passed' "$dir/run-$j.out" | tail -1)
	case $line in
	*" 0 failed, 0 warned"*) ;;
	*)
		bad=$((bad + 1))
		echo "run $j: ${line:-no summary}"
		grep -E '^(FAIL|WARN) ' "$dir/run-$j.out" | cut -c1-300 | sed 's/^/   /'
		;;
	esac
done
echo "soak: $runs runs, $par at a time, $(($(date +%s) - start))s: $((runs - bad)) clean, $bad with a failure or a warning (reports in $dir)"
[ $bad = 0 ]
