use super::reading::{cart_ops, CartOp, Context};
use super::*;
use crate::domain::places::PLACES;

fn demo() -> Menu {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/menus/demo_menu.json"
    ))
    .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn read(s: &str) -> Understanding {
    let m = demo();
    let c = Catalog::new(&m);
    let lx = Lexicon::embedded();
    understand(
        s,
        &Sources {
            menu: &m,
            catalog: &c,
            lexicon: &lx,
            places: &PLACES,
        },
    )
}

fn items(s: &str) -> Vec<(String, Option<u32>, Vec<String>)> {
    read(s)
        .items
        .into_iter()
        .map(|i| (i.sku, i.qty, i.choices.into_iter().map(|c| c.1).collect()))
        .collect()
}

fn one(sku: &str, q: u32) -> (String, Option<u32>, Vec<String>) {
    (sku.to_string(), Some(q), vec![])
}

fn sized(sku: &str, q: Option<u32>, c: &str) -> (String, Option<u32>, Vec<String>) {
    (sku.to_string(), q, vec![c.to_string()])
}

#[test]
fn quantities_come_from_digits_or_words_in_every_register() {
    assert_eq!(items("zouj tacos"), vec![one("TC-POULET", 2)]);
    assert_eq!(items("جوج شاورما"), vec![one("CH-VIANDE", 2)]);
    assert_eq!(items("deux burgers"), vec![one("BG-CLASSIC", 2)]);
    assert_eq!(items("tacos x3"), vec![one("TC-POULET", 3)]);
    assert_eq!(
        items("3 karantika w 2 limonade"),
        vec![one("KR-KARANTIKA", 3), one("BS-LIMO", 2)]
    );
    assert_eq!(items("ثلاثة برغر"), vec![one("BG-CLASSIC", 3)]);
    assert_eq!(items("اثنتان ليموناضة"), vec![one("BS-LIMO", 2)]);
    assert_eq!(items("برغر عدد ٢"), vec![one("BG-CLASSIC", 2)]);
    assert_eq!(items("wa7da limonade"), vec![one("BS-LIMO", 1)]);
}

#[test]
fn duals_are_two_of_their_singular() {
    assert_eq!(items("قازوزتين"), vec![one("BS-LIMO", 2)]);
    assert_eq!(items("قارورتين ماء"), vec![one("BS-EAU", 2)]);
    assert_eq!(items("شاورمتين"), vec![one("CH-VIANDE", 2)]);
}

#[test]
fn each_quantity_stays_with_its_item_in_an_enumeration() {
    assert_eq!(
        items("مارغريتا عدد 2، برغر، وثلاث ليموناضة"),
        vec![
            ("PZ-MARG".to_string(), Some(2), vec![]),
            ("BG-CLASSIC".to_string(), None, vec![]),
            one("BS-LIMO", 3)
        ]
    );
    assert_eq!(
        items("tacos 2, chawarma 3"),
        vec![one("TC-POULET", 2), one("CH-VIANDE", 3)]
    );
}

#[test]
fn sizes_are_taken_before_or_after_the_name() {
    assert_eq!(
        items("une pitza margarita grande"),
        vec![sized("PZ-MARG", Some(1), "L")]
    );
    assert_eq!(
        items("2 pizza 4 fromages taille M"),
        vec![sized("PZ-4FR", Some(2), "M")]
    );
    assert_eq!(
        items("une grande 4 fromages"),
        vec![sized("PZ-4FR", Some(1), "L")]
    );
    assert_eq!(
        items("بيتزا كبيرة مارغريتا"),
        vec![sized("PZ-MARG", None, "L")]
    );
    assert_eq!(items("margherita kbira"), vec![sized("PZ-MARG", None, "L")]);
    assert_eq!(items("margherita L"), vec![sized("PZ-MARG", None, "L")]);
    assert_eq!(read("kbira").free_size, Some(Size::Large));
}

