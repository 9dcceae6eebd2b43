//! The owner's learning loop through the real conversation path (`apply_events::apply_batch`
//! on a real SQLite file with the demo menu): a phrase the bot did not understand is counted
//! with its conversations; once the owner teaches it (`app::teach_alias`) the very next
//! message with it is understood, as an item, a commune or an intent. And the menu file's
//! aliases per register.

use chrono::{DateTime, Duration, Utc};
use resto_edge::app::apply_events as apply;
use resto_edge::app::teach_alias::{teach_alias, Teach, TeachError};
use resto_edge::app::unmapped_list::learning_page;
use resto_edge::domain::places::PLACES;
use resto_edge::store::{self, learning};
use resto_sync::{Event, EventKind};
use rusqlite::Connection;
use serde_json::{json, Value};

struct Shop {
    c: Connection,
    dir: std::path::PathBuf,
    seq: u64,
    /// Monday 2026-11-23 12:00 in Algiers: open.
    now: DateTime<Utc>,
}

fn demo_menu() -> Value {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/menus/demo_menu.json"
    ))
    .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

impl Shop {
    fn with_menu(menu: &Value) -> Shop {
        let dir = std::env::temp_dir().join(format!("edge-learning-{}", ulid::Ulid::new()));
        let mut c = store::open(&dir.join("edge.db")).unwrap();
        let bytes = serde_json::to_vec(menu).unwrap();
        store::menu::import_json(&mut c, &bytes, "2026-11-23T10:00:00.000Z").unwrap();
        Shop {
            c,
            dir,
            seq: 0,
            now: "2026-11-23T11:00:00Z".parse().unwrap(),
        }
    }

    fn new() -> Shop {
        Shop::with_menu(&demo_menu())
    }

    /// The customer sends `text` a minute after the previous message; returns the replies.
    fn say(&mut self, user: &str, text: &str) -> Vec<String> {
        self.now += Duration::minutes(1);
        self.seq += 1;
        let ev = Event {
            seq: self.seq,
            id: format!("evt_{}", self.seq),
            kind: EventKind::InboundMessage,
            received_at: self.now.to_rfc3339(),
            payload: json!({"provider": "wa", "account_id": "1", "user_id": user,
                "msg_id": format!("wamid.{}", self.seq), "timestamp": self.now.to_rfc3339(),
                "kind": "text", "text": text, "user_name": user}),
            away_notice: false,
        };
        let before: i64 = self.count("SELECT count(*) FROM outbox");
        apply::apply_batch(&mut self.c, &[ev], self.seq, self.now).unwrap();
        let mut st = self
            .c
            .prepare("SELECT payload FROM outbox ORDER BY rowid")
            .unwrap();
        let all: Vec<String> = st
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        all[before as usize..].to_vec()
    }

