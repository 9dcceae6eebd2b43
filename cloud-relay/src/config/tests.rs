//! Loading and validation, through `RelayConfig::load` as `main` calls it.

use super::*;

#[test]
fn defaults_enforce_signatures_and_listen_on_loopback() {
    let cfg = RelayConfig::load(None, &[("X", "y")]).unwrap();
    assert_eq!(cfg.meta.signature_required, SignatureMode::Enforce);
    assert_eq!(cfg.listen, "127.0.0.1:8080");
    assert!(!cfg.allow_query_token);
}

#[test]
fn enforce_without_secret_names_the_variable_to_set() {
    let cfg = RelayConfig::load(None, &[("X", "y")]).unwrap();
    let err = cfg.validate().unwrap_err().to_string();
    assert!(err.contains("META_APP_SECRET"), "{err}");
}

#[test]
fn every_bad_env_value_is_reported_at_once() {
    let env = [
        ("META_SIGNATURE_REQUIRED", "maybe"),
        ("ALLOW_QUERY_TOKEN", "perhaps"),
        ("RELAY_MAX_BODY_BYTES", "big"),
    ];
    let err = RelayConfig::load(None, &env).unwrap_err().to_string();
    assert!(err.contains("META_SIGNATURE_REQUIRED"), "{err}");
    assert!(err.contains("ALLOW_QUERY_TOKEN"), "{err}");
    assert!(err.contains("RELAY_MAX_BODY_BYTES"), "{err}");
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let env = [
        ("META_APP_SECRET", "s3cr3t-app"),
        ("META_VERIFY_TOKEN", "s3cr3t-verify"),
    ];
    let cfg = RelayConfig::load(None, &env).unwrap();
    let dbg = format!("{cfg:?}");
    assert!(!dbg.contains("s3cr3t"), "{dbg}");
    assert!(dbg.contains("redacted"));
}

#[test]
fn env_overrides_the_file() {
    let dir = std::env::temp_dir().join(format!("relay-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("relay.toml");
    std::fs::write(
        &file,
        "listen = \"0.0.0.0:9000\"\n[meta]\nsignature_required = \"warn\"\n",
    )
    .unwrap();
    let cfg = RelayConfig::load(Some(&file), &[("RELAY_LISTEN", "127.0.0.1:9001")]).unwrap();
    assert_eq!(cfg.listen, "127.0.0.1:9001");
    assert_eq!(cfg.meta.signature_required, SignatureMode::Warn);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn unknown_keys_in_the_file_are_an_error_not_silently_ignored() {
    let dir = std::env::temp_dir().join(format!("relay-cfg-unk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("relay.toml");
    std::fs::write(&file, "lisen = \"0.0.0.0:9000\"\n").unwrap();
    let err = RelayConfig::load(Some(&file), &[("X", "y")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("lisen"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}
