//! Upstream verdicts: Authentication-Results (RFC 8601), ARC-Authentication-Results
//! (RFC 8617 §4.1.1) and Received-SPF (RFC 7208 §9.1), and their comparison with the
//! verdicts computed now.
//!
//! The receiving MX records what it concluded at delivery time. Comparing that with a
//! fresh evaluation explains problems that only show up later (a DKIM key rotated
//! away, an SPF record edited) and problems that only showed up at delivery (DNS
//! temperrors). mail-auth has no Authentication-Results parser, so this is ours: a
//! tokenizer that understands CFWS (nested comments anywhere), quoted strings and the
//! RFC 8601 §2.2 grammar, tolerant of the deviations real providers write (Outlook's
//! repeated authserv-id, Yahoo's legacy `from=` pseudo-properties, ptype-less
//! properties, missing `;`). Every tolerance applied is recorded in
//! [`AuthResultsHeader::deviations`]. Bad input is an [`AuthResultsError`], never a panic.

use super::hops::{rough_org_domain, unfold};
use crate::findings::{Finding, catalog::path};
use crate::verdict::{ResultWord, word_enum};
use mail_parser::Message;
use serde::{Deserialize, Serialize};

/// Longest header value accepted (real ones are a few KB).
pub const MAX_HEADER_LEN: usize = 64 * 1024;
/// Deepest comment nesting accepted.
const MAX_COMMENT_DEPTH: usize = 64;
/// At most this many result entries are kept per header.
const MAX_RESULTS: usize = 256;
/// At most this many properties are kept per result.
const MAX_PROPS: usize = 64;
/// At most this many Authentication-Results fields are read from one message.
const MAX_HEADERS: usize = 128;

/// Why a header value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthResultsError {
    /// The value is empty or only white space and comments.
    #[error("empty header value")]
    Empty,
    /// The value is longer than [`MAX_HEADER_LEN`].
    #[error("header value too long ({0} bytes)")]
    TooLong(usize),
    /// The value does not start with an authserv-id (RFC 8601 §2.2).
    #[error("missing authserv-id")]
    MissingAuthservId,
    /// A `(` comment is not closed.
    #[error("unterminated comment starting at byte {0}")]
    UnterminatedComment(usize),
    /// Comments nest deeper than the parser accepts.
    #[error("comments nested too deeply at byte {0}")]
    CommentTooDeep(usize),
    /// A `"` quoted string is not closed.
    #[error("unterminated quoted string starting at byte {0}")]
    UnterminatedQuote(usize),
    /// A token other than the grammar allows.
    #[error("syntax error at byte {at}: expected {expected}, found {found}")]
    Syntax {
        /// What the grammar expected.
        expected: &'static str,
        /// Byte offset in the value.
        at: usize,
        /// What was found instead.
        found: String,
    },
    /// An ARC-Authentication-Results value without a valid `i=` instance.
    #[error("missing or invalid ARC instance (i=)")]
    BadArcInstance,
}

/// One `ptype.property=value` of a result (RFC 8601 §2.2, §2.3). Legacy or
/// non-conforming properties without a ptype have `ptype` empty.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prop {
    /// `smtp`, `header`, `body`, `policy` (lower case), or empty.
    pub ptype: String,
    /// `mailfrom`, `d`, `i`, `b`, `from`... (lower case).
    pub property: String,
    /// The value as written (quotes removed).
    pub value: String,
}

/// One `method=result` entry (RFC 8601 §2.2 `resinfo`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MethodResult {
    /// `spf`, `dkim`, `dmarc`, `arc`, `iprev`, `auth`... (lower case).
    pub method: String,
    /// The `/version` after the method name, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_version: Option<String>,
    /// `pass`, `fail`, `softfail`, `none`, `temperror`... (lower case; other words kept).
    pub result: ResultWord,
    /// The `reason=` text.
    pub reason: Option<String>,
    /// The first comment after the result (many providers explain there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The properties in order.
    pub props: Vec<Prop>,
}

impl MethodResult {
    /// The value of `ptype.property`, case-insensitively.
    pub fn prop(&self, ptype: &str, property: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|p| p.ptype.eq_ignore_ascii_case(ptype) && p.property.eq_ignore_ascii_case(property))
            .map(|p| p.value.as_str())
    }

    /// The domain this result is about: `header.d`, else the domain of `header.i`,
    /// `smtp.mailfrom`, `header.from` or `smtp.helo`, lower case.
    pub fn domain(&self) -> Option<String> {
        let pick = |v: &str| {
            let d = v.rsplit_once('@').map_or(v, |(_, d)| d);
            let d = d.trim().trim_matches(|c| c == '<' || c == '>').trim_end_matches('.');
            if d.is_empty() { None } else { Some(d.to_ascii_lowercase()) }
        };
        [("header", "d"), ("header", "i"), ("smtp", "mailfrom"), ("header", "from"), ("smtp", "helo")]
            .into_iter()
            .find_map(|(t, p)| self.prop(t, p).and_then(pick))
    }
}

/// A parsed Authentication-Results field (RFC 8601 §2.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthResultsHeader {
    /// Who wrote it: the authentication service identifier.
    pub authserv_id: String,
    /// The optional version after the authserv-id.
    pub version: Option<u32>,
    /// The results; empty for `none`.
    pub results: Vec<MethodResult>,
    /// The value as given (unfolded).
    pub raw: String,
    /// Tolerances applied to non-conforming input, for display.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deviations: Vec<String>,
}

impl AuthResultsHeader {
    /// Results of one method, in order.
    pub fn method<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a MethodResult> + 'a {
        self.results.iter().filter(move |r| r.method.eq_ignore_ascii_case(method))
    }
}

/// A parsed ARC-Authentication-Results field: an Authentication-Results payload
/// preceded by `i=N;` (RFC 8617 §4.1.1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArcAuthResults {
    /// The ARC instance (1..=50).
    pub instance: u32,
    /// The payload.
    pub header: AuthResultsHeader,
}

/// A parsed Received-SPF field (RFC 7208 §9.1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReceivedSpf {
    /// The SPF result word, lower case.
    pub result: ResultWord,
    /// The comment after the result.
    pub comment: Option<String>,
    /// The `key=value` pairs in order (`client-ip`, `envelope-from`, `helo`,
    /// `receiver`, `identity`, `mechanism`, `problem`...), keys lower case.
    pub params: Vec<(String, String)>,
    /// The value as given.
    pub raw: String,
}

impl ReceivedSpf {
    /// The value of a key, case-insensitively.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

// ---------------------------------------------------------------------------
// Tokenizer

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Word(String),
    Quoted(String),
    Comment(String),
    Semi,
    Equals,
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    at: usize,
    /// Preceded by white space or a comment (not glued to the previous token).
    spaced: bool,
}

fn is_word_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, ';' | '=' | '(' | ')' | '"'))
}

