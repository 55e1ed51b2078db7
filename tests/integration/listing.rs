//! ListObjects v1 and v2 over a table of keys that break naive encoders and sorters: repeated
//! and dot segments, spaces, `+`, `%`, `?`, `#`, NFC and NFD forms of `é`, and a 1024-byte key.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use percent_encoding::percent_decode_str;

use crate::raw::{RawClient, encode_query, xml_values};
use crate::sdk::{self, error_code};
use crate::server::Server;

const BUCKET: &str = "keys";

/// Returns the tricky keys, in no particular order.
fn tricky_keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        "a/b",
        "a//b",
        "a/../b",
        "a/b/c",
        " space",
        "plus+sign",
        "\u{e9}",
        "e\u{301}",
        "%41",
        "?x=y",
        "#",
        "z",
    ]
    .map(str::to_owned)
    .to_vec();
    keys.push("k".repeat(1024));
    keys
}

/// Returns the tricky keys in UTF-8 binary order, the order S3 lists them in.
fn sorted_keys() -> Vec<String> {
    let mut keys = tricky_keys();
    keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    keys
}

async fn server_with_keys() -> (Server, Client) {
    let server = Server::start();
    let s3 = sdk::client(&server);
    s3.create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .expect("CreateBucket");
    for key in tricky_keys() {
        let body = ByteStream::from(key.clone().into_bytes());
        let put = s3
            .put_object()
            .bucket(BUCKET)
            .key(&key)
            .body(body)
            .send()
            .await;
        put.unwrap_or_else(|error| panic!("PutObject {key:?}: {error:?}"));
    }
    (server, s3)
}

/// Lists with v2 and `max-keys=page_size`, following continuation tokens to the end.
async fn list_v2_pages(s3: &Client, page_size: i32) -> Vec<String> {
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let request = s3.list_objects_v2().bucket(BUCKET).max_keys(page_size);
        let page = request
            .set_continuation_token(token.clone())
            .send()
            .await
            .expect("ListObjectsV2");
        let page_keys: Vec<String> = page
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        assert_eq!(
            page.key_count(),
            Some(page_keys.len() as i32),
            "KeyCount of a page"
        );
        assert!(
            page_keys.len() <= page_size as usize,
            "page larger than max-keys"
        );
        keys.extend(page_keys);
        if page.is_truncated() != Some(true) {
            return keys;
        }
        token = Some(
            page.next_continuation_token()
                .expect("NextContinuationToken")
                .to_owned(),
        );
    }
    panic!("ListObjectsV2 still truncated after 100 pages");
}

#[tokio::test]
async fn tricky_keys_read_back() {
    let (_server, s3) = server_with_keys().await;
    for key in tricky_keys() {
        let output = s3.get_object().bucket(BUCKET).key(&key).send().await;
        let output = output.unwrap_or_else(|error| panic!("GetObject {key:?}: {error:?}"));
        let body = output.body.collect().await.expect("body").into_bytes();
        assert_eq!(body.as_ref(), key.as_bytes(), "content of {key:?}");
    }
}

#[tokio::test]
async fn key_of_1025_bytes_rejected() {
    let (_server, s3) = server_with_keys().await;
    let key = "k".repeat(1025);
    let put = s3
        .put_object()
        .bucket(BUCKET)
        .key(key)
        .body(ByteStream::from_static(b"x"));
    assert_eq!(error_code(put.send().await), "KeyTooLongError");
}

#[tokio::test]
async fn v2_lists_in_binary_order() {
    let (_server, s3) = server_with_keys().await;
    let output = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .expect("ListObjectsV2");
    let keys: Vec<&str> = output.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, sorted_keys());
    assert_eq!(output.key_count(), Some(sorted_keys().len() as i32));
    assert_eq!(output.is_truncated(), Some(false));
    let sizes: Vec<i64> = output.contents().iter().filter_map(|o| o.size()).collect();
    let expected: Vec<i64> = sorted_keys().iter().map(|k| k.len() as i64).collect();
    assert_eq!(sizes, expected);
}

#[tokio::test]
async fn v2_pages_of_one() {
    let (_server, s3) = server_with_keys().await;
    assert_eq!(list_v2_pages(&s3, 1).await, sorted_keys());
}

#[tokio::test]
async fn v2_pages_of_five() {
    let (_server, s3) = server_with_keys().await;
    assert_eq!(list_v2_pages(&s3, 5).await, sorted_keys());
}

#[tokio::test]
async fn v2_max_keys_zero() {
    let (_server, s3) = server_with_keys().await;
    let output = s3.list_objects_v2().bucket(BUCKET).max_keys(0).send().await;
    let output = output.expect("ListObjectsV2 max-keys=0");
    assert!(
        output.contents().is_empty(),
        "objects listed with max-keys=0"
    );
    assert_eq!(output.key_count(), Some(0));
    assert_eq!(output.max_keys(), Some(0));
}

