//! `adapter check`: one call of each mapped operation, in an order where each answer supplies
//! the next one's values (the deposit's evidence id, its transaction id, its block), reporting
//! what was sent, what the success rule made of the answer, and every logical field the
//! adapter points at, so a lab can fix an adapter before a real run.
//!
//! Nothing here judges the platform: a field read here may still fail a check. What is
//! reported is whether the adapter and the platform agree.

use std::time::Duration;

use serde_json::{Value, json};
use tianping_engine::adapter::values::{FieldKind, kind_of};
use tianping_engine::{Answer, CheckError, Ctx, Operation};

/// One logical field as an answer gave it.
#[derive(Debug, Clone)]
pub struct FieldReading {
    /// The logical field.
    pub field: &'static str,
    /// Where the adapter points (the effective JSON pointer).
    pub pointer: String,
    /// The value as the checks will see it (normalised), or why it cannot be read.
    pub value: Result<String, String>,
}

/// What happened to one operation.
#[derive(Debug, Clone)]
pub struct OperationReport {
    /// The operation.
    pub operation: Operation,
    /// `METHOD path` as sent, or empty when the operation was not called.
    pub request: String,
    /// The answer under the success rule, or why the operation was not called.
    pub answer: Result<String, String>,
    /// Whether the answer was a success.
    pub succeeded: bool,
    /// The fields the checks read from this answer.
    pub fields: Vec<FieldReading>,
    /// Whether the operation was left out on purpose (not mapped, or needs a value no earlier
    /// answer gave): not a disagreement by itself.
    pub skipped: bool,
}

impl OperationReport {
    /// Whether the adapter and the platform agree on this operation.
    pub fn agrees(&self) -> bool {
        self.skipped || (self.succeeded && self.fields.iter().all(|f| f.value.is_ok()))
    }

    fn skipped(operation: Operation, why: impl Into<String>) -> OperationReport {
        OperationReport {
            operation,
            request: String::new(),
            answer: Err(why.into()),
            succeeded: false,
            fields: Vec::new(),
            skipped: true,
        }
    }
}

/// The platform metadata fields the checks read.
pub(crate) const PLATFORM_FIELDS: &[&str] = &[
    "platform_operator",
    "platform_business_types",
    "platform_hash_algorithm",
    "platform_signature_algorithm",
    "platform_signing_certificate",
    "platform_ca_certificates",
    "platform_tsa_certificate",
    "platform_filing_number",
    "platform_node_public_key",
    "platform_chain_height",
];
const RECEIPT_FIELDS: &[&str] = &[
    "evidence_id",
    "file_hash",
    "hash_algorithm",
    "business_type",
    "tx_id",
    "block_height",
    "block_hash",
    "tx_time",
    "tianping_tx",
    "timestamp_tsa",
    "receipt_signature",
    "provenance",
];
const BLOCK_FIELDS: &[&str] = &[
    "block_number",
    "block_prev_hash",
    "block_tx_root",
    "block_timestamp_ms",
    "block_own_hash",
    "block_tx_ids",
    "block_signature",
];
const AUDIT_ENTRY_FIELDS: &[&str] = &[
    "audit_time",
    "audit_user",
    "audit_event",
    "audit_outcome",
    "audit_source",
    "audit_object",
];

/// Shows a value briefly: long certificates and signatures are cut.
fn brief(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let text = text.replace('\n', "⏎");
    if text.chars().count() > 72 {
        format!(
            "{}… ({} characters)",
            text.chars().take(72).collect::<String>(),
            text.chars().count()
        )
    } else {
        text
    }
}

/// Reads `field` from `doc` as the checks will, and says what is wrong with it, if anything.
fn read(ctx: &Ctx, doc: &Value, field: &'static str) -> FieldReading {
    let pointer = ctx.fields.pointer(field).to_string();
    let value = match ctx.fields.get(doc, field) {
        None => Err(format!("absent at {pointer}")),
        Some(v) => {
            let text = v.as_str();
            let fits = match kind_of(field) {
                FieldKind::Hex => {
                    text.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
                }
                FieldKind::Time => {
                    text.is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
                }
                FieldKind::EpochMillis => {
                    v.is_i64() || text.is_some_and(|s| s.parse::<i64>().is_ok())
                }
                _ => true,
            };
            let problem = (!fits).then(|| match kind_of(field) {
                FieldKind::Hex => "not hex",
                FieldKind::Time => "not a time in the declared format (see [formats])",
                _ => "not epoch milliseconds (see [formats])",
            });
            // A session token is a secret: shown by its length only.
            let shown = if tianping_engine::redact::is_secret_key(field) {
                format!("[{} characters masked]", brief(&v).chars().count())
            } else {
                brief(&v)
            };
            match problem {
                Some(p) => Err(format!("`{shown}`: {p}")),
                None => Ok(shown),
            }
        }
    };
    FieldReading {
        field,
        pointer,
        value,
    }
}

