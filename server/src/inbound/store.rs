//! The inbound test addresses' storage: one redb database file (embedded, ACID, one writer
//! at a time, pure Rust) holding each address's record, its raw message and its report, so
//! a report survives a restart and everything is deleted at expiry by the sweeper.
//!
//! Tables (keys are tokens, lower-case base32):
//! - `tokens`: JSON [`TokenRecord`] (times, the session once a message arrived);
//! - `messages`: the raw message as received, our trace fields prepended;
//! - `reports`: the report JSON as served by `GET /api/inbound/{token}`;
//! - `meta`: counters (`raw_bytes`).
//!
//! Every table is bounded: live tokens (`max_live_tokens`), stored messages and their bytes
//! (`max_stored_messages`, `max_stored_bytes`). The calls are blocking (redb commits fsync):
//! the async callers run them on the blocking pool.

use inboxlens_core::inbound::InboundSession;
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::Path;

const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("tokens");
const MESSAGES: TableDefinition<&str, &[u8]> = TableDefinition::new("messages");
const REPORTS: TableDefinition<&str, &[u8]> = TableDefinition::new("reports");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const RAW_BYTES: &str = "raw_bytes";

/// Token length in characters: 128 random bits in base32 (26 × 5 = 130 bits of room).
pub(crate) const TOKEN_LEN: usize = 26;

/// One test address.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct TokenRecord {
    /// When the address was handed out, unix seconds.
    pub created_at: i64,
    /// When it and everything stored under it is deleted, unix seconds.
    pub expires_at: i64,
    /// The session that delivered its message (`None`: still waiting).
    pub session: Option<InboundSession>,
}

/// The bounds of the store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoreLimits {
    /// Unexpired tokens kept.
    pub max_live_tokens: usize,
    /// Raw messages kept.
    pub max_messages: usize,
    /// Raw message bytes kept, all together.
    pub max_bytes: u64,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// The database could not be opened, read or written.
    #[error("inbound database: {0}")]
    Db(#[from] redb::Error),
    /// A bound is reached.
    #[error("inbound storage is full: {0}")]
    Full(&'static str),
    /// The token is unknown, expired or already used.
    #[error("no such test address")]
    NoSuchToken,
    /// A record could not be encoded or decoded.
    #[error("inbound database record: {0}")]
    Record(#[from] serde_json::Error),
}

macro_rules! db_err {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.into())
            }
        }
    )*};
}
db_err!(redb::DatabaseError, redb::TransactionError, redb::TableError, redb::StorageError, redb::CommitError);

/// What `GET /api/inbound/{token}` finds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lookup {
    /// Unknown or expired.
    NotFound,
    /// No report yet (`received`: a message arrived and is being analyzed).
    Waiting { received: bool },
    /// The report JSON.
    Ready(Vec<u8>),
}

/// The database.
pub(crate) struct InboundStore {
    db: Database,
    limits: StoreLimits,
}

