#!/bin/sh
# ossvk serve on the tiny synthetic model, driven by OpenAI's official Node.js client
# (tests/serve/openai_client.mjs; scripts/bootstrap.sh installs it from the npm registry).
# $1: the ossvk binary; $2: tests/serve.
set -u
d=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null; rm -rf "$d"' EXIT
. "$(dirname "$0")/serve_start.sh"
[ -d "$2/node_modules/openai" ] || fail "no $2/node_modules/openai (run scripts/bootstrap.sh)"
start_server "$1" --parallel 8 --queue 8
node "$2/openai_client.mjs" "$url"
rc=$?
kill -INT $pid
wait $pid
pid=
cat "$d/log"
exit $rc
