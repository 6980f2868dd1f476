//! Server replies (RFC 5321 §4.2): `code SP text CRLF`, or a multi-line reply whose lines but
//! the last use `code "-" text` (§4.2.1). [`ReplyDecoder`] takes bytes as they arrive and
//! yields complete replies; every buffer is bounded ([`ReplyLimits`]) so a peer that floods,
//! never ends a line or sends endless continuation lines ends the session with a typed
//! [`ReplyError`] instead of exhausting memory.
//!
//! The enhanced status code (RFC 2034 §4, RFC 3463) at the start of the text is parsed with the
//! bounce explainer's parser ([`crate::bounce::codes::StatusCode`]): one grammar for both.

use crate::bounce::codes::StatusCode;

/// Bounds applied while decoding replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyLimits {
    /// Longest reply line, CRLF included. RFC 5321 §4.5.3.1.5 says 512 octets; real servers
    /// exceed it (long EHLO lines, policy texts), so the default is 4,096.
    pub max_line: usize,
    /// Most lines in one multi-line reply.
    pub max_lines: usize,
    /// Most bytes of one reply, all lines together, and most bytes buffered undecoded.
    pub max_bytes: usize,
}

impl Default for ReplyLimits {
    fn default() -> Self {
        ReplyLimits { max_line: 4096, max_lines: 200, max_bytes: 64 * 1024 }
    }
}

/// Why the byte stream is not a sequence of replies within the bounds. Every variant ends the
/// session: the stream cannot be resynchronised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// A line longer than [`ReplyLimits::max_line`] (or no line end within that many bytes).
    #[error("reply line longer than {limit} bytes: the server floods, session ended")]
    LineTooLong {
        /// The bound.
        limit: usize,
    },
    /// More continuation lines than [`ReplyLimits::max_lines`].
    #[error("reply of more than {limit} lines: the server floods, session ended")]
    TooManyLines {
        /// The bound.
        limit: usize,
    },
    /// More bytes than [`ReplyLimits::max_bytes`].
    #[error("reply larger than {limit} bytes: the server floods, session ended")]
    TooLarge {
        /// The bound.
        limit: usize,
    },
    /// A line that does not start with a three-digit code 2xx-5xx followed by SP, `-` or the
    /// line end (RFC 5321 §4.2).
    #[error("malformed reply line: {0}")]
    Malformed(String),
    /// The code changed inside a multi-line reply (§4.2.1 requires the same code on each line).
    #[error("reply code changed from {first} to {then} mid-reply")]
    CodeChanged {
        /// The code of the first line.
        first: u16,
        /// The code that followed.
        then: u16,
    },
}

/// One complete reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit reply code (RFC 5321 §4.2.2).
    pub code: u16,
    /// The enhanced status code at the start of the first line's text (RFC 2034 §4), if any.
    pub enhanced: Option<StatusCode>,
    /// The text of each line, code and separator removed (lossy UTF-8).
    pub lines: Vec<String>,
}

impl Reply {
    /// A reply from its parts; the enhanced code is read from the first line (for tests and
    /// for replies built by a server).
    pub fn new(code: u16, lines: &[&str]) -> Self {
        let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        let enhanced = lines.first().and_then(|l| StatusCode::parse(l));
        Reply { code, enhanced, lines }
    }

    /// The first digit: 2 positive completion, 3 intermediate, 4 transient negative, 5
    /// permanent negative (RFC 5321 §4.2.1).
    pub fn class(&self) -> u16 {
        self.code / 100
    }

    /// 2xx.
    pub fn is_positive(&self) -> bool {
        self.class() == 2
    }

    /// 4xx: try again later.
    pub fn is_transient(&self) -> bool {
        self.class() == 4
    }

    /// 5xx: do not repeat as is.
    pub fn is_permanent(&self) -> bool {
        self.class() == 5
    }

    /// All lines joined by a space.
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }

    /// The enhanced code as text (`5.1.1`).
    pub fn enhanced_text(&self) -> Option<String> {
        self.enhanced.map(|c| c.to_string())
    }

    /// The lines as they came on the wire (`250-first`, `250 last`), for transcripts.
    pub fn wire_lines(&self) -> Vec<String> {
        let n = self.lines.len();
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let sep = if i + 1 < n { '-' } else { ' ' };
                if l.is_empty() && i + 1 == n { self.code.to_string() } else { format!("{}{sep}{l}", self.code) }
            })
            .collect()
    }
}

/// Incremental reply decoder: [`ReplyDecoder::push`] bytes, then take replies with
/// [`ReplyDecoder::next_reply`] until it returns `Ok(None)`.
#[derive(Debug, Clone)]
pub struct ReplyDecoder {
    limits: ReplyLimits,
    buf: Vec<u8>,
    code: Option<u16>,
    lines: Vec<String>,
    reply_bytes: usize,
    failed: Option<ReplyError>,
}

