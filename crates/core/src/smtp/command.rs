//! Client commands (RFC 5321 §4.1): one type, one writer and one parser. The writer
//! ([`Command::to_wire`]) is the only way bytes of a command reach the wire, and it refuses CR,
//! LF and NUL in every argument, so no user input (an address, a domain, a parameter) can end a
//! command early and smuggle a second one (command injection). The parser
//! ([`Command::parse`]) is what a server uses on client lines.

use base64::Engine as _;

/// Longest command line, CRLF included (RFC 5321 §4.5.3.1.4).
pub const MAX_COMMAND_LINE: usize = 512;
/// Longest AUTH line (initial response or continuation), CRLF included (RFC 4954 §4: 12,288).
pub const MAX_AUTH_LINE: usize = 12_288;

/// A SASL mechanism the client speaks (RFC 4954).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMechanism {
    /// PLAIN (RFC 4616): `\0user\0password`, base64, as the initial response.
    Plain,
    /// LOGIN (draft-murchison-sasl-login): user name and password in two continuation lines.
    Login,
}

impl AuthMechanism {
    /// The name in `AUTH <name>` and in the EHLO AUTH list.
    pub fn name(self) -> &'static str {
        match self {
            AuthMechanism::Plain => "PLAIN",
            AuthMechanism::Login => "LOGIN",
        }
    }
}

/// An ESMTP parameter of MAIL FROM / RCPT TO (RFC 5321 §4.1.2 `esmtp-param`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The keyword, e.g. `SIZE`, `SMTPUTF8`, `BODY`.
    pub keyword: String,
    /// The value after `=`, if any.
    pub value: Option<String>,
}

impl Param {
    /// `SIZE=n` (RFC 1870 §6).
    pub fn size(bytes: u64) -> Self {
        Param { keyword: "SIZE".into(), value: Some(bytes.to_string()) }
    }

    /// `SMTPUTF8` (RFC 6531 §3.4).
    pub fn smtputf8() -> Self {
        Param { keyword: "SMTPUTF8".into(), value: None }
    }

    /// `BODY=8BITMIME` (RFC 6152 §2).
    pub fn body_8bitmime() -> Self {
        Param { keyword: "BODY".into(), value: Some("8BITMIME".into()) }
    }
}

/// One client command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `EHLO domain` (§4.1.1.1).
    Ehlo(String),
    /// `HELO domain` (§4.1.1.1), the fallback when EHLO is refused.
    Helo(String),
    /// `STARTTLS` (RFC 3207 §4).
    StartTls,
    /// `MAIL FROM:<reverse-path> [params]` (§4.1.1.2); an empty path is the null sender `<>`.
    MailFrom {
        /// The reverse-path without angle brackets.
        reverse_path: String,
        /// ESMTP parameters.
        params: Vec<Param>,
    },
    /// `RCPT TO:<forward-path> [params]` (§4.1.1.3).
    RcptTo {
        /// The forward-path without angle brackets.
        forward_path: String,
        /// ESMTP parameters.
        params: Vec<Param>,
    },
    /// `DATA` (§4.1.1.4).
    Data,
    /// `RSET` (§4.1.1.5): abort the mail transaction.
    Rset,
    /// `NOOP` (§4.1.1.9).
    Noop,
    /// `QUIT` (§4.1.1.10).
    Quit,
    /// `AUTH mechanism [initial-response]` (RFC 4954 §4); the response is already base64.
    Auth {
        /// The mechanism.
        mechanism: AuthMechanism,
        /// The base64 initial response, if sent with the command.
        initial_response: Option<String>,
    },
    /// A base64 line answering a 334 challenge (RFC 4954 §4); a secret.
    AuthResponse(String),
}

