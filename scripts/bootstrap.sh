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
  clang-16 libclang-rt-16-dev       # libFuzzer, AddressSanitizer, UndefinedBehaviorSanitizer (scripts/fuzz.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

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
