//! The server side of an SMTP session (RFC 5321 §4), sans-IO, for an inbound listener.
//!
//! [`ServerConnection`] takes the bytes a client sends ([`ServerConnection::on_bytes`]) and
//! yields [`Action`]s ([`ServerConnection::next_action`]): a response to write, the switch to
//! TLS, the end of the session. It splits lines with a bound (RFC 5321 §4.5.3.1.4: 512 octets
//! per command line; §4.5.3.1.6: 1,000 per text line of the message), processes pipelined
//! commands in order (RFC 2920 §3), reads DATA with dot-unstuffing (§4.5.2) up to a size
//! limit, and discards anything a client sent after STARTTLS before the handshake
//! (RFC 3207 §6, CVE-2011-0411). The state machine is deliberately small: no AUTH (502), no
//! VRFY/EXPN (502), no relaying (recipients outside the configured domains get 550).
//!
//! Whether a recipient of a configured domain exists is the driver's knowledge (the inbound
//! test addresses live in its store): with [`ServerConfig::verify_recipients`] the machine
//! stops at such a RCPT with [`Action::CheckRecipient`] and goes on when the driver answers
//! with [`ServerConnection::recipient_checked`]. Every session is bounded: commands per
//! transaction ([`ServerConfig::max_commands`]), messages per connection
//! ([`ServerConfig::max_messages`]), recipients, errors, line lengths and message size.

use super::command::{Command, CommandError, MAX_AUTH_LINE, MAX_COMMAND_LINE};

/// Longest line of message text, CRLF included (RFC 5321 §4.5.3.1.6).
pub const MAX_TEXT_LINE: usize = 1000;
/// Most bytes buffered unprocessed (pipelined commands or message text).
pub const MAX_BUFFERED: usize = 4 * MAX_AUTH_LINE;

/// What the listener accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The host name in the greeting and the EHLO reply.
    pub hostname: String,
    /// Domains whose recipients are accepted (lower case); others get 550 (no relay).
    pub domains: Vec<String>,
    /// STARTTLS can be offered (a certificate is configured).
    pub starttls: bool,
    /// Most recipients per transaction (RFC 5321 §4.5.3.1.8 requires at least 100).
    pub max_recipients: usize,
    /// Largest message accepted, bytes (announced as SIZE, RFC 1870).
    pub max_message_bytes: usize,
    /// Bad commands tolerated before the session is closed with 421.
    pub max_errors: usize,
    /// Commands accepted before DATA (counted from the greeting and again after each
    /// message); past it the session is closed with 421, so a client cannot hold a
    /// connection open with an endless stream of RCPT / RSET / NOOP.
    pub max_commands: usize,
    /// Messages accepted on one connection; a further MAIL closes the session with 421.
    pub max_messages: usize,
    /// Ask the driver about each recipient of a configured domain
    /// ([`Action::CheckRecipient`]); `false`: every local part of the domains is accepted.
    pub verify_recipients: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            hostname: "localhost".into(),
            domains: Vec::new(),
            starttls: false,
            max_recipients: 100,
            max_message_bytes: 10 * 1024 * 1024,
            max_errors: 10,
            max_commands: 300,
            max_messages: 10,
            verify_recipients: false,
        }
    }
}

/// A reply to write (RFC 5321 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The reply code.
    pub code: u16,
    /// The lines' texts (an enhanced code at the start where one applies, RFC 2034).
    pub lines: Vec<String>,
}

impl Response {
    fn new(code: u16, text: &str) -> Self {
        Response { code, lines: vec![text.to_string()] }
    }

