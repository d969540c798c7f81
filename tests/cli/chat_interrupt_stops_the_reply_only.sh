#!/bin/sh
# Ctrl-C (SIGINT) during a long reply stops the reply; the chat then reads the next line.
# --ignore-eos keeps the reply going to -n (several seconds on lavapipe) whatever token ends its
# text, and --date fixes the system message, which otherwise holds today's date. The signal is
# sent once the reply is streaming (a loaded machine, or a sanitizer build, may take seconds to
# get there); this seed's reply writes more than the bytes waited for.
# $1: the ossvk binary.
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
: >"$d/out"  # exists before the chat starts, so the wait below can read its size at once
(echo Hello; sleep 3; echo /exit) | "$1" chat --preset tiny --seed 4 --temp 0 --date 2026-01-01 \
  --ignore-eos -n 3000 > "$d/out" 2>&1 &
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
