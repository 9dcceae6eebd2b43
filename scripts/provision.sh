#!/usr/bin/env bash
# Provision a restaurant device, from "package installed" to "running, enrolled, synced".
# Two steps, one on each machine (docs/technician.md §4):
#
#   on the relay server:
#     scripts/provision.sh node "Pizzeria Bab Ezzouar" --out pizzeria.node \
#         [--route wa:PHONE_NUMBER_ID[:ACCESS_TOKEN_FILE]]...
#   → creates the node, routes its accounts, writes {node_id, node_secret} to the --out file
#     (mode 0600). The secret is never printed: move the file to the device like a password.
#
#   on the device (resto-edge package installed):
#     scripts/provision.sh device --relay https://relay.example.com --node-file pizzeria.node [--keep-node-file]
#   → enrolls as the service's own user (edge.toml, 0600), restarts resto-edge, waits for
#     READY and a successful sync, runs preflight, then deletes the node file (shred).
#
# Without systemd (development, tests): add --direct to `node` (runs resto-relay with the
# current environment, RELAY_DATA_DIR etc.) and --data-dir DIR to `device` (enrolls into DIR,
# starts nothing: run `resto-edge run` yourself).
# Programs: $RESTO_RELAY (default /usr/bin/resto-relay), $RESTO_EDGE (default /usr/bin/resto-edge).
set -euo pipefail
umask 077

RESTO_RELAY="${RESTO_RELAY:-/usr/bin/resto-relay}"
RESTO_EDGE="${RESTO_EDGE:-/usr/bin/resto-edge}"
die() { echo "provision: $*" >&2; exit 1; }
usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

relay_cmd() {
    if [ "${DIRECT:-0}" = 1 ]; then
        "$RESTO_RELAY" "$@"
    else
        systemd-run --quiet --wait --pipe -p DynamicUser=yes -p User=resto-relay \
            -p StateDirectory=resto-relay -p StateDirectoryMode=0700 \
            -p EnvironmentFile=-/etc/resto-relay/relay.env -E RELAY_DATA_DIR=/var/lib/resto-relay \
            "$RESTO_RELAY" --config /etc/resto-relay/relay.toml "$@"
    fi
}

# Reads a JSON string field without jq (not installed on small devices).
json_field() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" <<<"$2"; }

cmd_node() {
    local name="" out="" routes=()
    DIRECT=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --out) out="$2"; shift 2 ;;
            --route) routes+=("$2"); shift 2 ;;
            --direct) DIRECT=1; shift ;;
            -h|--help) usage ;;
            -*) die "unknown option $1" ;;
            *) name="$1"; shift ;;
        esac
    done
    [ -n "$name" ] || die "give the restaurant's name: provision.sh node NAME --out FILE"
    [ -n "$out" ] || die "--out FILE is required (the node secret goes there, never to the screen)"
    [ -e "$out" ] && die "$out exists; pick another name or remove it"
    [ "$DIRECT" = 1 ] || [ "$(id -u)" = 0 ] || die "run as root (sudo): the relay's data belongs to its service user"
    local json
    json="$(relay_cmd node add "$name" --json)" || die "resto-relay node add failed (is the name already used? \`resto-relay node list\`)"
    local node_id secret
    node_id="$(json_field node_id "$json")"
    secret="$(json_field node_secret "$json")"
    [ -n "$node_id" ] && [ -n "$secret" ] || die "unexpected answer from resto-relay node add"
    ( umask 077; printf '{"node_id":"%s","node_secret":"%s"}\n' "$node_id" "$secret" > "$out" )
    chmod 600 "$out"
    unset secret json
    echo "node added: $node_id ($name); credentials written to $out (mode 0600)"
    local r provider account token
    for r in "${routes[@]}"; do
        IFS=: read -r provider account token <<<"$r"
        [ -n "$provider" ] && [ -n "$account" ] || die "--route wants PROVIDER:ACCOUNT[:TOKEN_FILE], got $r"
        if [ -n "${token:-}" ]; then
            relay_cmd route add --provider "$provider" --account "$account" --node "$node_id" --access-token-file "$token"
        else
            relay_cmd route add --provider "$provider" --account "$account" --node "$node_id"
        fi
    done
    echo "next: copy $out to the device (not by chat or e-mail) and run there:"
    echo "  sudo scripts/provision.sh device --relay RELAY_URL --node-file $(basename "$out")"
}

