#!/bin/sh
# ossvk serve on the tiny synthetic model, driven by curl on 127.0.0.1 (a free port): the plan
# line counting every slot's cache, health and models, chat whole and streamed, a completion,
# a long prompt prefilled beside a decoding stream, the prompt cache, OpenAI error JSON for
# malformed JSON, an oversized body and an unknown path, 429 once the slots and the queue are
# full, clients that disconnect (streaming or waiting for a whole reply) freeing their slots,
# and Ctrl-C letting a running request finish before the server exits 0. Replies of random
# weights end at random tokens, so the long ones ask for ignore_eos.
# $1: the ossvk binary.
set -u
d=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null; rm -rf "$d"' EXIT
. "$(dirname "$0")/serve_start.sh"
start_server "$1" --parallel 2 --queue 1 --max-body 4KiB
# The plan keeps room for both slots' caches.
grep -q '^ossvk serve: plan: .*K/V cache .* (2 sessions x 8192 positions)' "$d/log" ||
  fail "the plan line does not count the slots"
# post PATH BODY: the status code; the body lands in $d/body.
post() {
  curl -s -o "$d/body" -w '%{http_code}' -H 'Content-Type: application/json' "$url$1" -d "$2"
}
# health_is RUNNING QUEUED [SECONDS]: waits (up to 60 s) until /health says so.
health_is() {
  i=0
  until curl -s "$url/health" | grep -q "\"running\":$1,\"queued\":$2"; do
    [ $i -lt "${3:-60}0" ] ||
      fail "/health never showed running $1, queued $2 in ${3:-60} s: $(curl -s "$url/health")"
    sleep 0.1
    i=$((i + 1))
  done
}
hello='{"messages":[{"role":"user","content":"Hello"}],"max_tokens":8,"temperature":0'

curl -s "$url/health" | grep -q '"status":"ok"' || fail "/health"
curl -s "$url/v1/models" | grep -q '"object":"list","data":\[{"id":"ossvk synthetic tiny"' ||
  fail "/v1/models"

[ "$(post /v1/chat/completions "$hello}")" = 200 ] || fail "chat: $(cat "$d/body")"
grep -q '"object":"chat.completion",.*"finish_reason":"\(stop\|length\)".*"completion_tokens":[1-8],' \
  "$d/body" || fail "chat body: $(cat "$d/body")"
# The same conversation again: the slot's cache already holds all but the last prompt token.
[ "$(post /v1/chat/completions "$hello}")" = 200 ] || fail "chat again"
grep -q '"cached_tokens":[1-9]' "$d/body" || fail "prompt cache: $(cat "$d/body")"

curl -sN -H 'Content-Type: application/json' "$url/v1/chat/completions" \
  -d "$hello,\"stream\":true}" >"$d/stream"
grep -q '^data: {.*"delta":{"role":"assistant"' "$d/stream" || fail "stream: $(cat "$d/stream")"
grep -q '^data: {.*"finish_reason":"\(stop\|length\)".*"usage"' "$d/stream" || fail "stream end"
[ "$(grep -v '^$' "$d/stream" | tail -1)" = "data: [DONE]" ] || fail "stream: no [DONE]"

[ "$(post /v1/completions '{"prompt":"Hello","max_tokens":4,"temperature":0}')" = 200 ] &&
  grep -q '"object":"text_completion"' "$d/body" || fail "completion: $(cat "$d/body")"

# A 600-token prompt prefills in chunks beside a stream that decodes: one batched step for both.
long="{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":3000,\"ignore_eos\":true,\"stream\":true}"
curl -sN -H 'Content-Type: application/json' "$url/v1/chat/completions" -d "$long" >/dev/null &
decoding=$!
health_is 1 0
ids=$(seq 1 600 | awk '{ print $1 % 500 }' | paste -sd, -)
[ "$(post /v1/completions "{\"prompt\":[$ids],\"max_tokens\":4,\"temperature\":0,\"ignore_eos\":true}")" = 200 ] &&
  grep -q '"prompt_tokens":600,' "$d/body" || fail "a long prompt beside a stream: $(cat "$d/body")"
kill $decoding
health_is 0 0

[ "$(post /v1/chat/completions '{"messages": [')" = 400 ] &&
  grep -q '"error":{"message":"the request body is not valid JSON","type":"invalid_request_error"' \
    "$d/body" || fail "malformed JSON: $(cat "$d/body")"
[ "$(post /v1/chat/completions '{"messages":[{"role":"user","content":"x"}],"top_p":7}')" = 400 ] &&
  grep -q '"param":"top_p"' "$d/body" || fail "bad top_p: $(cat "$d/body")"
big=$(head -c 6000 /dev/zero | tr '\0' a)
[ "$(post /v1/chat/completions "{\"messages\":[{\"role\":\"user\",\"content\":\"$big\"}]}")" = 413 ] &&
  grep -q 'max-body' "$d/body" || fail "oversized body: $(cat "$d/body")"
[ "$(post /v1/nothing '{}')" = 404 ] && grep -q '"error"' "$d/body" || fail "unknown path"

# Two slots and a queue of one: three long streams fill them, a fourth request gets 429.
for n in 1 2 3; do
  curl -sN -H 'Content-Type: application/json' "$url/v1/chat/completions" -d "$long" \
    >/dev/null &
  eval "client$n=$!"
done
health_is 2 1
[ "$(post /v1/chat/completions "$hello}")" = 429 ] && grep -q 'rate_limit_error' "$d/body" ||
  fail "a full queue: $(cat "$d/body")"
# Clients that disconnect free their slots (and the queued one its place) at once.
kill "$client1" "$client2" "$client3"
health_is 0 0
# So does one that gives up on a whole reply, which would otherwise run for 4000 tokens (8 s).
curl -s -o /dev/null --max-time 1 -H 'Content-Type: application/json' \
  "$url/v1/chat/completions" -d "$hello,\"max_tokens\":4000,\"ignore_eos\":true}"
health_is 0 0 2

# Ctrl-C: the running request finishes whole, new ones are refused, the server exits 0.
curl -s -o "$d/last" -H 'Content-Type: application/json' "$url/v1/chat/completions" \
  -d '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":1500,"ignore_eos":true}' &
last=$!
health_is 1 0
kill -INT $pid
wait $last
grep -q '"completion_tokens":1500,' "$d/last" || fail "the request Ctrl-C let finish: $(cat "$d/last")"
wait $pid
rc=$?
pid=
[ $rc -eq 0 ] && grep -q 'ossvk serve: stopped' "$d/log" || fail "exit $rc after Ctrl-C"
cat "$d/log"
echo "serve with curl: ok"
