#!/usr/bin/env bash
# Install the x86_64 Debian packages built by scripts/build-release.sh in a throwaway
# Debian root and check them:
#   1. package contents (dpkg-deb): binary in /usr/bin, unit, conffile;
#   2. dpkg -i in a chroot: dpkg -L, dpkg-query ${Conffiles}, unit identical to systemd/,
#      unit enabled (multi-user.target.wants symlink), conffile modes, binary runs;
#   3. conffiles kept: a local edit survives reinstalling the package;
#   4. the services under a real systemd: if this machine's PID 1 is systemd the test
#      root is booted with systemd-nspawn (if PID 1 is not systemd, nspawn is tried too:
#      it works in VMs whose init is something else); the relay is started with test
#      secrets and must answer /healthz and reach "active" (READY=1), a node is enrolled,
#      the edge is configured through /etc/resto-edge/edge.env and must answer /healthz
#      and reach "active". When no systemd can run, the script says so and which checks
#      were skipped;
#   5. dpkg -r keeps the conffiles, dpkg -P removes them and the enable symlink.
# Nothing is installed on this machine except the tools (debootstrap, systemd-container);
# the test root is deleted at the end (its pristine base is cached in $BASE_CACHE).
#
# Usage: scripts/test-deb-install.sh [TARGET]    (default x86_64-unknown-linux-gnu;
#        x86_64-unknown-linux-musl works too). Needs root (or sudo) and network to
#        deb.debian.org on the first run (debootstrap of Debian bookworm, ~1 min).
# Environment: BASE_CACHE=/var/tmp/resto-debtest-base  SUITE=bookworm  MIRROR=http://deb.debian.org/debian
#              BOOT=auto|no   READY_WAIT=30 (seconds to wait for each service)
set -uo pipefail

TARGET="${1:-x86_64-unknown-linux-gnu}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$ROOT/dist/$TARGET"
SUITE="${SUITE:-bookworm}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
BASE="${BASE_CACHE:-/var/tmp/resto-debtest-base}-$SUITE"
BOOT="${BOOT:-auto}"
READY_WAIT="${READY_WAIT:-30}"

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then exec sudo -E "$0" "$@"; fi
    echo "error: needs root (dpkg -i into a chroot, systemd-nspawn)" >&2; exit 1
fi
case "$TARGET" in x86_64-*) ;; *) echo "error: only x86_64 packages can be installed on this machine (got $TARGET)" >&2; exit 2 ;; esac

pass=0; fail=0; skipped=(); failed=()
ok()   { echo "  PASS $*"; pass=$((pass + 1)); }
bad()  { echo "  FAIL $*"; fail=$((fail + 1)); failed+=("$*"); }
skip() { echo "  SKIP $*"; skipped+=("$*"); }
check() { local label="$1"; shift; if "$@" >/dev/null 2>&1; then ok "$label"; else bad "$label"; fi; }
step() { printf '\n== %s\n' "$*"; }

RELAY_DEB="$(ls "$DIST"/resto-relay_*_amd64.deb 2>/dev/null | tail -1)"
EDGE_DEB="$(ls "$DIST"/resto-edge_*_amd64.deb 2>/dev/null | tail -1)"
if [ -z "$RELAY_DEB" ] || [ -z "$EDGE_DEB" ]; then
    echo "error: no resto-relay/resto-edge amd64 .deb in $DIST: run scripts/build-release.sh $TARGET first" >&2
    exit 1
fi

need() { # need COMMAND DEBIAN_PACKAGE
    command -v "$1" >/dev/null && return 0
    echo "missing $1: apt-get install $2" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null; } \
        || { echo "error: could not install $2 (needed for $1)" >&2; exit 1; }
}
need debootstrap debootstrap
need dpkg-deb dpkg

# ------------------------------------------------------------------ 1. contents
step "1. package contents"
for pair in "resto-relay:$RELAY_DEB:etc/resto-relay/relay.toml" "resto-edge:$EDGE_DEB:etc/resto-edge/edge.env"; do
    IFS=: read -r pkg deb conf <<<"$pair"
    echo "  $(basename "$deb"): $(dpkg-deb -f "$deb" Package Version Architecture Depends | tr '\n' ' ')"
    list="$(dpkg-deb -c "$deb")"
    for f in "usr/bin/$pkg" "usr/lib/systemd/system/$pkg.service" "$conf"; do
        if grep -q " \./$f\$" <<<"$list"; then ok "$pkg contains /$f"; else bad "$pkg does not contain /$f"; fi
    done
    ctrl="$(dpkg-deb -I "$deb")"
    for s in postinst prerm postrm conffiles; do
        if grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\*? +$s" <<<"$ctrl"; then ok "$pkg has $s"; else bad "$pkg has no $s"; fi
    done
