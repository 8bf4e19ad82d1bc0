#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions per operation for every waker design, counted by callgrind (deterministic, unlike
# time). Usage: bench/waker/callgrind.sh <path to waker_instr> [batches of 256, default 400]
# Prints a markdown table: one row per operation, one column per design, and the ratio to
# af_vtable in parentheses. Collection is on only around the measured operation (see
# waker_instr.cpp), so the counts include the loop (about 2-3 instructions) but no set-up.
set -euo pipefail

instr=${1:?usage: callgrind.sh <waker_instr> [batches]}
batches=${2:-400}
count=$((batches * 256))
designs=(af_vtable af_wakeable virtual_iface std_function shared_ptr coroutine_handle af_local_nonatomic)
ops=(clone drop wake wake_by_ref clone_drop clone_move cycle_by_ref cycle_clone_wake)

printf '| op |'; printf ' %s |' "${designs[@]}"; printf '\n|---|'; printf -- '---:|%.0s' "${designs[@]}"; printf '\n'
for op in "${ops[@]}"; do
    printf '| %s |' "$op"
    base=""
    for d in "${designs[@]}"; do
        out=$(valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=/dev/null \
            "$instr" "$op" "$d" "$batches" 2>&1) || { echo; echo "$out" >&2; exit 1; }
        ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$out")
        per=$(awk -v ir="$ir" -v n="$count" 'BEGIN { printf "%.1f", ir / n }')
        [[ -z $base ]] && base=$per
        ratio=$(awk -v a="$per" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }')
        printf ' %s (%s) |' "$per" "$ratio"
    done
    printf '\n'
done
