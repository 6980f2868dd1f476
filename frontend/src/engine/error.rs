//! Failures as a person should read them.

/// A failure as a person should read it: what happened, and what to do.
#[derive(Clone, Debug, PartialEq)]
pub struct UiError {
    /// What happened, in a few words.
    pub title: String,
    /// What to do about it.
    pub message: String,
}

impl UiError {
    /// A titled message.
    pub fn new(title: impl Into<String>, message: impl Into<String>) -> Self {
        UiError { title: title.into(), message: message.into() }
    }
}
