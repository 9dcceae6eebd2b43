//! `resto_sync::client::SyncClient` against the real relay: the edge's view of both
//! endpoints, and how failures are classified.

use resto_e2e::{fixture, free_port, Relay};
use resto_sync::client::SyncClient;
use resto_sync::outbound::OutboxItem;
use std::time::Duration;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_client_polls_events_and_posts_the_outbox_with_signed_requests() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route("wa", "109876543210987", &node);
    relay.post_signed(&fixture("wa_text.json"));
    let client = SyncClient::new(&relay.url(""), &node, &secret, Duration::from_secs(5)).unwrap();
    rt().block_on(async {
        let page = client.poll_events(0, 100, 0).await.unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.next_after, 1);
        assert_eq!(page.events[0].payload["user_name"], "Yacine");
        let item = OutboxItem {
            id: "01JDXC0000000000000000000A".into(),
            kind: "send_message".into(),
            created_at: "2026-11-23T10:00:00.000Z".into(),
            payload: serde_json::json!({"provider": "wa", "account_id": "109876543210987", "to": "213555010101",
                "message": {"type": "text", "text": "Bien reçu, merci !"}}),
        };
        let r = client.post_outbox(std::slice::from_ref(&item)).await.unwrap();
        assert_eq!(r.accepted, vec![item.id.clone()]);
        let again = client.post_outbox(std::slice::from_ref(&item)).await.unwrap();
        assert_eq!(again.duplicates, vec![item.id]);
    });
}

#[test]
fn a_wrong_secret_is_permanent_and_an_unreachable_relay_is_retryable() {
    let relay = Relay::start(&[]);
    let (node, _) = relay.enroll_node("pizzeria");
    rt().block_on(async {
        let wrong =
            SyncClient::new(&relay.url(""), &node, "wrong", Duration::from_secs(5)).unwrap();
        let err = wrong.poll_events(0, 10, 0).await.unwrap_err();
        assert!(!err.is_retryable(), "{err}");
        assert!(err.to_string().contains("401"), "{err}");
        let down = SyncClient::new(
            &format!("http://127.0.0.1:{}", free_port()),
            &node,
            "s",
            Duration::from_secs(2),
        )
        .unwrap();
        assert!(down.poll_events(0, 10, 0).await.unwrap_err().is_retryable());
    });
}
