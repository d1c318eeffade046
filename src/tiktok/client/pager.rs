//! Walking a paged list: `page=1..total_page` at the endpoint's page size, each page's records
//! handed on as sent or shaped first (report rows into daily or total rows).

use super::TikTokClient;
use crate::tiktok::{
    error::TikTokError,
    wire::{ListData, PageInfo, WithRaw},
};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// Pages a list may have (at 1,000 rows a page, ten million rows).
pub const MAX_PAGES: u32 = 10_000;

/// Empty pages in a row after which [`Pager::collect`] takes a list to be at its end.
const EMPTY_PAGES: u32 = 3;

/// One page of a list.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page_info: PageInfo,
    /// Records as sent, before those that could not be shaped were dropped.
    pub sent: usize,
}

/// What a page's records `W` become for the caller; a record it cannot shape is dropped.
pub trait Shape<W> {
    type Item;
    fn shape(&self, record: W) -> Option<Self::Item>;
}

/// The records as TikTok sent them (every list but the reports).
#[derive(Debug, Clone, Copy, Default)]
pub struct AsSent;

impl<W> Shape<W> for AsSent {
    type Item = W;
    fn shape(&self, record: W) -> Option<W> {
        Some(record)
    }
}

/// Walks the pages of one advertiser's list at `path`; records decode as `W`, reach the caller
/// as `S` shapes them.
pub struct Pager<'a, W, S = AsSent> {
    client: &'a TikTokClient,
    path: &'static str,
    token: &'a SecretString,
    advertiser_id: String,
    /// The endpoint's own query parameters, sent with every page.
    extra: Vec<(&'static str, String)>,
    page_size: u32,
    next_page: Option<u32>,
    shape: S,
    _records: PhantomData<fn() -> W>,
}

impl<'a, W> Pager<'a, W> {
    pub(super) fn new(
        client: &'a TikTokClient,
        path: &'static str,
        token: &'a SecretString,
        advertiser_id: &str,
        page_size: u32,
        extra: Vec<(&'static str, String)>,
    ) -> Self {
        Self {
            client,
            path,
            token,
            advertiser_id: advertiser_id.to_owned(),
            extra,
            page_size,
            next_page: Some(1),
            shape: AsSent,
            _records: PhantomData,
        }
    }

    /// The same pages, each record with the object TikTok sent.
    pub fn with_raw(self) -> Pager<'a, WithRaw<W>> {
        self.recast(AsSent)
    }
}

impl<'a, W, S> Pager<'a, W, S> {
    /// Starts at `page` (1-based) instead of the first: a run resuming where it stopped.
    pub fn starting_at(mut self, page: u32) -> Self {
        self.next_page = Some(page.max(1));
        self
    }

    /// The same pages, the records shaped by `shape`.
    pub(super) fn shaped<T>(self, shape: T) -> Pager<'a, W, T> {
        self.recast(shape)
    }

    /// The same pages, records decoded as `V` and shaped by `shape`.
    fn recast<V, T>(self, shape: T) -> Pager<'a, V, T> {
        Pager {
            client: self.client,
            path: self.path,
            token: self.token,
            advertiser_id: self.advertiser_id,
            extra: self.extra,
            page_size: self.page_size,
            next_page: self.next_page,
            shape,
            _records: PhantomData,
        }
    }
}

impl<W: DeserializeOwned, S: Shape<W>> Pager<'_, W, S> {
    pub async fn next_page(&mut self) -> Result<Option<Page<S::Item>>, TikTokError> {
        let Some(page) = self.next_page else { return Ok(None) };
        let mut query = vec![
            ("advertiser_id", self.advertiser_id.clone()),
            ("page", page.to_string()),
            ("page_size", self.page_size.to_string()),
        ];
        query.extend(self.extra.iter().cloned());
        let data: ListData<W> = self.client.get(self.path, Some(self.token), query, Some(&self.advertiser_id)).await?;
        // Without page_info there is no telling whether more pages follow: never guess "one".
        let Some(page_info) = data.page_info else {
            return Err(TikTokError::bad_request(format!(
                "{} answered page {page} without page_info, so its paging cannot be followed",
                self.path
            )));
        };
        // More than any list of an advertiser holds: a count that would keep a caller paging
        // for days is refused, not followed.
        if page_info.total_page > MAX_PAGES {
            return Err(TikTokError::bad_request(format!(
                "{} answered that its list has {} pages, more than {MAX_PAGES}; it is not followed",
                self.path, page_info.total_page
            )));
        }
        // An empty page before the last is not the end: rows that moved meanwhile leave one.
        let more = page < page_info.total_page;
        self.next_page = more.then_some(page + 1);
        let sent = data.list.len();
        let items = data.list.into_iter().filter_map(|record| self.shape.shape(record)).collect();
        Ok(Some(Page { items, page_info, sent }))
    }

    /// Every item on every page: up to `total_page`, or until as many records as TikTok counts
    /// came, or after [`EMPTY_PAGES`] empty pages in a row (a count that runs ahead of the rows).
    pub async fn collect(mut self) -> Result<Vec<S::Item>, TikTokError> {
        let (mut all, mut sent, mut empty) = (Vec::new(), 0usize, 0u32);
        while let Some(page) = self.next_page().await? {
            sent += page.sent;
            empty = if page.sent == 0 { empty + 1 } else { 0 };
            all.extend(page.items);
            let total = page.page_info.total_number as usize;
            if (total > 0 && sent >= total) || empty >= EMPTY_PAGES {
                break;
            }
        }
        Ok(all)
    }
}