fn tokenize(value: &str) -> Result<Vec<Tok>, AuthResultsError> {
    let mut toks = Vec::new();
    let mut chars = value.char_indices().peekable();
    let mut spaced = true;
    while let Some(&(at, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            spaced = true;
            continue;
        }
        match c {
            ';' | '=' => {
                chars.next();
                toks.push(Tok { kind: if c == ';' { Kind::Semi } else { Kind::Equals }, at, spaced });
                spaced = false;
            }
            ')' => {
                // A stray closing parenthesis: ignore it like white space.
                chars.next();
                spaced = true;
            }
            '(' => {
                chars.next();
                let mut depth = 1usize;
                let mut text = String::new();
                let mut escaped = false;
                loop {
                    let Some((_, ch)) = chars.next() else {
                        return Err(AuthResultsError::UnterminatedComment(at));
                    };
                    if escaped {
                        escaped = false;
                        text.push(ch);
                        continue;
                    }
                    match ch {
                        '\\' => escaped = true,
                        '(' => {
                            depth += 1;
                            if depth > MAX_COMMENT_DEPTH {
                                return Err(AuthResultsError::CommentTooDeep(at));
                            }
                            text.push(ch);
                        }
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                            text.push(ch);
                        }
                        _ => text.push(ch),
                    }
                }
                toks.push(Tok { kind: Kind::Comment(text.trim().to_string()), at, spaced });
                spaced = true;
            }
            '"' => {
                chars.next();
                let mut text = String::new();
                let mut escaped = false;
                loop {
                    let Some((_, ch)) = chars.next() else {
                        return Err(AuthResultsError::UnterminatedQuote(at));
                    };
                    if escaped {
                        escaped = false;
                        text.push(ch);
                        continue;
                    }
                    match ch {
                        '\\' => escaped = true,
                        '"' => break,
                        _ => text.push(ch),
                    }
                }
                toks.push(Tok { kind: Kind::Quoted(text), at, spaced });
                spaced = false;
            }
            _ => {
                let mut word = String::new();
                while let Some(&(_, ch)) = chars.peek() {
                    if !is_word_char(ch) {
                        break;
                    }
                    word.push(ch);
                    chars.next();
                }
                toks.push(Tok { kind: Kind::Word(word), at, spaced });
                spaced = false;
            }
        }
    }
    Ok(toks)
}

/// A cursor over the tokens; comments are skipped by `peek`/`next` but the last
/// comments seen are kept for the parser to attach.
struct Cursor<'t> {
    toks: &'t [Tok],
    pos: usize,
    end_at: usize,
    comments: Vec<String>,
}

impl<'t> Cursor<'t> {
    fn new(toks: &'t [Tok], end_at: usize) -> Self {
        Cursor { toks, pos: 0, end_at, comments: Vec::new() }
    }
    fn skip_comments(&mut self) {
        while let Some(Tok { kind: Kind::Comment(c), .. }) = self.toks.get(self.pos) {
            if self.comments.len() < 16 {
                self.comments.push(c.clone());
            }
            self.pos += 1;
        }
    }
    fn peek(&mut self) -> Option<&'t Tok> {
        self.skip_comments();
        self.toks.get(self.pos)
    }
    /// The token after the next one (comments skipped), without consuming.
    fn peek2(&mut self) -> Option<&'t Tok> {
        self.skip_comments();
        self.toks.get(self.pos + 1..)?.iter().find(|t| !matches!(t.kind, Kind::Comment(_)))
    }
    fn next(&mut self) -> Option<&'t Tok> {
        let t = self.peek()?;
        self.pos += 1;
        Some(t)
    }
    fn at(&mut self) -> usize {
        self.peek().map_or(self.end_at, |t| t.at)
    }
    fn take_comment(&mut self) -> Option<String> {
        let c = self.comments.drain(..).find(|c| !c.is_empty());
        self.comments.clear();
        c
    }
    fn skip_to_semi(&mut self) {
        while let Some(t) = self.peek() {
            if t.kind == Kind::Semi {
                break;
            }
            self.pos += 1;
        }
        self.comments.clear();
    }
}

fn describe(t: Option<&Tok>) -> String {
    match t.map(|t| &t.kind) {
        None => "end of header".into(),
        Some(Kind::Word(w)) => format!("'{w}'"),
        Some(Kind::Quoted(q)) => format!("\"{q}\""),
        Some(Kind::Comment(_)) => "comment".into(),
        Some(Kind::Semi) => "';'".into(),
        Some(Kind::Equals) => "'='".into(),
    }
}

fn syntax(expected: &'static str, c: &mut Cursor<'_>) -> AuthResultsError {
    let at = c.at();
    let found = describe(c.peek());
    AuthResultsError::Syntax { expected, at, found }
}

/// Methods registered for Authentication-Results (IANA "Email Authentication
/// Methods"), used to spot a new result written without the `;` separator.
const KNOWN_METHODS: &[&str] = &[
    "spf",
    "dkim",
    "dmarc",
    "arc",
    "iprev",
    "auth",
    "sender-id",
    "dkim-adsp",
    "domainkeys",
    "vbr",
    "smime",
    "rrvs",
    "bimi",
    "dnswl",
    "dkim-atps",
];

/// Result words of RFC 8601 §2.7 and the registry (plus common legacy ones).
fn looks_like_result(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether an unquoted property value is an RFC 8601 §2.2 `pvalue`: an RFC 2045
/// token, or `[[local-part] "@"] domain-name`.
fn pvalue_conforms(v: &str) -> bool {
    let token = |c: char| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(c);
    if !v.is_empty() && v.chars().all(token) {
        return true;
    }
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    local.chars().all(atext)
        && !domain.is_empty()
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Strips a `Name:` field-name prefix if the value starts with it.
fn strip_field_name<'a>(value: &'a str, name: &str) -> &'a str {
    let t = value.trim_start();
    if t.len() > name.len()
        && t.get(..name.len()).is_some_and(|p| p.eq_ignore_ascii_case(name))
        && t.get(name.len()..).is_some_and(|rest| rest.trim_start().starts_with(':'))
    {
        let rest = t.get(name.len()..).unwrap_or_default().trim_start();
        return rest.get(1..).unwrap_or_default();
    }
    value
}

/// Reads a value (a word or a quoted string) and consumes it. '=' is not a token
/// character (RFC 2045), but real values contain it unquoted: base64 padding
/// (`header.b=ab==`) and SRS addresses (`SRS0=63fc=V7=example.org=user@fwd.example`),
/// so every '=' and word written without white space is glued to the value.
/// Returns the value and whether it was quoted.
fn take_value(c: &mut Cursor<'_>) -> Option<(String, bool)> {
    let first = c.peek()?;
    let (mut v, quoted) = match &first.kind {
        Kind::Word(w) => (w.clone(), false),
        Kind::Quoted(q) => (q.clone(), true),
        _ => return None,
    };
    c.next();
    while let Some(t) = c.toks.get(c.pos)
        && !t.spaced
        && matches!(t.kind, Kind::Equals | Kind::Word(_))
        && v.len() < MAX_HEADER_LEN
    {
        match &t.kind {
            Kind::Word(w) => v.push_str(w),
            _ => v.push('='),
        }
        c.pos += 1;
    }
    Some((v, quoted))
}

