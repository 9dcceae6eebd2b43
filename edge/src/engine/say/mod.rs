//! What the bot says, as facts (`Say`), and their wording in French and Arabic. Every reply
//! has both templates; choices use WhatsApp's limits (≤3 buttons of ≤20 characters, ≤10 list
//! rows of ≤24), which the relay turns into numbered text on Instagram and Messenger.

mod cart;
mod checkout;
mod info;
mod widgets;

use super::Conversation;
use crate::domain::hours::NextOpening;
use crate::domain::menu::{Lang, Menu};
use crate::domain::orders::OrderStatus;
use crate::domain::register::Register;
use crate::domain::wording::{da, t, tr};
use resto_sync::outbound::{OutgoingMessage, MAX_LIST_ROWS};
use serde::Serialize;
use widgets::{buttons, text};

pub use cart::line_text;

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
    /// Words that stood for an item and matched none, with the closest items to offer.
    NotFound {
        spans: Vec<String>,
        suggestions: Vec<String>,
    },
}

/// What a template reads besides the fact: prices and names from the menu, the cart.
pub struct Ctx<'a> {
    pub menu: &'a Menu,
    pub conv: &'a Conversation,
    pub lang: Lang,
}

impl Ctx<'_> {
    /// The register replies are written in: the conversation's, when it fits the language.
    pub fn register(&self) -> Register {
        self.conv
            .register
            .filter(|r| r.lang() == self.lang)
            .unwrap_or(Register::of_lang(self.lang))
    }
}

