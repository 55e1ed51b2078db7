//! Buckets: the list with sizes, creation, deletion, and the grants of users on a bucket.

use http::Response;
use maud::{Markup, html};
use oss_admin::types::{BucketInfo, CreateBucketRequest, GrantAccess, GrantInfo, GrantRequest};
use oss_admin::{BucketDeletion, ErrorCode, PageRequest};
use oss_s3::ResponseBody;
use oss_store::MASTER_USER;

use super::{AccountHead, Outcome, account_head, bucket_name_rules, render};
use crate::Inner;
use crate::context::{Ctx, Failure};
use crate::format;
use crate::layout::{Tab, account_path, csrf_field};
use crate::web::{Form, query_value};

fn buckets_path(account_id: &str) -> String {
    account_path(account_id, "/buckets")
}

/// Returns the path of a bucket's page, with `rest` appended.
pub(crate) fn bucket_path(account_id: &str, bucket: &str, rest: &str) -> String {
    account_path(account_id, &format!("/buckets/{bucket}{rest}"))
}

/// Lists every bucket the caller may see, across pages.
async fn all_buckets(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
) -> Result<Vec<BucketInfo>, Failure> {
    let admin = inner.api.admin();
    let mut buckets = Vec::new();
    let mut page = PageRequest::default();
    loop {
        let listed = admin
            .list_buckets(&ctx.who, account_id, page.clone())
            .await?;
        buckets.extend(listed.buckets);
        match listed.next_continuation_token {
            Some(token) => page = PageRequest::parse(None, Some(&token))?,
            None => return Ok(buckets),
        }
    }
}