/// Why a command cannot be written (or a line cannot be parsed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// CR, LF or NUL inside an argument: it would end the command line early (injection).
    #[error("{argument} contains a forbidden byte 0x{byte:02x} (CR, LF and NUL are never sent)")]
    ForbiddenByte {
        /// Which argument.
        argument: &'static str,
        /// The byte.
        byte: u8,
    },
    /// A character that breaks the command's grammar (space or angle bracket in a path,
    /// `=` in a keyword, ...).
    #[error("{argument} is not valid here: {reason}")]
    Invalid {
        /// Which argument.
        argument: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The line would exceed its limit (§4.5.3.1.4, RFC 4954 §4).
    #[error("command line of {len} bytes exceeds the limit of {limit}")]
    TooLong {
        /// The length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A verb this grammar does not know (server side: reply 500, §4.2.4).
    #[error("unknown command {0:?}")]
    Unknown(String),
    /// A known verb with bad arguments (server side: reply 501, §4.2.2).
    #[error("syntax error in {verb}: {reason}")]
    Syntax {
        /// The verb.
        verb: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

fn check_arg(argument: &'static str, s: &str) -> Result<(), CommandError> {
    if let Some(byte) = s.bytes().find(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(CommandError::ForbiddenByte { argument, byte });
    }
    Ok(())
}

fn check_word(argument: &'static str, s: &str) -> Result<(), CommandError> {
    check_arg(argument, s)?;
    if s.is_empty() {
        return Err(CommandError::Invalid { argument, reason: "empty" });
    }
    if s.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
        return Err(CommandError::Invalid { argument, reason: "contains white space or a control character" });
    }
    Ok(())
}

fn check_path(argument: &'static str, s: &str) -> Result<(), CommandError> {
    check_arg(argument, s)?;
    if s.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'<' || b == b'>') {
        return Err(CommandError::Invalid { argument, reason: "contains white space, a control character or <>" });
    }
    Ok(())
}

fn check_params(params: &[Param]) -> Result<(), CommandError> {
    for p in params {
        check_word("parameter keyword", &p.keyword)?;
        // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
        if !p.keyword.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(CommandError::Invalid { argument: "parameter keyword", reason: "not ALPHA / DIGIT / -" });
        }
        if let Some(v) = &p.value {
            check_word("parameter value", v)?;
            if v.contains('=') {
                return Err(CommandError::Invalid { argument: "parameter value", reason: "contains =" });
            }
        }
    }
    Ok(())
}

fn push_params(line: &mut String, params: &[Param]) {
    for p in params {
        line.push(' ');
        line.push_str(&p.keyword);
        if let Some(v) = &p.value {
            line.push('=');
            line.push_str(v);
        }
    }
}

