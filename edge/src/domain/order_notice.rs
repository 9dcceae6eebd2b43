//! What the customer is told when staff move their order (tracking on WhatsApp, Instagram,
//! Messenger), in French and Arabic. Pure: the caller supplies the order's facts.

use crate::domain::menu::Lang;
use crate::domain::orders::OrderStatus;

/// The facts a notice needs. `eta` is already in the restaurant's local time ("19:45").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice<'a> {
    pub number: &'a str,
    pub status: OrderStatus,
    pub pickup: bool,
    pub eta: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// The customer's message for a move to `n.status`, or None when the move is not worth a
/// message (nothing happens to "new").
pub fn render(n: &Notice<'_>, lang: Lang) -> Option<String> {
    use OrderStatus::*;
    let num = n.number;
    let fr = lang == Lang::Fr;
    let text = match n.status {
        New => return None,
        Accepted => match (n.eta, fr) {
            (Some(eta), true) => {
                format!("Votre commande {num} est acceptée. Heure prévue : {eta}.")
            }
            (Some(eta), false) => format!("طلبيتك {num} تقبلت. الوقت المتوقع: {eta}."),
            (None, true) => format!("Votre commande {num} est acceptée."),
            (None, false) => format!("طلبيتك {num} تقبلت."),
        },
        Rejected => {
            if fr {
                format!(
                    "Désolé, nous ne pouvons pas préparer votre commande {num}.{}",
                    reason_fr(n.reason)
                )
            } else {
                format!(
                    "سمحلنا، ما نقدروش نحضرو طلبيتك {num}.{}",
                    reason_ar(n.reason)
                )
            }
        }
        Preparing => {
            if fr {
                format!("Votre commande {num} est en préparation.")
            } else {
                format!("طلبيتك {num} راهي تتحضر.")
            }
        }
        Ready if n.pickup => {
            if fr {
                format!("Votre commande {num} est prête, vous pouvez venir la récupérer.")
            } else {
                format!("طلبيتك {num} واجدة، تقدر تجي تدّيها.")
            }
        }
        Ready => {
            if fr {
                format!("Votre commande {num} est prête et partira bientôt.")
            } else {
                format!("طلبيتك {num} واجدة وتخرج قريب.")
            }
        }
        OutForDelivery => match (n.eta, fr) {
            (Some(eta), true) => {
                format!("Votre commande {num} est en route. Arrivée prévue vers {eta}.")
            }
            (Some(eta), false) => format!("طلبيتك {num} راهي في الطريق. توصل حوالي {eta}."),
            (None, true) => format!("Votre commande {num} est en route."),
            (None, false) => format!("طلبيتك {num} راهي في الطريق."),
        },
        Delivered => {
            if fr {
                format!("Votre commande {num} est livrée. Merci et bon appétit !")
            } else {
                format!("طلبيتك {num} وصلت. شكرا وصحة!")
            }
        }
        Cancelled => {
            if fr {
                format!("Votre commande {num} est annulée.{}", reason_fr(n.reason))
            } else {
                format!("طلبيتك {num} تلغات.{}", reason_ar(n.reason))
            }
        }
    };
    Some(text)
}

fn reason_fr(r: Option<&str>) -> String {
    r.map(|r| format!(" Motif : {r}.")).unwrap_or_default()
}

fn reason_ar(r: Option<&str>) -> String {
    r.map(|r| format!(" السبب: {r}.")).unwrap_or_default()
}

/// Notice for an ETA changed by staff on an order already accepted.
pub fn eta_changed(number: &str, eta: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("Nouvelle heure prévue pour votre commande {number} : {eta}."),
        Lang::Ar => format!("الوقت الجديد المتوقع لطلبيتك {number}: {eta}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(status: OrderStatus) -> Notice<'static> {
        Notice {
            number: "A-007",
            status,
            pickup: false,
            eta: Some("19:45"),
            reason: Some("rupture de pâte"),
        }
    }

    #[test]
    fn every_staff_move_has_a_french_and_an_arabic_message_naming_the_order() {
        for s in OrderStatus::ALL
            .into_iter()
            .filter(|s| *s != OrderStatus::New)
        {
            for lang in [Lang::Fr, Lang::Ar] {
                let t = render(&notice(s), lang).expect("a message");
                assert!(t.contains("A-007"), "{s:?} {lang:?}: {t}");
                let arabic = t.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
                assert_eq!(arabic, lang == Lang::Ar, "{s:?} {lang:?}: {t}");
            }
        }
        assert_eq!(render(&notice(OrderStatus::New), Lang::Fr), None);
    }

    #[test]
    fn acceptance_gives_the_eta_and_cancellation_the_reason() {
        assert_eq!(
            render(&notice(OrderStatus::Accepted), Lang::Fr).unwrap(),
            "Votre commande A-007 est acceptée. Heure prévue : 19:45."
        );
        assert!(render(&notice(OrderStatus::Accepted), Lang::Ar)
            .unwrap()
            .contains("19:45"));
        let c = render(&notice(OrderStatus::Cancelled), Lang::Fr).unwrap();
        assert!(c.contains("Motif : rupture de pâte"), "{c}");
        let c = render(&notice(OrderStatus::Cancelled), Lang::Ar).unwrap();
        assert!(c.contains("السبب: rupture de pâte"), "{c}");
    }

    #[test]
    fn a_pickup_order_ready_tells_the_customer_to_come() {
        let n = Notice {
            pickup: true,
            ..notice(OrderStatus::Ready)
        };
        assert!(render(&n, Lang::Fr).unwrap().contains("venir la récupérer"));
    }
}
