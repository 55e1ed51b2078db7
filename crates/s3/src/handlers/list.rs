//! Listing: ListObjects (v1), ListObjectsV2 and ListObjectVersions.

use oss_proto::checksum::{ChecksumAlgorithm, ChecksumType};
use oss_proto::xml::{
    ListBucketResult, ListBucketResultV2, ListVersionsResult, ObjectEntry, ObjectVersion, Owner,
    VersionEntry,
};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::{ListEntry, ListPage, ListQuery};

use super::{Call, HandlerResult};
use crate::body;
use crate::error;

/// Keys returned per page when the client does not ask for fewer; AWS's limit too.
const MAX_KEYS: usize = 1000;

/// The listing parameters common to every list operation.
struct Listing {
    prefix: String,
    delimiter: Option<String>,
    max_keys: usize,
    url_encoded: bool,
}

impl Listing {
    fn from_query(call: &Call<'_>) -> Result<Listing, S3Error> {
        let query = &call.context.query;
        let max_keys = match query.get("max-keys") {
            Some(value) => value
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    S3Error::new(S3ErrorCode::InvalidArgument)
                        .with_message("Provided max-keys not an integer or within integer range")
                        .with_element("ArgumentName", "max-keys".to_owned())
                        .with_element("ArgumentValue", value.to_owned())
                })? as usize,
            None => MAX_KEYS,
        };
        let url_encoded = match query.get("encoding-type") {
            None => false,
            Some(value) if value.eq_ignore_ascii_case("url") => true,
            Some(value) => {
                return Err(S3Error::new(S3ErrorCode::InvalidArgument)
                    .with_message("Invalid Encoding Method specified in Request")
                    .with_element("ArgumentName", "encoding-type".to_owned())
                    .with_element("ArgumentValue", value.to_owned()));
            }
        };
        Ok(Listing {
            prefix: query.get("prefix").unwrap_or("").to_owned(),
            delimiter: query
                .get("delimiter")
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            max_keys: max_keys.min(MAX_KEYS),
            url_encoded,
        })
    }

    /// Applies `encoding-type=url` to a key, prefix, delimiter or marker.
    fn encode(&self, text: &str) -> String {
        if self.url_encoded {
            oss_proto::xml::url_encode_key(text)
        } else {
            text.to_owned()
        }
    }

    async fn run(&self, call: &Call<'_>, start_after: Option<String>) -> Result<ListPage, S3Error> {
        // A page of no keys is never truncated, as AWS returns for max-keys=0.
        if self.max_keys == 0 {
            return Ok(ListPage {
                entries: Vec::new(),
                is_truncated: false,
                next_start_after: None,
            });
        }
        let store = call.store.clone();
        let bucket = call.bucket().clone();
        let prefix = self.prefix.clone();
        let delimiter = self.delimiter.clone();
        let max_keys = self.max_keys;
        error::blocking(move || {
            let query = ListQuery {
                prefix: &prefix,
                delimiter: delimiter.as_deref(),
                start_after: start_after.as_deref(),
                max_keys,
            };
            store.list_objects(&bucket, &query)
        })
        .await
    }

    /// Splits a page into object entries and common prefixes, encoded as requested.
    fn split(&self, page: &ListPage, owner: Option<&Owner>) -> (Vec<ObjectEntry>, Vec<String>) {
        let mut contents = Vec::new();
        let mut prefixes = Vec::new();
        for entry in &page.entries {
            match entry {
                ListEntry::Object(object) => contents.push(ObjectEntry {
                    key: self.encode(&object.key),
                    last_modified: object.last_modified,
                    etag: object.etag.clone(),
                    size: object.size,
                    storage_class: object
                        .storage_class
                        .clone()
                        .unwrap_or_else(|| "STANDARD".to_owned()),
                    owner: owner.cloned(),
                    checksum_algorithm: object
                        .checksum
                        .as_ref()
                        .and_then(|c| ChecksumAlgorithm::from_name(&c.algorithm)),
                    checksum_type: object
                        .checksum
                        .as_ref()
                        .and_then(|c| ChecksumType::from_name(&c.kind)),
                }),
                ListEntry::CommonPrefix(prefix) => prefixes.push(self.encode(prefix)),
            }
        }
        (contents, prefixes)
    }
}

fn owner(call: &Call<'_>) -> Owner {
    let account = &call.principal.account;
    Owner {
        id: account.id.clone(),
        display_name: account.name.clone(),
    }
}

