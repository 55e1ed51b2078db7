//! The console's pages and form actions. Pages call the admin operations with the signed-in
//! principal; a form action ends in a redirect to a page that shows its outcome once.

pub(crate) mod access;
pub(crate) mod accounts;
pub(crate) mod browser;
pub(crate) mod buckets;
pub(crate) mod capacity;
pub(crate) mod keys;
pub(crate) mod overview;
pub(crate) mod signin;
pub(crate) mod users;

use http::{Response, StatusCode};
use maud::{Markup, html};
use oss_admin::Principal;
use oss_s3::ResponseBody;

use crate::Inner;
use crate::context::{Ctx, Failure};
use crate::layout::{self, AccountNav, Chrome, Tab};
use crate::session::Flash;
use crate::web;

/// The result of a form action: where the browser goes next, and the message shown there.
pub(crate) struct Outcome {
    location: String,
    flash: Option<Flash>,
    /// Extra headers, such as the cookie that sign-out clears.
    cookie: Option<http::HeaderValue>,
}

impl Outcome {
    /// Goes to `location` and shows `flash` there.
    pub(crate) fn new(location: String, flash: Flash) -> Outcome {
        Outcome {
            location,
            flash: Some(flash),
            cookie: None,
        }
    }

    /// Goes to `location` without a message.
    pub(crate) fn redirect(location: String) -> Outcome {
        Outcome {
            location,
            flash: None,
            cookie: None,
        }
    }

    /// Goes to `location`, with a success message or the failure's message.
    pub(crate) fn from_result(location: String, result: Result<String, Failure>) -> Outcome {
        let flash = match result {
            Ok(text) => Flash::success(text),
            Err(failure) => Flash::error(failure.message),
        };
        Outcome::new(location, flash)
    }

    pub(crate) fn with_cookie(mut self, cookie: http::HeaderValue) -> Outcome {
        self.cookie = Some(cookie);
        self
    }

    pub(crate) fn respond(self, inner: &Inner, ctx: &Ctx) -> Response<ResponseBody> {
        if let Some(flash) = self.flash {
            inner.sessions.table.push_flash(&ctx.session_id, flash);
        }
        let mut response = web::redirect(&self.location);
        if let Some(cookie) = self.cookie {
            web::set_cookie(&mut response, cookie);
        }
        response
    }
}

/// The account a page is about, as its tabs show it.
pub(crate) struct AccountHead {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) manages: bool,
}

/// Loads what the tabs of an account's pages show. A user reads its own account from its
/// principal; the operator reads the overview, which also checks that the account exists.
pub(crate) async fn account_head(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
) -> Result<AccountHead, Failure> {
    ctx.check_account(account_id)?;
    let name = match &ctx.who {
        Principal::User(user) => user.account.name.clone(),
        Principal::Operator => {
            let admin = inner.api.admin();
            admin.account_overview(&ctx.who, account_id).await?.name
        }
    };
    Ok(AccountHead {
        id: account_id.to_owned(),
        name,
        manages: ctx.manages(account_id),
    })
}

/// Renders a signed-in page, with the session's pending flash messages.
pub(crate) fn render(
    inner: &Inner,
    ctx: &Ctx,
    title: &str,
    account: Option<(&AccountHead, Tab)>,
    content: Markup,
) -> Response<ResponseBody> {
    render_with_status(inner, ctx, StatusCode::OK, title, account, content)
}

fn render_with_status(
    inner: &Inner,
    ctx: &Ctx,
    status: StatusCode,
    title: &str,
    account: Option<(&AccountHead, Tab)>,
    content: Markup,
) -> Response<ResponseBody> {
    let chrome = Chrome {
        csrf_token: &ctx.csrf_token,
        who: ctx.describe(),
        is_operator: ctx.is_operator(),
        account: account.map(|(head, tab)| AccountNav {
            id: &head.id,
            name: &head.name,
            manages: head.manages,
            current: Some(tab),
        }),
        flashes: inner.sessions.table.take_flashes(&ctx.session_id),
    };
    web::html(status, layout::page(title, &chrome, content))
}

/// Renders a failure as a page with the failure's status.
pub(crate) async fn error_page(
    inner: &Inner,
    ctx: &Ctx,
    failure: &Failure,
) -> Response<ResponseBody> {
    let title = match failure.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        status if status.is_server_error() => "Server error",
        _ => "Request failed",
    };
    let content = html! {
        div.flash.error role="alert" { p { (failure.message) } }
        p { a href=(ctx.home()) { "Back to the start page" } }
    };
    render_with_status(inner, ctx, failure.status, title, None, content)
}

/// Renders a failure before any session exists.
pub(crate) fn bare_error(failure: &Failure) -> Response<ResponseBody> {
    let content = html! {
        div.flash.error role="alert" { p { (failure.message) } }
        p { a href="/" { "Sign in" } }
    };
    web::html(
        failure.status,
        layout::bare_page("Request failed", &[], content),
    )
}

/// Returns a short explanation of the bucket naming rules, shown next to the name field.
pub(crate) fn bucket_name_rules() -> Markup {
    html! {
        "3 to 63 characters: lowercase letters, digits, hyphens and dots; start and end with a \
         letter or digit; no \"..\"; not shaped like an IP address; no prefix \"xn--\", \
         \"sthree-\" or \"amzn-s3-demo-\" and no suffix \"-s3alias\", \"--ol-s3\", \".mrap\", \
         \"--x-s3\" or \"--table-s3\". Names are unique across the whole service."
    }
}