done

# ------------------------------------------------------------------ test root
step "test root (Debian $SUITE)"
if [ ! -x "$BASE/usr/bin/dpkg" ] || [ ! -x "$BASE/lib/systemd/systemd" ] || [ ! -x "$BASE/usr/bin/curl" ]; then
    echo "  building the cached base $BASE (debootstrap --variant=minbase $SUITE + systemd, dbus, curl)"
    rm -rf "$BASE.tmp"
    debootstrap --variant=minbase "$SUITE" "$BASE.tmp" "$MIRROR" >/tmp/resto-debootstrap.log 2>&1 \
        || { echo "error: debootstrap $SUITE from $MIRROR failed (network?); log: /tmp/resto-debootstrap.log" >&2; exit 1; }
    cp /etc/resolv.conf "$BASE.tmp/etc/resolv.conf"
    chroot "$BASE.tmp" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus curl ca-certificates && apt-get clean' \
        >>/tmp/resto-debootstrap.log 2>&1 \
        || { echo "error: installing systemd/curl in the test root failed; log: /tmp/resto-debootstrap.log" >&2; exit 1; }
    mv "$BASE.tmp" "$BASE"
fi
R="$(mktemp -d /var/tmp/resto-debtest.XXXXXX)"
NSPAWN_PID=""
cleanup() {
    if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
        [ -n "${INIT_PID:-}" ] && nsenter -t "$INIT_PID" -a systemctl poweroff >/dev/null 2>&1
        for _ in $(seq 20); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.5; done
        kill "$NSPAWN_PID" 2>/dev/null
        wait "$NSPAWN_PID" 2>/dev/null
    fi
    rm -rf "$R"
}
trap cleanup EXIT
cp -a "$BASE/." "$R/"
mkdir -p "$R/tmp/debs"; cp "$RELAY_DEB" "$EDGE_DEB" "$R/tmp/debs/"
echo "  throwaway root: $R"
in_root() { chroot "$R" "$@"; }

# ------------------------------------------------------------------ 2. dpkg -i (chroot)
step "2. dpkg -i in a chroot (no systemd running there: postinst enables, does not start)"
if in_root dpkg -i /tmp/debs/"$(basename "$RELAY_DEB")" /tmp/debs/"$(basename "$EDGE_DEB")"; then ok "dpkg -i both packages"; else bad "dpkg -i"; fi
for pkg in resto-relay resto-edge; do
    echo "  dpkg -L $pkg:"; in_root dpkg -L "$pkg" | sed 's/^/    /'
    conff="$(in_root dpkg-query -W -f='${Conffiles}' "$pkg")"
    echo "  dpkg-query Conffiles $pkg:$conff"
    check "$pkg: /usr/bin/$pkg is executable" test -x "$R/usr/bin/$pkg"
    ver="$(in_root "/usr/bin/$pkg" --version 2>&1)"; [ -n "$ver" ] && ok "$pkg --version in the test root: $ver" || bad "$pkg --version"
    check "$pkg: installed unit is systemd/$pkg.service" cmp "$R/usr/lib/systemd/system/$pkg.service" "$ROOT/systemd/$pkg.service"
    check "$pkg: unit enabled (multi-user.target.wants)" test -L "$R/etc/systemd/system/multi-user.target.wants/$pkg.service"
done
c="$(in_root dpkg-query -W -f='${Conffiles}' resto-relay)"; grep -q '/etc/resto-relay/relay.toml' <<<"$c" && ok "relay.toml is a conffile" || bad "relay.toml is not a conffile"
c="$(in_root dpkg-query -W -f='${Conffiles}' resto-edge)";  grep -q '/etc/resto-edge/edge.env' <<<"$c" && ok "edge.env is a conffile" || bad "edge.env is not a conffile"
m="$(stat -c %a "$R/etc/resto-edge/edge.env")"; [ "$m" = 600 ] && ok "edge.env mode 0600" || bad "edge.env mode is $m, not 0600"
m="$(stat -c %a "$R/etc/resto-relay/relay.toml")"; [ "$m" = 644 ] && ok "relay.toml mode 0644 (no secrets: they go in relay.env)" || bad "relay.toml mode $m"
if command -v systemd-analyze >/dev/null; then
    for pkg in resto-relay resto-edge; do
        e="$(systemd-analyze security --offline=yes --root="$R" "$pkg.service" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')"
        [ -n "$e" ] && awk -v e="$e" 'BEGIN{exit !(e<=2.0)}' && ok "$pkg installed unit exposure $e (<= 2.0)" || bad "$pkg installed unit exposure '${e:-?}'"
    done
