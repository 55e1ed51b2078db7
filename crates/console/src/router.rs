//! The console's routes: public ones (sign-in, static files), then the session check, the
//! CSRF check of every request that is not a GET, and the pages and actions.

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use oss_s3::ResponseBody;
use percent_encoding::percent_decode_str;

use crate::Inner;
use crate::assets;
use crate::context::{Ctx, Failure, Session};
use crate::layout::CSRF_FIELD;
use crate::pages::{self, Outcome};
use crate::transfer;
use crate::web::{self, Form};

/// Sign-in addresses for a session whose key was deleted or whose account was released.
const ENDED_LOCATION: &str = "/?session=ended";
/// Sign-in address for a session whose account's release has finished.
pub(crate) const RELEASED_LOCATION: &str = "/?session=released";

/// Header that carries the CSRF token of script requests.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

pub(crate) async fn route<B>(inner: &Inner, request: Request<B>) -> Response<ResponseBody>
where
    B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = Form::parse(request.uri().query().unwrap_or("").as_bytes());

    // Routes served without a session.
    if method == Method::GET
        && let Some(response) = assets::serve(&path)
    {
        return response;
    }
    match (&method, path.as_str()) {
        (&Method::GET, "/" | "/console" | "/console/") => {
            return pages::signin::home(inner, request.headers(), &query).await;
        }
        (&Method::POST, "/console/sign-in") => return pages::signin::sign_in(inner, request).await,
        _ => {}
    }

    let segments: Vec<String> = path
        .trim_start_matches("/console/")
        .split('/')
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy().into_owned())
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ctx = match Ctx::load(inner, request.headers()).await {
        Ok(Session::SignedIn(ctx)) => *ctx,
        Ok(Session::None) => return signed_out(&method, &segments, "/"),
        Ok(Session::Ended) => return signed_out(&method, &segments, ENDED_LOCATION),
        Ok(Session::Released) => return signed_out(&method, &segments, RELEASED_LOCATION),
        Err(failure) => return pages::bare_error(&failure),
    };

    if ctx.releasing && !allowed_while_releasing(&method, &segments) {
        return web::redirect(&ctx.home());
    }
    if method == Method::GET {
        return get(inner, &ctx, &segments, &query).await;
    }

    // Script requests carry the token in a header; forms carry it in a field.
    if transfer::is_transfer_route(&segments) {
        let sent = web::header_text(
            request.headers(),
            &http::HeaderName::from_static(CSRF_HEADER),
        );
        if !ctx.csrf_matches(sent) {
            return web::json_error(
                StatusCode::FORBIDDEN,
                "InvalidCsrfToken",
                "the request has no valid X-CSRF-Token header; reload the page",
            );
        }
        return transfer::handle(inner, &ctx, &method, &segments, &query, request).await;
    }
    let Ok(body) = web::read_body(request.into_body(), web::MAX_FORM_BYTES).await else {
        let failure = Failure::bad_request(format!(
            "the form is larger than {} bytes, or its upload failed",
            web::MAX_FORM_BYTES
        ));
        return pages::error_page(inner, &ctx, &failure).await;
    };
    let form = Form::parse(&body);
    if !ctx.csrf_matches(form.get(CSRF_FIELD)) {
        let failure = Failure {
            status: StatusCode::FORBIDDEN,
            message: "The form did not carry this session's CSRF token, so it was rejected. \
                      Reload the page and submit it again."
                .to_owned(),
        };
        return pages::error_page(inner, &ctx, &failure).await;
    }
    if method != Method::POST {
        return not_found(inner, &ctx).await;
    }
    let outcome = post(inner, &ctx, &segments, &form).await;
    match outcome {
        Some(outcome) => outcome.respond(inner, &ctx),
        None => not_found(inner, &ctx).await,
    }
}

