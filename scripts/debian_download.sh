# Sourced by scripts that need Debian packages beside the system's, never installed:
#   debian_download SUITE DIR PACKAGE...
# puts SUITE's amd64 .deb of each PACKAGE into DIR, through a sources list and package lists of
# its own under /tmp/ossvk-apt-SUITE (the system's apt state is left alone). Returns non-zero
# when a package cannot be fetched.
debian_download() {
  local suite=$1 dir=$2
  shift 2
  local state=/tmp/ossvk-apt-$suite
  mkdir -p "$state/lists/partial" "$state/cache" "$dir"
  echo "deb http://deb.debian.org/debian $suite main" >"$state/sources.list"
  local apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oAPT::Default-Release="$suite"
    -oDir::Etc::SourceList="$state/sources.list" -oDir::Etc::SourceParts=/dev/null
    -oDir::State::Lists="$state/lists" -oDir::Cache="$state/cache")
  apt-get "${apt[@]}" update -qq && (cd "$dir" && apt-get "${apt[@]}" download "$@" >/dev/null)
}