fi

# ------------------------------------------------------------------ 3. conffile kept on reinstall
step "3. a local edit of a conffile survives reinstalling"
echo '# local edit by test-deb-install' >> "$R/etc/resto-relay/relay.toml"
echo '#EDGE_LOG=debug  # local edit by test-deb-install' >> "$R/etc/resto-edge/edge.env"
if in_root dpkg -i --force-confold /tmp/debs/"$(basename "$RELAY_DEB")" /tmp/debs/"$(basename "$EDGE_DEB")" >/dev/null; then ok "reinstall"; else bad "reinstall"; fi
check "relay.toml local edit kept" grep -q 'local edit by test-deb-install' "$R/etc/resto-relay/relay.toml"
check "edge.env local edit kept" grep -q 'local edit by test-deb-install' "$R/etc/resto-edge/edge.env"

# ------------------------------------------------------------------ 4. under systemd
step "4. services under systemd"
pid1="$(ps -p 1 -o comm= 2>/dev/null)"
if [ "$pid1" = systemd ]; then echo "  PID 1 on this machine is systemd"; else echo "  PID 1 on this machine is '$pid1', not systemd: systemctl does not work here; trying to boot the test root with systemd-nspawn"; fi
booted=0
if [ "$BOOT" = no ]; then
    skip "services under systemd (BOOT=no)"
else
    need systemd-nspawn systemd-container
    # Secrets for the relay go in the root-only environment file, as on a real server.
    printf 'META_APP_SECRET=0123456789abcdef0123456789abcdef\nMETA_VERIFY_TOKEN=debtest-verify\n' > "$R/etc/resto-relay/relay.env"
    chmod 600 "$R/etc/resto-relay/relay.env"
    systemd-nspawn --quiet --register=no --keep-unit --console=passive -D "$R" -b >/tmp/resto-debtest-nspawn.log 2>&1 &
    NSPAWN_PID=$!
    INIT_PID=""
    for _ in $(seq 60); do
        INIT_PID="$(pgrep -P "$NSPAWN_PID" 2>/dev/null | head -1)"
        # basic.target, not is-system-running: the packaged units are enabled, and a
        # Type=notify service that never sends READY=1 keeps the system "starting".
        if [ -n "$INIT_PID" ] && nsenter -t "$INIT_PID" -a systemctl is-active --quiet basic.target 2>/dev/null; then booted=1; break; fi
        kill -0 "$NSPAWN_PID" 2>/dev/null || break
        sleep 0.5
    done
    if [ $booted = 0 ]; then
        echo "  systemd-nspawn could not boot the test root (log: /tmp/resto-debtest-nspawn.log):"
        sed 's/^/    /' /tmp/resto-debtest-nspawn.log | tail -5
        skip "relay started by systemd, /healthz, READY=1 (no systemd can run here)"
        skip "edge started by systemd, /healthz, READY=1 (no systemd can run here)"
    fi
fi

