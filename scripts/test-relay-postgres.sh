#!/usr/bin/env bash
# The relay's end-to-end suite again, with every relay on a throwaway PostgreSQL cluster
# instead of SQLite (RESTO_E2E_RELAY_DB=postgres, tests/src/lib.rs `Relay::start`). Needs
# Debian's postgresql server programs (initdb, pg_ctl, psql); no service is started.
#
#   scripts/test-relay-postgres.sh            # the whole relay suite
#   scripts/test-relay-postgres.sh payments   # one part of it
#
# Left out on purpose: backup_restore and relay_cli (they copy and inspect relay.db, which a
# PostgreSQL relay does not have), the demo (SQLite by design), and the edge/console tests
# that do not involve the relay's storage. relay_pair and relay_postgres always run on
# PostgreSQL, in `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
suite=(webhook_fixtures webhook_bad_input webhook_durability meta_conformance relay_send
  reply_order read_receipts sync_events sync_outbox sync_client away payments media trust
  faults)
[ $# -gt 0 ] && suite=("$@")
RESTO_E2E_RELAY_DB=postgres cargo test -p resto-e2e --test e2e -- "${suite[@]}"