#[tokio::test]
async fn v2_delimiter_at_root() {
    let (_server, s3) = server_with_keys().await;
    let output = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .delimiter("/")
        .send()
        .await;
    let output = output.expect("ListObjectsV2 delimiter");
    let prefixes: Vec<&str> = output
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, ["a/"]);
    let keys: Vec<&str> = output.contents().iter().filter_map(|o| o.key()).collect();
    let expected: Vec<String> = sorted_keys()
        .into_iter()
        .filter(|k| !k.contains('/'))
        .collect();
    assert_eq!(keys, expected);
    // KeyCount counts common prefixes as well as objects.
    assert_eq!(output.key_count(), Some(expected.len() as i32 + 1));
}

#[tokio::test]
async fn v2_delimiter_under_prefix() {
    let (_server, s3) = server_with_keys().await;
    let request = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("a/")
        .delimiter("/");
    let output = request
        .send()
        .await
        .expect("ListObjectsV2 prefix and delimiter");
    let prefixes: Vec<&str> = output
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, ["a/../", "a//", "a/b/"]);
    let keys: Vec<&str> = output.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["a/b"]);
    assert_eq!(output.prefix(), Some("a/"));
    assert_eq!(output.delimiter(), Some("/"));
}

#[tokio::test]
async fn v2_delimiter_pages_of_one() {
    let (_server, s3) = server_with_keys().await;
    let mut entries = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let request = s3
            .list_objects_v2()
            .bucket(BUCKET)
            .prefix("a/")
            .delimiter("/")
            .max_keys(1);
        let page = request
            .set_continuation_token(token.clone())
            .send()
            .await
            .expect("page");
        entries.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
        entries.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned)),
        );
        assert_eq!(page.key_count(), Some(1), "KeyCount of a delimited page");
        if page.is_truncated() != Some(true) {
            break;
        }
        token = page.next_continuation_token().map(str::to_owned);
    }
    assert_eq!(entries, ["a/../", "a//", "a/b", "a/b/"]);
}

#[tokio::test]
async fn v2_prefix_separates_nfc_and_nfd() {
    let (_server, s3) = server_with_keys().await;
    let nfd = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("e")
        .send()
        .await
        .expect("prefix e");
    let keys: Vec<&str> = nfd.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["e\u{301}"]);
    let nfc = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("\u{e9}")
        .send()
        .await
        .expect("prefix é");
    let keys: Vec<&str> = nfc.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["\u{e9}"]);
}

#[tokio::test]
async fn v2_start_after() {
    let (_server, s3) = server_with_keys().await;
    let request = s3.list_objects_v2().bucket(BUCKET).start_after("a/b");
    let output = request.send().await.expect("ListObjectsV2 start-after");
    let keys: Vec<&str> = output.contents().iter().filter_map(|o| o.key()).collect();
    let expected: Vec<String> = sorted_keys()
        .into_iter()
        .filter(|k| k.as_bytes() > b"a/b".as_slice())
        .collect();
    assert_eq!(keys, expected);
    assert_eq!(output.start_after(), Some("a/b"));
}

#[tokio::test]
async fn v2_fetch_owner() {
    let (_server, s3) = server_with_keys().await;
    let plain = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .max_keys(1)
        .send()
        .await
        .expect("list");
    assert!(
        plain.contents()[0].owner().is_none(),
        "Owner without fetch-owner"
    );
    let request = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .max_keys(1)
        .fetch_owner(true);
    let owned = request.send().await.expect("ListObjectsV2 fetch-owner");
    let owner = owned.contents()[0].owner().expect("Owner with fetch-owner");
    assert!(
        owner.id().is_some_and(|id| !id.is_empty()),
        "Owner without ID: {owner:?}"
    );
}

#[tokio::test]
async fn v1_lists_in_binary_order() {
    let (_server, s3) = server_with_keys().await;
    let output = s3
        .list_objects()
        .bucket(BUCKET)
        .send()
        .await
        .expect("ListObjects");
    let keys: Vec<&str> = output.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, sorted_keys());
    assert_eq!(output.is_truncated(), Some(false));
    // ListObjects v1 always includes the owner.
    assert!(
        output.contents()[0].owner().is_some(),
        "v1 entry without Owner"
    );
}