if [ $booted = 1 ]; then
    ns() { nsenter -t "$INIT_PID" -a "$@"; }
    echo "  booted: systemd $(ns systemctl --version | awk 'NR==1{print $2}') in the test root (PID $INIT_PID)"
    # wait_service UNIT URL: poll until the unit is active and URL answers 200.
    wait_service() {
        local unit="$1" url="$2" state code i
        for i in $(seq "$READY_WAIT"); do
            state="$(ns systemctl show -p ActiveState --value "$unit")"
            code="$(ns curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null)"
            [ "$state" = active ] && [ "$code" = 200 ] && break
            [ "$state" = failed ] && break
            sleep 1
        done
        echo "  $unit: ActiveState=$state SubState=$(ns systemctl show -p SubState --value "$unit") after ${i}s; GET $url -> ${code:-no answer}"
        ns journalctl -u "$unit" --no-pager -n 8 -o cat 2>/dev/null | sed 's/^/    | /'
        [ "$code" = 200 ] && ok "$unit answers $url" || bad "$unit does not answer 200 on $url (got ${code:-nothing})"
        if [ "$state" = active ]; then ok "$unit active (READY=1 received)"
        elif [ "$state" = activating ] && [ -n "$code" ] && [ "$code" != 000 ]; then bad "$unit serves but is still 'activating': the program never sent READY=1 (Type=notify; sd_notify missing?)"
        else bad "$unit is $state"; fi
    }
    # Enabled by the package, so systemd started both at boot; restart the relay so that
    # it reads relay.env written above.
    ns systemctl restart --no-block resto-relay
    wait_service resto-relay.service http://127.0.0.1:8080/healthz
    ns systemctl show -p User -p DynamicUser -p WatchdogUSec resto-relay | sed 's/^/    /'
    # Enroll a node the way docs/technician.md says (as the service's own identity).
    node_json="$(ns systemd-run --quiet --wait --pipe -p DynamicUser=yes -p User=resto-relay -p StateDirectory=resto-relay \
        -p StateDirectoryMode=0700 -p EnvironmentFile=-/etc/resto-relay/relay.env -E RELAY_DATA_DIR=/var/lib/resto-relay \
        /usr/bin/resto-relay --config /etc/resto-relay/relay.toml node add debtest-edge --json 2>&1)"
    node_id="$(sed -n 's/.*"node_id":"\([^"]*\)".*/\1/p' <<<"$node_json")"
    node_secret="$(sed -n 's/.*"node_secret":"\([^"]*\)".*/\1/p' <<<"$node_json")"
    if [ -n "$node_id" ] && [ -n "$node_secret" ]; then ok "resto-relay node add (as the service user): $node_id"; else bad "resto-relay node add: $node_json"; fi
    printf 'RELAY_URL=http://127.0.0.1:8080\nNODE_ID=%s\nNODE_SECRET=%s\nEDGE_CONSOLE_LISTEN=127.0.0.1:8090\n' "$node_id" "$node_secret" >> "$R/etc/resto-edge/edge.env"
    # Unconfigured, the edge exited at boot and Restart= retried until the start limit:
    # clear that, as a technician does after enrolling.
    ns systemctl reset-failed resto-edge
    ns systemctl restart --no-block resto-edge
    wait_service resto-edge.service http://127.0.0.1:8090/healthz
    code="$(ns curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:8090/status)"
    [ "$code" = 200 ] && ok "resto-edge answers /status" || bad "resto-edge /status -> ${code:-nothing}"
    ns ls -la /var/lib/private/resto-relay /var/lib/private/resto-edge 2>&1 | sed 's/^/    /'
    # Stop them before the package removal below (as prerm would on a running system).
    ns systemctl stop resto-relay resto-edge
fi

# ------------------------------------------------------------------ 5. remove / purge
step "5. dpkg -r keeps conffiles, dpkg -P removes them"
if [ -n "$NSPAWN_PID" ] && [ $booted = 1 ]; then rm_cmd() { nsenter -t "$INIT_PID" -a "$@"; }; else rm_cmd() { in_root "$@"; }; fi
rm_cmd dpkg -r resto-relay resto-edge >/dev/null 2>&1 && ok "dpkg -r" || bad "dpkg -r"
check "binary removed" test ! -e "$R/usr/bin/resto-relay"
check "unit removed" test ! -e "$R/usr/lib/systemd/system/resto-relay.service"
check "relay.toml kept after dpkg -r" test -f "$R/etc/resto-relay/relay.toml"
check "edge.env kept after dpkg -r" test -f "$R/etc/resto-edge/edge.env"
rm_cmd dpkg -P resto-relay resto-edge >/dev/null 2>&1 && ok "dpkg -P" || bad "dpkg -P"
check "relay.toml removed by purge" test ! -e "$R/etc/resto-relay/relay.toml"
check "edge.env removed by purge" test ! -e "$R/etc/resto-edge/edge.env"
check "enable symlink removed by purge" test ! -e "$R/etc/systemd/system/multi-user.target.wants/resto-relay.service"

echo
echo "test-deb-install ($TARGET): $pass passed, $fail failed, ${#skipped[@]} skipped"
[ ${#skipped[@]} -gt 0 ] && printf '  skipped: %s\n' "${skipped[@]}"
[ $fail -gt 0 ] && { printf '  failed: %s\n' "${failed[@]}"; exit 1; }
exit 0
