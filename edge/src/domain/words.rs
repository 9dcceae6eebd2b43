//! Word lists the understanding step reads besides the intent file (which must stay the shared
//! ground truth byte for byte): number words in every register, correction markers, sizes,
//! containers, spelling families of food words, early-slot words and the filler words that
//! say nothing about the order. Written normalised or not: every list goes through
//! `text::fold(text::normalize(..))` before use.

use crate::domain::lexicon::Intent;
use crate::domain::text::{fold, normalize, Token};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Number words beyond the intent file's `qty_*` lists: MSA masculine and feminine forms,
/// Darija spellings, French.
#[rustfmt::skip]
const NUMBERS: &[(u32, &[&str])] = &[
    (1, &["un", "une", "wahed", "wa7ed", "wahda", "wa7da", "wahd", "wa7d", "واحد", "واحدة", "وحدة", "وحده", "one"]),
    (2, &["deux", "zouj", "jouj", "zoudj", "zouz", "zoj", "tnin", "ithnin", "zoudje", "اثنان", "اثنين", "اثنتان", "اثنتين", "إثنين", "زوج", "جوج", "زوز", "two"]),
    (3, &["trois", "tlata", "tleta", "tlatha", "tlat", "ثلاث", "ثلاثة", "تلاتة", "تلاثة", "ثلاثه", "three"]),
    (4, &["quatre", "arba3a", "reb3a", "rb3a", "arb3a", "rab3a", "أربع", "أربعة", "اربعة", "ربعة", "four"]),
    (5, &["cinq", "khamsa", "5amsa", "خمس", "خمسة", "five"]),
    (6, &["six", "setta", "sitta", "ستة", "ست", "ستة"]),
    (7, &["sept", "sab3a", "seb3a", "سبع", "سبعة"]),
    (8, &["huit", "tmanya", "tmenya", "ثمان", "ثماني", "ثمانية", "تمنية"]),
    (9, &["neuf", "tes3a", "tis3a", "تسع", "تسعة"]),
    (10, &["dix", "3achra", "achra", "عشر", "عشرة"]),
];

/// Intent phrases the shared intent file lacks, mostly Modern Standard Arabic imperatives
/// and questions ("احذف", "كم سعر") and French forms of its verbs. A phrase never spans a
/// comma (see `understand`), so "لا، أريد 2" is no "لا أريد".
#[rustfmt::skip]
pub const EXTRA_INTENTS: &[(Intent, &[&str])] = &[
    (Intent::RemoveItem, &[
        "احذف", "احذفي", "احذفوا", "احذفها", "احذفه", "ازل", "أزل", "ازيلي", "أزيلوا", "الغ", "ألغ",
        "لا اريد", "لا أريد", "لا نريد", "بدون", "بلاش", "enlevez", "retirez", "supprimez",
        "enleve", "retire", "na7iha", "nahiha", "na7ih", "nahih", "7aydou", "7aydha",
    ]),
    (Intent::Cancel, &["الغ", "ألغ", "ألغوا"]),
    (Intent::PriceQuestion, &[
        "كم سعر", "ما سعر", "كم ثمن", "ما ثمن", "بكم", "كم يكلف", "كم تكلف", "كم الثمن",
        "كم السعر", "سعر", "ثمن", "combien coute", "coute combien", "c combien", "ch7al dir",
        "bch7al", "b ch7al",
    ]),
    (Intent::Confirm, &["اوكد", "أؤكد", "نؤكد", "اكيد", "je valide", "valide", "confirme"]),
];

/// Words that turn the message into a correction of what was just ordered.
#[rustfmt::skip]
pub const CORRECTION: &[&str] = &[
    "non", "pardon", "plutot", "finalement", "seulement", "seul", "seule", "seuls", "seules", "juste", "corrige", "correction",
    "trompe", "erreur", "enfait", "اجعلها", "اجعله", "اجعل", "خليها", "dirha", "dirhom", "machi", "mchi", "ghir", "ghi", "bark", "berk", "barka", "smahli",
    "smhli", "sma7li", "bdel", "badel", "bedel", "bdelha", "badelha", "baddelha", "khaliha",
    "la", "لا", "ماشي", "مشي", "غير", "برك", "بركا", "سمحلي", "سامحني", "بدل", "بدلها",
    "بدلو", "بدله", "خليها", "فقط", "بل", "عفوا", "اقصد", "أقصد", "اعني", "غلطت", "صحح",
    "خطا", "instead", "only",
];

