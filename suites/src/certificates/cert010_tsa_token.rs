//! CERT-010 — The platform's time-stamping service answers an RFC 3161 request with a
//! well-formed token: granted, TSTInfo v1, the imprint and nonce it was sent, genTime in UTC
//! with its accuracy, a signature that verifies with the TSA certificate it carries, and a
//! TSA certificate whose only ExtendedKeyUsage is id-kp-timeStamping, marked critical.
//! Offline, the tokens in an evidence package's receipts are held to the same form.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use tianping_engine::package::{Judgement, PackageCheck, PackageInfo, Record};
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, LabThreshold, Mode, Provenance, Severity, Suite,
    ThresholdDefault, Verdict,
};
use tianping_profile::recent::Recent;
use tianping_profile::rfc3161::{self, TimeStamp, TsError, oid};
use x509_parser::prelude::*;

use crate::common;
use tianping_engine::verdict::problems_en;
use tianping_engine::{Operation, Problem};

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "CERT-010",
    suite: Suite::Certificates,
    title_zh: "时间戳令牌格式规范",
    title_en: "The TSA's timestamp tokens are well-formed",
    advice_zh: "时间戳服务返回符合RFC 3161的令牌：消息摘要绑定、TSA证书含时间戳扩展用途、签名可验证。",
    advice_en: "Return RFC 3161 tokens whose imprint binds the digest, whose TSA certificate carries the time-stamping EKU, and whose signature verifies.",
    clauses: &[
        Clause {
            source: "RFC 3161 §2.3, §2.4: TimeStampResp, TSTInfo, TSA certificate EKU",
            zh: "RFC 3161 §2.3、§2.4：TimeStampResp、TSTInfo、时间戳服务证书扩展密钥用法",
            provenance: Provenance::Known,
        },
        Clause {
            source: "GB/T 20520-2006: timestamp service",
            zh: "GB/T 20520-2006：时间戳服务",
            provenance: Provenance::Verified,
        },
        Clause {
            source: "lab threshold tsa_accuracy_required: accuracy stated (optional in RFC 3161)",
            zh: "测评机构阈值 tsa_accuracy_required：声明精度（RFC 3161 中为可选）",
            provenance: Provenance::Policy,
        },
    ],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["tsa-wrong-eku"],
    thresholds: &[TSA_ACCURACY_REQUIRED],
};

pub const CHECK: CheckDef =
    CheckDef::remote(META, |ctx| Box::pin(run(ctx))).with_package(PackageCheck {
        judge: judge_record,
        what: "receipt timestamp tokens",
        accounts_for_records: false,
    });

/// Problems with the TSA certificate's ExtendedKeyUsage: it must be critical and hold
/// id-kp-timeStamping alone.
pub fn tsa_eku_problems(der: &[u8]) -> Vec<Problem> {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return vec![Problem::new(
            "the TSA certificate does not parse",
            "时间戳服务证书无法解析",
        )];
    };
    match cert.extended_key_usage() {
        Ok(Some(eku)) => {
            let mut problems = Vec::new();
            if !eku.critical {
                problems.push(Problem::new(
                    "ExtendedKeyUsage is not marked critical",
                    "扩展密钥用法未标记为关键扩展",
                ));
            }
            let e = eku.value;
            if !e.time_stamping {
                problems.push(Problem::new(
                    "ExtendedKeyUsage lacks id-kp-timeStamping",
                    "扩展密钥用法缺少 id-kp-timeStamping",
                ));
            }
            let others = [
                (e.any, "anyExtendedKeyUsage"),
                (e.server_auth, "serverAuth"),
                (e.client_auth, "clientAuth"),
                (e.code_signing, "codeSigning"),
                (e.email_protection, "emailProtection"),
                (e.ocsp_signing, "OCSPSigning"),
            ];
            let mut extra: Vec<String> = others
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, name)| name.to_string())
                .collect();
            extra.extend(e.other.iter().map(|o| o.to_id_string()));
            if !extra.is_empty() {
                let extra = extra.join(", ");
                problems.push(Problem::new(
                    format!("ExtendedKeyUsage also allows {extra}: id-kp-timeStamping must be the only purpose"),
                    format!("扩展密钥用法还允许 {extra}：id-kp-timeStamping 必须是唯一用途"),
                ));
            }
            problems
        }
        Ok(None) => vec![Problem::new(
            "the TSA certificate has no ExtendedKeyUsage",
            "时间戳服务证书没有扩展密钥用法",
        )],
        Err(e) => vec![Problem::new(
            format!("ExtendedKeyUsage malformed: {e}"),
            format!("扩展密钥用法格式错误：{e}"),
        )],
    }
}

