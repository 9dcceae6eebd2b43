//! The FAQ knowledge base: entries live in the `faq` table (imported with the menu, edited
//! by the owner through these functions), searched with SQLite FTS5 and bm25. The index
//! holds text folded by `crate::domain::text` exactly as the intent matcher folds what customers
//! type, so "wa9tach", "waqtach" and "وقت" meet the same indexed words.

use crate::domain::faq::FaqLookup;
use crate::domain::menu::{Faq, Names};
use crate::store::Cached;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum FaqError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no FAQ entry number {0}; list them with the console's FAQ page")]
    NoEntry(i64),
    #[error("an FAQ entry needs a question and an answer in French and in Arabic")]
    Incomplete,
}

/// Words that say nothing about which question is asked (FR, Darija, AR), folded.
#[rustfmt::skip]
const STOPWORDS: &[&str] = &[
    "le", "la", "les", "de", "des", "du", "un", "une", "et", "a", "au", "aux", "en", "est", "ce", "que", "qui", "quoi", "quel",
    "quelle", "quels", "vous", "nous", "je", "tu", "il", "y", "on", "pour", "par", "sur", "avec", "dans", "pas", "ne", "se",
    "sont", "etes", "etre", "avez", "fait", "faites", "peux", "peut", "veux", "voudrais", "votre", "vos", "mon", "ma", "me",
    "moi", "oui", "non", "bonjour", "salam", "svp", "merci", "stp", "wach", "wech", "kayen", "kain", "chkun", "ana", "nta",
    "nti", "ntuma", "rak", "rahu", "rahi", "fi", "f", "l", "el", "w", "ya", "bach", "ila", "b", "3andkom", "andkom", "3ndkom",
    "في", "من", "على", "هل", "ما", "ماهي", "هي", "هو", "انتم", "عندكم", "واش", "كاين", "الى", "و", "يا", "مع",
];

/// One meaningful word of the message: its folded form, and its normalised form when
/// folding changed it (the Arabic fold may cut a leading و that belongs to the word).
fn query_words(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for t in crate::domain::text::tokens(text) {
        let stop = |w: &str| STOPWORDS.contains(&w);
        if t.number.is_some() || t.fold.chars().count() < 2 || stop(&t.fold) || stop(&t.norm) {
            continue;
        }
        let mut forms = vec![term(&t.fold)];
        if t.norm != t.fold {
            forms.push(term(&t.norm));
        }
        // Arabic glues prepositions to the article ("بالبطاقة" = "with the card").
        for p in ["بال", "فال", "وال", "كال", "لل"] {
            if let Some(rest) = t.norm.strip_prefix(p).filter(|r| r.chars().count() >= 3) {
                forms.push(term(rest));
            }
        }
        forms.dedup();
        if !out.contains(&forms) {
            out.push(forms);
        }
    }
    out
}

/// A word as searched: long words by their stem, so "livraison", "livrez" and "livrer" meet
/// (4 letters), as do "ساعة" and "ساعات" (Arabic: 3-letter roots). A trailing '*' marks a prefix.
fn term(w: &str) -> String {
    let n = w.chars().count();
    let arabic = w.chars().any(crate::domain::text::is_arabic_letter);
    let (min, keep) = if arabic { (4, 3) } else { (5, 4) };
    if n >= min {
        format!("{}*", w.chars().take(keep).collect::<String>())
    } else {
        w.to_string()
    }
}

fn term_matches(term: &str, word: &str) -> bool {
    match term.strip_suffix('*') {
        Some(p) => word.starts_with(p),
        None => word == term,
    }
}

/// The FTS5 query: every form of every word, OR-ed. Quotes cannot occur inside words
/// (normalised text holds letters and digits only).
fn fts_query(words: &[Vec<String>]) -> Option<String> {
    let parts: Vec<String> = words
        .iter()
        .flatten()
        .map(|t| match t.strip_suffix('*') {
            Some(p) => format!("\"{p}\"*"),
            None => format!("\"{t}\""),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" OR "))
}

fn indexed_body(f: &Faq) -> String {
    let mut words = Vec::new();
    for s in [&f.q.fr, &f.q.ar].into_iter().chain(f.keywords.iter()) {
        words.extend(crate::domain::text::phrase(s));
    }
    words.join(" ")
}

/// A store migrated from before the FAQ index has entries but no index yet.
pub fn index_stale(c: &Connection) -> rusqlite::Result<bool> {
    c.row(
        "SELECT (SELECT count(*) FROM faq) != (SELECT count(*) FROM faq_fts)",
        [],
        |r| r.get(0),
    )
}

