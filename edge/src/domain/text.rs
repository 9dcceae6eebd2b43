//! Text normalisation shared by every matcher (intents, menu items, communes, FAQ), following
//! the rules in `../shared/data/README.md`: case, French accents, Arabic diacritics, letter
//! variants and tatweel, Arabic-Indic digits, repeated letters, Arabizi digits.

/// One word of a customer message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Normalised (lower case, no accents or diacritics, letter variants unified).
    pub norm: String,
    /// `norm` folded further for matching: Arabizi digits as letters, spelling variants
    /// (sh/ch, dj/j, ou/u, q/k), doubled letters, plural -s, Arabic article.
    pub fold: String,
    /// Set when the word is a number on its own ("2", "٢", "2x", "x2").
    pub number: Option<u32>,
}

/// Which script/language a message is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Arabic,
    /// Latin letters; whether French or Darija is decided from the words (see `lexicon`).
    Latin,
    None,
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ÿ' => 'y',
        'ñ' => 'n',
        'œ' => 'o',
        'æ' => 'a',
        _ => c,
    }
}

pub fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{064A}' | '\u{0671}'..='\u{06D3}')
}

/// Character-level normalisation; every non-letter, non-digit becomes a space.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            '\u{064B}'..='\u{0652}' | '\u{0670}' | '\u{0640}' => continue,
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            'ؤ' => 'و',
            'ئ' => 'ي',
            'ڨ' | 'گ' => 'ق',
            'پ' => 'ب',
            'ڤ' => 'ف',
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            c => fold_accent(c),
        };
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    squeeze(out.trim(), 3)
}

/// Collapses runs of `min_run` or more identical letters to one (`salaaam` → `salam`).
fn squeeze(s: &str, min_run: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let run = j - i;
        let keep = if c.is_alphabetic() && run >= min_run {
            1
        } else {
            run
        };
        out.extend(std::iter::repeat_n(c, keep));
        i = j;
    }
    out
}

/// A bare number, or one written with a multiplication sign: "2", "2x", "x2".
fn as_number(norm: &str) -> Option<u32> {
    let digits = norm
        .strip_suffix('x')
        .or_else(|| norm.strip_prefix('x'))
        .unwrap_or(norm);
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Folds one normalised word for matching. Applied identically to dictionary words and to
/// what the customer typed, so it only has to be consistent, not linguistically exact.
pub fn fold(norm: &str) -> String {
    if norm.chars().any(is_arabic_letter) {
        let mut w: &str = norm;
        if w.chars().count() >= 5 {
            w = w.strip_prefix('و').unwrap_or(w);
        }
        if w.chars().count() >= 5 {
            // The article, alone or after a preposition: "الدار", "للدار", "بالحجم".
            w = ["ال", "لل", "بال", "فال", "كال"]
                .iter()
                .find_map(|p| w.strip_prefix(p))
                .unwrap_or(w);
        }
        return squeeze(w, 2);
    }
    let has_letter = norm.chars().any(|c| c.is_ascii_alphabetic());
    let mut s = String::with_capacity(norm.len());
    for c in norm.chars() {
        match c {
            // Arabizi: a digit inside a word is a letter (3tini, n7eb, wa9tach, 5dem).
            '3' | '2' if has_letter => s.push('a'),
            '7' | '8' if has_letter => s.push('h'),
            '9' if has_letter => s.push('k'),
            '5' if has_letter => s.push_str("kh"),
            'q' => s.push('k'),
            c => s.push(c),
        }
    }
    let s = s
        .replace("sh", "ch")
        .replace("dj", "j")
        .replace("ou", "u")
        .replace("ph", "f");
    let mut s = squeeze(&s, 2);
    // French plurals: "pizzas", "eaux", "gateaux".
    if s.len() > 3 && (s.ends_with('s') || s.ends_with("eaux")) && has_letter {
        s.pop();
    }
    s
}

pub fn tokens(s: &str) -> Vec<Token> {
    normalize(s)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| Token {
            norm: w.to_string(),
            fold: fold(w),
            number: as_number(w),
        })
        .collect()
}

/// Folded words of a dictionary phrase.
pub fn phrase(s: &str) -> Vec<String> {
    tokens(s).into_iter().map(|t| t.fold).collect()
}

pub fn script(s: &str) -> Script {
    let (mut ar, mut lat) = (0, 0);
    for c in s.chars() {
        if is_arabic_letter(c) {
            ar += 1;
        } else if c.is_alphabetic() {
            lat += 1;
        }
    }
    match (ar, lat) {
        (0, 0) => Script::None,
        (a, l) if a >= l => Script::Arabic,
        _ => Script::Latin,
    }
}

/// How many edits a dictionary word of this length tolerates: typos are likelier in long
/// words, and a one-letter change turns a short word into another word.
pub fn allowed_edits(word: &str) -> usize {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Optimal-string-alignment distance (a transposition counts as one edit), giving up early
/// once the distance is over `max`.
pub fn edit_distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    if a == b {
        return Some(0);
    }
    if max == 0 || a.chars().count().abs_diff(b.chars().count()) > max {
        return None;
    }
    // Words are short: keep them on the stack, because this runs for every token against
    // every dictionary word (items, intents, 1,541 communes).
    const CAP: usize = 32;
    let (mut ab, mut bb) = (['\0'; CAP], ['\0'; CAP]);
    let (Some(la), Some(lb)) = (fill(&mut ab, a), fill(&mut bb, b)) else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        return osa_within(&a, &b, max, &mut vec![0; 3 * (b.len() + 1)]);
    };
    osa_within(&ab[..la], &bb[..lb], max, &mut [0; 3 * (CAP + 1)])
}

