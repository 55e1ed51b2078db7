//! The S3 wire protocol without the network or storage: the error type with its codes and
//! statuses, XML documents (rendering responses and parsing request bodies), header helpers,
//! byte ranges, conditional requests, CORS rules, bucket and key names, checksums, tags and
//! continuation tokens. The HTTP layer calls these pieces, and nothing here performs I/O.

pub mod checksum;
pub mod conditional;
pub mod cors;
pub mod error;
pub mod headers;
pub mod names;
pub mod pagination;
pub mod range;
pub mod tagging;
pub mod xml;

pub use error::{S3Error, S3ErrorCode, S3Result};
