//! Maps a request (method, path or virtual host, query) to the S3 operation it names.

use http::Method;
use oss_store::{Access, RequestClass};

use crate::query::Query;

/// Every S3 operation the router recognises. Operations we do not implement are routed too,
/// so that they get 501 NotImplemented instead of a wrong success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// GET on the service.
    ListBuckets,
    /// PUT on a bucket.
    CreateBucket,
    /// HEAD on a bucket.
    HeadBucket,
    /// DELETE on a bucket.
    DeleteBucket,
    /// GET `?location`.
    GetBucketLocation,
    /// GET `?versioning`.
    GetBucketVersioning,
    /// GET `?versions`.
    ListObjectVersions,
    /// GET on a bucket.
    ListObjects,
    /// GET `?list-type=2`.
    ListObjectsV2,
    /// GET `?uploads` on a bucket.
    ListMultipartUploads,
    /// POST `?delete`.
    DeleteObjects,
    /// PUT on an object.
    PutObject,
    /// PUT with `x-amz-copy-source`.
    CopyObject,
    /// GET `?tagging` on an object.
    GetObjectTagging,
    /// GET on an object.
    GetObject,
    /// HEAD on an object.
    HeadObject,
    /// DELETE on an object.
    DeleteObject,
    /// POST `?uploads` on an object.
    CreateMultipartUpload,
    /// PUT `?partNumber&uploadId`.
    UploadPart,
    /// POST `?uploadId`.
    CompleteMultipartUpload,
    /// DELETE `?uploadId`.
    AbortMultipartUpload,
    /// GET `?uploadId`.
    ListParts,
    /// A recognised S3 request that this server does not implement; the name is AWS's.
    NotImplemented(&'static str),
}

impl Operation {
    /// Returns the operation name, as AWS spells it.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ListBuckets => "ListBuckets",
            Operation::CreateBucket => "CreateBucket",
            Operation::HeadBucket => "HeadBucket",
            Operation::DeleteBucket => "DeleteBucket",
            Operation::GetBucketLocation => "GetBucketLocation",
            Operation::GetBucketVersioning => "GetBucketVersioning",
            Operation::ListObjectVersions => "ListObjectVersions",
            Operation::ListObjects => "ListObjects",
            Operation::ListObjectsV2 => "ListObjectsV2",
            Operation::ListMultipartUploads => "ListMultipartUploads",
            Operation::DeleteObjects => "DeleteObjects",
            Operation::PutObject => "PutObject",
            Operation::CopyObject => "CopyObject",
            Operation::GetObjectTagging => "GetObjectTagging",
            Operation::GetObject => "GetObject",
            Operation::HeadObject => "HeadObject",
            Operation::DeleteObject => "DeleteObject",
            Operation::CreateMultipartUpload => "CreateMultipartUpload",
            Operation::UploadPart => "UploadPart",
            Operation::CompleteMultipartUpload => "CompleteMultipartUpload",
            Operation::AbortMultipartUpload => "AbortMultipartUpload",
            Operation::ListParts => "ListParts",
            Operation::NotImplemented(name) => name,
        }
    }
}

/// Who may run an operation. Operations only ever reach buckets of the caller's own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Any authenticated caller: the operation names no bucket.
    Caller,
    /// The account's master, or a user holding a grant with at least this access on the
    /// addressed bucket.
    Grant(Access),
    /// Only the account's master user.
    Master,
}

impl Operation {
    /// Returns who may run the operation. Every operation has one line here, so an added
    /// operation gets its rule where all the others are.
    pub fn required_permission(self) -> Permission {
        use Access::{Read, ReadWrite};
        match self {
            Operation::ListBuckets => Permission::Caller,
            Operation::CreateBucket | Operation::DeleteBucket => Permission::Master,
            Operation::HeadBucket
            | Operation::GetBucketLocation
            | Operation::GetBucketVersioning
            | Operation::ListObjectVersions
            | Operation::ListObjects
            | Operation::ListObjectsV2
            | Operation::ListMultipartUploads
            | Operation::GetObjectTagging
            | Operation::GetObject
            | Operation::HeadObject
            | Operation::ListParts => Permission::Grant(Read),
            // CopyObject also needs read on the source bucket, checked where it is loaded.
            Operation::DeleteObjects
            | Operation::PutObject
            | Operation::CopyObject
            | Operation::DeleteObject
            | Operation::CreateMultipartUpload
            | Operation::UploadPart
            | Operation::CompleteMultipartUpload
            | Operation::AbortMultipartUpload => Permission::Grant(ReadWrite),
            Operation::NotImplemented(_) => Permission::Master,
        }
    }