/// Serves the pages.
async fn get(inner: &Inner, ctx: &Ctx, segments: &[&str], query: &Form) -> Response<ResponseBody> {
    use pages::{access, accounts, browser, buckets, capacity, keys, overview, users};
    let result = match segments {
        ["accounts"] => accounts::list(inner, ctx).await,
        ["accounts", account] => overview::show(inner, ctx, account).await,
        ["accounts", account, "access"] => access::show(inner, ctx, account).await,
        ["accounts", account, "buckets"] => buckets::list(inner, ctx, account).await,
        ["accounts", account, "buckets", bucket] => {
            buckets::show(inner, ctx, account, bucket).await
        }
        ["accounts", account, "buckets", bucket, "objects"] => {
            browser::list(inner, ctx, account, bucket, query).await
        }
        ["accounts", account, "buckets", bucket, "object"] => {
            browser::details(inner, ctx, account, bucket, query).await
        }
        ["accounts", account, "buckets", bucket, "download"] => {
            transfer::download(inner, ctx, account, bucket, query).await
        }
        ["accounts", account, "users"] => users::list(inner, ctx, account).await,
        ["accounts", account, "keys"] => keys::list(inner, ctx, account, query).await,
        ["accounts", account, "capacity"] => capacity::show(inner, ctx, account).await,
        ["accounts", account, "release"] => capacity::release_progress(inner, ctx, account).await,
        _ => Err(Failure::not_found("no console page at this address")),
    };
    match result {
        Ok(response) => response,
        Err(failure) => pages::error_page(inner, ctx, &failure).await,
    }
}

/// Runs the form actions; None when no action has this address.
async fn post(inner: &Inner, ctx: &Ctx, segments: &[&str], form: &Form) -> Option<Outcome> {
    use pages::{accounts, buckets, capacity, keys, signin, users};
    Some(match segments {
        ["sign-out"] => return Some(signin::sign_out(inner, ctx)),
        ["accounts"] => accounts::create(inner, ctx, form).await,
        ["accounts", account, "buckets"] => buckets::create(inner, ctx, account, form).await,
        ["accounts", account, "buckets", bucket, "delete"] => {
            buckets::delete(inner, ctx, account, bucket, form).await
        }
        ["accounts", account, "buckets", bucket, "grants"] => {
            buckets::put_grant(inner, ctx, account, bucket, form).await
        }
        [
            "accounts",
            account,
            "buckets",
            bucket,
            "grants",
            user,
            "delete",
        ] => buckets::delete_grant(inner, ctx, account, bucket, user).await,
        ["accounts", account, "buckets", bucket, "object", "delete"] => {
            pages::browser::delete(inner, ctx, account, bucket, form).await
        }
        ["accounts", account, "users"] => users::create(inner, ctx, account, form).await,
        ["accounts", account, "users", user, "delete"] => {
            users::delete(inner, ctx, account, user).await
        }
        ["accounts", account, "keys"] => keys::create(inner, ctx, account, form).await,
        ["accounts", account, "keys", key, "delete"] => {
            keys::delete(inner, ctx, account, key).await
        }
        ["accounts", account, "capacity", "expand"] => {
            capacity::expand(inner, ctx, account, form).await
        }
        ["accounts", account, "capacity", "shrink"] => {
            capacity::shrink(inner, ctx, account, form).await
        }
        ["accounts", account, "release"] => capacity::release(inner, ctx, account, form).await,
        _ => return None,
    })
}

/// A session whose account is being released gets its release progress page and may sign out.
fn allowed_while_releasing(method: &Method, segments: &[&str]) -> bool {
    matches!(
        (method, segments),
        (&Method::GET, ["accounts", _, "release"]) | (&Method::POST, ["sign-out"])
    )
}

/// Responds to a request without a live session: pages and forms send the browser to sign-in,
/// script requests get 401.
fn signed_out(method: &Method, segments: &[&str], location: &str) -> Response<ResponseBody> {
    if method == Method::GET || !transfer::is_transfer_route(segments) {
        return web::redirect(location);
    }
    web::json_error(
        StatusCode::UNAUTHORIZED,
        "Unauthenticated",
        "the session has ended; sign in again",
    )
}

async fn not_found(inner: &Inner, ctx: &Ctx) -> Response<ResponseBody> {
    let failure = Failure::not_found("no console action at this address");
    pages::error_page(inner, ctx, &failure).await
}
