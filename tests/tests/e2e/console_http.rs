//! The staff console's HTTP rules, against the real `resto-edge run`: CSRF on changes, owner
//! scopes enforced by the server, lockout after wrong passwords, illegal order moves refused
//! with nothing changed.

use resto_e2e::console::{add_staff, edge_with_staff, import_menu, ConsoleClient};
use resto_e2e::{fixture, wait_until, Edge, Relay};
use serde_json::json;

fn counter_order(c: &ConsoleClient) -> i64 {
    let r = c.post(
        "/api/orders",
        json!({"source": "counter", "customer_name": "Samir", "lines": [{"sku": "PZ-MARG", "qty": 2}], "fulfilment": "pickup"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_i64().expect("order id")
}

#[test]
fn a_change_without_the_csrf_token_is_refused_and_recorded() {
    let (_relay, edge) = edge_with_staff();
    let mut c = ConsoleClient::new(&edge);
    assert_eq!(c.login("amina", "4821").status, 200);
    let r = c.post_without_csrf(
        "/api/menu/items/PZ-MARG/availability",
        json!({"available": false}),
    );
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(
        edge.count("SELECT available FROM menu_items WHERE sku = 'PZ-MARG'"),
        1
    );
    assert_eq!(
        edge.count("SELECT count(*) FROM security_events WHERE kind = 'csrf_refused'"),
        1
    );
    // The same request with the token goes through.
    let r = c.post(
        "/api/menu/items/PZ-MARG/availability",
        json!({"available": false}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        edge.count("SELECT available FROM menu_items WHERE sku = 'PZ-MARG'"),
        0
    );
}

#[test]
fn the_session_cookie_is_http_only_and_same_site_strict_and_required() {
    let (_relay, edge) = edge_with_staff();
    let mut c = ConsoleClient::new(&edge);
    assert_eq!(c.get("/api/board").status, 401);
    let r = c.login("amina", "4821");
    let cookie = r.set_cookie.expect("cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_eq!(c.get("/api/board").status, 200);
    assert_eq!(edge.count("SELECT count(*) FROM staff_sessions"), 1);
    assert_eq!(c.get("/healthz").status, 200);
    assert_eq!(c.get("/status").status, 200);
}

#[test]
fn staff_calling_an_owner_endpoint_gets_403_and_nothing_changes() {
    let (_relay, edge) = edge_with_staff();
    let mut staff = ConsoleClient::new(&edge);
    assert_eq!(staff.login("amina", "4821").status, 200);
    let r = staff.post("/api/menu/items/PZ-MARG", json!({"price": 1}));
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(
        edge.count("SELECT price FROM menu_items WHERE sku = 'PZ-MARG'"),
        700
    );
    let r = staff.post("/api/menu/items", json!({"category_id": "pizzas", "sku": "PZ-NEW", "name_fr": "Nouvelle", "name_ar": "جديدة", "price": 800}));
    assert_eq!(r.status, 403, "{:?}", r.body);

    let mut owner = ConsoleClient::new(&edge);
    assert_eq!(owner.login("karim", "owner-secret-1").status, 200);
    let r = owner.post("/api/menu/items/PZ-MARG", json!({"price": 750}));
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        edge.count("SELECT price FROM menu_items WHERE sku = 'PZ-MARG'"),
        750
    );
}

#[test]
fn five_wrong_passwords_lock_the_account_even_for_the_right_password_and_across_a_restart() {
    let (_relay, mut edge) = edge_with_staff();
    let mut c = ConsoleClient::new(&edge);
    for _ in 0..4 {
        assert_eq!(c.login("amina", "0000").status, 401);
    }
    assert_eq!(c.login("amina", "0000").status, 429);
    edge.restart();
    c.wait_ready();
    let r = c.login("amina", "4821");
    assert_eq!(r.status, 429, "{:?}", r.body);
    assert!(r.body["locked_until"].is_string());
    assert!(edge.count("SELECT count(*) FROM security_events WHERE kind = 'account_locked'") == 1);
    // The owner resets the account with the CLI: the new PIN works at once.
    add_staff(&edge, "amina", "staff", "9731");
    assert_eq!(c.login("amina", "9731").status, 200);
}

#[test]
fn an_illegal_move_delivered_to_preparing_is_409_with_nothing_changed() {
    let (_relay, edge) = edge_with_staff();
    let mut c = ConsoleClient::new(&edge);
    assert_eq!(c.login("amina", "4821").status, 200);
    let id = counter_order(&c);
    c.move_through(id, &["accepted", "preparing", "ready", "delivered"]);
    let before: (String, String) = edge
        .db()
        .query_row(
            "SELECT status, updated_at FROM orders WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let outbox = edge.count("SELECT count(*) FROM outbox");
    let r = c.post(
        &format!("/api/orders/{id}/status"),
        json!({"to": "preparing"}),
    );
    assert_eq!(r.status, 409, "{:?}", r.body);
    let after: (String, String) = edge
        .db()
        .query_row(
            "SELECT status, updated_at FROM orders WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(before.0, "delivered");
    assert_eq!(edge.count("SELECT count(*) FROM outbox"), outbox);
}

#[test]
fn cancelling_needs_a_reason_and_a_counter_order_is_taken_while_the_relay_is_down() {
    let (mut relay, edge) = edge_with_staff();
    relay.kill9();
    let mut c = ConsoleClient::new(&edge);
    assert_eq!(c.login("amina", "4821").status, 200);
    let id = counter_order(&c);
    let number: String = edge
        .db()
        .query_row(
            "SELECT number || ' ' || source || ' ' || total FROM orders WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(number, "A-001 counter 1400");
    let r = c.post(
        &format!("/api/orders/{id}/status"),
        json!({"to": "cancelled"}),
    );
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r = c.post(
        &format!("/api/orders/{id}/status"),
        json!({"to": "cancelled", "reason": "client parti"}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let row: (String, String) = edge
        .db()
        .query_row(
            "SELECT status, cancel_reason FROM orders WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(row, ("cancelled".to_string(), "client parti".to_string()));
}

#[test]
fn a_voice_note_and_an_image_show_in_the_transcript_with_a_placeholder_or_their_link() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route("wa", "109876543210987", &node);
    relay.add_route("ig", "17841400000000001", &node);
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    import_menu(&edge);
    add_staff(&edge, "amina", "staff", "4821");
    for f in ["wa_audio.json", "ig_attachment_image.json"] {
        assert_eq!(relay.post_signed(&fixture(f)).0, 200, "{f}");
    }
    wait_until(45, "both messages reached the conversation list", || {
        edge.count("SELECT count(*) FROM transcript WHERE direction = 'in'") == 2
    });
    let mut c = ConsoleClient::new(&edge);
    assert_eq!(c.login("amina", "4821").status, 200);
    let list = c.get("/api/conversations").body;
    let convs = list["conversations"]
        .as_array()
        .expect("conversations")
        .clone();
    assert_eq!(convs.len(), 2, "{list}");
    assert!(
        convs.iter().all(|c| c["unread"].as_i64() >= Some(1)),
        "{list}"
    );
    let transcript = |provider: &str| {
        let id = convs
            .iter()
            .find(|c| c["provider"] == provider)
            .expect(provider)["customer_id"]
            .as_i64()
            .unwrap();
        let r = c.get(&format!("/api/conversations/{id}"));
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["transcript"][0].clone()
    };
    let voice = transcript("wa");
    assert_eq!(voice["kind"], "audio", "{voice}");
    assert_eq!(voice["media"][0]["voice"], true, "{voice}");
    assert!(voice["media"][0]["url"].is_null(), "{voice}");
    let image = transcript("ig");
    assert_eq!(image["kind"], "image", "{image}");
    assert!(
        image["media"][0]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://lookaside.fbsbx.com/")),
        "{image}"
    );
}

#[test]
fn delivery_problems_and_refusals_at_the_door_are_recorded_and_refunds_are_for_the_owner() {
    let (_relay, edge) = edge_with_staff();
    let mut staff = ConsoleClient::new(&edge);
    assert_eq!(staff.login("amina", "4821").status, 200);
    let r = staff.post(
        "/api/orders",
        json!({"source": "phone", "customer_name": "Samir", "lines": [{"sku": "PZ-VIANDE", "qty": 1}],
               "fulfilment": "delivery", "address": "Cité 5 Juillet bât 3, Bab Ezzouar"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().expect("order id");
    assert_eq!(
        edge.count("SELECT count(*) FROM payments WHERE method = 'cod' AND status = 'pending'"),
        1,
        "a phone order is cash on delivery like any other"
    );

    let r = staff.post(
        &format!("/api/orders/{id}/delivery-issue"),
        json!({"kind": "courier_delayed", "minutes": 20}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["eta_local"].is_string(), "{:?}", r.body);
    assert_eq!(
        edge.count("SELECT count(*) FROM orders WHERE delivery_issue = 'courier_delayed'"),
        1
    );
    let r = staff.post(
        &format!("/api/orders/{id}/delivery-issue"),
        json!({"kind": "teleported"}),
    );
    assert_eq!(r.status, 422, "{:?}", r.body);

    staff.move_through(id, &["accepted", "preparing", "ready", "out_for_delivery"]);
    assert_eq!(
        staff
            .post(&format!("/api/orders/{id}/cash-refused"), json!({}))
            .status,
        200
    );
    assert_eq!(
        edge.count("SELECT count(*) FROM orders WHERE payment_status = 'refused'"),
        1
    );
    assert_eq!(
        staff
            .post(&format!("/api/orders/{id}/cash-refused"), json!({}))
            .status,
        409,
        "refused once"
    );
    assert_eq!(
        staff.get("/api/refunds").status,
        403,
        "refunds are the owner's"
    );
    let mut owner = ConsoleClient::new(&edge);
    assert_eq!(owner.login("karim", "owner-secret-1").status, 200);
    let r = owner.get("/api/refunds");
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["refunds"], json!([]));
    assert_eq!(owner.post("/api/refunds/999/done", json!({})).status, 404);
}