impl InboundStore {
    /// Opens (or creates) the database at `path` and makes sure every table exists.
    pub(crate) fn open(path: &Path, limits: StoreLimits) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let db = Database::create(path)?;
        let tx = db.begin_write()?;
        {
            tx.open_table(TOKENS)?;
            tx.open_table(MESSAGES)?;
            tx.open_table(REPORTS)?;
            tx.open_table(META)?;
        }
        tx.commit()?;
        Ok(InboundStore { db, limits })
    }

    /// A new test address valid until `expires_at`. 503-worthy [`StoreError::Full`] when the
    /// live tokens are at their bound (expired ones are swept first).
    pub(crate) fn create(&self, token: &str, now: i64, expires_at: i64) -> Result<TokenRecord, StoreError> {
        let live = self.db.begin_read()?.open_table(TOKENS)?.len()?;
        if live as usize >= self.limits.max_live_tokens {
            self.sweep(now)?;
            if self.db.begin_read()?.open_table(TOKENS)?.len()? as usize >= self.limits.max_live_tokens {
                return Err(StoreError::Full("too many live test addresses"));
            }
        }
        let rec = TokenRecord { created_at: now, expires_at, session: None };
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(TOKENS)?;
            t.insert(token, serde_json::to_vec(&rec)?.as_slice())?;
        }
        tx.commit()?;
        Ok(rec)
    }

    fn record(&self, token: &str) -> Result<Option<TokenRecord>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(TOKENS)?;
        let Some(v) = t.get(token)? else { return Ok(None) };
        Ok(Some(serde_json::from_slice(v.value())?))
    }

    /// Whether `token` is live and still waiting for its message (RCPT is accepted only then).
    pub(crate) fn accepts(&self, token: &str, now: i64) -> Result<bool, StoreError> {
        Ok(self.record(token)?.is_some_and(|r| r.expires_at > now && r.session.is_none()))
    }

    /// Stores the message of `token` with its session, atomically; the token takes no other.
    pub(crate) fn store_message(
        &self,
        token: &str,
        session: &InboundSession,
        raw: &[u8],
        now: i64,
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut tokens = tx.open_table(TOKENS)?;
            let mut rec: TokenRecord = match tokens.get(token)? {
                Some(v) => serde_json::from_slice(v.value())?,
                None => return Err(StoreError::NoSuchToken),
            };
            if rec.expires_at <= now || rec.session.is_some() {
                return Err(StoreError::NoSuchToken);
            }
            let mut messages = tx.open_table(MESSAGES)?;
            if messages.len()? as usize >= self.limits.max_messages {
                return Err(StoreError::Full("too many stored messages"));
            }
            let mut meta = tx.open_table(META)?;
            let bytes = meta.get(RAW_BYTES)?.map(|v| v.value()).unwrap_or(0);
            let total = bytes.saturating_add(raw.len() as u64);
            if total > self.limits.max_bytes {
                return Err(StoreError::Full("stored messages take too much room"));
            }
            meta.insert(RAW_BYTES, total)?;
            messages.insert(token, raw)?;
            rec.session = Some(session.clone());
            tokens.insert(token, serde_json::to_vec(&rec)?.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores the report of `token` (ignored when the token was deleted meanwhile).
    pub(crate) fn store_report(&self, token: &str, json: &[u8]) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        let stored = {
            let present = tx.open_table(TOKENS)?.get(token)?.is_some();
            if present {
                tx.open_table(REPORTS)?.insert(token, json)?;
            }
            present
        };
        tx.commit()?;
        Ok(stored)
    }

    /// The state of `token` as of `now`.
    pub(crate) fn lookup(&self, token: &str, now: i64) -> Result<Lookup, StoreError> {
        let tx = self.db.begin_read()?;
        let tokens = tx.open_table(TOKENS)?;
        let Some(v) = tokens.get(token)? else { return Ok(Lookup::NotFound) };
        let rec: TokenRecord = serde_json::from_slice(v.value())?;
        if rec.expires_at <= now {
            return Ok(Lookup::NotFound);
        }
        match tx.open_table(REPORTS)?.get(token)? {
            Some(r) => Ok(Lookup::Ready(r.value().to_vec())),
            None => Ok(Lookup::Waiting { received: rec.session.is_some() }),
        }
    }

    /// Deletes `token` and everything under it; whether it existed (and was live).
    pub(crate) fn delete(&self, token: &str, now: i64) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        let live = self.remove_in(&tx, token)?.is_some_and(|r| r.expires_at > now);
        tx.commit()?;
        Ok(live)
    }

    fn remove_in(&self, tx: &redb::WriteTransaction, token: &str) -> Result<Option<TokenRecord>, StoreError> {
        let rec = match tx.open_table(TOKENS)?.remove(token)? {
            Some(v) => Some(serde_json::from_slice::<TokenRecord>(v.value())?),
            None => None,
        };
        let freed = tx.open_table(MESSAGES)?.remove(token)?.map(|v| v.value().len() as u64).unwrap_or(0);
        tx.open_table(REPORTS)?.remove(token)?;
        if freed > 0 {
            let mut meta = tx.open_table(META)?;
            let bytes = meta.get(RAW_BYTES)?.map(|v| v.value()).unwrap_or(0);
            meta.insert(RAW_BYTES, bytes.saturating_sub(freed))?;
        }
        Ok(rec)
    }

    /// Deletes every expired token with its message and report; how many went.
    pub(crate) fn sweep(&self, now: i64) -> Result<usize, StoreError> {
        let expired: Vec<String> = {
            let tx = self.db.begin_read()?;
            let t = tx.open_table(TOKENS)?;
            let mut out = Vec::new();
            for row in t.iter()? {
                let (k, v) = row?;
                let rec: Result<TokenRecord, _> = serde_json::from_slice(v.value());
                // An unreadable record is dropped too: nothing may stay forever.
                if rec.map(|r| r.expires_at <= now).unwrap_or(true) {
                    out.push(k.value().to_string());
                }
            }
            out
        };
        if expired.is_empty() {
            return Ok(0);
        }
        let tx = self.db.begin_write()?;
        for token in &expired {
            self.remove_in(&tx, token)?;
        }
        tx.commit()?;
        Ok(expired.len())
    }

    /// The raw message of `token` (our trace fields first).
    pub(crate) fn raw(&self, token: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(MESSAGES)?.get(token)?.map(|v| v.value().to_vec()))
    }

    /// Messages stored without a report (the server stopped while analyzing): analyzed again
    /// at start.
    pub(crate) fn pending(&self, now: i64) -> Result<Vec<(String, InboundSession)>, StoreError> {
        let tx = self.db.begin_read()?;
        let tokens = tx.open_table(TOKENS)?;
        let reports = tx.open_table(REPORTS)?;
        let messages = tx.open_table(MESSAGES)?;
        let mut out = Vec::new();
        for row in tokens.iter()? {
            let (k, v) = row?;
            let Ok(rec) = serde_json::from_slice::<TokenRecord>(v.value()) else { continue };
            let token = k.value();
            let Some(session) = rec.session else { continue };
            if rec.expires_at <= now || reports.get(token)?.is_some() {
                continue;
            }
            if messages.get(token)?.is_some() {
                out.push((token.to_string(), session));
            }
        }
        Ok(out)
    }
}