fn value_of(t: Option<&Tok>) -> Option<String> {
    match t.map(|t| &t.kind) {
        Some(Kind::Word(w)) => Some(w.clone()),
        Some(Kind::Quoted(q)) => Some(q.clone()),
        _ => None,
    }
}

/// Parses an Authentication-Results field value (RFC 8601 §2.2). The value may
/// include the `Authentication-Results:` field name and line folding.
pub fn parse_authentication_results(value: &str) -> Result<AuthResultsHeader, AuthResultsError> {
    if value.len() > MAX_HEADER_LEN {
        return Err(AuthResultsError::TooLong(value.len()));
    }
    let body = strip_field_name(value, "Authentication-Results");
    let toks = tokenize(body)?;
    parse_tokens(&toks, body.len(), unfold(body.as_bytes()))
}

fn parse_tokens(toks: &[Tok], end_at: usize, raw: String) -> Result<AuthResultsHeader, AuthResultsError> {
    let mut c = Cursor::new(toks, end_at);
    let mut deviations = Vec::new();
    if c.peek().is_none() {
        return Err(AuthResultsError::Empty);
    }
    let mut has_id = true;
    let authserv_id = match c.peek().map(|t| &t.kind) {
        Some(Kind::Word(w)) if c.peek2().map(|t| &t.kind) != Some(&Kind::Equals) => w.clone(),
        Some(Kind::Quoted(q)) => q.clone(),
        // Microsoft's internal hops write results with no authserv-id at all.
        Some(Kind::Word(w))
            if KNOWN_METHODS.contains(&w.split('/').next().unwrap_or_default().to_ascii_lowercase().as_str()) =>
        {
            deviations.push("no authserv-id: the field starts with a result".to_string());
            has_id = false;
            String::new()
        }
        _ => return Err(AuthResultsError::MissingAuthservId),
    };
    let mut version = None;
    if has_id {
        c.next();
        c.comments.clear();
        if let Some(Tok { kind: Kind::Word(w), .. }) = c.peek()
            && !w.is_empty()
            && w.len() <= 9
            && w.chars().all(|ch| ch.is_ascii_digit())
            && c.peek2().map(|t| &t.kind) != Some(&Kind::Equals)
        {
            version = w.parse::<u32>().ok();
            c.next();
        }
    }
    match c.peek().map(|t| &t.kind) {
        None => {
            deviations.push("no ';' and no result after the authserv-id".to_string());
            return Ok(AuthResultsHeader { authserv_id, version, results: Vec::new(), raw, deviations });
        }
        Some(Kind::Semi) => {
            c.next();
        }
        Some(Kind::Word(_)) if c.peek2().map(|t| &t.kind) == Some(&Kind::Equals) => {
            deviations.push("missing ';' after the authserv-id".to_string());
        }
        _ => return Err(syntax("';' after the authserv-id", &mut c)),
    }

    let mut results: Vec<MethodResult> = Vec::new();
    let mut pending: Vec<Prop> = Vec::new();
    loop {
        c.comments.clear();
        let Some(tok) = c.peek() else { break };
        match &tok.kind {
            Kind::Semi => {
                c.next();
                continue;
            }
            Kind::Word(w) => {
                if c.peek2().map(|t| &t.kind) != Some(&Kind::Equals) {
                    if w.eq_ignore_ascii_case("none") {
                        c.next();
                    } else if w.eq_ignore_ascii_case(&authserv_id) {
                        deviations.push(format!("authserv-id '{w}' repeated inside the result list"));
                        c.next();
                    } else {
                        deviations.push(format!("stray token '{w}' ignored"));
                        c.skip_to_semi();
                    }
                    continue;
                }
                let method_token = w.clone();
                c.next();
                c.next(); // '='
                let Some(result) = value_of(c.peek()) else {
                    return Err(syntax("a result after 'method='", &mut c));
                };
                c.next();
                if !looks_like_result(&result) {
                    // Yahoo's legacy "from=domain;" pseudo-property: it describes the
                    // result that follows.
                    deviations.push(format!("legacy pseudo-property '{method_token}={result}'"));
                    let ptype = if method_token.eq_ignore_ascii_case("from") { "header" } else { "" };
                    if pending.len() < MAX_PROPS {
                        pending.push(Prop {
                            ptype: ptype.into(),
                            property: method_token.to_ascii_lowercase(),
                            value: result,
                        });
                    }
                    c.skip_to_semi();
                    continue;
                }
                let (method, method_version) = match method_token.split_once('/') {
                    Some((m, v)) => (m.trim().to_ascii_lowercase(), Some(v.trim().to_string())),
                    None => (method_token.to_ascii_lowercase(), None),
                };
                if method.is_empty() {
                    return Err(AuthResultsError::Syntax {
                        expected: "a method name",
                        at: tok.at,
                        found: format!("'{method_token}'"),
                    });
                }
                let mut entry = MethodResult {
                    method,
                    method_version,
                    result: ResultWord::from(result.to_ascii_lowercase()),
                    reason: None,
                    comment: None,
                    props: std::mem::take(&mut pending),
                };
                // The comment right after the result.
                c.skip_comments();
                entry.comment = c.take_comment();
                // reason=
                if let Some(Tok { kind: Kind::Word(r), .. }) = c.peek()
                    && r.eq_ignore_ascii_case("reason")
                    && c.peek2().map(|t| &t.kind) == Some(&Kind::Equals)
                {
                    c.next();
                    c.next();
                    let Some((v, _)) = take_value(&mut c) else {
                        return Err(syntax("a reason value", &mut c));
                    };
                    entry.reason = Some(v);
                    c.skip_comments();
                    if entry.comment.is_none() {
                        entry.comment = c.take_comment();
                    }
                }
                // properties
                while let Some(pt) = c.peek() {
                    let Kind::Word(name) = &pt.kind else {
                        if pt.kind == Kind::Semi {
                            break;
                        }
                        return Err(syntax("a property (ptype.property=value)", &mut c));
                    };
                    if c.peek2().map(|t| &t.kind) != Some(&Kind::Equals) {
                        deviations.push(format!("stray token '{name}' after {}={}", entry.method, entry.result));
                        c.next();
                        continue;
                    }
                    let lname = name.to_ascii_lowercase();
                    if !lname.contains('.') && KNOWN_METHODS.contains(&lname.as_str()) {
                        // A new result without the ';' separator.
                        deviations.push(format!("missing ';' before '{lname}='"));
                        break;
                    }
                    c.next();
                    c.next(); // '='
                    let Some((v, quoted)) = take_value(&mut c) else {
                        return Err(syntax("a property value", &mut c));
                    };
                    if !quoted && !pvalue_conforms(&v) {
                        deviations.push(format!("value of '{lname}' should be quoted: {v}"));
                    }
                    let (ptype, property) = match lname.split_once('.') {
                        Some((t, p)) => (t.to_string(), p.to_string()),
                        None => {
                            deviations.push(format!("property '{lname}' has no ptype"));
                            (String::new(), lname)
                        }
                    };
                    if entry.props.len() < MAX_PROPS {
                        entry.props.push(Prop { ptype, property, value: v });
                    }
                    c.comments.clear();
                }
                if results.len() < MAX_RESULTS {
                    results.push(entry);
                }
            }
            _ => return Err(syntax("a result (method=result)", &mut c)),
        }
    }
    if !pending.is_empty() {
        deviations.push("legacy pseudo-properties with no result after them".to_string());
    }
    Ok(AuthResultsHeader { authserv_id, version, results, raw, deviations })
}

