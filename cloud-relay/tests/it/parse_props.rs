//! Property tests: whatever bytes or JSON arrive, the parser never panics, and whatever it
//! returns as a message is complete enough to route, dedupe and show.

use proptest::prelude::*;
use resto_relay::meta::parse::parse_meta_webhook;
use serde_json::{json, Value};

/// When these tests' bodies were "received" (used only for unreadable timestamps).
const RECEIVED: &str = "2026-12-05T10:00:00Z";

fn fixtures() -> Vec<Value> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/meta");
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("shared fixtures") {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".json") && !name.starts_with("signature") {
            out.push(serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap());
        }
    }
    assert!(out.len() >= 20);
    out
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z0-9_.:/ ]{0,12}".prop_map(Value::String),
        Just(json!("1795199400")),
        Just(json!(1795199400123u64)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_string()),
                    Just("mid".to_string()),
                    Just("from".to_string()),
                    Just("type".to_string()),
                    Just("text".to_string()),
                    Just("timestamp".to_string()),
                    Just("messages".to_string()),
                    Just("messaging".to_string()),
                    Just("changes".to_string()),
                    Just("value".to_string()),
                    Just("message".to_string()),
                    Just("sender".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the node reached by walking `path` through `v` with `new`.
fn mutate(v: &mut Value, path: &[usize], new: Value) {
    let Some((step, rest)) = path.split_first() else {
        *v = new;
        return;
    };
    match v {
        Value::Array(a) if !a.is_empty() => {
            let i = step % a.len();
            mutate(&mut a[i], rest, new)
        }
        Value::Object(o) if !o.is_empty() => {
            let k = o.keys().nth(step % o.len()).cloned().unwrap_or_default();
            if let Some(child) = o.get_mut(&k) {
                mutate(child, rest, new)
            }
        }
        _ => *v = new,
    }
}

fn check_messages(body: &[u8]) {
    if let Ok(p) = parse_meta_webhook(body, RECEIVED) {
        for m in &p.messages {
            assert!(
                !m.msg_id.is_empty() && !m.user_id.is_empty() && !m.account_id.is_empty(),
                "{m:?}"
            );
            assert!(
                chrono::DateTime::parse_from_rfc3339(&m.timestamp).is_ok(),
                "{m:?}"
            );
        }
        for s in &p.statuses {
            assert!(!s.msg_id.is_empty() && !s.status.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_meta_webhook(&bytes, RECEIVED);
    }

    #[test]
    fn arbitrary_json_in_each_envelope_never_panics(
        object in prop_oneof![Just("whatsapp_business_account"), Just("instagram"), Just("page")],
        entries in prop::collection::vec(any_json(), 0..4),
    ) {
        let body = json!({"object": object, "entry": entries}).to_string();
        check_messages(body.as_bytes());
    }

    #[test]
    fn mutated_fixtures_never_panic_and_yield_complete_messages(
        which in any::<usize>(),
        path in prop::collection::vec(any::<usize>(), 0..10),
        new in any_json(),
    ) {
        let all = fixtures();
        let mut v = all[which % all.len()].clone();
        mutate(&mut v, &path, new);
        check_messages(v.to_string().as_bytes());
    }
}
