//! What the bot says, as facts (`Say`), and their wording in French and Arabic. Every reply
//! has both templates; choices use WhatsApp's limits (≤3 buttons of ≤20 characters, ≤10 list
//! rows of ≤24), which the relay turns into numbered text on Instagram and Messenger.

use super::hours::NextOpening;
use super::{delivery_fee, subtotal, unit_price, Conversation, Fulfilment};
use crate::menu::{Lang, Menu, PaymentMethod};
use crate::orders::OrderStatus;
use resto_sync::outbound::{
    Button, OutgoingMessage, Row, Section, MAX_BUTTON_TITLE_CHARS, MAX_LIST_ROWS,
    MAX_ROW_TITLE_CHARS,
};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "say", rename_all = "snake_case")]
pub enum Say {
    Welcome {
        open: bool,
        next: Option<NextOpening>,
    },
    Categories,
    CategoryItems {
        category: String,
        page: usize,
    },
    AskOption {
        sku: String,
        option: usize,
    },
    Added {
        sku: String,
        qty: u32,
    },
    Cart,
    CartEmpty,
    Removed {
        sku: String,
    },
    QuantitySet {
        sku: String,
        qty: u32,
    },
    NotInCart {
        sku: String,
    },
    Unavailable {
        sku: String,
        alternatives: Vec<String>,
    },
    UnknownProducts {
        ids: Vec<String>,
    },
    AskFulfilment,
    PickupUnavailable,
    MinOrder {
        min: i64,
        missing: i64,
    },
    AskPlace,
    PlaceNotServed {
        place: String,
    },
    PlaceUnknown,
    DeliveryQuote {
        place: String,
        fee: i64,
        eta_minutes: u32,
    },
    AskAddress,
    /// The address is too vague for a courier: a landmark or a pin, please.
    AskLandmark,
    /// A pin arrived but the data has no coordinates to place it: which commune?
    PinNeedsCommune,
    /// The commune name exists in several wilayas: (commune index, "Name (Wilaya)").
    ChoosePlace {
        options: Vec<(usize, String)>,
    },
    AskPayment,
    /// Cash is not offered to this customer (no-show rule): card payment only.
    PrepayRequired,
    /// The order needs a phone call from staff before it is prepared (no-show rule).
    PhoneConfirmation,
    Summary,
    OrderPlaced {
        number: String,
        eta_minutes: u32,
        pickup: bool,
    },
    NotSent,
    Closed {
        next: Option<NextOpening>,
    },
    OrderStatus {
        number: String,
        status: OrderStatus,
        eta: Option<String>,
    },
    NoOrder,
    OrderCancelled {
        number: String,
    },
    CannotCancel {
        number: String,
        status: OrderStatus,
    },
    CartCleared,
    HumanComing,
    YoureWelcome,
    Goodbye,
    NotUnderstood,
    OfferHelp,
    Faq {
        index: usize,
    },
    ItemPrice {
        sku: String,
    },
    DeliveryInfo,
    PaymentInfo,
    OpeningHours,
    NonText {
        kind: String,
    },
    LanguageSet,
    Sorry,
}

pub struct Ctx<'a> {
    pub menu: &'a Menu,
    pub conv: &'a Conversation,
    pub lang: Lang,
}

