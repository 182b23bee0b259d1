//! `serve-reference`: the reference platform on an address of the user's choosing, with its CA,
//! a config and its credentials written for a later `run`.

use std::path::{Path, PathBuf};

use tianping_fixtures::{Fault, Faults};

use super::{Failure, config_error, undecided, usage};

#[derive(clap::Args)]
/// Arguments of the command.
pub struct Args {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8443")]
    bind: std::net::SocketAddr,
    /// Faults to switch on (repeatable, or comma-separated).
    #[arg(long = "fault", value_delimiter = ',')]
    faults: Vec<String>,
    /// Print the known faults and exit.
    #[arg(long)]
    list_faults: bool,
    /// API variant: `profile`, `enveloped` ({"code":0,"data":{...}}, to try a field map),
    /// `without-registration` (no self-registration, as where the lab creates accounts),
    /// `cloud-openapi`, `esign-async`, or `mutual-tls` (the profile behind client
    /// certificates); docs/adapters/*.toml evaluate the last three.
    #[arg(long, default_value = "profile")]
    dialect: String,
    /// Folder where the CA certificate, credentials and a harness config are written.
    #[arg(long, default_value = "reference-target")]
    state_dir: PathBuf,
}

/// Serves until interrupted.
pub async fn run(args: Args) -> Result<i32, Failure> {
    if args.list_faults {
        for f in Fault::ALL {
            let check = tianping_suites::registry()
                .into_iter()
                .find(|c| c.meta.catches(f.name()))
                .map(|c| c.meta.id)
                .unwrap_or("-");
            tianping_harness::outln!("{:<28} {:<9} {}", f.name(), check, f.description());
        }
        return Ok(0);
    }
    let faults = Faults::parse(&args.faults).map_err(usage)?;
    let dialect = tianping_fixtures::Dialect::from_name(&args.dialect).ok_or_else(|| {
        usage(format!(
            "unknown dialect `{}` (profile, enveloped, without-registration, cloud-openapi, esign-async, mutual-tls)",
            args.dialect
        ))
    })?;
    let server = tianping_fixtures::start_with(faults.clone(), dialect, args.bind)
        .await
        .map_err(|e| undecided(format!("cannot listen on {}: {e}", args.bind)))?;
    let dir = &args.state_dir;
    std::fs::create_dir_all(dir).map_err(|e| config_error(format!("{}: {e}", dir.display())))?;
    let ca = dir.join("tls-ca.pem");
    std::fs::write(&ca, server.tls_ca_pem()).map_err(|e| config_error(e.to_string()))?;
    std::fs::write(dir.join("sm2-root.pem"), server.sm2_root_pem())
        .map_err(|e| config_error(e.to_string()))?;
    let c = &server.credentials;
    let env = dir.join("env.sh");
    let mut exports = format!(
        "export TIANPING_API_KEY_ID='{}'\nexport TIANPING_API_SECRET='{}'\nexport TIANPING_USERNAME='{}'\nexport TIANPING_PASSWORD='{}'\nexport TIANPING_SECOND_API_KEY_ID='{}'\nexport TIANPING_SECOND_API_SECRET='{}'\nexport TIANPING_LOCKOUT_USERNAME='{}'\nexport TIANPING_LOCKOUT_PASSWORD='{}'\n",
        c.api_key_id,
        c.api_secret,
        c.username,
        c.password,
        c.second_api_key_id,
        c.second_api_secret,
        c.lockout_username,
        c.lockout_password
    );
    // Under mutual TLS, the client certificates and keys the platform issued, in the
    // variables docs/adapters/mutual-tls.toml names (PEM has no quote characters).
    if let Some(pki) = &server.client_pki {
        for (var, pem) in [
            ("TIANPING_CLIENT_CERT", &pki.lab.certificate_pem),
            ("TIANPING_CLIENT_KEY", &pki.lab.private_key_pem),
            ("TIANPING_SECOND_CLIENT_CERT", &pki.second.certificate_pem),
            ("TIANPING_SECOND_CLIENT_KEY", &pki.second.private_key_pem),
        ] {
            exports.push_str(&format!("export {var}='{pem}'\n"));
        }
    }
    write_private(&env, &exports)?;
    let config = dir.join("harness.toml");
    let mut text = format!(
        // The ports SS-014 and SS-007 try are the reference's own, as in an embedded run:
        // on loopback the machine's other services would answer too.
        "[target]\nbase_url = \"{}\"\ntrust_roots = [\"tls-ca.pem\", \"sm2-root.pem\"]\nscan_ports = [{}]\nplain_http_port = {}\n",
        server.base_url, server.service_port, server.plain_http_port,
    );
    // A dialect with an adapter of its own: the adapter beside the config, and the
    // architecture the lab would accept for it.
    if let Some((name, adapter)) = dialect_adapter(dialect) {
        let file = format!("{name}.toml");
        std::fs::write(dir.join(&file), adapter).map_err(|e| config_error(e.to_string()))?;
        text.push_str(&format!("\n[adapter]\nfile = \"{file}\"\n"));
        if !dialect.has_local_chain() {
            text.push_str("\n[architecture]\nlocal_chain = false\n");
        }
    }
    std::fs::write(&config, text).map_err(|e| config_error(e.to_string()))?;
    tianping_harness::outln!("reference platform listening on {}", server.base_url);
    tianping_harness::outln!(
        "faults: {}",
        if faults.names().is_empty() {
            "none (conforming)".to_string()
        } else {
            faults.names().join(", ")
        }
    );
    tianping_harness::outln!(
        "evaluate it with:\n  . {} && tianping-harness run --config {}",
        env.display(),
        config.display()
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| undecided(e.to_string()))?;
    server.stop().await;
    Ok(0)
}

/// The adapter file that evaluates a dialect, when it needs one beyond tp-profile-1.
fn dialect_adapter(dialect: tianping_fixtures::Dialect) -> Option<(&'static str, &'static str)> {
    use tianping_fixtures::Dialect;
    match dialect {
        Dialect::CloudOpenapi => Some((
            "cloud-openapi",
            include_str!("../../../../docs/adapters/cloud-openapi.toml"),
        )),
        Dialect::EsignAsync => Some((
            "esign-async",
            include_str!("../../../../docs/adapters/esign-async.toml"),
        )),
        Dialect::MutualTls => Some((
            "mutual-tls",
            include_str!("../../../../docs/adapters/mutual-tls.toml"),
        )),
        Dialect::Profile | Dialect::Enveloped | Dialect::WithoutRegistration => None,
    }
}

/// The reference credentials go to a file only the user can read, never to the terminal.
fn write_private(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut f = options
        .open(path)
        .map_err(|e| config_error(format!("{}: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .map_err(|e| config_error(e.to_string()))
}