    /// The bytes: `code-text` for all lines but the last, `code text` for the last.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let n = self.lines.len().max(1);
        for i in 0..n {
            let text = self.lines.get(i).map(String::as_str).unwrap_or("");
            let sep = if i + 1 < n { '-' } else { ' ' };
            out.extend_from_slice(format!("{}{sep}{text}\r\n", self.code).as_bytes());
        }
        out
    }
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write this response and keep reading.
    Respond(Response),
    /// Write this 220, then run the TLS handshake and call
    /// [`ServerConnection::on_tls_established`].
    StartTls(Response),
    /// Write this 354 and keep reading: the message follows (the connection handles it).
    ReadData(Response),
    /// Write this response and close the connection.
    Close(Response),
    /// Is this address (the RCPT's forward-path, in a configured domain) a live mailbox?
    /// Answer with [`ServerConnection::recipient_checked`]; nothing else is processed until then.
    CheckRecipient(String),
}

/// A message received with DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The client's EHLO/HELO name.
    pub helo: String,
    /// The reverse-path.
    pub mail_from: String,
    /// The accepted recipients.
    pub rcpt_to: Vec<String>,
    /// The message, dot-unstuffed, CRLF line ends.
    pub data: Vec<u8>,
    /// Received over TLS.
    pub tls: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for EHLO/HELO.
    Fresh,
    /// Greeted, no transaction.
    Ready,
    /// In a transaction (MAIL given).
    Mail,
    /// Reading message text.
    Data,
    /// Closed.
    Closed,
}

/// The session state machine: one command line in, one action out.
#[derive(Debug, Clone)]
pub struct ServerSession {
    config: ServerConfig,
    state: State,
    tls: bool,
    helo: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
    errors: usize,
    commands: usize,
    messages: usize,
    /// A RCPT waiting for the driver's answer.
    pending_rcpt: Option<String>,
}

impl ServerSession {
    /// A session for `config`.
    pub fn new(config: ServerConfig) -> Self {
        ServerSession {
            config,
            state: State::Fresh,
            tls: false,
            helo: None,
            mail_from: None,
            rcpt_to: Vec::new(),
            errors: 0,
            commands: 0,
            messages: 0,
            pending_rcpt: None,
        }
    }

    /// The greeting (RFC 5321 §4.3.1: 220 with the host name first).
    pub fn greeting(&self) -> Response {
        Response::new(220, &format!("{} ESMTP", self.config.hostname))
    }

    /// TLS is up: everything learnt before is forgotten and the client must greet again
    /// (RFC 3207 §4.2).
    pub fn on_tls_established(&mut self) {
        self.tls = true;
        self.state = State::Fresh;
        self.helo = None;
        self.reset();
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
        if self.state == State::Mail {
            self.state = State::Ready;
        }
    }

    fn error(&mut self, r: Response) -> Action {
        self.errors += 1;
        if self.errors > self.config.max_errors {
            self.state = State::Closed;
            return Action::Close(Response::new(421, "4.7.0 Too many errors, closing the connection"));
        }
        Action::Respond(r)
    }

