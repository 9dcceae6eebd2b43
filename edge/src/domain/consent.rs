//! Opting out and back in (issue 19, Meta's opt-out rules): a customer who writes STOP — or
//! tells WhatsApp to stop the business's marketing — gets nothing from us but replies to
//! their own messages and news of orders they placed, until they write START.

use super::menu::Lang;
use super::text::normalize;
use resto_sync::{InboundMessage, MessageKind, Provider};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    OptOut,
    OptIn,
}

/// Whole messages that opt out, per register (normalised: lower case, no accents, Arabic
/// letters folded). French, English, Modern Standard Arabic, Darija in Arabic and Latin script.
const OPT_OUT: &[&str] = &[
    // fr / en
    "stop",
    "arret",
    "arreter",
    "stopper",
    "desabonner",
    "se desabonner",
    "desinscrire",
    "me desinscrire",
    "unsubscribe",
    "stop messages",
    "stop pub",
    // msa
    "توقف",
    "توقف عن المراسله",
    "الغاء الاشتراك",
    "اوقف",
    "اوقف الرسائل",
    // darija, arabic script and Latin
    "حبس",
    "حبسو",
    "ستوب",
    "7bes",
    "hbes",
    "habes",
    "7abes",
    "7absou",
    "hbsou",
    "stopi",
];

/// Whole messages that opt back in.
const OPT_IN: &[&str] = &[
    "start",
    "demarrer",
    "reprendre",
    "abonner",
    "m abonner",
    "subscribe",
    "ابدا",
    "استئناف",
    "ستارت",
    "رجع",
    "startiw",
    "rja3",
];

/// The consent a customer's own message asks for. Only a message that is nothing but one of
/// the words counts, and only outside an order: "stop" or "حبس" while a cart is open means
/// "cancel" or "that's all", which the conversation handles.
pub fn from_words(text: &str, order_in_progress: bool) -> Option<Consent> {
    if order_in_progress {
        return None;
    }
    let norm = normalize(text);
    if OPT_OUT.iter().any(|w| normalize(w) == norm) {
        Some(Consent::OptOut)
    } else if OPT_IN.iter().any(|w| normalize(w) == norm) {
        Some(Consent::OptIn)
    } else {
        None
    }
}

/// WhatsApp's `user_preferences` webhook (the customer stopped or resumed the business's
/// marketing messages in WhatsApp itself), as the relay forwards it.
pub fn from_meta(msg: &InboundMessage) -> Option<Consent> {
    if msg.provider != Provider::Wa || msg.kind != MessageKind::Unsupported {
        return None;
    }
    let pref = msg.raw.as_ref()?.get("user_preferences")?;
    if pref.get("category").and_then(Value::as_str) != Some("marketing_messages") {
        return None;
    }
    match pref.get("value").and_then(Value::as_str)? {
        "stop" => Some(Consent::OptOut),
        "resume" => Some(Consent::OptIn),
        _ => None,
    }
}

/// What the customer is told when they asked with their own words.
pub fn confirmation(lang: Lang, c: Consent) -> &'static str {
    match (lang, c) {
        (Lang::Fr, Consent::OptOut) => "C'est noté : vous ne recevrez plus de messages de notre part, sauf nos réponses à vos messages et les nouvelles de vos commandes. Écrivez START pour les recevoir à nouveau.",
        (Lang::Fr, Consent::OptIn) => "C'est noté : vous recevez à nouveau nos messages. Écrivez STOP pour les arrêter.",
        (Lang::Ar, Consent::OptOut) => "تم: لن تصلك منا رسائل بعد الآن، إلا ردودنا على رسائلك وأخبار طلباتك. اكتب START لاستقبالها من جديد.",
        (Lang::Ar, Consent::OptIn) => "تم: ستصلك رسائلنا من جديد. اكتب STOP لإيقافها.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stop_words_of_every_register_opt_out_only_as_a_whole_message_outside_an_order() {
        for w in [
            "STOP",
            "Arrêt",
            "arreter",
            "توقف",
            "حبس",
            "7bes",
            "Hbes !",
            "unsubscribe",
        ] {
            assert_eq!(from_words(w, false), Some(Consent::OptOut), "{w}");
        }
        for w in ["START", "Démarrer", "ابدأ", "startiw"] {
            assert_eq!(from_words(w, false), Some(Consent::OptIn), "{w}");
        }
        assert_eq!(
            from_words("stop", true),
            None,
            "inside an order, stop cancels"
        );
        assert_eq!(
            from_words("حبس", true),
            None,
            "inside an order, حبس is « that's all »"
        );
        assert_eq!(from_words("stop la pizza, je veux un tacos", false), None);
        assert_eq!(from_words("salam", false), None);
    }

    #[test]
    fn whatsapps_marketing_preferences_stop_and_resume() {
        let pref = |value: &str, category: &str| -> InboundMessage {
            serde_json::from_value(json!({"provider": "wa", "account_id": "1", "user_id": "213",
                "msg_id": "pref.1", "timestamp": "2026-12-05T10:00:00Z", "kind": "unsupported",
                "raw": {"user_preferences": {"wa_id": "213", "category": category, "value": value}}}))
            .unwrap()
        };
        assert_eq!(
            from_meta(&pref("stop", "marketing_messages")),
            Some(Consent::OptOut)
        );
        assert_eq!(
            from_meta(&pref("resume", "marketing_messages")),
            Some(Consent::OptIn)
        );
        assert_eq!(from_meta(&pref("stop", "something_else")), None);
    }
}
