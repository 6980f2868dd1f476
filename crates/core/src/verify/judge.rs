//! Reading an RCPT TO reply (code, enhanced status code and text together) into an outcome.
//!
//! The rules are one ordered table ([`RULES`]), first match wins, each row with its source; its
//! `provider_table` row reads the reply with the provider table the bounce explainer uses
//! ([`crate::bounce::classify::PROVIDER_RULES`]), so a provider's texts are written down once. The order encodes the accuracy policy of issue 11:
//! 1. replies about *us* (DNSBL listings, client reputation, 5.7.x policy) come before any
//!    reading about the mailbox: a blocked probe is `unknown`, never `undeliverable`;
//! 2. provider rows where a provider's code means something else than RFC 3463 says
//!    (Exchange Online's 5.4.1 "Access denied" is a directory miss);
//! 3. temporary answers (greylisting, rate limits, 452 4.5.3) are retries, never verdicts;
//! 4. then the RFC 3463 codes and the common texts for not found / full / disabled.
//!
//! A reply no row reads is `smtp_error` (unknown): silence is not evidence.

use super::model::{Reason, SmtpEvidence};
use crate::bounce::classify::{BounceCause, ProviderRule, provider_rule};
use crate::bounce::codes::StatusCode;

/// One reply to RCPT TO, as the SMTP engine decoded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RcptReply {
    /// The three-digit reply code (RFC 5321 §4.2).
    pub code: u16,
    /// The enhanced status code (RFC 3463), when the reply carried one.
    pub enhanced: Option<StatusCode>,
    /// The text of all lines joined with a space, without the code and enhanced-code prefixes.
    pub text: String,
}

/// At most this many lines of a multi-line reply are read (the engine bounds them too).
const MAX_LINES: usize = 64;

impl RcptReply {
    /// Builds a reply from the text of its lines after the reply code (multi-line replies repeat
    /// the enhanced code on each line, RFC 2034 §4; it is kept once).
    pub fn from_lines(code: u16, lines: &[&str]) -> Self {
        let mut enhanced = None;
        let mut parts: Vec<&str> = Vec::new();
        for line in lines.iter().take(MAX_LINES) {
            let line = line.trim();
            let first = line.split_whitespace().next().unwrap_or("");
            let rest = match StatusCode::parse(first) {
                Some(sc) if first.starts_with(|c: char| c.is_ascii_digit()) => {
                    enhanced.get_or_insert(sc);
                    line[first.len()..].trim_start()
                }
                _ => line,
            };
            if !rest.is_empty() {
                parts.push(rest);
            }
        }
        RcptReply { code, enhanced, text: parts.join(" ") }
    }

    /// Parses wire lines (`550-5.1.1 text`, `550 5.1.1 text`) of one reply. `None` when a line
    /// has no three-digit code or the codes differ.
    pub fn from_wire(wire: &str) -> Option<Self> {
        let mut code = None;
        let mut texts = Vec::new();
        for line in wire.lines().take(MAX_LINES) {
            let line = line.trim_end_matches('\r');
            let c: u16 = line.get(..3)?.parse().ok()?;
            if *code.get_or_insert(c) != c {
                return None;
            }
            texts.push(line.get(4..).unwrap_or(""));
        }
        Some(Self::from_lines(code?, &texts))
    }

    /// The reply as evidence in a result.
    pub fn evidence(&self) -> SmtpEvidence {
        SmtpEvidence { code: self.code, enhanced_code: self.enhanced.map(|c| c.to_string()), reply: self.text.clone() }
    }
}

/// What a temporary answer asks the scheduler to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// Greylisting: retry the same (client, sender, recipient) triplet after the hint (seconds,
    /// when the server gave one) or the scheduler's schedule.
    Greylisted {
        /// The server's "try again in N seconds", if it said.
        hint_s: Option<u64>,
    },
    /// The receiver throttles this client (421, "too many connections"): back off this MX only and
    /// reconnect later.
    RateLimited,
    /// 452 4.5.3 "too many recipients": the rest continue in a new session, no back-off.
    TooManyRecipients,
    /// A temporary refusal that names our client or a policy: retry later; `blocked` if it lasts.
    TemporarilyBlocked,
    /// Any other 4xx: retry on the normal schedule.
    Transient,
}

