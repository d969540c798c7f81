#!/usr/bin/env bash
# Runs a command on a newer lavapipe than Debian 12's (Mesa 22.3), unpacked under /tmp and named
# by VK_ICD_FILENAMES, never installed. Users on current distributions have such drivers: they
# report Vulkan 1.4, their validation findings differ, and their JIT makes other code of the
# same kernels.
#   (default)   Mesa 25 from bookworm-backports, built for Debian 12, so any command runs as is.
#   --unstable  the newest Mesa, from Debian unstable, with the glibc, libstdc++ and LLVM it was
#               built against; COMMAND must be one program, which runs through that glibc's loader.
#
#   bash scripts/newer-lavapipe.sh make test
#   bash scripts/newer-lavapipe.sh --unstable build/bin/ossvk_tests --gtest_filter='Cases/*'
set -euo pipefail
(($#)) || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
source "$(dirname "$0")/debian_download.sh"

# unpack DIR SUITE PACKAGE...: the packages' files under DIR/root, and lavapipe's ICD file
# DIR/lvp_icd.json naming the unpacked driver; nothing when that file exists.
unpack() {
  local dir=$1 suite=$2
  shift 2
  [[ -f $dir/lvp_icd.json ]] && return
  debian_unpack "$suite" "$dir" "$@"
  local lib=$dir/root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so
  [[ -f $lib ]] || { echo "newer-lavapipe: $lib missing from the package" >&2; exit 1; }
  printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.4.0"}}\n' \
    "$lib" >"$dir/lvp_icd.json"
}

if [[ $1 == --unstable ]]; then
  shift
  dir=/tmp/ossvk-mesa-unstable
  if [[ ! -f $dir/lvp_icd.json ]]; then
    mapfile -t packages < <(debian_closure sid mesa-vulkan-drivers libvulkan1)
    unpack "$dir" sid "${packages[@]}"
  fi
  lib=$dir/root/usr/lib/x86_64-linux-gnu
  # The loader is the process's executable, so the CLI cannot find libossvk.so beside itself.
  export OSSVK_LIBRARY=${OSSVK_LIBRARY:-$(realpath -m "$(dirname "$1")/../lib/libossvk.so")}
  VK_ICD_FILENAMES=$dir/lvp_icd.json exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$@"
fi
dir=/tmp/ossvk-mesa-backports
unpack $dir bookworm-backports mesa-vulkan-drivers
VK_ICD_FILENAMES=$dir/lvp_icd.json exec "$@"
