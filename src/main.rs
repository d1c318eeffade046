use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; anything set in the real environment wins.
    let _ = dotenvy::dotenv();
    wevion::telemetry::init();
    match wevion::cli::run(wevion::cli::Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One clear line; configuration errors already name their variable.
            eprintln!("wevion: {err:#}");
            ExitCode::from(2)
        }
    }
}