/// `GET /console/accounts/{account}/buckets`.
pub(crate) async fn list(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
) -> Result<Response<ResponseBody>, Failure> {
    let head = account_head(inner, ctx, account_id).await?;
    let buckets = all_buckets(inner, ctx, account_id).await?;
    let content = html! {
        @if buckets.is_empty() {
            @if head.manages {
                p.muted { "No buckets yet. Create one below." }
            } @else {
                p.muted { "No bucket has been shared with you yet. Ask the account's master for a grant." }
            }
        } @else {
            div.table-wrap {
                table.responsive {
                    thead { tr {
                        th { "Name" } th.num { "Size" } th.num { "Objects" } th { "Created" }
                        th { span.muted { "Actions" } }
                    } }
                    tbody {
                        @for bucket in &buckets {
                            tr {
                                td data-label="Name" {
                                    a href=(bucket_path(account_id, &bucket.name, "")) { (bucket.name) }
                                }
                                td.num data-label="Size" { (format::bytes(bucket.size_bytes)) }
                                td.num data-label="Objects" { (format::count(bucket.object_count)) }
                                td data-label="Created" { (format::time(&bucket.created_at)) }
                                td.actions data-label="Actions" {
                                    a.button.small.secondary
                                        href=(bucket_path(account_id, &bucket.name, "/objects")) {
                                        "Browse"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if head.manages {
            h2 { "Create a bucket" }
            form.card.stack method="post" action=(buckets_path(account_id)) {
                (csrf_field(&ctx.csrf_token))
                div.field {
                    label for="bucket-name" { "Name" }
                    span.hint #bucket-rules { (bucket_name_rules()) }
                    input #bucket-name type="text" name="name" required minlength="3"
                        maxlength="63" aria-describedby="bucket-rules" spellcheck="false"
                        autocapitalize="off";
                }
                div { button type="submit" { "Create bucket" } }
            }
        }
    };
    Ok(render(
        inner,
        ctx,
        "Buckets",
        Some((&head, Tab::Buckets)),
        content,
    ))
}

/// `POST /console/accounts/{account}/buckets`.
pub(crate) async fn create(inner: &Inner, ctx: &Ctx, account_id: &str, form: &Form) -> Outcome {
    let name = form.text("name").to_owned();
    let request = CreateBucketRequest { name: name.clone() };
    let result = inner
        .api
        .admin()
        .create_bucket(&ctx.who, account_id, request)
        .await;
    match result {
        Ok(bucket) => Outcome::from_result(
            bucket_path(account_id, &bucket.name, "/objects"),
            Ok(format!("Bucket {:?} created.", bucket.name)),
        ),
        Err(error) => Outcome::from_result(buckets_path(account_id), Err(error.into())),
    }
}

/// `GET /console/accounts/{account}/buckets/{bucket}`: facts, grants and deletion.
pub(crate) async fn show(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
    bucket_name: &str,
) -> Result<Response<ResponseBody>, Failure> {
    let head = account_head(inner, ctx, account_id).await?;
    let bucket = all_buckets(inner, ctx, account_id)
        .await?
        .into_iter()
        .find(|bucket| bucket.name == bucket_name)
        .ok_or_else(|| {
            Failure::not_found(format!(
                "account {account_id:?} has no bucket {bucket_name:?} that you can see"
            ))
        })?;
    let admin = inner.api.admin();
    // The grants are listed for those the admin API lets list them: the master, the operator
    // and holders of a grant with regrant.
    let grants = match admin
        .list_grants(&ctx.who, account_id, bucket_name, PageRequest::default())
        .await
    {
        Ok(list) => Some(list.grants),
        Err(error) if error.code() == ErrorCode::AccessDenied => None,
        Err(error) => return Err(error.into()),
    };
    let users = match head.manages {
        true => admin
            .list_users(&ctx.who, account_id, PageRequest::default())
            .await?
            .users
            .into_iter()
            .map(|user| user.name)
            .filter(|name| name != MASTER_USER)
            .collect(),
        false => Vec::new(),
    };

    let content = html! {
        div.card {
            dl.facts {
                dt { "Size" } dd { (format::bytes(bucket.size_bytes)) }
                dt { "Objects" } dd { (format::count(bucket.object_count)) }
                dt { "Created" } dd { (format::time(&bucket.created_at)) }
            }
            p { a.button href=(bucket_path(account_id, bucket_name, "/objects")) { "Browse objects" } }
        }
        h2 { "Grants" }
        @match &grants {
            Some(grants) => (grants_section(ctx, &head, bucket_name, grants, &users)),
            None => p.muted {
                "Only the master and users holding this bucket with regrant may see and change its grants."
            },
        }
        @if head.manages {
            (delete_section(ctx, account_id, &bucket))
        }
    };
    let title = format!("Bucket {bucket_name}");
    Ok(render(
        inner,
        ctx,
        &title,
        Some((&head, Tab::Buckets)),
        content,
    ))
}

fn grants_section(
    ctx: &Ctx,
    head: &AccountHead,
    bucket: &str,
    grants: &[GrantInfo],
    users: &[String],
) -> Markup {
    let grants_action = bucket_path(&head.id, bucket, "/grants");
    html! {
        @if grants.is_empty() {
            p.muted { "No user holds a grant on this bucket." }
        } @else {
            div.table-wrap {
                table.responsive {
                    thead { tr {
                        th { "User" } th { "Access" } th { "Regrant" } th { "Granted by" }
                        th { "Since" } th { span.muted { "Actions" } }
                    } }
                    tbody {
                        @for grant in grants {
                            tr {
                                td data-label="User" { (grant.user) }
                                td data-label="Access" { (access_name(grant.access)) }
                                td data-label="Regrant" { @if grant.regrant { "yes" } @else { "no" } }
                                td data-label="Granted by" { (grant.granted_by) }
                                td data-label="Since" { (format::time(&grant.created_at)) }
                                td.actions data-label="Actions" {
                                    @if may_revoke(ctx, grant) {
                                        @let action = format!("{grants_action}/{}/delete", grant.user);
                                        @let question = format!(
                                            "Revoke the grant of {} on {bucket}, and every grant made from it?",
                                            grant.user
                                        );
                                        form.inline-form method="post" action=(action)
                                            data-confirm=(question) {
                                            (csrf_field(&ctx.csrf_token))
                                            button.small.secondary type="submit" { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.card.stack method="post" action=(grants_action) {
            (csrf_field(&ctx.csrf_token))
            div.inline {
                div.field {
                    label for="grant-user" { "User" }
                    @if users.is_empty() && head.manages {
                        span.hint { "The account has no users yet; create one on the Users page." }
                    }
                    @if head.manages {
                        select #grant-user name="user" required {
                            @for user in users { option value=(user) { (user) } }
                        }
                    } @else {
                        input #grant-user type="text" name="user" required spellcheck="false"
                            autocapitalize="off";
                    }
                }
                div.field {
                    label for="grant-access" { "Access" }
                    select #grant-access name="access" {
                        option value="read" { "read" }
                        option value="read-write" { "read-write" }
                    }
                }
            }
            label.check {
                input type="checkbox" name="regrant" value="on";
                "Regrant: the user may pass on this access, or less, to others"
            }
            p.hint {
                "Granting to a user who holds a grant already replaces it. Read allows listing \
                 and downloading; read-write adds uploading and deleting objects."
            }
            div { button type="submit" { "Grant" } }
        }
    }
}

fn delete_section(ctx: &Ctx, account_id: &str, bucket: &BucketInfo) -> Markup {
    let empty = bucket.object_count == 0 && bucket.size_bytes == 0;
    let question = format!("Delete bucket {}?", bucket.name);
    html! {
        h2 { "Delete the bucket" }
        form.card.danger-zone.stack method="post"
            action=(bucket_path(account_id, &bucket.name, "/delete")) data-confirm=(question) {
            (csrf_field(&ctx.csrf_token))
            @if empty {
                p { "The bucket is empty." }
            } @else {
                p {
                    "The bucket holds " strong { (format::count(bucket.object_count)) " objects" }
                    " using " strong { (format::bytes(bucket.size_bytes)) } ", counting unfinished \
                    uploads. Deleting it deletes all of them; this cannot be undone."
                }
                label.check {
                    input type="checkbox" name="force" value="true" required;
                    "Delete its " (format::count(bucket.object_count)) " objects ("
                    (format::bytes(bucket.size_bytes)) ") too"
                }
            }
            div { button.danger type="submit" { "Delete bucket" } }
        }
    }
}

/// `POST …/buckets/{bucket}/delete`.
pub(crate) async fn delete(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
    bucket: &str,
    form: &Form,
) -> Outcome {
    let force = form.checked("force");
    let result = inner
        .api
        .admin()
        .delete_bucket(&ctx.who, account_id, bucket, force)
        .await;
    match result {
        Ok(BucketDeletion::Deleted) => Outcome::from_result(
            buckets_path(account_id),
            Ok(format!("Bucket {bucket:?} deleted.")),
        ),
        Ok(BucketDeletion::Started) => Outcome::from_result(
            buckets_path(account_id),
            Ok(format!(
                "Bucket {bucket:?} is hidden and its objects are being deleted in the background; \
                 its name stays taken until that finishes."
            )),
        ),
        Err(error) => Outcome::from_result(bucket_path(account_id, bucket, ""), Err(error.into())),
    }
}

/// `POST …/buckets/{bucket}/grants`.
pub(crate) async fn put_grant(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
    bucket: &str,
    form: &Form,
) -> Outcome {
    let back = bucket_path(account_id, bucket, "");
    let access = match form.text("access") {
        "read" => GrantAccess::Read,
        "read-write" => GrantAccess::ReadWrite,
        other => {
            let failure = Failure::bad_request(format!(
                "access {other:?} is neither \"read\" nor \"read-write\""
            ));
            return Outcome::from_result(back, Err(failure));
        }
    };
    let request = GrantRequest {
        user: form.text("user").to_owned(),
        access,
        regrant: form.checked("regrant"),
    };
    let result = inner
        .api
        .admin()
        .put_grant(&ctx.who, account_id, bucket, request)
        .await;
    let result = result
        .map(|grant| {
            format!(
                "User {:?} now holds {} on {bucket:?}{}.",
                grant.user,
                access_name(grant.access),
                if grant.regrant { " with regrant" } else { "" }
            )
        })
        .map_err(Failure::from);
    Outcome::from_result(back, result)
}

/// `POST …/buckets/{bucket}/grants/{user}/delete`.
pub(crate) async fn delete_grant(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
    bucket: &str,
    user: &str,
) -> Outcome {
    let result = inner
        .api
        .admin()
        .delete_grant(&ctx.who, account_id, bucket, user)
        .await;
    let result = result
        .map(|revoked| {
            let others = revoked.len().saturating_sub(1);
            match others {
                0 => format!("Revoked the grant of {user:?} on {bucket:?}."),
                n => format!(
                    "Revoked the grant of {user:?} on {bucket:?} and {n} grant(s) made from it."
                ),
            }
        })
        .map_err(Failure::from);
    Outcome::from_result(bucket_path(account_id, bucket, ""), result)
}

fn access_name(access: GrantAccess) -> &'static str {
    match access {
        GrantAccess::Read => "read",
        GrantAccess::ReadWrite => "read-write",
    }
}

/// Returns the link to a folder of a bucket's browser.
pub(crate) fn folder_link(account_id: &str, bucket: &str, prefix: &str) -> String {
    let path = bucket_path(account_id, bucket, "/objects");
    match prefix.is_empty() {
        true => path,
        false => format!("{path}?prefix={}", query_value(prefix)),
    }
}

/// Returns whether the signed-in principal may revoke `grant`: the operator and the master
/// revoke any grant, a sub-user only the grants it made.
fn may_revoke(ctx: &Ctx, grant: &GrantInfo) -> bool {
    match ctx.user() {
        None => true,
        Some(user) => user.is_master() || grant.granted_by == user.user,
    }
}