/// Parses an ARC-Authentication-Results value: `i=N;` then an Authentication-Results
/// payload (RFC 8617 §4.1.1).
pub fn parse_arc_authentication_results(value: &str) -> Result<ArcAuthResults, AuthResultsError> {
    if value.len() > MAX_HEADER_LEN {
        return Err(AuthResultsError::TooLong(value.len()));
    }
    let body = strip_field_name(value, "ARC-Authentication-Results");
    let toks = tokenize(body)?;
    let mut c = Cursor::new(&toks, body.len());
    if c.peek().is_none() {
        return Err(AuthResultsError::Empty);
    }
    match (c.next().map(|t| &t.kind), c.next().map(|t| &t.kind), c.next().map(|t| &t.kind)) {
        (Some(Kind::Word(i)), Some(Kind::Equals), Some(Kind::Word(n))) if i.eq_ignore_ascii_case("i") => {
            let instance = n.parse::<u32>().map_err(|_| AuthResultsError::BadArcInstance)?;
            if !(1..=50).contains(&instance) {
                return Err(AuthResultsError::BadArcInstance);
            }
            if c.next().map(|t| &t.kind) != Some(&Kind::Semi) {
                return Err(AuthResultsError::BadArcInstance);
            }
            let rest = toks.get(c.pos..).unwrap_or_default();
            let header = parse_tokens(rest, body.len(), unfold(body.as_bytes()))?;
            Ok(ArcAuthResults { instance, header })
        }
        _ => Err(AuthResultsError::BadArcInstance),
    }
}

/// Parses a Received-SPF value: `result (comment) key=value; key=value...`
/// (RFC 7208 §9.1).
pub fn parse_received_spf(value: &str) -> Result<ReceivedSpf, AuthResultsError> {
    if value.len() > MAX_HEADER_LEN {
        return Err(AuthResultsError::TooLong(value.len()));
    }
    let body = strip_field_name(value, "Received-SPF");
    let toks = tokenize(body)?;
    let mut c = Cursor::new(&toks, body.len());
    let result = match c.peek().map(|t| &t.kind) {
        None => return Err(AuthResultsError::Empty),
        Some(Kind::Word(w)) if looks_like_result(w) => ResultWord::from(w.to_ascii_lowercase()),
        _ => return Err(syntax("an SPF result", &mut c)),
    };
    c.next();
    c.skip_comments();
    let comment = c.take_comment();
    let mut params = Vec::new();
    while let Some(t) = c.next() {
        match &t.kind {
            Kind::Semi => {}
            Kind::Word(k) if c.peek().map(|t| &t.kind) == Some(&Kind::Equals) => {
                c.next();
                let Some((v, _)) = take_value(&mut c) else {
                    return Err(syntax("a value after 'key='", &mut c));
                };
                if params.len() < MAX_PROPS {
                    params.push((k.to_ascii_lowercase(), v));
                }
            }
            // Free text after the comment (some MTAs write prose): ignored.
            Kind::Word(_) | Kind::Quoted(_) => {}
            _ => {
                return Err(AuthResultsError::Syntax { expected: "key=value", at: t.at, found: describe(Some(t)) });
            }
        }
        c.comments.clear();
    }
    Ok(ReceivedSpf { result, comment, params, raw: unfold(body.as_bytes()) })
}

// ---------------------------------------------------------------------------
// Upstream verdicts and comparison

/// A header that could not be parsed, kept for display.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UnparsedHeader {
    /// Field name as written.
    pub name: String,
    /// The value.
    pub raw: String,
    /// The parse error.
    pub error: String,
}

/// What the receiving side recorded at delivery time.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UpstreamVerdicts {
    /// Every Authentication-Results field that parsed, topmost first.
    pub headers: Vec<AuthResultsHeader>,
    /// The authserv-id trusted: that of the topmost field, written by the receiving
    /// MX (RFC 8601 §5). Verdicts below come only from fields with this id (or, for
    /// providers that split results over several fields, from the run of topmost
    /// fields of the same organisation).
    pub trusted_authserv_id: Option<String>,
    /// Upstream SPF result (from the trusted fields, else Received-SPF).
    pub spf: Option<ResultWord>,
    /// Upstream DKIM results as (signing domain, result), in order.
    pub dkim: Vec<(String, ResultWord)>,
    /// Upstream DMARC result.
    pub dmarc: Option<ResultWord>,
    /// Upstream ARC result.
    pub arc: Option<ResultWord>,
    /// The topmost Received-SPF field, if any.
    pub received_spf: Option<ReceivedSpf>,
    /// ARC-Authentication-Results fields, topmost first.
    pub arc_results: Vec<ArcAuthResults>,
    /// Fields that did not parse.
    pub unparsed: Vec<UnparsedHeader>,
}

/// The verdicts computed now, as result words in lower case.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FreshVerdicts {
    /// SPF result.
    pub spf: Option<ResultWord>,
    /// DKIM (signing domain, result), in header order.
    pub dkim: Vec<(String, ResultWord)>,
    /// DMARC result.
    pub dmarc: Option<ResultWord>,
    /// ARC chain result.
    pub arc: Option<ResultWord>,
}

word_enum! {
    /// The authentication method a drift is about.
    pub enum DriftMethod {
        /// SPF (RFC 7208).
        Spf => "spf",
        /// DKIM (RFC 6376).
        Dkim => "dkim",
        /// DMARC (RFC 9989).
        Dmarc => "dmarc",
        /// ARC (RFC 8617).
        Arc => "arc",
    }
}

/// A verdict that differs between delivery time and now, with the likely cause.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Drift {
    /// `spf`, `dkim`, `dmarc` or `arc`.
    pub method: DriftMethod,
    /// The DKIM signing domain, for `dkim`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Result recorded upstream.
    pub upstream: ResultWord,
    /// Result computed now.
    pub fresh: ResultWord,
    /// Why they plausibly differ.
    pub explanation: String,
}

