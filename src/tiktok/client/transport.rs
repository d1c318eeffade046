//! The one call path: wait for the limits, send, judge the answer, retry what may be retried,
//! and count what it cost.
//!
//! Calls that spend something at TikTok (the auth-code exchange, a refresh, a revoke) are never
//! retried blindly: only when the request provably did not reach TikTok (the connection failed)
//! or TikTok refused it for a rate limit before processing it.
//!
//! It never logs tokens, secrets, auth codes or query strings (the advertiser list sends the
//! app secret in the query).

use super::TikTokClient;
use crate::{
    telemetry::metrics,
    tiktok::{
        error::{ErrorKind, TikTokError},
        wire::{decode, without_nul, Envelope},
    },
};
use backon::{ExponentialBuilder, Retryable};
use reqwest::{header::HeaderValue, Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

/// TikTok's code for "the app is over its requests per second".
const APP_OVER_BUDGET: i64 = 40100;

/// Counters a caller reads to see what its calls cost: requests sent, retries, and time spent
/// waiting (on our limiter and in backoff after TikTok's rate limits).
#[derive(Debug, Default)]
pub struct Meter {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    waited_ms: AtomicU64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MeterSnapshot {
    pub requests: u64,
    pub retries: u64,
    /// Answers that were TikTok rate limits (40100/40133).
    pub rate_limited: u64,
    pub waited: Duration,
}

impl Meter {
    pub fn snapshot(&self) -> MeterSnapshot {
        MeterSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            waited: Duration::from_millis(self.waited_ms.load(Ordering::Relaxed)),
        }
    }

    fn waited(&self, d: Duration) {
        self.waited_ms.fetch_add(d.as_millis() as u64, Ordering::Relaxed);
    }
}

/// Which failures a call may retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Rate limits and transient failures (reads).
    Retryable,
    /// Only what TikTok provably did not process (calls that spend a code or a token).
    OnlyUnprocessed,
}

impl Retry {
    fn allows(self, err: &TikTokError) -> bool {
        match self {
            Retry::Retryable => err.is_retryable(),
            Retry::OnlyUnprocessed => err.kind == ErrorKind::RateLimited || err.not_sent,
        }
    }
}

/// One request as an endpoint describes it.
struct Call<'a> {
    method: Method,
    path: &'static str,
    token: Option<&'a SecretString>,
    query: Vec<(&'static str, String)>,
    body: Option<Value>,
    /// Set, the call also keeps to the per advertiser-and-path limit.
    advertiser_id: Option<&'a str>,
    retry: Retry,
}

impl Call<'_> {
    /// "The same request" to TikTok: method, path, query, body and token (one person's
    /// timeouts never hold back another's calls).
    fn fingerprint(&self) -> super::timeouts::Fingerprint {
        let query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let body = self.body.as_ref().map(Value::to_string).unwrap_or_default();
        let token = self.token.map(|t| t.expose_secret()).unwrap_or_default();
        super::timeouts::fingerprint(&[self.method.as_str(), self.path, &query.join("&"), &body, token])
    }
}

/// A request held back after repeated timeouts: not sent, and not a timeout itself.
fn held_back(left: Duration) -> TikTokError {
    TikTokError {
        not_sent: true,
        ..TikTokError::transient(
            format!(
                "TikTok timed out on this very request twice lately; it is sent again in {} s, not before (TikTok would block it)",
                left.as_secs().max(1)
            ),
            None,
        )
    }
}

/// Arrays and objects travel in the query as JSON text.
pub(super) fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain values serialize")
}

impl TikTokClient {
    /// A read: retried on rate limits and transient failures.
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &'static str,
        token: Option<&SecretString>,
        query: Vec<(&'static str, String)>,
        advertiser_id: Option<&str>,
    ) -> Result<T, TikTokError> {
        let call = Call { method: Method::GET, path, token, query, body: None, advertiser_id, retry: Retry::Retryable };
        decode(&self.call(&call).await?)
    }