    /// One command line (CRLF included or not).
    pub fn on_line(&mut self, line: &[u8]) -> Action {
        if self.state == State::Closed {
            return Action::Close(Response::new(421, "4.3.0 Session closed"));
        }
        self.commands += 1;
        if self.commands > self.config.max_commands {
            self.state = State::Closed;
            return Action::Close(Response::new(421, "4.7.0 Too many commands without a message, closing"));
        }
        let cmd = match Command::parse(line) {
            Ok(c) => c,
            Err(CommandError::Unknown(v)) => {
                let known_unsupported = matches!(v.to_ascii_uppercase().as_str(), "VRFY" | "EXPN" | "HELP" | "BDAT");
                return if known_unsupported {
                    self.error(Response::new(502, "5.5.1 Command not implemented"))
                } else {
                    self.error(Response::new(500, "5.5.2 Command unrecognized"))
                };
            }
            Err(CommandError::TooLong { .. }) => return self.error(Response::new(500, "5.5.6 Line too long")),
            Err(CommandError::Syntax { verb: "AUTH", .. }) => {
                return self.error(Response::new(502, "5.5.1 AUTH not available"));
            }
            Err(e) => return self.error(Response::new(501, &format!("5.5.4 {e}"))),
        };
        match cmd {
            Command::Ehlo(name) => {
                self.reset();
                self.state = State::Ready;
                self.helo = Some(name);
                let mut lines = vec![
                    self.config.hostname.clone(),
                    "PIPELINING".into(),
                    format!("SIZE {}", self.config.max_message_bytes),
                    "8BITMIME".into(),
                    "SMTPUTF8".into(),
                    "ENHANCEDSTATUSCODES".into(),
                ];
                if self.config.starttls && !self.tls {
                    lines.push("STARTTLS".into());
                }
                Action::Respond(Response { code: 250, lines })
            }
            Command::Helo(name) => {
                self.reset();
                self.state = State::Ready;
                self.helo = Some(name);
                Action::Respond(Response::new(250, &self.config.hostname.clone()))
            }
            Command::StartTls => {
                if self.tls {
                    self.error(Response::new(503, "5.5.1 TLS already active"))
                } else if !self.config.starttls {
                    self.error(Response::new(454, "4.7.0 TLS not available"))
                } else if self.state == State::Fresh {
                    self.error(Response::new(503, "5.5.1 EHLO first"))
                } else {
                    Action::StartTls(Response::new(220, "2.0.0 Ready to start TLS"))
                }
            }
            Command::MailFrom { reverse_path, params } => {
                match self.state {
                    State::Fresh => return self.error(Response::new(503, "5.5.1 EHLO/HELO first")),
                    State::Mail => return self.error(Response::new(503, "5.5.1 Nested MAIL command")),
                    _ => {}
                }
                if self.messages >= self.config.max_messages {
                    self.state = State::Closed;
                    return Action::Close(Response::new(421, "4.7.0 Too many messages on one connection, closing"));
                }
                for p in &params {
                    match (p.keyword.as_str(), p.value.as_deref()) {
                        ("SIZE", Some(v)) => match v.parse::<u64>() {
                            Ok(n) if n > self.config.max_message_bytes as u64 => {
                                return self.error(Response::new(552, "5.3.4 Message size exceeds fixed limit"));
                            }
                            Ok(_) => {}
                            Err(_) => return self.error(Response::new(501, "5.5.4 Bad SIZE value")),
                        },
                        ("SMTPUTF8", None) | ("BODY", Some(_)) => {}
                        _ => return self.error(Response::new(555, "5.5.4 Unsupported parameter")),
                    }
                }
                self.mail_from = Some(reverse_path);
                self.state = State::Mail;
                Action::Respond(Response::new(250, "2.1.0 Ok"))
            }
            Command::RcptTo { forward_path, params } => {
                if self.state != State::Mail {
                    return self.error(Response::new(503, "5.5.1 MAIL first"));
                }
                if !params.is_empty() {
                    return self.error(Response::new(555, "5.5.4 Unsupported parameter"));
                }
                if self.rcpt_to.len() >= self.config.max_recipients {
                    // RFC 5321 §4.5.3.1.10: 452 for too many recipients.
                    return Action::Respond(Response::new(452, "4.5.3 Too many recipients"));
                }
                let domain = forward_path.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
                match domain {
                    Some(d) if self.config.domains.contains(&d) => {
                        if self.config.verify_recipients {
                            self.pending_rcpt = Some(forward_path.clone());
                            return Action::CheckRecipient(forward_path);
                        }
                        self.rcpt_to.push(forward_path);
                        Action::Respond(Response::new(250, "2.1.5 Ok"))
                    }
                    Some(_) => Action::Respond(Response::new(550, "5.7.1 Relay access denied")),
                    None => self.error(Response::new(501, "5.1.3 Bad recipient address syntax")),
                }
            }
            Command::Data => {
                if self.state != State::Mail {
                    return self.error(Response::new(503, "5.5.1 MAIL first"));
                }
                if self.rcpt_to.is_empty() {
                    return self.error(Response::new(554, "5.5.1 No valid recipients"));
                }
                self.state = State::Data;
                Action::ReadData(Response::new(354, "End data with <CR><LF>.<CR><LF>"))
            }
            Command::Rset => {
                self.reset();
                Action::Respond(Response::new(250, "2.0.0 Ok"))
            }
            Command::Noop => Action::Respond(Response::new(250, "2.0.0 Ok")),
            Command::Quit => {
                self.state = State::Closed;
                Action::Close(Response::new(221, "2.0.0 Bye"))
            }
            Command::Auth { .. } | Command::AuthResponse(_) => {
                self.error(Response::new(502, "5.5.1 AUTH not available"))
            }
        }
    }

