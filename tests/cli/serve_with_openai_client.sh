#!/bin/sh
# ossvk serve on the tiny synthetic model, driven by OpenAI's official Node.js client
# (tests/serve/openai_client.mjs; scripts/bootstrap.sh installs it from the npm registry).
# $1: the ossvk binary; $2: tests/serve.
set -u
d=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null; rm -rf "$d"' EXIT
[ -d "$2/node_modules/openai" ] || { echo "FAIL: no $2/node_modules/openai (run scripts/bootstrap.sh)"; exit 1; }
"$1" serve --preset tiny --port 0 --parallel 8 --queue 8 --date 2026-01-01 2>"$d/log" &
pid=$!
i=0
until grep -q 'on http://' "$d/log"; do
  if [ $i -ge 1200 ] || ! kill -0 $pid 2>/dev/null; then
    cat "$d/log"
    echo "FAIL: the server did not start"
    exit 1
  fi
  sleep 0.1
  i=$((i + 1))
done
url=http://$(grep -o '127\.0\.0\.1:[0-9]*' "$d/log" | head -1)
node "$2/openai_client.mjs" "$url"
rc=$?
kill -INT $pid
wait $pid
pid=
cat "$d/log"
exit $rc
