//! Capacity changes and the release of an account, with its progress.

use http::Response;
use maud::{Markup, html};
use oss_admin::types::{AccountOverview, AccountState, CapacityChange};
use oss_admin::{ErrorCode, MAX_CAPACITY_GB, MIN_CAPACITY_GB};
use oss_s3::ResponseBody;

use super::overview::capacity_card;
use super::{Outcome, account_head, render};
use crate::Inner;
use crate::context::{Ctx, Failure};
use crate::format;
use crate::layout::{Tab, account_path, csrf_field};
use crate::session::Flash;
use crate::web::Form;

/// Seconds between reloads of the release progress page.
const PROGRESS_REFRESH_SECS: u32 = 2;

fn capacity_path(account_id: &str) -> String {
    account_path(account_id, "/capacity")
}

/// The GB a shrink may remove now: the result must stay at least the minimum, and only
/// unused capacity can go. Writes in progress reserve space too, so the server may still
/// refuse a shrink within this bound.
fn max_shrink_gb(overview: &AccountOverview) -> u64 {
    let unit = overview.capacity_bytes / overview.capacity_gb.max(1);
    let by_minimum = overview.capacity_gb.saturating_sub(MIN_CAPACITY_GB);
    let unused = overview.capacity_bytes.saturating_sub(overview.used_bytes);
    by_minimum.min(unused / unit.max(1))
}

/// `GET /console/accounts/{account}/capacity`.
pub(crate) async fn show(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
) -> Result<Response<ResponseBody>, Failure> {
    let head = account_head(inner, ctx, account_id).await?;
    let overview = inner
        .api
        .admin()
        .account_overview(&ctx.who, account_id)
        .await?;
    let max_expand = MAX_CAPACITY_GB.saturating_sub(overview.capacity_gb);
    let max_shrink = max_shrink_gb(&overview);
    let path = capacity_path(account_id);

    let content = html! {
        (capacity_card(&overview))
        h2 { "Expand" }
        form.card.stack method="post" action=(format!("{path}/expand")) {
            (csrf_field(&ctx.csrf_token))
            @if max_expand == 0 {
                p { "The capacity is at the maximum of " (MAX_CAPACITY_GB) " GB." }
            } @else {
                div.field {
                    label for="expand-gb" { "GB to add" }
                    span.hint #expand-range {
                        "Allowed: 1 to " (max_expand) " GB, so that the capacity stays at most "
                        (MAX_CAPACITY_GB) " GB."
                    }
                    input #expand-gb type="number" name="gb" required min="1" max=(max_expand)
                        aria-describedby="expand-range";
                }
                div { button type="submit" { "Expand" } }
            }
        }
        h2 { "Shrink" }
        form.card.stack method="post" action=(format!("{path}/shrink")) {
            (csrf_field(&ctx.csrf_token))
            @if max_shrink == 0 {
                p {
                    "Shrinking is not possible now: the capacity must stay at least "
                    (MIN_CAPACITY_GB) " GB, and only unused capacity can be removed ("
                    (format::bytes(overview.capacity_bytes.saturating_sub(overview.used_bytes)))
                    " is unused)."
                }
            } @else {
                div.field {
                    label for="shrink-gb" { "GB to remove" }
                    span.hint #shrink-range {
                        "Allowed: 1 to " (max_shrink) " GB. The capacity must stay at least "
                        (MIN_CAPACITY_GB) " GB, and only unused capacity can be removed; uploads in \
                         progress hold some of it."
                    }
                    input #shrink-gb type="number" name="gb" required min="1" max=(max_shrink)
                        aria-describedby="shrink-range";
                }
                div { button type="submit" { "Shrink" } }
            }
        }
        h2 { "Release the account" }
        form.card.danger-zone.stack method="post" action=(account_path(account_id, "/release")) {
            (csrf_field(&ctx.csrf_token))
            p {
                "Releasing deletes every bucket and object of the account, its users and their \
                 keys. Keys stop working at once; then the data is deleted in the background. \
                 This cannot be undone."
            }
            div.field {
                label for="release-confirm" { "Type the account name, " code { (overview.name) } ", to confirm" }
                input #release-confirm type="text" name="confirm" required autocomplete="off"
                    spellcheck="false" autocapitalize="off";
            }
            div { button.danger type="submit" { "Release account" } }
        }
    };
    Ok(render(
        inner,
        ctx,
        "Capacity",
        Some((&head, Tab::Capacity)),
        content,
    ))
}

fn read_gb(form: &Form) -> Result<u64, Failure> {
    let text = form.text("gb");
    text.parse::<u64>()
        .ok()
        .filter(|gb| *gb > 0)
        .ok_or_else(|| {
            Failure::bad_request(format!("{text:?} is not a whole number of GB above 0"))
        })
}

