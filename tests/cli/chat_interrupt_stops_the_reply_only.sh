#!/bin/sh
# Ctrl-C (SIGINT) during a long reply stops the reply; the chat then reads the next line. This
# model's greedy reply to "Hello" runs ~3200 tokens, several seconds on lavapipe, before it
# writes <|return|>. Random weights leave near-ties, so the reply's length follows the kernels'
# summation order: when CPU prefill moved to per-pair MoE kernels, seed 5's reply fell to 27
# tokens; check the seed when that order changes. The signal is sent once the reply is
# streaming (a loaded machine, or a sanitizer build, may take seconds to get there).
# $1: the ossvk binary.
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
: >"$d/out"  # exists before the chat starts, so the wait below can read its size at once
(echo Hello; sleep 3; echo /exit) | "$1" chat --preset tiny --seed 4 --temp 0 -n 100000 > "$d/out" 2>&1 &
pid=$!
# The banner is one line of about 150 bytes; the reply streams after it.
i=0
while [ "$(wc -c < "$d/out")" -lt 600 ] && [ $i -lt 1200 ]; do
  sleep 0.1
  i=$((i + 1))
done
kill -INT $pid
wait $pid
rc=$?
cat -v "$d/out"
[ $rc -eq 0 ] && grep -aq 'stopped' "$d/out"
