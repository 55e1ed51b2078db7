//! AWS Signature Version 4 for the S3 API, without I/O: parsing the `Authorization` header
//! and presigned URLs, verifying signatures, decoding `aws-chunked` bodies with their chunk
//! signatures, and signing requests on the client side. It owns no keys and no clock: the
//! caller looks up the secret for an access key id and passes the current time.

mod auth;
mod canonical;
pub mod chunked;
mod date;
mod error;
mod key;
mod payload;
mod sign;
#[cfg(test)]
mod test_vectors;
mod verify;

pub use auth::{
    CredentialScope, HeaderAuth, MAX_PRESIGNED_EXPIRES_SECS, QueryAuth, parse_authorization,
    parse_presigned,
};
pub use canonical::RequestParts;
pub use error::SigV4Error;
pub use key::{SecretKey, SigningContext};
pub use payload::PayloadHash;
pub use sign::{SigningParams, presign_query, sign_request, sign_request_with_context};
pub use verify::{verify_header, verify_presigned};
