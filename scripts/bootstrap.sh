#!/usr/bin/env bash
# Installs what ossvk needs to build and test from Debian's archive, and nothing that is already
# there. Safe to run any number of times.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libvulkan-dev libvulkan-volk-dev  # loader and headers; volk loads Vulkan at run time
  mesa-vulkan-drivers               # lavapipe, the software Vulkan device every machine has
  vulkan-validationlayers           # Khronos validation layer, on in every test
  vulkan-tools                      # vulkaninfo, for diagnosing a machine
  glslang-tools spirv-tools         # GLSL -> SPIR-V, spirv-val, spirv-opt, spirv-dis
  libgtest-dev
  nlohmann-json3-dev                # JSON: safetensors headers, config.json
  libpcre2-dev                      # Unicode regular expressions: the tokenizer's pre-tokenizer
  libcpp-httplib-dev                # HTTP for `ossvk serve`
  curl                              # the server's tests talk to it
  clang-16 libclang-rt-16-dev       # libFuzzer, AddressSanitizer, UndefinedBehaviorSanitizer (scripts/fuzz.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js and npm run OpenAI's client in the server's tests; a machine may already have them
# from elsewhere (NodeSource's nodejs bundles npm, and Debian's npm would conflict with it).
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#packages[@]} packages present"
else
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "bootstrap: done"
fi

# OpenAI's client from the npm registry, at the version package-lock.json pins.
serve_tests="$(cd "$(dirname "$0")/.." && pwd)/tests/serve"
want=$(sed -n 's/^ *"openai": "\(.*\)"$/\1/p' "$serve_tests/package.json")
have=$(sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$serve_tests/node_modules/openai/package.json" 2>/dev/null | head -1 || true)
if [[ "$have" != "$want" ]]; then
  echo "bootstrap: npm ci in tests/serve (openai $want)"
  npm ci --prefix "$serve_tests" --no-audit --no-fund --loglevel=error
fi