fn header_name_is(name: &str, want: &str) -> bool {
    name.trim().eq_ignore_ascii_case(want)
}

/// Reads Authentication-Results, ARC-Authentication-Results and Received-SPF
/// fields of a message and extracts the trusted upstream verdicts (RFC 8601 §5:
/// only the receiving MX's own fields are trusted). Findings: `upstream.unparseable`.
pub fn collect_upstream(msg: &Message<'_>) -> (UpstreamVerdicts, Vec<Finding>) {
    let mut up = UpstreamVerdicts::default();
    let mut findings = Vec::new();
    let mut seen = 0usize;
    for header in msg.root().headers().iter() {
        let name = header.raw_name();
        let is_ar = header_name_is(name, "Authentication-Results");
        let is_aar = header_name_is(name, "ARC-Authentication-Results");
        let is_rspf = header_name_is(name, "Received-SPF");
        if !(is_ar || is_aar || is_rspf) {
            continue;
        }
        seen += 1;
        if seen > MAX_HEADERS {
            break;
        }
        let raw = unfold(header.raw_value());
        let outcome = if is_ar {
            parse_authentication_results(&raw).map(|h| up.headers.push(h))
        } else if is_aar {
            parse_arc_authentication_results(&raw).map(|h| up.arc_results.push(h))
        } else {
            parse_received_spf(&raw).map(|r| {
                if up.received_spf.is_none() {
                    up.received_spf = Some(r);
                }
            })
        };
        if let Err(e) = outcome {
            findings.push(
                path::UPSTREAM_UNPARSEABLE.emit().detail(format!("{name}: {e}")).evidence(format!("{name}: {raw}")),
            );
            up.unparsed.push(UnparsedHeader { name: name.to_string(), raw, error: e.to_string() });
        }
    }
    derive_verdicts(&mut up);
    (up, findings)
}

/// Indices of the trusted headers: same authserv-id as the topmost, plus the run of
/// topmost headers from the same organisation (providers such as iCloud write one
/// field per filter host).
fn trusted_indices(headers: &[AuthResultsHeader]) -> Vec<usize> {
    let Some(top) = headers.first() else {
        return Vec::new();
    };
    let top_org = rough_org_domain(&top.authserv_id);
    let mut in_run = true;
    let mut out = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let same_id = h.authserv_id.eq_ignore_ascii_case(&top.authserv_id);
        let same_org = top_org.is_some() && rough_org_domain(&h.authserv_id) == top_org;
        if same_id || (in_run && same_org) {
            out.push(i);
        } else {
            in_run = false;
        }
    }
    out
}

/// Fills the spf/dkim/dmarc/arc fields from the trusted headers.
pub fn derive_verdicts(up: &mut UpstreamVerdicts) {
    up.trusted_authserv_id = up.headers.first().map(|h| h.authserv_id.clone());
    let trusted: Vec<&AuthResultsHeader> =
        trusted_indices(&up.headers).into_iter().filter_map(|i| up.headers.get(i)).collect();
    let all = || trusted.iter().flat_map(|h| h.results.iter());
    up.spf = all()
        .filter(|r| r.method == "spf")
        .find(|r| r.prop("smtp", "mailfrom").is_some())
        .or_else(|| all().find(|r| r.method == "spf"))
        .map(|r| r.result.clone())
        .or_else(|| up.received_spf.as_ref().map(|r| r.result.clone()));
    up.dkim =
        all().filter(|r| r.method == "dkim").map(|r| (r.domain().unwrap_or_default(), r.result.clone())).collect();
    up.dmarc = all().find(|r| r.method == "dmarc").map(|r| r.result.clone());
    up.arc = all().find(|r| r.method == "arc").map(|r| r.result.clone());
}

/// The word compared: lower case, and RFC 5451 `hardfail` is RFC 8601 `fail`.
fn norm(result: &ResultWord) -> ResultWord {
    let r = result.as_str().trim().to_ascii_lowercase();
    if r == "hardfail" { ResultWord::Fail } else { ResultWord::from(r) }
}

fn spf_explanation(up: &ResultWord, fresh: &ResultWord) -> String {
    match (up.as_str(), fresh.as_str()) {
        ("temperror", _) => format!(
            "The receiving server hit a DNS error (temperror) while evaluating SPF at delivery; evaluated now it is {fresh}. Nothing may be wrong now, but receivers treat temperror as unauthenticated, so check the reliability of the sender's DNS (RFC 7208 §2.6.6)."
        ),
        (_, "temperror") => format!(
            "The receiving server got {up} at delivery, but a DNS lookup failed now (temperror): the SPF record's DNS (or an include:) is not answering at the moment (RFC 7208 §2.6.6)."
        ),
        (_, "permerror") => format!(
            "SPF was {up} at delivery and is permerror now: the record has since become invalid (a syntax error, more than one v=spf1 record, or more than 10 DNS-querying terms, RFC 7208 §4.6.4)."
        ),
        ("permerror", _) => format!(
            "SPF was permerror at delivery and is {fresh} now: the record was fixed since, or the lookup-limit count differed (includes changed, RFC 7208 §4.6.4)."
        ),
        ("none", _) => format!(
            "There was no SPF record (none) at delivery and there is one now ({fresh}): the record was published after the message was delivered, or the evaluation now uses a different MAIL FROM/HELO domain."
        ),
        (_, "none") => format!(
            "SPF was {up} at delivery and finds no record now: the SPF record was removed since delivery, or the MAIL FROM/HELO domain used now differs from the delivery's (check --mail-from)."
        ),
        ("pass", _) => format!(
            "SPF passed at delivery but is {fresh} now: this evaluation probably uses a different client IP or MAIL FROM than the receiving MX saw (check the inferred envelope, or pass --ip/--mail-from), or the SPF record changed since delivery (an include or IP range removed)."
        ),
        (_, "pass") => format!(
            "SPF was {up} at delivery but passes now: the SPF record was changed since delivery to authorise this IP (an include or ip4:/ip6: added), or the receiving MX evaluated a different IP (e.g. a forwarder's)."
        ),
        _ => format!(
            "SPF was {up} at delivery and is {fresh} now: the SPF record's qualifiers or content changed since delivery, or a different IP/identity is evaluated now."
        ),
    }
}

