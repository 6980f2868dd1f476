//! The Authentication-Results tokenizer (CFWS with nested comments, quoted strings) and
//! the grammars of Authentication-Results (RFC 8601 §2.2), ARC-Authentication-Results
//! (RFC 8617 §4.1.1) and Received-SPF (RFC 7208 §9.1), with the tolerated deviations
//! recorded.

use super::{
    ArcAuthResults, AuthResultsError, AuthResultsHeader, MAX_COMMENT_DEPTH, MAX_HEADER_LEN, MAX_PROPS, MAX_RESULTS,
    MethodResult, Prop, ReceivedSpf,
};
use crate::message::hops::unfold;
use crate::verdict::ResultWord;

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