impl ReplyDecoder {
    /// A decoder with the given bounds.
    pub fn new(limits: ReplyLimits) -> Self {
        ReplyDecoder { limits, buf: Vec::new(), code: None, lines: Vec::new(), reply_bytes: 0, failed: None }
    }

    /// The bounds in force.
    pub fn limits(&self) -> ReplyLimits {
        self.limits
    }

    /// Appends received bytes. Fails when the undecoded bytes would exceed
    /// [`ReplyLimits::max_bytes`]; after an error the decoder stays failed.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), ReplyError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.buf.len().saturating_add(bytes.len()) > self.limits.max_bytes {
            return Err(self.fail(ReplyError::TooLarge { limit: self.limits.max_bytes }));
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Bytes received and not yet part of a returned reply (a partial reply included).
    /// After STARTTLS's 220 this must be zero: anything else was sent before the TLS
    /// handshake and must not be read as if it came over TLS (RFC 3207 §6, CVE-2011-0411).
    pub fn pending(&self) -> usize {
        self.buf.len() + self.lines.iter().map(|l| l.len() + 6).sum::<usize>()
    }

    /// Drops every byte not yet returned as a reply and returns how many there were; used at
    /// the switch to TLS so plaintext is never carried into the TLS session.
    pub fn discard_pending(&mut self) -> usize {
        let n = self.pending();
        self.buf.clear();
        self.lines.clear();
        self.code = None;
        self.reply_bytes = 0;
        n
    }

    fn fail(&mut self, e: ReplyError) -> ReplyError {
        self.failed = Some(e.clone());
        e
    }

    /// The next complete reply, `Ok(None)` when more bytes are needed.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ReplyError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        loop {
            let Some(pos) = self.buf.iter().position(|&b| b == b'\n') else {
                if self.buf.len() > self.limits.max_line {
                    return Err(self.fail(ReplyError::LineTooLong { limit: self.limits.max_line }));
                }
                return Ok(None);
            };
            if pos + 1 > self.limits.max_line {
                return Err(self.fail(ReplyError::LineTooLong { limit: self.limits.max_line }));
            }
            let raw: Vec<u8> = self.buf.drain(..=pos).collect();
            self.reply_bytes += raw.len();
            if self.reply_bytes > self.limits.max_bytes {
                return Err(self.fail(ReplyError::TooLarge { limit: self.limits.max_bytes }));
            }
            let mut line = raw.as_slice();
            line = line.strip_suffix(b"\n").unwrap_or(line);
            line = line.strip_suffix(b"\r").unwrap_or(line);
            let (code, last, text) = match parse_line(line) {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e)),
            };
            if let Some(first) = self.code
                && first != code
            {
                return Err(self.fail(ReplyError::CodeChanged { first, then: code }));
            }
            self.code = Some(code);
            self.lines.push(text);
            if last {
                let lines = std::mem::take(&mut self.lines);
                self.code = None;
                self.reply_bytes = 0;
                let enhanced = lines.first().and_then(|l| StatusCode::parse(l));
                return Ok(Some(Reply { code, enhanced, lines }));
            }
            if self.lines.len() >= self.limits.max_lines {
                return Err(self.fail(ReplyError::TooManyLines { limit: self.limits.max_lines }));
            }
        }
    }
}

