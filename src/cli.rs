//! The `wevion` command line: serve (default), migrate, user add, rates import, sandbox.

use crate::{
    auth::accounts,
    clock::SystemClock,
    credentials::{Credentials, RowFailure},
    db::{self, accounts::AddUserOutcome},
    model::currency::Currency,
    rates::{self, RatesService},
    roles::Role,
    server::{AppState, Application},
    settings::Settings,
};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::{
    io::Read,
    path::{Path, PathBuf},
};

#[derive(Debug, Parser)]
#[command(name = "wevion", version, about = "Connect TikTok For Business and keep ad data flowing in.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Serve only the TikTok sandbox on 127.0.0.1:PORT, for pointing other clients at it.
    Sandbox {
        #[arg(long, default_value_t = 9900)]
        port: u16,
    },
    /// Re-encrypt every stored TikTok token with TIKTOK_TOKEN_KEY (reading TIKTOK_TOKEN_KEY_PREVIOUS).
    RotateTokenKey,
    /// Run database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Daily exchange rates to a workspace's reporting currency.
    Rates {
        #[command(subcommand)]
        command: RatesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum RatesCommand {
    /// Import a CSV file of `date,currency,rate` lines (2026-11-02,USD,0.9187: one USD in the
    /// reporting currency); nothing is stored when a line is wrong.
    Import {
        file: PathBuf,
        #[arg(long)]
        workspace: String,
        /// The currency the rates convert to (default: the workspace's reporting currency).
        #[arg(long, value_parser = currency)]
        to: Option<Currency>,
    },
    /// Set the workspace's reporting currency (EUR), or `none` to keep totals per currency.
    Currency {
        #[arg(long)]
        workspace: String,
        currency: String,
    },
}

fn currency(text: &str) -> Result<Currency, String> {
    Currency::parse(text).ok_or_else(|| format!("'{text}' is not a currency code (three letters, as EUR)"))
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user to a workspace (creating the workspace if it does not exist).
    Add {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        /// mediabuyer, manager, admin, owner or super_admin.
        #[arg(long)]
        role: Role,
        /// The password; prefer WEVION_PASSWORD or --password-stdin so it stays out of shell history.
        #[arg(long, env = "WEVION_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Read the password from standard input.
        #[arg(long, conflicts_with = "password")]
        password_stdin: bool,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(settings).await?.run_until_stopped().await?,
        Command::Sandbox { port } => crate::sandbox::serve_standalone(settings, port).await?,
        Command::RotateTokenKey => {
            let conn = db::connect(&settings.database_url).await?;
            db::migrate(&conn).await?;
            let key_id = settings.token_keys.current_key_id().to_owned();
            let addr = settings.leptos.site_addr;
            let state = AppState::new(settings, conn, addr, std::sync::Arc::new(SystemClock))?;
            let credentials: Credentials = state.credentials;
            let report = credentials.rotate_keys().await?;
            println!("re-encrypted {} stored TikTok token(s) with key {key_id}", report.resealed);
            if !report.failed.is_empty() {
                for row in &report.failed {
                    eprintln!("could not re-encrypt {} {}: {}", row.what, row.id, row.reason);
                }
                let unreadable = report.failed.iter().filter(|r| r.failure == RowFailure::Unreadable).count();
                anyhow::bail!(
                    "{} stored token(s) are still sealed the old way: {unreadable} could not be read with \
                     TIKTOK_TOKEN_KEY or TIKTOK_TOKEN_KEY_PREVIOUS (their connections need Reconnect), {} could \
                     not be written (run the command again)",
                    report.failed.len(),
                    report.failed.len() - unreadable
                );
            }
        }
        Command::Migrate => {
            let conn = db::connect(&settings.database_url).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
        }
        Command::Rates { command: RatesCommand::Import { file, workspace, to } } => {
            import_rates(&settings, &file, &workspace, to).await?
        }
        Command::Rates { command: RatesCommand::Currency { workspace, currency } } => {
            let currency = match currency.trim() {
                none if none.eq_ignore_ascii_case("none") => None,
                code => Some(self::currency(code).map_err(anyhow::Error::msg)?),
            };
            let conn = db::connect(&settings.database_url).await?;
            db::migrate(&conn).await?;
            let Some(ws) = db::accounts::workspace_named(&conn, &workspace).await? else {
                anyhow::bail!("there is no workspace named {workspace}");
            };
            RatesService::new(conn, std::sync::Arc::new(SystemClock))
                .set_reporting_currency(ws.id, currency.as_ref())
                .await?;
            match currency {
                Some(c) => println!("{workspace} reports in {c}"),
                None => println!("{workspace} keeps its totals per currency"),
            }
        }
        Command::User { command: UserCommand::Add { workspace, email, role, password, password_stdin } } => {
            let password = match (password, password_stdin) {
                (_, true) => {
                    let mut buf = String::new();
                    std::io::stdin().read_to_string(&mut buf).context("reading the password from stdin")?;
                    buf.trim_end_matches(['\r', '\n']).to_string()
                }
                (Some(p), false) => p,
                (None, false) => anyhow::bail!("a password is needed: --password, --password-stdin or WEVION_PASSWORD"),
            };
            validate_new_user(&email, &password, &workspace)?;
            let conn = db::connect(&settings.database_url).await?;
            db::migrate(&conn).await?;
            let outcome = accounts::add_user(&conn, &workspace, &email, role, &password).await?;
            match outcome {
                AddUserOutcome::Created => println!("created {email} as {role} in {workspace}"),
                AddUserOutcome::AddedToWorkspace => {
                    println!("{email} already existed (password unchanged); now {role} in {workspace}")
                }
            }
        }
    }
    Ok(())
}

async fn import_rates(settings: &Settings, file: &Path, workspace: &str, to: Option<Currency>) -> anyhow::Result<()> {
    let conn = db::connect(&settings.database_url).await?;
    db::migrate(&conn).await?;
    let Some(ws) = db::accounts::workspace_named(&conn, workspace).await? else {
        anyhow::bail!("there is no workspace named {workspace}");
    };
    let reporting = ws.reporting_currency.as_deref().map(|c| Currency::parse(c).ok_or(c));
    let to = match (to, reporting) {
        (_, Some(Err(stored))) => anyhow::bail!("{workspace}'s reporting currency '{stored}' is not a currency code"),
        (Some(to), Some(Ok(reporting))) if to != reporting => anyhow::bail!(
            "{workspace} reports in {reporting}: rates to {to} would not be used (import rates to {reporting}, or \
             change the reporting currency first)"
        ),
        (Some(to), _) | (None, Some(Ok(to))) => to,
        (None, None) => {
            anyhow::bail!("{workspace} has no reporting currency: name the rates' currency with --to (as --to EUR)")
        }
    };
    // Bounded before it is read: one byte past the limit is enough to refuse it.
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(rates::file::MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {}", file.display()))?;
    let rates = RatesService::new(conn, std::sync::Arc::new(SystemClock));
    let done = rates.import(ws.id, &to, &bytes).await.with_context(|| file.display().to_string())?;
    let currencies: Vec<String> = done.currencies.iter().map(ToString::to_string).collect();
    println!(
        "imported {} rate(s) to {to} for {workspace}: {} from {} to {} ({} replaced a day's rate)",
        done.rates,
        currencies.join(", "),
        done.first,
        done.last,
        done.replaced
    );
    Ok(())
}

fn validate_new_user(email: &str, password: &str, workspace: &str) -> anyhow::Result<()> {
    anyhow::ensure!(email.contains('@') && email.trim().len() >= 3, "--email must be an email address");
    anyhow::ensure!(password.chars().count() >= 8, "the password must be at least 8 characters");
    anyhow::ensure!(!workspace.trim().is_empty(), "--workspace must not be empty");
    Ok(())
}
