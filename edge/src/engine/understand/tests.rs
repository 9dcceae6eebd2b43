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
        ("حسنا، أريد اثنين", Some(2)),
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

#[test]
fn words_the_bot_knows_are_not_typos_of_names() {
    // "ماشي" (not) is one letter from "هاشي" (minced meat), "أريد" from the commune Arris.
    assert_eq!(items("ماشي"), vec![]);
    assert!(read("لا لا ماشي 2، 3").items.is_empty());
    assert_eq!(read("لا لا ماشي 2، 3").free_numbers, vec![2, 3]);
    assert_eq!(read("أريد التوصيل").slots.place, None);
    assert_eq!(read("جيبلي جوج تاكوس، نخلص كي توصلو").slots.place, None);
}

fn commune(u: &Understanding) -> Option<String> {
    match u.slots.place? {
        Place::Commune(i) => Some(PLACES.communes[i].name_fr.clone()),
        Place::Wilaya(_) => None,
    }
}

#[test]
fn a_commune_in_the_message_is_a_place_not_an_item_nor_an_unknown_word() {
    // "برج" is one letter from "برغر".
    let u = read("برج الكيفان");
    assert!(u.items.is_empty() && u.unmapped.is_empty(), "{:?}", u.items);
    let u = read("salam khouya, jibli pizza viande l bab ezzouar");
    assert_eq!(
        items("salam khouya, jibli pizza viande l bab ezzouar").len(),
        1
    );
    assert!(u.slots.delivery && u.unknown_items.is_empty());
    assert_eq!(commune(&u).as_deref(), Some("Bab Ezzouar"));
    let u = read("Salut, vous livrez a bach djerah ? je veux 2 pizzas viande");
    assert!(
        !u.has(Intent::RemoveItem),
        "\"bach\" is no typo of \"blach\" here"
    );
    assert_eq!(commune(&u).as_deref(), Some("Badjarah"));
    assert_eq!(
        items("Salut, vous livrez a bach djerah ? je veux 2 pizzas viande"),
        vec![one("PZ-VIANDE", 2)]
    );
    let u = read("حاب جوج شاورما، توصيل لباب الزوار");
    assert_eq!(commune(&u).as_deref(), Some("Bab Ezzouar"));
    assert!(u.unknown_items.is_empty());
    let u = read("nheb 2 pizza viande w 2 gazouz, livraison l lharrach");
    assert_eq!(commune(&u).as_deref(), Some("El Harrach"));
}

#[test]
fn arabic_plurals_and_duals_before_a_noun_count_their_singular() {
    assert_eq!(
        items("حاب برغر وجوج قازوزات"),
        vec![("BG-CLASSIC".into(), None, vec![]), one("BS-LIMO", 2)]
    );
    assert_eq!(items("أريد شطيرتي شاورما"), vec![one("CH-VIANDE", 2)]);
    assert_eq!(items("قارورتا ماء"), vec![one("BS-EAU", 2)]);
    assert_eq!(
        items("بيتزا مارغريتا كبيرة وعصيري برتقال")[1],
        one("BS-JUS", 2)
    );
    assert_eq!(items("أريد عشر قطع كرنطيكة"), vec![one("KR-KARANTIKA", 10)]);
    assert_eq!(items("أريد طلبين من التاكوس"), vec![one("TC-POULET", 2)]);
    assert_eq!(items("أريد ثلاث شطائر برغر"), vec![one("BG-CLASSIC", 3)]);
    // A dual before a word that names nothing is no dual: "my juice".
    assert_eq!(items("عصيري المفضل برتقال")[0].1, None);
    // "طلبي" is "my order", not two orders.
    assert_eq!(read("هذا طلبي").free_numbers, Vec::<u32>::new());
}

#[test]
fn a_conjunction_glued_to_a_short_word_starts_its_own_segment() {
    assert_eq!(
        items("أريد أربع كرنطيكة وماء"),
        vec![one("KR-KARANTIKA", 4), ("BS-EAU".into(), None, vec![])]
    );
    let u = read("جوج برغر وتلاتة قازوزات ونجي نديهم");
    assert!(u.slots.pickup && u.unmapped.is_empty(), "{:?}", u.unmapped);
    assert_eq!(
        items("جوج برغر وتلاتة قازوزات ونجي نديهم"),
        vec![one("BG-CLASSIC", 2), one("BS-LIMO", 3)]
    );
}

#[test]
fn a_phrase_never_spans_a_comma() {
    // "لا أريد X" removes X; "لا، أريد 2 X" corrects to 2.
    assert!(read("لا أريد برغر").has(Intent::RemoveItem));
    assert!(!read("لا، أريد 2 ماء فقط").has(Intent::RemoveItem));
    assert!(read("احذف برغر من فضلك").has(Intent::RemoveItem));
    assert!(read("كم سعر التاكوس؟").has(Intent::PriceQuestion));
}

#[test]
fn the_number_after_instead_of_is_the_old_one() {
    let u = read("عفوا، أريد ثلاثا بدلا من واحدة");
    assert!(u.correction);
    assert_eq!(u.free_numbers, vec![3]);
    assert_eq!(read("bdelha 3").free_numbers, vec![3]);
}

