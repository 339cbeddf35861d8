#!/bin/sh
# Install what the tests need when it is missing (CI starts from a fresh machine).
need=""
[ -f /usr/include/event2/event.h ] || need="$need libevent-dev"
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || need="$need dnsmasq-base"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cmake >/dev/null 2>&1 || need="$need cmake"
[ -f /usr/include/openssl/ssl.h ] || need="$need libssl-dev"
command -v dig >/dev/null 2>&1 || need="$need bind9-dnsutils"
if [ -n "$need" ]; then
  echo "installing:$need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $need >/dev/null || {
    echo "could not install$need" >&2; exit 1; }
fi
exit 0
