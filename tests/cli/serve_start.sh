# Sourced by the serve tests: start_server BINARY ARGS... runs `BINARY serve --preset tiny
# --port 0 --date 2026-01-01 ARGS...` with its stderr in $d/log, waits for its address, and sets
# $pid and $url; fail prints the log and exits 1. The caller makes $d and kills $pid on exit.
fail() {
  echo "FAIL: $*"
  cat "$d/log"
  exit 1
}
start_server() {
  bin=$1
  shift
  "$bin" serve --preset tiny --port 0 --date 2026-01-01 "$@" 2>"$d/log" &
  pid=$!
  i=0
  until grep -q 'on http://' "$d/log"; do
    [ $i -lt 1200 ] && kill -0 $pid 2>/dev/null || fail "the server did not start"
    sleep 0.1
    i=$((i + 1))
  done
  url=http://$(grep -o '127\.0\.0\.1:[0-9]*' "$d/log" | head -1)
}
