//! The console's stylesheet and script, embedded in the binary.

use http::{HeaderValue, Response, StatusCode, header};
use oss_s3::ResponseBody;

use crate::web;

const STYLESHEET: &str = include_str!("../assets/console.css");
const SCRIPT: &str = include_str!("../assets/console.js");

/// Path of the stylesheet.
pub(crate) const STYLESHEET_PATH: &str = "/console/static/console.css";
/// Path of the script.
pub(crate) const SCRIPT_PATH: &str = "/console/static/console.js";

/// Serves a static file, or None when `path` names none.
pub(crate) fn serve(path: &str) -> Option<Response<ResponseBody>> {
    let (content_type, body) = match path {
        STYLESHEET_PATH => ("text/css; charset=utf-8", STYLESHEET),
        SCRIPT_PATH => ("text/javascript; charset=utf-8", SCRIPT),
        _ => return None,
    };
    let mut response = web::response(StatusCode::OK, content_type, body);
    // Both files are small, and a new binary may change them, so browsers fetch them again
    // rather than risk a stale copy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Some(response)
}