impl RetryKind {
    /// The reason an address gets when its retries or wait budget run out in this state.
    pub fn exhausted_reason(self) -> Reason {
        match self {
            RetryKind::Greylisted { .. } => Reason::Greylisted,
            RetryKind::RateLimited | RetryKind::TooManyRecipients => Reason::RateLimited,
            RetryKind::TemporarilyBlocked => Reason::Blocked,
            RetryKind::Transient => Reason::SmtpError,
        }
    }
}

/// The reading of one RCPT reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: the receiver accepts the recipient.
    Accepted,
    /// A final answer with its reason (its verdict is [`Reason::verdict`]).
    Final(Reason),
    /// Ask again later.
    Retry(RetryKind),
}

/// What a rule row concludes (a const-friendly form of [`Outcome`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleOutcome {
    /// See [`Outcome::Accepted`].
    Accepted,
    /// See [`Outcome::Final`].
    Final(Reason),
    /// Greylisting; the hint is read from the text.
    Greylisted,
    /// See [`RetryKind::RateLimited`].
    RateLimited,
    /// See [`RetryKind::TooManyRecipients`].
    TooManyRecipients,
    /// See [`RetryKind::TemporarilyBlocked`].
    TemporarilyBlocked,
    /// See [`RetryKind::Transient`].
    Transient,
    /// Read the reply with the shared provider table
    /// ([`crate::bounce::classify::PROVIDER_RULES`]); no decisive row there: the next row here.
    Provider,
}

/// Which reply codes a row applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeMatch {
    /// Any code.
    Any,
    /// Codes of this first digit (2, 4, 5).
    Class(u16),
    /// These codes only.
    OneOf(&'static [u16]),
}

/// Which enhanced status code a row requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnhancedMatch {
    /// No requirement (present or not).
    Any,
    /// `x.subject.*`.
    Subject(u16),
    /// `x.subject.detail`, any class.
    Exact(u16, u16),
}

/// One row of the reply table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyRule {
    /// Stable id (`exchange_5_4_1_access_denied`, ...).
    pub id: &'static str,
    /// The provider whose text this is, or `None` for a generic rule.
    pub provider: Option<&'static str>,
    /// Reply codes.
    pub code: CodeMatch,
    /// Enhanced status code.
    pub enhanced: EnhancedMatch,
    /// The lower-cased text must contain one of these (empty: no text requirement).
    pub text_any: &'static [&'static str],
    /// ... and all of these.
    pub text_all: &'static [&'static str],
    /// What the row concludes.
    pub outcome: RuleOutcome,
    /// Where the meaning is documented.
    pub source: &'static str,
}

impl ReplyRule {
    fn matches(&self, reply: &RcptReply, lower: &str) -> bool {
        let code_ok = match self.code {
            CodeMatch::Any => true,
            CodeMatch::Class(c) => reply.code / 100 == c,
            CodeMatch::OneOf(codes) => codes.contains(&reply.code),
        };
        let enh_ok = match self.enhanced {
            EnhancedMatch::Any => true,
            EnhancedMatch::Subject(s) => reply.enhanced.is_some_and(|e| e.subject == s),
            EnhancedMatch::Exact(s, d) => reply.enhanced.is_some_and(|e| e.is(s, d)),
        };
        code_ok
            && enh_ok
            && (self.text_any.is_empty() || self.text_any.iter().any(|n| lower.contains(n)))
            && self.text_all.iter().all(|n| lower.contains(n))
    }
}