impl Command {
    /// The verb, upper case.
    pub fn verb(&self) -> &'static str {
        match self {
            Command::Ehlo(_) => "EHLO",
            Command::Helo(_) => "HELO",
            Command::StartTls => "STARTTLS",
            Command::MailFrom { .. } => "MAIL",
            Command::RcptTo { .. } => "RCPT",
            Command::Data => "DATA",
            Command::Rset => "RSET",
            Command::Noop => "NOOP",
            Command::Quit => "QUIT",
            Command::Auth { .. } => "AUTH",
            Command::AuthResponse(_) => "",
        }
    }

    /// The command line without CRLF, validated. The one writer of the module.
    pub fn line(&self) -> Result<String, CommandError> {
        let line = match self {
            Command::Ehlo(d) | Command::Helo(d) => {
                check_word("domain", d)?;
                format!("{} {d}", self.verb())
            }
            Command::StartTls | Command::Data | Command::Rset | Command::Noop | Command::Quit => {
                self.verb().to_string()
            }
            Command::MailFrom { reverse_path, params } => {
                check_path("reverse-path", reverse_path)?;
                check_params(params)?;
                let mut l = format!("MAIL FROM:<{reverse_path}>");
                push_params(&mut l, params);
                l
            }
            Command::RcptTo { forward_path, params } => {
                check_path("forward-path", forward_path)?;
                if forward_path.is_empty() {
                    return Err(CommandError::Invalid { argument: "forward-path", reason: "empty" });
                }
                check_params(params)?;
                let mut l = format!("RCPT TO:<{forward_path}>");
                push_params(&mut l, params);
                l
            }
            Command::Auth { mechanism, initial_response } => match initial_response {
                Some(r) => {
                    check_word("initial response", r)?;
                    format!("AUTH {} {r}", mechanism.name())
                }
                None => format!("AUTH {}", mechanism.name()),
            },
            Command::AuthResponse(r) => {
                check_arg("auth response", r)?;
                if r.bytes().any(|b| b.is_ascii_whitespace()) {
                    return Err(CommandError::Invalid { argument: "auth response", reason: "contains white space" });
                }
                r.clone()
            }
        };
        let limit = if matches!(self, Command::Auth { .. } | Command::AuthResponse(_)) {
            MAX_AUTH_LINE
        } else {
            MAX_COMMAND_LINE
        };
        if line.len() + 2 > limit {
            return Err(CommandError::TooLong { len: line.len() + 2, limit });
        }
        Ok(line)
    }

    /// The bytes to send: [`Command::line`] plus CRLF.
    pub fn to_wire(&self) -> Result<Vec<u8>, CommandError> {
        let mut v = self.line()?.into_bytes();
        v.extend_from_slice(b"\r\n");
        Ok(v)
    }

    /// The line for a transcript: secrets replaced by `<redacted>` (`AUTH PLAIN <redacted>`).
    pub fn redacted(&self) -> String {
        match self {
            Command::Auth { mechanism, initial_response: Some(_) } => format!("AUTH {} <redacted>", mechanism.name()),
            Command::AuthResponse(_) => "<redacted>".to_string(),
            other => other.line().unwrap_or_else(|e| format!("<not sent: {e}>")),
        }
    }

    /// `AUTH PLAIN` with its initial response `\0user\0password` (RFC 4616 §2).
    pub fn auth_plain(user: &str, password: &str) -> Command {
        let raw = format!("\0{user}\0{password}");
        Command::Auth {
            mechanism: AuthMechanism::Plain,
            initial_response: Some(base64::engine::general_purpose::STANDARD.encode(raw)),
        }
    }

    /// A base64 continuation line carrying `secret`.
    pub fn auth_response(secret: &str) -> Command {
        Command::AuthResponse(base64::engine::general_purpose::STANDARD.encode(secret))
    }

    /// Parses one client line (CRLF or LF already removed, or still present) as a server
    /// reads it. Verbs are case-insensitive (§2.4); `MAIL FROM:` and `RCPT TO:` accept the
    /// path with or without a space after the colon, as common servers do. VRFY, EXPN, HELP
    /// and anything else are [`CommandError::Unknown`]. AUTH continuation lines are not
    /// commands: a server in the middle of an AUTH exchange reads them itself.
    pub fn parse(line: &[u8]) -> Result<Command, CommandError> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() + 2 > MAX_AUTH_LINE {
            return Err(CommandError::TooLong { len: line.len() + 2, limit: MAX_AUTH_LINE });
        }
        if let Some(byte) = line.iter().copied().find(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(CommandError::ForbiddenByte { argument: "command line", byte });
        }
        let text = std::str::from_utf8(line)
            .map_err(|_| CommandError::Syntax { verb: "command", reason: "not UTF-8 (RFC 6531)" })?;
        let (verb, rest) = match text.split_once(' ') {
            Some((v, r)) => (v, r),
            None => (text, ""),
        };
        let verb_upper = verb.to_ascii_uppercase();
        let is_auth = verb_upper == "AUTH";
        if !is_auth && line.len() + 2 > MAX_COMMAND_LINE {
            return Err(CommandError::TooLong { len: line.len() + 2, limit: MAX_COMMAND_LINE });
        }
        let no_args = |verb: &'static str, c: Command| {
            if rest.trim().is_empty() { Ok(c) } else { Err(CommandError::Syntax { verb, reason: "takes no argument" }) }
        };
        match verb_upper.as_str() {
            "EHLO" | "HELO" => {
                let d = rest.trim();
                if d.is_empty() || d.contains(' ') {
                    return Err(CommandError::Syntax {
                        verb: "EHLO/HELO",
                        reason: "needs one domain or address literal",
                    });
                }
                Ok(if verb_upper == "EHLO" { Command::Ehlo(d.to_string()) } else { Command::Helo(d.to_string()) })
            }
            "STARTTLS" => no_args("STARTTLS", Command::StartTls),
            "DATA" => no_args("DATA", Command::Data),
            "RSET" => no_args("RSET", Command::Rset),
            "QUIT" => no_args("QUIT", Command::Quit),
            // NOOP may carry a string, which is ignored (§4.1.1.9).
            "NOOP" => Ok(Command::Noop),
            "MAIL" => {
                let (path, params) = parse_path_and_params(rest, "FROM:", "MAIL")?;
                Ok(Command::MailFrom { reverse_path: path, params })
            }
            "RCPT" => {
                let (path, params) = parse_path_and_params(rest, "TO:", "RCPT")?;
                if path.is_empty() {
                    return Err(CommandError::Syntax { verb: "RCPT", reason: "empty forward-path" });
                }
                Ok(Command::RcptTo { forward_path: path, params })
            }
            "AUTH" => {
                let mut words = rest.split(' ').filter(|w| !w.is_empty());
                let mechanism = match words.next().map(str::to_ascii_uppercase).as_deref() {
                    Some("PLAIN") => AuthMechanism::Plain,
                    Some("LOGIN") => AuthMechanism::Login,
                    _ => return Err(CommandError::Syntax { verb: "AUTH", reason: "unsupported mechanism" }),
                };
                let initial_response = words.next().map(str::to_string);
                if words.next().is_some() {
                    return Err(CommandError::Syntax { verb: "AUTH", reason: "too many arguments" });
                }
                Ok(Command::Auth { mechanism, initial_response })
            }
            _ => Err(CommandError::Unknown(crate::smtp::printable(verb).chars().take(20).collect())),
        }
    }
}

