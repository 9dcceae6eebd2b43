//! `config.example.toml` and `RelayConfig` must not drift apart.

use super::*;

/// The example file documents every option with its default; if a field is added or a
/// default changes without the example following, this fails.
#[test]
fn config_example_lists_every_option_with_its_default() {
    let text = include_str!("../../config.example.toml");
    let parsed: RelayConfig = toml::from_str(text).expect("example parses");
    let default = RelayConfig::default();
    assert_eq!(format!("{parsed:?}"), format!("{default:?}"));
    let table: toml::Table = toml::from_str(text).unwrap();
    let meta = table["meta"].as_table().unwrap();
    for key in [
        "profile",
        "listen",
        "data_dir",
        "max_body_bytes",
        "allow_query_token",
        "log",
        "log_format",
    ] {
        assert!(
            table.contains_key(key),
            "{key} missing from config.example.toml"
        );
    }
    let payments = table["payments"].as_table().unwrap();
    for key in [
        "secret_key",
        "api_url",
        "public_url",
        "reconcile_cron",
        "reconcile_after_secs",
        "expire_secs",
        "give_up_secs",
        "timeout_ms",
    ] {
        assert!(
            payments.contains_key(key),
            "payments.{key} missing from config.example.toml"
        );
    }
    let retention = table["retention"].as_table().unwrap();
    for key in ["acked_hours", "unacked_days", "interval_secs"] {
        assert!(
            retention.contains_key(key),
            "retention.{key} missing from config.example.toml"
        );
    }
    let send = table["send"].as_table().unwrap();
    for key in [
        "max_attempts",
        "retry_base_ms",
        "retry_max_ms",
        "timeout_ms",
        "lease_secs",
        "concurrency",
        "account_concurrency",
        "account_rate",
    ] {
        assert!(
            send.contains_key(key),
            "send.{key} missing from config.example.toml"
        );
    }
    let away = table["away"].as_table().unwrap();
    for key in ["enabled", "after_secs", "text_fr", "text_ar"] {
        assert!(
            away.contains_key(key),
            "away.{key} missing from config.example.toml"
        );
    }
    let receipts = table["read_receipts"].as_table().unwrap();
    for key in ["enabled", "timeout_ms"] {
        assert!(
            receipts.contains_key(key),
            "read_receipts.{key} missing from config.example.toml"
        );
    }
    for key in [
        "app_secret",
        "instagram_app_secret",
        "verify_token",
        "signature_required",
        "graph_url",
    ] {
        assert!(
            meta.contains_key(key),
            "meta.{key} missing from config.example.toml"
        );
    }
}