/// Words that announce replacing one item with another ("X à la place de Y").
#[rustfmt::skip]
pub const REPLACE: &[&str] = &[
    "place", "remplace", "remplacer", "change", "changer", "blast", "blassa", "blasa", "بلاصة",
    "بلاصت", "بدل", "عوض", "بدلا", "مكان",
];

/// Two-word corrections: "en fait, 3", "1 pizza pas plus", "rien d'autre".
#[rustfmt::skip]
const CORRECTION_PHRASES: &[&[&str]] = &[
    &["en", "fait"], &["pas", "plus"], &["pas", "autre"], &["rien", "autre"], &["rien", "d", "autre"],
    &["العدد", "الصحيح"], &["ماشي", "هكا"], &["machi", "haka"],
];

pub fn correction_phrase_in(toks: &[Token]) -> bool {
    CORRECTION_PHRASES.iter().any(|p| {
        let p: Vec<String> = p.iter().map(|w| fold(&normalize(w))).collect();
        toks.windows(p.len())
            .any(|w| w.iter().zip(&p).all(|(t, w)| t.fold == *w))
    })
}

/// Verbs that only order ("mettez", "عطيني"): "more" unless the message corrects.
#[rustfmt::skip]
const WEAK_MORE: &[&str] = &[
    "autre", "mettez", "mets", "met", "donne", "donnez", "3tini", "atini", "a3tini", "عطيني", "اعطني",
];

pub fn is_weak_more(t: &Token) -> bool {
    WEAK_MORE.iter().any(|w| fold(&normalize(w)) == t.fold)
}

/// Words that introduce what is replaced ("au lieu de", "بدلا من", "blast"): a number after
/// them is the old quantity.
#[rustfmt::skip]
const INSTEAD: &[&str] = &["lieu", "place", "instead", "بدلا", "بدل", "عوض", "مكان", "blast", "blassa", "blasa", "بلاصة", "بلاصت"];

pub fn is_instead(t: &Token) -> bool {
    INSTEAD.iter().any(|w| fold(&normalize(w)) == t.fold)
}

/// Words that ask to add to what is already there rather than correct it.
#[rustfmt::skip]
pub const MORE: &[&str] = &[
    "encore", "aussi", "autre", "ajoute", "ajouter", "rajoute", "zid", "zidli", "zidni",
    "kamel", "زيد", "زيدلي", "زيدني", "ايضا", "أيضا", "كذلك", "اخر", "آخر", "اخرى", "mettez",
    "mets", "met", "donne", "donnez", "3tini", "atini", "a3tini", "عطيني", "اعطني",
    // "I forgot", "is missing": something to add.
    "اضف", "أضف", "أضيفي", "اضيفوا", "نسيت", "nsit", "oublie", "ينقص", "ناقص", "تنقص", "manque", "زيدو", "zido",
];

/// Size words and the size they name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Small,
    Medium,
    Large,
}

#[rustfmt::skip]
const SIZES: &[(Size, &[&str])] = &[
    (Size::Large, &["grande", "grand", "large", "kbira", "kbir", "kbar", "kebira", "kbiira", "kbire", "big", "كبيرة", "كبير", "الكبيرة", "الكبير", "كبار", "لارج", "xl"]),
    (Size::Medium, &["moyenne", "moyen", "medium", "normale", "normal", "wasta", "mtwasta", "moutawasita", "متوسطة", "متوسط", "وسط", "الوسط", "عادية", "نورمال", "ميديوم", "mediom", "midium", "moyene"]),
    (Size::Small, &["petite", "petit", "small", "sghira", "sghir", "sghar", "sgira", "صغيرة", "صغير", "الصغيرة", "صغار", "mini", "الصغير"]),
];

