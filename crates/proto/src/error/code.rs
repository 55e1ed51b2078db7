//! The table of S3 error codes: each code's HTTP status and default message, declared once.

use http::StatusCode;

/// Declares [`S3ErrorCode`] from one table, so a code, its status and its message never drift
/// apart. The message also becomes the variant's documentation.
macro_rules! s3_error_codes {
    ($($code:ident => $status:ident, $message:literal;)*) => {
        /// An S3 error code, as sent in the `<Code>` element of an error response.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum S3ErrorCode {
            $(
                #[doc = concat!("`", stringify!($status), "`: ", $message)]
                $code,
            )*
        }

        impl S3ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [S3ErrorCode] = &[$(S3ErrorCode::$code),*];

            /// Returns the code as it appears on the wire, such as `NoSuchKey`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(S3ErrorCode::$code => stringify!($code),)*
                }
            }

            /// Returns the HTTP status that S3 sends with this code.
            pub fn status(self) -> StatusCode {
                match self {
                    $(S3ErrorCode::$code => StatusCode::$status,)*
                }
            }

            /// Returns the message S3 sends when nothing more specific is known.
            pub fn default_message(self) -> &'static str {
                match self {
                    $(S3ErrorCode::$code => $message,)*
                }
            }

            /// Looks up a code by its wire name, case-sensitively as on the wire.
            pub fn from_name(name: &str) -> Option<S3ErrorCode> {
                match name {
                    $(stringify!($code) => Some(S3ErrorCode::$code),)*
                    _ => None,
                }
            }
        }
    };
}

// Messages follow the wording AWS sends. QuotaExceeded is our own code for account storage
// quotas: AWS has no general equivalent, so its message is ours.
s3_error_codes! {
    AccessDenied => FORBIDDEN, "Access Denied";
    AccessForbidden => FORBIDDEN, "CORSResponse: This CORS request is not allowed.";
    AccountProblem => FORBIDDEN,
        "There is a problem with your account that prevents the operation from completing \
         successfully.";
    AuthorizationHeaderMalformed => BAD_REQUEST, "The authorization header is malformed.";
    AuthorizationQueryParametersError => BAD_REQUEST,
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, \
         X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";
    BadRequest => BAD_REQUEST, "Bad Request";
    BadDigest => BAD_REQUEST, "The Content-MD5 you specified did not match what we received.";
    BucketAlreadyExists => CONFLICT,
        "The requested bucket name is not available. The bucket namespace is shared by all \
         users of the system. Please select a different name and try again.";
    BucketAlreadyOwnedByYou => CONFLICT,
        "Your previous request to create the named bucket succeeded and you already own it.";
    BucketNotEmpty => CONFLICT, "The bucket you tried to delete is not empty";
    ConditionalRequestConflict => CONFLICT,
        "A conflicting conditional action is currently in progress against this resource. \
         Try again.";
    EntityTooLarge => BAD_REQUEST, "Your proposed upload exceeds the maximum allowed size";
    EntityTooSmall => BAD_REQUEST, "Your proposed upload is smaller than the minimum allowed size";
    ExpiredToken => BAD_REQUEST, "The provided token has expired.";
    IllegalLocationConstraintException => BAD_REQUEST,
        "The unspecified location constraint is incompatible for the region specific endpoint \
         this request was sent to.";
    IncompleteBody => BAD_REQUEST,
        "You did not provide the number of bytes specified by the Content-Length HTTP header";
    InternalError => INTERNAL_SERVER_ERROR, "We encountered an internal error. Please try again.";
    InvalidAccessKeyId => FORBIDDEN,
        "The access key ID you provided does not exist in our records.";
    InvalidArgument => BAD_REQUEST, "Invalid Argument";
    InvalidBucketName => BAD_REQUEST, "The specified bucket is not valid.";
    InvalidBucketState => CONFLICT, "The request is not valid with the current state of the bucket.";
    InvalidChunkSizeError => FORBIDDEN,
        "Only the last chunk is allowed to have a size less than 8192 bytes";
    InvalidDigest => BAD_REQUEST, "The Content-MD5 you specified is not valid.";
    InvalidLocationConstraint => BAD_REQUEST, "The specified location-constraint is not valid";
    InvalidPart => BAD_REQUEST,
        "One or more of the specified parts could not be found. The part may not have been \
         uploaded, or the specified entity tag may not match the part's entity tag.";
    InvalidPartOrder => BAD_REQUEST,
        "The list of parts was not in ascending order. The parts list must be specified in \
         order by part number.";
    InvalidRange => RANGE_NOT_SATISFIABLE, "The requested range is not satisfiable";
    InvalidRequest => BAD_REQUEST, "Invalid Request";
    InvalidStorageClass => BAD_REQUEST, "The storage class you specified is not valid";
    InvalidTag => BAD_REQUEST, "The tag provided was not a valid tag.";
    InvalidURI => BAD_REQUEST, "Couldn't parse the specified URI.";
    InvalidObjectState => FORBIDDEN, "The operation is not valid for the object's storage class";
    KeyTooLongError => BAD_REQUEST, "Your key is too long";
    MalformedACLError => BAD_REQUEST,
        "The XML you provided was not well-formed or did not validate against our published \
         schema.";
    MalformedPolicy => BAD_REQUEST, "Policies must be valid JSON and the first byte must be '{'";
    MalformedXML => BAD_REQUEST,
        "The XML you provided was not well-formed or did not validate against our published \
         schema";
    MetadataTooLarge => BAD_REQUEST,
        "Your metadata headers exceed the maximum allowed metadata size";
    MethodNotAllowed => METHOD_NOT_ALLOWED,
        "The specified method is not allowed against this resource.";
    MissingContentLength => LENGTH_REQUIRED, "You must provide the Content-Length HTTP header.";
    MissingRequestBodyError => BAD_REQUEST, "Request Body is empty";
    MissingSecurityHeader => BAD_REQUEST, "Your request was missing a required header";
    NoSuchBucket => NOT_FOUND, "The specified bucket does not exist";
    NoSuchBucketPolicy => NOT_FOUND, "The bucket policy does not exist";
    NoSuchCORSConfiguration => NOT_FOUND, "The CORS configuration does not exist";
    NoSuchKey => NOT_FOUND, "The specified key does not exist.";
    NoSuchLifecycleConfiguration => NOT_FOUND, "The lifecycle configuration does not exist";
    NoSuchTagSet => NOT_FOUND, "The TagSet does not exist";
    NoSuchUpload => NOT_FOUND,
        "The specified upload does not exist. The upload ID may be invalid, or the upload may \
         have been aborted or completed.";
    NoSuchVersion => NOT_FOUND,
        "The specified version does not exist.";
    NotImplemented => NOT_IMPLEMENTED,
        "A header you provided implies functionality that is not implemented";
    NotModified => NOT_MODIFIED, "Not Modified";
    OperationAborted => CONFLICT,
        "A conflicting conditional operation is currently in progress against this resource. \
         Please try again.";
    PreconditionFailed => PRECONDITION_FAILED,
        "At least one of the pre-conditions you specified did not hold";
    QuotaExceeded => FORBIDDEN, "The request would exceed the storage quota of the account.";
    RequestTimeTooSkewed => FORBIDDEN,
        "The difference between the request time and the current time is too large.";
    RequestTimeout => BAD_REQUEST,
        "Your socket connection to the server was not read from or written to within the \
         timeout period. Idle connections will be closed.";
    ServerSideEncryptionConfigurationNotFoundError => NOT_FOUND,
        "The server side encryption configuration was not found";
    ServiceUnavailable => SERVICE_UNAVAILABLE, "Service is unable to handle request.";
    SignatureDoesNotMatch => FORBIDDEN,
        "The request signature we calculated does not match the signature you provided. Check \
         your key and signing method.";
    SlowDown => SERVICE_UNAVAILABLE, "Please reduce your request rate.";
    TooManyBuckets => BAD_REQUEST, "You have attempted to create more buckets than allowed";
    UnexpectedContent => BAD_REQUEST, "This request does not support content";
    XAmzContentSHA256Mismatch => BAD_REQUEST,
        "The provided 'x-amz-content-sha256' header does not match what was computed.";
}

