//! Bucket configuration documents: VersioningConfiguration and LocationConstraint.

use super::{S3_NAMESPACE, XmlWriter};

/// The versioning state of a bucket once versioning has been configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersioningStatus {
    /// New writes create new versions.
    Enabled,
    /// New writes replace the `null` version, and existing versions remain.
    Suspended,
}

impl VersioningStatus {
    /// Returns the wire name: `Enabled` or `Suspended`.
    pub fn as_str(self) -> &'static str {
        match self {
            VersioningStatus::Enabled => "Enabled",
            VersioningStatus::Suspended => "Suspended",
        }
    }
}

/// The body of GetBucketVersioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersioningConfiguration {
    /// The state, or `None` for a bucket whose versioning was never configured.
    pub status: Option<VersioningStatus>,
}

impl VersioningConfiguration {
    /// Renders the document. A never-configured bucket gets an empty root element, as AWS
    /// sends it.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("VersioningConfiguration", Some(S3_NAMESPACE), |w| {
            w.opt_text("Status", self.status.map(VersioningStatus::as_str));
        })
    }
}

/// The body of GetBucketLocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationConstraint {
    /// The region, or `None` for the default region, which AWS sends as an empty element.
    pub region: Option<String>,
}

impl LocationConstraint {
    /// Renders the document. Unlike the other documents, the root itself carries the text.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("LocationConstraint", Some(S3_NAMESPACE), |w| {
            w.content(self.region.as_deref().unwrap_or(""));
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

    #[test]
    fn versioning_unconfigured() {
        let xml = VersioningConfiguration { status: None }.to_xml();
        let expected = format!("{DECLARATION}<VersioningConfiguration xmlns=\"{S3_NAMESPACE}\"/>");
        assert_eq!(xml, expected);
    }

    #[test]
    fn versioning_enabled() {
        let xml = VersioningConfiguration {
            status: Some(VersioningStatus::Enabled),
        }
        .to_xml();
        let expected = format!(
            "{DECLARATION}<VersioningConfiguration xmlns=\"{S3_NAMESPACE}\">\
             <Status>Enabled</Status></VersioningConfiguration>"
        );
        assert_eq!(xml, expected);
    }

    #[test]
    fn location_default_region() {
        let xml = LocationConstraint { region: None }.to_xml();
        assert_eq!(
            xml,
            format!("{DECLARATION}<LocationConstraint xmlns=\"{S3_NAMESPACE}\"/>")
        );
    }

    #[test]
    fn location_region() {
        let xml = LocationConstraint {
            region: Some("eu-west-1".to_owned()),
        }
        .to_xml();
        let expected = format!(
            "{DECLARATION}<LocationConstraint xmlns=\"{S3_NAMESPACE}\">eu-west-1</LocationConstraint>"
        );
        assert_eq!(xml, expected);
    }
}
