//! `tianping-harness`: conformance evaluation of a platform applying to connect to Tianping
//! Chain. See README.md for the commands, outputs and exit codes.
//!
//! This file parses the command line and dispatches; each subcommand is a module of
//! [`commands`], and the work itself is in the `tianping_harness` library.

mod commands;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use tianping_engine::model::exit;

use commands::Failure;

#[derive(Parser)]
#[command(
    name = "tianping-harness",
    version,
    about = "Conformance test harness for platforms applying to connect to Tianping Chain (天平链)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour the console: auto (a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = commands::console::ColorWhen::Auto)]
    color: commands::console::ColorWhen,
    /// Print only what needs attention: failures, undecided checks, the score and the files.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print each finding's evidence under it; twice, also log each check's outcome; three
    /// times, also each request (method, path, status). `TIANPING_LOG` sets the filter instead.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Log events on standard error as text or as JSON lines.
    #[arg(long, global = true, value_enum, default_value_t = commands::console::LogFormat::Text)]
    log_format: commands::console::LogFormat,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a platform. With no target: the built-in reference platform on loopback.
    #[command(after_long_help = include_str!("commands/run_help.txt"))]
    Run(commands::run::Args),
    /// Write a commented configuration (and with --adapter an adapter skeleton) to start
    /// evaluating a platform from.
    Init(commands::init::Args),
    /// List every check with its ID, suite, clauses and mode, without contacting anything.
    List(commands::list::Args),
    /// Serve the reference platform until interrupted.
    ServeReference(commands::serve::Args),
    /// Write an evidence package from the reference platform (for tests and benchmarks).
    ExportReferencePackage(commands::export::Args),
    /// Deposit volume of one quarter by business type and organisation (JSON and CSV).
    Quarterly(commands::quarterly::Args),
    /// Compare two runs: nonconformities fixed, still open and new; score and conclusion.
    Diff(commands::diff::Args),
    /// Check a run folder's signed manifest offline: names any file added, removed or changed.
    Verify(commands::verify::Args),
    /// Debug an adapter: call each mapped operation once and show what was sent and
    /// understood.
    #[command(subcommand)]
    Adapter(commands::adapter::Command),
    /// Evaluate certificate files offline (PEM or DER, chains in any order) with the
    /// certificate checks; exit codes as for `run`.
    Certs(commands::certs::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `tianping-harness man > tianping-harness.1`.
    Man,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    commands::console::configure(cli.color, cli.quiet, cli.verbose);
    commands::console::init_logs(cli.log_format, cli.quiet, cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tianping-harness: cannot start the async runtime: {e}");
            return ExitCode::from(exit::INCONCLUSIVE as u8);
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => commands::run::run(args).await,
            Command::Init(args) => commands::init::run(args),
            Command::Completions { shell } => {
                let mut out = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "tianping-harness", &mut out);
                tianping_harness::out!("{}", String::from_utf8_lossy(&out));
                Ok(exit::ALL_PASS)
            }
            Command::Man => {
                let mut out = Vec::new();
                match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                    Ok(()) => {
                        tianping_harness::out!("{}", String::from_utf8_lossy(&out));
                        Ok(exit::ALL_PASS)
                    }
                    Err(e) => Err(commands::undecided(e)),
                }
            }
            Command::List(args) => commands::list::run(args),
            Command::ServeReference(args) => commands::serve::run(args).await,
            Command::ExportReferencePackage(args) => commands::export::run(args),
            Command::Quarterly(args) => commands::quarterly::run(args).await,
            Command::Diff(args) => commands::diff::run(args),
            Command::Verify(args) => commands::verify::run(args),
            Command::Certs(args) => commands::certs::run(args).await,
            Command::Adapter(command) => commands::adapter::run(command).await,
        }
    });
    match outcome {
        Ok(code) => ExitCode::from(code as u8),
        Err(Failure(code, msg)) => {
            eprintln!("tianping-harness: {msg}");
            ExitCode::from(code as u8)
        }
    }
}
