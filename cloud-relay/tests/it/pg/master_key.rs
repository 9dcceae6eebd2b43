//! Every relay of a deployment shares master.key: the database records the first relay's
//! key fingerprint and a relay with another key is refused.

use super::{cluster, relay};
use resto_relay::nodes::MasterKey;
use resto_relay::store::pg::MasterKeyCheck;
use resto_relay::store::StoreError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_key_is_recorded_and_another_key_is_refused() {
    let cluster = cluster().await;
    let dir = cluster.dir().join("keys");
    let first = MasterKey::load_or_create(&dir.join("a.key")).unwrap();
    let other = MasterKey::load_or_create(&dir.join("b.key")).unwrap();
    let a = relay(&cluster).await;
    let b = relay(&cluster).await;
    assert_eq!(
        a.check_master_key(&first.fingerprint()).await.unwrap(),
        MasterKeyCheck::Recorded
    );
    assert_eq!(
        b.check_master_key(&first.fingerprint()).await.unwrap(),
        MasterKeyCheck::Matches
    );
    let err = b.check_master_key(&other.fingerprint()).await.unwrap_err();
    assert!(matches!(err, StoreError::MasterKeyMismatch { .. }));
    let msg = err.to_string();
    assert!(msg.contains("same master.key"), "{msg}");
    assert!(msg.contains(&first.fingerprint()[..12]), "{msg}");
    assert!(
        !msg.contains(&first.fingerprint()[..20]),
        "shows only a prefix: {msg}"
    );
    // The refused key changed nothing.
    assert_eq!(
        a.check_master_key(&first.fingerprint()).await.unwrap(),
        MasterKeyCheck::Matches
    );
}
