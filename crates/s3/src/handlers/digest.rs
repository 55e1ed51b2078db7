//! Integrity checks of small request bodies (XML documents) held in memory.

use md5::{Digest, Md5};
use oss_proto::checksum::{Checksummer, find_checksum_header, parse_content_md5};
use oss_proto::{S3Error, S3ErrorCode};

use crate::context::RequestContext;

/// Checks `document` against the request's `Content-MD5` and `x-amz-checksum-*` headers.
///
/// With `required`, a request that carries neither is `InvalidRequest`, as AWS answers the
/// operations whose API model requires a checksum (DeleteObjects, PutObjectTagging,
/// PutBucketTagging, PutBucketCors). A digest that does not match is `BadDigest`.
///
/// A checksum trailer of an aws-chunked body is verified when the body is read, but does not
/// count as the required checksum: SDKs send these small documents whole, with headers.
pub(crate) fn verify_document(
    context: &RequestContext,
    document: &[u8],
    required: bool,
) -> Result<(), S3Error> {
    let content_md5 = context.header("content-md5");
    if let Some(value) = content_md5 {
        let expected = parse_content_md5(value)?;
        let computed: [u8; 16] = Md5::digest(document).into();
        if expected != computed {
            return Err(S3Error::new(S3ErrorCode::BadDigest));
        }
    }
    let checksum = find_checksum_header(&context.headers)?;
    if let Some((algorithm, expected)) = &checksum {
        let mut checksummer = Checksummer::new(*algorithm);
        checksummer.update(document);
        let computed = checksummer.finish();
        if computed != *expected {
            return Err(S3Error::new(S3ErrorCode::BadDigest).with_message(format!(
                "The {} you specified did not match the calculated checksum.",
                algorithm.header_name()
            )));
        }
    }
    if required && content_md5.is_none() && checksum.is_none() {
        return Err(S3Error::new(S3ErrorCode::InvalidRequest).with_message(
            "Missing required header for this request: Content-MD5 or an x-amz-checksum-* \
             header.",
        ));
    }
    Ok(())
}
