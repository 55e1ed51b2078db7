//! The `oss-load` load generator: a SigV4-signing S3 client over keep-alive connections,
//! generated request bodies of any size, and latency and throughput statistics. It sends
//! requests only to loopback endpoints.

pub mod body;
pub mod client;
pub mod credentials;
pub mod run;
pub mod stats;