    fn count(&self, sql: &str) -> i64 {
        self.c.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// The customer's cart as (sku, qty) lines.
    fn cart(&self, user: &str) -> Vec<(String, u64)> {
        let lines: String = self
            .c
            .query_row(
                "SELECT c.lines FROM carts c JOIN customers u ON u.id = c.customer_id WHERE u.user_id = ?1",
                [user],
                |r| r.get(0),
            )
            .unwrap();
        let v: Value = serde_json::from_str(&lines).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["sku"].as_str().unwrap().to_string(),
                    l["qty"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    fn stage(&self, user: &str) -> String {
        self.c
            .query_row(
                "SELECT c.stage FROM conversations c JOIN customers u ON u.id = c.customer_id WHERE u.user_id = ?1",
                [user],
                |r| r.get(0),
            )
            .unwrap()
    }

    fn teach(
        &self,
        kind: &str,
        phrase: &str,
        target: &str,
    ) -> Result<learning::OwnerAlias, TeachError> {
        let t = Teach {
            kind: kind.into(),
            phrase: phrase.into(),
            target: target.into(),
            register: None,
        };
        let taught = teach_alias(&self.c, &t, None, "2026-11-23T12:00:00.000Z")?;
        Ok(learning::aliases(&self.c)
            .unwrap()
            .into_iter()
            .find(|a| a.id == taught.id)
            .unwrap())
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

#[test]
fn a_nickname_not_understood_is_counted_and_once_taught_the_next_customer_gets_the_item() {
    let mut s = Shop::new();
    s.say("213700000001", "Bonjour");
    s.say("213700000001", "un zinger");
    s.say("213700000002", "Zinger!");
    let page = learning_page(&s.c).unwrap();
    assert_eq!(page.phrases.len(), 1, "{:?}", page.phrases);
    let p = &page.phrases[0];
    assert_eq!((p.phrase.phrase.as_str(), p.phrase.count), ("zinger", 2));
    assert_eq!(p.phrase.seen.len(), 2, "both conversations are listed");
    assert_eq!(
        p.suggestions.first().map(String::as_str),
        Some("BG-CLASSIC")
    );
    assert!(s.cart("213700000002").is_empty());

    let a = s.teach("item", " ZINGER ", "BG-CLASSIC").unwrap();
    assert_eq!(
        (a.phrase.as_str(), a.target.as_str()),
        ("zinger", "BG-CLASSIC")
    );
    assert!(
        learning_page(&s.c).unwrap().phrases.is_empty(),
        "a taught phrase leaves the list"
    );

    let replies = s.say("213700000003", "2 zinger svp").join("\n");
    assert!(replies.contains("Burger Classique"), "{replies}");
    assert_eq!(s.cart("213700000003"), vec![("BG-CLASSIC".to_string(), 2)]);
    assert_eq!(
        s.count("SELECT count(*) FROM unmapped_phrases WHERE phrase LIKE '%zinger%'"),
        0,
        "an understood phrase is not reported again"
    );
}

#[test]
fn teaching_refuses_an_unknown_target_kind_or_register_and_a_phrase_without_words() {
    let s = Shop::new();
    let t = |kind: &str, phrase: &str, target: &str, register: Option<&str>| {
        teach_alias(
            &s.c,
            &Teach {
                kind: kind.into(),
                phrase: phrase.into(),
                target: target.into(),
                register: register.map(str::to_string),
            },
            None,
            "2026-11-23T12:00:00.000Z",
        )
    };
    assert!(
        matches!(t("item", "zinger", "XX-NOPE", None), Err(TeachError::NoItem(sku)) if sku == "XX-NOPE")
    );
    assert!(matches!(
        t("commune", "babez", "99999", None),
        Err(TeachError::NoCommune(_))
    ));
    assert!(matches!(
        t("intent", "yallah", "dance", None),
        Err(TeachError::NoIntent(_))
    ));
    assert!(matches!(
        t("dish", "zinger", "BG-CLASSIC", None),
        Err(TeachError::Kind(_))
    ));
    assert!(matches!(
        t("item", " ?! ", "BG-CLASSIC", None),
        Err(TeachError::EmptyPhrase)
    ));
    assert!(matches!(
        t(
            "item",
            "un deux trois quatre cinq six sept",
            "BG-CLASSIC",
            None
        ),
        Err(TeachError::LongPhrase)
    ));
    assert!(matches!(
        t("item", "zinger", "BG-CLASSIC", Some("kabyle")),
        Err(TeachError::Register(_))
    ));
    assert_eq!(
        s.count("SELECT count(*) FROM owner_aliases"),
        0,
        "nothing stored on a refusal"
    );
    let ok = t("item", "zinger", "BG-CLASSIC", Some("msa")).unwrap();
    assert_eq!(ok.phrase, "zinger");
    assert_eq!(
        s.count("SELECT count(*) FROM owner_aliases WHERE register = 'ar'"),
        1
    );
}

#[test]
fn a_commune_nickname_taught_answers_the_commune_question() {
    let mut s = Shop::new();
    let u = "213700000010";
    for line in ["2 tacos", "commander", "livraison"] {
        s.say(u, line);
    }
    assert_eq!(s.stage(u), "delivery_place");
    s.say(u, "bzouar");
    assert_eq!(
        s.stage(u),
        "delivery_place",
        "the nickname is not a commune yet"
    );
    let page = learning_page(&s.c).unwrap();
    assert!(
        page.phrases.iter().any(|p| p.phrase.sample == "bzouar"),
        "{:?}",
        page.phrases
    );
    let bab_ezzouar = PLACES
        .communes
        .iter()
        .find(|c| c.name_fr == "Bab Ezzouar")
        .unwrap();
    assert!(
        page.communes.iter().any(|c| c.code == bab_ezzouar.code),
        "served communes are offered"
    );
    s.teach("commune", "bzouar", &bab_ezzouar.code).unwrap();
    let replies = s.say(u, "bzouar").join("\n");
    assert_eq!(s.stage(u), "delivery_address", "{replies}");
    assert!(
        replies.contains("200"),
        "the zone's fee is quoted: {replies}"
    );
}

#[test]
fn an_intent_phrase_taught_is_understood_at_once() {
    let mut s = Shop::new();
    let u = "213700000020";
    let before = s.say(u, "tetyabo lyoum").join("\n");
    assert!(!before.contains("Pizzas"), "not understood yet: {before}");
    s.teach("intent", "tetyabo lyoum", "show_menu").unwrap();
    let after = s.say(u, "tetyabo lyoum").join("\n");
    assert!(after.contains("Pizzas"), "the menu's categories: {after}");
}

#[test]
fn menu_aliases_per_register_are_imported_exported_and_understood() {
    let mut menu = demo_menu();
    menu["categories"][1]["items"][1]["aliases"] = json!({
        "fr": ["chawarma", "shawarma"], "msa": ["شاورما"], "darija": ["شوارمة"],
        "arabizi": ["chwarma", "tchitchi"]
    });
    let mut s = Shop::with_menu(&menu);
    let stored = store::menu::load(&s.c).unwrap().unwrap();
    let exported = serde_json::to_value(&stored).unwrap();
    assert_eq!(
        exported["categories"][1]["items"][1]["aliases"],
        json!({"fr": ["chawarma", "shawarma"], "ar": ["شاورما"], "darija": ["شوارمة"],
               "arabizi": ["chwarma", "tchitchi"]})
    );
    assert_eq!(
        exported["categories"][0]["items"][0]["aliases"],
        demo_menu()["categories"][0]["items"][0]["aliases"],
        "a plain list stays a plain list"
    );
    s.say("213700000030", "3 tchitchi");
    assert_eq!(s.cart("213700000030"), vec![("CH-VIANDE".to_string(), 3)]);
}

#[test]
fn recording_and_listing_phrases_walk_one_phrase_not_the_whole_table() {
    let s = Shop::new();
    for q in [learning::TRIM_SEEN, learning::SEEN_OF_PHRASE] {
        let plan = resto_ops::query_plan::plan(&s.c, q).unwrap();
        let scans = resto_ops::query_plan::full_scans(&plan, &["unmapped_phrase_seen", "s"]);
        assert!(scans.is_empty(), "{q}\n -> {plan:?}");
    }
}
