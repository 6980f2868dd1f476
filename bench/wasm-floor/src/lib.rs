//! The web app's size floor (see `bench/wasm-floor.sh`): what mail-parser and mail-auth cost
//! in a `.wasm` on their own, with every verifier the app runs reachable, so none of it is
//! removed as dead code.

use mail_auth::{AuthenticatedMessage, MessageAuthenticator, Parameters, DmarcResult, dmarc::verify::DmarcParameters, spf::verify::SpfParameters};
use wasm_bindgen::prelude::*;

/// The floor: parse a message with mail-parser and run mail-auth's DKIM, ARC, SPF and DMARC
/// verification (DNS over mail-auth's own DoH), returning the verdicts as text.
#[wasm_bindgen]
pub async fn verify(raw: Vec<u8>, ip: String, helo: String, mail_from: String) -> String {
    let parsed = mail_parser::MessageParser::default().parse(&raw);
    let subject = parsed.as_ref().and_then(|m| m.subject()).unwrap_or("").to_string();
    let Some(msg) = AuthenticatedMessage::parse(&raw) else { return "unparseable".into() };
    let auth = MessageAuthenticator::new_doh("https://127.0.0.1/dns-query");
    let dkim = auth.verify_dkim(Parameters::new(&msg)).await;
    let arc = auth.verify_arc(Parameters::new(&msg)).await;
    let ipaddr = ip.parse().unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let spf = auth.verify_spf(Parameters::new(SpfParameters::mail_from(ipaddr, &helo, "mx.example", &mail_from))).await;
    let dmarc = auth.verify_dmarc(Parameters::new(DmarcParameters::new(&msg, &dkim, mail_from.rsplit('@').next().unwrap_or(""), &spf))).await;
    let pass = matches!(dmarc.dkim_result(), DmarcResult::Pass);
    format!("{subject} {:?} {:?} {:?} {:?} {pass}", dkim.iter().map(|d| d.result().clone()).collect::<Vec<_>>(), arc.result(), spf.result(), dmarc.policy())
}
