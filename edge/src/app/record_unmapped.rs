//! Keeps what the bot could not map in a customer's message (the engine's `Step::unmapped`)
//! for the owner's list of phrases to teach, in the message's own transaction.

use crate::domain::text;
use crate::store::learning;
use rusqlite::Connection;

/// Longer spans are sentences, not names: no alias would ever match them again.
pub const MAX_WORDS: usize = 6;
/// Characters of the spelling kept to show the owner.
const MAX_SAMPLE_CHARS: usize = 80;

/// The key a span is counted under, as an alias of it would be matched: `text::phrase`
/// words joined by one space. `None` for a span with no word, or too long to be a name.
pub fn phrase_key(span: &str) -> Option<String> {
    let words = text::phrase(span);
    (!words.is_empty() && words.len() <= MAX_WORDS).then(|| words.join(" "))
}

/// Records each span of `spans` once for the customer's message `msg_id`; returns how many
/// phrases were recorded.
pub fn record_unmapped(
    c: &Connection,
    customer_id: i64,
    msg_id: &str,
    spans: &[String],
    at: &str,
) -> rusqlite::Result<usize> {
    let mut done: Vec<String> = Vec::new();
    for span in spans {
        let Some(key) = phrase_key(span) else {
            continue;
        };
        if done.contains(&key) {
            continue;
        }
        let sample: String = span.trim().chars().take(MAX_SAMPLE_CHARS).collect();
        learning::record_unmapped(c, &key, &sample, customer_id, msg_id, at)?;
        done.push(key);
    }
    if !done.is_empty() {
        // The phrases themselves are the customer's words: counted, not logged.
        tracing::info!(
            customer_id,
            msg_id,
            phrases = done.len(),
            "unmapped phrases recorded"
        );
    }
    Ok(done.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_is_keyed_as_an_alias_of_it_would_be_matched() {
        assert_eq!(phrase_key("  ZINGER ").as_deref(), Some("zinger"));
        assert_eq!(phrase_key("Le   Zïnger!").as_deref(), Some("le zinger"));
        assert_eq!(
            phrase_key("شوارمة").as_deref(),
            text::phrase("شوارمة").first().map(|s| s.as_str())
        );
        assert_eq!(phrase_key("?!"), None);
        assert_eq!(phrase_key("je voudrais savoir si vous livrez demain"), None);
    }
}
