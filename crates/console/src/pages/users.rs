//! Sub-users of an account: list, create, delete.

use http::Response;
use maud::html;
use oss_admin::PageRequest;
use oss_admin::types::{CreateUserRequest, UserInfo};
use oss_s3::ResponseBody;
use oss_store::MASTER_USER;

use super::{Outcome, account_head, render};
use crate::Inner;
use crate::context::{Ctx, Failure};
use crate::format;
use crate::layout::{Tab, account_path, csrf_field};
use crate::web::{Form, query_value};

fn users_path(account_id: &str) -> String {
    account_path(account_id, "/users")
}

/// Lists every user of an account, across pages.
pub(crate) async fn all_users(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
) -> Result<Vec<UserInfo>, Failure> {
    let admin = inner.api.admin();
    let mut users = Vec::new();
    let mut page = PageRequest::default();
    loop {
        let listed = admin.list_users(&ctx.who, account_id, page.clone()).await?;
        users.extend(listed.users);
        match listed.next_continuation_token {
            Some(token) => page = PageRequest::parse(None, Some(&token))?,
            None => return Ok(users),
        }
    }
}

/// `GET /console/accounts/{account}/users`.
pub(crate) async fn list(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
) -> Result<Response<ResponseBody>, Failure> {
    let head = account_head(inner, ctx, account_id).await?;
    let users = all_users(inner, ctx, account_id).await?;
    let content = html! {
        div.table-wrap {
            table.responsive {
                thead { tr { th { "Name" } th { "Created" } th { span.muted { "Actions" } } } }
                tbody {
                    @for user in &users {
                        tr {
                            td data-label="Name" {
                                (user.name)
                                @if user.name == MASTER_USER { " " span.badge.accent { "master" } }
                            }
                            td data-label="Created" { (format::time(&user.created_at)) }
                            td.actions data-label="Actions" {
                                a.button.small.secondary href=(format!(
                                    "{}?user={}", account_path(account_id, "/keys"),
                                    query_value(&user.name)
                                )) { "Keys" }
                                @if user.name != MASTER_USER {
                                    " "
                                    @let question = format!(
                                        "Delete user {}? Its keys are deleted and its grants, and \
                                         every grant made from them, are revoked.",
                                        user.name
                                    );
                                    form.inline-form method="post"
                                        action=(format!("{}/{}/delete", users_path(account_id), user.name))
                                        data-confirm=(question) {
                                        (csrf_field(&ctx.csrf_token))
                                        button.small.secondary type="submit"
                                            aria-label=(format!("Delete user {}", user.name)) { "Delete" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Create a user" }
        form.card.stack method="post" action=(users_path(account_id)) {
            (csrf_field(&ctx.csrf_token))
            div.field {
                label for="user-name" { "Name" }
                span.hint { "1 to 64 characters of A–Z, a–z, 0–9, '.', '_' and '-'; unique in the account." }
                input #user-name type="text" name="name" required maxlength="64"
                    pattern="[A-Za-z0-9._\\-]{1,64}" spellcheck="false" autocapitalize="off";
            }
            p.hint {
                "A new user can do nothing until it gets an access key (Keys page) and grants on \
                 buckets (each bucket's page)."
            }
            div { button type="submit" { "Create user" } }
        }
    };
    Ok(render(
        inner,
        ctx,
        "Users",
        Some((&head, Tab::Users)),
        content,
    ))
}

/// `POST /console/accounts/{account}/users`.
pub(crate) async fn create(inner: &Inner, ctx: &Ctx, account_id: &str, form: &Form) -> Outcome {
    let request = CreateUserRequest {
        name: form.text("name").to_owned(),
    };
    let result = inner
        .api
        .admin()
        .create_user(&ctx.who, account_id, request)
        .await;
    let result = result
        .map(|user| format!("User {:?} created.", user.name))
        .map_err(Failure::from);
    Outcome::from_result(users_path(account_id), result)
}

/// `POST /console/accounts/{account}/users/{user}/delete`.
pub(crate) async fn delete(inner: &Inner, ctx: &Ctx, account_id: &str, user: &str) -> Outcome {
    let result = inner
        .api
        .admin()
        .delete_user(&ctx.who, account_id, user)
        .await;
    let result = result
        .map(|()| format!("User {user:?} deleted with its keys and grants."))
        .map_err(Failure::from);
    Outcome::from_result(users_path(account_id), result)
}
