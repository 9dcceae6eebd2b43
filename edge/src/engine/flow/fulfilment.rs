//! Pickup or delivery: the delivery place (typed, chosen from homonyms, or a pin), its zone,
//! fee and time, and the address a courier can find.

use super::Run;
use crate::domain::menu::Lang;
use crate::domain::places::{zone_for, Place};
use crate::domain::text::{self, Token};
use crate::engine::say::Say;
use crate::engine::understand::Understanding;
use crate::engine::{subtotal, DeliveryPlan, Fulfilment, Stage};
use resto_sync::Location;

/// What a message named as a delivery place.
pub(super) enum PlaceFound {
    One(Place),
    Several(Vec<Place>),
}

impl Run<'_, '_> {
    pub(super) fn pickup(&mut self) {
        if self.conv.cart.is_empty() {
            return self.review();
        }
        if !self.w.menu.restaurant.pickup {
            self.say(Say::PickupUnavailable);
            return self.delivery(None);
        }
        self.conv.fulfilment = Some(Fulfilment::Pickup);
        self.ask_payment();
    }

    /// The commune named before the delivery question, if any.
    pub(super) fn early_place(&self) -> Option<PlaceFound> {
        let code = self.conv.early.commune.as_deref()?;
        let i = self.w.places.communes.iter().position(|c| c.code == code)?;
        Some(PlaceFound::One(Place::Commune(i)))
    }

    pub(super) fn place_in(&self, toks: &[Token]) -> Option<PlaceFound> {
        let mut all = self
            .w
            .places
            .find_all(toks, &[&self.w.menu.restaurant.wilaya_code]);
        match all.len() {
            0 => None,
            1 => all.pop().map(PlaceFound::One),
            _ => Some(PlaceFound::Several(all)),
        }
    }

    pub(super) fn choose_place(&mut self, list: Vec<Place>) {
        let places = self.w.places;
        let ar = self.lang == Lang::Ar;
        let options = list
            .iter()
            .filter_map(|p| match p {
                Place::Commune(i) => {
                    let c = &places.communes[*i];
                    let w = places.wilaya(&c.wilaya_code);
                    let (cn, wn) = if ar {
                        (&c.name_ar, w.map(|w| w.name_ar.as_str()).unwrap_or(""))
                    } else {
                        (&c.name_fr, w.map(|w| w.name_fr.as_str()).unwrap_or(""))
                    };
                    Some((*i, format!("{cn} ({wn})")))
                }
                Place::Wilaya(_) => None,
            })
            .take(10)
            .collect();
        self.conv.stage = Stage::DeliveryPlace;
        self.say(Say::ChoosePlace { options });
    }

    pub(super) fn delivery(&mut self, place: Option<PlaceFound>) {
        if self.conv.cart.is_empty() {
            return self.review();
        }
        let min = self.w.menu.delivery.min_order;
        let sub = subtotal(self.w.menu, &self.conv.cart);
        if sub < min {
            self.conv.stage = Stage::CartReview;
            return self.say(Say::MinOrder {
                min,
                missing: min - sub,
            });
        }
        self.conv.stage = Stage::DeliveryPlace;
        let place = place.or_else(|| self.early_place());
        match place {
            Some(PlaceFound::One(p)) => self.set_place(p),
            Some(PlaceFound::Several(list)) => self.choose_place(list),
            None => self.say(Say::AskPlace),
        }
    }

