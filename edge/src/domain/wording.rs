//! Small wording helpers every customer-facing text uses: pick the French or Arabic template,
//! write an amount in dinars.

use crate::domain::menu::Lang;
use crate::domain::register::Register;

pub fn t(lang: Lang, fr: &str, ar: &str) -> String {
    match lang {
        Lang::Fr => fr.to_string(),
        Lang::Ar => ar.to_string(),
    }
}

/// The template for the customer's register: French, Darija (Arabic letters), Modern
/// Standard Arabic, Darija in Latin letters.
pub fn tr(r: Register, fr: &str, dz: &str, msa: &str, latin: &str) -> String {
    match r {
        Register::Fr => fr,
        Register::DarijaAr => dz,
        Register::Msa => msa,
        Register::DarijaLatin => latin,
    }
    .to_string()
}

pub fn da(n: i64) -> String {
    format!("{n} DA")
}
