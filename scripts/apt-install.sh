# Sourced by kernel/setup.sh and scripts/setup-peers.sh (which define `say` and CHECK): installs
# Debian packages with apt when running as root on Debian, else says the command to run and fails.
#   apt_install "PKGS" "CHECK-MODE MESSAGE" "NOT-ROOT MESSAGE"
# The install waits for another apt run (another checkout's setup) instead of failing on the dpkg lock.
apt_install() {
  local pkgs="$1" check_msg="$2" missing_msg="$3"
  local cmd="apt-get update && apt-get install -y -o DPkg::Lock::Timeout=600 $pkgs"
  if [ "$CHECK" = 1 ]; then
    say "$check_msg sudo sh -c '$cmd'"
    exit 1
  elif [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: $pkgs"
    DEBIAN_FRONTEND=noninteractive sh -c "$cmd"
  else
    say "$missing_msg Run, as root:"
    echo "    sudo sh -c '$cmd'"
    exit 1
  fi
}