    /// The driver's answer about the pending recipient.
    fn on_recipient_checked(&mut self, exists: bool) -> Option<Action> {
        let rcpt = self.pending_rcpt.take()?;
        if exists {
            self.rcpt_to.push(rcpt);
            Some(Action::Respond(Response::new(250, "2.1.5 Ok")))
        } else {
            // RFC 3463 §3.2: X.1.1 bad destination mailbox address.
            Some(Action::Respond(Response::new(550, "5.1.1 No such test address (unknown or expired)")))
        }
    }

    /// The end of DATA: the message (or `None` when it exceeded the size limit).
    fn on_message(&mut self, data: Option<Vec<u8>>) -> (Response, Option<ReceivedMessage>) {
        let msg = data.map(|data| ReceivedMessage {
            helo: self.helo.clone().unwrap_or_default(),
            mail_from: self.mail_from.clone().unwrap_or_default(),
            rcpt_to: self.rcpt_to.clone(),
            data,
            tls: self.tls,
        });
        self.state = State::Mail;
        self.reset();
        if msg.is_some() {
            self.messages += 1;
            self.commands = 0;
        }
        match msg {
            Some(m) => (Response::new(250, "2.0.0 Ok: queued"), Some(m)),
            None => (Response::new(552, "5.3.4 Message size exceeds fixed limit"), None),
        }
    }
}

/// Why the byte stream cannot be read further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// A line longer than the limit, or no line end within it.
    #[error("line longer than {0} bytes")]
    TooLong(usize),
}

/// A session plus its bounded line reader and DATA reader.
#[derive(Debug, Clone)]
pub struct ServerConnection {
    session: ServerSession,
    buf: Vec<u8>,
    message: Vec<u8>,
    message_too_big: bool,
    received: Vec<ReceivedMessage>,
    plaintext_discarded: usize,
    closed: bool,
    overflowed: bool,
}

impl ServerConnection {
    /// A connection for `config`; write [`ServerConnection::greeting`] first.
    pub fn new(config: ServerConfig) -> Self {
        ServerConnection {
            session: ServerSession::new(config),
            buf: Vec::new(),
            message: Vec::new(),
            message_too_big: false,
            received: Vec::new(),
            plaintext_discarded: 0,
            closed: false,
            overflowed: false,
        }
    }

    /// The greeting to write on connect.
    pub fn greeting(&self) -> Response {
        self.session.greeting()
    }