    /// Returns the usage-meter class: A for PUT, COPY, POST and LIST requests, B for GET and
    /// HEAD, none for DELETE (DeleteObjects included, a POST that only deletes).
    pub fn request_class(self) -> Option<RequestClass> {
        match self {
            Operation::ListBuckets
            | Operation::ListObjectVersions
            | Operation::ListObjects
            | Operation::ListObjectsV2
            | Operation::ListMultipartUploads
            | Operation::ListParts
            | Operation::CreateBucket
            | Operation::PutObject
            | Operation::CopyObject
            | Operation::CreateMultipartUpload
            | Operation::UploadPart
            | Operation::CompleteMultipartUpload => Some(RequestClass::A),
            Operation::HeadBucket
            | Operation::GetBucketLocation
            | Operation::GetBucketVersioning
            | Operation::GetObjectTagging
            | Operation::GetObject
            | Operation::HeadObject => Some(RequestClass::B),
            Operation::DeleteBucket
            | Operation::DeleteObjects
            | Operation::DeleteObject
            | Operation::AbortMultipartUpload => None,
            // Requests of operations we do not implement are classed by AWS's name.
            Operation::NotImplemented(name) => {
                if name.starts_with("Delete") {
                    None
                } else if name.starts_with("Get") || name.starts_with("Head") {
                    Some(RequestClass::B)
                } else {
                    Some(RequestClass::A)
                }
            }
        }
    }
}

/// Bucket subresources, each with the operation names AWS gives its GET, PUT and DELETE.
const BUCKET_SUBRESOURCES: &[(&str, &str, &str, &str)] = &[
    (
        "accelerate",
        "GetBucketAccelerateConfiguration",
        "PutBucketAccelerateConfiguration",
        "DeleteBucketAccelerateConfiguration",
    ),
    ("acl", "GetBucketAcl", "PutBucketAcl", "DeleteBucketAcl"),
    (
        "analytics",
        "GetBucketAnalyticsConfiguration",
        "PutBucketAnalyticsConfiguration",
        "DeleteBucketAnalyticsConfiguration",
    ),
    ("cors", "GetBucketCors", "PutBucketCors", "DeleteBucketCors"),
    (
        "encryption",
        "GetBucketEncryption",
        "PutBucketEncryption",
        "DeleteBucketEncryption",
    ),
    (
        "intelligent-tiering",
        "GetBucketIntelligentTieringConfiguration",
        "PutBucketIntelligentTieringConfiguration",
        "DeleteBucketIntelligentTieringConfiguration",
    ),
    (
        "inventory",
        "GetBucketInventoryConfiguration",
        "PutBucketInventoryConfiguration",
        "DeleteBucketInventoryConfiguration",
    ),
    (
        "lifecycle",
        "GetBucketLifecycleConfiguration",
        "PutBucketLifecycleConfiguration",
        "DeleteBucketLifecycle",
    ),
    (
        "logging",
        "GetBucketLogging",
        "PutBucketLogging",
        "DeleteBucketLogging",
    ),
    (
        "metadataTable",
        "GetBucketMetadataTableConfiguration",
        "CreateBucketMetadataTableConfiguration",
        "DeleteBucketMetadataTableConfiguration",
    ),
    (
        "metrics",
        "GetBucketMetricsConfiguration",
        "PutBucketMetricsConfiguration",
        "DeleteBucketMetricsConfiguration",
    ),
    (
        "notification",
        "GetBucketNotificationConfiguration",
        "PutBucketNotificationConfiguration",
        "DeleteBucketNotification",
    ),
    (
        "object-lock",
        "GetObjectLockConfiguration",
        "PutObjectLockConfiguration",
        "DeleteObjectLockConfiguration",
    ),
    (
        "ownershipControls",
        "GetBucketOwnershipControls",
        "PutBucketOwnershipControls",
        "DeleteBucketOwnershipControls",
    ),
    (
        "policy",
        "GetBucketPolicy",
        "PutBucketPolicy",
        "DeleteBucketPolicy",
    ),
    (
        "policyStatus",
        "GetBucketPolicyStatus",
        "PutBucketPolicyStatus",
        "DeleteBucketPolicyStatus",
    ),
    (
        "publicAccessBlock",
        "GetPublicAccessBlock",
        "PutPublicAccessBlock",
        "DeletePublicAccessBlock",
    ),
    (
        "replication",
        "GetBucketReplication",
        "PutBucketReplication",
        "DeleteBucketReplication",
    ),
    (
        "requestPayment",
        "GetBucketRequestPayment",
        "PutBucketRequestPayment",
        "DeleteBucketRequestPayment",
    ),
    (
        "tagging",
        "GetBucketTagging",
        "PutBucketTagging",
        "DeleteBucketTagging",
    ),
    (
        "website",
        "GetBucketWebsite",
        "PutBucketWebsite",
        "DeleteBucketWebsite",
    ),
    (
        "versioning",
        "GetBucketVersioning",
        "PutBucketVersioning",
        "DeleteBucketVersioning",
    ),
];