impl std::fmt::Display for S3ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_of_codes() {
        let cases = [
            (S3ErrorCode::NoSuchKey, 404),
            (S3ErrorCode::InvalidRange, 416),
            (S3ErrorCode::MissingContentLength, 411),
            (S3ErrorCode::NotModified, 304),
            (S3ErrorCode::SlowDown, 503),
            (S3ErrorCode::InvalidObjectState, 403),
            (S3ErrorCode::BucketNotEmpty, 409),
            (S3ErrorCode::MethodNotAllowed, 405),
            (S3ErrorCode::NotImplemented, 501),
            (S3ErrorCode::PreconditionFailed, 412),
        ];
        for (code, status) in cases {
            assert_eq!(code.status().as_u16(), status, "{code}");
        }
    }

    #[test]
    fn name_round_trip() {
        for &code in S3ErrorCode::ALL {
            assert_eq!(S3ErrorCode::from_name(code.as_str()), Some(code));
        }
    }

    #[test]
    fn name_unknown() {
        assert_eq!(S3ErrorCode::from_name("nosuchkey"), None);
    }

    #[test]
    fn messages_not_empty() {
        for &code in S3ErrorCode::ALL {
            assert!(!code.default_message().is_empty(), "{code}");
        }
    }

    #[test]
    fn messages_single_spaced() {
        // A backslash at a line end inside a literal swallows the next line's indentation, so
        // a wrapped message must still read with single spaces.
        for &code in S3ErrorCode::ALL {
            assert!(!code.default_message().contains("  "), "{code}");
        }
    }
}
