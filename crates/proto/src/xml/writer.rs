//! A small XML writer for S3 response documents, and the text escaping they need.

use std::borrow::Cow;
use std::fmt::Display;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::OffsetDateTime;

use crate::headers::format_iso8601_ms;

/// The namespace every S3 response document carries, except error documents.
pub const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Characters that `encoding-type=url` leaves as they are: the RFC 3986 unreserved set and `/`.
const KEY_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a key, prefix, delimiter or marker for a listing with `encoding-type=url`.
///
/// Everything except unreserved characters and `/` is encoded, and a space becomes `%20`.
/// AWS writes a space as `+`, but `%20` decodes the same with both `unquote` and
/// `unquote_plus`, and boto3 decodes listings with the latter.
pub fn url_encode_key(key: &str) -> String {
    utf8_percent_encode(key, KEY_SAFE).to_string()
}

/// Escapes text for an XML element.
///
/// Besides the five markup characters, every C0 control character becomes a decimal character
/// reference such as `&#13;`, the form AWS documents for carriage returns. Tab, newline and
/// carriage return would otherwise be normalised away by XML parsers.
///
/// NOTE: XML 1.0 forbids the other C0 controls even as references, so strict parsers reject
/// documents that list such keys. Clients should list them with `encoding-type=url`.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_ascii_control() && c != '\u{7f}' => {
                out.push_str(&format!("&#{};", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    matches!(c, '&' | '<' | '>' | '"' | '\'') || (c.is_ascii_control() && c != '\u{7f}')
}

/// Appends elements to an XML document under construction.
pub(crate) struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// Renders a whole document: the declaration, then `root` with `body` inside.
    ///
    /// A root with an empty body is written self-closed, as in
    /// `<VersioningConfiguration xmlns="..."/>`.
    pub(crate) fn document(
        root: &str,
        namespace: Option<&str>,
        body: impl FnOnce(&mut XmlWriter),
    ) -> String {
        let mut inner = XmlWriter { out: String::new() };
        body(&mut inner);

        let mut out =
            String::with_capacity(DECLARATION.len() + inner.out.len() + 2 * root.len() + 64);
        out.push_str(DECLARATION);
        out.push('<');
        out.push_str(root);
        if let Some(namespace) = namespace {
            out.push_str(" xmlns=\"");
            out.push_str(namespace);
            out.push('"');
        }
        if inner.out.is_empty() {
            out.push_str("/>");
        } else {
            out.push('>');
            out.push_str(&inner.out);
            out.push_str("</");
            out.push_str(root);
            out.push('>');
        }
        out
    }

    /// Writes `<name>` with nested elements.
    pub(crate) fn element(&mut self, name: &str, body: impl FnOnce(&mut XmlWriter)) {
        self.open(name);
        body(self);
        self.close(name);
    }

    /// Writes `<name>text</name>`, escaping the text.
    pub(crate) fn text(&mut self, name: &str, text: &str) {
        self.open(name);
        self.out.push_str(&escape_text(text));
        self.close(name);
    }

    /// Writes `<name>text</name>` when the text is present.
    pub(crate) fn opt_text(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(name, text);
        }
    }

    /// Writes escaped text directly inside the current element.
    pub(crate) fn content(&mut self, text: &str) {
        self.out.push_str(&escape_text(text));
    }

    /// Writes a number or boolean, whose display form needs no escaping.
    pub(crate) fn value(&mut self, name: &str, value: impl Display) {
        self.text(name, &value.to_string());
    }

    /// Writes a number or boolean when present.
    pub(crate) fn opt_value(&mut self, name: &str, value: Option<impl Display>) {
        if let Some(value) = value {
            self.value(name, value);
        }
    }

    /// Writes a timestamp in the ISO 8601 form with milliseconds that listings use.
    pub(crate) fn date(&mut self, name: &str, date: OffsetDateTime) {
        self.text(name, &format_iso8601_ms(date));
    }

    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_markup() {
        assert_eq!(escape_text(r#"a&b<c>"d'"#), "a&amp;b&lt;c&gt;&quot;d&apos;");
    }

    #[test]
    fn escape_controls() {
        assert_eq!(escape_text("a\rb\nc\td\u{1}"), "a&#13;b&#10;c&#9;d&#1;");
    }

    #[test]
    fn escape_leaves_unicode() {
        assert_eq!(escape_text("日本語/ключ/\u{7f}"), "日本語/ключ/\u{7f}");
    }

    #[test]
    fn escape_borrows_plain_text() {
        assert!(matches!(escape_text("plain/key.txt"), Cow::Borrowed(_)));
    }

    #[test]
    fn url_encode_cases() {
        let cases = [
            ("plain/key-1_2.3~4", "plain/key-1_2.3~4"),
            ("a b+c", "a%20b%2Bc"),
            ("100%&=?#", "100%25%26%3D%3F%23"),
            ("é", "%C3%A9"),
            ("line\nbreak", "line%0Abreak"),
        ];
        for (key, encoded) in cases {
            assert_eq!(url_encode_key(key), encoded, "{key:?}");
        }
    }

    #[test]
    fn document_empty_root() {
        let xml = XmlWriter::document("Root", Some(S3_NAMESPACE), |_| {});
        assert_eq!(
            xml,
            format!("{DECLARATION}<Root xmlns=\"{S3_NAMESPACE}\"/>")
        );
    }

    #[test]
    fn document_nested() {
        let xml = XmlWriter::document("Root", None, |w| {
            w.element("A", |w| w.value("N", 3));
            w.opt_text("Skipped", None);
            w.text("Empty", "");
        });
        assert_eq!(
            xml,
            format!("{DECLARATION}<Root><A><N>3</N></A><Empty></Empty></Root>")
        );
    }
}