#[test]
fn ordering_verbs_with_a_correction_set_rather_than_add() {
    let u = read("en fait mettez 3 chawarma");
    assert!(u.correction && !u.more);
    assert!(read("mettez m'en 2").more);
    let u = read("c est 1 pizza marguerite grande pas autre chose");
    assert!(
        u.correction && !u.more && u.unmapped.is_empty(),
        "{:?}",
        u.unmapped
    );
}

#[test]
fn a_size_alone_after_a_price_orders_the_item_priced_in_that_size() {
    let m = demo();
    let ctx = Context {
        menu: &m,
        cart: &[],
        focus: Some("PZ-4FR"),
        priced: true,
    };
    assert_eq!(
        cart_ops(&read("d accord une grande alors"), &ctx),
        vec![CartOp::Add {
            sku: "PZ-4FR".into(),
            qty: Some(1),
            choices: vec![(0, "L".into())]
        }]
    );
    let not_priced = Context {
        priced: false,
        ..ctx
    };
    assert_eq!(cart_ops(&read("une grande"), &not_priced), vec![]);
}

#[test]
fn a_quantity_shared_among_sizes_becomes_one_line_per_size() {
    let both = vec![
        sized("PZ-MARG", Some(1), "L"),
        sized("PZ-MARG", Some(1), "M"),
    ];
    assert_eq!(
        items("je veux 2 pizzas margherita une grande et une moyenne"),
        both
    );
    assert_eq!(
        items("jibli 2 pizza margarita wa7da kbira w wa7da moyenne"),
        both
    );
    assert_eq!(items("حاب زوج مارغريتا وحدة كبيرة ووحدة متوسطة"), both);
    // Parts that do not add up to the quantity are not a split.
    assert_eq!(
        items("3 margherita une grande et une moyenne").len(),
        1,
        "3 is not 1 + 1"
    );
    assert_eq!(
        items("2 margherita grande"),
        vec![sized("PZ-MARG", Some(2), "L")]
    );
}

#[test]
fn a_later_give_me_n_counts_the_one_item_asked_about() {
    assert_eq!(
        items("salam, 3andkom chawarma ? 3tini 3"),
        vec![one("CH-VIANDE", 3)]
    );
    assert_eq!(
        items("vous avez des tacos ? je veux 2"),
        vec![one("TC-POULET", 2)]
    );
    // Two items without a quantity: the number is nobody's.
    assert_eq!(
        items("pizza thon et tacos ? 3tini 3"),
        vec![
            ("PZ-THON".to_string(), None, vec![]),
            ("TC-POULET".to_string(), None, vec![])
        ]
    );
    // A number among other words (an address) is no quantity.
    assert_eq!(
        items("tacos, livraison cite 200 logements"),
        vec![("TC-POULET".to_string(), None, vec![])]
    );
}

#[test]
fn the_rest_of_an_items_own_name_and_small_words_stay_with_it() {
    assert_eq!(
        items("je voudrais trois tacos et deux jus d orange svp"),
        vec![one("TC-POULET", 3), one("BS-JUS", 2)]
    );
    assert!(read("deux jus d orange").unmapped.is_empty());
    assert_eq!(items("un tacos au poulet"), vec![one("TC-POULET", 1)]);
    assert_eq!(items("2 pizza au thon"), vec![one("PZ-THON", 2)]);
    assert_eq!(
        items("تاكوس تاع دجاج"),
        vec![("TC-POULET".into(), None, vec![])]
    );
}

#[test]
fn masculine_nouns_take_the_feminine_plural_too() {
    assert_eq!(items("زوج برغرات"), vec![one("BG-CLASSIC", 2)]);
    assert_eq!(
        items("أريد خمسة أقراص كرنطيكة"),
        vec![one("KR-KARANTIKA", 5)]
    );
}

#[test]
fn a_correction_naming_only_the_category_sets_the_line_of_that_category() {
    let m = demo();
    let c = cart("PZ-VIANDE", 2);
    let ctx = Context {
        menu: &m,
        cart: &c,
        focus: Some("PZ-VIANDE"),
        priced: false,
    };
    assert_eq!(
        cart_ops(&read("non finalement 1 seule pizza"), &ctx),
        vec![CartOp::Set {
            sku: "PZ-VIANDE".into(),
            qty: Some(1),
            choices: vec![],
            size: None
        }]
    );
}

#[test]
fn a_number_word_spelled_like_a_commune_stays_a_number() {
    // "seb3a" (7) folds like the commune Sebaa.
    assert_eq!(items("seb3a tacos"), vec![one("TC-POULET", 7)]);
    assert_eq!(read("seb3a tacos").slots.place, None);
}

#[test]
fn sending_it_to_a_commune_glued_to_its_preposition_is_a_delivery_there() {
    let u = read("ارسلوها لحسين داي");
    assert!(u.slots.delivery);
    assert_eq!(commune(&u).as_deref(), Some("Hussein Dey"));
}