/// A fresh token: 128 random bits (`rand`'s thread generator, a CSPRNG seeded by the OS),
/// lower-case base32
/// without padding (RFC 4648 §6 alphabet), so it is a valid, case-insensitive local part.
pub(crate) fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(TOKEN_LEN);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Whether `s` has the shape of a token (so lookups of garbage never reach the database).
pub(crate) fn is_token(s: &str) -> bool {
    s.len() == TOKEN_LEN && s.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> InboundSession {
        InboundSession {
            client_ip: "192.0.2.1".into(),
            client_ptr: None,
            client_fcrdns: None,
            client_public: true,
            helo: "h".into(),
            mail_from: "a@b.test".into(),
            rcpt: "x@in.test".into(),
            tls_version: None,
            tls_cipher: None,
            received_at: 10,
            starttls_offered: false,
        }
    }

    #[test]
    fn tokens_are_128_bit_base32() {
        let a = new_token();
        assert_eq!(a.len(), TOKEN_LEN);
        assert!(is_token(&a), "{a}");
        assert_ne!(a, new_token());
        assert!(!is_token("ABC"));
    }

    #[test]
    fn lifecycle_bounds_and_restart() {
        let dir = std::env::temp_dir().join(format!("inboxlens-store-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("db.redb");
        let limits = StoreLimits { max_live_tokens: 3, max_messages: 1, max_bytes: 100 };
        {
            let s = InboundStore::open(&path, limits).unwrap();
            s.create("a", 0, 100).unwrap();
            s.create("b", 0, 100).unwrap();
            s.create("old", 0, 5).unwrap();
            assert!(matches!(s.create("c", 1, 100), Err(StoreError::Full(_))));
            // The expired one is swept to make room.
            s.create("c", 6, 100).unwrap();
            assert_eq!(s.lookup("old", 6).unwrap(), Lookup::NotFound);
            assert!(s.accepts("a", 7).unwrap());
            assert!(matches!(s.store_message("b", &session(), &[0; 101], 7), Err(StoreError::Full(_))));
            s.store_message("a", &session(), b"raw", 7).unwrap();
            assert!(!s.accepts("a", 7).unwrap(), "one message per address");
            assert!(matches!(s.store_message("a", &session(), b"raw", 7), Err(StoreError::NoSuchToken)));
            assert!(matches!(s.store_message("b", &session(), b"raw", 7), Err(StoreError::Full(_))));
            assert_eq!(s.lookup("a", 7).unwrap(), Lookup::Waiting { received: true });
            assert_eq!(s.pending(7).unwrap().len(), 1);
            assert!(s.store_report("a", b"{}").unwrap());
            assert!(s.pending(7).unwrap().is_empty());
        }
        // Reopened: still there.
        let s = InboundStore::open(&path, limits).unwrap();
        assert_eq!(s.lookup("a", 8).unwrap(), Lookup::Ready(b"{}".to_vec()));
        assert_eq!(s.lookup("a", 100).unwrap(), Lookup::NotFound, "expired");
        assert!(s.delete("b", 8).unwrap());
        assert!(!s.delete("b", 8).unwrap());
        assert_eq!(s.sweep(200).unwrap(), 2);
        // The message's bytes were given back: a new message fits.
        s.create("d", 200, 300).unwrap();
        s.store_message("d", &session(), &[0; 100], 200).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
