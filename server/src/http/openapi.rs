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
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Inboxlens companion server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Email deliverability analysis: message reports, domain checks, SMTP and DNSBL probes, MTA-STS fetches and a DoH endpoint. Errors are JSON {\"error\": \"...\"}. When the server has a token, send Authorization: Bearer <token>."
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