cmd_device() {
    local relay="" node_file="" data_dir="" keep=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --relay) relay="$2"; shift 2 ;;
            --node-file) node_file="$2"; shift 2 ;;
            --data-dir) data_dir="$2"; shift 2 ;;
            --keep-node-file) keep=1; shift ;;
            -h|--help) usage ;;
            *) die "unknown option $1" ;;
        esac
    done
    [ -n "$relay" ] || die "--relay URL is required (https://… of the relay)"
    [ -r "$node_file" ] || die "--node-file: cannot read ${node_file:-(none)} (written by \`provision.sh node\` on the relay)"
    local json node_id secret
    json="$(cat "$node_file")"
    node_id="$(json_field node_id "$json")"
    secret="$(json_field node_secret "$json")"
    [ -n "$node_id" ] && [ -n "$secret" ] || die "$node_file does not hold node_id and node_secret"
    # The secret goes to a private file, never on a command line (visible in ps) or a log.
    SECRET_TMP="$(mktemp "${TMPDIR:-/tmp}/resto-node-secret.XXXXXX")"
    trap 'shred -u "$SECRET_TMP" 2>/dev/null || rm -f "$SECRET_TMP"' EXIT
    local tmp="$SECRET_TMP"
    printf '%s' "$secret" > "$tmp"
    unset secret json
    if [ -n "$data_dir" ]; then
        EDGE_DATA_DIR="$data_dir" "$RESTO_EDGE" enroll --relay "$relay" --node-id "$node_id" --secret-file "$tmp"
        EDGE_DATA_DIR="$data_dir" "$RESTO_EDGE" preflight || die "preflight found problems (listed above)"
        echo "enrolled into $data_dir; start it with: EDGE_DATA_DIR=$data_dir $RESTO_EDGE run"
    else
        [ "$(id -u)" = 0 ] || die "run as root (sudo)"
        command -v systemctl >/dev/null || die "systemctl not found; use --data-dir DIR without systemd"
        systemd-run --quiet --wait --pipe -p DynamicUser=yes -p User=resto-edge \
            -p StateDirectory=resto-edge -p StateDirectoryMode=0700 -p LoadCredential=secret:"$tmp" \
            -E EDGE_DATA_DIR=/var/lib/resto-edge \
            /bin/sh -c "exec $RESTO_EDGE enroll --relay '$relay' --node-id '$node_id' --secret-file \"\$CREDENTIALS_DIRECTORY/secret\""
        systemctl reset-failed resto-edge 2>/dev/null || true
        systemctl restart resto-edge   # returns once READY=1 arrived (Type=notify)
        local edge_as=(systemd-run --quiet --wait --pipe -p DynamicUser=yes -p User=resto-edge
            -p StateDirectory=resto-edge -p StateDirectoryMode=0700
            -p EnvironmentFile=-/etc/resto-edge/edge.env -E EDGE_DATA_DIR=/var/lib/resto-edge "$RESTO_EDGE")
        "${edge_as[@]}" preflight || die "preflight found problems (listed above); fix them and run: systemctl restart resto-edge"
        local i status=""
        for i in $(seq 60); do
            status="$("${edge_as[@]}" status 2>/dev/null || true)"
            grep -q '"state":"connected"' <<<"$status" && break
            sleep 1
        done
        grep -q '"state":"connected"' <<<"$status" \
            || die "resto-edge runs but has not synced after 60 s: $status (see journalctl -u resto-edge)"
        echo "resto-edge is running, enrolled as $node_id and synced with $relay"
    fi
    if [ "$keep" = 0 ]; then
        shred -u "$node_file" 2>/dev/null || rm -f "$node_file"
        echo "deleted $node_file"
    fi
}

case "${1:-}" in
    node) shift; cmd_node "$@" ;;
    device) shift; cmd_device "$@" ;;
    *) usage ;;
esac