/// The pickup button, in the customer's register.
fn pickup_label(r: Register) -> String {
    crate::domain::wording::tr(
        r,
        "À emporter",
        "نجي ندّيها",
        "الاستلام من المطعم",
        "À emporter",
    )
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

/// The reply for a fact, in the context's language. Short templates are written here; longer
/// ones live with their stage (`cart`, `checkout`, `info`).
pub fn render(say: &Say, c: &Ctx<'_>) -> OutgoingMessage {
    let l = c.lang;
    let m = c.menu;
    let r = c.register();
    match say {
        Say::Welcome { open, next } => info::welcome(c, *open, next.as_ref()),
        Say::Categories => cart::categories(c),
        Say::CategoryItems { category, page } => cart::category_items(c, category, *page),
        Say::AskOption { sku, option } => cart::ask_option(c, sku, *option),
        Say::Added { sku, qty } => cart::added(c, sku, *qty),
        Say::Cart => cart::cart(c, tr(r, "Votre panier :", "السلة تاعك:", "سلة مشترياتك:", "Panier ta3ek :")),
        Say::NotSent => cart::cart(c, t(l, "D'accord, la commande n'est pas envoyée. Votre panier :", "مليح، الطلبية ما تبعثتش. السلة تاعك:")),
        Say::CartEmpty => buttons(tr(r, "Votre panier est vide.", "السلة فارغة.", "سلتك فارغة.", "Panier ta3ek fareg."), &[("act:menu", t(l, "Voir le menu", "القائمة"))]),
        Say::Removed { sku } => cart::removed(c, sku),
        Say::QuantitySet { sku, qty } => cart::quantity_set(c, sku, *qty),
        Say::NotInCart { sku } => {
            let n = cart::item_name(c, sku);
            text(tr(r, &format!("{n} n'est pas dans votre panier."), &format!("{n} ماراهش في السلة."), &format!("{n} ليس في سلتك."), &format!("{n} machi f le panier ta3ek.")))
        }
        Say::Unavailable { sku, alternatives } => cart::unavailable(c, sku, alternatives),
        Say::UnknownProducts { ids } => text(t(l, &format!("Ces produits ne sont plus au menu : {}.", ids.join(", ")), &format!("هذه المنتجات ما بقاتش في القائمة: {}.", ids.join(", ")))),
        Say::AskFulfilment => buttons(
            tr(r, "À emporter ou en livraison ?", "تجي تدّيها ولا نوصلوهالك؟", "هل ستستلم الطلب من المطعم أم تريد التوصيل؟", "Tji teddiha wella nwasslouhalek ?"),
            &[("ful:pickup", pickup_label(r)), ("ful:delivery", t(l, "Livraison", "توصيل"))],
        ),
        Say::PickupUnavailable => text(t(l, "Ce restaurant ne fait que la livraison.", "هذا المطعم يوصل برك.")),
        Say::MinOrder { min, missing } => buttons(
            t(l, &format!("La livraison demande un minimum de {} ; il manque {}. Ajoutez quelque chose ou choisissez à emporter.", da(*min), da(*missing)),
              &format!("التوصيل يكون من {}؛ ناقص {}. زيد حاجة ولا اختار تجي تدّيها.", da(*min), da(*missing))),
            &[("act:menu", t(l, "Ajouter ➕", "إضافة ➕")), ("ful:pickup", pickup_label(r))],
        ),
        Say::AskPlace => text(tr(r, "Dans quelle commune livrer ? (ex. Bab Ezzouar) Vous pouvez aussi envoyer votre position 📍.", "في أي بلدية نوصلو؟ (مثلا باب الزوار) ولا ابعث الموقع تاعك 📍.", "إلى أي بلدية نوصل الطلب؟ (مثلا باب الزوار) يمكنك أيضا إرسال موقعك 📍.", "F'ama baladiya nwasslou ? (ex. Bab Ezzouar) wella ab3at la position 📍.")),
        Say::PlaceNotServed { place } => buttons(
            tr(r, &format!("Désolé, nous ne livrons pas à {place}. Une autre commune, ou à emporter ?"), &format!("سمحلنا، ما نوصلوش لـ {place}. بلدية أخرى ولا تجي تدّيها؟"), &format!("عذرا، لا نوصل إلى {place}. بلدية أخرى أم تستلم الطلب من المطعم؟"), &format!("Smahlna, ma nwasslouch l {place}. Baladiya okhra wella tji teddiha ?")),
            &[("ful:pickup", pickup_label(r))],
        ),
        Say::PlaceUnknown => text(tr(r, "Je ne trouve pas cette commune. Écrivez son nom (ex. Bab Ezzouar) ou envoyez votre position 📍.", "ما لقيتش هذه البلدية. اكتب الاسم (مثلا باب الزوار) ولا ابعث الموقع 📍.", "لم أجد هذه البلدية. اكتب اسمها (مثلا باب الزوار) أو أرسل موقعك 📍.", "Ma l9itch had la commune. Ekteb smiyetha (ex. Bab Ezzouar) wella ab3at la position 📍.")),
        Say::DeliveryQuote { place, fee, eta_minutes } => text(tr(r, &format!("Livraison à {place} : {}, environ {eta_minutes} min.", da(*fee)), &format!("التوصيل لـ {place}: {}، تقريبا {eta_minutes} دقيقة.", da(*fee)), &format!("التوصيل إلى {place}: {}، حوالي {eta_minutes} دقيقة.", da(*fee)), &format!("Livraison l {place} : {}, ta9riban {eta_minutes} min.", da(*fee)))),
        Say::AskLandmark => text(t(l, "Pouvez-vous préciser l'adresse pour le livreur : un repère proche (mosquée, école, pharmacie…) ou votre position 📍 ?", "زيد وضّح العنوان للموصّل: علامة قريبة (جامع، مدرسة، صيدلية…) ولا ابعث الموقع 📍؟")),
        Say::ChoosePlace { options } => checkout::choose_place(c, options),
        Say::PinNeedsCommune => text(t(l, "Merci pour la position 📍 Dans quelle commune êtes-vous ? (ex. Bab Ezzouar)", "شكرا على الموقع 📍 في أي بلدية راك؟ (مثلا باب الزوار)")),
        Say::AskAddress => text(tr(r, "Votre adresse précise (rue, bâtiment, repère) ?", "العنوان بالضبط (الشارع، العمارة، علامة قريبة)؟", "ما هو عنوانك بالتفصيل (الشارع، العمارة، معلم قريب)؟", "L'adresse exacte (chari3, l'3imara, repère) ?")),
        Say::AskPayment => checkout::ask_payment(c, false),
        Say::PrepayRequired => checkout::ask_payment(c, true),
        Say::PhoneConfirmation => text(t(l, "📞 Le restaurant va vous appeler pour confirmer la commande avant de la préparer.", "📞 المطعم غادي يعيطلك باش يأكد الطلبية قبل ما يحضرها.")),
        Say::Summary => checkout::summary(c),
        Say::OrderPlaced { number, eta_minutes, pickup } => checkout::order_placed(r, number, *eta_minutes, *pickup),
        Say::Closed { next } => info::closed(l, next.as_ref()),
        Say::OrderStatus { number, status, eta } => info::order_status(l, number, *status, eta.as_deref()),
        Say::NoOrder => buttons(t(l, "Vous n'avez pas de commande en cours.", "ما عندك حتى طلبية."), &[("act:menu", t(l, "Voir le menu", "القائمة"))]),
        Say::OrderCancelled { number } => text(t(l, &format!("Commande {number} annulée."), &format!("الطلبية {number} تلغات."))),
        Say::CannotCancel { number, status } => buttons(
            t(l, &format!("La commande {number} est déjà {} ; le restaurant doit l'annuler lui-même.", info::status_name(l, *status)), &format!("الطلبية {number} راهي {}؛ لازم المطعم يلغيها.", info::status_name(l, *status))),
            &[("act:human", t(l, "Parler à quelqu'un", "نهدر مع واحد"))],
        ),
        Say::CartCleared => buttons(tr(r, "Panier vidé.", "السلة تفرغت.", "تم إفراغ السلة.", "Le panier tfragh."), &[("act:menu", t(l, "Voir le menu", "القائمة"))]),
        Say::HumanComing => text(tr(r, "Quelqu'un du restaurant va vous répondre ici très vite 🙏", "واحد من المطعم يجاوبك هنا قريب 🙏", "سيرد عليك أحد موظفي المطعم هنا قريبا 🙏", "Wa7ed men le restaurant yjawbek hna 9rib 🙏")),
        Say::YoureWelcome => text(tr(r, "Avec plaisir 😊", "بالصحة 😊", "على الرحب والسعة 😊", "Bessa7a 😊")),
        Say::Goodbye => text(tr(r, "Merci et à bientôt 👋", "شكرا، نتلاقاو قريب 👋", "شكرا لك، إلى اللقاء 👋", "Saha, ntla9aw 9rib 👋")),
        Say::NotUnderstood => text(tr(r, "Je n'ai pas compris 🙏 Écrivez par exemple « menu » ou « 2 tacos ».", "ما فهمتش 🙏 اكتب مثلا «المنيو» ولا «جوج تاكوس».", "لم أفهم 🙏 اكتب مثلا «القائمة» أو «اثنان تاكوس».", "Ma fhamtch 🙏 ekteb par exemple « menu » wella « zouj tacos ».")),
        Say::OfferHelp => info::menu_help(l),
        Say::Faq { index } => text(m.faq.get(*index).map(|f| f.a.get(l).to_string()).unwrap_or_default()),
        Say::ItemPrice { sku } => cart::item_price(c, sku),
        Say::DeliveryInfo => info::delivery_info(c),
        Say::PaymentInfo => info::payment_info(c),
        Say::OpeningHours => info::opening_hours(c),
        Say::NonText { kind } => info::non_text(l, kind),
        Say::LanguageSet => text(tr(r, "D'accord, je vous réponds en français.", "مليح، نجاوبك بالعربية.", "حسنا، سأجيبك بالعربية.", "D'accord, je vous réponds en français.")),
        Say::NotFound { spans, suggestions } => cart::not_found(c, spans, suggestions),
        Say::Sorry => buttons(t(l, "Nous sommes désolés 🙏 Quelqu'un du restaurant va regarder votre problème.", "سمحلنا 🙏 واحد من المطعم يشوف المشكل تاعك."), &[("act:status", t(l, "Ma commande", "طلبيتي"))]),
    }
}
