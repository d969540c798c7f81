#!/bin/sh
# A model name holding a quote and a backslash stays valid JSON in `ossvk info --json`.
# $1: the ossvk binary.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
"$1" make-model --out "$d/m.gguf"
# Same length as the name it replaces, so no offset in the file moves.
perl -0777 -pi -e 's/ossvk synthetic tiny/ossvk"synthetic\\tiny/' "$d/m.gguf"
"$1" info --model "$d/m.gguf" --json > "$d/info.json"
grep -qF '"name":"ossvk\"synthetic\\tiny"' "$d/info.json"