pub(crate) async fn list_objects(call: &Call<'_>) -> HandlerResult {
    let listing = Listing::from_query(call)?;
    let marker = call
        .context
        .query
        .get("marker")
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    let page = listing.run(call, marker.clone()).await?;
    let owner = owner(call);
    let (contents, common_prefixes) = listing.split(&page, Some(&owner));

    // AWS returns NextMarker only when a delimiter was given; clients otherwise resume from
    // the last key.
    let next_marker = match (&listing.delimiter, page.is_truncated) {
        (Some(_), true) => page.next_start_after.as_deref().map(|m| listing.encode(m)),
        _ => None,
    };
    let result = ListBucketResult {
        name: call.bucket().name.clone(),
        prefix: listing.encode(&listing.prefix),
        marker: listing.encode(marker.as_deref().unwrap_or("")),
        next_marker,
        max_keys: listing.max_keys,
        delimiter: listing.delimiter.as_deref().map(|d| listing.encode(d)),
        is_truncated: page.is_truncated,
        contents,
        common_prefixes,
        encoding_type: listing.url_encoded.then(|| "url".to_owned()),
    };
    Ok(body::xml(result.to_xml()))
}

pub(crate) async fn list_objects_v2(call: &Call<'_>) -> HandlerResult {
    let listing = Listing::from_query(call)?;
    let query = &call.context.query;
    let token = query.get("continuation-token").map(str::to_owned);
    let start_after = query
        .get("start-after")
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let resume_after = match &token {
        Some(token) => Some(oss_proto::pagination::decode_continuation_token(token)?),
        None => start_after.clone(),
    };
    let page = listing.run(call, resume_after).await?;
    let fetch_owner = query.get("fetch-owner") == Some("true");
    let owner = owner(call);
    let (contents, common_prefixes) = listing.split(&page, fetch_owner.then_some(&owner));

    let next_continuation_token = if page.is_truncated {
        page.next_start_after
            .as_deref()
            .map(oss_proto::pagination::encode_continuation_token)
    } else {
        None
    };
    let result = ListBucketResultV2 {
        name: call.bucket().name.clone(),
        prefix: listing.encode(&listing.prefix),
        max_keys: listing.max_keys,
        delimiter: listing.delimiter.as_deref().map(|d| listing.encode(d)),
        is_truncated: page.is_truncated,
        contents,
        common_prefixes,
        continuation_token: token,
        next_continuation_token,
        start_after: start_after.as_deref().map(|s| listing.encode(s)),
        encoding_type: listing.url_encoded.then(|| "url".to_owned()),
    };
    Ok(body::xml(result.to_xml()))
}

/// Buckets are unversioned, so every object is listed once, as its latest version with the
/// version id `null`.
pub(crate) async fn list_object_versions(call: &Call<'_>) -> HandlerResult {
    let listing = Listing::from_query(call)?;
    let query = &call.context.query;
    let key_marker = query
        .get("key-marker")
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    let version_id_marker = query
        .get("version-id-marker")
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    let page = listing.run(call, key_marker.clone()).await?;
    let owner = owner(call);
    let (objects, common_prefixes) = listing.split(&page, Some(&owner));

    let versions = objects
        .into_iter()
        .map(|object| {
            VersionEntry::Version(ObjectVersion {
                key: object.key,
                version_id: "null".to_owned(),
                is_latest: true,
                last_modified: object.last_modified,
                etag: object.etag,
                size: object.size,
                storage_class: object.storage_class,
                owner: owner.clone(),
            })
        })
        .collect();
    let next_key_marker = if page.is_truncated {
        page.next_start_after.as_deref().map(|m| listing.encode(m))
    } else {
        None
    };
    let result = ListVersionsResult {
        name: call.bucket().name.clone(),
        prefix: listing.encode(&listing.prefix),
        key_marker: listing.encode(key_marker.as_deref().unwrap_or("")),
        version_id_marker: version_id_marker.unwrap_or_default(),
        next_version_id_marker: next_key_marker.as_ref().map(|_| "null".to_owned()),
        next_key_marker,
        max_keys: listing.max_keys,
        delimiter: listing.delimiter.as_deref().map(|d| listing.encode(d)),
        is_truncated: page.is_truncated,
        entries: versions,
        common_prefixes,
        encoding_type: listing.url_encoded.then(|| "url".to_owned()),
    };
    Ok(body::xml(result.to_xml()))
}
