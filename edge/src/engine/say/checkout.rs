//! Replies from checkout to the placed order: the delivery place among homonyms, payment
//! methods, the summary to confirm, the order number.

use super::widgets::{buttons, list, text};
use super::{cart::cart_text, Ctx};
use crate::domain::menu::{Lang, PaymentMethod};
use crate::domain::register::Register;
use crate::domain::wording::{da, t, tr};
use crate::engine::{delivery_fee, subtotal, Fulfilment};
use resto_sync::outbound::OutgoingMessage;

pub(super) fn pay_name(lang: Lang, p: PaymentMethod) -> String {
    match p {
        PaymentMethod::Cod => t(lang, "Espèces à la livraison", "الدفع عند الاستلام"),
        PaymentMethod::Cib => "CIB".into(),
        PaymentMethod::Edahabia => t(lang, "Edahabia", "الذهبية"),
    }
}

pub(super) fn choose_place(c: &Ctx<'_>, options: &[(usize, String)]) -> OutgoingMessage {
    let l = c.lang;
    let q = tr(
        c.register(),
        "Plusieurs communes portent ce nom. Laquelle ?",
        "كاين بزاف بلديات بهذا الاسم. واش من وحدة؟",
        "توجد عدة بلديات بهذا الاسم. أيها تقصد؟",
        "Kayen bzaf baladiyat b had l'ism. Ama wa7da ?",
    );
    if options.len() <= 3 {
        let b: Vec<(String, String)> = options
            .iter()
            .map(|(i, n)| (format!("place:{i}"), n.clone()))
            .collect();
        let b: Vec<(&str, String)> = b.iter().map(|(i, n)| (i.as_str(), n.clone())).collect();
        buttons(q, &b)
    } else {
        list(
            q,
            t(l, "Communes", "البلديات"),
            options
                .iter()
                .map(|(i, n)| (format!("place:{i}"), n.clone(), None))
                .collect(),
        )
    }
}

/// The payment buttons; with `prepay` (no-show rule) cash is not offered.
pub(super) fn ask_payment(c: &Ctx<'_>, prepay: bool) -> OutgoingMessage {
    let l = c.lang;
    let r = &c.menu.restaurant;
    let b: Vec<(String, String)> = r
        .payment_methods
        .iter()
        .filter(|p| !prepay || **p != PaymentMethod::Cod)
        .map(|p| (format!("pay:{}", p.as_str()), pay_name(l, *p)))
        .collect();
    let b: Vec<(&str, String)> = b.iter().map(|(id, ti)| (id.as_str(), ti.clone())).collect();
    let q = if prepay {
        t(
            l,
            "Pour cette commande, le paiement se fait en ligne. Comment souhaitez-vous payer ?",
            "هاد الطلبية تتخلص عبر الإنترنت. كيفاش تحب تخلص؟",
        )
    } else {
        crate::domain::wording::tr(
            c.register(),
            "Comment souhaitez-vous payer ?",
            "كيفاش تحب تخلص؟",
            "كيف تريد أن تدفع؟",
            "Kifach t7eb tkhalles ?",
        )
    };
    buttons(q, &b)
}

pub(super) fn summary(c: &Ctx<'_>) -> OutgoingMessage {
    let l = c.lang;
    let m = c.menu;
    let conv = c.conv;
    let sub = subtotal(m, &conv.cart);
    let fee = delivery_fee(conv);
    let how = match &conv.fulfilment {
        Some(Fulfilment::Delivery(d)) => t(
            l,
            &format!(
                "Livraison : {} ({})",
                d.address.clone().unwrap_or_default(),
                d.commune.clone().unwrap_or_default()
            ),
            &format!(
                "التوصيل: {} ({})",
                d.address.clone().unwrap_or_default(),
                d.commune.clone().unwrap_or_default()
            ),
        ),
        _ => tr(
            c.register(),
            "À emporter",
            "تجي تدّيها",
            "الاستلام من المطعم",
            "Tji teddiha",
        ),
    };
    let pay = conv.payment.map(|p| pay_name(l, p)).unwrap_or_default();
    let (cart, fee, total) = (cart_text(c), da(fee), da(sub + fee));
    let body = tr(
        c.register(),
        &format!("Récapitulatif :\n{cart}\nLivraison : {fee}\nTotal à payer : {total}\n{how}\nPaiement : {pay}\n\nOn confirme ?"),
        &format!("ملخص الطلبية:\n{cart}\nالتوصيل: {fee}\nالمجموع الكلي: {total}\n{how}\nالدفع: {pay}\n\nنأكدو؟"),
        &format!("ملخص الطلب:\n{cart}\nالتوصيل: {fee}\nالمجموع الكلي: {total}\n{how}\nالدفع: {pay}\n\nهل تؤكد الطلب؟"),
        &format!("Récapitulatif :\n{cart}\nLivraison : {fee}\nTotal à payer : {total}\n{how}\nPaiement : {pay}\n\nNakkdou ?"),
    );
    buttons(
        body,
        &[
            (
                "yes",
                crate::domain::wording::tr(
                    c.register(),
                    "Confirmer ✅",
                    "نأكد ✅",
                    "تأكيد ✅",
                    "Nakked ✅",
                ),
            ),
            (
                "no",
                tr(c.register(), "Modifier", "نبدل", "تعديل", "Nbeddel"),
            ),
        ],
    )
}

pub(super) fn order_placed(
    r: Register,
    number: &str,
    eta_minutes: u32,
    pickup: bool,
) -> OutgoingMessage {
    let track = tr(
        r,
        "Écrivez « ma commande » pour la suivre.",
        "اكتب «طلبيتي» باش تتبعها.",
        "اكتب «طلبيتي» لمتابعته.",
        "Ekteb « ma commande » bach tetba3ha.",
    );
    text(if pickup {
        tr(
            r,
            &format!("Merci ! Commande {number} enregistrée ✅ Elle sera prête dans environ {eta_minutes} min. {track}"),
            &format!("شكرا! الطلبية {number} تسجلت ✅ تكون جاهزة في حوالي {eta_minutes} دقيقة. {track}"),
            &format!("شكرا! تم تسجيل الطلب {number} ✅ سيكون جاهزا خلال {eta_minutes} دقيقة تقريبا. {track}"),
            &format!("Saha ! La commande {number} tsajlet ✅ tkoun wajda f {eta_minutes} min ta9riban. {track}"),
        )
    } else {
        tr(
            r,
            &format!("Merci ! Commande {number} enregistrée ✅ Livraison dans environ {eta_minutes} min. {track}"),
            &format!("شكرا! الطلبية {number} تسجلت ✅ توصلك في حوالي {eta_minutes} دقيقة. {track}"),
            &format!("شكرا! تم تسجيل الطلب {number} ✅ سيصلك خلال {eta_minutes} دقيقة تقريبا. {track}"),
            &format!("Saha ! La commande {number} tsajlet ✅ twaslek f {eta_minutes} min ta9riban. {track}"),
        )
    })
}
