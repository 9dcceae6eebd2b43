//! TLS to PostgreSQL through rustls: `sslmode=require` with the deployment's own CA
//! (`sslrootcert`) connects encrypted; a server whose certificate no trusted CA signed is
//! refused; `sslmode=disable` stays in clear.

use super::PgCluster;
use resto_relay::store::pg::PgStore;

async fn tls_cluster() -> PgCluster {
    tokio::task::spawn_blocking(PgCluster::start_with_tls)
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Whether this store's own connection is encrypted, as the server sees it.
async fn encrypted(store: &PgStore) -> bool {
    let c = store.pool().get().await.unwrap();
    c.query_one(
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        &[],
    )
    .await
    .unwrap()
    .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_with_the_deployments_ca_is_encrypted_and_an_unknown_ca_is_refused() {
    let cluster = tls_cluster().await;
    let ca = cluster.ca_cert_path();
    let base = cluster.url();

    for mode in ["require", "verify-full"] {
        let url = format!("{base}?sslmode={mode}&sslrootcert={}", ca.display());
        let store = PgStore::open(&url)
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(encrypted(&store).await, "sslmode={mode} must use TLS");
        // The whole ingest path runs over it, LISTEN included.
        store.health().await.unwrap();
    }

    // The Mozilla roots do not know the throwaway CA: refused, not silently unverified.
    let err = PgStore::open(&format!("{base}?sslmode=require"))
        .await
        .err()
        .expect("a certificate from an unknown CA must be refused");
    let msg = err.to_string();
    println!("unknown CA refused: {msg}");
    assert!(
        msg.to_lowercase().contains("certificate") || msg.contains("UnknownIssuer"),
        "{msg}"
    );

    let clear = PgStore::open(&format!("{base}?sslmode=disable"))
        .await
        .unwrap();
    assert!(!encrypted(&clear).await);
}