/// `POST …/capacity/expand`.
pub(crate) async fn expand(inner: &Inner, ctx: &Ctx, account_id: &str, form: &Form) -> Outcome {
    change(inner, ctx, account_id, form, true).await
}

/// `POST …/capacity/shrink`.
pub(crate) async fn shrink(inner: &Inner, ctx: &Ctx, account_id: &str, form: &Form) -> Outcome {
    change(inner, ctx, account_id, form, false).await
}

async fn change(inner: &Inner, ctx: &Ctx, account_id: &str, form: &Form, expand: bool) -> Outcome {
    let back = capacity_path(account_id);
    let gb = match read_gb(form) {
        Ok(gb) => gb,
        Err(failure) => return Outcome::from_result(back, Err(failure)),
    };
    let admin = inner.api.admin();
    let change = CapacityChange { gb };
    let result = match expand {
        true => admin.expand_capacity(&ctx.who, account_id, change).await,
        false => admin.shrink_capacity(&ctx.who, account_id, change).await,
    };
    let result = result
        .map(|overview| format!("The capacity is now {} GB.", overview.capacity_gb))
        .map_err(Failure::from);
    Outcome::from_result(back, result)
}

/// `POST /console/accounts/{account}/release`: starts the release, then shows its progress.
pub(crate) async fn release(inner: &Inner, ctx: &Ctx, account_id: &str, form: &Form) -> Outcome {
    let confirm = form.get("confirm").map(str::trim);
    let result = inner
        .api
        .admin()
        .release_account(&ctx.who, account_id, confirm)
        .await;
    match result {
        Ok(overview) => {
            // The release may finish before the progress page loads; the mark lets the
            // session end with word of the release instead of a bare sign-in page.
            if ctx.user().is_some() {
                inner.sessions.table.mark_release_seen(&ctx.session_id);
            }
            Outcome::new(
                account_path(account_id, "/release"),
                Flash::success(format!(
                    "Releasing account {:?} has started.",
                    overview.name
                )),
            )
        }
        Err(error) => Outcome::from_result(capacity_path(account_id), Err(error.into())),
    }
}

/// `GET /console/accounts/{account}/release`: what the release still has to delete, reloaded
/// every few seconds until the account is gone.
pub(crate) async fn release_progress(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
) -> Result<Response<ResponseBody>, Failure> {
    ctx.check_account(account_id)?;
    let overview = match inner
        .api
        .admin()
        .account_overview(&ctx.who, account_id)
        .await
    {
        Ok(overview) => overview,
        Err(error) if error.code() == ErrorCode::NoSuchAccount && ctx.is_operator() => {
            let content = html! {
                p { "Account " code { (account_id) } " has been released: its data is deleted and its name is free again." }
                p { a href="/console/accounts" { "Back to the accounts" } }
            };
            return Ok(super::render(inner, ctx, "Account released", None, content));
        }
        // The release finished after this request's session was looked up, so the session
        // ends here as it would have at the lookup.
        Err(error) if error.code() == ErrorCode::NoSuchAccount => {
            inner.sessions.table.remove(&ctx.session_id);
            return Ok(crate::web::redirect(crate::router::RELEASED_LOCATION));
        }
        Err(error) => return Err(error.into()),
    };
    let head = super::AccountHead {
        id: overview.id.clone(),
        name: overview.name.clone(),
        manages: ctx.manages(account_id),
    };
    if overview.status == AccountState::Active {
        let content = html! {
            p { "Account " (overview.name) " is not being released." }
            p { a href=(account_path(account_id, "")) { "Back to the overview" } }
        };
        return Ok(render(
            inner,
            ctx,
            "Release",
            Some((&head, Tab::Capacity)),
            content,
        ));
    }
    let content = progress_content(&overview);
    let mut response = render(
        inner,
        ctx,
        "Releasing the account",
        Some((&head, Tab::Capacity)),
        content,
    );
    // A refresh header reloads the page without any script.
    if let Ok(value) = http::HeaderValue::from_str(&PROGRESS_REFRESH_SECS.to_string()) {
        response.headers_mut().insert("refresh", value);
    }
    Ok(response)
}

fn progress_content(overview: &AccountOverview) -> Markup {
    html! {
        div.card role="status" {
            p {
                "Account " strong { (overview.name) } " is being released. Its keys no longer \
                 work; its data is being deleted."
            }
            @if let Some(progress) = &overview.release {
                dl.facts {
                    dt { "Objects left" } dd { (format::count(progress.objects_left)) }
                    dt { "Buckets left" } dd { (format::count(progress.buckets_left)) }
                    dt { "Used" } dd { (format::bytes(overview.used_bytes)) }
                }
            }
            p.muted {
                "This page reloads every " (PROGRESS_REFRESH_SECS) " seconds until the account is \
                 gone."
            }
        }
    }
}