/// Words for a bottle, a can, a glass: they stand between a quantity and a drink.
#[rustfmt::skip]
pub const CONTAINERS: &[&str] = &[
    "bouteille", "bouteilles", "canette", "canettes", "verre", "verres", "qar3a", "9ar3a",
    "kar3a", "gar3a", "qaro3a", "qar3at", "9ar3at", "bidon", "كاس", "قارورة", "قارورات",
    "قرعة", "قرعات", "علبة", "علب", "كأس", "portion", "portions", "part", "parts",
    // A sandwich of…: the generic noun before the name.
    "شطيرة", "شطائر", "شطيره", "sandwich", "sandwichs", "sandwitch", "كاسكروط", "كسكروط",
    "وجبة", "وجبات", "قطعة", "قطعه", "قطع", "قرص", "اقراص", "طلب", "صحن", "طبق", "piece", "pieces", "morceau",
    "morceaux", "plat", "plats", "assiette", "tranche", "tranches", "tabsi", "طبسي",
];

/// Spelling families: any member in a menu name also matches the others. Number words are
/// here so "أربعة أجبان" and "quatre fromages" are the item, not a quantity.
#[rustfmt::skip]
const FAMILIES: &[&[&str]] = &[
    &["4", "quatre", "arba3a", "reb3a", "أربعة", "اربعة", "أربع", "اربع"],
    &["fromage", "fromages", "formage", "frommage", "fromaj", "fromage", "فرماج", "فروماج", "فورماج", "أجبان", "اجبان", "جبن", "جبنة", "جبن"],
    &["viande", "fiande", "viand", "فيوند", "فياند", "فيند", "لحم", "l7am", "lham", "lahm", "بالحم"],
    &["hachee", "hache", "mafroum", "مفروم", "المفروم", "هاشي", "kefta", "كفتة", "كفته"],
    &["chawarma", "shawarma", "chwarma", "chawerma", "chawrma", "شاورما", "شوارمة", "شوارما", "شاورمة", "شورمة", "شورما"],
    &["pizza", "pitza", "piza", "pizzas", "بيتزا", "بيزا", "بيتزة", "بتزا"],
    &["burger", "burgeur", "berger", "برغر", "برقر", "بورغر", "برجر", "بيرغر"],
    &["limonade", "limonada", "lemonade", "ليموناضة", "ليموناد", "ليمونادة", "ليموناده", "gazouz", "gazous", "قازوز", "قازوزة", "غازوز"],
    &["eau", "ma", "mae", "lma", "ماء", "الماء", "ما", "مويه", "الما"],
    &["jus", "3assir", "3asir", "assir", "عصير", "juice"],
    &["orange", "tchina", "tchinna", "برتقال", "تشينة", "شينة", "البرتقال"],
    &["thon", "ton", "tuna", "تونة", "تون", "طون"],
    &["poulet", "djaj", "djej", "jaj", "دجاج", "جاج", "فروج"],
    &["tacos", "takos", "tacose", "تاكوس", "طاكوس", "تكوس"],
    &["margherita", "margarita", "margerita", "margharita", "marguerita", "مارغريتا", "مارجريتا", "مرغريتا", "مارقريتا", "مارغاريتا"],
    &["karantika", "karantita", "garantita", "calentica", "كرنطيكة", "كارانتيكا", "قرنطيطة", "كرانتيكا"],
];

