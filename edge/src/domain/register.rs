//! The customer's register: which of French, Modern Standard Arabic, Darija in Arabic letters
//! or Darija in Latin letters (Arabizi) they write, told from script and function words. The
//! reply is written in the same register; the menu's names come from its base `Lang`.

use crate::domain::lexicon::{Detected, Lexicon};
use crate::domain::menu::Lang;
use crate::domain::text::{self, Token};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    Fr,
    Msa,
    DarijaAr,
    DarijaLatin,
}

impl Register {
    /// The menu language names are shown in: Arabic letters or Latin letters.
    pub fn lang(self) -> Lang {
        match self {
            Register::Fr | Register::DarijaLatin => Lang::Fr,
            Register::Msa | Register::DarijaAr => Lang::Ar,
        }
    }
    /// The register a stored language stands for when nothing finer is known.
    pub fn of_lang(l: Lang) -> Register {
        match l {
            Lang::Fr => Register::Fr,
            Lang::Ar => Register::DarijaAr,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Register::Fr => "fr",
            Register::Msa => "msa",
            Register::DarijaAr => "darija_ar",
            Register::DarijaLatin => "darija_latin",
        }
    }
}

/// Words only MSA uses (Darija says بغيت/نحب, واش, شحال, بصح…).
#[rustfmt::skip]
const MSA: &[&str] = &[
    "أريد", "اريد", "أود", "اود", "نريد", "أرغب", "ارغب", "أرجو", "ارجو", "هل", "ماذا", "كم",
    "سعر", "ثمن", "فضلك", "لو", "سمحت", "الدفع", "الاستلام", "عند", "شيء", "كل", "سآتي",
    "ساتي", "لاستلامه", "لاستلامها", "سأمر", "سوف", "يمكنني", "يمكن", "ممكن", "لدي", "لدينا",
    "إلى", "الى", "اثنان", "اثنتان", "ثلاثة", "عدد", "فقط", "بدلا", "أيضا", "ايضا",
    "نعم", "حسنا", "جزيلا", "قارورة", "قارورتين", "قارورتان", "أرسل", "ارسل",
    "عنواني", "العنوان", "حي", "التوصيل", "توصيل", "منزلي", "المنزل", "بطاقة", "نقدا",
    "الطلب", "طلبي", "أضف", "اضف", "أضيفي", "احذف", "أزل", "ازل", "ليس", "لست", "التي", "الذي", "الحجم", "أيضًا", "أخرى",
    "اخرى", "تكون", "أكون", "ساكون", "سأكون", "سآخذ", "ساخذ", "آخذ", "اخذ", "أستلم",
    "استلم", "أحضر", "احضر", "سأحضر", "مساء", "الخير", "صباح", "لكم", "أتمنى", "بدلًا",
];
/// Words only Darija in Arabic letters uses.
#[rustfmt::skip]
const DARIJA_AR: &[&str] = &[
    "بغيت", "نحب", "حاب", "نبغي", "جوج", "زوج", "زوز", "تاع", "نتاع", "ديال", "واش", "كاش",
    "برك", "بركا", "صافي", "راني", "راك", "راهي", "بصح", "خويا", "خو", "شحال", "قداش", "وين",
    "كيفاش", "هاذي", "هادي", "هادا", "ديرلي", "دير", "عطيني", "نديها", "نجي", "ليفريزون",
    "مليح", "بزاف", "ماشي", "غير", "نحي", "نحيلي", "حيد", "بدلها", "درك", "دوك", "ضرك",
    "توصلولي", "وصلولي", "للدار", "نخلص", "كاش", "ياخو", "صحا", "صحيت", "يعطيك", "لاباس",
    "ولا", "باه", "باش", "كيما", "هكا", "هاك", "نتاعي", "تاعي", "ماكانش", "كاين", "كاينة",
    "ماعليش", "سمحلي", "نجيبها", "جيبلي", "زيدلي", "زيد", "قازوز", "قازوزة", "قرعة", "برك",
    "نديرو", "حبيت", "ليا", "بلا", "تاعكم", "عندكم", "اعطيني", "نشوف", "خلاص",
];

struct Cues {
    msa: HashSet<String>,
    darija: HashSet<String>,
}

static CUES: LazyLock<Cues> = LazyLock::new(|| {
    let set = |l: &[&str]| -> HashSet<String> {
        l.iter().map(|w| text::fold(&text::normalize(w))).collect()
    };
    let msa = set(MSA);
    let darija = set(DARIJA_AR);
    // A word on both lists tells nothing.
    let both: HashSet<String> = msa.intersection(&darija).cloned().collect();
    Cues {
        msa: msa.difference(&both).cloned().collect(),
        darija: darija.difference(&both).cloned().collect(),
    }
});

/// The register a message is written in, and how sure: the number of telling words (script
/// alone counts 1). `None` for a message without letters (a number, an emoji).
pub fn detect(lx: &Lexicon, raw: &str, toks: &[Token]) -> Option<(Register, usize)> {
    match lx.detect(raw, toks)? {
        Detected::Arabic => {
            let c = &*CUES;
            let mut msa = toks.iter().filter(|t| c.msa.contains(&t.fold)).count();
            // A future prefix "سـ" on a verb ("سآتي", "سأطلب") is MSA.
            msa += toks
                .iter()
                .filter(|t| t.norm.starts_with("سا") && t.norm.chars().count() >= 4)
                .count();
            let dz = toks.iter().filter(|t| c.darija.contains(&t.fold)).count();
            Some(if msa > dz {
                (Register::Msa, msa - dz)
            } else {
                (Register::DarijaAr, 1 + dz - msa)
            })
        }
        Detected::DarijaLatin => Some((Register::DarijaLatin, 2)),
        Detected::French => Some((Register::Fr, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::tokens;

    fn reg(s: &str) -> Register {
        detect(&Lexicon::embedded(), s, &tokens(s)).unwrap().0
    }

    #[test]
    fn four_registers_are_told_apart() {
        assert_eq!(reg("أريد بيتزا مارغريتا من فضلك"), Register::Msa);
        assert_eq!(reg("هذا كل شيء، سآتي لاستلامه"), Register::Msa);
        assert_eq!(reg("بغيت جوج بيتزا"), Register::DarijaAr);
        assert_eq!(reg("salam khoya n7eb zouj tacos"), Register::DarijaLatin);
        assert_eq!(reg("bonjour je voudrais une pizza"), Register::Fr);
    }
}