/// Object subresources, with the operation names of their GET, PUT, DELETE and POST.
const OBJECT_SUBRESOURCES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "acl",
        "GetObjectAcl",
        "PutObjectAcl",
        "DeleteObjectAcl",
        "PostObjectAcl",
    ),
    (
        "attributes",
        "GetObjectAttributes",
        "PutObjectAttributes",
        "DeleteObjectAttributes",
        "PostObjectAttributes",
    ),
    (
        "legal-hold",
        "GetObjectLegalHold",
        "PutObjectLegalHold",
        "DeleteObjectLegalHold",
        "PostObjectLegalHold",
    ),
    (
        "restore",
        "GetObjectRestore",
        "PutObjectRestore",
        "DeleteObjectRestore",
        "RestoreObject",
    ),
    (
        "retention",
        "GetObjectRetention",
        "PutObjectRetention",
        "DeleteObjectRetention",
        "PostObjectRetention",
    ),
    (
        "select",
        "GetObjectSelect",
        "PutObjectSelect",
        "DeleteObjectSelect",
        "SelectObjectContent",
    ),
    (
        "tagging",
        "GetObjectTagging",
        "PutObjectTagging",
        "DeleteObjectTagging",
        "PostObjectTagging",
    ),
    (
        "torrent",
        "GetObjectTorrent",
        "PutObjectTorrent",
        "DeleteObjectTorrent",
        "PostObjectTorrent",
    ),
];

/// Resolves the operation of a request on `bucket` (None: the service) and `key`
/// (None: the bucket itself).
pub(crate) fn resolve(
    method: &Method,
    bucket: Option<&str>,
    key: Option<&str>,
    query: &Query,
    has_copy_source: bool,
) -> Operation {
    match (bucket, key) {
        (None, _) => match *method {
            Method::GET => Operation::ListBuckets,
            _ => Operation::NotImplemented("UnknownServiceOperation"),
        },
        (Some(_), None) => resolve_bucket(method, query),
        (Some(_), Some(_)) => resolve_object(method, query, has_copy_source),
    }
}

fn resolve_bucket(method: &Method, query: &Query) -> Operation {
    if *method == Method::GET {
        if query.has("location") {
            return Operation::GetBucketLocation;
        }
        if query.has("versioning") {
            return Operation::GetBucketVersioning;
        }
        if query.has("versions") {
            return Operation::ListObjectVersions;
        }
        if query.has("uploads") {
            return Operation::ListMultipartUploads;
        }
    }
    if *method == Method::POST && query.has("delete") {
        return Operation::DeleteObjects;
    }
    for &(name, get, put, delete) in BUCKET_SUBRESOURCES {
        if query.has(name) {
            return Operation::NotImplemented(match *method {
                Method::GET | Method::HEAD => get,
                Method::PUT => put,
                Method::DELETE => delete,
                _ => "UnknownBucketOperation",
            });
        }
    }
    match *method {
        Method::GET if query.get("list-type") == Some("2") => Operation::ListObjectsV2,
        Method::GET => Operation::ListObjects,
        Method::PUT => Operation::CreateBucket,
        Method::HEAD => Operation::HeadBucket,
        Method::DELETE => Operation::DeleteBucket,
        Method::POST => Operation::NotImplemented("PostObject"),
        _ => Operation::NotImplemented("UnknownBucketOperation"),
    }
}

