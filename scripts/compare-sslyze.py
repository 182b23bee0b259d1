"""Side-by-side verdicts of the harness (SS-019 and SS-026 evidence in results.json) and
SSLyze (its JSON output) for one server: accepted protocol versions, and accepted cipher
suites per version among the suites the harness probes. Exit 1 on any disagreement."""

import json
import re
import sys

name, harness_json, sslyze_json, harness_secs, sslyze_secs = sys.argv[1:6]
VERSIONS = [("SSL3.0", "ssl_3_0"), ("TLS1.0", "tls_1_0"), ("TLS1.1", "tls_1_1"),
            ("TLS1.2", "tls_1_2"), ("TLS1.3", "tls_1_3")]

results = {r["id"]: r for r in json.load(open(harness_json))["results"]}
versions_seen = {}
suites_seen = {}
for check in ("SS-019", "SS-026"):
    for e in results.get(check, {}).get("evidence", []):
        label = e["label"].split()
        if len(label) != 2:
            continue
        version = label[1]
        if check == "SS-019":
            versions_seen[version] = e["value"].startswith("Accepted")
        else:
            suites_seen[version] = {s.strip().removeprefix("TLS_")
                                    for s in e["value"].split(",") if s.strip()}

sslyze = json.load(open(sslyze_json))["server_scan_results"][0]["scan_result"]
# The suites the harness probes, read from its catalogue (entries may span lines).
catalogue = open(__file__.rsplit("/", 2)[0] + "/suites/src/tls_probe/catalogue.rs").read()
probed = {n.removeprefix("TLS_") for n in re.findall(r'suite\(\s*0x[0-9A-Fa-f]+,\s*"([^"]+)"', catalogue)}

agree = True
print(f"== {name}: harness {float(harness_secs):.2f} s, SSLyze {float(sslyze_secs):.2f} s")
for version, key in VERSIONS:
    accepted = sslyze[f"{key}_cipher_suites"]["result"]["accepted_cipher_suites"]
    theirs_all = {a["cipher_suite"]["name"].removeprefix("TLS_") for a in accepted}
    theirs = theirs_all & probed
    unprobed = sorted(theirs_all - probed)
    ours_accepts = versions_seen.get(version, False)
    ours = suites_seen.get(version, set())
    same_version = ours_accepts == bool(theirs_all)
    same_suites = not ours_accepts or ours == theirs
    agree &= same_version and same_suites
    print(f"  {version}: harness {'accepts' if ours_accepts else 'refuses'}, SSLyze "
          f"{'accepts' if theirs_all else 'refuses'}"
          + (f"; suites {'equal' if same_suites else 'DIFFER'} ({len(ours)})" if ours_accepts else "")
          + (f"; SSLyze-only suites the harness does not probe: {', '.join(unprobed)}" if unprobed else ""))
    if not same_suites:
        print(f"    harness only: {sorted(ours - theirs)}\n    SSLyze only: {sorted(theirs - ours)}")
sys.exit(0 if agree else 1)
