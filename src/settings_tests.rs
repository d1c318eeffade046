//! Tests of the typed settings, beside `settings.rs`.

use super::*;
use secrecy::ExposeSecret;
use std::collections::HashMap;

fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Settings::from_lookup(|k| map.get(k).cloned(), LeptosOptions::builder().output_name("wevion").build())
}

#[test]
fn empty_environment_means_sandbox_mode_on_embedded_sqlite() {
    let s = settings(&[]).unwrap();
    assert!(s.tiktok.sandbox_mode);
    assert!(s.database_url.starts_with("sqlite://data/"));
    assert_eq!(s.sync_interval, Duration::from_secs(900));
    assert_eq!(s.tiktok.qps, 10);
    assert!(s.tiktok.auth_url.is_none(), "sandbox URLs are derived from the bound address");
}

#[test]
fn a_real_app_id_needs_a_secret_and_a_token_key() {
    let err = settings(&[("TIKTOK_APP_ID", "123")]).unwrap_err();
    assert_eq!(err.var, "TIKTOK_APP_SECRET");
    let err = settings(&[("TIKTOK_APP_ID", "123"), ("TIKTOK_APP_SECRET", "s")]).unwrap_err();
    assert_eq!(err.var, "TIKTOK_TOKEN_KEY");
    let key = "00".repeat(32);
    let s = settings(&[("TIKTOK_APP_ID", "123"), ("TIKTOK_APP_SECRET", "s"), ("TIKTOK_TOKEN_KEY", &key)]).unwrap();
    assert!(!s.tiktok.sandbox_mode);
    assert_eq!(s.tiktok.auth_url.unwrap().as_str(), DEFAULT_AUTH_URL);
    assert_eq!(s.tiktok.api_base_url.unwrap().as_str(), DEFAULT_API_BASE_URL);
}