fn dkim_explanation(domain: &str, up: &ResultWord, fresh: &ResultWord) -> String {
    let d = if domain.is_empty() { "the signature".to_string() } else { format!("the d={domain} signature") };
    match (up.as_str(), fresh.as_str()) {
        ("pass", "fail") => format!(
            "{d} verified at delivery but fails now: either the public key was rotated or replaced in DNS since delivery (same selector, new key), or the message was modified after delivery (re-encoded or re-saved by a mail client, a footer or banner added, headers rewritten) (RFC 6376 §6.1.3)."
        ),
        ("pass", "permerror") | ("pass", "none") => format!(
            "{d} verified at delivery but is {fresh} now: the key record was removed or revoked (empty p=) since delivery, which is normal after a key rotation once old mail is no longer expected to verify (RFC 6376 §3.6.1, §6.1.2) — or the DKIM-Signature header was removed from this copy."
        ),
        ("pass", "temperror") => format!(
            "{d} verified at delivery; the key lookup fails temporarily now (DNS timeout/SERVFAIL), so nothing can be concluded until DNS answers again (RFC 6376 §6.1.2)."
        ),
        ("pass", "policy") => format!(
            "{d} verified at delivery but is rejected by local policy now (e.g. an RSA key under 1024 bits, an expired x=, or l= in use) (RFC 8601 §2.7.1)."
        ),
        ("temperror", _) => format!(
            "The receiving server could not fetch the key for {d} at delivery (temperror); now it is {fresh}. Make the DKIM key's DNS reliable: receivers count temperror as unauthenticated."
        ),
        (_, "pass") => format!(
            "{d} was {up} at delivery but verifies now: the key was published or corrected after delivery, or the receiving side modified the message before verifying it."
        ),
        _ => format!(
            "{d} was {up} at delivery and is {fresh} now: the key record changed since delivery or the message was modified after delivery."
        ),
    }
}

fn dmarc_explanation(up: &ResultWord, fresh: &ResultWord) -> String {
    match (up.as_str(), fresh.as_str()) {
        ("temperror", _) | (_, "temperror") => format!("A DNS lookup failed ({} side): DMARC was {up} at delivery and is {fresh} now (RFC 7489 §6.6.3).", if *up == ResultWord::TempError { "delivery" } else { "this evaluation's" }),
        ("none", _) => format!("No DMARC record applied at delivery (none) and one does now ({fresh}): a _dmarc record was published since delivery."),
        (_, "none") => format!("DMARC was {up} at delivery and finds no policy now: the _dmarc record was removed since delivery."),
        ("pass", "fail") => "DMARC passed at delivery but fails now: the aligned SPF or DKIM pass behind it is gone (see the SPF/DKIM drift), typically a DKIM key rotated away after delivery or SPF evaluated with a different IP.".to_string(),
        ("fail", "pass") => "DMARC failed at delivery but passes now: an aligned SPF or DKIM result improved since delivery (record fixed, key published), or the receiver evaluated a forwarded copy.".to_string(),
        _ => format!("DMARC was {up} at delivery and is {fresh} now: it follows from the SPF/DKIM results and the _dmarc record, one of which changed."),
    }
}

fn arc_explanation(up: &ResultWord, fresh: &ResultWord) -> String {
    match (up.as_str(), fresh.as_str()) {
        ("none", "pass") | ("none", "fail") => format!("No ARC chain existed when the receiving server checked (none), but one is present now ({fresh}): the receiver (or a later internal hop) added its own ARC set after recording its verdict, so this evaluation sees a seal the receiver never checked."),
        ("pass", "fail") => "The ARC chain validated at delivery but fails now: a sealing key was rotated since, or the message (or its ARC headers) was modified after delivery (RFC 8617 §5.2).".to_string(),
        _ => format!("ARC was {up} at delivery and is {fresh} now: the chain's keys or the sealed headers changed since delivery, or ARC sets were added after the verdict was recorded."),
    }
}

