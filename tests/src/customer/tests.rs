//! The corpus is valid, and the adaptive customer behaves: it answers the question asked,
//! checks the cart it is shown, rephrases a step the bot did not take, and gives up.

use super::bot::{self, asked, shown_cart, Asked, BotReply};
use super::corpus::{self, Commune, First, Line, MenuFacts, Register};
use super::db::StateView;
use super::decide::{cart_diff, Customer, Fix, Move, Seen};
use super::run::{opening_understood, Bench, Outcome, Record};

fn bench() -> Bench {
    Bench::load().expect("the corpus loads")
}

fn say(m: &Move) -> &str {
    match m {
        Move::Say(s) => s,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn next(c: &mut Customer<'_>, replies: &[BotReply]) -> Move {
    c.next(&Seen {
        replies,
        state: None,
    })
}

fn line(sku: &str, qty: u32, size: Option<&str>) -> Line {
    Line {
        sku: sku.into(),
        qty,
        size: size.map(str::to_string),
    }
}

#[test]
fn the_corpus_is_valid_against_the_menu_and_the_communes() {
    let b = bench();
    let problems = corpus::check(&b.corpus, &b.menu, &b.communes);
    assert!(problems.is_empty(), "{problems:#?}");
    let count = |r: Register| b.corpus.goals.iter().filter(|g| g.register == r).count();
    assert!(
        b.corpus.goals.len() >= 200,
        "{} goals",
        b.corpus.goals.len()
    );
    for (r, min) in [
        (Register::Fr, 45),
        (Register::Msa, 40),
        (Register::DzAr, 45),
        (Register::DzLat, 45),
        (Register::Mixed, 25),
    ] {
        assert!(count(r) >= min, "{}: {} goals", r.as_str(), count(r));
    }
    // Every failure class of the issue is exercised, most in several registers.
    for class in 1..=9u8 {
        let registers: std::collections::BTreeSet<Register> = b
            .corpus
            .goals
            .iter()
            .filter(|g| g.classes.contains(&class))
            .map(|g| g.register)
            .collect();
        assert!(registers.len() >= 2, "class {class} only in {registers:?}");
    }
    // Many simple orders, some hard ones.
    let plain = b
        .corpus
        .goals
        .iter()
        .filter(|g| g.classes.is_empty())
        .count();
    assert!(plain >= 30, "{plain} plain goals");
}

#[test]
fn it_answers_a_size_question_with_the_size_of_its_goal() {
    let b = bench();
    let g = b.corpus.goal("fr-20").unwrap(); // "une 4 fromages", wants a medium
    let pools = b.corpus.pools(g.register);
    let q = BotReply::with(
        "Quelle taille pour la Pizza 4 Fromages ?",
        &[("opt:M", "Moyenne"), ("opt:L", "Grande")],
    );
    assert_eq!(
        asked(std::slice::from_ref(&q), &b.menu),
        Asked::Size {
            sku: Some("PZ-4FR".into())
        }
    );
    let mut c = Customer::new(g, pools, &b.menu, &b.communes);
    match next(&mut c, &[q]) {
        Move::Tap(ch) => assert_eq!(ch.id, "opt:M"),
        Move::Say(s) => assert!(pools.size_m.contains(&s), "{s}"),
        m => panic!("{m:?}"),
    }
    assert_eq!(c.friction.retries, 0);
}

#[test]
fn it_answers_the_commune_question_in_its_spelling_then_rephrases_once() {
    let b = bench();
    let g = b.corpus.goal("fr-18").unwrap(); // Badjarah, typed "bach djerah"
    let mut c = Customer::new(g, b.corpus.pools(g.register), &b.menu, &b.communes);
    // The scripted part is empty; the opening is sent by the runner.
    let q = BotReply::text("Dans quelle commune livrer ? (ex. Bab Ezzouar)");
    let first = say(&next(&mut c, std::slice::from_ref(&q))).to_string();
    assert!(first.contains("bach djerah"), "{first}");
    // The opening named the commune: being asked for it is a repeat.
    assert_eq!(c.friction.repeats, 1);
    let again = BotReply::text("Je ne trouve pas cette commune. Quelle commune ?");
    let second = say(&next(&mut c, &[again])).to_string();
    assert_ne!(first, second);
    assert!(second.contains("Badjarah"), "{second}");
    assert_eq!(c.friction.retries, 1);
    // The fulfilment was given in the opening: asking it is a repeat.
    let ful = BotReply::with(
        "À emporter ou en livraison ?",
        &[("ful:pickup", "À emporter"), ("ful:delivery", "Livraison")],
    );
    let m = next(&mut c, &[ful]);
    assert!(
        matches!(&m, Move::Tap(ch) if ch.id == "ful:delivery")
            || b.corpus
                .pools(g.register)
                .delivery
                .contains(&say(&m).to_string()),
        "{m:?}"
    );
    assert_eq!(c.friction.repeats, 2);
}

#[test]
fn it_flags_a_wrong_cart_in_the_summary_and_corrects_it() {
    let b = bench();
    let g = b.corpus.goal("fr-08").unwrap(); // 2 pizzas viande, then "non pardon, 3"
    let mut c = Customer::new(g, b.corpus.pools(g.register), &b.menu, &b.communes);
    // First the scripted correction.
    let cart5 = BotReply::with(
        "Votre panier :\n• 5 × Pizza Viande Hachée — 5000 DA\nTotal : 5000 DA",
        &[
            ("act:checkout", "Commander ✅"),
            ("act:menu", "Ajouter ➕"),
            ("act:clear", "Vider le panier"),
        ],
    );
    assert_eq!(
        say(&next(&mut c, std::slice::from_ref(&cart5))),
        "non pardon, 3"
    );
    // The bot added instead of setting: the summary shows 5.
    let summary = BotReply::with(
        "Récapitulatif :\n• 5 × Pizza Viande Hachée — 5000 DA\nTotal : 5000 DA\nOn confirme ?",
        &[("yes", "Confirmer ✅"), ("no", "Modifier")],
    );
    assert!(matches!(next(&mut c, &[summary]), Move::Tap(ch) if ch.id == "no"));
    let fix = say(&next(&mut c, &[cart5])).to_string();
    assert!(fix.contains('3') || fix.contains("trois"), "{fix}");
    assert!(fix.contains("viande"), "{fix}");
    assert_eq!(c.friction.corrections, 1);
}

#[test]
fn it_confirms_a_summary_that_matches_its_goal() {
    let b = bench();
    let g = b.corpus.goal("fr-05").unwrap(); // 1 grande margherita, pickup, cash
    let pools = b.corpus.pools(g.register);
    let mut c = Customer::new(g, pools, &b.menu, &b.communes);
    let summary = BotReply::with(
        "Récapitulatif :\n• 1 × Pizza Margherita (Grande) — 1000 DA\nTotal : 1000 DA\nÀ emporter\nPaiement : Espèces\n\nOn confirme ?",
        &[("yes", "Confirmer ✅"), ("no", "Modifier")],
    );
    let state = StateView::from_json(serde_json::json!({
        "stage": "confirming", "cart": [{"sku": "PZ-MARG", "qty": 1, "choices": ["L"]}],
        "fulfilment": {"mode": "pickup"}, "payment": "cod"
    }));
    let m = c.next(&Seen {
        replies: &[summary],
        state: Some(&state),
    });
    match m {
        Move::Tap(ch) => assert_eq!(ch.id, "yes"),
        Move::Say(s) => assert!(pools.yes.contains(&s), "{s}"),
        m => panic!("{m:?}"),
    }
    assert_eq!(c.friction, Default::default());
}

#[test]
fn a_summary_with_the_wrong_payment_is_changed() {
    let b = bench();
    let g = b.corpus.goal("fr-05").unwrap();
    let mut c = Customer::new(g, b.corpus.pools(g.register), &b.menu, &b.communes);
    let summary = BotReply::with(
        "Récapitulatif :\n• 1 × Pizza Margherita (Grande) — 1000 DA\nOn confirme ?",
        &[("yes", "Confirmer ✅"), ("no", "Modifier")],
    );
    let state = StateView::from_json(serde_json::json!({
        "cart": [{"sku": "PZ-MARG", "qty": 1, "choices": ["L"]}],
        "fulfilment": {"mode": "pickup"}, "payment": "cib"
    }));
    let m = c.next(&Seen {
        replies: &[summary],
        state: Some(&state),
    });
    assert!(matches!(m, Move::Tap(ch) if ch.id == "no"));
    assert_eq!(c.friction.corrections, 1);
}

#[test]
fn it_gives_up_when_the_same_question_keeps_coming_back() {
    let b = bench();
    let g = b.corpus.goal("msa-04").unwrap();
    let mut c = Customer::new(g, b.corpus.pools(g.register), &b.menu, &b.communes);
    let q = BotReply::with(
        "تجي تدّيها ولا نوصلوهالك؟",
        &[("ful:pickup", "نجي ندّيها"), ("ful:delivery", "توصيل")],
    );
    let mut moves = Vec::new();
    for _ in 0..6 {
        let m = next(&mut c, std::slice::from_ref(&q));
        let stop = matches!(m, Move::GiveUp(_));
        moves.push(m);
        if stop {
            break;
        }
    }
    assert!(matches!(moves.last(), Some(Move::GiveUp(_))), "{moves:?}");
    assert!(moves.len() <= 4, "{moves:?}");
    // The third try taps the button.
    assert!(
        matches!(&moves[2], Move::Tap(ch) if ch.id == "ful:pickup"),
        "{moves:?}"
    );
    assert_eq!(c.friction.worst_step, 3);
}

#[test]
fn not_understood_after_the_opening_restates_the_order_simply() {
    let b = bench();
    let g = b.corpus.goal("dzl-03").unwrap(); // zouj chawarma w zouj ma
    let mut c = Customer::new(g, b.corpus.pools(g.register), &b.menu, &b.communes);
    let m = next(
        &mut c,
        &[BotReply::text(
            "Je n'ai pas compris 🙏 Écrivez par exemple « menu » ou « 2 tacos ».",
        )],
    );
    let s = say(&m);
    assert!(s.contains("chawarma") || s.contains("ma"), "{s}");
    assert_eq!(c.friction.retries, 1);
    assert_eq!(c.friction.corrections, 0);
}

#[test]
fn questions_are_read_from_payloads_and_short_cues() {
    let m = MenuFacts::demo();
    let r = |t: &str, ids: &[(&str, &str)]| vec![BotReply::with(t, ids)];
    assert_eq!(
        asked(&r("…", &[("pay:cod", "Cash"), ("pay:cib", "CIB")]), &m),
        Asked::Payment
    );
    assert_eq!(asked(&r("…", &[("place:3", "Kouba")]), &m), Asked::Place);
    assert_eq!(
        asked(&r("…", &[("act:checkout", "OK"), ("act:menu", "+")]), &m),
        Asked::Cart
    );
    assert_eq!(
        asked(
            &r("…", &[("act:menu", "+"), ("ful:pickup", "À emporter")]),
            &m
        ),
        Asked::MinOrder
    );
    assert_eq!(asked(&r("…", &[("cat:pizzas", "Pizzas")]), &m), Asked::Menu);
    assert_eq!(
        asked(&[BotReply::text("في أي بلدية نوصلو؟")], &m),
        Asked::Commune
    );
    assert_eq!(
        asked(&[BotReply::text("ما هو عنوانك بالضبط؟")], &m),
        Asked::Address
    );
    assert_eq!(
        asked(&[BotReply::text("Votre adresse précise ?")], &m),
        Asked::Address
    );
    assert_eq!(
        asked(&[BotReply::text("ما فهمتش 🙏")], &m),
        Asked::NotUnderstood
    );
    assert_eq!(asked(&[], &m), Asked::NotUnderstood);
    // A quote with buttons followed by a question in text: the text is what is asked.
    let two = vec![
        BotReply::with("Livraison à Kouba : 300 DA", &[("act:menu", "Menu")]),
        BotReply::text("Votre adresse (rue, bâtiment) ?"),
    ];
    assert_eq!(asked(&two, &m), Asked::Address);
}

#[test]
fn the_cart_is_read_from_the_lines_shown_not_from_the_added_note() {
    let m = MenuFacts::demo();
    let added = BotReply::text(
        "Ajouté : 2 × Tacos Poulet ✅\n\n• 2 × Tacos Poulet — 1300 DA\n• 1 × Pizza 4 Fromages (Grande) — 1500 DA\nTotal : 2800 DA",
    );
    assert_eq!(
        shown_cart(&added, &m),
        vec![line("TC-POULET", 2, None), line("PZ-4FR", 1, Some("L"))]
    );
    let arabic =
        BotReply::text("ملخص الطلبية:\n٢ × بيتزا مارغريتا (كبيرة) — 2000 دج\nالمجموع: 2000 دج");
    assert_eq!(shown_cart(&arabic, &m), vec![line("PZ-MARG", 2, Some("L"))]);
    assert!(shown_cart(&BotReply::text("Bienvenue 👋"), &m).is_empty());
    assert_eq!(bot::norm("Épicé ٣ أجبان"), "epice 3 اجبان");
}

#[test]
fn cart_differences_remove_then_set_then_add() {
    let goal = vec![line("PZ-VIANDE", 3, None), line("BS-LIMO", 1, None)];
    let cart = vec![line("PZ-VIANDE", 5, None), line("TC-POULET", 1, None)];
    assert_eq!(
        cart_diff(&cart, &goal),
        vec![
            Fix::Remove(line("TC-POULET", 1, None)),
            Fix::Set(line("PZ-VIANDE", 3, None)),
            Fix::Add(line("BS-LIMO", 1, None)),
        ]
    );
    assert!(cart_diff(&goal, &goal).is_empty());
    // A pizza of the wrong size is set to zero (removed) and the right one added.
    let d = cart_diff(
        &[line("PZ-MARG", 1, Some("M"))],
        &[line("PZ-MARG", 1, Some("L"))],
    );
    assert_eq!(
        d,
        vec![
            Fix::Remove(line("PZ-MARG", 1, Some("M"))),
            Fix::Add(line("PZ-MARG", 1, Some("L")))
        ]
    );
}

#[test]
fn the_opening_is_understood_only_with_its_items_quantities_and_sizes() {
    let b = bench();
    let m = &b.menu;
    let state = |cart: serde_json::Value, pending: serde_json::Value| {
        StateView::from_json(serde_json::json!({"cart": cart, "pending": pending}))
    };
    let cart_reply = BotReply::with("Votre panier", &[("act:checkout", "Commander")]);
    let g = b.corpus.goal("fr-01").unwrap(); // 2 tacos + 1 limonade
    let right = state(
        serde_json::json!([{"sku": "TC-POULET", "qty": 2}, {"sku": "BS-LIMO", "qty": 1}]),
        serde_json::json!([]),
    );
    assert!(opening_understood(
        g,
        std::slice::from_ref(&cart_reply),
        Some(&right),
        m
    ));
    let half = state(
        serde_json::json!([{"sku": "TC-POULET", "qty": 2}]),
        serde_json::json!([]),
    );
    assert!(!opening_understood(
        g,
        std::slice::from_ref(&cart_reply),
        Some(&half),
        m
    ));
    let g = b.corpus.goal("fr-20").unwrap(); // "une 4 fromages": the size question is right
    let size_q = BotReply::with(
        "Quelle taille ?",
        &[("opt:M", "Moyenne"), ("opt:L", "Grande")],
    );
    let pending = state(
        serde_json::json!([]),
        serde_json::json!([{"sku": "PZ-4FR", "qty": 1}]),
    );
    assert!(opening_understood(
        g,
        std::slice::from_ref(&size_q),
        Some(&pending),
        m
    ));
    let g = b.corpus.goal("fr-05").unwrap(); // "margherita grande": asking the size is not
    let pending = state(
        serde_json::json!([]),
        serde_json::json!([{"sku": "PZ-MARG", "qty": 1}]),
    );
    assert!(!opening_understood(g, &[size_q], Some(&pending), m));
    let g = b.corpus.goal("fr-10").unwrap(); // the price of the tacos
    assert!(matches!(g.first, First::Price(_)));
    assert!(opening_understood(
        g,
        &[BotReply::text("Tacos Poulet : 650 DA")],
        None,
        m
    ));
    assert!(!opening_understood(
        g,
        &[BotReply::text("Je n'ai pas compris 🙏")],
        None,
        m
    ));
}

#[test]
fn clean_success_needs_no_friction_and_one_retry_allows_one_per_step() {
    let mut r = Record {
        goal: "x".into(),
        register: Register::Fr,
        opening_understood: true,
        outcome: Outcome::Correct,
        friction: Default::default(),
        turns: 6,
        transcript: Vec::new(),
    };
    assert!(r.clean() && r.one_retry());
    r.friction.retries = 2;
    r.friction.worst_step = 1;
    assert!(!r.clean() && r.one_retry());
    r.friction.worst_step = 2;
    assert!(!r.one_retry());
    r.friction = Default::default();
    r.outcome = Outcome::Wrong(vec!["items".into()]);
    assert!(!r.clean() && !r.one_retry() && r.wrong());
}

#[test]
fn commune_names_match_in_any_spelling_the_data_knows() {
    let communes: Vec<Commune> = corpus::communes();
    let bach = communes.iter().find(|c| c.name_fr == "Badjarah").unwrap();
    for got in ["Badjarah", "Bachdjerrah", "باش جراح", "badjarah"] {
        assert!(super::decide::same_commune(bach, got), "{got}");
    }
    assert!(!super::decide::same_commune(bach, "Kouba"));
}

#[test]
fn on_the_last_try_it_taps_a_button_offered_earlier() {
    let b = bench();
    let g = b.corpus.goal("msa-14").unwrap(); // pickup
    let mut c = Customer::new(g, b.corpus.pools(g.register), &b.menu, &b.communes);
    let ful = BotReply::with(
        "؟",
        &[("ful:pickup", "نجي ندّيها"), ("ful:delivery", "توصيل")],
    );
    let help = BotReply::with(
        "ما فهمتش مليح 🙏",
        &[("act:menu", "القائمة"), ("act:human", "نهدر مع واحد")],
    );
    let first = next(&mut c, &[ful]);
    let second = next(&mut c, std::slice::from_ref(&help));
    assert!(matches!(second, Move::Say(_)), "{second:?}");
    // The bot has moved on to "help": the fulfilment buttons are still in the chat.
    let third = next(&mut c, &[help]);
    assert!(
        matches!(&third, Move::Tap(ch) if ch.id == "ful:pickup"),
        "{first:?} {third:?}"
    );
    assert_eq!(c.friction.retries, 2);
}
