//! What the customer says to the bot about paying, and what the bot says back. Pure.

use crate::domain::menu::{Lang, PaymentMethod};
use crate::domain::text::words_in;
use crate::domain::text::Token;
use crate::domain::wording::{da, t};
use resto_sync::payment::PaymentState;

/// After an online payment failed or expired, the customer chooses how to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Cash,
    NewLink(Option<PaymentMethod>),
}

const LINK_WORDS: &[&str] = &[
    "lien",
    "link",
    "lian",
    "rabet",
    "rabt",
    "رابط",
    "لينك",
    "carte",
    "card",
    "karta",
    "بطاقة",
    "reessayer",
    "retry",
    "3awed",
];

pub fn choice(toks: &[Token]) -> Option<Choice> {
    match payment_in(toks) {
        Some(PaymentMethod::Cod) => Some(Choice::Cash),
        Some(m) => Some(Choice::NewLink(Some(m))),
        None if words_in(toks, LINK_WORDS) => Some(Choice::NewLink(None)),
        None => None,
    }
}

fn method_name(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Cib => "CIB",
        PaymentMethod::Edahabia => "EDAHABIA",
        PaymentMethod::Cod => "",
    }
}

/// What the customer is told about an order's online payment; `None`: nothing to say.
pub fn update_text(
    lang: Lang,
    state: PaymentState,
    number: &str,
    amount: i64,
    url: Option<&str>,
    expires_minutes: Option<i64>,
) -> Option<String> {
    let choose = t(
        lang,
        "Répondez « lien » pour recevoir un nouveau lien, ou « espèces » pour payer à la livraison.",
        "جاوب «رابط» باش يوصلك رابط جديد، ولا «كاش» باش تخلص عند الاستلام.",
    );
    Some(match state {
        PaymentState::Link => {
            let url = url?;
            let valid = expires_minutes
                .map(|m| t(lang, &format!(" (valable {m} min)"), &format!(" (صالح {m} دقيقة)")))
                .unwrap_or_default();
            t(
                lang,
                &format!("Pour payer la commande {number} ({}) par carte, ouvrez ce lien{valid} :\n{url}", da(amount)),
                &format!("باش تخلص الطلبية {number} ({}) بالبطاقة، افتح هذا الرابط{valid}:\n{url}", da(amount)),
            )
        }
        PaymentState::Delayed => t(
            lang,
            &format!("Le paiement en ligne tarde à répondre : le lien pour la commande {number} arrive dès que possible. Vous pouvez aussi répondre « espèces » pour payer à la livraison."),
            &format!("الدفع الإلكتروني متأخر شوية: رابط الطلبية {number} يوصلك في أقرب وقت. تقدر تاني تجاوب «كاش» باش تخلص عند الاستلام."),
        ),
        PaymentState::Unavailable => t(
            lang,
            &format!("Le paiement en ligne est indisponible pour le moment. Répondez « espèces » pour payer la commande {number} à la livraison, ou « lien » pour réessayer."),
            &format!("الدفع الإلكتروني ما راهوش متوفر حاليا. جاوب «كاش» باش تخلص الطلبية {number} عند الاستلام، ولا «رابط» باش تعاود."),
        ),
        PaymentState::Processing => return None,
        PaymentState::Paid => t(
            lang,
            &format!("Paiement reçu pour la commande {number} ({}). Merci !", da(amount)),
            &format!("وصلنا الدفع تاع الطلبية {number} ({}). شكرا!", da(amount)),
        ),
        PaymentState::Failed | PaymentState::Canceled => format!(
            "{} {choose}",
            t(lang, &format!("Le paiement de la commande {number} n'a pas abouti."), &format!("الدفع تاع الطلبية {number} ما تمش."))
        ),
        PaymentState::Expired => format!(
            "{} {choose}",
            t(lang, &format!("Le lien de paiement de la commande {number} a expiré."), &format!("رابط الدفع تاع الطلبية {number} انتهى."))
        ),
    })
}

pub fn link_coming(lang: Lang, method: PaymentMethod) -> String {
    let m = method_name(method);
    t(
        lang,
        &format!("Vous allez recevoir ici le lien de paiement {m} dans un instant."),
        &format!("يوصلك هنا رابط الدفع {m} في لحظات."),
    )
}

pub fn switched_to_cash(lang: Lang, number: &str, pickup: bool) -> String {
    if pickup {
        t(
            lang,
            &format!("C'est noté : vous paierez la commande {number} en espèces au retrait."),
            &format!("مفهوم: تخلص الطلبية {number} كاش كي تجي تدّيها."),
        )
    } else {
        t(
            lang,
            &format!("C'est noté : vous paierez la commande {number} en espèces à la livraison."),
            &format!("مفهوم: تخلص الطلبية {number} كاش عند الاستلام."),
        )
    }
}

pub fn refund_recorded(lang: Lang, number: &str, amount: i64) -> String {
    t(
        lang,
        &format!(
            "Votre paiement de {} pour la commande {number} vous sera remboursé par le restaurant.",
            da(amount)
        ),
        &format!(
            "المطعم يرجعلك {} اللي خلصتهم على الطلبية {number}.",
            da(amount)
        ),
    )
}

const EDAHABIA_WORDS: &[&str] = &[
    "edahabia",
    "dahabia",
    "dahabiya",
    "dahabya",
    "الذهبية",
    "ذهبية",
    "doree",
];

