#!/bin/sh
# check-hardening.sh BIN [fortify]: fails unless the ELF executable BIN was
# built with the Makefile's hardening: a position-independent executable,
# full RELRO (a GNU_RELRO segment and BIND_NOW) and stack canaries; with
# "fortify", also _FORTIFY_SOURCE's checked calls (__*_chk). Prints one line
# per property. Needs readelf (binutils).
set -u
[ $# -ge 1 ] || { echo "usage: $0 BIN [fortify]" >&2; exit 2; }
bin=$1
want_fortify=${2:-}
[ -f "$bin" ] || { echo "check-hardening: no $bin" >&2; exit 2; }

fail=0
check() {	# check NAME CONDITION-RESULT
	if [ "$2" -eq 0 ]; then
		echo "hardening: $1 yes"
	else
		echo "hardening: $1 NO" >&2
		fail=1
	fi
}

hdr=$(readelf -hW "$bin")
dyn=$(readelf -dW "$bin")
seg=$(readelf -lW "$bin")
syms=$(readelf --dyn-syms -W "$bin")

echo "$hdr" | grep -q 'Type: *DYN' && echo "$dyn" | grep -q 'FLAGS_1.*PIE'
check "PIE" $?
echo "$seg" | grep -q 'GNU_RELRO'
check "RELRO" $?
echo "$dyn" | grep -Eq 'BIND_NOW|FLAGS_1.*NOW'
check "BIND_NOW" $?
echo "$syms" | grep -q '__stack_chk_fail'
check "stack canary" $?
if [ "$want_fortify" = fortify ]; then
	echo "$syms" | grep -Eq '__[a-z0-9_]+_chk(@|$| )'
	check "FORTIFY_SOURCE" $?
fi
exit $fail
