#!/usr/bin/env bash
# Bring the mail lab up (re-runnable: stops a running lab first).
# Works from wherever the lab folder is; writes nothing into it.
#   LAB_STATE         runtime state: venv, node, keys, configs, pids, logs, out,
#                     spools, Maildir, DNSSEC keys (default /tmp/inboxlens-lab)
#   LAB_NO_INSTALL=1  skip install.sh (packages assumed present)
#   LAB_DNS_DELAY_MS  latency added by the slow resolver path 127.0.0.54 (default 50)
set -euo pipefail
umask 022
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab.env"
lab_prepare_state || exit 1
cd "$LAB_STATE"
T0=$EPOCHREALTIME
elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}'; }
say() { printf '[up %6ss] %s\n' "$(elapsed)" "$*"; }
die() { echo "up.sh: ERROR: $*" >&2; exit 1; }

# wait_for SECONDS CMD... : poll CMD every 0.1 s
wait_for() {
  local t=$1; shift; local n=$((t * 10))
  while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}

# on any failure, stop whatever this run already started (logs/ and run/ are kept)
UP_OK=0
trap '[ "$UP_OK" = 1 ] || { echo "up.sh: failed, stopping what was started" >&2; LAB_KEEP_STATE=1 "$LAB_HOME/down.sh" >&2; }' EXIT

# ---------------------------------------------------------------- 0. install
if [ -z "${LAB_NO_INSTALL:-}" ]; then "$LAB_HOME/install.sh" >/dev/null; say "packages present"; fi

# ---------------------------------------------------------------- 1. stop any running lab
# The lab's addresses (53/25/443/... on 127.0.0.x) are exclusive: one lab at a
# time on a machine. Stop this one and any other copy by its own pidfiles:
# the shared mail lab (/tmp/mail-lab), this copy's default state, and any
# state directories named in LAB_OTHER_STATES (space-separated).
[ -d run ] && "$LAB_HOME/down.sh" >/dev/null 2>&1 || true
for other in /tmp/mail-lab /tmp/inboxlens-lab ${LAB_OTHER_STATES:-}; do
  other=$(realpath -m -- "$other")
  [ "$other" != "$LAB_STATE" ] && [ -f "$other/.mail-lab-state" ] && [ -d "$other/run" ] || continue
  say "stopping the lab running from $other (only one lab can hold the addresses)"
  LAB_STATE=$other "$LAB_HOME/down.sh" | sed 's/^/  /'
done
busy=$(lab_listeners)
[ -z "$busy" ] || die "lab addresses already in use (another lab with an unknown LAB_STATE? stop it with its down.sh):
$busy"

# ---------------------------------------------------------------- 2. clean state (all under $LAB_STATE)
rm -rf run var
mkdir -p run/pids run/zones run/knot run/knot-aux run/postfix run/dovecot var/dovecot run/rbl run/www/.well-known run/www/bimi \
         var/knot var/knot-aux var/postfix/spool var/postfix/data var/mail var/slowsmtp logs out etc
