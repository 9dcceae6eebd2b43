//! What the FAQ search found for a message: the store searches, the engine answers from it.

/// What the FAQ search found for the current message.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum FaqLookup {
    /// Not searched (pure tests without a store): the engine matches FAQ keywords itself.
    #[default]
    NotSearched,
    NoMatch,
    /// An entry relevant enough to answer with (index into `Menu::faq`).
    Found(usize),
    /// Something matched, but below the owner's confidence threshold: offer a human.
    Unsure,
}