const COD_WORDS: &[&str] = &[
    "cash",
    "especes",
    "espece",
    "liquide",
    "cod",
    "كاش",
    "دراهم",
    "drahem",
    "dra7em",
    "استلام",
    "الاستلام",
    "livraison",
    "نقدا",
    "cache",
    // "نخلص كي توصل": paid when the order arrives.
    "توصل",
    "توصلو",
    "توصلوا",
    "twaslou",
    "twasslou",
    "يوصل",
    "تلحق",
    "reception",
    "arrivee",
    "tewsel",
    "twasel",
];

pub fn payment_in(toks: &[Token]) -> Option<PaymentMethod> {
    if words_in(toks, &["cib"]) {
        Some(PaymentMethod::Cib)
    } else if words_in(toks, EDAHABIA_WORDS) {
        Some(PaymentMethod::Edahabia)
    } else if words_in(toks, COD_WORDS) {
        Some(PaymentMethod::Cod)
    } else {
        None
    }
}

/// Whether a word is, spelled exactly, a word about paying or a payment method.
pub fn is_payment_token(t: &Token) -> bool {
    static ALL: std::sync::LazyLock<std::collections::HashSet<String>> =
        std::sync::LazyLock::new(|| {
            [PAY_WORDS, EDAHABIA_WORDS, COD_WORDS, &["cib"]]
                .iter()
                .flat_map(|l| l.iter())
                .map(|w| crate::domain::text::fold(&crate::domain::text::normalize(w)))
                .collect()
        });
    ALL.contains(&t.fold)
}

/// Words about paying ("paiement", "نخلص", "الدفع"): with "livraison" or "الاستلام" they
/// name cash on delivery.
const PAY_WORDS: &[&str] = &[
    "paiement",
    "payer",
    "paye",
    "paie",
    "payement",
    "regler",
    "reglement",
    "nkhalas",
    "nkhales",
    "nkhelles",
    "khlas",
    "ndfa3",
    "nkhalso",
    "nkhalsek",
    "nkhalsou",
    "الدفع",
    "دفع",
    "ادفع",
    "أدفع",
    "سأدفع",
    "نخلص",
    "الخلاص",
    "خلاص",
    "بالدفع",
    "pay",
    "payment",
    "cash",
    "كاش",
    "نقدا",
    "نقدًا",
    "especes",
    "espece",
    "liquide",
];

pub fn is_payment_word(t: &Token) -> bool {
    words_in(std::slice::from_ref(t), PAY_WORDS)
}

/// The payment method a message names on the way, before the payment question: a method by
/// name, or a pay word with "à la livraison"/"عند الاستلام" (cash). "Livraison" alone is
/// the delivery, not a payment.
pub fn early_payment(toks: &[Token]) -> Option<PaymentMethod> {
    match payment_in(toks)? {
        PaymentMethod::Cod => {
            let named = words_in(
                toks,
                &[
                    "cash",
                    "especes",
                    "espece",
                    "liquide",
                    "كاش",
                    "نقدا",
                    "دراهم",
                    "drahem",
                    "dra7em",
                    "cod",
                ],
            );
            (named || toks.iter().any(is_payment_word)).then_some(PaymentMethod::Cod)
        }
        m => Some(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::tokens;

    #[test]
    fn the_customer_chooses_cash_or_a_new_link_in_any_language() {
        for s in ["espèces", "cash svp", "كاش", "je paie en liquide"] {
            assert_eq!(choice(&tokens(s)), Some(Choice::Cash), "{s}");
        }
        for s in ["lien", "un nouveau lien", "رابط", "3awed"] {
            assert_eq!(choice(&tokens(s)), Some(Choice::NewLink(None)), "{s}");
        }
        assert_eq!(
            choice(&tokens("dahabia")),
            Some(Choice::NewLink(Some(PaymentMethod::Edahabia)))
        );
        for s in ["bonjour", "2 tacos", "merci"] {
            assert_eq!(choice(&tokens(s)), None, "{s}");
        }
    }

    #[test]
    fn every_update_the_customer_must_hear_has_french_and_arabic_words() {
        for state in [
            PaymentState::Link,
            PaymentState::Delayed,
            PaymentState::Unavailable,
            PaymentState::Paid,
            PaymentState::Failed,
            PaymentState::Canceled,
            PaymentState::Expired,
        ] {
            let fr = update_text(
                Lang::Fr,
                state,
                "A-001",
                1300,
                Some("https://pay/x"),
                Some(30),
            )
            .unwrap();
            let ar = update_text(
                Lang::Ar,
                state,
                "A-001",
                1300,
                Some("https://pay/x"),
                Some(30),
            )
            .unwrap();
            assert!(fr.contains("A-001") && ar.contains("A-001"), "{state:?}");
            assert!(
                ar.chars().any(crate::domain::text::is_arabic_letter),
                "{state:?}: {ar}"
            );
            assert!(
                !fr.chars().any(crate::domain::text::is_arabic_letter),
                "{state:?}: {fr}"
            );
        }
        assert!(update_text(Lang::Fr, PaymentState::Link, "A", 1, None, None).is_none());
        assert!(update_text(Lang::Fr, PaymentState::Processing, "A", 1, None, None).is_none());
        let link = update_text(
            Lang::Fr,
            PaymentState::Link,
            "A-7",
            2300,
            Some("https://pay/x"),
            Some(30),
        )
        .unwrap();
        assert!(
            link.contains("https://pay/x") && link.contains("2300 DA") && link.contains("30 min")
        );
    }
}