/// Words that mean pickup, delivery, or "that is all" wherever they appear.
#[rustfmt::skip]
pub const PICKUP: &[&str] = &[
    "emporter", "emporte", "recuperer", "recupere", "pickup", "nji", "ndiha", "nddiha", "njibha",
    "nediha", "نجي", "نديها", "ندّيها", "نجيبها", "comptoir", "ساتي", "سآتي", "لاستلامه",
    "لاستلامها", "استلمه", "استلمها", "ساستلم", "سأستلم", "ساخذه", "ساخذها", "سامر", "بنفسي",
    "المطعم", "passe", "passerai", "viens", "viendrai", "je passe", "nfout", "njiboh", "nji nediha",
];
#[rustfmt::skip]
pub const DELIVERY: &[&str] = &[
    "livraison", "livrer", "livrez", "livre", "domicile", "lifraison", "livrison", "twasslou",
    "twaslou", "twasslouha", "twasslouli", "توصيل", "التوصيل", "توصلو", "توصلولي", "ldar",
    "للدار", "ليفريزون", "ليفريزو", "الدار", "delivery", "توصيله", "ايصال", "إيصال", "وصلولي",
    "اوصلوني", "livrer", "livraisan", "l'adresse", "ارسلوها", "ارسلوه", "أرسلوها", "أرسلوه",
    "ابعثوها", "ابعثوهالي", "بعثوها", "سيفطوها", "ab3thouha", "ab3atha", "sifetouha",
];
#[rustfmt::skip]
pub const CHECKOUT: &[&str] = &[
    "commander", "valider", "tout", "safi", "barka", "berk", "brk", "kamel", "kammel", "kemel",
    "ncommandi", "nkomandi", "كمل", "برك", "صافي", "نكوموندي", "خلاص", "شيء", "شيئ", "هذا كل",
    "fini", "termine", "c tout", "ctout", "hadak", "hadi", "kolchi", "كلشي", "yakfi", "يكفي",
    "bzaf", "hakda", "كل", "تاكيد", "تأكيد", "اكد", "نأكد", "confirmer", "valide", "نكمل",
];

/// Words that say nothing about the order: they are neither reported as unknown nor taken
/// for names.
#[rustfmt::skip]
const FILLER: &[&str] = &[
    "je", "j", "tu", "il", "on", "nous", "vous", "moi", "me", "m", "en", "y", "le", "la", "l",
    "les", "un", "une", "des", "de", "d", "du", "et", "ou", "a", "au", "aux", "avec", "sans",
    "pour", "par", "svp", "stp", "sil", "s", "plait", "plais", "vous", "veux", "voudrais",
    "voudrai", "veut", "aimerais", "souhaite", "prendre", "prends", "prend", "prendrai",
    "commande", "commander", "ok", "okay", "oui", "bien", "merci", "bonjour", "bonsoir",
    "salut", "salam", "slm", "cc", "coucou", "mettez", "mets", "met", "mettre", "donnez",
    "donne", "ajoutez", "ajoute", "ajouter", "encore", "aussi", "c", "ce", "ca", "cela",
    "est", "sera", "serait", "fait", "faire", "bon", "alors", "donc", "mais", "mon", "ma",
    "mes", "ta", "votre", "vos", "qui", "que", "quoi", "fois", "x", "taille", "size", "avoir",
    "il", "si", "possible", "peux", "pouvez", "pourriez", "puis", "please", "pls", "plz",
    "i", "want", "the", "and", "nheb", "n7eb", "nhab", "n7ab", "habit", "7abit", "bghit",
    "nheeb", "3tini", "atini", "a3tini", "jibli", "jibli", "dirli", "diroli", "zidli", "zid",
    "w", "wa", "ya", "khoya", "kho", "sahbi", "khouya", "kh", "3afak", "afak", "llah",
    "allah", "yrham", "waldik", "barak", "baraka", "lah", "fik", "fikom", "saha", "sa7a",
    "ta3", "taa", "nta3", "dyal", "dial", "m3a", "ma3", "b", "bel", "bl", "fi", "f", "el",
    "al", "wach", "wesh", "ana", "rani", "rana", "hna", "ntouma", "ila", "ida", "kho",
    "lyoum", "daba", "dork", "drk", "tani", "aussi", "hadi", "hada", "min", "men", "mn",
    "نحب", "بغيت", "حبيت", "حاب", "ابغي", "نبغي", "اريد", "أريد", "نريد", "اود", "أود",
    "عطيني", "اعطني", "اعطيني", "جيبلي", "ديرلي", "زيدلي", "من", "فضلك", "فضلكم", "لو",
    "سمحت", "سمحتم", "و", "ب", "في", "مع", "على", "الى", "إلى", "ل", "يا", "خويا", "اخي",
    "أخي", "صاحبي", "السلام", "سلام", "عليكم", "مرحبا", "اهلا", "شكرا", "بارك", "الله",
    "فيك", "فيكم", "ربي", "يخليك", "عافاك", "تاع", "نتاع", "ديال", "ان", "أن", "انا", "أنا",
    "هذا", "هذه", "هاذ", "هاد", "اللي", "الي", "التي", "الذي", "حبة", "حبات", "طلب", "طلبية",
    "اطلب", "أطلب", "نطلب", "ابي", "يعطيك", "الصحة", "صحة", "عندكم", "عندك", "واش", "راني",
    "نحبو", "نديرو", "كيما", "مثل", "ثم", "بعد", "كذلك", "ايضا", "أيضا", "لي", "ليا",
    "أرغب", "ارغب", "نرغب", "مساء", "الخير", "صباح", "النور", "هل", "يمكنني", "ممكن",
    "الحصول", "احصل", "أحصل", "اطلب", "منكم", "لكم", "لدي", "عندي", "3andkom", "andkom",
    "3andek", "عندكش", "pas", "chose", "rien", "plus", "alors", "accord", "dac", "lieu",
    "بدلا",
];

