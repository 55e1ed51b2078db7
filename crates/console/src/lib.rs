//! The web console of oss: server-rendered pages at `/` of the admin endpoint and routes of
//! their own under `/console/`, for the operator and for each account's users.

mod s3;
mod session;
mod web;