: > logs/.keep; rm -f logs/*.log

# ---------------------------------------------------------------- 3. keys (made when missing, then kept)
mkdir -p keys/dkim keys/tls
if [ ! -s keys/dkim/s1.good.test.pem ]; then
  openssl genrsa -traditional -out keys/dkim/s1.good.test.pem 2048 2>/dev/null
  openssl genrsa -traditional -out keys/dkim/weak.bad.test.pem 1024 2>/dev/null
  venv/bin/dknewkey --ktype ed25519 keys/dkim/s2.good.test >/dev/null 2>&1
  chmod 600 keys/dkim/*.pem keys/dkim/*.key
fi
if [ ! -s keys/tls/mx.good.test.crt ]; then
  ( cd keys/tls
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -subj "/CN=Mail Lab Test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=mx.good.test" \
      -keyout mx.good.test.key -out mx.good.test.csr 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:mx.good.test,DNS:mta-sts.good.test,DNS:good.test,IP:127.0.0.10" \
      "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" > mx.ext
    openssl x509 -req -in mx.good.test.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
      -sha256 -extfile mx.ext -out mx.good.test.crt 2>/dev/null
    cat mx.good.test.crt ca.crt > mx.good.test.fullchain.pem
    # a genuinely self-signed cert (no CA) for the greylisting server's STARTTLS
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -subj "/CN=mx.grey.test" \
      -addext "subjectAltName=DNS:mx.grey.test" -keyout mx.grey.test.key -out mx.grey.test.crt 2>/dev/null
    chmod 600 ./*.key )
fi
if [ ! -s keys/tls/mx.tlsreq.verify.test.crt ]; then
  # self-signed, for verify.test's STARTTLS-required receiver
  ( cd keys/tls && openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -subj "/CN=mx.tlsreq.verify.test" \
      -addext "subjectAltName=DNS:mx.tlsreq.verify.test" -keyout mx.tlsreq.verify.test.key \
      -out mx.tlsreq.verify.test.crt 2>/dev/null && chmod 600 mx.tlsreq.verify.test.key )
fi
if [ ! -s keys/tls/submit.lab.test.crt ]; then
  # for the submission peer (bin/submitsmtp.py): issued by the lab CA for submit(2).lab.test only,
  # so a client connecting to 127.0.0.41 by address sees a name mismatch
  ( cd keys/tls && openssl req -newkey rsa:2048 -nodes -subj "/CN=submit.lab.test" \
      -keyout submit.lab.test.key -out submit.lab.test.csr 2>/dev/null &&
    printf '%s\n' "subjectAltName=DNS:submit.lab.test,DNS:submit2.lab.test" "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > submit.ext &&
    openssl x509 -req -in submit.lab.test.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
      -extfile submit.ext -out submit.lab.test.crt 2>/dev/null &&
    cat submit.lab.test.crt ca.crt > submit.lab.test.fullchain.pem && chmod 600 submit.lab.test.key )
fi
say "keys ready (keys/dkim, keys/tls)"

# ---------------------------------------------------------------- 4. render configs
# templates in $LAB_HOME/conf name state paths as @LAB_STATE@
render() { local t; t=$(<"$1"); printf '%s\n' "${t//@LAB_STATE@/"$LAB_STATE"}" > "$2"; }
txt_chunks() { fold -w 200 | sed 's/.*/                  "&"/'; }
DKIM_S1=$(printf 'p=%s' "$(openssl rsa -in keys/dkim/s1.good.test.pem -pubout -outform DER 2>/dev/null | base64 -w0)" | txt_chunks)
DKIM_WEAK=$(printf 'p=%s' "$(openssl rsa -in keys/dkim/weak.bad.test.pem -pubout -outform DER 2>/dev/null | base64 -w0)" | txt_chunks)
DKIM_S2=$(sed -n 's/.*p=\([A-Za-z0-9+\/=]*\).*/\1/p' keys/dkim/s2.good.test.dns)
TLSA_MX=$(openssl x509 -in keys/tls/mx.good.test.crt -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
for z in "$LAB_HOME"/conf/zones/*.zone; do
  t=$(<"$z"); t=${t//@DKIM_S1@/$DKIM_S1}; t=${t//@DKIM_WEAK@/$DKIM_WEAK}
  t=${t//@DKIM_S2@/$DKIM_S2}; t=${t//@TLSA_MX@/$TLSA_MX}
  printf '%s\n' "$t" > "run/zones/$(basename "$z")"
done
render "$LAB_HOME/conf/knot.conf.in" run/knot.conf
render "$LAB_HOME/conf/knot-aux.conf.in" run/knot-aux.conf
render "$LAB_HOME/conf/unbound.conf.in" run/unbound.conf
printf '.            3600000  NS  a.root.test.\na.root.test. 3600000  A   127.0.0.2\n' > run/root.hints
render "$LAB_HOME/conf/postfix/main.cf.in" run/postfix/main.cf
cp "$LAB_HOME/conf/postfix/master.cf" "$LAB_HOME/conf/postfix/vmailbox" run/postfix/
printf '%s inbound:[%s]:%s\n' "$LAB_INBOUND_DOMAIN" "${LAB_INBOUND_LISTEN%:*}" "${LAB_INBOUND_LISTEN##*:}" > run/postfix/transport
render "$LAB_HOME/conf/dovecot.conf.in" run/dovecot.conf  # not in base_dir: dovecot links base_dir/dovecot.conf to it
printf '%s:{PLAIN}%s\n' "$LAB_SUBMIT_USER" "$LAB_SUBMIT_PASSWORD" > run/dovecot/users
cp "$LAB_HOME"/conf/rbl/* run/rbl/
printf 'version: STSv1\nmode: enforce\nmx: mx.good.test\nmax_age: 86400\n' > run/www/.well-known/mta-sts.txt
cp "$LAB_HOME/conf/bimi-logo.svg" run/www/bimi/logo.svg
printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$LAB_RESOLVER" > etc/resolv.conf
printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$LAB_RESOLVER_SLOW" > etc/resolv.slow.conf
say "configs rendered into $LAB_STATE/run"

# ---------------------------------------------------------------- 5. knotd (authoritative)
knotc -c run/knot.conf conf-check >/dev/null || die "knot.conf invalid"
knotd -c run/knot.conf -d
for z in . test. good.test. bogus.test.; do
  wait_for 15 sh -c "kdig +tcp +timeout=1 +retry=0 @127.0.0.2 +dnssec $z SOA | grep -q RRSIG" \
    || die "knotd did not sign $z (see logs/knot.log)"
done
# DNSSEC chain of trust: . (signed) -> test. (signed) -> good.test (signed).
# knotd made fresh keys; put their DS records into the parent zone files and
# reload. bogus.test gets a DS that matches no key (validation fails);
# bad.test/none.test/127.in-addr.arpa stay unsigned (insecure delegations).
ds() { keymgr -c run/knot.conf "$1" ds | awk '$5 == 2'; }
DS_TEST=$(ds test.); DS_GOOD=$(ds good.test.); DS_BOGUS=$(ds bogus.test. | awk '{$6="aaaa"substr($6,5); print}')
[ -n "$DS_TEST" ] && [ -n "$DS_GOOD" ] && [ -n "$DS_BOGUS" ] || die "keymgr gave no DS records"
printf '%s\n' "$DS_TEST" >> run/zones/root.zone
printf '%s\n%s\n' "$DS_GOOD" "$DS_BOGUS" >> run/zones/test.zone
knotc -c run/knot.conf zone-reload . test. >/dev/null
wait_for 15 sh -c "kdig +tcp +timeout=1 +retry=0 @127.0.0.2 +dnssec good.test DS | grep -q 'RRSIG.*DS'" \
  || die "DS for good.test not published"
wait_for 15 sh -c "kdig +tcp +timeout=1 +retry=0 @127.0.0.2 +dnssec test DS | grep -q 'RRSIG.*DS'" \
  || die "DS for test not published"
# the lab's root trust anchor (for unbound, delv, and validating test clients)
ds . > run/root.anchor
cp run/root.anchor out/root-anchor.DS.txt
keymgr -c run/knot.conf . dnskey | awk '$3 == 257' > out/root-anchor.DNSKEY.txt 2>/dev/null || true
knotc -c run/knot-aux.conf conf-check >/dev/null || die "knot-aux.conf invalid"
knotd -c run/knot-aux.conf -d
wait_for 10 sh -c "kdig +tcp +timeout=1 +retry=0 @127.0.0.4 +short slow.test SOA | grep -q ns.slow.test" || die "knotd (aux) not answering (logs/knot-aux.log)"
say "knotd up on 127.0.0.2:53 + 127.0.0.1:5353 (DNSSEC: . test. good.test bogus.test signed); aux knotd on 127.0.0.4:53"

# ---------------------------------------------------------------- 6. rbldnsd (DNSBL)
chown -R rbldns: run/rbl; : > logs/rbldnsd.log; chown rbldns logs/rbldnsd.log
rbldnsd -q -u rbldns -b 127.0.0.3/53 -p "$LAB_STATE/run/pids/rbldnsd.pid" -w "$LAB_STATE/run/rbl" -t 60 \
  -l "+$LAB_STATE/logs/rbldnsd.log" \
  bl.test:ip4set:bl.test zen.test:ip4set:zen-sbl,zen-xbl dbl.test:dnset:dbl.test 2>>logs/rbldnsd.log
wait_for 10 sh -c "kdig +timeout=1 +retry=0 @127.0.0.3 +short 66.0.0.127.bl.test A | grep -q 127.0.0.2" || die "rbldnsd not answering"
say "rbldnsd up on 127.0.0.3:53 (bl.test zen.test dbl.test)"

# ---------------------------------------------------------------- 7. unbound (resolver)
unbound-checkconf run/unbound.conf >/dev/null || die "unbound.conf invalid"
unbound -c run/unbound.conf
wait_for 10 sh -c "kdig +tcp +timeout=1 +retry=0 @127.0.0.1 +short good.test SOA | grep -q ns.good.test" || die "unbound not answering (logs/unbound.log)"
ln -sf ../unbound.pid run/pids/unbound.pid
say "unbound up on 127.0.0.1:53"

# ---------------------------------------------------------------- 8. latency / loss proxies
setsid "$LAB_PY" "$LAB_HOME/bin/dnsdelay.py" --pidfile run/pids/dnsdelay.pid \
  --proxy "listen=$LAB_RESOLVER_SLOW:53,upstream=$LAB_RESOLVER:53,delay=$LAB_DNS_DELAY_MS" \
  --proxy "listen=$LAB_AUTH_SLOW:53,upstream=$LAB_AUTH_AUX:53,delay=500" \
  --proxy "listen=$LAB_AUTH_DEAD:53,upstream=$LAB_AUTH_AUX:53,drop=1" \
  >> logs/dnsdelay.log 2>&1 < /dev/null &
wait_for 10 test -s run/pids/dnsdelay.pid || die "dnsdelay failed (logs/dnsdelay.log)"
say "dnsdelay up: 127.0.0.54 (+${LAB_DNS_DELAY_MS}ms -> unbound), 127.0.0.56 (+500ms -> knot), 127.0.0.57 (drop)"

# ---------------------------------------------------------------- 9. postfix (real MTA)
chown postfix: var/postfix/data; chown nobody:nogroup var/mail
# (postfix prints errors only to a tty or syslog; 'script' gives it a tty on failure)
postfix -c "$LAB_STATE/run/postfix" check 2>/dev/null || { script -qc "postfix -c $LAB_STATE/run/postfix check" /dev/null; die "postfix check failed"; }
# started inside a mount namespace whose /etc/resolv.conf points at the lab
# resolver, so its reject_rbl_client/PTR lookups hit the lab, not the host's DNS
"$LAB_HOME/bin/labns" postfix -c "$LAB_STATE/run/postfix" start 2>/dev/null || { script -qc "$LAB_HOME/bin/labns postfix -c $LAB_STATE/run/postfix start" /dev/null; die "postfix start failed"; }
wait_for 10 test -s var/postfix/spool/pid/master.pid || die "postfix master did not start"
ln -sf ../../var/postfix/spool/pid/master.pid run/pids/postfix-master.pid
say "postfix up on 127.0.0.10:25/587/465"
# Dovecot: SASL only (Postfix submission AUTH), socket in Postfix's private/ directory
chmod 0640 run/dovecot/users; chown root:dovecot run/dovecot/users
dovecot -c "$LAB_STATE/run/dovecot.conf" || die "dovecot failed to start (logs/dovecot.log)"
wait_for 10 test -S var/postfix/spool/private/auth || die "dovecot auth socket missing (logs/dovecot.log)"
ln -sf ../dovecot/master.pid run/pids/dovecot.pid
say "dovecot SASL up for postfix submission ($LAB_SUBMIT_USER on 587/465); inbound.test -> $LAB_INBOUND_LISTEN"

# ---------------------------------------------------------------- 10. misbehaving SMTP + HTTPS
setsid "$LAB_PY" "$LAB_HOME/bin/slowsmtp.py" --pidfile run/pids/slowsmtp.pid --spool var/slowsmtp \
  --server "name=grey,addr=$LAB_SMTP_GREY:25,greylist=$LAB_GREYLIST_S,tls=keys/tls/mx.grey.test.crt:keys/tls/mx.grey.test.key" \
  --server "name=slow,addr=$LAB_SMTP_SLOW:25,banner=5,cmd=2" \
  --server "name=tarpit,addr=$LAB_SMTP_TARPIT:25,banner=600" \
  >> logs/slowsmtp.log 2>&1 < /dev/null &
setsid "$LAB_PY" "$LAB_HOME/bin/https_static.py" --pidfile run/pids/https.pid --listen "$LAB_MX:443" --root run/www \
  --cert keys/tls/mx.good.test.fullchain.pem --key keys/tls/mx.good.test.key \
  >> logs/https.log 2>&1 < /dev/null &
V=keys/tls/mx.tlsreq.verify.test
setsid "$LAB_PY" "$LAB_HOME/bin/verifysmtp.py" --pidfile run/pids/verifysmtp.pid \
  --server "name=accept,addr=$LAB_VERIFY_ACCEPT:25,mode=accept,utf8=1" \
  --server "name=grey,addr=$LAB_VERIFY_GREY:25,mode=grey,hint=$LAB_VERIFY_GREY_S" \
  --server "name=ratelimit,addr=$LAB_VERIFY_RATELIMIT:25,mode=ratelimit,n=$LAB_VERIFY_RATE_N" \
  --server "name=rcptcap,addr=$LAB_VERIFY_RCPTCAP:25,mode=rcptcap,n=$LAB_VERIFY_RCPT_CAP" \
  --server "name=block,addr=$LAB_VERIFY_BLOCK:25,mode=block" \
  --server "name=gmail,addr=$LAB_VERIFY_GMAIL:25,mode=gmail" \
  --server "name=yahoo,addr=$LAB_VERIFY_YAHOO:25,mode=yahoo" \
  --server "name=exchange,addr=$LAB_VERIFY_EXCHANGE:25,mode=exchange" \
  --server "name=catchall,addr=$LAB_VERIFY_CATCHALL:25,mode=catchall" \
  --server "name=tlsreq,addr=$LAB_VERIFY_TLSREQ:25,mode=tlsreq,tls=$V.crt:$V.key" \
  --server "name=noutf8,addr=$LAB_VERIFY_NOUTF8:25,mode=accept,utf8=0" \
  >> logs/verifysmtp.log 2>&1 < /dev/null &
S=keys/tls/submit.lab.test.fullchain.pem:keys/tls/submit.lab.test.key
setsid "$LAB_PY" "$LAB_HOME/bin/submitsmtp.py" --pidfile run/pids/submitsmtp.pid \
  --server "name=starttls,addr=$LAB_SUBMIT_PEER:587,mode=starttls,tls=$S" \
  --server "name=implicit,addr=$LAB_SUBMIT_PEER:465,mode=implicit,tls=$S" \
  --server "name=starttlsfirst,addr=$LAB_SUBMIT_PEER:25,mode=starttlsfirst,tls=$S" \
  --server "name=mismatch,addr=$LAB_SUBMIT_PEER:2525,mode=implicit,tls=$S" \
  --server "name=encryption,addr=$LAB_SUBMIT_PEER2:587,mode=encryption,tls=$S" \
  --server "name=cleartext,addr=$LAB_SUBMIT_PEER2:25,mode=cleartext" \
  >> logs/submitsmtp.log 2>&1 < /dev/null &
wait_for 10 test -s run/pids/slowsmtp.pid || die "slowsmtp failed (logs/slowsmtp.log)"
wait_for 10 test -s run/pids/verifysmtp.pid || die "verifysmtp failed (logs/verifysmtp.log)"
wait_for 10 test -s run/pids/submitsmtp.pid || die "submitsmtp failed (logs/submitsmtp.log)"
wait_for 10 test -s run/pids/https.pid || die "https_static failed (logs/https.log)"
say "aiosmtpd grey/slow/tarpit up on 127.0.0.11/12/13:25, HTTPS on 127.0.0.10:443"
say "verify.test receivers up on 127.0.0.70-80:25 (127.0.0.81 left dead)"
say "submission peer up on $LAB_SUBMIT_PEER:25/465/587/2525 and $LAB_SUBMIT_PEER2:25/587 (smtp-test failures)"

# ---------------------------------------------------------------- 11. health check
smtp_banner() { timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2; head -c 3 <&3" | grep -q 220; }
wait_for 10 smtp_banner 127.0.0.10 25 || die "no SMTP banner on 127.0.0.10:25"
kdig +timeout=2 @127.0.0.1 +dnssec good.test MX | grep -q 'Flags:.* ad;' || die "good.test not validated (no AD flag)"
say "health check ok"
UP_OK=1
cat <<EOF
mail lab is up in $(elapsed) s. Try:
  dig @127.0.0.1 good.test TXT +dnssec        # resolver (AD flag = DNSSEC-validated)
  dig @127.0.0.1 66.0.0.127.bl.test A         # DNSBL via resolver -> 127.0.0.2
  swaks --server 127.0.0.10 --to user@good.test --tls
  $LAB_HOME/bin/labns <tool ...>   # run any tool with the lab as its resolver
state (keys, logs, pids, out): $LAB_STATE
stop with: $LAB_HOME/down.sh
EOF
