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
  mkdir -p $dir/lists/partial $dir/cache $dir/deb
  echo "deb http://deb.debian.org/debian bookworm-backports main" >$dir/sources.list
  apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64
    -oDir::Etc::SourceList=$dir/sources.list -oDir::Etc::SourceParts=/dev/null
    -oDir::State::Lists=$dir/lists -oDir::Cache=$dir/cache)
  apt-get "${apt[@]}" update -qq
  # The backports' version, not the installed one: download names it explicitly.
  version=$(apt-cache "${apt[@]}" madison mesa-vulkan-drivers | awk '/bookworm-backports/{print $3; exit}')
  [[ -n $version ]] || { echo "newer-lavapipe: no mesa-vulkan-drivers in bookworm-backports" >&2; exit 1; }
  (cd $dir/deb && apt-get "${apt[@]}" download "mesa-vulkan-drivers=$version" >/dev/null 2>&1)
  dpkg-deb -x $dir/deb/mesa-vulkan-drivers_*.deb $dir/root
  lib=$dir/root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so
  [[ -f $lib ]] || { echo "newer-lavapipe: $lib missing from the package" >&2; exit 1; }
  printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.4.0"}}\n' \
    "$lib" >$icd
fi
VK_ICD_FILENAMES=$icd "$@"