    /// A POST that spends something at TikTok (see the module docs): at most the interactive
    /// timeout per attempt, retried only when TikTok provably did not process it.
    pub(super) async fn post_spending<T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: Value,
    ) -> Result<T, TikTokError> {
        let client = Self { timeout: self.timeout.min(Duration::from_secs(15)), ..self.clone() };
        let call = Call {
            method: Method::POST,
            path,
            token: None,
            query: Vec::new(),
            body: Some(body),
            advertiser_id: None,
            retry: Retry::OnlyUnprocessed,
        };
        decode(&client.call(&call).await?)
    }

    /// One logical call: sends, retries what `call.retry` allows with jittered backoff.
    async fn call(&self, call: &Call<'_>) -> Result<Vec<u8>, TikTokError> {
        let policy = self.retry;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(policy.min_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.max_retries)
            .with_jitter();
        let path = call.path;
        let request = call.fingerprint();
        // A person's call keeps one deadline for its turn over all its attempts.
        let deadline = self.wait_limit.map(|limit| Instant::now() + limit);
        let watch = &self.shared.limits.timeouts;
        let attempt = || async {
            // TikTok blocks a request sent again after repeated timeouts: checked before every
            // attempt, whatever call sent the earlier ones.
            if let Some(left) = watch.held_back(&request, Instant::now()) {
                return Err(held_back(left));
            }
            let answer = self.send_once(call, deadline).await;
            metrics::tiktok_request(path, answer.as_ref().map_or_else(|e| e.kind.as_str(), |_| "ok"));
            if let Err(err) = &answer {
                if err.timed_out {
                    watch.request_timed_out(request, Instant::now());
                    self.timed_out(path);
                }
            }
            answer
        };
        attempt
            .retry(backoff)
            // A person's call is not tried again past its deadline, nor a request held back.
            .when(|err: &TikTokError| {
                call.retry.allows(err)
                    && deadline.is_none_or(|d| Instant::now() < d)
                    && watch.held_back(&request, Instant::now()).is_none()
            })
            .notify(|err: &TikTokError, wait: Duration| {
                self.meter.retries.fetch_add(1, Ordering::Relaxed);
                self.meter.waited(wait);
                if err.kind == ErrorKind::RateLimited {
                    metrics::rate_limit_wait(path);
                }
                // The app's budget is spent: the whole app slows down, not just this task.
                if err.code == Some(APP_OVER_BUDGET) {
                    self.shared.limits.pause_for(wait);
                }
                tracing::info!(
                    tiktok.path = path,
                    tiktok.code = err.code,
                    tiktok.request_id = err.request_id.as_deref(),
                    retry_in_ms = wait.as_millis() as u64,
                    "TikTok {}: retrying",
                    err.kind.as_str()
                );
            })
            .await
    }

    /// A timeout counts against the app at TikTok: from [`super::timeouts::SLOW_AT`] within the
    /// window, every call holds back until the window has room again.
    fn timed_out(&self, path: &str) {
        if let Some(pause) = self.shared.limits.timeouts.record(Instant::now()) {
            self.shared.limits.pause_for(pause);
            tracing::warn!(
                tiktok.path = path,
                pause_ms = pause.as_millis() as u64,
                "TikTok requests are timing out: every call waits, to stay clear of TikTok's timeout penalty"
            );
        }
    }

    /// One attempt: waits its turn (until `deadline` at most), sends, and hands back the body of
    /// a successful answer.
    async fn send_once(&self, call: &Call<'_>, deadline: Option<Instant>) -> Result<Vec<u8>, TikTokError> {
        let started = Instant::now();
        let turn = self.shared.limits.wait_turn(call.advertiser_id, call.path, self.background.as_deref());
        match deadline {
            None => turn.await,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(started);
                let message = match self.shared.limits.paused_for().filter(|pause| *pause > left) {
                    Some(pause) => Some(format!(
                        "TikTok asked this app to slow down (or its answers are timing out); it can call again in about {} s",
                        pause.as_secs().max(1)
                    )),
                    None if left.is_zero() => {
                        Some("This app's TikTok requests are all taken right now; try again in a moment".to_owned())
                    }
                    None => tokio::time::timeout(left, turn).await.err().map(|_| {
                        "This app's TikTok requests are all taken right now; try again in a moment".to_owned()
                    }),
                };
                if let Some(message) = message {
                    return Err(TikTokError {
                        kind: ErrorKind::RateLimited,
                        not_sent: true,
                        ..TikTokError::bad_request(message)
                    });
                }
            }
        }
        self.meter.waited(started.elapsed());

        let request = self.request(call)?;
        self.meter.requests.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        if status.is_redirection() {
            return Err(TikTokError::bad_request(format!(
                "TikTok answered {} with HTTP {status}, a redirect; it is not followed",
                call.path
            )));
        }
        let bytes = without_nul(read_capped(response, MAX_BODY).await?);
        let envelope = envelope(call.path, status, &bytes)?;
        tracing::debug!(
            tiktok.path = call.path,
            tiktok.advertiser_id = call.advertiser_id,
            tiktok.code = envelope.code,
            tiktok.request_id = envelope.request_id.as_deref(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "TikTok answered"
        );
        if envelope.code != 0 {
            let err = TikTokError::from_code(envelope.code, envelope.message, envelope.request_id);
            if err.kind == ErrorKind::RateLimited {
                self.meter.rate_limited.fetch_add(1, Ordering::Relaxed);
            }
            return Err(err);
        }
        if status.is_server_error() {
            return Err(TikTokError::transient(format!("HTTP {status}"), Some(status.as_u16())));
        }
        Ok(bytes.to_vec())
    }

    fn request(&self, call: &Call<'_>) -> Result<reqwest::RequestBuilder, TikTokError> {
        let path = call.path;
        let url = self
            .shared
            .config
            .api_base_url
            .join(path)
            .map_err(|e| TikTokError::bad_request(format!("cannot build the URL for {path}: {e}")))?;
        let mut request = self.shared.http.request(call.method.clone(), url).timeout(self.timeout);
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(token) = call.token {
            let mut value = HeaderValue::from_str(token.expose_secret())
                .map_err(|_| TikTokError::bad_request("the access token holds characters a header cannot"))?;
            value.set_sensitive(true);
            request = request.header("Access-Token", value);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        Ok(request)
    }
}