#[tokio::test]
async fn v1_pages_of_one_by_marker() {
    let (_server, s3) = server_with_keys().await;
    let mut keys: Vec<String> = Vec::new();
    for _ in 0..100 {
        let marker = keys.last().cloned();
        let request = s3
            .list_objects()
            .bucket(BUCKET)
            .max_keys(1)
            .set_marker(marker);
        let page = request.send().await.expect("ListObjects page");
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
        if page.is_truncated() != Some(true) {
            break;
        }
    }
    assert_eq!(keys, sorted_keys());
}

#[tokio::test]
async fn v1_delimiter_pages_by_next_marker() {
    let (_server, s3) = server_with_keys().await;
    let mut entries = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..100 {
        let request = s3.list_objects().bucket(BUCKET).delimiter("/").max_keys(1);
        let page = request
            .set_marker(marker.clone())
            .send()
            .await
            .expect("ListObjects page");
        entries.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
        entries.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned)),
        );
        if page.is_truncated() != Some(true) {
            break;
        }
        marker = Some(
            page.next_marker()
                .expect("NextMarker when truncated with a delimiter")
                .into(),
        );
    }
    let mut expected: Vec<String> = sorted_keys()
        .into_iter()
        .filter(|k| !k.contains('/'))
        .collect();
    expected.push("a/".to_owned());
    expected.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(entries, expected);
}

/// Decodes a key from an `encoding-type=url` listing, where `+` may stand for a space.
fn url_decode(encoded: &str) -> String {
    let spaces = encoded.replace('+', " ");
    percent_decode_str(&spaces)
        .decode_utf8()
        .expect("UTF-8 key")
        .into_owned()
}

/// Asserts that an encoded key uses only unreserved characters, `/` and escapes.
#[track_caller]
fn assert_url_safe(encoded: &str) {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-._~/%+".contains(c);
    assert!(
        encoded.chars().all(safe),
        "unencoded character in {encoded:?}"
    );
}

#[tokio::test]
async fn v2_encoding_type_url() {
    let (server, _s3) = server_with_keys().await;
    let raw = RawClient::new(&server);
    let response = raw
        .get(&format!("/{BUCKET}?list-type=2&encoding-type=url"))
        .send()
        .await;
    response.assert_success();
    assert_eq!(response.xml("EncodingType").as_deref(), Some("url"));
    let encoded = xml_values(&response.text(), "Key");
    for key in &encoded {
        assert_url_safe(key);
    }
    let decoded: Vec<String> = encoded.iter().map(|k| url_decode(k)).collect();
    assert_eq!(decoded, sorted_keys());
}

#[tokio::test]
async fn v2_encoding_type_url_prefixes_and_pages() {
    let (server, _s3) = server_with_keys().await;
    let raw = RawClient::new(&server);
    let mut entries = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let mut path = format!("/{BUCKET}?list-type=2&encoding-type=url&delimiter=%2F&max-keys=1");
        if let Some(token) = &token {
            path.push_str(&format!("&continuation-token={}", encode_query(token)));
        }
        let response = raw.get(&path).send().await;
        response.assert_success();
        let text = response.text();
        entries.extend(xml_values(&text, "Key").iter().map(|k| url_decode(k)));
        let prefixes = xml_values(&text, "CommonPrefixes/Prefix");
        entries.extend(prefixes.iter().map(|p| url_decode(p)));
        if response.xml("IsTruncated").as_deref() != Some("true") {
            break;
        }
        token = response.xml("NextContinuationToken");
        assert!(
            token.is_some(),
            "truncated page without NextContinuationToken: {text}"
        );
    }
    let mut expected: Vec<String> = sorted_keys()
        .into_iter()
        .filter(|k| !k.contains('/'))
        .collect();
    expected.push("a/".to_owned());
    expected.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(entries, expected);
}

#[tokio::test]
async fn v1_encoding_type_url() {
    let (server, _s3) = server_with_keys().await;
    let raw = RawClient::new(&server);
    let response = raw
        .get(&format!(
            "/{BUCKET}?encoding-type=url&prefix=a%2F&delimiter=%2F"
        ))
        .send()
        .await;
    response.assert_success();
    let text = response.text();
    assert_eq!(response.xml("EncodingType").as_deref(), Some("url"));
    let keys: Vec<String> = xml_values(&text, "Key")
        .iter()
        .map(|k| url_decode(k))
        .collect();
    assert_eq!(keys, ["a/b"]);
    let prefixes = xml_values(&text, "CommonPrefixes/Prefix");
    let prefixes: Vec<String> = prefixes.iter().map(|p| url_decode(p)).collect();
    assert_eq!(prefixes, ["a/../", "a//", "a/b/"]);
    let request_prefix = response
        .xml("ListBucketResult/Prefix")
        .map(|p| url_decode(&p));
    assert_eq!(request_prefix.as_deref(), Some("a/"));
}