/// `(code, is_last_line, text)` of one line without its CRLF.
fn parse_line(line: &[u8]) -> Result<(u16, bool, String), ReplyError> {
    let malformed =
        || ReplyError::Malformed(crate::smtp::printable(&String::from_utf8_lossy(line)).chars().take(80).collect());
    let digits = line.get(..3).filter(|d| d.iter().all(u8::is_ascii_digit)).ok_or_else(malformed)?;
    // RFC 5321 §4.2: the first digit is 2, 3, 4 or 5.
    if !matches!(digits.first(), Some(b'2'..=b'5')) {
        return Err(malformed());
    }
    let code = digits.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    let last = match line.get(3) {
        None | Some(b' ') => true,
        Some(b'-') => false,
        Some(_) => return Err(malformed()),
    };
    let text = String::from_utf8_lossy(line.get(4..).unwrap_or_default()).into_owned();
    Ok((code, last, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], limits: ReplyLimits) -> Result<Vec<Reply>, ReplyError> {
        let mut d = ReplyDecoder::new(limits);
        d.push(bytes)?;
        let mut out = Vec::new();
        while let Some(r) = d.next_reply()? {
            out.push(r);
        }
        Ok(out)
    }

    #[test]
    fn single_and_multi_line_replies() {
        let r = decode_all(
            b"220 mx.good.test ESMTP\r\n250-mx.good.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n",
            ReplyLimits::default(),
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].code, 220);
        assert_eq!(r[0].lines, vec!["mx.good.test ESMTP"]);
        assert_eq!(r[1].lines, vec!["mx.good.test", "PIPELINING", "SIZE 1000"]);
        assert_eq!(r[1].wire_lines(), vec!["250-mx.good.test", "250-PIPELINING", "250 SIZE 1000"]);
        assert_eq!(r[1].enhanced, None);
    }

    #[test]
    fn bytes_split_anywhere_give_the_same_replies() {
        let wire = b"550-5.1.1 <x@good.test>: Recipient\r\n550 5.1.1 address rejected\r\n250 2.0.0 Ok\n";
        let whole = decode_all(wire, ReplyLimits::default()).unwrap();
        for cut in 0..wire.len() {
            let mut d = ReplyDecoder::new(ReplyLimits::default());
            let mut got = Vec::new();
            for part in [&wire[..cut], &wire[cut..]] {
                d.push(part).unwrap();
                while let Some(r) = d.next_reply().unwrap() {
                    got.push(r);
                }
            }
            assert_eq!(got, whole, "cut at {cut}");
        }
        assert_eq!(whole[0].enhanced_text().as_deref(), Some("5.1.1"));
        assert_eq!(whole[1].enhanced_text().as_deref(), Some("2.0.0"));
        assert_eq!(whole[1].text(), "2.0.0 Ok");
    }

    #[test]
    fn bare_code_and_lf_only_lines() {
        let r = decode_all(b"250\n", ReplyLimits::default()).unwrap();
        assert_eq!((r[0].code, r[0].lines.clone()), (250, vec![String::new()]));
    }

    #[test]
    fn malformed_lines_are_errors() {
        for bad in [&b"hello\r\n"[..], b"25 ok\r\n", b"250xok\r\n", b"650 ok\r\n", b"\r\n"] {
            assert!(matches!(decode_all(bad, ReplyLimits::default()), Err(ReplyError::Malformed(_))), "{bad:?}");
        }
        assert_eq!(
            decode_all(b"250-a\r\n251 b\r\n", ReplyLimits::default()),
            Err(ReplyError::CodeChanged { first: 250, then: 251 })
        );
    }

    #[test]
    fn flood_bounds() {
        let limits = ReplyLimits { max_line: 100, max_lines: 5, max_bytes: 1000 };
        // An endless line: refused once more than max_line bytes are buffered without LF.
        let mut d = ReplyDecoder::new(limits);
        d.push(&[b'A'; 101]).unwrap();
        assert_eq!(d.next_reply(), Err(ReplyError::LineTooLong { limit: 100 }));
        assert!(d.push(b"\r\n").is_err(), "a failed decoder stays failed");
        // A long but terminated line.
        let mut long = vec![b'2', b'5', b'0', b' '];
        long.extend(std::iter::repeat_n(b'x', 120));
        long.extend(b"\r\n");
        assert_eq!(decode_all(&long, limits), Err(ReplyError::LineTooLong { limit: 100 }));
        // Too many continuation lines.
        let many = b"250-a\r\n".repeat(6);
        assert_eq!(decode_all(&many, limits), Err(ReplyError::TooManyLines { limit: 5 }));
        // Too many bytes pushed at once.
        let mut d = ReplyDecoder::new(limits);
        assert_eq!(d.push(&[b'x'; 1001]), Err(ReplyError::TooLarge { limit: 1000 }));
        // Too many bytes in one reply made of short lines.
        let limits = ReplyLimits { max_line: 100, max_lines: 1000, max_bytes: 300 };
        let mut d = ReplyDecoder::new(limits);
        let mut err = None;
        for _ in 0..100 {
            if let Err(e) = d.push(b"250-abcdefgh\r\n").and_then(|_| d.next_reply().map(|_| ())) {
                err = Some(e);
                break;
            }
        }
        assert_eq!(err, Some(ReplyError::TooLarge { limit: 300 }));
    }

    #[test]
    fn pending_bytes_are_counted_and_discarded() {
        let mut d = ReplyDecoder::new(ReplyLimits::default());
        d.push(b"220 2.0.0 Ready to start TLS\r\n250 injected\r\n").unwrap();
        assert_eq!(d.next_reply().unwrap().unwrap().code, 220);
        assert_eq!(d.pending(), 14);
        assert_eq!(d.discard_pending(), 14);
        assert_eq!(d.next_reply().unwrap(), None);
    }
}