/// Lab threshold: whether tokens must state their accuracy (RFC 3161 makes it optional).
pub const TSA_ACCURACY_REQUIRED: LabThreshold = LabThreshold {
    name: "tsa_accuracy_required",
    default: ThresholdDefault::Integer {
        value: 0,
        min: 0,
        max: 1,
    },
    unit: "0/1",
    meaning: "1: time-stamp tokens must state their accuracy (optional in RFC 3161)",
};

/// What any token must show, whatever was stamped: TSTInfo v1, an SM3 or SHA-256 imprint,
/// genTime in UTC, a time-stamping-only TSA certificate, and its accuracy when the lab
/// requires one.
fn form_problems(ts: &TimeStamp, accuracy_required: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    if ts.version != 1 {
        let v = ts.version;
        problems.push(Problem::new(
            format!("TSTInfo version {v}, not 1"),
            format!("TSTInfo 版本为 {v}，不是 1"),
        ));
    }
    if ![oid::SM3, oid::SHA256].contains(&ts.imprint_algorithm.as_str()) {
        let alg = &ts.imprint_algorithm;
        problems.push(Problem::new(
            format!("imprint algorithm {alg} is neither SM3 nor SHA-256"),
            format!("消息摘要算法 {alg} 既不是 SM3 也不是 SHA-256"),
        ));
    }
    if ts.gen_time_rfc3339().is_none() {
        let t = &ts.gen_time;
        problems.push(Problem::new(
            format!("genTime {t} is not a UTC GeneralizedTime"),
            format!("genTime {t} 不是 UTC 的 GeneralizedTime"),
        ));
    }
    if accuracy_required && !ts.accuracy_present {
        problems.push(Problem::new(
            "the token states no accuracy (tsa_accuracy_required = 1)",
            "令牌未声明精度（tsa_accuracy_required = 1）",
        ));
    }
    problems.extend(tsa_eku_problems_of_last(&ts.tsa_certificate_der));
    problems
}

/// [`tsa_eku_problems`], remembered for the last certificate judged on this thread: a
/// package's tokens are nearly all signed by one TSA certificate, parsed once instead of per
/// record.
fn tsa_eku_problems_of_last(der: &[u8]) -> Vec<Problem> {
    thread_local! {
        static LAST: std::cell::RefCell<Recent<Vec<u8>, Vec<Problem>>> =
            const { std::cell::RefCell::new(Recent::new(1)) };
    }
    if let Some(problems) = LAST.with_borrow(|last| last.find(|seen| seen == der)) {
        return problems;
    }
    let problems = tsa_eku_problems(der);
    LAST.with_borrow_mut(|last| last.keep(der.to_vec(), problems.clone()));
    problems
}

