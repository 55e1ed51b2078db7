//! Access keys: the master sees and manages every user's, a sub-user its own. Secrets are
//! shown once, right after creation.

use http::Response;
use maud::html;
use oss_admin::PageRequest;
use oss_admin::types::{CreateKeyRequest, KeyInfo};
use oss_s3::ResponseBody;

use super::users::all_users;
use super::{Outcome, account_head, render};
use crate::Inner;
use crate::context::{Ctx, Failure};
use crate::format;
use crate::layout::{Tab, account_path, csrf_field};
use crate::session::Flash;
use crate::web::Form;

fn keys_path(account_id: &str) -> String {
    account_path(account_id, "/keys")
}

/// `GET /console/accounts/{account}/keys`.
pub(crate) async fn list(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
    query: &Form,
) -> Result<Response<ResponseBody>, Failure> {
    let head = account_head(inner, ctx, account_id).await?;
    let admin = inner.api.admin();
    let only_user = query.get("user").filter(|user| !user.is_empty());
    let mut keys: Vec<KeyInfo> = Vec::new();
    let mut page = PageRequest::default();
    loop {
        let listed = admin
            .list_keys(&ctx.who, account_id, only_user, page.clone())
            .await?;
        keys.extend(listed.keys);
        match listed.next_continuation_token {
            Some(token) => page = PageRequest::parse(None, Some(&token))?,
            None => break,
        }
    }
    keys.sort_by(|a, b| (&a.user, &a.created_at).cmp(&(&b.user, &b.created_at)));
    let users = match head.manages {
        true => all_users(inner, ctx, account_id).await?,
        false => Vec::new(),
    };
    let current = ctx.access_key_id();

    let content = html! {
        @if let Some(user) = only_user {
            p { "Keys of user " strong { (user) } ". " a href=(keys_path(account_id)) { "Show every key" } }
        }
        @if keys.is_empty() {
            p.muted { "No access keys." }
        } @else {
            div.table-wrap {
                table.responsive {
                    thead { tr {
                        th { "Access key id" } th { "User" } th { "Created" }
                        th { span.muted { "Actions" } }
                    } }
                    tbody {
                        @for key in &keys {
                            @let is_current = current == Some(key.access_key_id.as_str());
                            tr.current[is_current] {
                                td data-label="Access key id" {
                                    code { (key.access_key_id) }
                                    @if is_current { " " span.badge.accent { "this session" } }
                                }
                                td data-label="User" { (key.user) }
                                td data-label="Created" { (format::time(&key.created_at)) }
                                td.actions data-label="Actions" {
                                    @let question = match is_current {
                                        true => format!(
                                            "Delete access key {}? This session signed in with it \
                                             and ends at once.", key.access_key_id),
                                        false => format!(
                                            "Delete access key {}? Clients using it stop working \
                                             at once.", key.access_key_id),
                                    };
                                    form.inline-form method="post"
                                        action=(format!("{}/{}/delete", keys_path(account_id), key.access_key_id))
                                        data-confirm=(question) {
                                        (csrf_field(&ctx.csrf_token))
                                        button.small.secondary type="submit"
                                            aria-label=(format!("Delete key {}", key.access_key_id)) {
                                            "Delete"
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Create an access key" }
        form.card.stack method="post" action=(keys_path(account_id)) {
            (csrf_field(&ctx.csrf_token))
            @if head.manages {
                div.field {
                    label for="key-user" { "User" }
                    select #key-user name="user" {
                        @for user in &users {
                            option value=(user.name) selected[only_user == Some(user.name.as_str())] {
                                (user.name)
                            }
                        }
                    }
                }
            }
            p.hint { "The secret access key is shown once, on the next page." }
            div { button type="submit" { "Create key" } }
        }
    };
    Ok(render(
        inner,
        ctx,
        "Access keys",
        Some((&head, Tab::Keys)),
        content,
    ))
}

/// `POST /console/accounts/{account}/keys`.
pub(crate) async fn create(inner: &Inner, ctx: &Ctx, account_id: &str, form: &Form) -> Outcome {
    let user = form
        .get("user")
        .map(str::trim)
        .filter(|user| !user.is_empty());
    let request = CreateKeyRequest {
        user: user.map(str::to_owned),
    };
    let back = keys_path(account_id);
    match inner
        .api
        .admin()
        .create_key(&ctx.who, account_id, request)
        .await
    {
        Ok(created) => {
            let flash = Flash::success(format!("Access key created for user {:?}.", created.user))
                .reveal("Access key id", created.access_key_id)
                .reveal("Secret access key", created.secret_access_key);
            Outcome::new(back, flash)
        }
        Err(error) => Outcome::from_result(back, Err(error.into())),
    }
}

/// `POST /console/accounts/{account}/keys/{key}/delete`.
pub(crate) async fn delete(inner: &Inner, ctx: &Ctx, account_id: &str, key: &str) -> Outcome {
    let result = inner
        .api
        .admin()
        .delete_key(&ctx.who, account_id, key)
        .await;
    if result.is_ok() {
        inner.sessions.table.remove_key(key);
    }
    let result = result
        .map(|()| format!("Access key {key} deleted."))
        .map_err(Failure::from);
    Outcome::from_result(keys_path(account_id), result)
}
