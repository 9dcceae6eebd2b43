//! Meta's customer-service window (issue 19, META_PROTOCOL §7): a free-form message reaches a
//! customer only within 24 hours of their last message. Outside it a WhatsApp notice goes as
//! the route's approved utility template, with the notice as its one body parameter; with no
//! template, or on Messenger/Instagram, it is held (dead-lettered with Meta's own code 131047)
//! instead of being sent for Meta to refuse. Pure: the sender passes the times.

use chrono::{DateTime, Duration, Utc};
use resto_sync::outbound::{OutgoingMessage, SendMessage};
use resto_sync::Provider;
use serde_json::json;

/// How long after a customer's message free-form replies are allowed.
pub const WINDOW_HOURS: i64 = 24;

/// Meta's code for a message outside the window; a held notice carries it too, so the node
/// shows both the same way.
pub const OUTSIDE_WINDOW_CODE: i64 = 131047;

#[derive(Debug, Clone, PartialEq)]
pub enum WindowPlan {
    /// Within the window (or a template already, or a customer the relay never saw write:
    /// Meta decides, and its 131047 is classified like a hold).
    Send(SendMessage),
    /// Outside the window: the route's template carrying the notice.
    AsTemplate(SendMessage),
    /// Outside the window with no way to reach the customer: why, for the dead letter.
    Hold(String),
}

pub fn plan(
    msg: SendMessage,
    last_inbound: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    template: Option<&str>,
) -> WindowPlan {
    let Some(last) = last_inbound else {
        return WindowPlan::Send(msg);
    };
    if matches!(msg.message, OutgoingMessage::Template { .. })
        || now - last < Duration::hours(WINDOW_HOURS)
    {
        return WindowPlan::Send(msg);
    }
    let since = format!(
        "more than {WINDOW_HOURS} h since the customer's last message ({})",
        last.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    match (msg.provider, template) {
        (Provider::Wa, Some(name)) => {
            let text = notice_text(&msg.message);
            let language = if text.chars().any(is_arabic) {
                "ar"
            } else {
                "fr"
            };
            WindowPlan::AsTemplate(SendMessage {
                message: OutgoingMessage::Template {
                    name: name.to_string(),
                    language: language.into(),
                    components: vec![json!({"type": "body",
                        "parameters": [{"type": "text", "text": template_parameter(&text)}]})],
                },
                ..msg
            })
        }
        (Provider::Wa, None) => WindowPlan::Hold(format!(
            "not sent: {since}, and this route has no template for late notices \
             (`resto-relay route template --provider wa --account {} --name TEMPLATE`)",
            msg.account_id
        )),
        (_, _) => WindowPlan::Hold(format!(
            "not sent: {since}; Messenger and Instagram allow no message then"
        )),
    }
}

fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}')
}

/// The words of a notice, whatever its shape (buttons and lists keep their text).
fn notice_text(m: &OutgoingMessage) -> String {
    match m {
        OutgoingMessage::Text { text }
        | OutgoingMessage::Buttons { text, .. }
        | OutgoingMessage::List { text, .. } => text.clone(),
        OutgoingMessage::Template { .. } => String::new(),
    }
}

/// Meta refuses template parameters with line breaks, tabs or more than four spaces in a row
/// (error 132018); the notice is flattened and kept under the body limit.
fn template_parameter(text: &str) -> String {
    let flat: Vec<&str> = text.split_whitespace().collect();
    let mut out = flat.join(" ");
    if out.chars().count() > 1000 {
        out = out.chars().take(999).collect::<String>() + "…";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(provider: Provider, text: &str) -> SendMessage {
        SendMessage {
            provider,
            account_id: "109876543210987".into(),
            to: "213661009001".into(),
            correlation_id: None,
            message: OutgoingMessage::Text { text: text.into() },
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn inside_the_window_or_for_an_unknown_customer_the_notice_goes_as_written() {
        let m = notice(Provider::Wa, "Votre commande A-001 est prête");
        let now = at("2026-12-05T12:00:00Z");
        for last in [Some(at("2026-12-04T12:00:01Z")), None] {
            assert_eq!(
                plan(m.clone(), last, now, None),
                WindowPlan::Send(m.clone())
            );
        }
    }

    #[test]
    fn outside_the_window_a_whatsapp_notice_becomes_the_routes_template_in_its_language() {
        let now = at("2026-12-05T12:00:00Z");
        let last = Some(at("2026-12-04T11:59:59Z"));
        let m = notice(Provider::Wa, "Votre commande A-001\nest prête");
        let WindowPlan::AsTemplate(t) = plan(m, last, now, Some("order_update")) else {
            panic!("expected a template");
        };
        let OutgoingMessage::Template {
            name,
            language,
            components,
        } = &t.message
        else {
            panic!("{t:?}");
        };
        assert_eq!((name.as_str(), language.as_str()), ("order_update", "fr"));
        assert_eq!(
            components[0]["parameters"][0]["text"], "Votre commande A-001 est prête",
            "no line break: Meta refuses them in parameters"
        );
        let ar = notice(Provider::Wa, "طلبك A-001 جاهز");
        let WindowPlan::AsTemplate(t) = plan(ar, last, now, Some("order_update")) else {
            panic!();
        };
        assert!(
            matches!(t.message, OutgoingMessage::Template { ref language, .. } if language == "ar")
        );
    }

    #[test]
    fn outside_the_window_without_a_template_or_off_whatsapp_the_notice_is_held_with_the_fix() {
        let now = at("2026-12-05T12:00:00Z");
        let last = Some(at("2026-12-03T09:00:00Z"));
        match plan(notice(Provider::Wa, "prête"), last, now, None) {
            WindowPlan::Hold(why) => {
                assert!(why.contains("resto-relay route template"), "{why}");
                assert!(why.contains("2026-12-03T09:00:00Z"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            plan(
                notice(Provider::Msg, "prête"),
                last,
                now,
                Some("order_update")
            ),
            WindowPlan::Hold(_)
        ));
    }
}