/// Rebuilds the search index from the `faq` table, in the caller's transaction.
pub fn reindex(c: &Connection) -> rusqlite::Result<()> {
    c.run("DELETE FROM faq_fts", [])?;
    for (pos, f) in list(c)? {
        c.run(
            "INSERT INTO faq_fts (rowid, body) VALUES (?1, ?2)",
            params![pos, indexed_body(&f)],
        )?;
    }
    Ok(())
}

/// The entries with their positions (the id the owner edits them by).
pub fn list(c: &Connection) -> rusqlite::Result<Vec<(i64, Faq)>> {
    let mut st = c.prepare_cached(
        "SELECT position, q_fr, q_ar, a_fr, a_ar, keywords FROM faq ORDER BY position",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Faq {
                q: Names {
                    fr: r.get(1)?,
                    ar: r.get(2)?,
                },
                a: Names {
                    fr: r.get(3)?,
                    ar: r.get(4)?,
                },
                keywords: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
            },
        ))
    })?;
    rows.collect()
}

fn check(f: &Faq) -> Result<(), FaqError> {
    if [&f.q.fr, &f.q.ar, &f.a.fr, &f.a.ar]
        .iter()
        .any(|s| s.trim().is_empty())
    {
        return Err(FaqError::Incomplete);
    }
    Ok(())
}

/// Adds an entry at the end; returns its position.
pub fn add(c: &Connection, f: &Faq) -> Result<i64, FaqError> {
    check(f)?;
    let pos: i64 = c.row("SELECT coalesce(max(position), -1) + 1 FROM faq", [], |r| {
        r.get(0)
    })?;
    c.run(
        "INSERT INTO faq (position, q_fr, q_ar, a_fr, a_ar, keywords) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![pos, f.q.fr, f.q.ar, f.a.fr, f.a.ar, serde_json::to_string(&f.keywords).unwrap_or_default()],
    )?;
    reindex(c)?;
    Ok(pos)
}

pub fn update(c: &Connection, position: i64, f: &Faq) -> Result<(), FaqError> {
    check(f)?;
    let n = c.run(
        "UPDATE faq SET q_fr = ?2, q_ar = ?3, a_fr = ?4, a_ar = ?5, keywords = ?6 WHERE position = ?1",
        params![position, f.q.fr, f.q.ar, f.a.fr, f.a.ar, serde_json::to_string(&f.keywords).unwrap_or_default()],
    )?;
    if n == 0 {
        return Err(FaqError::NoEntry(position));
    }
    reindex(c)?;
    Ok(())
}

pub fn remove(c: &Connection, position: i64) -> Result<(), FaqError> {
    if c.run("DELETE FROM faq WHERE position = ?1", params![position])? == 0 {
        return Err(FaqError::NoEntry(position));
    }
    reindex(c)?;
    Ok(())
}

/// The FAQ search as the conversation uses it: an answer only at or above `min_confidence`.
pub fn lookup(c: &Connection, text: &str, min_confidence: f64) -> rusqlite::Result<FaqLookup> {
    Ok(match search(c, text)? {
        Some(h) if h.confidence >= min_confidence => FaqLookup::Found(h.index),
        Some(_) => FaqLookup::Unsure,
        None => FaqLookup::NoMatch,
    })
}

/// The best entry for a message and how sure we are of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Hit {
    /// Index into `Menu::faq` (entries are loaded in position order).
    pub index: usize,
    /// bm25 relevance, negated so higher is better; it ranks the entries.
    pub bm25: f64,
    /// Share (0..=1) of the message's meaningful words found in the entry. bm25 alone cannot
    /// be a threshold: its scale depends on how many entries the restaurant wrote.
    pub confidence: f64,
}

/// Searches the index: FTS5 ranks by bm25, then the best entry's word coverage says how
/// sure the answer is (compared with the owner's `faq_min_score` by the caller).
pub fn search(c: &Connection, text: &str) -> rusqlite::Result<Option<Hit>> {
    let words = query_words(text);
    let Some(q) = fts_query(&words) else {
        return Ok(None);
    };
    let best: Option<(i64, f64, String)> = c
        .row(
            "SELECT rowid, bm25(faq_fts), body FROM faq_fts WHERE faq_fts MATCH ?1 ORDER BY bm25(faq_fts) LIMIT 1",
            params![q],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((pos, rank, body)) = best else {
        return Ok(None);
    };
    let body: Vec<&str> = body.split(' ').collect();
    let found = words
        .iter()
        .filter(|forms| {
            forms
                .iter()
                .any(|t| body.iter().any(|w| term_matches(t, w)))
        })
        .count();
    let index: i64 = c.row(
        "SELECT count(*) FROM faq WHERE position < ?1",
        params![pos],
        |r| r.get(0),
    )?;
    Ok(Some(Hit {
        index: index as usize,
        bm25: -rank,
        confidence: found as f64 / words.len() as f64,
    }))
}