#[test]
fn names_survive_morphology_spelling_and_number_words() {
    assert_eq!(
        items("أربعة أجبان"),
        vec![(String::from("PZ-4FR"), None, vec![])]
    );
    assert_eq!(
        items("4 فرماج"),
        vec![(String::from("PZ-4FR"), None, vec![])]
    );
    assert_eq!(
        items("شوارمة"),
        vec![(String::from("CH-VIANDE"), None, vec![])]
    );
    assert_eq!(
        items("pizza فيوند"),
        vec![(String::from("PZ-VIANDE"), None, vec![])]
    );
    assert_eq!(
        items("qar3a ma"),
        vec![(String::from("BS-EAU"), None, vec![])]
    );
    assert_eq!(items("une bouteille d'eau"), vec![one("BS-EAU", 1)]);
}

#[test]
fn a_category_without_an_item_keeps_its_quantity() {
    let u = read("2 pizza");
    assert!(u.items.is_empty());
    assert_eq!(u.categories, vec![("pizzas".to_string(), Some(2))]);
}

#[test]
fn ordinary_words_are_not_taken_for_short_item_names() {
    assert!(items("ma commande est où").is_empty());
}

#[test]
fn unknown_words_are_reported_and_fillers_are_not() {
    let u = read("je veux 2 coca et un tacos");
    assert_eq!(u.unmapped, vec!["coca".to_string()]);
    assert_eq!(u.unknown_items, vec!["coca".to_string()]);
    assert!(read("bonjour je voudrais un tacos svp").unmapped.is_empty());
}

#[test]
fn slots_given_early_are_read() {
    let u = read("2 tacos livraison à Hussein Dey, paiement à la livraison");
    assert!(u.slots.delivery);
    assert!(u.slots.place.is_some());
    assert_eq!(u.slots.payment, Some(PaymentMethod::Cod));
    let u = read("بغيت جوج تاكوس للدار البيضاء توصيل الدفع عند الاستلام");
    assert!(u.slots.delivery && u.slots.place.is_some());
    assert_eq!(u.slots.payment, Some(PaymentMethod::Cod));
    assert!(read("2 tacos livraison").slots.payment.is_none());
}

fn cart(sku: &str, qty: u32) -> Vec<crate::engine::CartLine> {
    vec![crate::engine::CartLine {
        sku: sku.into(),
        qty,
        choices: vec![],
    }]
}

#[test]
fn corrections_set_instead_of_adding_in_every_register() {
    let c = cart("PZ-VIANDE", 2);
    let m = demo();
    let ctx = Context {
        menu: &m,
        cart: &c,
        focus: Some("PZ-VIANDE"),
        priced: false,
    };
    for s in [
        "non pardon, 3",
        "machi 2, 3",
        "بدّلها 3",
        "seulement 3",
        "ghir 3",
        "لا، ثلاثة فقط",
    ] {
        assert_eq!(
            cart_ops(&read(s), &ctx),
            vec![CartOp::Set {
                sku: "PZ-VIANDE".into(),
                qty: Some(3),
                choices: vec![],
                size: None
            }],
            "{s}"
        );
    }
    for s in ["enlève la pizza", "نحي البيتزا", "bla pizza viande"] {
        assert!(
            matches!(cart_ops(&read(s), &ctx).as_slice(), [CartOp::Remove { .. }]),
            "{s}"
        );
    }
    assert!(matches!(
        cart_ops(&read("un tacos à la place de la pizza"), &ctx).as_slice(),
        [CartOp::Replace { .. }]
    ));
}

#[test]
fn a_quantity_after_a_price_question_orders_the_item_priced() {
    let m = demo();
    let ctx = Context {
        menu: &m,
        cart: &[],
        focus: Some("TC-POULET"),
        priced: true,
    };
    for (s, q) in [
        ("ok mettez m'en 2", Some(2)),
        ("واحد", Some(1)),
        ("zid 2", Some(2)),
    ] {
        assert_eq!(
            cart_ops(&read(s), &ctx),
            vec![CartOp::Add {
                sku: "TC-POULET".into(),
                qty: q,
                choices: vec![]
            }],
            "{s}"
        );
    }
}
