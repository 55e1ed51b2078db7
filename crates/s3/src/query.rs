//! The decoded query string of a request.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// Query parameters in request order, names and values percent-decoded. `+` stays a literal
/// plus sign, because AWS SDKs encode a space as `%20`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

fn decode(text: &str) -> String {
    match percent_decode_str(text).decode_utf8() {
        Ok(Cow::Borrowed(s)) => s.to_owned(),
        Ok(Cow::Owned(s)) => s,
        Err(_) => {
            String::from_utf8_lossy(&percent_decode_str(text).collect::<Vec<u8>>()).into_owned()
        }
    }
}

impl Query {
    /// Parses a raw query string such as `list-type=2&prefix=a%2Fb`.
    pub(crate) fn parse(raw: &str) -> Query {
        let pairs = raw
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) => (decode(name), decode(value)),
                None => (decode(pair), String::new()),
            })
            .collect();
        Query { pairs }
    }

    /// Returns whether the parameter is present, with or without a value.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    /// Returns the first value of the parameter.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_keeps_plus() {
        let query = Query::parse("prefix=a%2Fb+c&versions&max-keys=5");
        assert_eq!(query.get("prefix"), Some("a/b+c"));
        assert!(query.has("versions"));
        assert_eq!(query.get("versions"), Some(""));
        assert_eq!(query.get("max-keys"), Some("5"));
        assert_eq!(query.get("marker"), None);
    }
}