#[test]
fn bad_values_name_the_variable() {
    assert_eq!(settings(&[("TIKTOK_QPS", "fast")]).unwrap_err().var, "TIKTOK_QPS");
    assert_eq!(settings(&[("TIKTOK_QPS", "0")]).unwrap_err().var, "TIKTOK_QPS");
    assert_eq!(settings(&[("SYNC_INTERVAL", "soon")]).unwrap_err().var, "SYNC_INTERVAL");
    assert_eq!(settings(&[("TIKTOK_AUTH_URL", "not a url")]).unwrap_err().var, "TIKTOK_AUTH_URL");
    assert_eq!(settings(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var, "DATABASE_URL");
    assert_eq!(settings(&[("SANDBOX_APP_QPS", "0")]).unwrap_err().var, "SANDBOX_APP_QPS");
    assert_eq!(settings(&[("TRUSTED_PROXY_HEADER", "not a header")]).unwrap_err().var, "TRUSTED_PROXY_HEADER");
    let err = settings(&[("TIKTOK_TOKEN_KEY", "short")]).unwrap_err();
    assert_eq!(err.var, "TIKTOK_TOKEN_KEY");
    assert!(err.to_string().starts_with("configuration error: TIKTOK_TOKEN_KEY"));
    let ok = "11".repeat(32);
    let err = settings(&[("TIKTOK_TOKEN_KEY", &ok), ("TIKTOK_TOKEN_KEY_PREVIOUS", "nope")]).unwrap_err();
    assert_eq!(err.var, "TIKTOK_TOKEN_KEY_PREVIOUS");
}

#[test]
fn sync_interval_accepts_human_durations() {
    assert_eq!(settings(&[("SYNC_INTERVAL", "30s")]).unwrap().sync_interval, Duration::from_secs(30));
    assert_eq!(settings(&[("SYNC_INTERVAL", "1h")]).unwrap().sync_interval, Duration::from_secs(3600));
}

#[test]
fn settings_that_would_break_the_engine_are_refused_at_start_up() {
    for (var, value) in [
        ("SYNC_LEASE", "0s"),
        ("SYNC_LEASE", "1ms"),
        ("SYNC_LEASE", "30d"),
        ("SYNC_INTERVAL", "0s"),
        ("SYNC_INTERVAL", "400d"),
        ("TIKTOK_RETRY_DELAY", "0s"),
        ("TIKTOK_RETRY_DELAY", "1h"),
    ] {
        let err = settings(&[(var, value)]).expect_err(&format!("{var}={value} must be refused"));
        assert_eq!(err.var, var);
        assert!(err.to_string().contains("must be between"), "{err}");
    }
    assert!(settings(&[("SYNC_LEASE", "5s"), ("SYNC_INTERVAL", "10s"), ("TIKTOK_RETRY_DELAY", "10ms")]).is_ok());
}

#[test]
fn api_base_url_gains_a_trailing_slash() {
    let s = settings(&[("TIKTOK_API_BASE_URL", "http://127.0.0.1:9/open_api/v1.3")]).unwrap();
    assert_eq!(s.tiktok.api_base_url.unwrap().path(), "/open_api/v1.3/");
}

#[test]
fn debug_output_redacts_secrets() {
    let key = "ab".repeat(32);
    let s = settings(&[
        ("TIKTOK_APP_ID", "123"),
        ("TIKTOK_APP_SECRET", "topsecretvalue"),
        ("TIKTOK_TOKEN_KEY", &key),
        ("DATABASE_URL", "postgres://app:hunter2@db/wevion"),
    ])
    .unwrap();
    let printed = format!("{s:?}");
    assert!(!printed.contains("topsecretvalue"));
    assert!(!printed.contains("hunter2"));
    assert!(!printed.contains(&key));
    assert_eq!(s.tiktok.app_secret.expose_secret(), "topsecretvalue");
}

#[test]
fn sandbox_mode_refuses_https_or_a_public_address_unless_asked_for_on_purpose() {
    let local = settings(&[]).unwrap();
    assert_eq!(local.check_sandbox_exposure(), Ok(()));
    let https = settings(&[("APP_PUBLIC_URL", "https://ads.example.com/")]).unwrap();
    let err = https.check_sandbox_exposure().unwrap_err();
    assert_eq!(err.var, "SANDBOX");
    assert!(err.to_string().contains("https://ads.example.com/"), "{err}");
    let proxied = settings(&[("APP_PUBLIC_URL", "http://demo.example.com/")]).unwrap();
    assert!(proxied.check_sandbox_exposure().is_err(), "a plain-http public host is public too");
    let own_machine = settings(&[("APP_PUBLIC_URL", "http://localhost:3000/")]).unwrap();
    assert_eq!(own_machine.check_sandbox_exposure(), Ok(()));
    let mut public = settings(&[]).unwrap();
    public.leptos.site_addr = "0.0.0.0:3000".parse().unwrap();
    assert!(public.check_sandbox_exposure().is_err());
    let on_purpose = settings(&[("APP_PUBLIC_URL", "https://demo.example.com/"), ("SANDBOX", "1")]).unwrap();
    assert_eq!(on_purpose.check_sandbox_exposure(), Ok(()));
    let key = "00".repeat(32);
    let real = settings(&[
        ("TIKTOK_APP_ID", "1"),
        ("TIKTOK_APP_SECRET", "s"),
        ("TIKTOK_TOKEN_KEY", &key),
        ("APP_PUBLIC_URL", "https://ads.example.com/"),
    ])
    .unwrap();
    assert_eq!(real.check_sandbox_exposure(), Ok(()), "the real TikTok may serve anywhere");
    assert_eq!(settings(&[("TIKTOK_APP_ID", "1"), ("SANDBOX", "1")]).unwrap_err().var, "SANDBOX");
}

#[test]
fn the_answer_cache_is_sized_in_megabytes_and_the_old_count_is_refused_not_ignored() {
    assert_eq!(settings(&[]).unwrap().report_cache_mb, 64);
    assert_eq!(settings(&[("REPORT_CACHE_MB", "0")]).unwrap().report_cache_mb, 0, "0 keeps none");
    let err = settings(&[("REPORT_CACHE_ENTRIES", "1000")]).unwrap_err();
    assert_eq!(err.var, "REPORT_CACHE_ENTRIES");
    assert!(err.to_string().contains("REPORT_CACHE_MB"), "{err}");
}

#[test]
fn the_attribution_window_and_its_tiers_are_settings_within_what_tiktok_revises() {
    let s = settings(&[]).unwrap();
    let days = (s.attribution_window_days, s.attribution_week_every, s.attribution_window_every);
    assert_eq!(days, (28, Duration::from_secs(3600), Duration::from_secs(24 * 3600)));
    let s = settings(&[("ATTRIBUTION_WINDOW", "7"), ("ATTRIBUTION_WEEK_EVERY", "30m")]).unwrap();
    assert_eq!((s.attribution_window_days, s.attribution_week_every), (7, Duration::from_secs(1800)));
    for (var, value) in [
        ("ATTRIBUTION_WINDOW", "0"),
        ("ATTRIBUTION_WINDOW", "91"),
        ("ATTRIBUTION_WEEK_EVERY", "1s"),
        ("ATTRIBUTION_WINDOW_EVERY", "30d"),
    ] {
        assert_eq!(settings(&[(var, value)]).unwrap_err().var, var, "{var}={value}");
    }
}