fn resolve_object(method: &Method, query: &Query, has_copy_source: bool) -> Operation {
    if *method == Method::GET && query.has("tagging") {
        return Operation::GetObjectTagging;
    }
    for &(name, get, put, delete, post) in OBJECT_SUBRESOURCES {
        if query.has(name) {
            return Operation::NotImplemented(match *method {
                Method::GET | Method::HEAD => get,
                Method::PUT => put,
                Method::DELETE => delete,
                Method::POST => post,
                _ => "UnknownObjectOperation",
            });
        }
    }
    let has_upload_id = query.has("uploadId");
    match *method {
        Method::PUT if has_upload_id && has_copy_source => {
            Operation::NotImplemented("UploadPartCopy")
        }
        Method::PUT if has_upload_id => Operation::UploadPart,
        Method::PUT if has_copy_source => Operation::CopyObject,
        Method::PUT => Operation::PutObject,
        Method::GET if has_upload_id => Operation::ListParts,
        Method::GET => Operation::GetObject,
        Method::HEAD => Operation::HeadObject,
        Method::DELETE if has_upload_id => Operation::AbortMultipartUpload,
        Method::DELETE => Operation::DeleteObject,
        Method::POST if query.has("uploads") => Operation::CreateMultipartUpload,
        Method::POST if has_upload_id => Operation::CompleteMultipartUpload,
        _ => Operation::NotImplemented("UnknownObjectOperation"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: Method, bucket: Option<&str>, key: Option<&str>, query: &str) -> Operation {
        resolve(&method, bucket, key, &Query::parse(query), false)
    }

    #[test]
    fn service_and_bucket_operations() {
        assert_eq!(op(Method::GET, None, None, ""), Operation::ListBuckets);
        assert_eq!(
            op(Method::PUT, Some("b"), None, ""),
            Operation::CreateBucket
        );
        assert_eq!(
            op(Method::GET, Some("b"), None, "list-type=2"),
            Operation::ListObjectsV2
        );
        assert_eq!(
            op(Method::GET, Some("b"), None, "prefix=a"),
            Operation::ListObjects
        );
        assert_eq!(
            op(Method::GET, Some("b"), None, "versions"),
            Operation::ListObjectVersions
        );
        assert_eq!(
            op(Method::GET, Some("b"), None, "location"),
            Operation::GetBucketLocation
        );
        assert_eq!(
            op(Method::POST, Some("b"), None, "delete"),
            Operation::DeleteObjects
        );
    }

    #[test]
    fn permissions_follow_access_levels() {
        assert_eq!(
            Operation::ListBuckets.required_permission(),
            Permission::Caller
        );
        assert_eq!(
            Operation::CreateBucket.required_permission(),
            Permission::Master
        );
        assert_eq!(
            Operation::DeleteBucket.required_permission(),
            Permission::Master
        );
        assert_eq!(
            Operation::ListParts.required_permission(),
            Permission::Grant(Access::Read)
        );
        assert_eq!(
            Operation::DeleteObjects.required_permission(),
            Permission::Grant(Access::ReadWrite)
        );
        assert_eq!(
            Operation::NotImplemented("PutBucketCors").required_permission(),
            Permission::Master
        );
    }

    #[test]
    fn request_classes() {
        assert_eq!(
            Operation::ListObjects.request_class(),
            Some(RequestClass::A)
        );
        assert_eq!(Operation::PutObject.request_class(), Some(RequestClass::A));
        assert_eq!(Operation::HeadObject.request_class(), Some(RequestClass::B));
        assert_eq!(Operation::DeleteObjects.request_class(), None);
        assert_eq!(
            Operation::NotImplemented("GetBucketPolicy").request_class(),
            Some(RequestClass::B)
        );
        assert_eq!(
            Operation::NotImplemented("PutBucketPolicy").request_class(),
            Some(RequestClass::A)
        );
        assert_eq!(
            Operation::NotImplemented("DeleteBucketPolicy").request_class(),
            None
        );
    }

    #[test]
    fn unimplemented_subresources_named() {
        assert_eq!(
            op(Method::PUT, Some("b"), None, "policy"),
            Operation::NotImplemented("PutBucketPolicy")
        );
        assert_eq!(
            op(Method::PUT, Some("b"), None, "versioning"),
            Operation::NotImplemented("PutBucketVersioning")
        );
        assert_eq!(
            op(Method::GET, Some("b"), Some("k"), "acl"),
            Operation::NotImplemented("GetObjectAcl")
        );
    }

    #[test]
    fn object_operations() {
        assert_eq!(
            op(Method::PUT, Some("b"), Some("k"), "partNumber=1&uploadId=u"),
            Operation::UploadPart
        );
        assert_eq!(
            op(Method::POST, Some("b"), Some("k"), "uploads"),
            Operation::CreateMultipartUpload
        );
        assert_eq!(
            op(Method::POST, Some("b"), Some("k"), "uploadId=u"),
            Operation::CompleteMultipartUpload
        );
        assert_eq!(
            op(Method::DELETE, Some("b"), Some("k"), "uploadId=u"),
            Operation::AbortMultipartUpload
        );
        assert_eq!(
            op(Method::GET, Some("b"), Some("k"), "uploadId=u"),
            Operation::ListParts
        );
        assert_eq!(
            op(Method::GET, Some("b"), Some("k"), "x-id=GetObject"),
            Operation::GetObject
        );
        let copy = resolve(&Method::PUT, Some("b"), Some("k"), &Query::parse(""), true);
        assert_eq!(copy, Operation::CopyObject);
        assert_eq!(
            op(Method::GET, Some("b"), Some("k"), "tagging"),
            Operation::GetObjectTagging
        );
        assert_eq!(
            op(Method::PUT, Some("b"), Some("k"), "tagging"),
            Operation::NotImplemented("PutObjectTagging")
        );
    }
}