const RFC5321: &str = "RFC 5321 §4.2.1 (reply code classes), §4.5.3.1.10 (recipients buffer)";
const RFC3463: &str = "RFC 3463 §3.2-3.8 (enhanced status codes)";
const GREYLIST_REF: &str = "Harris, The Next Step in the Spam Control War: Greylisting (2003); RFC 6647 §2.1";
const DNSBL_REF: &str = "RFC 5782 §2.1 (DNSBL listings are about the client IP); RFC 3463 §3.8 (X.7.1)";
const SMTPUTF8_REF: &str = "RFC 6531 §3.5 (X.6.7 non-ASCII addresses not permitted)";
const STARTTLS_REF: &str = "RFC 3207 §4 (530 5.7.0 Must issue a STARTTLS command first)";

/// Texts that say the receiver refuses our client, not the mailbox (issue 11: `blocked`).
const CLIENT_BLOCK_TEXTS: &[&str] = &[
    "spamhaus",
    "spamcop",
    "barracuda",
    "sorbs",
    "dnsbl",
    "blocklist",
    "blacklist",
    "block list",
    "black list",
    "blocked using",
    "listed at",
    "listed on",
    "listed in",
    "client host",
    "client ip",
    "your ip",
    "ip address",
    "reputation",
    "reverse dns",
    "rdns",
    "not allowed to send",
];

/// Weaker texts that, with an X.7.x code, say "policy" rather than "no such mailbox".
const POLICY_TEXTS: &[&str] = &[
    "policy",
    "blocked",
    "denied",
    "refused",
    "not authorized",
    "not permitted",
    "relay",
    "spam",
    "rejected",
    "prohibited",
];

const NOT_FOUND_TEXTS: &[&str] = &[
    "user unknown",
    "unknown user",
    "no such user",
    "no such recipient",
    "no such mailbox",
    "does not exist",
    "doesn't exist",
    "unknown recipient",
    "recipient unknown",
    "recipient not found",
    "user not found",
    "mailbox not found",
    "invalid recipient",
    "invalid mailbox",
    "not a valid mailbox",
    "address not found",
    "unrouteable address",
    "no mailbox here",
    "unknown or illegal alias",
];

const FULL_TEXTS: &[&str] =
    &["mailbox full", "mailbox is full", "over quota", "quota exceeded", "out of storage space", "exceeded storage"];

const DISABLED_TEXTS: &[&str] = &[
    "mailbox disabled",
    "mailbox is disabled",
    "account disabled",
    "account is disabled",
    "account has been disabled",
];