fn fill(buf: &mut [char], s: &str) -> Option<usize> {
    let mut n = 0;
    for c in s.chars() {
        *buf.get_mut(n)? = c;
        n += 1;
    }
    Some(n)
}

/// Optimal string alignment over three rolling rows kept in `rows` (≥ 3 × (|b| + 1)).
fn osa_within(a: &[char], b: &[char], max: usize, rows: &mut [usize]) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let (mut older, mut prev, mut cur) = (0, w, 2 * w);
    for (j, v) in rows[prev..prev + w].iter_mut().enumerate() {
        *v = j;
    }
    for i in 1..=a.len() {
        rows[cur] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[prev + j] + 1)
                .min(rows[cur + j - 1] + 1)
                .min(rows[prev + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[older + j - 2] + 1);
            }
            rows[cur + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        (older, prev, cur) = (prev, cur, older);
    }
    let v = rows[prev + b.len()];
    (v <= max).then_some(v)
}

/// Whether a typed word matches a dictionary word, and with how many edits.
pub fn word_match(typed: &str, dict: &str) -> Option<usize> {
    edit_distance_within(typed, dict, allowed_edits(dict))
}

pub fn words_in(toks: &[Token], list: &[&str]) -> bool {
    let folded: Vec<String> = list.iter().map(|w| fold(&normalize(w))).collect();
    toks.iter().any(|t| {
        folded
            .iter()
            .any(|w| *w == t.fold || (w.chars().count() >= 5 && word_match(&t.fold, w).is_some()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_is_normalised_as_the_intent_lists_expect() {
        assert_eq!(normalize("أَهْلاً"), "اهلا");
        assert_eq!(normalize("شـــكرا"), "شكرا");
        assert_eq!(normalize("وجبة"), "وجبه");
        assert_eq!(normalize("عشاء ٢"), "عشاء 2");
        assert_eq!(normalize("مستشفى"), "مستشفي");
    }

    #[test]
    fn latin_loses_case_accents_punctuation_and_stretched_letters() {
        assert_eq!(normalize("Salaaam, ça va?!"), "salam ca va");
        assert_eq!(normalize("J'AIMERAIS une crêpe"), "j aimerais une crepe");
        assert_eq!(normalize("okkk"), "ok");
    }

    #[test]
    fn arabizi_digits_are_letters_inside_words_and_quantities_alone() {
        let t = tokens("3tini 3 pizza n7eb 2x tacos");
        assert_eq!(t[0].fold, "atini");
        assert_eq!(t[0].number, None);
        assert_eq!(t[1].number, Some(3));
        assert_eq!(t[3].fold, "nheb");
        assert_eq!(t[4].number, Some(2));
        assert_eq!(fold("chawarma"), fold("shawarma"));
        assert_eq!(fold("zoudj"), fold("zouj"));
    }

    #[test]
    fn the_arabic_article_and_conjunction_do_not_hide_a_word() {
        assert_eq!(fold(&normalize("والشاورما")), fold(&normalize("شاورما")));
    }

    #[test]
    fn typos_are_tolerated_in_proportion_to_word_length() {
        assert_eq!(word_match("margarita", "margherita"), Some(2));
        assert_eq!(word_match("tacs", "taco"), Some(1));
        assert_eq!(word_match("ma", "la"), None);
        assert_eq!(word_match("pitza", "pizza"), Some(1));
        assert_eq!(word_match("hamburgr", "hamburger"), Some(1));
        assert_eq!(word_match("xyzzzz", "pizza"), None);
    }

    /// The textbook full-matrix OSA distance, to check the stack-buffer version against.
    fn reference_osa(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, v) in d[0].iter_mut().enumerate() {
            *v = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn the_bounded_distance_agrees_with_the_textbook_one_for_short_and_long_words() {
        let long = "a".repeat(40) + "bcdef";
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "pizza",
            "pitza",
            "piza",
            "tacos",
            "tacso",
            "margherita",
            "margarita",
            "شاورما",
            "شورما",
            "بيتزا",
            "bab ezzouar",
            "bab zouar",
            long.as_str(),
            "a",
        ];
        let long2 = "a".repeat(41) + "bdcef";
        for a in words.iter().copied().chain([long2.as_str()]) {
            for b in words {
                let full = reference_osa(a, b);
                for max in 0..4 {
                    let want = (full <= max).then_some(full);
                    assert_eq!(
                        edit_distance_within(a, b, max),
                        want,
                        "{a:?} vs {b:?} within {max}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_script_of_a_message_is_what_most_of_its_letters_are() {
        assert_eq!(script("جوج شاورما"), Script::Arabic);
        assert_eq!(script("zouj tacos"), Script::Latin);
        assert_eq!(script("2 🍕"), Script::None);
    }
}
