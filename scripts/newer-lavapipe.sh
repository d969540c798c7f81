#!/usr/bin/env bash
# Runs a command on a newer lavapipe than Debian 12's (Mesa 22.3): Mesa 25 from
# bookworm-backports, built for Debian 12 and so loaded into ossvk's processes as they are,
# unpacked under /tmp/ossvk-mesa-backports and named by VK_ICD_FILENAMES, never installed.
# Users on current distributions have such drivers: they report Vulkan 1.4, their validation
# findings differ, and their JIT makes other code of the same kernels.
#
#   bash scripts/newer-lavapipe.sh build/bin/ossvk devices
#   bash scripts/newer-lavapipe.sh make test
set -euo pipefail
(($#)) || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

dir=/tmp/ossvk-mesa-backports
icd=$dir/lvp_icd.json
if [[ ! -f $icd ]]; then
  source "$(dirname "$0")/debian_download.sh"
  debian_download bookworm-backports $dir/deb mesa-vulkan-drivers
  dpkg-deb -x $dir/deb/mesa-vulkan-drivers_*.deb $dir/root
  lib=$dir/root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so
  [[ -f $lib ]] || { echo "newer-lavapipe: $lib missing from the package" >&2; exit 1; }
  printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.4.0"}}\n' \
    "$lib" >$icd
fi
VK_ICD_FILENAMES=$icd "$@"
