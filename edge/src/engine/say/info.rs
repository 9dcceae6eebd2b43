//! Replies that inform rather than order: the welcome, opening hours and closure, delivery
//! zones, payment methods, an order's status, messages the bot cannot read, the help offer.

use super::checkout::pay_name;
use super::widgets::{buttons, text};
use super::Ctx;
use crate::domain::hours::NextOpening;
use crate::domain::menu::validate::DAYS;
use crate::domain::menu::{Lang, ZoneCommunes};
use crate::domain::orders::OrderStatus;
use crate::domain::wording::{da, t};
use resto_sync::outbound::OutgoingMessage;

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

pub(super) fn status_name(lang: Lang, s: OrderStatus) -> &'static str {
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

pub(super) fn welcome(c: &Ctx<'_>, open: bool, next: Option<&NextOpening>) -> OutgoingMessage {
    let l = c.lang;
    let r = &c.menu.restaurant;
    let mut s = crate::domain::wording::tr(
        c.register(),
        &format!(
            "Bienvenue chez {} 👋 Que souhaitez-vous commander ?",
            r.name
        ),
        &format!("مرحبا بكم في {} 👋 واش تحب تطلب؟", r.name),
        &format!("مرحبا بكم في {} 👋 ماذا تريد أن تطلب؟", r.name),
        &format!("Marhba bikom f {} 👋 wach t7eb totlob ?", r.name),
    );
    if !open {
        let w = next.map(|n| when(l, n)).unwrap_or_default();
        s = t(
            l,
            &format!(
                "Bienvenue chez {} 👋 Nous sommes fermés pour le moment ; nous ouvrons {w}.",
                r.name
            ),
            &format!("مرحبا بكم في {} 👋 المطعم مغلق حاليا، نفتحو {w}.", r.name),
        );
    }
    buttons(
        s,
        &[
            ("act:menu", t(l, "Voir le menu", "القائمة")),
            ("act:status", t(l, "Ma commande", "طلبيتي")),
            ("act:human", t(l, "Parler à quelqu'un", "نهدر مع واحد")),
        ],
    )
}

pub(super) fn closed(l: Lang, next: Option<&NextOpening>) -> OutgoingMessage {
    let w = next.map(|n| when(l, n)).unwrap_or_default();
    text(t(
        l,
        &format!(
            "Nous sommes fermés pour le moment et ne prenons pas de commande. Nous ouvrons {w}."
        ),
        &format!("المطعم مغلق حاليا وما ناخذوش طلبيات. نفتحو {w}."),
    ))
}

pub(super) fn order_status(
    l: Lang,
    number: &str,
    status: OrderStatus,
    eta: Option<&str>,
) -> OutgoingMessage {
    let eta = eta
        .filter(|_| !status.is_final())
        .map(|e| {
            t(
                l,
                &format!(" Heure prévue : {e}."),
                &format!(" الوقت المتوقع: {e}."),
            )
        })
        .unwrap_or_default();
    text(t(
        l,
        &format!(
            "Votre commande {number} est {}.{eta}",
            status_name(l, status)
        ),
        &format!("الطلبية {number}: {}.{eta}", status_name(l, status)),
    ))
}

pub(super) fn delivery_info(c: &Ctx<'_>) -> OutgoingMessage {
    let l = c.lang;
    let m = c.menu;
    let r = &m.restaurant;
    let zones: Vec<String> = m
        .delivery
        .zones
        .iter()
        .map(|z| match &z.communes {
            ZoneCommunes::Listed(n) => {
                format!("{} : {}, ~{} min", n.join(", "), da(z.fee), z.eta_minutes)
            }
            ZoneCommunes::All(_) => format!(
                "{} {} : {}, ~{} min",
                t(l, "Autres communes de la wilaya", "بلديات أخرى في الولاية"),
                z.wilaya_code,
                da(z.fee),
                z.eta_minutes
            ),
        })
        .collect();
    let pickup = if r.pickup {
        t(
            l,
            " Vous pouvez aussi venir chercher votre commande.",
            " تقدر تاني تجي تدّي الطلبية.",
        )
    } else {
        String::new()
    };
    text(format!(
        "{}\n{}\n{}{pickup}",
        t(
            l,
            &format!("Livraison (minimum {}) :", da(m.delivery.min_order)),
            &format!("التوصيل (أقل طلبية {}):", da(m.delivery.min_order))
        ),
        zones.join("\n"),
        ""
    ))
}

pub(super) fn payment_info(c: &Ctx<'_>) -> OutgoingMessage {
    let l = c.lang;
    let r = &c.menu.restaurant;
    let names: Vec<String> = r.payment_methods.iter().map(|p| pay_name(l, *p)).collect();
    text(t(
        l,
        &format!("Moyens de paiement : {}.", names.join(", ")),
        &format!("طرق الدفع: {}.", names.join("، ")),
    ))
}

pub(super) fn opening_hours(c: &Ctx<'_>) -> OutgoingMessage {
    let l = c.lang;
    let r = &c.menu.restaurant;
    let hours: Vec<String> = r
        .opening_hours
        .iter()
        .map(|h| {
            let days: Vec<&str> = h
                .days
                .iter()
                .filter_map(|d| DAYS.iter().position(|x| x == d))
                .map(|i| {
                    if l == Lang::Fr {
                        DAYS_FR[i]
                    } else {
                        DAYS_AR[i]
                    }
                })
                .collect();
            format!("{} : {}–{}", days.join(", "), h.open, h.close)
        })
        .collect();
    text(format!(
        "{}\n{}",
        t(l, "Nos horaires :", "أوقات العمل:"),
        hours.join("\n")
    ))
}

pub(super) fn non_text(l: Lang, kind: &str) -> OutgoingMessage {
    match kind {
        "audio" => {
            return text(t(
                l,
                "Merci 🙏 Le restaurant va écouter votre message vocal et vous répond ici.",
                "شكرا 🙏 المطعم راح يسمع الرسالة الصوتية ويرد عليك هنا.",
            ))
        }
        "image" => {
            return text(t(
                l,
                "Merci 🙏 Le restaurant va regarder votre photo et vous répond ici.",
                "شكرا 🙏 المطعم راح يشوف الصورة ويرد عليك هنا.",
            ))
        }
        _ => {}
    }
    let what = match kind {
        "video" => t(l, "les vidéos", "الفيديوهات"),
        "sticker" => t(l, "les stickers", "الملصقات"),
        _ => t(l, "ce type de message", "هذا النوع من الرسائل"),
    };
    text(t(l, &format!("Je ne peux pas lire {what} 🙏 Le restaurant le verra. Écrivez votre commande, par exemple « 2 tacos », ou « menu »."), &format!("ما نقدرش نقرا {what} 🙏 المطعم يشوفها. اكتب الطلبية، مثلا «جوج تاكوس»، ولا «المنيو».")))
}

pub(super) fn menu_help(l: Lang) -> OutgoingMessage {
    buttons(
        t(l, "Je n'ai pas bien compris 🙏 Voulez-vous voir le menu ou parler à quelqu'un du restaurant ?", "ما فهمتش مليح 🙏 تحب تشوف القائمة ولا تهدر مع واحد من المطعم؟"),
        &[("act:menu", t(l, "Voir le menu", "القائمة")), ("act:human", t(l, "Parler à quelqu'un", "نهدر مع واحد"))],
    )
}
