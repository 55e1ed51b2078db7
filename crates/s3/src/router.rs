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
    /// PUT `?tagging` on an object.
    PutObjectTagging,
    /// DELETE `?tagging` on an object.
    DeleteObjectTagging,
    /// GET `?tagging` on a bucket.
    GetBucketTagging,
    /// PUT `?tagging` on a bucket.
    PutBucketTagging,
    /// DELETE `?tagging` on a bucket.
    DeleteBucketTagging,
    /// GET `?cors`.
    GetBucketCors,
    /// PUT `?cors`.
    PutBucketCors,
    /// DELETE `?cors`.
    DeleteBucketCors,
    /// OPTIONS on a bucket or object: a browser's CORS preflight, served without a signature.
    CorsPreflight,
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
    /// PUT `?partNumber&uploadId` with `x-amz-copy-source`.
    UploadPartCopy,
    /// POST `?uploadId`.
    CompleteMultipartUpload,
    /// DELETE `?uploadId`.
    AbortMultipartUpload,
    /// GET `?uploadId`.
    ListParts,
    /// GET `?attributes` on an object.
    GetObjectAttributes,
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
            Operation::PutObjectTagging => "PutObjectTagging",
            Operation::DeleteObjectTagging => "DeleteObjectTagging",
            Operation::GetBucketTagging => "GetBucketTagging",
            Operation::PutBucketTagging => "PutBucketTagging",
            Operation::DeleteBucketTagging => "DeleteBucketTagging",
            Operation::GetBucketCors => "GetBucketCors",
            Operation::PutBucketCors => "PutBucketCors",
            Operation::DeleteBucketCors => "DeleteBucketCors",
            Operation::CorsPreflight => "CorsPreflight",
            Operation::GetObject => "GetObject",
            Operation::HeadObject => "HeadObject",
            Operation::DeleteObject => "DeleteObject",
            Operation::CreateMultipartUpload => "CreateMultipartUpload",
            Operation::UploadPart => "UploadPart",
            Operation::UploadPartCopy => "UploadPartCopy",
            Operation::CompleteMultipartUpload => "CompleteMultipartUpload",
            Operation::AbortMultipartUpload => "AbortMultipartUpload",
            Operation::ListParts => "ListParts",
            Operation::GetObjectAttributes => "GetObjectAttributes",
            Operation::NotImplemented(name) => name,
        }
    }
}