fn parse_path_and_params(
    rest: &str,
    prefix: &'static str,
    verb: &'static str,
) -> Result<(String, Vec<Param>), CommandError> {
    let head = rest.get(..prefix.len()).ok_or(CommandError::Syntax { verb, reason: "missing FROM:/TO:" })?;
    if !head.eq_ignore_ascii_case(prefix) {
        return Err(CommandError::Syntax { verb, reason: "missing FROM:/TO:" });
    }
    let after = rest.get(prefix.len()..).unwrap_or_default().trim_start();
    let after = after.strip_prefix('<').ok_or(CommandError::Syntax { verb, reason: "path must be in <>" })?;
    let (path, params_text) =
        after.split_once('>').ok_or(CommandError::Syntax { verb, reason: "path must be in <>" })?;
    if path.bytes().any(|b| b.is_ascii_whitespace() || b == b'<') {
        return Err(CommandError::Syntax { verb, reason: "white space in path" });
    }
    if !params_text.is_empty() && !params_text.starts_with(' ') {
        return Err(CommandError::Syntax { verb, reason: "parameters must follow a space" });
    }
    let mut params = Vec::new();
    for word in params_text.split(' ').filter(|w| !w.is_empty()) {
        let (k, v) = match word.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (word, None),
        };
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(CommandError::Syntax { verb, reason: "bad parameter keyword" });
        }
        if params.len() >= 16 {
            return Err(CommandError::Syntax { verb, reason: "too many parameters" });
        }
        params.push(Param { keyword: k.to_ascii_uppercase(), value: v });
    }
    Ok((path.to_string(), params))
}