/// The envelope only: `data` is skipped here and decoded once, by the caller, into its type.
/// A body that is not TikTok JSON is judged by the HTTP status it came with.
fn envelope(path: &str, status: StatusCode, bytes: &[u8]) -> Result<Envelope, TikTokError> {
    serde_json::from_slice(bytes).map_err(|e| {
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            TikTokError::transient(format!("HTTP {status} without a JSON body"), Some(status.as_u16()))
        } else if status == StatusCode::NOT_FOUND {
            // No such endpoint at this service: retrying will not make one appear.
            TikTokError::refused(format!("{path} is not served here (HTTP 404)"), status.as_u16())
        } else if status.is_client_error() {
            // A 401/403 page (or any other 4xx) from something in front of TikTok: a proxy or a
            // firewall said no, and asking again will not change its mind.
            TikTokError::refused(
                format!("HTTP {status} from something in front of TikTok (not a TikTok answer); check the network path to TikTok"),
                status.as_u16(),
            )
        } else {
            // A 2xx that is not JSON is a cut-off or garbled answer: worth another try.
            TikTokError::transient(format!("HTTP {status}: the body is not TikTok JSON ({e})"), Some(status.as_u16()))
        }
    })
}

/// Network failures are transient; a failed connection also proves the request never reached
/// TikTok. `without_url`: the URL may hold the app secret.
fn transport_error(err: reqwest::Error) -> TikTokError {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let status = err.status().map(|s| s.as_u16());
    // A connection that could not be made in time never reached TikTok: no timeout of TikTok's.
    let (not_sent, timed_out) = (err.is_connect(), err.is_timeout() && !err.is_connect());
    TikTokError { not_sent, timed_out, ..TikTokError::transient(format!("{kind}: {}", err.without_url()), status) }
}

/// The largest answer read: TikTok's biggest pages (1,000 report rows) are a few MiB, and a
/// stand-in that sends without end must not take the server's memory with it.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// The body, refused once it passes `limit` bytes (read chunk by chunk, never all at once).
async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, TikTokError> {
    let too_large = || TikTokError::bad_request(format!("TikTok's answer is over {} MiB; refused", limit >> 20));
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