/// Permission an operation requires. Operations only ever reach buckets of the caller's own account.
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
            | Operation::GetObjectAttributes
            | Operation::ListParts => Permission::Grant(Read),
            // The copies also need read on the source bucket, checked where it is loaded.
            Operation::DeleteObjects
            | Operation::PutObject
            | Operation::CopyObject
            | Operation::DeleteObject
            | Operation::PutObjectTagging
            | Operation::DeleteObjectTagging
            | Operation::CreateMultipartUpload
            | Operation::UploadPart
            | Operation::UploadPartCopy
            | Operation::CompleteMultipartUpload
            | Operation::AbortMultipartUpload => Permission::Grant(ReadWrite),
            Operation::GetBucketTagging
            | Operation::PutBucketTagging
            | Operation::DeleteBucketTagging
            | Operation::GetBucketCors
            | Operation::PutBucketCors
            | Operation::DeleteBucketCors => Permission::Master,
            // Both are handled before authentication: a preflight from the bucket's CORS
            // rules, the rest with 501.
            Operation::CorsPreflight | Operation::NotImplemented(_) => Permission::Master,
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
            | Operation::UploadPartCopy
            | Operation::CompleteMultipartUpload
            | Operation::PutObjectTagging
            | Operation::PutBucketTagging
            | Operation::PutBucketCors => Some(RequestClass::A),
            Operation::HeadBucket
            | Operation::GetBucketLocation
            | Operation::GetBucketVersioning
            | Operation::GetObjectTagging
            | Operation::GetBucketTagging
            | Operation::GetBucketCors
            | Operation::GetObjectAttributes
            | Operation::GetObject
            | Operation::HeadObject => Some(RequestClass::B),
            // A preflight belongs to no account, so nothing meters it.
            Operation::DeleteBucket
            | Operation::DeleteObjects
            | Operation::DeleteObject
            | Operation::DeleteObjectTagging
            | Operation::DeleteBucketTagging
            | Operation::DeleteBucketCors
            | Operation::AbortMultipartUpload
            | Operation::CorsPreflight => None,
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
        "metadataConfiguration",
        "GetBucketMetadataConfiguration",
        "CreateBucketMetadataConfiguration",
        "DeleteBucketMetadataConfiguration",
    ),
    (
        "metadataInventoryTable",
        "GetBucketMetadataConfiguration",
        "UpdateBucketMetadataInventoryTableConfiguration",
        "DeleteBucketMetadataConfiguration",
    ),
    (
        "metadataJournalTable",
        "GetBucketMetadataConfiguration",
        "UpdateBucketMetadataJournalTableConfiguration",
        "DeleteBucketMetadataConfiguration",
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
    ("session", "CreateSession", "CreateSession", "CreateSession"),
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
        "renameObject",
        "GetRenameObject",
        "RenameObject",
        "DeleteRenameObject",
        "PostRenameObject",
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
        (Some(_), _) if *method == Method::OPTIONS => Operation::CorsPreflight,
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
    if query.has("tagging") {
        match *method {
            Method::GET => return Operation::GetBucketTagging,
            Method::PUT => return Operation::PutBucketTagging,
            Method::DELETE => return Operation::DeleteBucketTagging,
            _ => {}
        }
    }
    if query.has("cors") {
        match *method {
            Method::GET => return Operation::GetBucketCors,
            Method::PUT => return Operation::PutBucketCors,
            Method::DELETE => return Operation::DeleteBucketCors,
            _ => {}
        }
    }
    for &(name, get, put, delete) in BUCKET_SUBRESOURCES {
        if query.has(name) {
            return Operation::NotImplemented(match *method {
                Method::GET | Method::HEAD => get,
                // Metadata table and metadata configuration creation use POST.
                Method::PUT | Method::POST => put,
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
    if query.has("tagging") {
        match *method {
            Method::GET => return Operation::GetObjectTagging,
            Method::PUT => return Operation::PutObjectTagging,
            Method::DELETE => return Operation::DeleteObjectTagging,
            _ => {}
        }
    }
    if *method == Method::GET && query.has("attributes") {
        return Operation::GetObjectAttributes;
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
        Method::PUT if has_upload_id && has_copy_source => Operation::UploadPartCopy,
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
            Operation::PutBucketCors.required_permission(),
            Permission::Master
        );
        assert_eq!(
            Operation::UploadPartCopy.required_permission(),
            Permission::Grant(Access::ReadWrite)
        );
        assert_eq!(
            Operation::NotImplemented("PutBucketPolicy").required_permission(),
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
            op(Method::GET, Some("b"), Some("k"), "attributes"),
            Operation::GetObjectAttributes
        );
        let part_copy = resolve(
            &Method::PUT,
            Some("b"),
            Some("k"),
            &Query::parse("partNumber=2&uploadId=u"),
            true,
        );
        assert_eq!(part_copy, Operation::UploadPartCopy);
        assert_eq!(
            op(Method::PUT, Some("b"), Some("k"), "tagging"),
            Operation::PutObjectTagging
        );
        assert_eq!(
            op(Method::DELETE, Some("b"), Some("k"), "tagging"),
            Operation::DeleteObjectTagging
        );
    }

    #[test]
    fn bucket_tagging_and_cors() {
        let cases = [
            (Method::GET, "tagging", Operation::GetBucketTagging),
            (Method::PUT, "tagging", Operation::PutBucketTagging),
            (Method::DELETE, "tagging", Operation::DeleteBucketTagging),
            (Method::GET, "cors", Operation::GetBucketCors),
            (Method::PUT, "cors", Operation::PutBucketCors),
            (Method::DELETE, "cors", Operation::DeleteBucketCors),
        ];
        for (method, query, expected) in cases {
            assert_eq!(
                op(method.clone(), Some("b"), None, query),
                expected,
                "{method} ?{query}"
            );
        }
    }

    #[test]
    fn options_is_preflight() {
        assert_eq!(
            op(Method::OPTIONS, Some("b"), Some("k"), ""),
            Operation::CorsPreflight
        );
        assert_eq!(
            op(Method::OPTIONS, Some("b"), None, ""),
            Operation::CorsPreflight
        );
        assert!(matches!(
            op(Method::OPTIONS, None, None, ""),
            Operation::NotImplemented(_)
        ));
    }

    #[test]
    fn x_id_parameter_ignored() {
        let cases = [
            (
                Method::GET,
                None,
                None,
                "x-id=ListBuckets",
                Operation::ListBuckets,
            ),
            (
                Method::PUT,
                Some("b"),
                Some("k"),
                "x-id=PutObject",
                Operation::PutObject,
            ),
            (
                Method::POST,
                Some("b"),
                None,
                "delete&x-id=DeleteObjects",
                Operation::DeleteObjects,
            ),
            (
                Method::PUT,
                Some("b"),
                Some("k"),
                "tagging&x-id=PutObjectTagging",
                Operation::PutObjectTagging,
            ),
        ];
        for (method, bucket, key, query, expected) in cases {
            assert_eq!(op(method, bucket, key, query), expected, "{query}");
        }
    }

    /// Every AWS S3 operation this server does not implement, as the request that names it,
    /// with the operation name the router reports. None of them may reach a handler.
    #[test]
    fn unimplemented_operations_are_501() {
        let bucket = |method: Method, query: &'static str, name: &'static str| {
            (method, Some("b"), None, query, name)
        };
        let object = |method: Method, query: &'static str, name: &'static str| {
            (method, Some("b"), Some("k"), query, name)
        };
        let cases = [
            bucket(
                Method::GET,
                "accelerate",
                "GetBucketAccelerateConfiguration",
            ),
            bucket(
                Method::PUT,
                "accelerate",
                "PutBucketAccelerateConfiguration",
            ),
            bucket(Method::GET, "acl", "GetBucketAcl"),
            bucket(Method::PUT, "acl", "PutBucketAcl"),
            bucket(Method::GET, "analytics", "GetBucketAnalyticsConfiguration"),
            bucket(
                Method::GET,
                "analytics&id=a",
                "GetBucketAnalyticsConfiguration",
            ),
            bucket(
                Method::PUT,
                "analytics&id=a",
                "PutBucketAnalyticsConfiguration",
            ),
            bucket(
                Method::DELETE,
                "analytics&id=a",
                "DeleteBucketAnalyticsConfiguration",
            ),
            bucket(Method::GET, "encryption", "GetBucketEncryption"),
            bucket(Method::PUT, "encryption", "PutBucketEncryption"),
            bucket(Method::DELETE, "encryption", "DeleteBucketEncryption"),
            bucket(
                Method::GET,
                "intelligent-tiering",
                "GetBucketIntelligentTieringConfiguration",
            ),
            bucket(
                Method::PUT,
                "intelligent-tiering&id=a",
                "PutBucketIntelligentTieringConfiguration",
            ),
            bucket(
                Method::DELETE,
                "intelligent-tiering&id=a",
                "DeleteBucketIntelligentTieringConfiguration",
            ),
            bucket(Method::GET, "inventory", "GetBucketInventoryConfiguration"),
            bucket(
                Method::PUT,
                "inventory&id=a",
                "PutBucketInventoryConfiguration",
            ),
            bucket(
                Method::DELETE,
                "inventory&id=a",
                "DeleteBucketInventoryConfiguration",
            ),
            bucket(Method::GET, "lifecycle", "GetBucketLifecycleConfiguration"),
            bucket(Method::PUT, "lifecycle", "PutBucketLifecycleConfiguration"),
            bucket(Method::DELETE, "lifecycle", "DeleteBucketLifecycle"),
            bucket(Method::GET, "logging", "GetBucketLogging"),
            bucket(Method::PUT, "logging", "PutBucketLogging"),
            bucket(
                Method::POST,
                "metadataConfiguration",
                "CreateBucketMetadataConfiguration",
            ),
            bucket(
                Method::GET,
                "metadataConfiguration",
                "GetBucketMetadataConfiguration",
            ),
            bucket(
                Method::DELETE,
                "metadataConfiguration",
                "DeleteBucketMetadataConfiguration",
            ),
            bucket(
                Method::PUT,
                "metadataInventoryTable",
                "UpdateBucketMetadataInventoryTableConfiguration",
            ),
            bucket(
                Method::PUT,
                "metadataJournalTable",
                "UpdateBucketMetadataJournalTableConfiguration",
            ),
            bucket(
                Method::POST,
                "metadataTable",
                "CreateBucketMetadataTableConfiguration",
            ),
            bucket(
                Method::GET,
                "metadataTable",
                "GetBucketMetadataTableConfiguration",
            ),
            bucket(
                Method::DELETE,
                "metadataTable",
                "DeleteBucketMetadataTableConfiguration",
            ),
            bucket(Method::GET, "metrics", "GetBucketMetricsConfiguration"),
            bucket(Method::PUT, "metrics&id=a", "PutBucketMetricsConfiguration"),
            bucket(
                Method::DELETE,
                "metrics&id=a",
                "DeleteBucketMetricsConfiguration",
            ),
            bucket(
                Method::GET,
                "notification",
                "GetBucketNotificationConfiguration",
            ),
            bucket(
                Method::PUT,
                "notification",
                "PutBucketNotificationConfiguration",
            ),
            bucket(Method::GET, "object-lock", "GetObjectLockConfiguration"),
            bucket(Method::PUT, "object-lock", "PutObjectLockConfiguration"),
            bucket(
                Method::GET,
                "ownershipControls",
                "GetBucketOwnershipControls",
            ),
            bucket(
                Method::PUT,
                "ownershipControls",
                "PutBucketOwnershipControls",
            ),
            bucket(
                Method::DELETE,
                "ownershipControls",
                "DeleteBucketOwnershipControls",
            ),
            bucket(Method::GET, "policy", "GetBucketPolicy"),
            bucket(Method::PUT, "policy", "PutBucketPolicy"),
            bucket(Method::DELETE, "policy", "DeleteBucketPolicy"),
            bucket(Method::GET, "policyStatus", "GetBucketPolicyStatus"),
            bucket(Method::GET, "publicAccessBlock", "GetPublicAccessBlock"),
            bucket(Method::PUT, "publicAccessBlock", "PutPublicAccessBlock"),
            bucket(
                Method::DELETE,
                "publicAccessBlock",
                "DeletePublicAccessBlock",
            ),
            bucket(Method::GET, "replication", "GetBucketReplication"),
            bucket(Method::PUT, "replication", "PutBucketReplication"),
            bucket(Method::DELETE, "replication", "DeleteBucketReplication"),
            bucket(Method::GET, "requestPayment", "GetBucketRequestPayment"),
            bucket(Method::PUT, "requestPayment", "PutBucketRequestPayment"),
            bucket(Method::GET, "session", "CreateSession"),
            bucket(Method::PUT, "versioning", "PutBucketVersioning"),
            bucket(Method::GET, "website", "GetBucketWebsite"),
            bucket(Method::PUT, "website", "PutBucketWebsite"),
            bucket(Method::DELETE, "website", "DeleteBucketWebsite"),
            bucket(Method::POST, "", "PostObject"),
            object(Method::GET, "acl", "GetObjectAcl"),
            object(Method::PUT, "acl", "PutObjectAcl"),
            object(Method::GET, "legal-hold", "GetObjectLegalHold"),
            object(Method::PUT, "legal-hold", "PutObjectLegalHold"),
            object(Method::GET, "retention", "GetObjectRetention"),
            object(Method::PUT, "retention", "PutObjectRetention"),
            object(Method::PUT, "renameObject", "RenameObject"),
            object(Method::POST, "restore", "RestoreObject"),
            object(Method::POST, "select&select-type=2", "SelectObjectContent"),
            object(Method::GET, "torrent", "GetObjectTorrent"),
            (
                Method::POST,
                Some("WriteGetObjectResponse"),
                None,
                "",
                "PostObject",
            ),
        ];
        for (method, bucket, key, query, name) in cases {
            assert_eq!(
                op(method.clone(), bucket, key, query),
                Operation::NotImplemented(name),
                "{method} {bucket:?} {key:?} ?{query}"
            );
        }
    }

    #[test]
    fn unknown_methods_are_501() {
        for method in [Method::PATCH, Method::TRACE, Method::CONNECT] {
            assert!(matches!(
                op(method.clone(), Some("b"), Some("k"), ""),
                Operation::NotImplemented(_)
            ));
            assert!(matches!(
                op(method.clone(), Some("b"), None, ""),
                Operation::NotImplemented(_)
            ));
            assert!(matches!(
                op(method, None, None, ""),
                Operation::NotImplemented(_)
            ));
        }
    }
}
