//! Result and status words as types.
//!
//! Every verdict the core computes is a closed enum whose serde name is the word the
//! JSON contract has always carried (`"pass"`, `"temperror"`, `"not_visible"`, ...), so
//! callers match on variants instead of comparing strings, and a typo is a compile error,
//! while the JSON stays byte-identical. Words read from other servers' headers
//! (Authentication-Results, Received-SPF) can be anything, so they are a [`ResultWord`]:
//! the RFC 8601 words plus `Other` that keeps the text as written.

/// Declares a closed word enum: serde renames, `as_str`, `parse` (ASCII case-insensitive)
/// and `Display` from one `Variant => "word"` list.
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $word)] $variant, )+
        }

        impl $name {
            /// The word as it appears in reports and headers.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                }
            }

            /// Parses the word, ASCII case-insensitively; `None` for any other text.
            pub fn parse(word: &str) -> Option<Self> {
                $( if word.eq_ignore_ascii_case($word) { return Some($name::$variant); } )+
                None
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Compares with the word as written in the JSON contract (test suites state
        /// their expectations as words).
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        /// Compares with the word as written in the JSON contract.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}
pub(crate) use word_enum;

/// A result word read from another server's header (RFC 8601 §2.7, RFC 7208 §2.6,
/// RFC 8617 §4.4), or one of ours handed to the comparison with them. Serialized as the
/// bare word; words outside the registry keep their text in `Other` (they are reported,
/// not rejected: providers write legacy words such as `hardfail`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResultWord {
    /// `pass`.
    Pass,
    /// `fail`.
    Fail,
    /// `softfail` (SPF).
    SoftFail,
    /// `neutral`.
    Neutral,
    /// `none`.
    None,
    /// `temperror`.
    TempError,
    /// `permerror`.
    PermError,
    /// `policy` (DKIM, RFC 8601 §2.7.1).
    Policy,
    /// Any other word, as written.
    Other(String),
}

impl ResultWord {
    /// The word (exactly as read for `Other`).
    pub fn as_str(&self) -> &str {
        match self {
            ResultWord::Pass => "pass",
            ResultWord::Fail => "fail",
            ResultWord::SoftFail => "softfail",
            ResultWord::Neutral => "neutral",
            ResultWord::None => "none",
            ResultWord::TempError => "temperror",
            ResultWord::PermError => "permerror",
            ResultWord::Policy => "policy",
            ResultWord::Other(w) => w,
        }
    }

    /// The registered word for `word` when it is one, written in lower case; anything
    /// else (including other spellings) is kept as written, so no text is lost.
    pub fn from_word(word: &str) -> Self {
        match word {
            "pass" => ResultWord::Pass,
            "fail" => ResultWord::Fail,
            "softfail" => ResultWord::SoftFail,
            "neutral" => ResultWord::Neutral,
            "none" => ResultWord::None,
            "temperror" => ResultWord::TempError,
            "permerror" => ResultWord::PermError,
            "policy" => ResultWord::Policy,
            other => ResultWord::Other(other.to_string()),
        }
    }
}

impl std::fmt::Display for ResultWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ResultWord {
    fn from(word: &str) -> Self {
        ResultWord::from_word(word)
    }
}

impl From<String> for ResultWord {
    fn from(word: String) -> Self {
        ResultWord::from_word(&word)
    }
}

/// A word read from a header compares with the text it was read from.
impl PartialEq<str> for ResultWord {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// A word read from a header compares with the text it was read from.
impl PartialEq<&str> for ResultWord {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for ResultWord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ResultWord {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(ResultWord::from_word(&word))
    }
}

#[cfg(test)]
#[allow(unreachable_pub)]
mod tests {
    use super::*;

    word_enum! {
        /// A test enum.
        pub enum Sample {
            /// One.
            One => "one",
            /// Two words.
            TwoWords => "two_words",
        }
    }

    #[test]
    fn closed_words_serialize_as_their_word_and_parse_back() {
        assert_eq!(serde_json::to_string(&Sample::TwoWords).unwrap(), "\"two_words\"");
        assert_eq!(serde_json::from_str::<Sample>("\"one\"").unwrap(), Sample::One);
        assert!(serde_json::from_str::<Sample>("\"three\"").is_err());
        assert_eq!(Sample::parse("TWO_WORDS"), Some(Sample::TwoWords));
        assert_eq!(Sample::parse("three"), None);
        assert_eq!(Sample::One.to_string(), "one");
    }

    #[test]
    fn open_words_keep_unknown_text() {
        for w in ["pass", "softfail", "policy", "hardfail", "Pass", ""] {
            let r = ResultWord::from_word(w);
            assert_eq!(r.as_str(), w);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<ResultWord>(&json).unwrap(), r);
        }
        assert_eq!(ResultWord::from_word("pass"), ResultWord::Pass);
        assert_eq!(ResultWord::from_word("Pass"), ResultWord::Other("Pass".into()));
    }
}
