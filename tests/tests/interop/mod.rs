//! What the interop tests share: the shared interop folder beside this checkout (GmSSL's
//! source and scripts, ../shared/interop) and the GmSSL built from it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The shared interop folder, if this checkout has one beside it.
pub fn interop() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/interop");
    dir.join("build-gmssl.sh").is_file().then_some(dir)
}

/// The interop folder, or a message saying the test is skipped without it.
pub fn interop_or_skip() -> Option<PathBuf> {
    let found = interop();
    if found.is_none() {
        eprintln!("skipped: ../shared/interop (GmSSL) is not beside this checkout");
    }
    found
}

/// The `gmssl` tool, able to find its library.
pub fn gmssl_tool(gmssl: &Path) -> Command {
    let mut command = Command::new(gmssl.join("bin/gmssl"));
    command
        .env("LD_LIBRARY_PATH", gmssl.join("bin"))
        .stdin(Stdio::null());
    command
}

/// Builds GmSSL (or reuses the build) and returns its folder.
pub fn gmssl(interop: &Path) -> PathBuf {
    let out = Command::new("bash")
        .arg(interop.join("build-gmssl.sh"))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "build-gmssl.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(stdout.lines().last().expect("a folder").trim())
}