/// The reply table, first match wins. See the module doc for the order.
pub const RULES: &[ReplyRule] = &[
    ReplyRule {
        id: "accepted_2xx",
        provider: None,
        code: CodeMatch::Class(2),
        enhanced: EnhancedMatch::Any,
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Accepted,
        source: RFC5321,
    },
    ReplyRule {
        id: "starttls_required",
        provider: None,
        code: CodeMatch::OneOf(&[530, 523]),
        enhanced: EnhancedMatch::Any,
        text_any: &["starttls", "tls", "encryption"],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::TlsRequired),
        source: STARTTLS_REF,
    },
    ReplyRule {
        id: "encryption_needed_x_7_10",
        provider: None,
        code: CodeMatch::Any,
        enhanced: EnhancedMatch::Exact(7, 10),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::TlsRequired),
        source: "RFC 5248 §2.4 (X.7.10 Encryption Needed)",
    },
    ReplyRule {
        id: "smtputf8_x_6_7",
        provider: None,
        code: CodeMatch::Any,
        enhanced: EnhancedMatch::Exact(6, 7),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::Smtputf8Unsupported),
        source: SMTPUTF8_REF,
    },
    // Provider rows whose meaning differs from the generic reading, before the policy rows:
    // the one provider table, shared with the bounce explainer (see `provider_outcome`).
    ReplyRule {
        id: "provider_table",
        provider: None,
        code: CodeMatch::Any,
        enhanced: EnhancedMatch::Any,
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Provider,
        source: "bounce::classify::PROVIDER_RULES (each row cites the provider's documentation)",
    },
    ReplyRule {
        id: "greylisting_text",
        provider: None,
        code: CodeMatch::Class(4),
        enhanced: EnhancedMatch::Any,
        text_any: &["greylist", "graylist", "grey-list", "gray-list", "grey list", "gray list"],
        text_all: &[],
        outcome: RuleOutcome::Greylisted,
        source: GREYLIST_REF,
    },
    ReplyRule {
        id: "rate_limit_text",
        provider: None,
        code: CodeMatch::Class(4),
        enhanced: EnhancedMatch::Any,
        text_any: &[
            "too many connections",
            "too many concurrent",
            "rate limit",
            "ratelimit",
            "too many messages",
            "too fast",
        ],
        text_all: &[],
        outcome: RuleOutcome::RateLimited,
        source: RFC5321,
    },
    // Mailbox states (RFC 3463 §3.3) and the common texts.
    ReplyRule {
        id: "client_block_temporary",
        provider: None,
        code: CodeMatch::Class(4),
        enhanced: EnhancedMatch::Any,
        text_any: CLIENT_BLOCK_TEXTS,
        text_all: &[],
        outcome: RuleOutcome::TemporarilyBlocked,
        source: DNSBL_REF,
    },
    ReplyRule {
        id: "client_block",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Any,
        text_any: CLIENT_BLOCK_TEXTS,
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::Blocked),
        source: DNSBL_REF,
    },
    // Security / policy (X.7.x) that no row above read: about us, not the mailbox.
    ReplyRule {
        id: "account_disabled_x_7_13",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Exact(7, 13),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::MailboxDisabled),
        source: "RFC 5248 §2.4 (X.7.13 User Account Disabled)",
    },
    ReplyRule {
        id: "policy_x_7",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Subject(7),
        text_any: POLICY_TEXTS,
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::Blocked),
        source: RFC3463,
    },
    ReplyRule {
        id: "other_x_7",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Subject(7),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::SmtpError),
        source: RFC3463,
    },
    // Temporary answers: retries, never verdicts.
    ReplyRule {
        id: "too_many_recipients",
        provider: None,
        code: CodeMatch::Any,
        enhanced: EnhancedMatch::Exact(5, 3),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::TooManyRecipients,
        source: "RFC 5321 §4.5.3.1.10 (452 too many recipients); RFC 3463 §3.6 (X.5.3)",
    },
    ReplyRule {
        id: "too_many_recipients_text",
        provider: None,
        code: CodeMatch::OneOf(&[452, 451, 450]),
        enhanced: EnhancedMatch::Any,
        text_any: &["too many recipients"],
        text_all: &[],
        outcome: RuleOutcome::TooManyRecipients,
        source: RFC5321,
    },
    ReplyRule {
        id: "greylisting_x_7_try_again",
        provider: None,
        code: CodeMatch::OneOf(&[450, 451]),
        enhanced: EnhancedMatch::Subject(7),
        text_any: &["try again", "retry", "temporarily"],
        text_all: &[],
        outcome: RuleOutcome::Greylisted,
        source: GREYLIST_REF,
    },
    ReplyRule {
        id: "service_not_available_421",
        provider: None,
        code: CodeMatch::OneOf(&[421]),
        enhanced: EnhancedMatch::Any,
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::RateLimited,
        source: "RFC 5321 §3.8 (421: the server closes the channel)",
    },
    ReplyRule {
        id: "mailbox_full_x_2_2",
        provider: None,
        code: CodeMatch::Any,
        enhanced: EnhancedMatch::Exact(2, 2),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::MailboxFull),
        source: RFC3463,
    },
    ReplyRule {
        id: "mailbox_full_text",
        provider: None,
        code: CodeMatch::Any,
        enhanced: EnhancedMatch::Any,
        text_any: FULL_TEXTS,
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::MailboxFull),
        source: RFC3463,
    },
    ReplyRule {
        id: "transient_4xx",
        provider: None,
        code: CodeMatch::Class(4),
        enhanced: EnhancedMatch::Any,
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Transient,
        source: RFC5321,
    },
    ReplyRule {
        id: "mailbox_disabled_x_2_1",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Exact(2, 1),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::MailboxDisabled),
        source: RFC3463,
    },
    ReplyRule {
        id: "mailbox_disabled_text",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Any,
        text_any: DISABLED_TEXTS,
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::MailboxDisabled),
        source: RFC3463,
    },
    ReplyRule {
        id: "null_mx_x_1_10",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Exact(1, 10),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::NoMailDomain),
        source: "RFC 7505 §4.2 (X.1.10 recipient address has null MX)",
    },
    ReplyRule {
        id: "bad_mailbox_x_1_1",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Exact(1, 1),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::MailboxNotFound),
        source: RFC3463,
    },
    ReplyRule {
        id: "moved_x_1_6",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Exact(1, 6),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::MailboxNotFound),
        source: RFC3463,
    },
    ReplyRule {
        id: "bad_syntax_x_1_3",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Exact(1, 3),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::Syntax),
        source: RFC3463,
    },
    ReplyRule {
        id: "other_address_x_1_0_with_text",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Exact(1, 0),
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::MailboxNotFound),
        source: RFC3463,
    },
    ReplyRule {
        id: "not_found_text",
        provider: None,
        code: CodeMatch::Class(5),
        enhanced: EnhancedMatch::Any,
        text_any: NOT_FOUND_TEXTS,
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::MailboxNotFound),
        source: RFC5321,
    },
    ReplyRule {
        id: "other_5xx",
        provider: None,
        code: CodeMatch::Any,
        enhanced: EnhancedMatch::Any,
        text_any: &[],
        text_all: &[],
        outcome: RuleOutcome::Final(Reason::SmtpError),
        source: RFC5321,
    },
];

