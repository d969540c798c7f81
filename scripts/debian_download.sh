# Sourced by scripts that need Debian packages beside the system's, never installed:
#   debian_download SUITE DIR PACKAGE...
# puts SUITE's amd64 .deb of each PACKAGE into DIR, through a sources list and package lists of
# its own under /tmp/ossvk-apt-SUITE (the system's apt state is left alone). Returns non-zero
# when a package cannot be fetched.
#   debian_unpack SUITE DIR PACKAGE...
# the same into DIR/deb, and the packages' files unpacked under DIR/root.
#   debian_closure SUITE PACKAGE...
# prints the PACKAGEs and every package they depend on in SUITE, recursively.
debian_apt_options() {
  local state=/tmp/ossvk-apt-$1
  echo -oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oAPT::Default-Release="$1" \
    -oDir::Etc::SourceList="$state/sources.list" -oDir::Etc::SourceParts=/dev/null \
    -oDir::State::Lists="$state/lists" -oDir::Cache="$state/cache"
}

# SUITE's package lists, fetched into its private apt state.
debian_update() {
  local state=/tmp/ossvk-apt-$1
  mkdir -p "$state/lists/partial" "$state/cache"
  echo "deb http://deb.debian.org/debian $1 main" >"$state/sources.list"
  local apt
  read -ra apt < <(debian_apt_options "$1")
  apt-get "${apt[@]}" update -qq
}

debian_download() {
  local suite=$1 dir=$2
  shift 2
  debian_update "$suite" || return
  mkdir -p "$dir"
  local apt
  read -ra apt < <(debian_apt_options "$suite")
  (cd "$dir" && apt-get "${apt[@]}" download "$@" >/dev/null)
}

debian_unpack() {
  local suite=$1 dir=$2 deb
  shift 2
  debian_download "$suite" "$dir/deb" "$@" || return
  for deb in "$dir"/deb/*.deb; do dpkg-deb -x "$deb" "$dir/root" || return; done
}

debian_closure() {
  local suite=$1
  shift
  debian_update "$suite" || return
  local apt
  read -ra apt < <(debian_apt_options "$suite")
  apt-cache "${apt[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "$@" | grep '^[a-z0-9]' | sort -u
}