/// The package form: each receipt's `timestamp_tsa` token has the form above.
fn judge_record(info: &PackageInfo, record: &Record) -> Judgement {
    let receipt = match record.receipt() {
        Ok(r) => r,
        Err(e) => return Judgement::Nonconforming(e),
    };
    let token = match info.fields.str(receipt, "timestamp_tsa") {
        Ok(text) => B64
            .decode(text.as_bytes())
            .map_err(|_| "timestamp_tsa is not base64".to_string()),
        Err(e) => Err(e.to_string()),
    };
    match token.and_then(|t| rfc3161::verify_token(&t).map_err(|e| e.to_string())) {
        Ok(ts) => Judgement::from_problems(problems_en(&form_problems(
            &ts,
            info.config.thresholds.unsigned(&TSA_ACCURACY_REQUIRED) == 1,
        ))),
        Err(e) => Judgement::Nonconforming(format!("timestamp_tsa: {e}")),
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    let probe = format!("tianping-harness CERT-010 {}", ctx.nonce());
    let imprint = tianping_profile::digest::sm3(probe.as_bytes());
    let nonce = tianping_profile::digest::sm3(ctx.nonce().as_bytes());
    let nonce = &nonce[..8];
    let request = rfc3161::request(oid::SM3, &imprint, nonce);
    // RFC 3161 over HTTP (RFC 3161 §3.4) fixes its own transport: a token answer is HTTP 200
    // with application/timestamp-reply, whatever the platform's JSON API does.
    let answer = ctx
        .call(Operation::Tsa)
        .raw(request, "application/timestamp-query")
        .send()
        .await?;
    if answer.status == 404 {
        return Ok(Verdict::inconclusive(format!(
            "the platform has no RFC 3161 endpoint at {}",
            answer.path
        ))
        .zh(format!("平台在 {} 没有RFC 3161时间戳接口", answer.path)));
    }
    if answer.status != 200 {
        return Ok(Verdict::fail(format!(
            "the time-stamping service answered HTTP {} to a well-formed request",
            answer.status
        ))
        .zh(format!("时间戳服务对规范请求应答 HTTP {}", answer.status))
        .with("response", answer.excerpt()));
    }
    let stamp = rfc3161::token_of_response(&answer.body)
        .and_then(|token| rfc3161::verify_token(&token).map(|ts| (token.len(), ts)));
    let (token_bytes, ts) = match stamp {
        Ok(t) => t,
        Err(e @ (TsError::Refused { .. } | TsError::NoToken)) => {
            return Ok(
                Verdict::fail(format!("the TSA did not grant a well-formed request: {e}"))
                    .zh(format!("时间戳服务未对规范请求签发令牌：{e}")),
            );
        }
        Err(e) => {
            return Ok(Verdict::fail(format!("the token is not acceptable: {e}"))
                .zh(format!("令牌不可接受：{e}")));
        }
    };
    let mut problems = form_problems(
        &ts,
        ctx.config.thresholds.unsigned(&TSA_ACCURACY_REQUIRED) == 1,
    );
    if ts.imprint_hex != hex::encode(imprint) {
        problems.push(Problem::new(
            "the token's imprint is not the digest that was sent",
            "令牌中的消息摘要不是所发送的摘要",
        ));
    }
    // Leading zero bytes of a random nonce are not part of the INTEGER the token echoes.
    if ts.nonce_hex.as_deref() != Some(&rfc3161::nonce_hex(nonce)) {
        let sent = hex::encode(nonce);
        let got = ts.nonce_hex.as_deref().unwrap_or("none");
        problems.push(Problem::new(
            format!("the nonce was not echoed (sent {sent}, got {got})"),
            format!("令牌未回送随机数（发送 {sent}，收到 {got}）"),
        ));
    }
    let verdict = if problems.is_empty() {
        Verdict::pass(
            "the TSA grants a well-formed, verifiable token from a time-stamping-only certificate",
        )
        .zh("时间戳服务对规范请求签发格式正确、可验证的令牌，签发证书仅用于时间戳")
    } else {
        Verdict::fail_listing(&problems)
    };
    Ok(verdict
        .with("genTime", &ts.gen_time)
        .with("serial", &ts.serial_hex)
        .with("policy", &ts.policy)
        .with(
            "imprint",
            format!("{} {}", ts.imprint_algorithm, ts.imprint_hex),
        )
        .with("token", format!("{token_bytes} bytes, signature verified"))
        .with(
            "TSA certificate",
            common::describe_certificate(&ts.tsa_certificate_der),
        )
        .with_threshold("accuracy_required", true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_tsa_certificate_has_a_sole_critical_time_stamping_eku() {
        let pki =
            tianping_fixtures::pki::ReferencePki::generate(&tianping_fixtures::Faults::none());
        assert_eq!(tsa_eku_problems(&pki.tsa_cert_der), Vec::<Problem>::new());
        let wrong = tianping_fixtures::pki::ReferencePki::generate(
            &tianping_fixtures::Faults::parse(&["tsa-wrong-eku"]).unwrap(),
        );
        let problems = tsa_eku_problems(&wrong.tsa_cert_der);
        assert!(problems[0].en.contains("serverAuth"), "{problems:?}");
    }

    #[test]
    fn an_openssl_made_tsa_certificate_is_judged_the_same_way() {
        let dir = tempfile::tempdir().unwrap();
        tianping_fixtures::openssl_tsa::OpensslTsa::make(
            dir.path(),
            tianping_fixtures::openssl_tsa::EC_P256,
        )
        .unwrap();
        let pem = std::fs::read_to_string(dir.path().join("tsa.pem")).unwrap();
        let der = common::pem_certificates(&pem).unwrap().remove(0);
        assert_eq!(tsa_eku_problems(&der), Vec::<Problem>::new());
    }
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