/// Compares the upstream verdicts with the fresh ones and explains each drift.
/// Findings: `upstream.no_auth_results`, `upstream.multiple_authserv_ids`,
/// `upstream.temperror`, `upstream.{spf,dkim,dmarc,arc}_drift` (RFC 8601 §2.7, §5).
pub fn compare(upstream: &UpstreamVerdicts, fresh: &FreshVerdicts) -> (Vec<Drift>, Vec<Finding>) {
    let mut drifts = Vec::new();
    let mut findings = Vec::new();
    if upstream.headers.is_empty() && upstream.received_spf.is_none() {
        findings.push(path::UPSTREAM_NO_AUTH_RESULTS.emit());
        return (drifts, findings);
    }
    let trusted_idx = trusted_indices(&upstream.headers);
    let evidence: Vec<String> = trusted_idx
        .iter()
        .filter_map(|&i| upstream.headers.get(i))
        .map(|h| format!("Authentication-Results: {}", h.raw))
        .collect();

    // Several authentication services.
    let mut ids: Vec<String> = Vec::new();
    for h in &upstream.headers {
        let id = if h.authserv_id.is_empty() { "(none)".to_string() } else { h.authserv_id.to_ascii_lowercase() };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let untrusted: Vec<&AuthResultsHeader> =
        upstream.headers.iter().enumerate().filter(|(i, _)| !trusted_idx.contains(i)).map(|(_, h)| h).collect();
    if ids.len() > 1 && !untrusted.is_empty() {
        let mut f = path::UPSTREAM_MULTIPLE_AUTHSERV_IDS.emit().detail(format!(
            "authserv-ids: {}; trusted: {} (topmost); ignored: {}",
            ids.join(", "),
            upstream.trusted_authserv_id.as_deref().unwrap_or("?"),
            untrusted
                .iter()
                .map(|h| if h.authserv_id.is_empty() { "(none)" } else { h.authserv_id.as_str() })
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for h in untrusted.iter().take(8) {
            f = f.evidence(format!("Authentication-Results: {}", h.raw));
        }
        findings.push(f);
    }

    // Temporary errors recorded upstream.
    let mut temp = Vec::new();
    if upstream.spf.as_ref().map(norm) == Some(ResultWord::TempError) {
        temp.push("spf".to_string());
    }
    for (d, r) in &upstream.dkim {
        if norm(r) == ResultWord::TempError {
            temp.push(if d.is_empty() { "dkim".into() } else { format!("dkim (d={d})") });
        }
    }
    if upstream.dmarc.as_ref().map(norm) == Some(ResultWord::TempError) {
        temp.push("dmarc".into());
    }
    if !temp.is_empty() {
        let mut f =
            path::UPSTREAM_TEMPERROR.emit().detail(format!("temperror recorded at delivery for: {}", temp.join(", ")));
        for e in &evidence {
            f = f.evidence(e.clone());
        }
        findings.push(f);
    }

    let push = |drifts: &mut Vec<Drift>,
                findings: &mut Vec<Finding>,
                spec: &'static crate::findings::FindingSpec,
                d: Drift| {
        let mut f = spec.emit().detail(format!(
            "{}{}: {} at delivery, {} now. {}",
            d.method,
            d.domain.as_deref().map(|x| format!(" (d={x})")).unwrap_or_default(),
            d.upstream,
            d.fresh,
            d.explanation
        ));
        for e in &evidence {
            f = f.evidence(e.clone());
        }
        findings.push(f);
        drifts.push(d);
    };

    if let (Some(u), Some(f)) = (upstream.spf.as_ref().map(norm), fresh.spf.as_ref().map(norm))
        && u != f
    {
        let explanation = spf_explanation(&u, &f);
        push(
            &mut drifts,
            &mut findings,
            &path::UPSTREAM_SPF_DRIFT,
            Drift { method: DriftMethod::Spf, domain: None, upstream: u, fresh: f, explanation },
        );
    }

    // DKIM: match by signing domain; an upstream result without a domain matches the
    // first fresh signature not yet matched.
    let mut used = vec![false; fresh.dkim.len()];
    for (ud, ur) in &upstream.dkim {
        let ur = norm(ur);
        let found = fresh.dkim.iter().enumerate().find(|(i, (fd, _))| {
            !used.get(*i).copied().unwrap_or(true) && (ud.is_empty() || fd.eq_ignore_ascii_case(ud))
        });
        let (fr, missing) = match found {
            Some((i, (_, fr))) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
                (norm(fr), false)
            }
            None if ur == ResultWord::None || ud.is_empty() => continue,
            None => (ResultWord::None, true),
        };
        if fr != ur {
            let explanation = if missing {
                format!(
                    "The receiving server recorded dkim={ur} for d={ud}, but this copy carries no DKIM-Signature with d={ud}: the signature header was removed after delivery (a gateway or list rewrote the message, or only part of the headers were exported)."
                )
            } else {
                dkim_explanation(ud, &ur, &fr)
            };
            push(
                &mut drifts,
                &mut findings,
                &path::UPSTREAM_DKIM_DRIFT,
                Drift {
                    method: DriftMethod::Dkim,
                    domain: if ud.is_empty() { None } else { Some(ud.clone()) },
                    upstream: ur,
                    fresh: fr,
                    explanation,
                },
            );
        }
    }

    if let (Some(u), Some(f)) = (upstream.dmarc.as_ref().map(norm), fresh.dmarc.as_ref().map(norm))
        && u != f
    {
        let explanation = dmarc_explanation(&u, &f);
        push(
            &mut drifts,
            &mut findings,
            &path::UPSTREAM_DMARC_DRIFT,
            Drift { method: DriftMethod::Dmarc, domain: None, upstream: u, fresh: f, explanation },
        );
    }
    if let (Some(u), Some(f)) = (upstream.arc.as_ref().map(norm), fresh.arc.as_ref().map(norm))
        && u != f
        && !(u == ResultWord::Pass && f == ResultWord::Pass)
    {
        let explanation = arc_explanation(&u, &f);
        push(
            &mut drifts,
            &mut findings,
            &path::UPSTREAM_ARC_DRIFT,
            Drift { method: DriftMethod::Arc, domain: None, upstream: u, fresh: f, explanation },
        );
    }
    (drifts, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: &str) -> AuthResultsHeader {
        match parse_authentication_results(v) {
            Ok(h) => h,
            Err(e) => panic!("{v}: {e}"),
        }
    }

    #[test]
    fn rfc8601_examples() {
        // RFC 8601 Appendix B.2: nothing done.
        let h = ok("example.org 1; none");
        assert_eq!(h.authserv_id, "example.org");
        assert_eq!(h.version, Some(1));
        assert!(h.results.is_empty());
        // B.3 with comments and a property.
        let h = ok("example.com;\r\n          spf=pass smtp.mailfrom=example.net");
        assert_eq!(h.results[0].method, "spf");
        assert_eq!(h.results[0].prop("smtp", "mailfrom"), Some("example.net"));
        // B.4: several results and comments.
        let h = ok(
            "example.com;\n auth=pass (cram-md5) smtp.auth=sender@example.net;\n spf=pass smtp.mailfrom=example.net",
        );
        assert_eq!(h.results.len(), 2);
        assert_eq!(h.results[0].comment.as_deref(), Some("cram-md5"));
        assert_eq!(h.results[0].prop("smtp", "auth"), Some("sender@example.net"));
        // B.6 with reason and nested comments.
        let h = ok(
            "example.com (a (nested) comment); dkim=pass reason=\"good signature\" header.i=@mail-router.example.net; dkim=fail reason=bad header.i=@newyork.example.com",
        );
        assert_eq!(h.authserv_id, "example.com");
        assert_eq!(h.results[0].reason.as_deref(), Some("good signature"));
        assert_eq!(h.results[1].reason.as_deref(), Some("bad"));
        assert_eq!(h.results[1].domain().as_deref(), Some("newyork.example.com"));
        assert!(h.deviations.is_empty(), "{:?}", h.deviations);
    }

    #[test]
    fn quoted_values_versions_and_padding() {
        let h = ok(
            "Authentication-Results: mail.bmsi.com; iprev=pass policy.iprev=\"2001:748:100:40::2:2\" (mout0.freenet.de); dkim/1=pass header.b=abc+/de== header.d=x.example",
        );
        assert_eq!(h.results[0].prop("policy", "iprev"), Some("2001:748:100:40::2:2"));
        assert_eq!(h.results[1].method, "dkim");
        assert_eq!(h.results[1].method_version.as_deref(), Some("1"));
        assert_eq!(h.results[1].prop("header", "b"), Some("abc+/de=="));
        assert_eq!(h.results[1].prop("header", "d"), Some("x.example"));
        let h = ok("mx.google.com; spf=pass smtp.mailfrom=SRS0=63fc=V7=kreata.ee=andris@srs1.zonevs.eu; dmarc=fail");
        assert_eq!(h.results[0].prop("smtp", "mailfrom"), Some("SRS0=63fc=V7=kreata.ee=andris@srs1.zonevs.eu"));
        assert_eq!(h.results[1].result, "fail");
    }

    #[test]
    fn tolerant_outlook_yahoo() {
        let h = ok(
            "outlook.com; spf=pass (sender IP is 66.111.4.222)\n smtp.mailfrom=fastmail.com; outlook.com; dkim=pass (signature was verified)\n header.d=fastmail.com; dmarc=pass action=none\n header.from=fastmail.com;",
        );
        assert_eq!(h.results.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["spf", "dkim", "dmarc"]);
        assert_eq!(h.results[2].prop("", "action"), Some("none"));
        assert!(!h.deviations.is_empty());
        let h = ok(
            "mta4011.mail.gq1.yahoo.com  from=fastmail.com; domainkeys=neutral (no sig);  from=messagingengine.com; dkim=pass (ok)",
        );
        assert_eq!(h.authserv_id, "mta4011.mail.gq1.yahoo.com");
        assert_eq!(h.results.len(), 2);
        assert_eq!(h.results[1].method, "dkim");
        assert_eq!(h.results[1].prop("header", "from"), Some("messagingengine.com"));
        // missing ';' between results
        let h = ok("mx.example; spf=pass smtp.mailfrom=a.example dkim=fail header.d=b.example");
        assert_eq!(h.results.len(), 2);
    }

    #[test]
    fn errors_are_typed() {
        assert_eq!(parse_authentication_results("   "), Err(AuthResultsError::Empty));
        assert_eq!(parse_authentication_results("; spf=pass"), Err(AuthResultsError::MissingAuthservId));
        assert_eq!(parse_authentication_results("foo=bar; spf=pass"), Err(AuthResultsError::MissingAuthservId));
        // Microsoft's internal form without authserv-id is accepted, with a deviation.
        let h = ok("dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=microsoft.com;");
        assert_eq!(h.authserv_id, "");
        assert_eq!(h.results.len(), 2);
        assert!(!h.deviations.is_empty());
        assert!(matches!(
            parse_authentication_results("x; spf=pass (unclosed"),
            Err(AuthResultsError::UnterminatedComment(_))
        ));
        assert!(matches!(parse_authentication_results("x; spf=\"open"), Err(AuthResultsError::UnterminatedQuote(_))));
        assert!(matches!(parse_authentication_results("x; spf="), Err(AuthResultsError::Syntax { .. })));
        assert!(matches!(
            parse_authentication_results("x; spf=pass smtp.mailfrom="),
            Err(AuthResultsError::Syntax { .. })
        ));
        let deep = format!("x; spf=pass {}", "(".repeat(100));
        assert!(matches!(parse_authentication_results(&deep), Err(AuthResultsError::CommentTooDeep(_))));
        assert!(matches!(
            parse_authentication_results(&"a".repeat(MAX_HEADER_LEN + 1)),
            Err(AuthResultsError::TooLong(_))
        ));
    }

    #[test]
    fn arc_and_received_spf() {
        let a = parse_arc_authentication_results("i=2; mx.google.com; dkim=pass header.i=@example.org; arc=pass (i=1)")
            .unwrap();
        assert_eq!(a.instance, 2);
        assert_eq!(a.header.authserv_id, "mx.google.com");
        assert_eq!(a.header.results[1].method, "arc");
        assert_eq!(parse_arc_authentication_results("mx.google.com; spf=pass"), Err(AuthResultsError::BadArcInstance));
        assert_eq!(parse_arc_authentication_results("i=0; mx; none"), Err(AuthResultsError::BadArcInstance));
        let r = parse_received_spf("Received-SPF: pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender)\r\n receiver=mybox.example.org; client-ip=192.0.2.1;\r\n envelope-from=\"myname@example.com\"; helo=foo.example.com;").unwrap();
        assert_eq!(r.result, "pass");
        assert_eq!(r.param("client-ip"), Some("192.0.2.1"));
        assert_eq!(r.param("envelope-from"), Some("myname@example.com"));
        assert_eq!(r.param("helo"), Some("foo.example.com"));
        assert!(r.comment.as_deref().unwrap_or_default().contains("designates"));
    }

    fn verdicts(headers: &[&str]) -> UpstreamVerdicts {
        let mut up = UpstreamVerdicts { headers: headers.iter().map(|h| ok(h)).collect(), ..Default::default() };
        derive_verdicts(&mut up);
        up
    }

    #[test]
    fn trusted_only_topmost_and_drift() {
        let up = verdicts(&[
            "mx.receiver.example; spf=pass smtp.mailfrom=s.example; dkim=pass header.d=s.example; dkim=pass header.d=esp.example; dmarc=pass header.from=s.example; arc=none",
            "relay.attacker.example; spf=fail smtp.mailfrom=s.example; dkim=fail header.d=s.example",
        ]);
        assert_eq!(up.trusted_authserv_id.as_deref(), Some("mx.receiver.example"));
        assert_eq!(up.spf.as_ref().map(ResultWord::as_str), Some("pass"));
        assert_eq!(up.dkim, vec![("s.example".into(), ResultWord::Pass), ("esp.example".into(), ResultWord::Pass)]);
        let fresh = FreshVerdicts {
            spf: Some("pass".into()),
            dkim: vec![("s.example".into(), ResultWord::Fail), ("esp.example".into(), ResultWord::Pass)],
            dmarc: Some("pass".into()),
            arc: Some("pass".into()),
        };
        let (drifts, findings) = compare(&up, &fresh);
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["upstream.multiple_authserv_ids", "upstream.dkim_drift", "upstream.arc_drift"]);
        assert_eq!(drifts[0].domain.as_deref(), Some("s.example"));
        assert!(drifts[0].explanation.contains("rotated"), "{}", drifts[0].explanation);
        assert!(drifts[1].explanation.contains("added its own ARC set"));
    }

    #[test]
    fn split_headers_same_org_and_no_headers() {
        let up = verdicts(&[
            "mr21p00im-dmarcmilter001.me.com; dmarc=pass header.from=fastmail.com",
            "mr21p00im-spfmilter010.me.com; spf=temperror smtp.mailfrom=a@fastmail.com",
        ]);
        assert_eq!(up.spf.as_ref().map(ResultWord::as_str), Some("temperror"));
        assert_eq!(up.dmarc.as_ref().map(ResultWord::as_str), Some("pass"));
        let (drifts, findings) = compare(&up, &FreshVerdicts { spf: Some("pass".into()), ..Default::default() });
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["upstream.temperror", "upstream.spf_drift"]);
        assert!(drifts[0].explanation.contains("DNS error"));
        let (d, f) = compare(&UpstreamVerdicts::default(), &FreshVerdicts::default());
        assert!(d.is_empty());
        assert_eq!(f[0].id, "upstream.no_auth_results");
    }

    /// Deterministic pseudo-random input (xorshift), biased towards the characters
    /// the grammar cares about.
    fn garbage(seed: &mut u64, len: usize) -> String {
        const ALPHABET: &[u8] = b"ab.=;()\"\\ @/:-\t\r\n0123456789\xc3\xa9\xff";
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            bytes.push(ALPHABET[(*seed % ALPHABET.len() as u64) as usize]);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..3000 {
            let g = garbage(&mut seed, i % 160);
            let _ = parse_authentication_results(&g);
            let _ = parse_authentication_results(&format!("mx.example; {g}"));
            let _ = parse_arc_authentication_results(&format!("i=1; mx; {g}"));
            let _ = parse_received_spf(&g);
            let _ = parse_received_spf(&format!("pass {g}"));
        }
    }

    #[test]
    fn truncations_never_panic() {
        let v = "Authentication-Results: mx.google.com;\r\n dkim=pass header.i=@fastmail.com header.s=fm1 header.b=2j32dcmg;\r\n spf=pass (google.com: domain of \"x\" (nested (deep)) designates 66.111.4.26 as permitted sender) smtp.mailfrom=deliverability@fastmail.com;\r\n dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=fastmail.com reason=\"q\\\"x\"";
        for (i, _) in v.char_indices() {
            let s = &v[..i];
            let _ = parse_authentication_results(s);
            let _ = parse_arc_authentication_results(&format!("i=1; {s}"));
            let _ = parse_received_spf(s);
            let _ = parse_authentication_results(&v[i..]);
        }
    }
}