    pub(super) fn set_place(&mut self, place: Place) {
        let places = self.w.places;
        let lang = self.lang;
        match place {
            Place::Commune(i) => {
                let c = &places.communes[i];
                let name = if lang == Lang::Ar {
                    c.name_ar.clone()
                } else {
                    c.name_fr.clone()
                };
                match zone_for(self.w.menu, c) {
                    Some(z) => {
                        let eta = z.eta_minutes.clamp(1, 24 * 60) as u32;
                        let pin = self.conv.pin.take();
                        self.conv.fulfilment = Some(Fulfilment::Delivery(DeliveryPlan {
                            wilaya_code: c.wilaya_code.clone(),
                            commune: Some(c.name_fr.clone()),
                            fee: z.fee,
                            eta_minutes: eta,
                            address: pin.as_ref().map(|(lat, lon, label)| {
                                label.clone().unwrap_or_else(|| pin_text(*lat, *lon))
                            }),
                            pin: pin.as_ref().map(|(lat, lon, _)| (*lat, *lon)),
                        }));
                        self.conv.stage = Stage::DeliveryAddress;
                        self.say(Say::DeliveryQuote {
                            place: name,
                            fee: z.fee,
                            eta_minutes: eta,
                        });
                        if pin.is_some() {
                            self.ask_payment();
                        } else {
                            self.say(Say::AskAddress);
                        }
                    }
                    None => {
                        self.conv.stage = Stage::DeliveryPlace;
                        self.say(Say::PlaceNotServed { place: name });
                    }
                }
            }
            Place::Wilaya(i) => {
                let wl = &places.wilayas[i];
                self.conv.stage = Stage::DeliveryPlace;
                if self
                    .w
                    .menu
                    .delivery
                    .zones
                    .iter()
                    .any(|z| z.wilaya_code == wl.code)
                {
                    self.say(Say::AskPlace);
                } else {
                    let name = if lang == Lang::Ar {
                        wl.name_ar.clone()
                    } else {
                        wl.name_fr.clone()
                    };
                    self.say(Say::PlaceNotServed { place: name });
                }
            }
        }
    }

    pub(super) fn location(&mut self, loc: Option<&Location>) {
        let Some(loc) = loc else {
            return self.not_understood(&Understanding::default());
        };
        if self.conv.cart.is_empty() {
            // A pin before any order: thank them and show what they can order.
            return self.show_menu();
        }
        if !matches!(
            self.conv.stage,
            Stage::DeliveryPlace | Stage::DeliveryAddress
        ) {
            let sub = subtotal(self.w.menu, &self.conv.cart);
            if sub < self.w.menu.delivery.min_order {
                return self.delivery(None);
            }
        }
        let label = loc
            .address
            .clone()
            .or_else(|| loc.name.clone())
            .filter(|a| !a.trim().is_empty());
        // The commune is already known: the pin is the precise address.
        if let Some(Fulfilment::Delivery(d)) = &mut self.conv.fulfilment {
            if d.commune.is_some() && self.conv.stage == Stage::DeliveryAddress {
                d.pin = Some((loc.latitude, loc.longitude));
                d.address = Some(label.unwrap_or_else(|| pin_text(loc.latitude, loc.longitude)));
                return self.ask_payment();
            }
        }
        self.conv.pin = Some((loc.latitude, loc.longitude, label.clone()));
        self.conv.stage = Stage::DeliveryPlace;
        // The data has no coordinates, so the pin cannot name the commune by itself; the
        // address Meta attaches to it sometimes does.
        let named = label.as_deref().and_then(|a| {
            self.w
                .places
                .find(&text::tokens(a), &[&self.w.menu.restaurant.wilaya_code])
        });
        match named {
            Some(p @ Place::Commune(_)) => self.set_place(p),
            _ => self.say(Say::PinNeedsCommune),
        }
    }

    pub(super) fn set_address(&mut self, address: String) {
        match &mut self.conv.fulfilment {
            Some(Fulfilment::Delivery(d)) => {
                if self.conv.landmark_asked {
                    let before = d.address.take().unwrap_or_default();
                    d.address = Some(format!("{before} — {address}"));
                    self.conv.landmark_asked = false;
                } else if vague_address(&address) {
                    d.address = Some(address);
                    self.conv.landmark_asked = true;
                    return self.say(Say::AskLandmark);
                } else {
                    d.address = Some(address);
                }
                self.ask_payment();
            }
            _ => {
                self.conv.stage = Stage::DeliveryPlace;
                self.say(Say::AskPlace);
            }
        }
    }
}

fn pin_text(lat: f64, lon: f64) -> String {
    format!("📍 {lat:.5}, {lon:.5}")
}

/// Too little for a courier to find the door ("ici", "chez moi", "cité"): fewer than two
/// words or eight letters.
/// Too little for a courier to find the door ("ici", "chez moi", "cité"): fewer than two
/// words or eight letters.
fn vague_address(a: &str) -> bool {
    let words = a.split_whitespace().count();
    let letters = a.chars().filter(|c| c.is_alphanumeric()).count();
    words < 2 || letters < 8
}