/// The longest wait a greylisting hint may ask for (a day); longer hints are ignored.
const MAX_HINT_S: u64 = 86_400;

/// Reads "try again in 30 seconds", "retry in 5 s", "wait 2 minutes", "greylisted for 300s":
/// the first number followed by a time unit.
pub fn greylist_hint_s(lower: &str) -> Option<u64> {
    let b = lower.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.')) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i - start > 6 || (i < b.len() && b[i] == b'.') {
            continue;
        }
        let n: u64 = lower[start..i].parse().ok()?;
        let unit: String = lower[i..].trim_start().chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        let mult = match unit.as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hour" | "hours" => 3600,
            _ => continue,
        };
        let s = n.saturating_mul(mult);
        return (s <= MAX_HINT_S).then_some(s);
    }
    None
}

/// The reading of one reply and the row that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    /// What the reply means.
    pub outcome: Outcome,
    /// The row of [`RULES`] that matched (`provider_table` when the provider table decided).
    pub rule: &'static ReplyRule,
    /// The provider row that decided, when one did.
    pub provider: Option<&'static ProviderRule>,
}

impl Judgement {
    /// The id of the deciding row: the provider pattern (`microsoft_directory_miss`, ...) or the
    /// generic row's id.
    pub fn rule_id(&self) -> &'static str {
        self.provider.map_or(self.rule.id, |p| p.pattern)
    }
}

/// What a provider row means for a mailbox check, or `None` when it says nothing decisive here
/// (the generic rows read the reply then). The bounce explainer and the verifier read replies
/// with the same rows; this is the verifier's reading of their causes:
/// - a missing or disabled mailbox is a verdict about the mailbox (on a 5xx only);
/// - anything about the sender, its IP, authentication, content or policy is `blocked`: about
///   us, never the mailbox (issue 11);
/// - greylisting and rate limits are retries (a 5xx rate limit is final `rate_limited`).
fn provider_outcome(rule: &ProviderRule, reply: &RcptReply) -> Option<RuleOutcome> {
    let permanent = reply.code / 100 == 5;
    match rule.cause {
        BounceCause::MailboxUnknown if permanent => {
            Some(RuleOutcome::Final(if rule.disabled { Reason::MailboxDisabled } else { Reason::MailboxNotFound }))
        }
        BounceCause::MailboxFull if permanent => Some(RuleOutcome::Final(Reason::MailboxFull)),
        BounceCause::Greylisting => Some(RuleOutcome::Greylisted),
        BounceCause::RateLimit if permanent => Some(RuleOutcome::Final(Reason::RateLimited)),
        BounceCause::RateLimit => Some(RuleOutcome::RateLimited),
        BounceCause::Auth
        | BounceCause::Blocklist
        | BounceCause::Policy
        | BounceCause::Content
        | BounceCause::Spam
        | BounceCause::RelayDenied
            if permanent =>
        {
            Some(RuleOutcome::Final(Reason::Blocked))
        }
        BounceCause::Tls if permanent => Some(RuleOutcome::Final(Reason::TlsRequired)),
        _ => None,
    }
}