/// Dot-stuffs a message for DATA (RFC 5321 §4.5.2) and appends the end-of-data marker
/// `CRLF.CRLF`. Bare LF line ends are turned into CRLF (§2.3.8 forbids bare LF).
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut at_line_start = true;
    let mut prev = 0u8;
    for &b in message {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        at_line_start = b == b'\n';
        prev = b;
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rcpt(p: &str) -> Command {
        Command::RcptTo { forward_path: p.into(), params: vec![] }
    }

    #[test]
    fn writes_commands() {
        assert_eq!(Command::Ehlo("probe.test".into()).to_wire().unwrap(), b"EHLO probe.test\r\n");
        assert_eq!(
            Command::MailFrom { reverse_path: "".into(), params: vec![Param::smtputf8(), Param::size(100)] }
                .line()
                .unwrap(),
            "MAIL FROM:<> SMTPUTF8 SIZE=100"
        );
        assert_eq!(rcpt("user@good.test").line().unwrap(), "RCPT TO:<user@good.test>");
        assert_eq!(Command::Quit.to_wire().unwrap(), b"QUIT\r\n");
    }

    #[test]
    fn refuses_cr_lf_nul_in_every_argument() {
        // issue 10 item 3: a CR/LF inside RCPT TO:<...> must never reach the wire.
        for bad in ["\r\nx@good.test", "x@good.test\r\nDATA", "x@good\n.test", "x\0@good.test", "x@good.test\r"] {
            let e = rcpt(bad).to_wire().unwrap_err();
            assert!(matches!(e, CommandError::ForbiddenByte { argument: "forward-path", .. }), "{bad:?}: {e}");
            let e = Command::MailFrom { reverse_path: bad.into(), params: vec![] }.to_wire().unwrap_err();
            assert!(matches!(e, CommandError::ForbiddenByte { .. }), "{bad:?}");
            assert!(matches!(Command::Ehlo(bad.into()).to_wire(), Err(CommandError::ForbiddenByte { .. })));
            assert!(matches!(Command::Helo(bad.into()).to_wire(), Err(CommandError::ForbiddenByte { .. })));
            assert!(matches!(Command::AuthResponse(bad.into()).to_wire(), Err(CommandError::ForbiddenByte { .. })));
        }
        let p = Param { keyword: "SIZE".into(), value: Some("1\r\nRSET".into()) };
        assert!(matches!(
            Command::MailFrom { reverse_path: "a@b.test".into(), params: vec![p] }.to_wire(),
            Err(CommandError::ForbiddenByte { argument: "parameter value", .. })
        ));
        // Spaces and brackets would change the grammar: refused too.
        assert!(matches!(rcpt("a@b.test> SIZE=1").line(), Err(CommandError::Invalid { .. })));
        assert!(matches!(rcpt("").line(), Err(CommandError::Invalid { .. })));
        let long = format!("{}@good.test", "a".repeat(600));
        assert!(matches!(rcpt(&long).line(), Err(CommandError::TooLong { limit: 512, .. })));
    }

    #[test]
    fn auth_is_redacted() {
        let c = Command::auth_plain("user", "secret");
        assert_eq!(c.line().unwrap(), "AUTH PLAIN AHVzZXIAc2VjcmV0");
        assert_eq!(c.redacted(), "AUTH PLAIN <redacted>");
        assert_eq!(Command::auth_response("user").redacted(), "<redacted>");
        assert_eq!(Command::Auth { mechanism: AuthMechanism::Login, initial_response: None }.redacted(), "AUTH LOGIN");
    }

    #[test]
    fn parses_what_it_writes() {
        let cmds = [
            Command::Ehlo("c.test".into()),
            Command::Helo("c.test".into()),
            Command::StartTls,
            Command::MailFrom { reverse_path: "".into(), params: vec![Param::smtputf8(), Param::size(7)] },
            rcpt("u@good.test"),
            Command::Data,
            Command::Rset,
            Command::Noop,
            Command::Quit,
            Command::auth_plain("u", "p"),
        ];
        for c in cmds {
            assert_eq!(Command::parse(&c.to_wire().unwrap()).unwrap(), c);
        }
        assert_eq!(Command::parse(b"mail from: <a@b.test>\r\n").unwrap().verb(), "MAIL");
        assert_eq!(Command::parse(b"VRFY root"), Err(CommandError::Unknown("VRFY".into())));
        assert!(matches!(Command::parse(b"RCPT TO:<>"), Err(CommandError::Syntax { .. })));
        assert!(matches!(Command::parse(b"RCPT TO:a@b.test"), Err(CommandError::Syntax { .. })));
        assert!(matches!(Command::parse(b"QUIT now"), Err(CommandError::Syntax { .. })));
        assert!(matches!(Command::parse(b"RCPT TO:<a@b\0>"), Err(CommandError::ForbiddenByte { .. })));
        assert!(matches!(Command::parse(&[b'N'; 600]), Err(CommandError::TooLong { .. })));
    }

    #[test]
    fn dot_stuffing() {
        assert_eq!(dot_stuff(b"a\r\n.b\n..c"), b"a\r\n..b\r\n...c\r\n.\r\n");
        assert_eq!(dot_stuff(b".\r\n"), b"..\r\n.\r\n");
    }
}