pub(crate) fn t(lang: Lang, fr: &str, ar: &str) -> String {
    match lang {
        Lang::Fr => fr.to_string(),
        Lang::Ar => ar.to_string(),
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

pub(crate) fn da(n: i64) -> String {
    format!("{n} DA")
}

const DAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const DAYS_AR: [&str; 7] = [
    "الاثنين",
    "الثلاثاء",
    "الأربعاء",
    "الخميس",
    "الجمعة",
    "السبت",
    "الأحد",
];

fn when(lang: Lang, n: &NextOpening) -> String {
    let day = match (n.in_days, lang) {
        (0, Lang::Fr) => "aujourd'hui".to_string(),
        (0, Lang::Ar) => "اليوم".to_string(),
        (1, Lang::Fr) => "demain".to_string(),
        (1, Lang::Ar) => "غدا".to_string(),
        (_, Lang::Fr) => DAYS_FR[n.weekday as usize % 7].to_string(),
        (_, Lang::Ar) => format!("يوم {}", DAYS_AR[n.weekday as usize % 7]),
    };
    t(
        lang,
        &format!("{day} à {}", n.at),
        &format!("{day} على {}", n.at),
    )
}

fn status_name(lang: Lang, s: OrderStatus) -> &'static str {
    use OrderStatus::*;
    match (lang, s) {
        (Lang::Fr, New) => "reçue, en attente de confirmation du restaurant",
        (Lang::Fr, Accepted) => "acceptée",
        (Lang::Fr, Rejected) => "refusée par le restaurant",
        (Lang::Fr, Preparing) => "en préparation",
        (Lang::Fr, Ready) => "prête",
        (Lang::Fr, OutForDelivery) => "en route avec le livreur",
        (Lang::Fr, Delivered) => "livrée",
        (Lang::Fr, Cancelled) => "annulée",
        (Lang::Ar, New) => "وصلت، في انتظار تأكيد المطعم",
        (Lang::Ar, Accepted) => "مقبولة",
        (Lang::Ar, Rejected) => "مرفوضة من المطعم",
        (Lang::Ar, Preparing) => "قيد التحضير",
        (Lang::Ar, Ready) => "جاهزة",
        (Lang::Ar, OutForDelivery) => "في الطريق مع عامل التوصيل",
        (Lang::Ar, Delivered) => "تم توصيلها",
        (Lang::Ar, Cancelled) => "ملغاة",
    }
}

fn pay_name(lang: Lang, p: PaymentMethod) -> String {
    match p {
        PaymentMethod::Cod => t(lang, "Espèces à la livraison", "الدفع عند الاستلام"),
        PaymentMethod::Cib => "CIB".into(),
        PaymentMethod::Edahabia => t(lang, "Edahabia", "الذهبية"),
    }
}

/// One cart line as text: "2 × Pizza Margherita (Grande) — 2000 DA".
pub fn line_text(menu: &Menu, lang: Lang, l: &super::CartLine) -> String {
    let Some(item) = menu.item(&l.sku) else {
        return String::new();
    };
    let opts: Vec<&str> = item
        .options
        .iter()
        .zip(&l.choices)
        .filter_map(|(o, id)| {
            o.choices
                .iter()
                .find(|c| &c.id == id)
                .map(|c| c.name.get(lang))
        })
        .collect();
    let opts = if opts.is_empty() {
        String::new()
    } else {
        format!(" ({})", opts.join(", "))
    };
    let price = unit_price(menu, l).unwrap_or(0) * l.qty as i64;
    format!(
        "{} × {}{} — {}",
        l.qty,
        item.name.get(lang),
        opts,
        da(price)
    )
}

fn cart_text(c: &Ctx<'_>) -> String {
    let lines: Vec<String> = c
        .conv
        .cart
        .iter()
        .map(|l| format!("• {}", line_text(c.menu, c.lang, l)))
        .collect();
    let sub = subtotal(c.menu, &c.conv.cart);
    format!(
        "{}\n{}",
        lines.join("\n"),
        t(
            c.lang,
            &format!("Total : {}", da(sub)),
            &format!("المجموع: {}", da(sub))
        )
    )
}

fn buttons(text: String, b: &[(&str, String)]) -> OutgoingMessage {
    OutgoingMessage::Buttons {
        text,
        buttons: b
            .iter()
            .map(|(id, title)| Button {
                id: id.to_string(),
                title: clip(title, MAX_BUTTON_TITLE_CHARS),
            })
            .collect(),
    }
}

fn list(
    text: String,
    button: String,
    rows: Vec<(String, String, Option<String>)>,
) -> OutgoingMessage {
    OutgoingMessage::List {
        text,
        button: clip(&button, MAX_BUTTON_TITLE_CHARS),
        sections: vec![Section {
            title: String::new(),
            rows: rows
                .into_iter()
                .take(MAX_LIST_ROWS)
                .map(|(id, title, description)| Row {
                    id,
                    title: clip(&title, MAX_ROW_TITLE_CHARS),
                    description,
                })
                .collect(),
        }],
    }
}

/// Items shown per page of a category list: one row is kept for "more".
pub const PAGE: usize = MAX_LIST_ROWS - 1;

/// The ids a reply offers, in the order shown (numbered on Instagram/Messenger).
pub fn offered_ids(m: &OutgoingMessage) -> Vec<String> {
    match m {
        OutgoingMessage::Buttons { buttons, .. } => buttons.iter().map(|b| b.id.clone()).collect(),
        OutgoingMessage::List { sections, .. } => sections
            .iter()
            .flat_map(|s| s.rows.iter().map(|r| r.id.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

fn cart_buttons(c: &Ctx<'_>, text: String) -> OutgoingMessage {
    let l = c.lang;
    buttons(
        text,
        &[
            ("act:checkout", t(l, "Commander ✅", "تأكيد الطلب ✅")),
            ("act:menu", t(l, "Ajouter ➕", "إضافة ➕")),
            ("act:clear", t(l, "Vider le panier", "إفراغ السلة")),
        ],
    )
}

fn menu_help(l: Lang) -> OutgoingMessage {
    buttons(
        t(l, "Je n'ai pas bien compris 🙏 Voulez-vous voir le menu ou parler à quelqu'un du restaurant ?", "ما فهمتش مليح 🙏 تحب تشوف القائمة ولا تهدر مع واحد من المطعم؟"),
        &[("act:menu", t(l, "Voir le menu", "القائمة")), ("act:human", t(l, "Parler à quelqu'un", "نهدر مع واحد"))],
    )
}

pub fn render(say: &Say, c: &Ctx<'_>) -> OutgoingMessage {
    let l = c.lang;
    let m = c.menu;
    let r = &m.restaurant;
    let text = |s: String| OutgoingMessage::Text { text: s };
    let item_name = |sku: &str| {
        m.item(sku)
            .map(|i| i.name.get(l).to_string())
            .unwrap_or_else(|| sku.to_string())
    };
    match say {
        Say::Welcome { open, next } => {
            let mut s = t(l, &format!("Bienvenue chez {} 👋 Que souhaitez-vous commander ?", r.name), &format!("مرحبا بكم في {} 👋 واش تحب تطلب؟", r.name));
            if !open {
                let w = next.as_ref().map(|n| when(l, n)).unwrap_or_default();
                s = t(l, &format!("Bienvenue chez {} 👋 Nous sommes fermés pour le moment ; nous ouvrons {w}.", r.name), &format!("مرحبا بكم في {} 👋 المطعم مغلق حاليا، نفتحو {w}.", r.name));
            }
            buttons(s, &[("act:menu", t(l, "Voir le menu", "القائمة")), ("act:status", t(l, "Ma commande", "طلبيتي")), ("act:human", t(l, "Parler à quelqu'un", "نهدر مع واحد"))])
        }
        Say::Categories => list(
            t(l, "Notre menu 📋 Choisissez une catégorie :", "القائمة تاعنا 📋 اختار صنف:"),
            t(l, "Catégories", "الأصناف"),
            m.categories.iter().map(|cat| (format!("cat:{}", cat.id), cat.name.get(l).to_string(), None)).collect(),
        ),
        Say::CategoryItems { category, page } => {
            let Some(cat) = m.category(category) else { return text(t(l, "Cette catégorie n'existe plus.", "هذا الصنف ما بقاش.")) };
            let mut rows: Vec<(String, String, Option<String>)> = cat
                .items
                .iter()
                .skip(page * PAGE)
                .take(PAGE)
                .map(|it| {
                    let price = if it.available { da(it.price) } else { format!("{} — {}", da(it.price), t(l, "épuisé", "غير متوفر")) };
                    (format!("item:{}", it.sku), it.name.get(l).to_string(), Some(price))
                })
                .collect();
            if cat.items.len() > (page + 1) * PAGE {
                rows.push((format!("cat:{}:{}", cat.id, page + 1), t(l, "Plus…", "المزيد…"), None));
            }
            list(t(l, &format!("{} — que voulez-vous ?", cat.name.fr), &format!("{} — واش تحب؟", cat.name.ar)), t(l, "Voir", "شوف"), rows)
        }
        Say::AskOption { sku, option } => {
            let Some(item) = m.item(sku) else { return text(String::new()) };
            let Some(opt) = item.options.get(*option) else { return text(String::new()) };
            let q = t(l, &format!("{} : quelle {} ?", item.name.fr, opt.name.fr.to_lowercase()), &format!("{}: واش من {}؟", item.name.ar, opt.name.ar));
            let choices: Vec<(String, String)> = opt
                .choices
                .iter()
                .map(|ch| {
                    let title = if ch.price_delta == 0 { ch.name.get(l).to_string() } else { format!("{} (+{})", ch.name.get(l), ch.price_delta) };
                    (format!("opt:{}", ch.id), title)
                })
                .collect();
            if choices.len() <= 3 {
                let b: Vec<(&str, String)> = choices.iter().map(|(id, ti)| (id.as_str(), ti.clone())).collect();
                buttons(q, &b)
            } else {
                list(q, opt.name.get(l).to_string(), choices.into_iter().map(|(id, ti)| (id, ti, None)).collect())
            }
        }
        Say::Added { sku, qty } => cart_buttons(c, format!("{}\n\n{}", t(l, &format!("Ajouté : {qty} × {} ✅", item_name(sku)), &format!("تزاد: {qty} × {} ✅", item_name(sku))), cart_text(c))),
        Say::Cart | Say::NotSent => {
            let head = if matches!(say, Say::NotSent) {
                t(l, "D'accord, la commande n'est pas envoyée. Votre panier :", "مليح، الطلبية ما تبعثتش. السلة تاعك:")
            } else {
                t(l, "Votre panier :", "السلة تاعك:")
            };
            cart_buttons(c, format!("{head}\n{}", cart_text(c)))
        }
        Say::CartEmpty => buttons(t(l, "Votre panier est vide.", "السلة فارغة."), &[("act:menu", t(l, "Voir le menu", "القائمة"))]),
        Say::Removed { sku } => {
            let head = t(l, &format!("{} retiré du panier.", item_name(sku)), &format!("{} تنحى من السلة.", item_name(sku)));
            if c.conv.cart.is_empty() { buttons(head, &[("act:menu", t(l, "Voir le menu", "القائمة"))]) } else { cart_buttons(c, format!("{head}\n\n{}", cart_text(c))) }
        }
        Say::QuantitySet { sku, qty } => cart_buttons(c, format!("{}\n\n{}", t(l, &format!("Quantité de {} : {qty}.", item_name(sku)), &format!("الكمية تاع {}: {qty}.", item_name(sku))), cart_text(c))),
        Say::NotInCart { sku } => text(t(l, &format!("{} n'est pas dans votre panier.", item_name(sku)), &format!("{} ماراهش في السلة.", item_name(sku)))),
        Say::Unavailable { sku, alternatives } => {
            let head = t(l, &format!("Désolé, {} n'est pas disponible pour le moment.", item_name(sku)), &format!("سمحلنا، {} غير متوفر حاليا.", item_name(sku)));
            if alternatives.is_empty() {
                text(head)
            } else {
                let rows = alternatives.iter().filter_map(|s| m.item(s)).map(|it| (format!("item:{}", it.sku), it.name.get(l).to_string(), Some(da(it.price)))).collect();
                list(format!("{head} {}", t(l, "Nous vous proposons :", "نقترحو عليك:")), t(l, "Voir", "شوف"), rows)
            }
        }
        Say::UnknownProducts { ids } => text(t(l, &format!("Ces produits ne sont plus au menu : {}.", ids.join(", ")), &format!("هذه المنتجات ما بقاتش في القائمة: {}.", ids.join(", ")))),
        Say::AskFulfilment => buttons(
            t(l, "À emporter ou en livraison ?", "تجي تدّيها ولا نوصلوهالك؟"),
            &[("ful:pickup", t(l, "À emporter", "نجي ندّيها")), ("ful:delivery", t(l, "Livraison", "توصيل"))],
        ),
        Say::PickupUnavailable => text(t(l, "Ce restaurant ne fait que la livraison.", "هذا المطعم يوصل برك.")),
        Say::MinOrder { min, missing } => buttons(
            t(l, &format!("La livraison demande un minimum de {} ; il manque {}. Ajoutez quelque chose ou choisissez à emporter.", da(*min), da(*missing)),
              &format!("التوصيل يكون من {}؛ ناقص {}. زيد حاجة ولا اختار تجي تدّيها.", da(*min), da(*missing))),
            &[("act:menu", t(l, "Ajouter ➕", "إضافة ➕")), ("ful:pickup", t(l, "À emporter", "نجي ندّيها"))],
        ),
        Say::AskPlace => text(t(l, "Dans quelle commune livrer ? (ex. Bab Ezzouar) Vous pouvez aussi envoyer votre position 📍.", "في أي بلدية نوصلو؟ (مثلا باب الزوار) ولا ابعث الموقع تاعك 📍.")),
        Say::PlaceNotServed { place } => buttons(
            t(l, &format!("Désolé, nous ne livrons pas à {place}. Une autre commune, ou à emporter ?"), &format!("سمحلنا، ما نوصلوش لـ {place}. بلدية أخرى ولا تجي تدّيها؟")),
            &[("ful:pickup", t(l, "À emporter", "نجي ندّيها"))],
        ),
        Say::PlaceUnknown => text(t(l, "Je ne trouve pas cette commune. Écrivez son nom (ex. Bab Ezzouar) ou envoyez votre position 📍.", "ما لقيتش هذه البلدية. اكتب الاسم (مثلا باب الزوار) ولا ابعث الموقع 📍.")),
        Say::DeliveryQuote { place, fee, eta_minutes } => text(t(l, &format!("Livraison à {place} : {}, environ {eta_minutes} min.", da(*fee)), &format!("التوصيل لـ {place}: {}، تقريبا {eta_minutes} دقيقة.", da(*fee)))),
        Say::AskLandmark => text(t(l, "Pouvez-vous préciser l'adresse pour le livreur : un repère proche (mosquée, école, pharmacie…) ou votre position 📍 ?", "زيد وضّح العنوان للموصّل: علامة قريبة (جامع، مدرسة، صيدلية…) ولا ابعث الموقع 📍؟")),
        Say::ChoosePlace { options } => {
            let q = t(l, "Plusieurs communes portent ce nom. Laquelle ?", "كاين بزاف بلديات بهذا الاسم. واش من وحدة؟");
            if options.len() <= 3 {
                let b: Vec<(String, String)> = options.iter().map(|(i, n)| (format!("place:{i}"), n.clone())).collect();
                let b: Vec<(&str, String)> = b.iter().map(|(i, n)| (i.as_str(), n.clone())).collect();
                buttons(q, &b)
            } else {
                list(q, t(l, "Communes", "البلديات"), options.iter().map(|(i, n)| (format!("place:{i}"), n.clone(), None)).collect())
            }
        }
        Say::PinNeedsCommune => text(t(l, "Merci pour la position 📍 Dans quelle commune êtes-vous ? (ex. Bab Ezzouar)", "شكرا على الموقع 📍 في أي بلدية راك؟ (مثلا باب الزوار)")),
        Say::AskAddress => text(t(l, "Votre adresse précise (rue, bâtiment, repère) ?", "العنوان بالضبط (الشارع، العمارة، علامة قريبة)؟")),
        Say::AskPayment => {
            let b: Vec<(String, String)> = r.payment_methods.iter().map(|p| (format!("pay:{}", p.as_str()), pay_name(l, *p))).collect();
            let b: Vec<(&str, String)> = b.iter().map(|(id, ti)| (id.as_str(), ti.clone())).collect();
            buttons(t(l, "Comment souhaitez-vous payer ?", "كيفاش تحب تخلص؟"), &b)
        }
        Say::PrepayRequired => {
            let b: Vec<(String, String)> = r.payment_methods.iter().filter(|p| **p != crate::menu::PaymentMethod::Cod).map(|p| (format!("pay:{}", p.as_str()), pay_name(l, *p))).collect();
            let b: Vec<(&str, String)> = b.iter().map(|(id, ti)| (id.as_str(), ti.clone())).collect();
            buttons(t(l, "Pour cette commande, le paiement se fait en ligne. Comment souhaitez-vous payer ?", "هاد الطلبية تتخلص عبر الإنترنت. كيفاش تحب تخلص؟"), &b)
        }
        Say::PhoneConfirmation => text(t(l, "📞 Le restaurant va vous appeler pour confirmer la commande avant de la préparer.", "📞 المطعم غادي يعيطلك باش يأكد الطلبية قبل ما يحضرها.")),
        Say::Summary => {
            let conv = c.conv;
            let sub = subtotal(m, &conv.cart);
            let fee = delivery_fee(conv);
            let how = match &conv.fulfilment {
                Some(Fulfilment::Delivery(d)) => t(l, &format!("Livraison : {} ({})", d.address.clone().unwrap_or_default(), d.commune.clone().unwrap_or_default()), &format!("التوصيل: {} ({})", d.address.clone().unwrap_or_default(), d.commune.clone().unwrap_or_default())),
                _ => t(l, "À emporter", "تجي تدّيها"),
            };
            let pay = conv.payment.map(|p| pay_name(l, p)).unwrap_or_default();
            let body = t(
                l,
                &format!("Récapitulatif :\n{}\nLivraison : {}\nTotal à payer : {}\n{how}\nPaiement : {pay}\n\nOn confirme ?", cart_text(c), da(fee), da(sub + fee)),
                &format!("ملخص الطلبية:\n{}\nالتوصيل: {}\nالمجموع الكلي: {}\n{how}\nالدفع: {pay}\n\nنأكدو؟", cart_text(c), da(fee), da(sub + fee)),
            );
            buttons(body, &[("yes", t(l, "Confirmer ✅", "نأكد ✅")), ("no", t(l, "Modifier", "نبدل"))])
        }
        Say::OrderPlaced { number, eta_minutes, pickup } => text(if *pickup {
            t(l, &format!("Merci ! Commande {number} enregistrée ✅ Elle sera prête dans environ {eta_minutes} min. Écrivez « ma commande » pour la suivre."), &format!("شكرا! الطلبية {number} تسجلت ✅ تكون جاهزة في حوالي {eta_minutes} دقيقة. اكتب «طلبيتي» باش تتبعها."))
        } else {
            t(l, &format!("Merci ! Commande {number} enregistrée ✅ Livraison dans environ {eta_minutes} min. Écrivez « ma commande » pour la suivre."), &format!("شكرا! الطلبية {number} تسجلت ✅ توصلك في حوالي {eta_minutes} دقيقة. اكتب «طلبيتي» باش تتبعها."))
        }),
        Say::Closed { next } => {
            let w = next.as_ref().map(|n| when(l, n)).unwrap_or_default();
            text(t(l, &format!("Nous sommes fermés pour le moment et ne prenons pas de commande. Nous ouvrons {w}."), &format!("المطعم مغلق حاليا وما ناخذوش طلبيات. نفتحو {w}.")))
        }
        Say::OrderStatus { number, status, eta } => {
            let eta = eta.as_ref().filter(|_| !status.is_final()).map(|e| t(l, &format!(" Heure prévue : {e}."), &format!(" الوقت المتوقع: {e}."))).unwrap_or_default();
            text(t(l, &format!("Votre commande {number} est {}.{eta}", status_name(l, *status)), &format!("الطلبية {number}: {}.{eta}", status_name(l, *status))))
        }
        Say::NoOrder => buttons(t(l, "Vous n'avez pas de commande en cours.", "ما عندك حتى طلبية."), &[("act:menu", t(l, "Voir le menu", "القائمة"))]),
        Say::OrderCancelled { number } => text(t(l, &format!("Commande {number} annulée."), &format!("الطلبية {number} تلغات."))),
        Say::CannotCancel { number, status } => buttons(
            t(l, &format!("La commande {number} est déjà {} ; le restaurant doit l'annuler lui-même.", status_name(l, *status)), &format!("الطلبية {number} راهي {}؛ لازم المطعم يلغيها.", status_name(l, *status))),
            &[("act:human", t(l, "Parler à quelqu'un", "نهدر مع واحد"))],
        ),
        Say::CartCleared => buttons(t(l, "Panier vidé.", "السلة تفرغت."), &[("act:menu", t(l, "Voir le menu", "القائمة"))]),
        Say::HumanComing => text(t(l, "Quelqu'un du restaurant va vous répondre ici très vite 🙏", "واحد من المطعم يجاوبك هنا قريب 🙏")),
        Say::YoureWelcome => text(t(l, "Avec plaisir 😊", "بالصحة 😊")),
        Say::Goodbye => text(t(l, "Merci et à bientôt 👋", "شكرا، نتلاقاو قريب 👋")),
        Say::NotUnderstood => text(t(l, "Je n'ai pas compris 🙏 Écrivez par exemple « menu » ou « 2 tacos ».", "ما فهمتش 🙏 اكتب مثلا «المنيو» ولا «جوج تاكوس».")),
        Say::OfferHelp => menu_help(l),
        Say::Faq { index } => text(m.faq.get(*index).map(|f| f.a.get(l).to_string()).unwrap_or_default()),
        Say::ItemPrice { sku } => {
            let Some(it) = m.item(sku) else { return text(String::new()) };
            let opts: Vec<String> = it.options.iter().flat_map(|o| o.choices.iter()).filter(|ch| ch.price_delta != 0).map(|ch| format!("{} {}", ch.name.get(l), da(it.price + ch.price_delta))).collect();
            let extra = if opts.is_empty() { String::new() } else { format!(" ({})", opts.join(", ")) };
            text(format!("{} : {}{extra}", it.name.get(l), da(it.price)))
        }
        Say::DeliveryInfo => {
            let zones: Vec<String> = m.delivery.zones.iter().map(|z| match &z.communes {
                crate::menu::ZoneCommunes::Listed(n) => format!("{} : {}, ~{} min", n.join(", "), da(z.fee), z.eta_minutes),
                crate::menu::ZoneCommunes::All(_) => format!("{} {} : {}, ~{} min", t(l, "Autres communes de la wilaya", "بلديات أخرى في الولاية"), z.wilaya_code, da(z.fee), z.eta_minutes),
            }).collect();
            let pickup = if r.pickup { t(l, " Vous pouvez aussi venir chercher votre commande.", " تقدر تاني تجي تدّي الطلبية.") } else { String::new() };
            text(format!("{}\n{}\n{}{pickup}", t(l, &format!("Livraison (minimum {}) :", da(m.delivery.min_order)), &format!("التوصيل (أقل طلبية {}):", da(m.delivery.min_order))), zones.join("\n"), ""))
        }
        Say::PaymentInfo => {
            let names: Vec<String> = r.payment_methods.iter().map(|p| pay_name(l, *p)).collect();
            text(t(l, &format!("Moyens de paiement : {}.", names.join(", ")), &format!("طرق الدفع: {}.", names.join("، "))))
        }
        Say::OpeningHours => {
            let hours: Vec<String> = r.opening_hours.iter().map(|h| {
                let days: Vec<&str> = h.days.iter().filter_map(|d| crate::menu::validate::DAYS.iter().position(|x| x == d)).map(|i| if l == Lang::Fr { DAYS_FR[i] } else { DAYS_AR[i] }).collect();
                format!("{} : {}–{}", days.join(", "), h.open, h.close)
            }).collect();
            text(format!("{}\n{}", t(l, "Nos horaires :", "أوقات العمل:"), hours.join("\n")))
        }
        Say::NonText { kind } => {
            let what = match kind.as_str() {
                "audio" => t(l, "les messages vocaux", "الرسائل الصوتية"),
                "image" | "video" => t(l, "les photos et vidéos", "الصور والفيديوهات"),
                "sticker" => t(l, "les stickers", "الملصقات"),
                _ => t(l, "ce type de message", "هذا النوع من الرسائل"),
            };
            text(t(l, &format!("Je ne peux pas lire {what} 🙏 Le restaurant le verra. Écrivez votre commande, par exemple « 2 tacos », ou « menu »."), &format!("ما نقدرش نقرا {what} 🙏 المطعم يشوفها. اكتب الطلبية، مثلا «جوج تاكوس»، ولا «المنيو».")))
        }
        Say::LanguageSet => text(t(l, "D'accord, je vous réponds en français.", "مليح، نجاوبك بالعربية.")),
        Say::Sorry => buttons(t(l, "Nous sommes désolés 🙏 Quelqu'un du restaurant va regarder votre problème.", "سمحلنا 🙏 واحد من المطعم يشوف المشكل تاعك."), &[("act:status", t(l, "Ma commande", "طلبيتي"))]),
    }
}
