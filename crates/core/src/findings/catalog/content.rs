//! Catalog entries: content — header sanity (`headers.*`), List-Unsubscribe
//! (`unsubscribe.*`), body and MIME (`body.*`) and the bulk-sender checklist (`bulk.*`).

crate::findings! {
    // ------------------------------------------------------------------ headers
    /// `headers.none`: Every message needs at least From and Date fields (RFC 5322 §3.6: the origination date and
    /// originator fields are required).
    HEADERS_NONE = {
        id: "headers.none", severity: Error, area: Headers,
        title: "The message has no header fields",
        explanation: "Every message needs at least From and Date fields (RFC 5322 §3.6: the origination date and originator fields are required). Input without a header block is either not an email or was truncated before the headers.",
        fix: "Paste or upload the complete raw message (in Gmail: \"Show original\" > \"Download original\"), starting with the first header line.",
        reference: "RFC 5322 §3.6",
    },
    /// `headers.line_too_long`: RFC 5322 §2.1.1: each line MUST be no more than 998 characters, excluding the CRLF.
    HEADERS_LINE_TOO_LONG = {
        id: "headers.line_too_long", severity: Warning, area: Headers,
        title: "A header line is longer than 998 characters",
        explanation: "RFC 5322 §2.1.1: each line MUST be no more than 998 characters, excluding the CRLF. Longer lines are rejected or broken by some MTAs, which also breaks DKIM signatures that cover the field.",
        fix: "Fold long header fields: insert CRLF followed by a space or tab between tokens (RFC 5322 §2.2.3), e.g. \"To: a@example.com,\\r\\n b@example.com\".",
        reference: "RFC 5322 §2.1.1",
    },
    /// `headers.raw_8bit`: Header fields must be 7-bit ASCII unless the message travelled with the SMTPUTF8
    /// extension (RFC 6532 §3, RFC 6531 §3.1).
    HEADERS_RAW_8BIT = {
        id: "headers.raw_8bit", severity: Warning, area: Headers,
        title: "Raw 8-bit bytes in the header without SMTPUTF8",
        explanation: "Header fields must be 7-bit ASCII unless the message travelled with the SMTPUTF8 extension (RFC 6532 §3, RFC 6531 §3.1). Raw UTF-8 or Latin-1 in Subject or display names without it is mangled by receivers and is a spam signal.",
        fix: "Encode non-ASCII header text as RFC 2047 encoded-words, e.g. \"Subject: =?UTF-8?B?R3LDvMOfZQ==?=\", or send with SMTPUTF8 end to end.",
        reference: "RFC 6532 §3; RFC 2047 §2",
    },
    /// `headers.duplicate_singleton`: RFC 5322 §3.6 limits Date, From, Sender, Reply-To, To, Cc, Bcc, Message-ID,
    /// In-Reply-To, References and Subject to one occurrence.
    HEADERS_DUPLICATE_SINGLETON = {
        id: "headers.duplicate_singleton", severity: Error, area: Headers,
        title: "A field that may appear once appears several times",
        explanation: "RFC 5322 §3.6 limits Date, From, Sender, Reply-To, To, Cc, Bcc, Message-ID, In-Reply-To, References and Subject to one occurrence. Gmail rejects such messages as not RFC 5322 compliant, and duplicated fields are a known DKIM/DMARC spoofing trick.",
        fix: "Make the sending application write each of these fields once; merge recipients into a single To: and a single Cc: field.",
        reference: "RFC 5322 §3.6",
    },
    /// `headers.from_missing`: From is required (RFC 5322 §3.6: min 1, max 1).
    HEADERS_FROM_MISSING = {
        id: "headers.from_missing", severity: Error, area: Headers,
        title: "No From field",
        explanation: "From is required (RFC 5322 §3.6: min 1, max 1). DMARC cannot be evaluated without it (RFC 7489 §6.6.1) and Gmail rejects the message.",
        fix: "Add a From field with your sending address, e.g. \"From: Example Shop <news@example.com>\".",
        reference: "RFC 5322 §3.6; RFC 7489 §6.6.1",
    },
    /// `headers.from_multiple`: RFC 5322 §3.6 allows exactly one From field.
    HEADERS_FROM_MULTIPLE = {
        id: "headers.from_multiple", severity: Error, area: Headers,
        title: "More than one From field",
        explanation: "RFC 5322 §3.6 allows exactly one From field. With several, receivers cannot tell which author DMARC protects; RFC 7489 §6.6.1 lets them reject the message, and Gmail does.",
        fix: "Send exactly one \"From:\" line, e.g. \"From: Example Shop <news@example.com>\".",
        reference: "RFC 5322 §3.6; RFC 7489 §6.6.1",
    },
    /// `headers.from_invalid`: From must hold a mailbox (local-part@domain, RFC 5322 §3.4 and §3.6.2).
    HEADERS_FROM_INVALID = {
        id: "headers.from_invalid", severity: Error, area: Headers,
        title: "From has no valid address",
        explanation: "From must hold a mailbox (local-part@domain, RFC 5322 §3.4 and §3.6.2). Without a domain, DMARC has no identifier to check and receivers treat the mail as forged.",
        fix: "Write a full address: \"From: Display Name <user@example.com>\".",
        reference: "RFC 5322 §3.4, §3.6.2",
    },
    /// `headers.from_multiple_mailboxes`: If From holds more than one mailbox, a Sender field with the single
    /// actual sender MUST be present (RFC 5322 §3.6.2).
    HEADERS_FROM_MULTIPLE_MAILBOXES = {
        id: "headers.from_multiple_mailboxes", severity: Error, area: Headers,
        title: "From lists several mailboxes but there is no Sender",
        explanation: "If From holds more than one mailbox, a Sender field with the single actual sender MUST be present (RFC 5322 §3.6.2). DMARC receivers may reject multi-author From fields (RFC 7489 §6.6.1).",
        fix: "Use one mailbox in From, or add \"Sender: news@example.com\" naming the one mailbox that sent it.",
        reference: "RFC 5322 §3.6.2",
    },
    /// `headers.sender_invalid`: Sender is a single mailbox (RFC 5322 §3.6.2: sender = "Sender:" mailbox CRLF).
    HEADERS_SENDER_INVALID = {
        id: "headers.sender_invalid", severity: Warning, area: Headers,
        title: "Sender does not hold exactly one mailbox",
        explanation: "Sender is a single mailbox (RFC 5322 §3.6.2: sender = \"Sender:\" mailbox CRLF). An empty, grouped or multi-address Sender is malformed.",
        fix: "Write exactly one address: \"Sender: news@example.com\", or remove the field.",
        reference: "RFC 5322 §3.6.2",
    },
    /// `headers.reply_to_domain_differs`: Reply-To (RFC 5322 §3.6.2) pointing to an unrelated domain is normal for
    /// help desks and some ESPs, but it is also the core of reply-chain phishing and BEC, so filters weigh it.
    HEADERS_REPLY_TO_DOMAIN_DIFFERS = {
        id: "headers.reply_to_domain_differs", severity: Info, area: Headers,
        title: "Replies go to a different domain than the From domain",
        explanation: "Reply-To (RFC 5322 §3.6.2) pointing to an unrelated domain is normal for help desks and some ESPs, but it is also the core of reply-chain phishing and BEC, so filters weigh it. The comparison uses the organizational domain (approximate, no public suffix list).",
        fix: "Use a Reply-To address under your own domain (e.g. \"Reply-To: support@example.com\") unless the other domain is intended.",
        reference: "RFC 5322 §3.6.2",
    },
    /// `headers.date_missing`: The origination date is required (RFC 5322 §3.6: Date min 1, max 1; §3.6.1).
    HEADERS_DATE_MISSING = {
        id: "headers.date_missing", severity: Error, area: Headers,
        title: "No Date field",
        explanation: "The origination date is required (RFC 5322 §3.6: Date min 1, max 1; §3.6.1). Some MTAs add one on submission, but a missing Date is a spam signal and fails Gmail's RFC 5322 requirement.",
        fix: "Have the sending software add \"Date: Tue, 14 Nov 2023 22:00:00 +0000\" (RFC 5322 §3.3 format) at submission time.",
        reference: "RFC 5322 §3.6, §3.6.1",
    },
    /// `headers.date_invalid`: Date must follow the date-time syntax of RFC 5322 §3.3 (e.g. "Tue, 14 Nov 2023
    /// 22:00:00 +0000").
    HEADERS_DATE_INVALID = {
        id: "headers.date_invalid", severity: Warning, area: Headers,
        title: "The Date field does not parse",
        explanation: "Date must follow the date-time syntax of RFC 5322 §3.3 (e.g. \"Tue, 14 Nov 2023 22:00:00 +0000\"). Unparseable dates sort wrongly in mailboxes and score as spam.",
        fix: "Format the date per RFC 5322 §3.3: \"Date: Tue, 14 Nov 2023 22:00:00 +0000\" (day-name optional, numeric zone).",
        reference: "RFC 5322 §3.3, §3.6.1",
    },
    /// `headers.date_future`: The Date is the time the message was ready for delivery (RFC 5322 §3.6.1).
    HEADERS_DATE_FUTURE = {
        id: "headers.date_future", severity: Warning, area: Headers,
        title: "The Date is in the future",
        explanation: "The Date is the time the message was ready for delivery (RFC 5322 §3.6.1). A Date more than 15 minutes ahead points to a wrong clock or time zone on the sending host, and future-dated mail is a classic spam heuristic (SpamAssassin DATE_IN_FUTURE_*).",
        fix: "Synchronize the sending host's clock with NTP and write the zone offset correctly (\"+0000\" for UTC).",
        reference: "RFC 5322 §3.6.1",
    },
    /// `headers.date_old`: The Date (RFC 5322 §3.6.1) is more than 30 days before the analysis time.
    HEADERS_DATE_OLD = {
        id: "headers.date_old", severity: Info, area: Headers,
        title: "The Date is long before the analysis time",
        explanation: "The Date (RFC 5322 §3.6.1) is more than 30 days before the analysis time. That is expected for an old message; for a fresh one it means a wrong sender clock (SpamAssassin DATE_IN_PAST_*). DKIM keys may also have rotated since.",
        fix: "If the message is new, fix the sending host's clock (NTP) and time zone; if it is old, analyze with --now received.",
        reference: "RFC 5322 §3.6.1",
    },
    /// `headers.message_id_missing`: Every message SHOULD have a Message-ID (RFC 5322 §3.6.4).
    HEADERS_MESSAGE_ID_MISSING = {
        id: "headers.message_id_missing", severity: Error, area: Headers,
        title: "No Message-ID",
        explanation: "Every message SHOULD have a Message-ID (RFC 5322 §3.6.4). Gmail rejects messages without a valid Message-ID (550 5.7.1 ... missing a valid Message-ID header), and it is part of Gmail's and Yahoo's RFC 5322 requirement for bulk senders.",
        fix: "Generate one per message at submission: \"Message-ID: <unique-random-id@mail.example.com>\", with your own domain on the right.",
        reference: "RFC 5322 §3.6.4; Google Email sender guidelines",
    },
    /// `headers.message_id_malformed`: A msg-id is "<" id-left "@" id-right ">" with dot-atom parts and no spaces
    /// (RFC 5322 §3.6.4).
    HEADERS_MESSAGE_ID_MALFORMED = {
        id: "headers.message_id_malformed", severity: Warning, area: Headers,
        title: "Message-ID is malformed",
        explanation: "A msg-id is \"<\" id-left \"@\" id-right \">\" with dot-atom parts and no spaces (RFC 5322 §3.6.4). Malformed IDs break threading and Gmail may reject them as invalid.",
        fix: "Generate \"Message-ID: <unique-random-id@mail.example.com>\": angle brackets, one @, no spaces.",
        reference: "RFC 5322 §3.6.4",
    },
    /// `headers.mime_version_missing`: A message that uses Content-Type or Content-Transfer-Encoding MUST carry
    /// "MIME-Version: 1.0" (RFC 2045 §4); without it receivers may treat the body as plain text and spam filters
    /// (MISSING_MIME_VER) score it.
    HEADERS_MIME_VERSION_MISSING = {
        id: "headers.mime_version_missing", severity: Warning, area: Headers,
        title: "MIME content without MIME-Version",
        explanation: "A message that uses Content-Type or Content-Transfer-Encoding MUST carry \"MIME-Version: 1.0\" (RFC 2045 §4); without it receivers may treat the body as plain text and spam filters (MISSING_MIME_VER) score it.",
        fix: "Add the header line \"MIME-Version: 1.0\".",
        reference: "RFC 2045 §4",
    },
    /// `headers.mime_version_invalid`: The only defined MIME version is 1.0 (RFC 2045 §4); any other value is
    /// malformed.
    HEADERS_MIME_VERSION_INVALID = {
        id: "headers.mime_version_invalid", severity: Warning, area: Headers,
        title: "MIME-Version is not 1.0",
        explanation: "The only defined MIME version is 1.0 (RFC 2045 §4); any other value is malformed.",
        fix: "Write exactly \"MIME-Version: 1.0\".",
        reference: "RFC 2045 §4",
    },
    /// `headers.subject_missing`: Subject is optional in RFC 5322 §3.6.5, but messages without one are a common
    /// spam signal (SpamAssassin MISSING_SUBJECT) and look broken to recipients.
    HEADERS_SUBJECT_MISSING = {
        id: "headers.subject_missing", severity: Warning, area: Headers,
        title: "No Subject",
        explanation: "Subject is optional in RFC 5322 §3.6.5, but messages without one are a common spam signal (SpamAssassin MISSING_SUBJECT) and look broken to recipients.",
        fix: "Add a short descriptive subject: \"Subject: Your November invoice\".",
        reference: "RFC 5322 §3.6.5",
    },
    /// `headers.subject_empty`: An empty Subject (RFC 5322 §3.6.5) is scored by spam filters (SpamAssassin
    /// EMPTY_SUBJECT) and hurts engagement.
    HEADERS_SUBJECT_EMPTY = {
        id: "headers.subject_empty", severity: Warning, area: Headers,
        title: "The Subject is empty",
        explanation: "An empty Subject (RFC 5322 §3.6.5) is scored by spam filters (SpamAssassin EMPTY_SUBJECT) and hurts engagement.",
        fix: "Write a short descriptive subject: \"Subject: Your November invoice\".",
        reference: "RFC 5322 §3.6.5",
    },
    /// `headers.subject_all_caps`: An all-caps subject is a classic spam heuristic (SpamAssassin SUBJ_ALL_CAPS) and
    /// reads as shouting; RFC 5322 §3.6.5 leaves the text free, so this is a content-filter concern only.
    HEADERS_SUBJECT_ALL_CAPS = {
        id: "headers.subject_all_caps", severity: Info, area: Headers,
        title: "The Subject is all capitals",
        explanation: "An all-caps subject is a classic spam heuristic (SpamAssassin SUBJ_ALL_CAPS) and reads as shouting; RFC 5322 §3.6.5 leaves the text free, so this is a content-filter concern only.",
        fix: "Write the subject in sentence case.",
        reference: "RFC 5322 §3.6.5; SpamAssassin SUBJ_ALL_CAPS",
    },
    // -------------------------------------------------------------- unsubscribe
    /// `unsubscribe.missing`: Personal mail does not need one, but Gmail and Yahoo (2024) and Microsoft (2025)
    /// require bulk and marketing mail to carry List-Unsubscribe (RFC 2369 §3.2) with one-click unsubscribe (RFC
    /// 8058).
    UNSUBSCRIBE_MISSING = {
        id: "unsubscribe.missing", severity: Info, area: Unsubscribe,
        title: "No List-Unsubscribe header",
        explanation: "Personal mail does not need one, but Gmail and Yahoo (2024) and Microsoft (2025) require bulk and marketing mail to carry List-Unsubscribe (RFC 2369 §3.2) with one-click unsubscribe (RFC 8058). Without it recipients press \"Report spam\" instead.",
        fix: "For marketing mail add both lines and sign them with DKIM: \"List-Unsubscribe: <https://example.com/unsubscribe/OPAQUE-TOKEN>, <mailto:unsubscribe@example.com?subject=unsubscribe>\" and \"List-Unsubscribe-Post: List-Unsubscribe=One-Click\".",
        reference: "RFC 2369 §3.2; RFC 8058 §3.1",
    },
    /// `unsubscribe.malformed`: RFC 2369 §2 requires each URI to be enclosed in angle brackets (<...>); receivers
    /// ignore a bare URL, so no unsubscribe button is shown.
    UNSUBSCRIBE_MALFORMED = {
        id: "unsubscribe.malformed", severity: Error, area: Unsubscribe,
        title: "List-Unsubscribe holds no URI in angle brackets",
        explanation: "RFC 2369 §2 requires each URI to be enclosed in angle brackets (<...>); receivers ignore a bare URL, so no unsubscribe button is shown.",
        fix: "Write \"List-Unsubscribe: <https://example.com/unsubscribe/OPAQUE-TOKEN>, <mailto:unsubscribe@example.com>\".",
        reference: "RFC 2369 §2, §3.2",
    },
    /// `unsubscribe.http`: RFC 8058 §3.1 requires an HTTPS URI for one-click unsubscribe; mailbox providers do not
    /// POST to plain http, and the token travels unencrypted.
    UNSUBSCRIBE_HTTP = {
        id: "unsubscribe.http", severity: Warning, area: Unsubscribe,
        title: "Unsubscribe URI uses plain http",
        explanation: "RFC 8058 §3.1 requires an HTTPS URI for one-click unsubscribe; mailbox providers do not POST to plain http, and the token travels unencrypted.",
        fix: "Serve the unsubscribe endpoint over TLS and write \"List-Unsubscribe: <https://example.com/unsubscribe/OPAQUE-TOKEN>\".",
        reference: "RFC 8058 §3.1",
    },
    /// `unsubscribe.no_https`: One-click unsubscribe needs an https URI that the mailbox provider can POST to (RFC
    /// 8058 §3.1).
    UNSUBSCRIBE_NO_HTTPS = {
        id: "unsubscribe.no_https", severity: Warning, area: Unsubscribe,
        title: "No https: unsubscribe URI (one-click impossible)",
        explanation: "One-click unsubscribe needs an https URI that the mailbox provider can POST to (RFC 8058 §3.1). A mailto-only header satisfies RFC 2369 but not the Gmail/Yahoo 2024 bulk-sender requirement.",
        fix: "Add an https URI next to the mailto: \"List-Unsubscribe: <https://example.com/unsubscribe/OPAQUE-TOKEN>, <mailto:unsubscribe@example.com>\" and \"List-Unsubscribe-Post: List-Unsubscribe=One-Click\".",
        reference: "RFC 8058 §3.1; Google Email sender guidelines",
    },
    /// `unsubscribe.post_missing`: Without "List-Unsubscribe-Post: List-Unsubscribe=One-Click" the https URI is
    /// only a web page to visit, not a one-click unsubscribe (RFC 8058 §3.1); Gmail and Yahoo require one-click for
    /// bulk mail.
    UNSUBSCRIBE_POST_MISSING = {
        id: "unsubscribe.post_missing", severity: Warning, area: Unsubscribe,
        title: "List-Unsubscribe-Post is missing",
        explanation: "Without \"List-Unsubscribe-Post: List-Unsubscribe=One-Click\" the https URI is only a web page to visit, not a one-click unsubscribe (RFC 8058 §3.1); Gmail and Yahoo require one-click for bulk mail.",
        fix: "Add the header line \"List-Unsubscribe-Post: List-Unsubscribe=One-Click\", have the https endpoint unsubscribe on a POST without further interaction, and include both fields in DKIM h=.",
        reference: "RFC 8058 §3.1",
    },
    /// `unsubscribe.post_invalid`: RFC 8058 §3.1: the List-Unsubscribe-Post field MUST contain the single key/value
    /// pair "List-Unsubscribe=One-Click" exactly; any other value disables one-click.
    UNSUBSCRIBE_POST_INVALID = {
        id: "unsubscribe.post_invalid", severity: Error, area: Unsubscribe,
        title: "List-Unsubscribe-Post has the wrong value",
        explanation: "RFC 8058 §3.1: the List-Unsubscribe-Post field MUST contain the single key/value pair \"List-Unsubscribe=One-Click\" exactly; any other value disables one-click.",
        fix: "Write exactly \"List-Unsubscribe-Post: List-Unsubscribe=One-Click\".",
        reference: "RFC 8058 §3.1",
    },
    /// `unsubscribe.post_without_uri`: The Post field only says how to use the https URI of List-Unsubscribe (RFC
    /// 8058 §3.1); without such a URI it does nothing.
    UNSUBSCRIBE_POST_WITHOUT_URI = {
        id: "unsubscribe.post_without_uri", severity: Warning, area: Unsubscribe,
        title: "List-Unsubscribe-Post without an https List-Unsubscribe URI",
        explanation: "The Post field only says how to use the https URI of List-Unsubscribe (RFC 8058 §3.1); without such a URI it does nothing.",
        fix: "Add \"List-Unsubscribe: <https://example.com/unsubscribe/OPAQUE-TOKEN>\" next to the Post field.",
        reference: "RFC 8058 §3.1",
    },
    /// `unsubscribe.not_dkim_covered`: RFC 8058 §4: the message needs a valid DKIM signature whose h= tag includes
    /// both List-Unsubscribe and List-Unsubscribe-Post, so nobody can inject a URI; receivers ignore one-click
    /// otherwise.
    UNSUBSCRIBE_NOT_DKIM_COVERED = {
        id: "unsubscribe.not_dkim_covered", severity: Warning, area: Unsubscribe,
        title: "No passing DKIM signature covers both unsubscribe fields",
        explanation: "RFC 8058 §4: the message needs a valid DKIM signature whose h= tag includes both List-Unsubscribe and List-Unsubscribe-Post, so nobody can inject a URI; receivers ignore one-click otherwise.",
        fix: "Add both fields to the signer's header list, e.g. \"h=from:to:subject:date:message-id:list-unsubscribe:list-unsubscribe-post\", and make sure that signature passes.",
        reference: "RFC 8058 §4",
    },
    // --------------------------------------------------------------------- body
    /// `body.mime_too_deep`: RFC 2046 §5.1 allows nesting but real mail rarely goes beyond 5 levels; very deep or
    /// huge structures are used to evade scanners and are cut by parsers (the analysis stopped at its limit).
    BODY_MIME_TOO_DEEP = {
        id: "body.mime_too_deep", severity: Warning, area: Body,
        title: "MIME structure is unusually deep or large",
        explanation: "RFC 2046 §5.1 allows nesting but real mail rarely goes beyond 5 levels; very deep or huge structures are used to evade scanners and are cut by parsers (the analysis stopped at its limit).",
        fix: "Generate a flat structure: multipart/mixed > multipart/alternative (text/plain + text/html) > attachments.",
        reference: "RFC 2046 §5.1",
    },
    /// `body.mime_damaged`: Parts lack their boundary delimiter, their blank line after the headers, or the closing
    /// delimiter (RFC 2046 §5.1.1).
    BODY_MIME_DAMAGED = {
        id: "body.mime_damaged", severity: Warning, area: Body,
        title: "Damaged MIME structure",
        explanation: "Parts lack their boundary delimiter, their blank line after the headers, or the closing delimiter (RFC 2046 §5.1.1). Receivers parse such mail differently, which filters treat as evasion.",
        fix: "Fix the generator so every part starts with \"--boundary\", has a blank line after its headers, and the multipart ends with \"--boundary--\".",
        reference: "RFC 2046 §5.1.1",
    },
    /// `body.empty`: The message has no text or HTML content to show.
    BODY_EMPTY = {
        id: "body.empty", severity: Warning, area: Body,
        title: "No readable body",
        explanation: "The message has no text or HTML content to show. Empty messages are a spam and phishing signal and give filters nothing to classify (M3AAWG Sender Best Common Practices).",
        fix: "Send real content in a text/plain part (plus a text/html alternative).",
        reference: "RFC 2046 §4.1; M3AAWG Sender BCP",
    },
    /// `body.html_only`: An HTML-only body scores as spam (SpamAssassin MIME_HTML_ONLY) and is unreadable in text
    /// clients.
    BODY_HTML_ONLY = {
        id: "body.html_only", severity: Warning, area: Body,
        title: "HTML without a plain-text alternative",
        explanation: "An HTML-only body scores as spam (SpamAssassin MIME_HTML_ONLY) and is unreadable in text clients. RFC 2046 §5.1.4 multipart/alternative lets you send both versions.",
        fix: "Send \"Content-Type: multipart/alternative; boundary=...\" with a text/plain part first and the text/html part last.",
        reference: "RFC 2046 §5.1.4",
    },
    /// `body.gmail_clip`: Gmail truncates messages whose HTML exceeds about 102 KB and shows "[Message clipped]
    /// View entire message"; the unsubscribe link and open-tracking pixel at the bottom are then hidden (Google
    /// Workspace / Gmail Help).
    BODY_GMAIL_CLIP = {
        id: "body.gmail_clip", severity: Warning, area: Body,
        title: "HTML over 102 KB: Gmail will clip it",
        explanation: "Gmail truncates messages whose HTML exceeds about 102 KB and shows \"[Message clipped] View entire message\"; the unsubscribe link and open-tracking pixel at the bottom are then hidden (Google Workspace / Gmail Help).",
        fix: "Shrink the HTML below 100 KB: inline less CSS, remove comments and whitespace, host images instead of embedding data: URIs.",
        reference: "Gmail Help: message clipped at 102 KB",
    },
    /// `body.too_large`: Receivers announce a maximum size with the SMTP SIZE extension (RFC 1870); Outlook.com
    /// accepts about 20 MB, Gmail and Yahoo 25 MB including encoding overhead (base64 adds 33%).
    BODY_TOO_LARGE = {
        id: "body.too_large", severity: Warning, area: Body,
        title: "The message is very large",
        explanation: "Receivers announce a maximum size with the SMTP SIZE extension (RFC 1870); Outlook.com accepts about 20 MB, Gmail and Yahoo 25 MB including encoding overhead (base64 adds 33%). Larger mail bounces with 552 5.3.4.",
        fix: "Link to large files on a web server instead of attaching them; keep messages under 10 MB.",
        reference: "RFC 1870 §6; RFC 3463 X.3.4",
    },
    /// `body.risky_attachment`: Executables, scripts, shortcuts, disk images (iso/img/vhd), HTML files and archives
    /// holding them are the main malware and phishing carriers; Gmail and Outlook block most of them outright and
    /// any receiver scores them heavily (Gmail Help "File types blocked in Gmail", Microsoft Defender common
    /// attachments filter).
    BODY_RISKY_ATTACHMENT = {
        id: "body.risky_attachment", severity: Error, area: Body,
        title: "Dangerous attachment type",
        explanation: "Executables, scripts, shortcuts, disk images (iso/img/vhd), HTML files and archives holding them are the main malware and phishing carriers; Gmail and Outlook block most of them outright and any receiver scores them heavily (Gmail Help \"File types blocked in Gmail\", Microsoft Defender common attachments filter).",
        fix: "Do not send such files by email: share them through a download link on your own https site, or send a PDF instead.",
        reference: "Gmail Help: file types blocked in Gmail; Microsoft Defender common attachments filter",
    },
    /// `body.macro_attachment`: Macro-enabled Office files (docm, xlsm, pptm, ...) are a common malware vector;
    /// Microsoft blocks macros from the internet by default and filters score them.
    BODY_MACRO_ATTACHMENT = {
        id: "body.macro_attachment", severity: Warning, area: Body,
        title: "Office document with macros attached",
        explanation: "Macro-enabled Office files (docm, xlsm, pptm, ...) are a common malware vector; Microsoft blocks macros from the internet by default and filters score them.",
        fix: "Send the macro-free format (docx, xlsx, pptx) or a PDF.",
        reference: "Microsoft: macros from the internet are blocked by default in Office",
    },
    /// `body.url_shortener`: Public shorteners (bit.ly, tinyurl.com, t.co, ...) hide the destination and are shared
    /// with spammers, so their domains sit on URI blocklists (Spamhaus DBL, SURBL) and hurt your reputation (M3AAWG
    /// Sender BCP).
    BODY_URL_SHORTENER = {
        id: "body.url_shortener", severity: Warning, area: Body,
        title: "Links through a URL shortener",
        explanation: "Public shorteners (bit.ly, tinyurl.com, t.co, ...) hide the destination and are shared with spammers, so their domains sit on URI blocklists (Spamhaus DBL, SURBL) and hurt your reputation (M3AAWG Sender BCP).",
        fix: "Link directly to your own https domain (e.g. https://example.com/offer), or use a branded link domain you control.",
        reference: "M3AAWG Sender BCP; Spamhaus DBL",
    },
    /// `body.link_text_mismatch`: An anchor whose visible text is a URL or domain different from its href is the
    /// classic phishing pattern (anti-phishing heuristics, SpamAssassin HTTPS_HTTP_MISMATCH / URI mismatches).
    BODY_LINK_TEXT_MISMATCH = {
        id: "body.link_text_mismatch", severity: Warning, area: Body,
        title: "Link text shows one domain, the link goes to another",
        explanation: "An anchor whose visible text is a URL or domain different from its href is the classic phishing pattern (anti-phishing heuristics, SpamAssassin HTTPS_HTTP_MISMATCH / URI mismatches). Click-tracking redirects on a foreign domain trigger it too.",
        fix: "Make the visible text match the target, or use descriptive text (\"View your invoice\") instead of a URL; host click tracking on a subdomain of your own domain (e.g. links.example.com).",
        reference: "SpamAssassin URI mismatch rules; APWG phishing heuristics",
    },
    /// `body.ip_link`: Legitimate senders link to domain names; URLs with an IP-literal host (RFC 3986 §3.2.2) are
    /// typical of phishing and compromised hosts and are scored by filters (SpamAssassin NUMERIC_HTTP_ADDR).
    BODY_IP_LINK = {
        id: "body.ip_link", severity: Warning, area: Body,
        title: "Link to a bare IP address",
        explanation: "Legitimate senders link to domain names; URLs with an IP-literal host (RFC 3986 §3.2.2) are typical of phishing and compromised hosts and are scored by filters (SpamAssassin NUMERIC_HTTP_ADDR).",
        fix: "Link to a hostname under your domain with a valid TLS certificate, e.g. https://www.example.com/path.",
        reference: "RFC 3986 §3.2.2; SpamAssassin NUMERIC_HTTP_ADDR",
    },
    /// `body.userinfo_link`: In https://bank.example@evil.example/ the real host is after the @ (RFC 3986 §3.2.1
    /// userinfo).
    BODY_USERINFO_LINK = {
        id: "body.userinfo_link", severity: Error, area: Body,
        title: "Link hides its host behind user@ text",
        explanation: "In https://bank.example@evil.example/ the real host is after the @ (RFC 3986 §3.2.1 userinfo). RFC 3986 §7.6 calls this out as a semantic attack; browsers warn and filters treat it as phishing.",
        fix: "Remove the userinfo part: link to https://host/path only.",
        reference: "RFC 3986 §3.2.1, §7.6",
    },
    /// `body.insecure_links`: http links can be intercepted and rewritten and browsers mark them as not secure;
    /// filters give a small penalty to mixed http/https content (M3AAWG Sender BCP).
    BODY_INSECURE_LINKS = {
        id: "body.insecure_links", severity: Info, area: Body,
        title: "Links use plain http",
        explanation: "http links can be intercepted and rewritten and browsers mark them as not secure; filters give a small penalty to mixed http/https content (M3AAWG Sender BCP).",
        fix: "Serve the targets over TLS and write https:// links.",
        reference: "M3AAWG Sender BCP",
    },
    /// `body.javascript`: No mail client runs scripts; <script> elements or javascript: URLs are stripped and are a
    /// strong spam/phishing signal (SpamAssassin HTML_SCRIPT, javascript: URIs).
    BODY_JAVASCRIPT = {
        id: "body.javascript", severity: Error, area: Body,
        title: "JavaScript in the HTML",
        explanation: "No mail client runs scripts; <script> elements or javascript: URLs are stripped and are a strong spam/phishing signal (SpamAssassin HTML_SCRIPT, javascript: URIs).",
        fix: "Remove <script> elements and javascript: links; link to a web page for interactive content.",
        reference: "SpamAssassin HTML tests; Gmail supported CSS & HTML",
    },
    /// `body.form`: Forms in email are unsupported by many clients and are used to harvest credentials; filters
    /// score them (SpamAssassin HTML_FORM).
    BODY_FORM = {
        id: "body.form", severity: Warning, area: Body,
        title: "HTML form in the message",
        explanation: "Forms in email are unsupported by many clients and are used to harvest credentials; filters score them (SpamAssassin HTML_FORM).",
        fix: "Replace the form with a link to a form on your https web site.",
        reference: "SpamAssassin HTML tests",
    },
    /// `body.image_heavy`: Image-only or image-heavy messages hide their text from filters, a classic spam
    /// technique (SpamAssassin HTML_IMAGE_ONLY_*, HTML_IMAGE_RATIO_*).
    BODY_IMAGE_HEAVY = {
        id: "body.image_heavy", severity: Warning, area: Body,
        title: "Mostly images, little text",
        explanation: "Image-only or image-heavy messages hide their text from filters, a classic spam technique (SpamAssassin HTML_IMAGE_ONLY_*, HTML_IMAGE_RATIO_*). Many clients block images by default, so recipients see an empty message.",
        fix: "Put the message in live HTML text and keep images as illustrations; give each image an alt text.",
        reference: "SpamAssassin HTML_IMAGE_ONLY / HTML_IMAGE_RATIO rules; M3AAWG Sender BCP",
    },
    /// `body.tracking_pixel`: A 1x1 or hidden remote image reports when the message is opened.
    BODY_TRACKING_PIXEL = {
        id: "body.tracking_pixel", severity: Info, area: Body,
        title: "Open-tracking pixel",
        explanation: "A 1x1 or hidden remote image reports when the message is opened. It is common in marketing mail but privacy tools block it and Apple Mail Privacy Protection prefetches it, so open rates are unreliable.",
        fix: "No change needed for deliverability; disclose tracking in your privacy notice and measure clicks rather than opens.",
        reference: "Apple Mail Privacy Protection; M3AAWG Sender BCP",
    },
    // --------------------------------------------------------------------- bulk
    /// `bulk.spf_not_passing`: Gmail and Yahoo (February 2024) and Microsoft (May 2025) require senders of 5,000+
    /// messages a day to pass SPF (RFC 7208) for the sending domain.
    BULK_SPF_NOT_PASSING = {
        id: "bulk.spf_not_passing", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: SPF does not pass",
        explanation: "Gmail and Yahoo (February 2024) and Microsoft (May 2025) require senders of 5,000+ messages a day to pass SPF (RFC 7208) for the sending domain.",
        fix: "Authorize the sending IP or provider in the SPF record of the MAIL FROM domain, e.g. \"example.com. TXT \\\"v=spf1 include:_spf.provider.example ~all\\\"\".",
        reference: "Google Email sender guidelines; Yahoo Sender Best Practices; Microsoft high-volume sender requirements (2025); RFC 7208",
    },
    /// `bulk.dkim_not_passing`: Gmail, Yahoo and Microsoft require bulk mail to be DKIM-signed (RFC 6376) with a
    /// signature that verifies.
    BULK_DKIM_NOT_PASSING = {
        id: "bulk.dkim_not_passing", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: no passing DKIM signature",
        explanation: "Gmail, Yahoo and Microsoft require bulk mail to be DKIM-signed (RFC 6376) with a signature that verifies.",
        fix: "Enable DKIM signing for your domain at your provider and publish the key: \"selector._domainkey.example.com. TXT \\\"v=DKIM1; k=rsa; p=...\\\"\" (2048-bit RSA).",
        reference: "Google Email sender guidelines; Yahoo Sender Best Practices; Microsoft high-volume sender requirements (2025); RFC 6376",
    },
    /// `bulk.dmarc_missing`: Gmail, Yahoo and Microsoft require the From domain of bulk mail to publish a DMARC
    /// record (RFC 7489); p=none is enough.
    BULK_DMARC_MISSING = {
        id: "bulk.dmarc_missing", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: no DMARC record",
        explanation: "Gmail, Yahoo and Microsoft require the From domain of bulk mail to publish a DMARC record (RFC 7489); p=none is enough.",
        fix: "Publish \"_dmarc.example.com. TXT \\\"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com\\\"\".",
        reference: "Google Email sender guidelines; Yahoo Sender Best Practices; Microsoft high-volume sender requirements (2025); RFC 7489 §6.1",
    },
    /// `bulk.dmarc_not_passing`: Bulk mail must pass DMARC: SPF or DKIM must pass for a domain aligned with the
    /// From domain (RFC 7489 §3.1).
    BULK_DMARC_NOT_PASSING = {
        id: "bulk.dmarc_not_passing", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: DMARC does not pass",
        explanation: "Bulk mail must pass DMARC: SPF or DKIM must pass for a domain aligned with the From domain (RFC 7489 §3.1). Gmail and Microsoft reject unaligned bulk mail (550 5.7.26, 550 5.7.515).",
        fix: "Sign with d= your From domain (DKIM alignment) or use a MAIL FROM (Return-Path) under your From domain with SPF authorizing the sender.",
        reference: "Google Email sender guidelines; Microsoft high-volume sender requirements (2025); RFC 7489 §3.1",
    },
    /// `bulk.dkim_not_aligned`: DMARC passes with SPF alone, but SPF breaks when mail is forwarded; an aligned DKIM
    /// signature (d= the From domain, RFC 7489 §3.1.1) keeps DMARC passing.
    BULK_DKIM_NOT_ALIGNED = {
        id: "bulk.dkim_not_aligned", severity: Info, area: BulkSender,
        title: "No aligned DKIM signature",
        explanation: "DMARC passes with SPF alone, but SPF breaks when mail is forwarded; an aligned DKIM signature (d= the From domain, RFC 7489 §3.1.1) keeps DMARC passing. Yahoo asks bulk senders for it.",
        fix: "Sign with your own domain: configure your provider to use d=example.com (custom DKIM) instead of its shared domain.",
        reference: "RFC 7489 §3.1.1; Yahoo Sender Best Practices",
    },
    /// `bulk.no_fcrdns`: Gmail and Yahoo require sending IPs to have a PTR record whose name resolves back to the
    /// same IP (FCrDNS, RFC 8601 §2.7.3 iprev).
    BULK_NO_FCRDNS = {
        id: "bulk.no_fcrdns", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: no forward-confirmed reverse DNS",
        explanation: "Gmail and Yahoo require sending IPs to have a PTR record whose name resolves back to the same IP (FCrDNS, RFC 8601 §2.7.3 iprev).",
        fix: "Ask the IP owner to set the PTR (e.g. 192.0.2.10 -> mail.example.com) and publish \"mail.example.com. A 192.0.2.10\".",
        reference: "Google Email sender guidelines; Yahoo Sender Best Practices; RFC 8601 §2.7.3",
    },
    /// `bulk.no_tls`: Gmail requires a TLS connection for transmitting email (STARTTLS, RFC 3207); the Received
    /// header of the receiving hop shows plain SMTP/ESMTP.
    BULK_NO_TLS = {
        id: "bulk.no_tls", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: sent without TLS",
        explanation: "Gmail requires a TLS connection for transmitting email (STARTTLS, RFC 3207); the Received header of the receiving hop shows plain SMTP/ESMTP.",
        fix: "Enable STARTTLS on the sending MTA (Postfix: \"smtp_tls_security_level = may\").",
        reference: "Google Email sender guidelines; RFC 3207; RFC 3848",
    },
    /// `bulk.not_rfc5322`: Gmail and Yahoo require messages formatted per RFC 5322 (one From, a valid Date, no
    /// duplicated fields, lines up to 998 characters).
    BULK_NOT_RFC5322 = {
        id: "bulk.not_rfc5322", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: not RFC 5322 compliant",
        explanation: "Gmail and Yahoo require messages formatted per RFC 5322 (one From, a valid Date, no duplicated fields, lines up to 998 characters).",
        fix: "Fix the headers.* findings of this report.",
        reference: "Google Email sender guidelines; RFC 5322 §3.6",
    },
    /// `bulk.no_message_id`: Gmail rejects messages without a valid Message-ID (RFC 5322 §3.6.4).
    BULK_NO_MESSAGE_ID = {
        id: "bulk.no_message_id", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: no valid Message-ID",
        explanation: "Gmail rejects messages without a valid Message-ID (RFC 5322 §3.6.4).",
        fix: "Add \"Message-ID: <unique-random-id@mail.example.com>\" to each message.",
        reference: "Google Email sender guidelines; RFC 5322 §3.6.4",
    },
    /// `bulk.no_list_unsubscribe`: Marketing and subscribed mail must offer an unsubscribe header (RFC 2369 §3.2)
    /// under Gmail, Yahoo and Microsoft rules.
    BULK_NO_LIST_UNSUBSCRIBE = {
        id: "bulk.no_list_unsubscribe", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: no List-Unsubscribe",
        explanation: "Marketing and subscribed mail must offer an unsubscribe header (RFC 2369 §3.2) under Gmail, Yahoo and Microsoft rules. Transactional mail is exempt.",
        fix: "Add \"List-Unsubscribe: <https://example.com/unsubscribe/OPAQUE-TOKEN>, <mailto:unsubscribe@example.com>\".",
        reference: "Google Email sender guidelines; Yahoo Sender Best Practices; RFC 2369 §3.2",
    },
    /// `bulk.no_one_click`: Gmail and Yahoo require marketing mail to support one-click unsubscribe (RFC 8058): an
    /// https List-Unsubscribe URI, "List-Unsubscribe-Post: List-Unsubscribe=One-Click", both covered by a passing
    /// DKIM signature, honored within 2 days.
    BULK_NO_ONE_CLICK = {
        id: "bulk.no_one_click", severity: Warning, area: BulkSender,
        title: "Bulk-sender requirement: no one-click unsubscribe",
        explanation: "Gmail and Yahoo require marketing mail to support one-click unsubscribe (RFC 8058): an https List-Unsubscribe URI, \"List-Unsubscribe-Post: List-Unsubscribe=One-Click\", both covered by a passing DKIM signature, honored within 2 days.",
        fix: "Add \"List-Unsubscribe: <https://example.com/unsubscribe/OPAQUE-TOKEN>\" and \"List-Unsubscribe-Post: List-Unsubscribe=One-Click\", and include list-unsubscribe:list-unsubscribe-post in DKIM h=.",
        reference: "Google Email sender guidelines; Yahoo Sender Best Practices; RFC 8058 §3.1, §4",
    },
}
