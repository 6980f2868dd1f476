#!/usr/bin/env bash
# Install everything the mail lab needs (idempotent; safe to re-run).
#   Debian packages : knot, unbound, rbldnsd, postfix, dovecot-core (SASL), swaks (+ dig/kdig)
#   PyPI  (venv)    : checkdmarc, dkimpy, authheaders, aiosmtpd, dnspython  -> $LAB_STATE/venv
#   npm   (prefix)  : mailauth                                            -> $LAB_STATE/node
# No service is started by apt (policy-rc.d returns 101 while we install);
# the daemons are started by up.sh with the lab's own configs only.
set -euo pipefail
umask 022
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab.env"
lab_prepare_state || exit 1
cd "$LAB_STATE"

APT_PKGS=(knot knot-dnsutils unbound rbldnsd postfix dovecot-core swaks bind9-dnsutils
          libnet-ssleay-perl libio-socket-ssl-perl libnet-dns-perl
          openssl iproute2 time python3-venv)
# callers may add packages so that one apt-get run covers both (scripts/setup.sh
# adds chromium + chromium-driver for the browser tests)
read -r -a EXTRA_APT <<< "${LAB_EXTRA_APT_PKGS:-}"
APT_PKGS+=("${EXTRA_APT[@]}")
PIP_PKGS=(checkdmarc==6.0.4 dkimpy==1.1.8 authheaders==0.16.3 aiosmtpd==1.4.6
          dnspython==2.9.2 pynacl==1.6.2 pyspf==2.0.14)
NPM_PKGS=(mailauth@4.13.3)   # 5.x+ (latest 7.1.0) needs node>=22.19; this machine has node 20

# ---- apt --------------------------------------------------------------------
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # keep apt from starting knot/unbound/postfix with their distro configs
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  # postfix: do not let debconf write a system config
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  [ -n "${LAB_SKIP_APT_UPDATE:-}" ] || apt-get update -qq
  # only what is missing, and never upgrade what is already there
  echo "install.sh: apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-upgrade \
    "${missing[@]}" >/dev/null
  if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
fi

# ---- Python venv ------------------------------------------------------------
if [ ! -x "$LAB_STATE/venv/bin/checkdmarc" ] || [ ! -x "$LAB_STATE/venv/bin/dkimsign" ] \
   || ! "$LAB_STATE/venv/bin/python" -c 'import aiosmtpd, authheaders, nacl, spf' 2>/dev/null; then
  echo "install.sh: Python venv ($LAB_STATE/venv): ${PIP_PKGS[*]}"
  python3 -m venv "$LAB_STATE/venv"
  "$LAB_STATE/venv/bin/pip" install -q --disable-pip-version-check "${PIP_PKGS[@]}"
fi

# ---- npm --------------------------------------------------------------------
if [ ! -x "$LAB_STATE/node/node_modules/.bin/mailauth" ]; then
  command -v npm >/dev/null || { echo "install.sh: npm (Node.js >= 18) is needed for mailauth" >&2; exit 1; }
  echo "install.sh: npm ($LAB_STATE/node): ${NPM_PKGS[*]}"
  mkdir -p "$LAB_STATE/node"
  (cd "$LAB_STATE/node" && [ -f package.json ] || echo '{"name":"maillab-node","private":true}' > package.json)
  npm install --prefix "$LAB_STATE/node" --no-audit --no-fund --loglevel=error "${NPM_PKGS[@]}" >/dev/null
fi
echo "install.sh: done"