fn folded(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| fold(&normalize(w))).collect()
}

struct Lists {
    numbers: HashMap<String, u32>,
    correction: Vec<String>,
    replace: Vec<String>,
    more: Vec<String>,
    sizes: Vec<(String, Size)>,
    containers: Vec<String>,
    families: Vec<Vec<String>>,
    filler: Vec<String>,
    /// Every word of the lists above and of the pickup, delivery and checkout lists.
    known: std::collections::HashSet<String>,
}

static LISTS: LazyLock<Lists> = LazyLock::new(|| Lists {
    numbers: NUMBERS
        .iter()
        .flat_map(|(n, ws)| folded(ws).into_iter().map(move |w| (w, *n)))
        .collect(),
    correction: folded(CORRECTION),
    replace: folded(REPLACE),
    more: folded(MORE),
    sizes: SIZES
        .iter()
        .flat_map(|(s, ws)| folded(ws).into_iter().map(move |w| (w, *s)))
        .collect(),
    containers: folded(CONTAINERS),
    families: FAMILIES.iter().map(|f| folded(f)).collect(),
    filler: folded(FILLER),
    known: [
        CORRECTION, REPLACE, MORE, CONTAINERS, FILLER, PICKUP, DELIVERY, CHECKOUT, INSTEAD,
        WEAK_MORE,
    ]
    .iter()
    .flat_map(|l| folded(l))
    .chain(SIZES.iter().flat_map(|(_, ws)| folded(ws)))
    .chain(NUMBERS.iter().flat_map(|(_, ws)| folded(ws)))
    .collect(),
});

/// The number a word stands for in this module's lists (digits are read by `text`).
pub fn number_word(t: &Token) -> Option<u32> {
    LISTS.numbers.get(&t.fold).copied().or_else(|| {
        // The accusative "ثلاثا", "واحدا" ("أريد ثلاثا بدلا من واحدة").
        let stem = t.norm.strip_suffix('ا')?;
        let arabic = stem.chars().any(crate::domain::text::is_arabic_letter);
        arabic
            .then(|| LISTS.numbers.get(&fold(stem)).copied())
            .flatten()
    })
}

/// An Arabic dual ("قازوزتين", "قارورتان", "شاورمتين"): the singular, spelled with the
/// feminine ending the dual dropped, so it can be matched like any other word.
pub fn dual_stem(t: &Token) -> Option<String> {
    let w = &t.norm;
    if !w.chars().any(crate::domain::text::is_arabic_letter) {
        return None;
    }
    for suffix in ["تين", "تان"] {
        if let Some(stem) = w.strip_suffix(suffix) {
            if stem.chars().count() >= 3 {
                return Some(format!("{stem}ه"));
            }
        }
    }
    None
}

/// The masculine dual ("كاسين", "برغرين"): only worth trying when the stem is a known word.
pub fn masculine_dual_stem(t: &Token) -> Option<String> {
    let w = &t.norm;
    if !w.chars().any(crate::domain::text::is_arabic_letter) {
        return None;
    }
    ["ين", "ان"]
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .filter(|stem| stem.chars().count() >= 3)
        .map(str::to_string)
}

