#!/bin/sh
# fuzz.sh MODE SECONDS BUILDDIR TARGET...: runs the libFuzzer targets built
# in BUILDDIR (see the fuzzing block of the Makefile).
#   run    each target for SECONDS, growing BUILDDIR/corpus/<target> (seeded
#          from test/fuzz/corpus/<target>); findings are saved under
#          BUILDDIR/findings/<target>/.
#   short  replays test/fuzz/regressions/<target>/ and the seed corpus one
#          input at a time, then fuzzes for SECONDS: CI's smoke run.
#   merge  adds to test/fuzz/corpus/<target>/ the inputs of the grown corpus
#          that reach coverage the seeds do not (libFuzzer -merge=1), to
#          commit when they are few.
# Fails when any target finds a crash, a leak, a timeout or a broken property.
# Targets run one after another; FUZZ_JOBS=2 runs two at a time.
set -u
mode=$1 secs=$2 build=$3
shift 3
[ $# -gt 0 ] || { echo "fuzz.sh: no targets" >&2; exit 1; }
jobs=${FUZZ_JOBS:-1}
logs=$build/logs
mkdir -p "$logs"

# fuzz_one TARGET: 0 when the target found nothing.
fuzz_one() {
	t=$1 bin=$build/$1
	seeds=test/fuzz/corpus/${t#fuzz_} regr=test/fuzz/regressions/${t#fuzz_}
	work=$build/corpus/$t findings=$build/findings/$t
	log=$logs/$t.log
	mkdir -p "$work" "$findings"
	: >"$log"
	if [ "$mode" = merge ]; then
		before=$(find "$seeds" -type f | wc -l)
		"$bin" -merge=1 "$seeds" "$work" >>"$log" 2>&1 || return 1
		echo "fuzz: $t: $before seeds, now $(find "$seeds" -type f |
		    wc -l)"
		return 0
	fi
	if [ "$mode" = short ]; then
		# A file at a time: every input must pass, not just be read.
		files=$(find "$regr" "$seeds" -type f 2>/dev/null)
		if [ -n "$files" ] &&
		    ! "$bin" -timeout=30 $files >>"$log" 2>&1; then
			echo "fuzz: $t: a regression or seed input fails" \
			    "(see $log)"
			return 1
		fi
		work=$(mktemp -d "$build/corpus/$t.short.XXXXXX")
	fi
	# jansson is not instrumented: give the JSON targets its syntax.
	dict=
	case $t in
	fuzz_json_patch|fuzz_user_patch|fuzz_friends_body|fuzz_account_json)
		dict=-dict=test/fuzz/json.dict ;;
	esac
	dirs="$work"
	for d in "$seeds" "$regr"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	# shellcheck disable=SC2086
	nice -n 10 "$bin" -max_total_time="$secs" -timeout=30 $dict \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$findings/" $dirs >>"$log" 2>&1
	rc=$?
	[ "$mode" = short ] && rm -rf "$work"
	# The last status line: execs, cov, ft, corpus size.
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	execs=$(grep -E '^stat::number_of_executed_units' "$log" |
	    awk '{ print $2 }')
	speed=$(grep -E '^stat::average_exec_per_sec' "$log" |
	    awk '{ print $2 }')
	if [ $rc -ne 0 ]; then
		echo "fuzz: $t: FINDING (exit $rc), see $log and $findings/"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*property failed)' "$log" |
		    head -n 5
		return 1
	fi
	echo "fuzz: $t: ok, ${execs:-?} execs, ${speed:-?} exec/s; $last"
	return 0
}

failed=""
running=0
pids=""
for t in "$@"; do
	if [ "$jobs" -le 1 ]; then
		fuzz_one "$t" || failed="$failed $t"
		continue
	fi
	fuzz_one "$t" &
	pids="$pids $!:$t"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		for pt in $pids; do
			wait "${pt%%:*}" || failed="$failed ${pt#*:}"
		done
		pids="" running=0
	fi
done
for pt in $pids; do
	wait "${pt%%:*}" || failed="$failed ${pt#*:}"
done
if [ -n "$failed" ]; then
	echo "fuzz: findings in:$failed"
	exit 1
fi
echo "fuzz: $# targets, no findings"
