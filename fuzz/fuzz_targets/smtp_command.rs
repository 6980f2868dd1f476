//! The inbound SMTP side on arbitrary bytes: the command parser must never panic, whatever it
//! accepts must be writable again without CR, LF or NUL, and the server connection (as the
//! inbound listener drives it: `on_bytes`, `next_action`, recipient checks) must stay within
//! its bounds.
#![no_main]

use inboxlens_core::smtp::command::Command;
use inboxlens_core::smtp::server::{Action, ServerConfig, ServerConnection};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for line in data.split(|b| *b == b'\n') {
        if let Ok(cmd) = Command::parse(line) {
            if let Ok(wire) = cmd.to_wire() {
                let body = &wire[..wire.len() - 2];
                assert!(!body.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
                // What the writer produces parses back to the same command.
                assert_eq!(Command::parse(&wire).ok(), Some(cmd));
            }
        }
    }
    let mut conn = ServerConnection::new(ServerConfig {
        hostname: "in.fuzz.test".into(),
        domains: vec!["fuzz.test".into()],
        starttls: true,
        max_recipients: 5,
        max_message_bytes: 4096,
        max_errors: 20,
        max_commands: 200,
        max_messages: 3,
        // The inbound listener's mode: the driver is asked about each recipient.
        verify_recipients: true,
    });
    for chunk in data.chunks(97) {
        conn.on_bytes(chunk);
        let mut n = 0;
        while let Some(action) = conn.next_action() {
            n += 1;
            assert!(n < 100_000);
            if let Action::CheckRecipient(rcpt) = action {
                // Answer as a store would: some addresses exist, some do not.
                let answer = conn.recipient_checked(rcpt.len() % 2 == 0);
                assert!(matches!(answer, Some(Action::Respond(_))));
            }
        }
    }
});
