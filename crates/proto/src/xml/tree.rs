//! A bounded element tree read from a request body with quick-xml.
//!
//! Request documents are small (the HTTP layer limits body size first), so reading them into
//! a tree keeps each parser a plain lookup of child elements. Names are compared without
//! their namespace prefix, so documents with and without the S3 namespace both work.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::{S3Error, S3ErrorCode, S3Result};

/// Nesting deeper than this is rejected. The deepest S3 request document has four levels.
const MAX_DEPTH: usize = 16;

/// An element: its local name, its text and its child elements.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    /// The text directly inside the element, unescaped and untrimmed.
    pub(crate) text: String,
    pub(crate) children: Vec<Element>,
}

impl Element {
    /// Returns the first child with this local name.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Returns every child with this local name, in document order.
    pub(crate) fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// Returns the text of the first child with this local name.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|child| child.text.as_str())
    }

    /// Returns the text of a child that the schema requires, or `MalformedXML`.
    pub(crate) fn required_text(&self, name: &str) -> S3Result<&str> {
        self.child_text(name)
            .ok_or_else(|| malformed(format!("<{}> has no <{name}> element", self.name)))
    }
}

/// Builds the `MalformedXML` error, keeping the reason as its source for logs.
pub(crate) fn malformed(reason: impl Into<String>) -> S3Error {
    S3Error::new(S3ErrorCode::MalformedXML).with_source(reason.into())
}

/// Reads a whole document and checks that its root element has the local name `root`.
pub(crate) fn parse_document(body: &[u8], root: &str) -> S3Result<Element> {
    let element = read_tree(body)?;
    if element.name != root {
        return Err(malformed(format!(
            "expected root <{root}>, found <{}>",
            element.name
        )));
    }
    Ok(element)
}

fn read_tree(body: &[u8]) -> S3Result<Element> {
    let mut reader = Reader::from_reader(body);
    // Whitespace is significant in keys and tag values, so no text is trimmed.
    reader.config_mut().trim_text(false);

    let mut tree = TreeBuilder::default();
    loop {
        let event = reader
            .read_event()
            .map_err(|err| malformed(err.to_string()))?;
        match event {
            Event::Start(start) => tree.open(new_element(&start)?)?,
            Event::Empty(start) => tree.attach(new_element(&start)?)?,
            // quick-xml has already checked that the end tag matches the open element.
            Event::End(_) => tree.close()?,
            Event::Text(text) => {
                tree.append_text(&text.unescape().map_err(|err| malformed(err.to_string()))?)?;
            }
            Event::CData(data) => {
                tree.append_text(
                    std::str::from_utf8(&data).map_err(|err| malformed(err.to_string()))?,
                )?;
            }
            // Entity declarations could expand without bound, and no S3 request document
            // needs one, so documents with a DTD are rejected.
            Event::DocType(_) => {
                return Err(malformed("a document type declaration is not allowed"));
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => return tree.finish(),
        }
    }
}

fn new_element(start: &BytesStart<'_>) -> S3Result<Element> {
    let local_name = start.local_name();
    let name =
        std::str::from_utf8(local_name.as_ref()).map_err(|err| malformed(err.to_string()))?;
    Ok(Element {
        name: name.to_owned(),
        ..Element::default()
    })
}

/// The elements still open, innermost last, and the root once it has closed.
#[derive(Default)]
struct TreeBuilder {
    open: Vec<Element>,
    root: Option<Element>,
}

impl TreeBuilder {
    fn open(&mut self, element: Element) -> S3Result<()> {
        if self.root.is_some() {
            return Err(malformed("the document has more than one root element"));
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(malformed("elements are nested too deeply"));
        }
        self.open.push(element);
        Ok(())
    }

    fn close(&mut self) -> S3Result<()> {
        let element = self
            .open
            .pop()
            .ok_or_else(|| malformed("unmatched end tag"))?;
        self.attach(element)
    }

    /// Adds a finished element to its parent, or makes it the root.
    fn attach(&mut self, element: Element) -> S3Result<()> {
        match self.open.last_mut() {
            Some(parent) => parent.children.push(element),
            None if self.root.is_none() => self.root = Some(element),
            None => return Err(malformed("the document has more than one root element")),
        }
        Ok(())
    }

    fn append_text(&mut self, text: &str) -> S3Result<()> {
        match self.open.last_mut() {
            Some(element) => element.text.push_str(text),
            None if text.trim().is_empty() => {}
            None => return Err(malformed("text outside the root element")),
        }
        Ok(())
    }

    fn finish(self) -> S3Result<Element> {
        if !self.open.is_empty() {
            return Err(malformed("the document ends inside an element"));
        }
        self.root
            .ok_or_else(|| malformed("the document has no root element"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(body: &str) -> Option<S3ErrorCode> {
        read_tree(body.as_bytes()).err().map(|err| err.code())
    }

    #[test]
    fn reads_nested_text() {
        let tree = read_tree(b"<a><b> x &amp; y </b><c/></a>").unwrap();
        assert_eq!(tree.child_text("b"), Some(" x & y "));
        assert_eq!(tree.child_text("c"), Some(""));
    }

    #[test]
    fn strips_namespace_prefix() {
        let tree = read_tree(b"<s3:a xmlns:s3=\"urn:x\"><s3:b>1</s3:b></s3:a>").unwrap();
        assert_eq!(tree.name, "a");
        assert_eq!(tree.child_text("b"), Some("1"));
    }

    #[test]
    fn reads_character_references() {
        let tree = read_tree(b"<a><b>line&#13;&#10;&#x41;</b></a>").unwrap();
        assert_eq!(tree.child_text("b"), Some("line\r\nA"));
    }

    #[test]
    fn reads_cdata() {
        let tree = read_tree(b"<a><b><![CDATA[<raw>&]]></b></a>").unwrap();
        assert_eq!(tree.child_text("b"), Some("<raw>&"));
    }

    #[test]
    fn skips_declaration_and_comments() {
        let body = "<?xml version=\"1.0\"?>\n<!-- c --><a><b>1</b></a>\n";
        assert_eq!(
            read_tree(body.as_bytes()).unwrap().child_text("b"),
            Some("1")
        );
    }

    #[test]
    fn malformed_cases() {
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        let cases = [
            "",
            "   ",
            "not xml",
            "<a>",
            "<a></b>",
            "<a></a><b></b>",
            "<a/><b/>",
            "<a></a>trailing",
            "<a>&unknown;</a>",
            "<a>&#0;</a>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
            &deep,
        ];
        for body in cases {
            assert_eq!(code_of(body), Some(S3ErrorCode::MalformedXML), "{body:?}");
        }
    }

    #[test]
    fn invalid_utf8() {
        let err = read_tree(b"<a>\xff</a>").unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::MalformedXML);
    }

    #[test]
    fn depth_at_limit() {
        let body = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(read_tree(body.as_bytes()).is_ok());
    }

    #[test]
    fn root_name_checked() {
        let err = parse_document(b"<Other/>", "Delete").unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::MalformedXML);
    }
}