/// Calls `op` once and reads `fields` from its answer; the answer's JSON on success.
pub(crate) async fn step(
    ctx: &Ctx,
    op: Operation,
    params: &[(&str, Value)],
    body: Option<Value>,
    fields: &[&'static str],
) -> (OperationReport, Option<Value>) {
    if !ctx.offers(op) {
        return (
            OperationReport::skipped(op, "not mapped: the platform does not offer it"),
            None,
        );
    }
    let mut call = ctx.call(op);
    for (name, value) in params {
        call = call.param(name, value.clone());
    }
    if let Some(body) = body {
        call = call.json(body);
    }
    let ex = match call.send().await {
        Ok(ex) => ex,
        Err(e) => {
            return (
                OperationReport {
                    operation: op,
                    request: String::new(),
                    answer: Err(e.to_string()),
                    succeeded: false,
                    fields: Vec::new(),
                    skipped: false,
                },
                None,
            );
        }
    };
    let answer = ctx.answer(&ex);
    let succeeded = answer.is_success();
    let doc = if succeeded { ex.json().ok() } else { None };
    let readings = match &doc {
        Some(doc) => fields.iter().map(|f| read(ctx, doc, f)).collect(),
        None => Vec::new(),
    };
    let shown = match &answer {
        Answer::Success => format!("{answer} (HTTP {}, {} bytes)", ex.status, ex.body.len()),
        _ => format!("{answer}: {}", ex.excerpt()),
    };
    (
        OperationReport {
            operation: op,
            request: format!("{} {}", ex.method, ex.path),
            answer: Ok(shown),
            succeeded,
            fields: readings,
            skipped: false,
        },
        doc,
    )
}

/// A value an earlier answer gave, as text.
fn text(ctx: &Ctx, doc: Option<&Value>, field: &str) -> Option<String> {
    doc.and_then(|d| ctx.fields.opt_str(d, field).ok().flatten())
        .map(|s| s.into_owned())
        .or_else(|| {
            doc.and_then(|d| ctx.fields.u64(d, field).ok())
                .map(|n| n.to_string())
        })
}

/// Runs every mapped operation once against the context's target.
pub async fn check(ctx: &Ctx) -> Vec<OperationReport> {
    let mut reports = Vec::new();
    let (report, _) = step(ctx, Operation::Platform, &[], None, PLATFORM_FIELDS).await;
    reports.push(report);

    let content = tianping_suites::common::lab_content(ctx, "adapter check");
    let body = tianping_suites::common::deposit_body(ctx, &content);
    let deposit_fields: &[&'static str] = if ctx.adapter.deposit.asynchronous {
        &["evidence_id"]
    } else {
        &["evidence_id", "file_hash", "tx_id"]
    };
    let (report, accepted) = step(ctx, Operation::Deposit, &[], Some(body), deposit_fields).await;
    reports.push(report);
    let evidence_id = text(ctx, accepted.as_ref(), "evidence_id");
    let needs = |op, what: &str| {
        OperationReport::skipped(op, format!("needs {what}, which no earlier answer gave"))
    };

    let receipt = match (&evidence_id, ctx.adapter.deposit.asynchronous, &accepted) {
        (Some(_), true, Some(accepted)) => {
            match tianping_suites::common::await_completion(ctx, accepted).await {
                Ok((_, receipt)) => Some(receipt),
                Err(e) => {
                    reports.push(OperationReport {
                        operation: Operation::Receipt,
                        request: String::new(),
                        answer: Err(format!("the asynchronous deposit did not complete: {e}")),
                        succeeded: false,
                        fields: Vec::new(),
                        skipped: false,
                    });
                    None
                }
            }
        }
        _ => None,
    };
    let receipt = match &evidence_id {
        Some(id) => {
            let (report, doc) = step(
                ctx,
                Operation::Receipt,
                &[("evidence_id", json!(id))],
                None,
                RECEIPT_FIELDS,
            )
            .await;
            reports.push(report);
            doc.or(receipt)
        }
        None => {
            reports.push(needs(Operation::Receipt, "an evidence id"));
            None
        }
    };
    for (op, body, fields) in [
        (Operation::Original, None, &[][..]),
        (Operation::DepositCertificate, None, &[][..]),
        (
            Operation::Verify,
            Some(json!({"content_base64": base64_of(&content)})),
            &["verify_match"][..],
        ),
    ] {
        match &evidence_id {
            Some(id) => {
                let (mut report, _) =
                    step(ctx, op, &[("evidence_id", json!(id))], body, fields).await;
                if op == Operation::Original && report.succeeded {
                    report
                        .fields
                        .push(original_matches(ctx, id, &content).await);
                }
                reports.push(report);
            }
            None => reports.push(needs(op, "an evidence id")),
        }
    }

    let (report, _) = step(ctx, Operation::ChainHead, &[], None, &["block_number"]).await;
    reports.push(report);
    let height = receipt
        .as_ref()
        .and_then(|r| ctx.fields.u64(r, "block_height").ok());
    let tx_id = text(ctx, receipt.as_ref(), "tx_id");
    for (op, fields) in [
        (Operation::Block, BLOCK_FIELDS),
        (
            Operation::Anchor,
            &["anchor_tianping_tx", "anchor_block_hash", "anchor_time"][..],
        ),
    ] {
        match height {
            Some(h) => {
                let (report, _) = step(ctx, op, &[("height", json!(h))], None, fields).await;
                reports.push(report);
            }
            None => reports.push(needs(op, "the deposit's block height")),
        }
    }
    for (op, fields) in [
        (
            Operation::Tx,
            &["tx_signature", "tx_file_hash", "tx_depositor_digest"][..],
        ),
        (
            Operation::TxProof,
            &["proof_index", "proof_tree_size", "proof_path"][..],
        ),
    ] {
        match &tx_id {
            Some(tx) => {
                let (report, _) = step(ctx, op, &[("tx_id", json!(tx))], None, fields).await;
                reports.push(report);
            }
            None => reports.push(needs(op, "the deposit's transaction id")),
        }
    }

    let creds = &ctx.credentials;
    if creds.username.is_empty() {
        for op in [Operation::Login, Operation::Session, Operation::Logout] {
            reports.push(OperationReport::skipped(
                op,
                format!(
                    "no console account: set {} and {}",
                    ctx.config.credentials.username_env, ctx.config.credentials.password_env
                ),
            ));
        }
    } else {
        let login = json!({"username": creds.username, "password": creds.password.expose()});
        let (report, answer) = step(
            ctx,
            Operation::Login,
            &[],
            Some(login),
            &["session_token", "session_idle_timeout"],
        )
        .await;
        reports.push(report);
        match text(ctx, answer.as_ref(), "session_token") {
            Some(token) => {
                for op in [Operation::Session, Operation::Logout] {
                    let (report, _) =
                        step(ctx, op, &[("session_token", json!(token))], None, &[]).await;
                    reports.push(report);
                }
            }
            None => {
                reports.push(needs(Operation::Session, "a session token"));
                reports.push(needs(Operation::Logout, "a session token"));
            }
        }
    }

    let (mut report, audit) = step(ctx, Operation::Audit, &[], None, &["audit_entries"]).await;
    if let Some(first) = audit
        .as_ref()
        .and_then(|a| ctx.fields.raw(a, "audit_entries"))
        .and_then(Value::as_array)
        .and_then(|entries| entries.last())
    {
        report
            .fields
            .extend(AUDIT_ENTRY_FIELDS.iter().map(|f| read(ctx, first, f)));
    }
    reports.push(report);
    let since = (chrono::Utc::now() - chrono::Duration::minutes(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (report, _) = step(
        ctx,
        Operation::Export,
        &[("since", json!(since))],
        None,
        &[],
    )
    .await;
    reports.push(report);
    let (report, _) = step(
        ctx,
        Operation::AccountCertificate,
        &[],
        None,
        &["account_certificate"],
    )
    .await;
    reports.push(report);
    for op in [
        Operation::Register,
        Operation::ChainSubmit,
        Operation::ChainAdmin,
        Operation::Tsa,
    ] {
        reports.push(OperationReport::skipped(
            op,
            if ctx.offers(op) {
                "mapped; not called here (a probe of its own checks it)"
            } else {
                "not mapped: the platform does not offer it"
            },
        ));
    }
    reports
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Whether the original comes back as deposited, as a pseudo-field of the report.
async fn original_matches(ctx: &Ctx, id: &str, content: &[u8]) -> FieldReading {
    let fetched: Result<Vec<u8>, CheckError> = async {
        let ex = ctx
            .call(Operation::Original)
            .param("evidence_id", id)
            .send()
            .await?;
        ctx.expect_success(&ex)?;
        Ok(ex.body)
    }
    .await;
    FieldReading {
        field: "original bytes",
        pointer: "(the whole answer)".into(),
        value: match fetched {
            Ok(bytes) if bytes == content => Ok(format!("the {} bytes deposited", bytes.len())),
            Ok(bytes) => Err(format!(
                "{} bytes that are not the {} deposited (an envelope around a file?)",
                bytes.len(),
                content.len()
            )),
            Err(e) => Err(e.to_string()),
        },
    }
}

/// Waits no longer than this for the whole check.
pub const TIMEOUT: Duration = Duration::from_secs(300);
