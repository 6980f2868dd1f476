//! `GET /api/openapi.json`: a hand-written OpenAPI 3.1 description of the API.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

fn err_responses() -> Value {
    json!({
        "400": {"$ref": "#/components/responses/Error"},
        "401": {"$ref": "#/components/responses/Error"},
        "429": {"$ref": "#/components/responses/Error"},
        "503": {"$ref": "#/components/responses/Error"}
    })
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

/// The document.
pub(crate) fn document() -> Value {
    let mut doc = base_document();
    smtp_test(&mut doc);
    doc
}

/// `POST /api/smtp-test` (issue 12): its path and schemas.
fn smtp_test(doc: &mut Value) {
    let nullable_str = json!({"type": ["string", "null"]});
    let security = json!({"type": "string", "enum": ["implicit", "starttls", "none"]});
    let failure = json!({"type": ["string", "null"], "description": "The failure table's row (also the finding id after `submission.`): bad_credentials (535 5.7.8), app_password_required (534 5.7.9), smtp_auth_disabled (535 5.7.139), starttls_required (530 5.7.0), encryption_required (538 5.7.11), auth_temporary_failure (454 4.7.0), authentication_required, auth_refused, auth_not_offered_before_tls, auth_cleartext_accepted, auth_not_offered, starttls_not_offered, port25_blocked, connection_refused, connection_timeout, no_greeting, implicit_tls_on_starttls_port, starttls_on_implicit_port, tls_failed, cert_name_mismatch, cert_untrusted, sender_not_owned, send_refused."});
    let schemas = json!({
        "SmtpTestRequest": {"type": "object", "required": ["host"], "properties": {
            "host": {"type": "string", "description": "The submission server (name or IP)."},
            "port": {"oneOf": [{"type": "integer", "enum": [25, 465, 587, 2525]}, {"type": "string", "enum": ["auto"]}], "description": "Default auto: every port."},
            "security": {"type": "string", "enum": ["auto", "implicit", "starttls", "none"], "description": "Default auto: all three."},
            "user": {"type": "string", "description": "Log in with these credentials: on the best combination first, on the others only once accepted; sent only over TLS to a certificate naming the host; never logged or stored."},
            "password": {"type": "string", "format": "password"},
            "send_to": {"type": "string", "format": "email", "description": "Send a real test message through the authenticated session (needs user and password)."},
            "from": {"type": "string", "format": "email", "description": "Its sender (default: the user name)."}}},
        "SmtpTestLogin": {"type": "object", "properties": {
            "attempted": {"type": "boolean", "description": "Credentials were sent on this row."},
            "ok": {"type": "boolean"}, "mechanism": nullable_str,
            "code": {"type": ["integer", "null"], "description": "The final reply to AUTH (on a `none` row: to a bare AUTH without any secret)."},
            "enhanced_code": nullable_str, "reply": {"type": ["string", "null"], "description": "The exact reply, lines joined by \n."},
            "failure": failure, "explanation": nullable_str, "fix": nullable_str,
            "source": {"type": ["string", "null"], "description": "RFC section or provider document."}}},
        "SmtpTestResult": {"type": "object", "properties": {
            "port": {"type": "integer"}, "security": security,
            "connected": {"type": "boolean"}, "banner": nullable_str, "tls_version": nullable_str,
            "cert": {"type": ["object", "null"], "properties": {
                "trusted": {"type": "boolean"}, "hostname_match": {"type": "boolean"},
                "not_after": {"type": ["string", "null"], "format": "date-time"},
                "subject": {"type": "string"}, "sans": {"type": "array", "items": {"type": "string"}},
                "issuer": {"type": "string"}, "trust_error": nullable_str}},
            "auth_mechanisms": {"type": "array", "items": {"type": "string"}, "description": "Where a login happens: after STARTTLS, over implicit TLS, or in clear on a none row."},
            "auth_before_tls": {"type": "boolean"},
            "auth_mechanisms_before_tls": {"type": "array", "items": {"type": "string"}},
            "starttls_offered": {"type": "boolean"},
            "login": {"$ref": "#/components/schemas/SmtpTestLogin"},
            "usable": {"type": "boolean"},
            "failure": failure, "explanation": nullable_str, "fix": nullable_str, "source": nullable_str,
            "error": nullable_str, "elapsed_ms": {"type": "integer"},
            "transcript": {"type": "array", "items": {"type": "string"}, "description": "AUTH secrets redacted (AUTH PLAIN <redacted>)."}}},
        "SmtpTestReport": {"type": "object", "required": ["host", "results", "recommended", "findings"], "properties": {
            "host": {"type": "string"}, "ip": nullable_str,
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/SmtpTestResult"}, "description": "One row per port x security, in plan order."},
            "recommended": {"type": ["object", "null"], "properties": {
                "port": {"type": "integer"}, "security": security, "auth": {"type": "string", "enum": ["PLAIN", "LOGIN"]},
                "text": {"type": "string", "description": "e.g. port 587, STARTTLS, AUTH PLAIN"}}},
            "login_requested": {"type": "boolean"},
            "send": {"type": ["object", "null"], "properties": {
                "to": {"type": "string"}, "from": {"type": "string"}, "port": {"type": ["integer", "null"]},
                "attempted": {"type": "boolean"}, "accepted": {"type": "boolean"}, "code": {"type": ["integer", "null"]},
                "enhanced_code": nullable_str, "reply": nullable_str, "failure": failure, "explanation": nullable_str}},
            "findings": {"type": "array", "items": {"type": "object"}, "description": "Catalog findings submission.*, one per failure with every row as evidence."}}}
    });
    let path = json!({"post": {
        "summary": "Test SMTP submission settings: every port x security combination concurrently (connect, greeting, TLS and certificate, AUTH mechanisms before and after TLS), one login with the given credentials, an optional test send, each failure explained with its source, and the recommended setting. With credentials it costs one login from the client's and the server's login buckets (429 past them); on a non-loopback listener the server needs a token.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SmtpTestRequest"}}}},
        "responses": merge(json!({"200": {"description": "The matrix.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SmtpTestReport"}}}},
            "403": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}, "502": {"$ref": "#/components/responses/Error"}}), err_responses())}});
    if let Some(s) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut)
        && let Some(add) = schemas.as_object()
    {
        s.extend(add.clone());
    }
    if let Some(p) = doc.pointer_mut("/paths").and_then(Value::as_object_mut) {
        p.insert(super::smtp_test::PATH.to_string(), path);
    }
}

