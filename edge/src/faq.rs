//! The FAQ knowledge base: entries live in the `faq` table (imported with the menu, edited
//! by the owner through these functions), searched with SQLite FTS5 and bm25. The index
//! holds text folded by `crate::text` exactly as the intent matcher folds what customers
//! type, so "wa9tach", "waqtach" and "وقت" meet the same indexed words.

use crate::menu::{Faq, Names};
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
const STOPWORDS: &[&str] = &[
    "le",
    "la",
    "les",
    "de",
    "des",
    "du",
    "un",
    "une",
    "et",
    "a",
    "au",
    "aux",
    "en",
    "est",
    "ce",
    "que",
    "qui",
    "quoi",
    "quel",
    "quelle",
    "quels",
    "vous",
    "nous",
    "je",
    "tu",
    "il",
    "on",
    "pour",
    "par",
    "sur",
    "avec",
    "dans",
    "pas",
    "ne",
    "se",
    "sont",
    "votre",
    "vos",
    "mon",
    "ma",
    "me",
    "moi",
    "oui",
    "non",
    "bonjour",
    "salam",
    "svp",
    "merci",
    "stp",
    "wach",
    "wech",
    "kayen",
    "kain",
    "chkun",
    "ana",
    "nta",
    "nti",
    "ntuma",
    "rak",
    "rahu",
    "rahi",
    "fi",
    "f",
    "l",
    "el",
    "w",
    "ya",
    "bach",
    "ila",
    "في",
    "من",
    "على",
    "هل",
    "ما",
    "ماهي",
    "هي",
    "هو",
    "انتم",
    "عندكم",
    "واش",
    "كاين",
    "الى",
    "و",
    "يا",
    "مع",
];

fn query_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = crate::text::tokens(text)
        .into_iter()
        .filter(|t| t.number.is_none() && t.fold.chars().count() >= 2)
        .map(|t| t.fold)
        .filter(|f| !STOPWORDS.contains(&f.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The FTS5 query: each word as a phrase; long words as a 4-letter prefix so "livraison",
/// "livrez" and "livrer" meet. Quotes inside words cannot occur (normalised text has none).
fn fts_query(words: &[String]) -> Option<String> {
    let parts: Vec<String> = words
        .iter()
        .map(|w| {
            let n = w.chars().count();
            if n >= 5 {
                format!("\"{}\"*", w.chars().take(4).collect::<String>())
            } else {
                format!("\"{w}\"")
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" OR "))
}

fn indexed_body(f: &Faq) -> String {
    let mut words = Vec::new();
    for s in [&f.q.fr, &f.q.ar].into_iter().chain(f.keywords.iter()) {
        words.extend(crate::text::phrase(s));
    }
    words.join(" ")
}

/// Rebuilds the search index from the `faq` table, in the caller's transaction.
pub fn reindex(c: &Connection) -> rusqlite::Result<()> {
    c.execute("DELETE FROM faq_fts", [])?;
    for (pos, f) in list(c)? {
        c.execute(
            "INSERT INTO faq_fts (rowid, body) VALUES (?1, ?2)",
            params![pos, indexed_body(&f)],
        )?;
    }
    Ok(())
}

/// The entries with their positions (the id the owner edits them by).
pub fn list(c: &Connection) -> rusqlite::Result<Vec<(i64, Faq)>> {
    let mut st =
        c.prepare("SELECT position, q_fr, q_ar, a_fr, a_ar, keywords FROM faq ORDER BY position")?;
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
    let pos: i64 = c.query_row("SELECT coalesce(max(position), -1) + 1 FROM faq", [], |r| {
        r.get(0)
    })?;
    c.execute(
        "INSERT INTO faq (position, q_fr, q_ar, a_fr, a_ar, keywords) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![pos, f.q.fr, f.q.ar, f.a.fr, f.a.ar, serde_json::to_string(&f.keywords).unwrap_or_default()],
    )?;
    reindex(c)?;
    Ok(pos)
}

pub fn update(c: &Connection, position: i64, f: &Faq) -> Result<(), FaqError> {
    check(f)?;
    let n = c.execute(
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
    if c.execute("DELETE FROM faq WHERE position = ?1", params![position])? == 0 {
        return Err(FaqError::NoEntry(position));
    }
    reindex(c)?;
    Ok(())
}

/// The best entry for a message and how relevant it is (bm25, higher is better).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Hit {
    /// Index into `Menu::faq` (entries are loaded in position order).
    pub index: usize,
    pub score: f64,
}

/// Searches the index. The score is bm25 negated (FTS5 ranks better matches lower).
pub fn search(c: &Connection, text: &str) -> rusqlite::Result<Option<Hit>> {
    let Some(q) = fts_query(&query_words(text)) else {
        return Ok(None);
    };
    let best: Option<(i64, f64)> = c
        .query_row(
            "SELECT rowid, bm25(faq_fts) FROM faq_fts WHERE faq_fts MATCH ?1 ORDER BY bm25(faq_fts) LIMIT 1",
            params![q],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((pos, rank)) = best else {
        return Ok(None);
    };
    let index: i64 = c.query_row(
        "SELECT count(*) FROM faq WHERE position < ?1",
        params![pos],
        |r| r.get(0),
    )?;
    Ok(Some(Hit {
        index: index as usize,
        score: -rank,
    }))
}