    /// Bytes the client sent. Bounded: at most [`MAX_BUFFERED`] bytes wait unprocessed; a
    /// client that pipelines more without reading the replies (RFC 2920 §3.1 forbids it) gets
    /// its buffered commands answered and then a 421, never a silently dropped command.
    pub fn on_bytes(&mut self, bytes: &[u8]) {
        if self.closed || self.overflowed {
            return;
        }
        if self.buf.len() + bytes.len() > MAX_BUFFERED {
            self.overflowed = true;
            return;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// TLS is up: the session starts over (RFC 3207 §4.2).
    pub fn on_tls_established(&mut self) {
        self.session.on_tls_established();
    }

    /// Plaintext bytes the client sent after STARTTLS before the handshake; discarded.
    pub fn plaintext_discarded(&self) -> usize {
        self.plaintext_discarded
    }

    /// The driver's answer to [`Action::CheckRecipient`]: the RCPT's reply (250, or
    /// 550 5.1.1). `None` when no recipient was waiting.
    pub fn recipient_checked(&mut self, exists: bool) -> Option<Action> {
        self.session.on_recipient_checked(exists)
    }

    /// Messages received so far (taken).
    pub fn take_messages(&mut self) -> Vec<ReceivedMessage> {
        std::mem::take(&mut self.received)
    }

    fn take_line(&mut self, limit: usize) -> Result<Option<Vec<u8>>, LineError> {
        match self.buf.iter().position(|&b| b == b'\n') {
            Some(pos) if pos < limit => Ok(Some(self.buf.drain(..=pos).collect())),
            Some(_) => Err(LineError::TooLong(limit)),
            None if self.buf.len() >= limit => Err(LineError::TooLong(limit)),
            None => Ok(None),
        }
    }

    /// The next action, `None` when more bytes are needed.
    pub fn next_action(&mut self) -> Option<Action> {
        if self.closed {
            return None;
        }
        if let Some(rcpt) = &self.session.pending_rcpt {
            // Still unanswered: ask again rather than run the next pipelined command.
            return Some(Action::CheckRecipient(rcpt.clone()));
        }
        loop {
            if self.session.state == State::Data {
                let line = match self.take_line(MAX_TEXT_LINE) {
                    Ok(Some(l)) => l,
                    Ok(None) => return self.overflow(),
                    Err(_) => return Some(self.close(Response::new(500, "5.5.6 Line too long"))),
                };
                if line == b".\r\n" || line == b".\n" {
                    let data = if self.message_too_big { None } else { Some(std::mem::take(&mut self.message)) };
                    self.message.clear();
                    self.message_too_big = false;
                    let (resp, msg) = self.session.on_message(data);
                    self.received.extend(msg);
                    return Some(Action::Respond(resp));
                }
                // §4.5.2: a leading dot was doubled by the client.
                let text = if line.first() == Some(&b'.') { line.get(1..).unwrap_or_default() } else { &line[..] };
                if self.message.len() + text.len() > self.session.config.max_message_bytes {
                    self.message_too_big = true;
                    self.message.clear();
                } else if !self.message_too_big {
                    self.message.extend_from_slice(text);
                }
                continue;
            }
            let line = match self.take_line(MAX_AUTH_LINE) {
                Ok(Some(l)) => l,
                Ok(None) => return self.overflow(),
                Err(_) => return Some(self.close(Response::new(500, "5.5.6 Line too long"))),
            };
            if line.len() > MAX_COMMAND_LINE && !line.get(..5).is_some_and(|v| v.eq_ignore_ascii_case(b"AUTH ")) {
                let a = self.session.error(Response::new(500, "5.5.6 Line too long"));
                return Some(self.track(a));
            }
            let action = self.session.on_line(&line);
            if let Action::StartTls(_) = &action {
                // RFC 3207 §6 / CVE-2011-0411: commands pipelined after STARTTLS arrived in
                // plaintext and must not be executed after the handshake.
                self.plaintext_discarded += self.buf.len();
                self.buf.clear();
            }
            return Some(self.track(action));
        }
    }

    /// Out of complete lines: a 421 when input was refused for lack of room.
    fn overflow(&mut self) -> Option<Action> {
        self.overflowed.then(|| self.close(Response::new(421, "4.7.0 Too much pipelined input, closing")))
    }

    fn track(&mut self, a: Action) -> Action {
        if matches!(a, Action::Close(_)) {
            self.closed = true;
        }
        a
    }

    fn close(&mut self, r: Response) -> Action {
        self.closed = true;
        self.session.state = State::Closed;
        Action::Close(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(starttls: bool) -> ServerConnection {
        ServerConnection::new(ServerConfig {
            hostname: "in.inboxlens.test".into(),
            domains: vec!["inbox.test".into()],
            starttls,
            max_recipients: 2,
            max_message_bytes: 100,
            max_errors: 3,
            ..ServerConfig::default()
        })
    }

    /// Feeds `input` and returns the codes of all actions until more input is needed.
    fn codes(c: &mut ServerConnection, input: &[u8]) -> Vec<u16> {
        c.on_bytes(input);
        let mut out = Vec::new();
        while let Some(a) = c.next_action() {
            let r = match a {
                Action::Respond(r) | Action::StartTls(r) | Action::ReadData(r) | Action::Close(r) => r,
                Action::CheckRecipient(a) => panic!("unexpected recipient check for {a}"),
            };
            out.push(r.code);
        }
        out
    }

    #[test]
    fn a_pipelined_transaction() {
        let mut c = conn(false);
        assert_eq!(c.greeting().to_wire(), b"220 in.inboxlens.test ESMTP\r\n");
        let got = codes(
            &mut c,
            b"EHLO client.test\r\nMAIL FROM:<a@client.test> SIZE=10\r\nRCPT TO:<u@inbox.test>\r\nRCPT TO:<u@elsewhere.test>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n",
        );
        assert_eq!(got, [250, 250, 250, 550, 354, 250, 221]);
        let m = c.take_messages();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].rcpt_to, ["u@inbox.test"]);
        assert_eq!(m[0].data, b"Subject: x\r\n\r\n.dot\r\n");
        assert_eq!(c.next_action(), None, "closed");
    }

    #[test]
    fn sequence_errors_and_limits() {
        let mut c = conn(false);
        assert_eq!(codes(&mut c, b"MAIL FROM:<>\r\n"), [503]);
        assert_eq!(codes(&mut c, b"HELO c.test\r\nRCPT TO:<u@inbox.test>\r\nDATA\r\n"), [250, 503, 503]);
        // The fourth error closes the session.
        assert_eq!(codes(&mut c, b"VRFY root\r\n"), [421]);
        let mut c = conn(false);
        let got = codes(
            &mut c,
            b"EHLO c\r\nMAIL FROM:<> SIZE=1000\r\nMAIL FROM:<>\r\nRCPT TO:<a@inbox.test>\r\nRCPT TO:<b@inbox.test>\r\nRCPT TO:<c@inbox.test>\r\nMAIL FROM:<>\r\nRSET\r\nSTARTTLS\r\n",
        );
        assert_eq!(got, [250, 552, 250, 250, 250, 452, 503, 250, 454]);
        assert_eq!(codes(&mut c, b"BOGUS\r\n"), [421], "fourth error");
    }

    #[test]
    fn bounds_on_lines_and_messages() {
        let mut c = conn(false);
        let mut long = b"NOOP ".to_vec();
        long.extend(std::iter::repeat_n(b'x', 600));
        long.extend(b"\r\n");
        assert_eq!(codes(&mut c, &long), [500]);
        // An endless line without LF closes the session.
        assert_eq!(codes(&mut c, &[b'A'; MAX_AUTH_LINE + 10]), [500]);
        assert_eq!(c.next_action(), None);
        // A message over the size limit is refused, the session goes on.
        let mut c = conn(false);
        let mut input = b"EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<u@inbox.test>\r\nDATA\r\n".to_vec();
        for _ in 0..10 {
            input.extend(b"0123456789012345678\r\n");
        }
        input.extend(b".\r\nNOOP\r\n");
        assert_eq!(codes(&mut c, &input), [250, 250, 250, 354, 552, 250]);
        assert!(c.take_messages().is_empty());
    }

    #[test]
    fn too_much_pipelined_input_is_answered_then_closed() {
        let mut c = conn(false);
        c.on_bytes(b"EHLO c\r\nNOOP\r\n");
        c.on_bytes(&vec![b'x'; MAX_BUFFERED]);
        let mut codes = Vec::new();
        while let Some(a) = c.next_action() {
            match a {
                Action::Respond(r) | Action::Close(r) => codes.push(r.code),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(codes, [250, 250, 421], "the buffered commands are answered, then 421");
    }

    #[test]
    fn starttls_discards_pipelined_plaintext() {
        let mut c = conn(true);
        let got = codes(&mut c, b"EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@x.test>\r\n");
        assert_eq!(got, [250, 220], "the injected MAIL is not executed");
        assert_eq!(c.plaintext_discarded(), 25);
        c.on_tls_established();
        // After TLS the client must greet again, and STARTTLS is no longer offered.
        assert_eq!(codes(&mut c, b"MAIL FROM:<>\r\n"), [503]);
        c.on_bytes(b"EHLO c\r\n");
        match c.next_action() {
            Some(Action::Respond(r)) => assert!(!r.lines.iter().any(|l| l == "STARTTLS")),
            other => panic!("{other:?}"),
        }
        assert_eq!(codes(&mut c, b"STARTTLS\r\n"), [503]);
    }

    #[test]
    fn the_driver_decides_which_recipients_exist() {
        let mut c = ServerConnection::new(ServerConfig {
            hostname: "in.inboxlens.test".into(),
            domains: vec!["inbox.test".into()],
            verify_recipients: true,
            ..ServerConfig::default()
        });
        // Pipelined: the machine stops at the RCPT and runs nothing after it until answered.
        c.on_bytes(b"EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<nope@inbox.test>\r\nRCPT TO:<tok@INBOX.test>\r\nRCPT TO:<x@other.test>\r\nDATA\r\n");
        assert!(matches!(c.next_action(), Some(Action::Respond(r)) if r.code == 250));
        assert!(matches!(c.next_action(), Some(Action::Respond(r)) if r.code == 250));
        assert_eq!(c.next_action(), Some(Action::CheckRecipient("nope@inbox.test".into())));
        assert_eq!(c.next_action(), Some(Action::CheckRecipient("nope@inbox.test".into())), "asked again");
        match c.recipient_checked(false) {
            Some(Action::Respond(r)) => {
                assert_eq!((r.code, r.lines[0].as_str()), (550, "5.1.1 No such test address (unknown or expired)"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.next_action(), Some(Action::CheckRecipient("tok@INBOX.test".into())));
        assert!(matches!(c.recipient_checked(true), Some(Action::Respond(r)) if r.code == 250));
        assert_eq!(c.recipient_checked(true), None, "nothing pending");
        // Other domains never reach the driver: no relaying.
        assert!(matches!(c.next_action(), Some(Action::Respond(r)) if r.code == 550));
        assert!(matches!(c.next_action(), Some(Action::ReadData(r)) if r.code == 354));
        c.on_bytes(b"Subject: t\r\n\r\nhi\r\n.\r\n");
        assert!(matches!(c.next_action(), Some(Action::Respond(r)) if r.code == 250));
        assert_eq!(c.take_messages()[0].rcpt_to, ["tok@INBOX.test"]);
    }

    #[test]
    fn commands_and_messages_per_connection_are_bounded() {
        let mut c = ServerConnection::new(ServerConfig {
            domains: vec!["inbox.test".into()],
            max_commands: 4,
            max_messages: 1,
            ..ServerConfig::default()
        });
        assert_eq!(codes(&mut c, b"EHLO c\r\nNOOP\r\nRSET\r\nNOOP\r\nNOOP\r\n"), [250, 250, 250, 250, 421]);
        let mut c = ServerConnection::new(ServerConfig {
            domains: vec!["inbox.test".into()],
            max_commands: 4,
            max_messages: 1,
            ..ServerConfig::default()
        });
        // A message resets the command count; the second MAIL is one message too many.
        let got = codes(
            &mut c,
            b"EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<u@inbox.test>\r\nDATA\r\nx: y\r\n\r\n.\r\nNOOP\r\nMAIL FROM:<>\r\n",
        );
        assert_eq!(got, [250, 250, 250, 354, 250, 250, 421]);
    }
}