/// A dual before the noun it counts ("قارورتا ماء", "شطيرتي شاورما", "عصيرا برتقال"):
/// possible singulars, feminine first. Only worth trying when the next word is a name.
pub fn construct_dual_stem(t: &Token) -> Option<Vec<String>> {
    let w = &t.norm;
    if !w.chars().any(crate::domain::text::is_arabic_letter) {
        return None;
    }
    let mut out = Vec::new();
    for suffix in ["تا", "تي"] {
        if let Some(stem) = w.strip_suffix(suffix).filter(|s| s.chars().count() >= 3) {
            out.push(format!("{stem}ه"));
        }
    }
    for suffix in ["ا", "ي"] {
        if let Some(stem) = w.strip_suffix(suffix).filter(|s| s.chars().count() >= 3) {
            out.push(stem.to_string());
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Broken plurals of the generic nouns customers count with.
#[rustfmt::skip]
const BROKEN_PLURALS: &[(&str, &str)] = &[
    ("شطائر", "شطيرة"), ("قطع", "قطعة"), ("علب", "علبة"), ("وجبات", "وجبة"),
    ("طلبات", "طلب"), ("صحون", "صحن"), ("كؤوس", "كأس"), ("أقراص", "قرص"), ("حبات", "حبة"),
];

/// The possible singulars of an Arabic plural, likeliest first: the sound feminine plural
/// "ات" ("قازوزات" → "قازوزه", "برغرات" → "برغر") or a listed broken plural ("شطائر" →
/// "شطيره"). The caller keeps the first it knows.
pub fn plural_stems(t: &Token) -> Vec<Token> {
    let w = &t.norm;
    if !w.chars().any(crate::domain::text::is_arabic_letter) {
        return Vec::new();
    }
    if let Some((_, one)) = BROKEN_PLURALS.iter().find(|(p, _)| normalize(p) == *w) {
        return crate::domain::text::tokens(one);
    }
    let Some(stem) = w.strip_suffix("ات").filter(|s| s.chars().count() >= 3) else {
        return Vec::new();
    };
    [format!("{stem}ه"), stem.to_string()]
        .iter()
        .filter_map(|s| crate::domain::text::tokens(s).pop())
        .collect()
}

/// Small words inside a dish name as customers write it: "jus d'orange", "tacos au poulet",
/// "بيتزا بالتونة", "tacos ta3 djaj".
#[rustfmt::skip]
const CONNECTIVES: &[&str] = &["d", "de", "du", "des", "a", "au", "aux", "l", "el", "ta3", "nta3", "b", "bel", "bl", "تاع", "نتاع", "ب", "بال", "ال", "من"];

pub fn is_connective(t: &Token) -> bool {
    CONNECTIVES.iter().any(|w| fold(&normalize(w)) == t.fold)
}

/// Whether a word of `list` is in the message: exact for Arabic words (their affixes make
/// near words mean other things: "الاستلام" is payment on delivery, "لاستلامه" pickup),
/// typo-tolerant for long Latin ones.
fn any_of(toks: &[Token], list: &[&str]) -> bool {
    toks.iter().any(|t| {
        let one = std::slice::from_ref(t);
        if t.norm.chars().any(crate::domain::text::is_arabic_letter) {
            list.iter().any(|w| fold(&normalize(w)) == t.fold)
        } else {
            crate::domain::text::words_in(one, list)
        }
    })
}

pub fn pickup_in(toks: &[Token]) -> bool {
    any_of(toks, PICKUP)
}
pub fn delivery_in(toks: &[Token]) -> bool {
    any_of(toks, DELIVERY) || toks.iter().any(deliver_verb)
}

/// A Darija form of "deliver it (to me)": "wasslouhali", "nwasslouha", "وصلوهالي",
/// "توصلوهالي". Not "وصلت" (it arrived).
fn deliver_verb(t: &Token) -> bool {
    if t.norm.chars().any(crate::domain::text::is_arabic_letter) {
        // The unfolded word: folding drops a leading "و", the first letter of the verb.
        let w = t.norm.as_str();
        let stem = ["ت", "ن"]
            .iter()
            .find_map(|p| w.strip_prefix(p))
            .unwrap_or(w);
        return stem.chars().count() >= 5
            && ["وصلو", "وصله", "وصلي"].iter().any(|p| stem.starts_with(p));
    }
    let w = t.fold.as_str();
    let stem = ["t", "n"]
        .iter()
        .find_map(|p| w.strip_prefix(p))
        .unwrap_or(w);
    stem.len() >= 6 && (stem.starts_with("waslu") || stem.starts_with("waslh"))
}
pub fn checkout_in(toks: &[Token]) -> bool {
    any_of(toks, CHECKOUT)
}

fn in_list(list: &[String], t: &Token) -> bool {
    list.contains(&t.fold)
}

pub fn is_correction(t: &Token) -> bool {
    in_list(&LISTS.correction, t)
}
pub fn is_replace(t: &Token) -> bool {
    in_list(&LISTS.replace, t)
}
pub fn is_more(t: &Token) -> bool {
    in_list(&LISTS.more, t)
}
pub fn is_container(t: &Token) -> bool {
    in_list(&LISTS.containers, t)
}
pub fn is_filler(t: &Token) -> bool {
    in_list(&LISTS.filler, t)
}

/// Whether the bot already knows this word as something other than a name (a filler, a
/// number, a correction, pickup or payment word, an intent word): such a word may still be
/// part of a name, but only spelled exactly, never as a typo of one ("ماشي" is "not", not
/// "هاشي"; "أريد" is "I want", not the commune Arris; "نخلص" is "I pay", not النخلة).
pub fn is_function_word(t: &Token) -> bool {
    t.number.is_some()
        || LISTS.known.contains(&t.fold)
        || number_word(t).is_some()
        || crate::domain::payment_words::is_payment_token(t)
        || crate::domain::lexicon::LEXICON.is_intent_word(t)
}

/// The size a word names ("kbira", "صغيرة", "moyenne").
pub fn size_word(t: &Token) -> Option<Size> {
    LISTS
        .sizes
        .iter()
        .find(|(w, _)| *w == t.fold)
        .map(|(_, s)| *s)
}

/// Every spelling of a folded word (itself first), from the families above.
pub fn variants(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string()];
    for f in &LISTS.families {
        if f.iter().any(|w| w == word) {
            out.extend(f.iter().filter(|w| *w != word).cloned());
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::tokens;

    fn t(s: &str) -> Token {
        tokens(s).remove(0)
    }

    #[test]
    fn numbers_in_every_register() {
        for (w, n) in [
            ("ثلاث", 3),
            ("اثنتان", 2),
            ("wa7da", 1),
            ("tlata", 3),
            ("أربعة", 4),
        ] {
            assert_eq!(number_word(&t(w)), Some(n), "{w}");
        }
    }

    #[test]
    fn darija_delivery_verbs_are_delivery_but_it_arrived_is_not() {
        for s in [
            "wasslouhali",
            "nwasslouha",
            "وصلوهالي",
            "توصلوهالي",
            "twasslouli",
        ] {
            assert!(delivery_in(&tokens(s)), "{s}");
        }
        for s in ["وصلت", "wasalt", "wesh"] {
            assert!(!delivery_in(&tokens(s)), "{s}");
        }
    }

    #[test]
    fn accusative_number_words_and_plurals() {
        assert_eq!(number_word(&t("ثلاثا")), Some(3));
        assert_eq!(number_word(&t("واحدا")), Some(1));
        assert_eq!(
            plural_stems(&t("قازوزات")).first().map(|s| s.fold.clone()),
            Some(fold(&normalize("قازوزة")))
        );
        assert_eq!(
            plural_stems(&t("شطائر")).first().map(|s| s.fold.clone()),
            Some(fold(&normalize("شطيرة")))
        );
        assert_eq!(fold("eaux"), "eau");
    }

    #[test]
    fn duals_give_their_singular() {
        assert_eq!(dual_stem(&t("قازوزتين")).as_deref(), Some("قازوزه"));
        assert_eq!(dual_stem(&t("قارورتان")).as_deref(), Some("قاروره"));
        assert_eq!(dual_stem(&t("pizza")), None);
    }

    #[test]
    fn families_know_spellings_and_number_words_in_names() {
        assert!(variants(&fold(&normalize("fromages"))).contains(&fold(&normalize("أجبان"))));
        assert!(variants("4").contains(&fold(&normalize("أربعة"))));
        assert_eq!(size_word(&t("kbira")), Some(Size::Large));
    }
}
