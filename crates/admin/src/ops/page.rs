//! Pagination of lists: `limit` and `continuation_token` in, `next_continuation_token` out.
//!
//! A continuation token is the sort key of the last item returned, base64url-encoded, so a
//! page continues after that key even when items were added or removed in between.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AdminError;

/// Items per page when the request gives no `limit`.
pub const DEFAULT_PAGE_SIZE: usize = 1000;
/// Largest `limit` a request may give.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Which page of a list to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Maximum items to return.
    pub limit: usize,
    /// Return only items whose sort key is greater than this one.
    pub after: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            limit: DEFAULT_PAGE_SIZE,
            after: None,
        }
    }
}

impl PageRequest {
    /// Parses the `limit` and `continuation_token` query parameters.
    pub fn parse(limit: Option<&str>, token: Option<&str>) -> Result<PageRequest, AdminError> {
        let limit = match limit {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
                _ => {
                    return Err(AdminError::invalid(format!(
                        "limit {text:?} is not a whole number from 1 to {MAX_PAGE_SIZE}"
                    )));
                }
            },
        };
        let after = match token {
            None | Some("") => None,
            Some(token) => Some(decode_token(token)?),
        };
        Ok(PageRequest { limit, after })
    }

    /// Cuts one page out of `items`, which are sorted by `key`; returns the page and the
    /// token of the next one.
    pub(crate) fn take<T>(
        &self,
        items: impl IntoIterator<Item = T>,
        key: impl Fn(&T) -> &str,
    ) -> (Vec<T>, Option<String>) {
        let mut rest = items
            .into_iter()
            .filter(|item| self.after.as_deref().is_none_or(|after| key(item) > after));
        let page: Vec<T> = rest.by_ref().take(self.limit).collect();
        let next = match (rest.next(), page.last()) {
            (Some(_), Some(last)) => Some(encode_token(key(last))),
            _ => None,
        };
        (page, next)
    }
}

/// Encodes a sort key as a continuation token.
pub(crate) fn encode_token(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

fn decode_token(token: &str) -> Result<String, AdminError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            AdminError::invalid(format!(
                "continuation_token {token:?} is not a token this server returned"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_bounds() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, 1000);
        assert_eq!(PageRequest::parse(Some("1"), None).unwrap().limit, 1);
        assert!(PageRequest::parse(Some("0"), None).is_err());
        assert!(PageRequest::parse(Some("1001"), None).is_err());
        assert!(PageRequest::parse(Some("ten"), None).is_err());
    }

    #[test]
    fn pages_follow_tokens() {
        let items = ["a", "b", "c", "d", "e"];
        let first = PageRequest::parse(Some("2"), None).unwrap();
        let (page, token) = first.take(items, |s| s);
        assert_eq!(page, ["a", "b"]);
        let second = PageRequest::parse(Some("2"), token.as_deref()).unwrap();
        let (page, token) = second.take(items, |s| s);
        assert_eq!(page, ["c", "d"]);
        let third = PageRequest::parse(Some("2"), token.as_deref()).unwrap();
        let (page, token) = third.take(items, |s| s);
        assert_eq!(page, ["e"]);
        assert_eq!(token, None);
    }

    #[test]
    fn exact_last_page_has_no_token() {
        let request = PageRequest::parse(Some("2"), None).unwrap();
        let (page, token) = request.take(["a", "b"], |s| s);
        assert_eq!(page.len(), 2);
        assert_eq!(token, None);
    }

    #[test]
    fn bad_token_rejected() {
        assert!(PageRequest::parse(None, Some("!!")).is_err());
    }
}
