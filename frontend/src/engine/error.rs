//! Failures as a person should read them.

/// A failure as a person should read it: what happened, and what to do.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct UiError {
    /// What happened, in a few words.
    pub(crate) title: String,
    /// What to do about it.
    pub(crate) message: String,
}

impl UiError {
    /// A titled message.
    pub(crate) fn new(title: impl Into<String>, message: impl Into<String>) -> Self {
        UiError { title: title.into(), message: message.into() }
    }
}
