//! Sign-in with an access key pair or the operator token, and sign-out.
//!
//! The sign-in form has no session yet, so it is guarded by a token of its own: `GET /` sets
//! it in a SameSite=Strict cookie and repeats it in a hidden field, and the sign-in request
//! must carry both. A form posted from another site gets no cookie and fails, so no other
//! site can sign a browser in to an account of its choosing.

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use maud::{Markup, html};
use oss_admin::SESSION_COOKIE;
use oss_s3::ResponseBody;

use super::Outcome;
use crate::Inner;
use crate::context::{Ctx, Failure, Session};
use crate::layout;
use crate::session::{Flash, Identity, random_token, tokens_match};
use crate::web::{self, Form};

/// Cookie and field that carry the sign-in form's token.
const SIGNIN_COOKIE: &str = "oss_signin";
const SIGNIN_FIELD: &str = "signin_token";
/// How long a sign-in form stays usable.
const SIGNIN_TOKEN_SECS: u64 = 60 * 60;

/// `GET /`: the start page of a session, or the sign-in form.
pub(crate) async fn home(
    inner: &Inner,
    headers: &HeaderMap,
    query: &Form,
) -> Response<ResponseBody> {
    match Ctx::load(inner, headers).await {
        Ok(Session::SignedIn(ctx)) => web::redirect(&ctx.home()),
        Ok(Session::None) if query.get("session") == Some("ended") => {
            let ended = Flash::success(
                "Your session has ended: its access key was deleted, or its account was \
                 released.",
            );
            sign_in_page(StatusCode::OK, Some(ended))
        }
        Ok(Session::Released) => sign_in_page(StatusCode::OK, Some(released_flash())),
        Ok(Session::None) if query.get("session") == Some("released") => {
            sign_in_page(StatusCode::OK, Some(released_flash()))
        }
        Ok(Session::None | Session::Ended) => sign_in_page(StatusCode::OK, None),
        Err(failure) => super::bare_error(&failure),
    }
}

/// The message of a session whose account was released.
fn released_flash() -> Flash {
    Flash::success(
        "The account has been released: its buckets, objects, users and keys are deleted, and \
         your session has ended.",
    )
}

/// Renders the sign-in page with a fresh form token.
fn sign_in_page(status: StatusCode, message: Option<Flash>) -> Response<ResponseBody> {
    let token = random_token();
    let flashes: Vec<Flash> = message.into_iter().collect();
    let page = layout::bare_page("Sign in", &flashes, form(&token));
    let mut response = web::html(status, page);
    web::set_cookie(
        &mut response,
        web::cookie(SIGNIN_COOKIE, &token, SIGNIN_TOKEN_SECS),
    );
    response
}

fn form(token: &str) -> Markup {
    html! {
        form.card.stack method="post" action="/console/sign-in" {
            input type="hidden" name=(SIGNIN_FIELD) value=(token);
            input type="hidden" name="kind" value="key";
            div.field {
                label for="access_key_id" { "Access key id" }
                input #access_key_id type="text" name="access_key_id" required
                    autocomplete="username" spellcheck="false" autocapitalize="off";
            }
            div.field {
                label for="secret_access_key" { "Secret access key" }
                input #secret_access_key type="password" name="secret_access_key" required
                    autocomplete="current-password";
            }
            div { button type="submit" { "Sign in" } }
            p.hint {
                "Use a key pair of an account's master user or of one of its users. The secret \
                 is checked on the server and is not kept in the browser."
            }
        }
        details.card {
            summary { "Sign in as the operator" }
            form.stack method="post" action="/console/sign-in" {
                input type="hidden" name=(SIGNIN_FIELD) value=(token);
                input type="hidden" name="kind" value="operator";
                div.field {
                    label for="operator_token" { "Operator token" }
                    span.hint { "The contents of admin.token in the server's data directory." }
                    input #operator_token type="password" name="token" required
                        autocomplete="off";
                }
                div { button type="submit" { "Sign in as operator" } }
            }
        }
    }
}

/// `POST /console/sign-in`: checks the credentials and starts a session.
pub(crate) async fn sign_in<B>(inner: &Inner, request: Request<B>) -> Response<ResponseBody>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let expected = web::request_cookie(request.headers(), SIGNIN_COOKIE).map(str::to_owned);
    let Ok(body) = web::read_body(request.into_body(), web::MAX_FORM_BYTES).await else {
        let error = Flash::error("The sign-in form is too large.");
        return sign_in_page(StatusCode::BAD_REQUEST, Some(error));
    };
    let form = Form::parse(&body);
    let token_valid = expected
        .as_deref()
        .is_some_and(|expected| tokens_match(expected, form.get(SIGNIN_FIELD)));
    if !token_valid {
        let error = Flash::error(
            "The sign-in form has expired or did not come from this console; try again.",
        );
        return sign_in_page(StatusCode::FORBIDDEN, Some(error));
    }

    let identity = match form.text("kind") {
        "operator" => check_operator(inner, &form),
        _ => check_key(inner, &form).await,
    };
    let identity = match identity {
        Ok(identity) => identity,
        Err(failure) => return sign_in_page(failure.status, Some(Flash::error(failure.message))),
    };

    let session_id = inner.sessions.table.create(identity);
    let limits = inner.sessions.table.limits();
    let mut response = web::redirect("/");
    web::set_cookie(
        &mut response,
        web::cookie(SESSION_COOKIE, &session_id, limits.absolute.as_secs()),
    );
    web::set_cookie(&mut response, web::cookie(SIGNIN_COOKIE, "", 0));
    response
}

fn check_operator(inner: &Inner, form: &Form) -> Result<Identity, Failure> {
    let auth = inner.api.authenticator();
    if auth.verify_operator_token(form.text("token")) {
        tracing::info!("operator signed in to the console");
        return Ok(Identity::Operator);
    }
    tracing::info!("console sign-in with a wrong operator token");
    Err(Failure {
        status: StatusCode::UNAUTHORIZED,
        message: "Sign-in failed: that is not the operator token.".to_owned(),
    })
}

async fn check_key(inner: &Inner, form: &Form) -> Result<Identity, Failure> {
    let access_key_id = form.text("access_key_id");
    let secret = form.get("secret_access_key").unwrap_or_default();
    let auth = inner.api.authenticator();
    match auth.verify_key_pair(access_key_id, secret).await {
        Ok(_) => {
            tracing::info!(access_key_id, "user signed in to the console");
            Ok(Identity::Key {
                access_key_id: access_key_id.to_owned(),
            })
        }
        Err(error) => {
            // The log keeps the reason; the page does not say whether the key exists.
            tracing::info!(
                access_key_id,
                reason = error.message(),
                "console sign-in failed"
            );
            Err(Failure {
                status: StatusCode::UNAUTHORIZED,
                message: "Sign-in failed: the access key id or the secret access key is wrong, \
                          or the account is being released."
                    .to_owned(),
            })
        }
    }
}

/// `POST /console/sign-out`: ends the session and clears its cookie.
pub(crate) fn sign_out(inner: &Inner, ctx: &Ctx) -> Outcome {
    inner.sessions.table.remove(&ctx.session_id);
    Outcome::redirect("/".to_owned()).with_cookie(web::cookie(SESSION_COOKIE, "", 0))
}
