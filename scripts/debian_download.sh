# Sourced by scripts that need Debian packages beside the system's, never installed:
#   debian_download SUITE DIR PACKAGE...
# puts SUITE's amd64 .deb of each PACKAGE into DIR, through a sources list and package lists of
# its own under /tmp/ossvk-apt-SUITE (the system's apt state is left alone). Returns non-zero
# when a package cannot be fetched.
#   debian_closure SUITE PACKAGE...
# prints the PACKAGEs and every package they depend on in SUITE, recursively (after a
# debian_download from SUITE has fetched its lists).
debian_apt_options() {
  local state=/tmp/ossvk-apt-$1
  echo -oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oAPT::Default-Release="$1" \
    -oDir::Etc::SourceList="$state/sources.list" -oDir::Etc::SourceParts=/dev/null \
    -oDir::State::Lists="$state/lists" -oDir::Cache="$state/cache"
}

debian_download() {
  local suite=$1 dir=$2
  shift 2
  local state=/tmp/ossvk-apt-$suite
  mkdir -p "$state/lists/partial" "$state/cache" "$dir"
  echo "deb http://deb.debian.org/debian $suite main" >"$state/sources.list"
  local apt
  read -ra apt < <(debian_apt_options "$suite")
  apt-get "${apt[@]}" update -qq && (cd "$dir" && apt-get "${apt[@]}" download "$@" >/dev/null)
}

debian_closure() {
  local suite=$1
  shift
  local apt
  read -ra apt < <(debian_apt_options "$suite")
  apt-cache "${apt[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "$@" | grep '^[a-z0-9]' | sort -u
}
