//! `init`: a commented configuration (and, if asked, an adapter skeleton) to start evaluating
//! a platform from, written where the user says and never over an existing file.

use std::path::{Path, PathBuf};

use tianping_engine::model::exit;

use super::Failure;

/// The example configuration of docs/, every key explained.
const CONFIG_TEMPLATE: &str = include_str!("../../../../docs/harness.example.toml");
/// The built-in profile written out as an adapter: every section a platform's adapter has.
const ADAPTER_TEMPLATE: &str = include_str!("../../../../docs/adapters/tp-profile-1.toml");

#[derive(clap::Args)]
/// Arguments of the command.
pub struct Args {
    /// Folder to write into (default: the working directory).
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// The platform's base URL, written as `[target] base_url`.
    #[arg(long)]
    target: Option<String>,
    /// Also write `adapter.toml`, a copy of the built-in profile to edit into the platform's
    /// own API, and point the configuration at it.
    #[arg(long)]
    adapter: bool,
}

/// Writes `harness.toml` (and `adapter.toml`); exits 64 if either already exists.
pub fn run(args: Args) -> Result<i32, Failure> {
    let config_path = args.dir.join("harness.toml");
    let adapter_path = args.dir.join("adapter.toml");
    let mut to_write = vec![(config_path.clone(), config_text(&args))];
    if args.adapter {
        to_write.push((adapter_path.clone(), adapter_text()));
    }
    for (path, _) in &to_write {
        if path.exists() {
            eprintln!(
                "tianping-harness: {} already exists; init writes no file over another",
                path.display()
            );
            return Ok(exit::USAGE);
        }
    }
    std::fs::create_dir_all(&args.dir).map_err(|e| io_failure(&args.dir, e))?;
    for (path, text) in &to_write {
        std::fs::write(path, text).map_err(|e| io_failure(path, e))?;
        tianping_harness::outln!("wrote {}", path.display());
    }
    tianping_harness::outln!(
        "next: set the credentials' environment variables (see [credentials]), then\n  \
         tianping-harness adapter check --config {0}\n  tianping-harness run --config {0}",
        config_path.display()
    );
    Ok(exit::ALL_PASS)
}

fn io_failure(path: &Path, e: std::io::Error) -> Failure {
    super::config_error(format!("{}: {e}", path.display()))
}

/// The example configuration with the user's target and adapter filled in.
fn config_text(args: &Args) -> String {
    let mut text = format!(
        "# Written by `tianping-harness init` from docs/harness.example.toml (harness {}).\n",
        tianping_engine::HARNESS_VERSION
    );
    for line in CONFIG_TEMPLATE.lines() {
        let replaced = match (&args.target, line.trim_start().starts_with("base_url =")) {
            (Some(url), true) => format!("base_url = {}", toml::Value::String(url.clone())),
            _ => line.to_string(),
        };
        text.push_str(&replaced);
        text.push('\n');
    }
    if args.adapter {
        text = text.replacen(
            "[adapter]\n",
            "[adapter]\nfile = \"adapter.toml\"                          # written by init: edit it into the platform's API\n",
            1,
        );
    }
    text
}

fn adapter_text() -> String {
    format!(
        "# Written by `tianping-harness init`: the built-in profile (tp-profile-1) as a starting\n\
         # point. Change the name, then each section to the platform's paths, fields and\n\
         # authentication (docs/adapters.md explains them), and try each operation with\n\
         # `tianping-harness adapter check`.\n\n{}",
        ADAPTER_TEMPLATE.replacen("name = \"tp-profile-1\"", "name = \"my-platform\"", 1)
    )
}
