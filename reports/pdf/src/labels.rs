//! The report's fixed texts in Chinese and English: a data table, kept apart from the view
//! model that uses it.

/// Table headers: key, then (Chinese, English) per column.
pub const COLUMNS: &[(&str, &[(&str, &str)])] = &[
    (
        "waiver_cols",
        &[
            ("编号", "ID"),
            ("理由", "Justification"),
            ("批准人", "Approver"),
            ("有效期至", "Expires"),
            ("状态", "Status"),
        ],
    ),
    (
        "threshold_cols",
        &[
            ("阈值", "Threshold"),
            ("取值", "Value"),
            ("使用该阈值的检查项", "Used by"),
        ],
    ),
    (
        "retest_cols",
        &[
            ("编号", "ID"),
            ("首次测评", "First run"),
            ("复测", "Re-test"),
        ],
    ),
    (
        "annex_cols",
        &[("文件", "File"), ("字节", "Bytes"), ("摘要", "Digests")],
    ),
];

/// Every fixed text of the report: key, Chinese, English.
pub const LABELS: &[(&str, &str, &str)] = &[
    (
        "title",
        "天平链接入技术测评报告",
        "Tianping Chain Access — Technical Evaluation Report",
    ),
    (
        "subtitle",
        "电子证据平台接入天平链技术测评（自动化部分）",
        "Technical evaluation of an electronic-evidence platform (automated harness)",
    ),
    ("cover", "封面", "Cover"),
    ("summary", "测评结论摘要", "Summary"),
    ("score", "得分", "Score"),
    ("grade", "等级", "Grade"),
    ("conclusion", "建议结论", "Recommended conclusion"),
    ("rule", "判定依据", "Rule applied"),
    ("special", "特别扣分项", "Special deductions"),
    ("bonus", "特别加分项", "Best-practice bonus"),
    ("coverage", "检查覆盖", "Checks run"),
    ("undecided", "尚无判定", "Undecided"),
    ("counts", "各测评类别结果统计", "Results by suite"),
    ("suite", "测评类别", "Suite"),
    ("pass", "符合", "Pass"),
    ("fail", "不符合", "Fail"),
    ("na", "不适用", "N/A"),
    ("inconclusive", "无法判定", "Inconclusive"),
    ("total", "合计", "Total"),
    ("chart", "结果分布", "Outcome distribution"),
    ("id", "编号", "ID"),
    ("check", "检查项", "Check"),
    ("clauses", "依据条款", "Clauses"),
    ("severity", "严重程度", "Severity"),
    ("outcome", "结果", "Outcome"),
    ("finding", "发现", "Finding"),
    ("evidence", "证据", "Evidence"),
    (
        "nonconformities",
        "不符合项及整改要求",
        "Nonconformities and what to rectify",
    ),
    (
        "nonconformities_intro",
        "下列检查项不符合。整改应使该检查项的要求得到满足，并在规定期限（2 个月）内由测评机构复测（tianping-harness run --rerun-failed）。",
        "The checks below do not conform. Rectification must make each requirement hold; the lab then re-tests within the set time (2 months) with tianping-harness run --rerun-failed.",
    ),
    ("none", "无", "None"),
    ("requirement", "要求", "Requirement"),
    ("waivers", "豁免与排除", "Waivers and exclusions"),
    (
        "exclusion_title",
        "不计分项及理由",
        "Checks not scored, with the reason",
    ),
    (
        "manual",
        "人工核查项及测评机构记录",
        "Manual checks and the lab's records",
    ),
    (
        "manual_elsewhere",
        "本类人工核查项（见“人工核查项及测评机构记录”一节）：",
        "Manual checks of this suite (see “Manual checks and the lab's records”): ",
    ),
    ("thresholds", "采用的测评阈值", "Thresholds used"),
    (
        "thresholds_intro",
        "标准未规定、由测评机构设定的阈值（实验室阈值）及其取值：",
        "Thresholds the standards do not fix (lab thresholds) and the values used:",
    ),
    ("retest", "整改复测", "Rectification re-test"),
    ("annex", "附录：证据文件清单", "Annex: evidence files"),
    (
        "annex_intro",
        "本报告所在运行目录中的文件及其摘要。manifest.json 由封面所列封存公钥对应的 SM2 私钥签名（测评机构的密钥，或本次运行生成的密钥，封面注明），可用 tianping-harness verify --signer 封存公钥 离线核验。",
        "The files of this run folder and their digests. manifest.json is signed with the SM2 key whose public half the cover prints (the lab's, or one made for this run, as the cover says); check it offline with tianping-harness verify --signer and that key.",
    ),
    ("colon", "：", ": "),
    (
        "provenance_note",
        "条款后的标记：[V] 已核对原文，[K] 公开资料已知，[P] 测评机构政策阈值。",
        "Marks after clauses: [V] verified against the text, [K] publicly known, [P] lab policy threshold.",
    ),
    ("draft_mark", "未完成 · 草稿", "INCOMPLETE · DRAFT"),
    (
        "incomplete_note",
        "测评未完成：在全部检查项（含人工核查项）有判定之前，本报告不给出得分和结论。",
        "The evaluation is incomplete: no score or conclusion is given until every check, manual ones included, has a verdict.",
    ),
];