/// Reads an RCPT reply (code, enhanced code and text together) with [`RULES`] (and, at its
/// `provider_table` row, the shared provider table).
pub fn judge_rcpt(reply: &RcptReply) -> Judgement {
    let lower = reply.text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    let mut provider = None;
    let mut decided = None;
    for r in RULES {
        if r.outcome == RuleOutcome::Provider {
            if let Some(p) = provider_rule(reply.enhanced, &lower)
                && let Some(o) = provider_outcome(p, reply)
            {
                provider = Some(p);
                decided = Some((r, o));
                break;
            }
            continue;
        }
        if r.matches(reply, &lower) {
            decided = Some((r, r.outcome));
            break;
        }
    }
    let (rule, outcome) = decided.unwrap_or((&RULES[RULES.len() - 1], RULES[RULES.len() - 1].outcome));
    let outcome = match outcome {
        RuleOutcome::Accepted => Outcome::Accepted,
        RuleOutcome::Final(r) => Outcome::Final(r),
        RuleOutcome::Greylisted => Outcome::Retry(RetryKind::Greylisted { hint_s: greylist_hint_s(&lower) }),
        RuleOutcome::RateLimited => Outcome::Retry(RetryKind::RateLimited),
        RuleOutcome::TooManyRecipients => Outcome::Retry(RetryKind::TooManyRecipients),
        RuleOutcome::TemporarilyBlocked => Outcome::Retry(RetryKind::TemporarilyBlocked),
        RuleOutcome::Transient | RuleOutcome::Provider => Outcome::Retry(RetryKind::Transient),
    };
    Judgement { outcome, rule, provider }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::*;
    use Reason::*;

    fn wire(s: &str) -> RcptReply {
        RcptReply::from_wire(s).unwrap_or_else(|| panic!("bad wire {s:?}"))
    }

    #[test]
    fn replies_read_code_and_text_together() {
        let cases: &[(&str, Outcome, &str)] = &[
            ("250 2.1.5 Ok", Accepted, "accepted_2xx"),
            ("251 User not local; will forward", Accepted, "accepted_2xx"),
            (
                "550 5.1.1 <a@x.test>: Recipient address rejected: User unknown in virtual mailbox table",
                Final(MailboxNotFound),
                "bad_mailbox_x_1_1",
            ),
            ("550 5.1.0 Address rejected", Final(MailboxNotFound), "other_address_x_1_0_with_text"),
            ("550 Mailbox does not exist", Final(MailboxNotFound), "not_found_text"),
            ("550 No such user here", Final(MailboxNotFound), "not_found_text"),
            ("553 5.1.3 Bad recipient address syntax", Final(Syntax), "bad_syntax_x_1_3"),
            (
                "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient's email address for typos or\r\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser a1si gsmtp",
                Final(MailboxNotFound),
                "bad_mailbox_x_1_1",
            ),
            (
                "554 delivery error: dd This user doesn't have a yahoo.com account (nobody@yahoo.com) [0] - mta1003.mail.gq1.yahoo.com",
                Final(MailboxNotFound),
                "yahoo_user_unknown",
            ),
            (
                "554 delivery error: dd This user doesn\u{2019}t have a aol.com account (x@aol.com) [0]",
                Final(MailboxNotFound),
                "yahoo_user_unknown",
            ),
            (
                "554 delivery error: dd Sorry your message to x@yahoo.com cannot be delivered. This mailbox is disabled (554.30)",
                Final(MailboxDisabled),
                "yahoo_mailbox_disabled",
            ),
            (
                "550 5.4.1 Recipient address rejected: Access denied. [AM0PR01MB1234.eurprd01.prod.exchangelabs.com]",
                Final(MailboxNotFound),
                "microsoft_directory_miss",
            ),
            ("552 5.2.2 Mailbox full", Final(MailboxFull), "mailbox_full_x_2_2"),
            (
                "452-4.2.2 The email account that you tried to reach is over quota.\r\n452 4.2.2 Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp gsmtp",
                Final(MailboxFull),
                "mailbox_full_x_2_2",
            ),
            ("550 5.2.1 Mailbox disabled", Final(MailboxDisabled), "mailbox_disabled_x_2_1"),
            (
                "550-5.2.1 The email account that you tried to reach is disabled.\r\n550 5.2.1 https://support.google.com/mail/?p=DisabledUser gsmtp",
                Final(MailboxDisabled),
                "gmail_disabled",
            ),
            // about us, never about the mailbox
            (
                "550 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using bl.test; listed at bl.test",
                Final(Blocked),
                "client_block",
            ),
            ("554 5.7.1 Access denied: policy rejection", Final(Blocked), "policy_x_7"),
            ("550 5.7.606 Access denied, banned sending IP [1.2.3.4]", Final(Blocked), "policy_x_7"),
            ("550 5.1.1 User unknown; client ip 1.2.3.4 is listed in spamhaus", Final(Blocked), "client_block"),
            ("550 5.7.0 Something unexplained", Final(SmtpError), "other_x_7"),
            ("530 5.7.0 Must issue a STARTTLS command first", Final(TlsRequired), "starttls_required"),
            ("553 5.6.7 SMTPUTF8 is required but was not offered", Final(Smtputf8Unsupported), "smtputf8_x_6_7"),
            ("556 5.1.10 Recipient address has null MX", Final(NoMailDomain), "null_mx_x_1_10"),
            (
                "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
                Final(MailboxNotFound),
                "microsoft_recipient_not_found",
            ),
            (
                "450 4.7.1 Greylisted: your IP address 1.2.3.4 is new, retry in 5 minutes",
                Retry(RetryKind::Greylisted { hint_s: Some(300) }),
                "greylisting_text",
            ),
            ("550 Requested action not taken: mailbox unavailable", Final(SmtpError), "other_5xx"),
            // retries
            (
                "450 4.7.1 <a@x.test>: Recipient address rejected: Greylisted, try again in 30 seconds",
                Retry(RetryKind::Greylisted { hint_s: Some(30) }),
                "greylisting_text",
            ),
            (
                "451 4.7.1 Please try again later",
                Retry(RetryKind::Greylisted { hint_s: None }),
                "greylisting_x_7_try_again",
            ),
            (
                "450 4.2.0 Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/x.test.html",
                Retry(RetryKind::Greylisted { hint_s: None }),
                "greylisting_text",
            ),
            (
                "421 4.7.0 Too many connections from your host, closing",
                Retry(RetryKind::RateLimited),
                "rate_limit_text",
            ),
            (
                "421 4.3.2 Service not available, closing transmission channel",
                Retry(RetryKind::RateLimited),
                "service_not_available_421",
            ),
            ("421 4.7.0 Too many connections from your IP", Retry(RetryKind::RateLimited), "rate_limit_text"),
            (
                "421 4.7.0 Client host [127.0.0.1] blocked using bl.test",
                Retry(RetryKind::TemporarilyBlocked),
                "client_block_temporary",
            ),
            ("450 4.7.1 Too many connections, slow down", Retry(RetryKind::RateLimited), "rate_limit_text"),
            ("452 4.5.3 Error: too many recipients", Retry(RetryKind::TooManyRecipients), "too_many_recipients"),
            (
                "452 Too many recipients received this hour",
                Retry(RetryKind::TooManyRecipients),
                "too_many_recipients_text",
            ),
            (
                "450 4.7.1 Client host rejected: cannot find your reverse hostname, [1.2.3.4]",
                Retry(RetryKind::TemporarilyBlocked),
                "client_block_temporary",
            ),
            ("451 4.3.0 Temporary lookup failure", Retry(RetryKind::Transient), "transient_4xx"),
            ("452 4.3.1 Insufficient system storage", Retry(RetryKind::Transient), "transient_4xx"),
        ];
        for (w, want, rule) in cases {
            let j = judge_rcpt(&wire(w));
            assert_eq!((j.outcome, j.rule_id()), (*want, *rule), "{w:?}");
        }
    }

    #[test]
    fn no_reply_about_us_is_ever_a_verdict_about_the_mailbox() {
        // Every row that can name a client block must not conclude an undeliverable reason.
        for r in RULES {
            if let RuleOutcome::Final(reason) = r.outcome {
                let about_us = r.text_any.iter().any(|t| CLIENT_BLOCK_TEXTS.contains(t) || POLICY_TEXTS.contains(t));
                if about_us {
                    assert_ne!(reason.verdict(), super::super::model::Verdict::Undeliverable, "{}", r.id);
                }
            }
            assert!(!r.source.is_empty(), "{} has no source", r.id);
        }
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len(), "rule ids are unique");
    }

    #[test]
    fn the_verifier_and_the_bounce_explainer_read_provider_replies_with_the_same_rows() {
        for (w, pattern, cause) in [
            (
                "550 5.4.1 Recipient address rejected: Access denied. [LAB01.prod.exchangelabs.com]",
                "microsoft_directory_miss",
                crate::bounce::classify::BounceCause::MailboxUnknown,
            ),
            (
                "554 delivery error: dd This user doesn't have a yahoo.com account (a@yahoo.com) [0]",
                "yahoo_user_unknown",
                crate::bounce::classify::BounceCause::MailboxUnknown,
            ),
            (
                "550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org (S3150) [x.prod.outlook.com]",
                "microsoft_s3150",
                crate::bounce::classify::BounceCause::Blocklist,
            ),
        ] {
            let r = wire(w);
            let j = judge_rcpt(&r);
            assert_eq!(j.rule_id(), pattern, "{w}");
            let lower = r.text.to_lowercase();
            let (c, m) = crate::bounce::classify::classify(Some(r.code), r.enhanced, &lower);
            assert_eq!((c, m.map(|m| m.pattern)), (cause, Some(pattern.to_string())), "{w}");
        }
        // a block is never a verdict about the mailbox, whoever wrote it
        let j = judge_rcpt(&wire(
            "550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus (S3150) [x.prod.outlook.com]",
        ));
        assert_eq!(j.outcome, Final(Blocked));
    }

    #[test]
    fn multi_line_reply_keeps_one_enhanced_code_and_joins_text() {
        let r = wire("550-5.1.1 first\r\n550 5.1.1 second");
        assert_eq!(r.enhanced.map(|c| c.to_string()).as_deref(), Some("5.1.1"));
        assert_eq!(r.text, "first second");
        assert!(RcptReply::from_wire("550-a\r\n450 b").is_none());
        assert!(RcptReply::from_wire("garbage").is_none());
        assert_eq!(r.evidence().enhanced_code.as_deref(), Some("5.1.1"));
    }

    #[test]
    fn greylist_hints() {
        for (t, want) in [
            ("try again in 30 seconds", Some(30)),
            ("retry in 5 s", Some(5)),
            ("greylisted for 300s", Some(300)),
            ("please wait 2 minutes", Some(120)),
            ("4.7.1 try later", None),
            ("ip 10.0.0.1 try in 99999999 s", None),
            ("try again in 3 days", None),
        ] {
            assert_eq!(greylist_hint_s(t), want, "{t}");
        }
    }
}
