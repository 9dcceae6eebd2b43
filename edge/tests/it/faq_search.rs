//! The FAQ knowledge base against the demo menu's entries, on a real SQLite file: French,
//! Arabic and Darija (Latin letters and Arabizi digits) phrasings find the right entry, and
//! messages the FAQ does not cover are not answered from it.

use resto_edge::domain::menu;
use resto_edge::engine::FaqLookup;
use resto_edge::store::{self, faq};

const HOURS: usize = 0;
const DELIVERY: usize = 1;
const PAYMENT: usize = 2;

fn demo_store() -> (rusqlite::Connection, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("edge-faq-{}", ulid::Ulid::new()));
    let mut c = store::open(&dir.join("edge.db")).unwrap();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/menus/demo_menu.json"
    ))
    .unwrap();
    store::menu::import_json(&mut c, &bytes, "2026-11-23T10:00:00.000Z").unwrap();
    (c, dir)
}

#[test]
fn phrasings_in_french_arabic_and_darija_find_the_right_entry_and_others_do_not() {
    let (c, dir) = demo_store();
    let answered: &[(&str, usize)] = &[
        // French
        ("a quelle heure vous ouvrez", HOURS),
        ("vous êtes ouverts le vendredi ?", HOURS),
        ("Vous fermez à quelle heure ?", HOURS),
        ("vos horaires svp", HOURS),
        ("Vous livrez à Oran ?", DELIVERY),
        ("est-ce que vous acceptez la carte Dahabia", PAYMENT),
        ("le paiement par CIB", PAYMENT),
        // Darija, Latin letters and Arabizi
        ("wa9tach t7elou", HOURS),
        ("waqtach tsakro", HOURS),
        ("nkhales b la carte edahabia?", PAYMENT),
        ("wach ndir b la carte dahabia", PAYMENT),
        // Arabic script (MSA and Darija)
        ("ما هي ساعات العمل", HOURS),
        ("وقتاش تحلو", HOURS),
        ("توصلو لوهران؟", DELIVERY),
        ("نخلص بالبطاقة الذهبية", PAYMENT),
    ];
    for (text, want) in answered {
        assert_eq!(
            faq::lookup(&c, text, 0.5).unwrap(),
            FaqLookup::Found(*want),
            "{text:?} should be answered by entry {want}"
        );
    }
    let not_answered = [
        "je veux réserver une table",
        "c'est halal ?",
        "ma voiture est en panne",
        "bonjour",
        "wach kayen parking",
        "3andkom wifi?",
        "واش كاين باركينغ",
        "رانا فالطريق",
        "le match de foot ce soir",
        // Shares one word with an entry, but asks something else: a human, not a guess.
        "mon ami m'a dit que vous avez une belle terrasse ouverte",
        "combien coute la livraison jusqu'a chez moi",
    ];
    for text in not_answered {
        let got = faq::lookup(&c, text, 0.5).unwrap();
        assert!(
            matches!(got, FaqLookup::NoMatch | FaqLookup::Unsure),
            "{text:?} must not be answered from the FAQ, got {got:?}"
        );
    }
    assert_eq!(
        faq::lookup(
            &c,
            "mon ami m'a dit que vous avez une belle terrasse ouverte",
            0.5
        )
        .unwrap(),
        FaqLookup::Unsure
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn an_entry_the_owner_adds_is_found_at_once_and_a_removed_one_is_gone() {
    let (c, dir) = demo_store();
    assert_eq!(
        faq::lookup(&c, "kayen parking?", 0.5).unwrap(),
        FaqLookup::NoMatch
    );
    let pos = faq::add(
        &c,
        &menu::Faq {
            q: menu::Names {
                fr: "Avez-vous un parking ?".into(),
                ar: "هل يوجد موقف سيارات؟".into(),
            },
            a: menu::Names {
                fr: "Oui, un parking gratuit derrière le restaurant.".into(),
                ar: "نعم، موقف مجاني خلف المطعم.".into(),
            },
            keywords: vec!["parking".into(), "باركينغ".into(), "موقف".into()],
        },
    )
    .unwrap();
    assert_eq!(
        faq::lookup(&c, "kayen parking?", 0.5).unwrap(),
        FaqLookup::Found(3)
    );
    assert_eq!(
        faq::lookup(&c, "واش كاين باركينغ", 0.5).unwrap(),
        FaqLookup::Found(3)
    );
    let incomplete = menu::Faq {
        q: menu::Names {
            fr: "x".into(),
            ar: "".into(),
        },
        a: menu::Names {
            fr: "y".into(),
            ar: "z".into(),
        },
        keywords: vec![],
    };
    assert!(faq::update(&c, pos, &incomplete).is_err());
    faq::remove(&c, pos).unwrap();
    assert_eq!(
        faq::lookup(&c, "kayen parking?", 0.5).unwrap(),
        FaqLookup::NoMatch
    );
    assert!(matches!(
        faq::remove(&c, pos),
        Err(faq::FaqError::NoEntry(_))
    ));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_store_whose_faq_was_imported_before_the_index_existed_is_indexed_on_first_use() {
    let (mut c, dir) = demo_store();
    c.execute("DELETE FROM faq_fts", []).unwrap();
    assert_eq!(
        faq::lookup(&c, "wa9tach t7elou", 0.5).unwrap(),
        FaqLookup::NoMatch
    );
    let tx = c.transaction().unwrap();
    resto_edge::app::handle_message::Kit::load(&tx).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        faq::lookup(&c, "wa9tach t7elou", 0.5).unwrap(),
        FaqLookup::Found(HOURS)
    );
    std::fs::remove_dir_all(dir).ok();
}