fn base_document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Inboxlens companion server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Email deliverability analysis: message reports, domain checks, SMTP and DNSBL probes, MTA-STS fetches, mailbox verification (one request or bulk jobs) and a DoH endpoint. Errors are JSON {\"error\": \"...\"}. When the server has a token, send Authorization: Bearer <token>."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "An error a person can read.",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "On 429 and 503."}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                }
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"}, "status": {"type": "integer"}, "retry_after": {"type": "integer"}}},
                "SmtpProbeRequest": {"type": "object", "properties": {
                    "domain": {"type": "string", "description": "Probe the MX hosts of this domain."},
                    "host": {"type": "string", "description": "Or this one host (name or IP)."},
                    "ports": {"type": "array", "items": {"type": "integer", "enum": [25, 465, 587, 2525]}},
                    "rcpt": {"type": "array", "items": {"type": "string", "format": "email"}, "description": "Mailbox check (RCPT TO, never DATA)."},
                    "open_relay": {"type": "boolean"},
                    "catch_all": {"type": "boolean"}}},
                "Cert": {"type": "object", "properties": {
                    "subject": {"type": "string"}, "sans": {"type": "array", "items": {"type": "string"}},
                    "issuer": {"type": "string"}, "not_after": {"type": ["string", "null"], "format": "date-time"},
                    "trusted": {"type": "boolean"}, "hostname_match": {"type": "boolean"}}},
                "Rcpt": {"type": "object", "properties": {
                    "address": {"type": "string"}, "code": {"type": "integer"},
                    "enhanced_code": {"type": ["string", "null"]}, "accepted": {"type": "boolean"},
                    "status": {"type": "string", "enum": ["accepted", "rejected", "greylisted"]}}},
                "SmtpResult": {"type": "object", "properties": {
                    "host": {"type": "string"}, "ip": {"type": "string"}, "port": {"type": "integer"},
                    "connected": {"type": "boolean"}, "banner": {"type": ["string", "null"]},
                    "starttls": {"type": "boolean"}, "tls_version": {"type": ["string", "null"]},
                    "cert": {"oneOf": [{"$ref": "#/components/schemas/Cert"}, {"type": "null"}]},
                    "rcpt": {"type": "array", "items": {"$ref": "#/components/schemas/Rcpt"}},
                    "catch_all": {"type": ["boolean", "null"]},
                    "verdict": {"type": "string", "enum": ["ok", "fail", "inconclusive"]},
                    "transcript": {"type": "array", "items": {"type": "string"}}}},
                "SmtpProbeReport": {"type": "object", "properties": {
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/SmtpResult"}},
                    "skipped": {"type": "array", "items": {"type": "object"}},
                    "verdict": {"type": "string", "enum": ["ok", "fail", "inconclusive"]}}},
                "VerifyRequest": {"type": "object", "required": ["addresses"], "properties": {
                    "addresses": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string"}}}},
                "VerifyResult": {"type": "object", "description": "One address's result (the contract of `inboxlens verify --jsonl`).", "properties": {
                    "address": {"type": "string", "description": "As given (trimmed)."},
                    "normalized": {"type": ["string", "null"]},
                    "verdict": {"type": "string", "enum": ["deliverable", "undeliverable", "risky", "unknown"]},
                    "reason": {"type": "string", "enum": ["mailbox_exists", "mailbox_not_found", "mailbox_full", "mailbox_disabled", "catch_all", "disposable", "role", "no_mail_domain", "syntax", "greylisted", "blocked", "rate_limited", "tls_required", "timeout", "smtp_error", "smtputf8_unsupported", "mailbox_not_checked"]},
                    "detail": {"type": "string"},
                    "mx": {"type": ["string", "null"]},
                    "smtp": {"type": ["object", "null"], "properties": {
                        "code": {"type": "integer"}, "enhanced_code": {"type": ["string", "null"]}, "reply": {"type": "string"}}},
                    "catch_all": {"type": ["boolean", "null"]},
                    "disposable": {"type": "boolean"}, "role": {"type": "boolean"}, "free": {"type": "boolean"},
                    "attempts": {"type": "integer"}, "duration_ms": {"type": "integer"}}},
                "VerifyResponse": {"type": "object", "properties": {
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/VerifyResult"}, "description": "One per address, in the order given."},
                    "smtp": {"type": "boolean", "description": "Whether the mailboxes were asked over SMTP."}}},
                "VerifyJob": {"type": "object", "required": ["id", "state", "total", "done", "counts", "reasons", "error"], "properties": {
                    "id": {"type": "string", "description": "128 random bits, hex."},
                    "state": {"type": "string", "enum": ["queued", "running", "done", "cancelled", "failed"]},
                    "total": {"type": "integer", "description": "Rows in the list."},
                    "done": {"type": "integer", "description": "Rows with a final result."},
                    "counts": {"type": "object", "properties": {
                        "deliverable": {"type": "integer"}, "undeliverable": {"type": "integer"},
                        "risky": {"type": "integer"}, "unknown": {"type": "integer"}}},
                    "reasons": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "Finished rows per reason id."},
                    "error": {"type": ["string", "null"]},
                    "format": {"type": "string", "enum": ["csv", "txt"]},
                    "created_at": {"type": "integer", "description": "Unix seconds."},
                    "started_at": {"type": ["integer", "null"]},
                    "finished_at": {"type": ["integer", "null"]},
                    "expires_at": {"type": ["integer", "null"], "description": "When the finished job and its result are dropped."},
                    "links": {"type": "object", "properties": {
                        "status": {"type": "string"}, "events": {"type": "string"}, "result": {"type": "string"}}}}},
                "DnsblReport": {"type": "object", "properties": {
                    "query": {"type": "string"},
                    "lists": {"type": "array", "items": {"type": "object", "properties": {
                        "zone": {"type": "string"},
                        "status": {"type": "string", "enum": ["listed", "not_listed", "unknown"]},
                        "codes": {"type": "array", "items": {"type": "string"}},
                        "txt": {"type": "array", "items": {"type": "string"}}}}}}}
            }
        },
        "security": [{"bearer": []}, {}],
        "paths": {
            "/api/analyze": {"post": {
                "summary": "Analyze a raw message (RFC 5322, headers included).",
                "parameters": [{"name": "now", "in": "query", "schema": {"type": "integer"}, "description": "Judge as of this unix time."}],
                "requestBody": {"required": true, "content": {"message/rfc822": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}}},
                "responses": merge(json!({"200": {"description": "The message report (see the README for the schema)."},
                    "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/domain/{domain}": {"get": {
                "summary": "Check a domain's email DNS. With Accept: text/event-stream, each section is an SSE event as it completes.",
                "parameters": [
                    {"name": "domain", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "selector", "in": "query", "schema": {"type": "string"}, "description": "DKIM selectors, comma-separated."}],
                "responses": merge(json!({"200": {"description": "The domain report.", "content": {"application/json": {}, "text/event-stream": {}}}}), err_responses())}},
            "/api/probe/smtp": {"post": {
                "summary": "Probe the MX hosts of a domain (or one host): connect, banner, EHLO, STARTTLS, certificate, DANE, optional RCPT checks.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SmtpProbeRequest"}}}},
                "responses": merge(json!({"200": {"description": "Results.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SmtpProbeReport"}}}},
                    "403": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}, "502": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/dnsbl/{query}": {"get": {
                "summary": "Look an IP address or a domain up on the configured DNS blocklists.",
                "parameters": [{"name": "query", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "Per-list status.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DnsblReport"}}}}}), err_responses())}},
            "/api/explain-bounce": {"post": {
                "summary": "Explain a bounce (RFC 3464 DSN) or a pasted SMTP reply.",
                "requestBody": {"required": true, "content": {"text/plain": {"schema": {"type": "string"}}}},
                "responses": merge(json!({"200": {"description": "The explanation."}, "422": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/mta-sts/{domain}": {"get": {
                "summary": "Fetch https://mta-sts.<domain>/.well-known/mta-sts.txt for the browser.",
                "parameters": [{"name": "domain", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "The policy text and fields, or the fetch error."}}), err_responses())}},
            "/api/verify": {"post": {
                "summary": "Verify 1 to 100 mailboxes (syntax, MX, SMTP RCPT TO without DATA; catch-all, role, free and disposable flags). Costs 1 + limits.verify_address_cost per address API tokens; addresses without an answer within verify.request_timeout_ms are unknown/timeout.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerifyRequest"}}}},
                "responses": merge(json!({"200": {"description": "One result per address, in input order.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerifyResponse"}}}},
                    "415": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/verify/jobs": {"post": {
                "summary": "Verify a whole list in the background: a CSV (with a header row; every row comes back byte for byte with verdict,reason,detail,mx,catch_all,disposable,role,free added) or a text list (one address per line).",
                "parameters": [
                    {"name": "column", "in": "query", "schema": {"type": "string"}, "description": "The CSV column holding the address (default: a column named email / e-mail / mail / address, or the only column)."},
                    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "txt", "auto"]}, "description": "Default: csv for text/csv, else sniffed from the first line."}],
                "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}}},
                "responses": merge(json!({"202": {"description": "Queued; Location names the job.", "headers": {"Location": {"schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerifyJob"}}}},
                    "403": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/verify/jobs/{id}": {
                "get": {"summary": "A job's status and counts.",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": merge(json!({"200": {"description": "The status.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerifyJob"}}}},
                        "404": {"$ref": "#/components/responses/Error"}}), err_responses())},
                "delete": {"summary": "Stop (if running) and delete a job with its result.",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": merge(json!({"204": {"description": "Deleted."}, "404": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/verify/jobs/{id}/events": {"get": {
                "summary": "Server-sent events: `progress` (the status, first at once, then at most twice a second while it changes) and a last `done` (state done or failed); the stream then ends.",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "SSE; each event's data is a VerifyJob.", "content": {"text/event-stream": {}}},
                    "404": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/verify/jobs/{id}/result.csv": {"get": {
                "summary": "The cleaned CSV: every input row in input order with its original bytes, plus verdict,reason,detail,mx,catch_all,disposable,role,free.",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "The CSV.", "content": {"text/csv": {}}},
                    "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/inbound": {"get": {
                "summary": "A fresh inbound test address (send a message to it; needs serve --smtp-listen and --inbound-domain). Answers {token, address, expires_at (unix seconds)}.",
                "responses": merge(json!({"200": {"description": "The address.", "content": {"application/json": {"schema": {"type": "object",
                    "required": ["token", "address", "expires_at"],
                    "properties": {"token": {"type": "string"}, "address": {"type": "string", "format": "email"}, "expires_at": {"type": "integer"}}}}}},
                    "404": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/inbound/{token}": {
                "get": {"summary": "The test message's report: 202 {\"status\":\"waiting\"} until a message arrived and was analyzed, then the analyze --json report plus inbound {client_ip, client_ptr, helo, mail_from, rcpt, tls_version, tls_cipher, received_at}, blocklists[] and domain_check; 422 {error, inbound} when the message was not an email; 404 for an unknown or expired token.",
                    "parameters": [{"name": "token", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": merge(json!({"200": {"description": "The report.", "content": {"application/json": {}}},
                        "202": {"description": "Waiting for the message (received: a message arrived and is being analyzed)."},
                        "404": {"$ref": "#/components/responses/Error"}, "422": {"description": "Not an email: {error, inbound}."}}), err_responses())},
                "delete": {"summary": "Delete the address, its raw message and its report.",
                    "parameters": [{"name": "token", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": merge(json!({"204": {"description": "Deleted."}, "404": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/inbound/{token}/events": {"get": {
                "summary": "Server-sent events: `waiting` ({status, received}; again when the message arrives), then `report` (the report JSON) or `failed` ({error, inbound}), or `gone` (expired or deleted); the stream then ends.",
                "parameters": [{"name": "token", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "SSE.", "content": {"text/event-stream": {}}},
                    "404": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/api/capabilities": {"get": {"summary": "What this server offers (the web app detects the companion with it).", "security": [],
                "responses": {"200": {"description": "Capabilities."}}}},
            "/dns-query": {
                "get": {"summary": "DoH (RFC 8484), GET form.", "parameters": [{"name": "dns", "in": "query", "required": true, "schema": {"type": "string"}, "description": "base64url wire query"}],
                    "responses": merge(json!({"200": {"description": "Wire answer.", "content": {"application/dns-message": {}}}, "502": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}), err_responses())},
                "post": {"summary": "DoH (RFC 8484), POST form.", "requestBody": {"required": true, "content": {"application/dns-message": {}}},
                    "responses": merge(json!({"200": {"description": "Wire answer.", "content": {"application/dns-message": {}}}, "415": {"$ref": "#/components/responses/Error"}}), err_responses())}},
            "/healthz": {"get": {"summary": "Liveness.", "security": [], "responses": {"200": {"description": "ok"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics.", "security": [], "responses": {"200": {"description": "text/plain; version=0.0.4"}}}}
        }
    })
}

/// The handler.
pub(crate) async fn openapi() -> Response {
    Json(document()).into_response()
}
