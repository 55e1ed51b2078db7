//! The bucket browser: folders by `/`, object details, deletion, and the upload form. Every
//! object request goes through the S3 service, signed with the session's key.

use http::Response;
use maud::{Markup, html};
use oss_s3::ResponseBody;

use super::buckets::{bucket_path, folder_link};
use super::{Outcome, account_head, render};
use crate::Inner;
use crate::context::{self, Ctx, Failure};
use crate::format;
use crate::layout::{Tab, csrf_field};
use crate::web::{Form, query_value};

/// Entries per page of the browser.
const PAGE_SIZE: usize = 100;

/// `GET …/buckets/{bucket}/objects?prefix=&token=`: one page of a folder.
pub(crate) async fn list(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
    bucket: &str,
    query: &Form,
) -> Result<Response<ResponseBody>, Failure> {
    let head = account_head(inner, ctx, account_id).await?;
    let signer = context::signer(inner, ctx, account_id).await?;
    let prefix = query.get("prefix").unwrap_or_default();
    let token = query.get("token").filter(|token| !token.is_empty());
    let page = inner
        .s3
        .list_objects(&signer, bucket, prefix, token, PAGE_SIZE)
        .await?;

    let base = bucket_path(account_id, bucket, "");
    let content = html! {
        (breadcrumbs(account_id, bucket, prefix))
        @if page.objects.is_empty() && page.folders.is_empty() {
            p.muted {
                @if prefix.is_empty() { "The bucket is empty." } @else { "This folder is empty." }
            }
        } @else {
            div.table-wrap {
                table.responsive {
                    thead { tr {
                        th { "Name" } th.num { "Size" } th { "Last modified" }
                        th { span.muted { "Actions" } }
                    } }
                    tbody {
                        @for folder in &page.folders {
                            tr {
                                td data-label="Name" {
                                    a.key href=(folder_link(account_id, bucket, &folder.prefix)) {
                                        (folder.prefix.strip_prefix(prefix).unwrap_or(&folder.prefix))
                                    }
                                }
                                td.num data-label="Size" { span.muted { "folder" } }
                                td data-label="Last modified" {}
                                td.actions data-label="Actions" {}
                            }
                        }
                        @for object in &page.objects {
                            @let name = object.key.strip_prefix(prefix).unwrap_or(&object.key);
                            @let key_query = format!("key={}", query_value(&object.key));
                            tr {
                                td data-label="Name" {
                                    a.key href=(format!("{base}/object?{key_query}")) {
                                        @if name.is_empty() { "(this folder's own object)" } @else { (name) }
                                    }
                                }
                                td.num data-label="Size" { (format::bytes(object.size)) }
                                td data-label="Last modified" { (format::time(&object.last_modified)) }
                                td.actions data-label="Actions" {
                                    a.button.small.secondary href=(format!("{base}/download?{key_query}"))
                                        download { "Download" }
                                    " "
                                    (delete_form(ctx, &base, &object.key, prefix, true))
                                }
                            }
                        }
                    }
                }
            }
        }
        div.pager {
            @if token.is_some() {
                a href=(folder_link(account_id, bucket, prefix)) { "First page" }
            }
            @if let Some(next) = &page.next_token {
                @let link = format!(
                    "{}{}token={}",
                    folder_link(account_id, bucket, prefix),
                    if prefix.is_empty() { "?" } else { "&" },
                    query_value(next)
                );
                a href=(link) { "Next page" }
            }
        }
        (upload_form(&base, prefix))
    };
    let title = format!("Bucket {bucket}");
    Ok(render(
        inner,
        ctx,
        &title,
        Some((&head, Tab::Buckets)),
        content,
    ))
}

/// Links to the bucket and to each folder above the current one.
fn breadcrumbs(account_id: &str, bucket: &str, prefix: &str) -> Markup {
    let mut crumbs = Vec::new();
    let mut end = 0;
    for part in prefix.split_inclusive('/') {
        end += part.len();
        crumbs.push((part, &prefix[..end]));
    }
    html! {
        nav.crumbs aria-label="Folder" {
            a href=(folder_link(account_id, bucket, "")) { (bucket) }
            @for (part, upto) in &crumbs {
                span.sep { "/" }
                a href=(folder_link(account_id, bucket, upto)) { (part.trim_end_matches('/')) }
            }
            span.sep { "·" }
            a href=(bucket_path(account_id, bucket, "")) { "Bucket settings and grants" }
        }
    }
}

fn delete_form(ctx: &Ctx, base: &str, key: &str, back_prefix: &str, small: bool) -> Markup {
    let question = format!("Delete object {key}?");
    html! {
        form.inline-form method="post" action=(format!("{base}/object/delete"))
            data-confirm=(question) {
            (csrf_field(&ctx.csrf_token))
            input type="hidden" name="key" value=(key);
            input type="hidden" name="back" value=(back_prefix);
            @if small {
                button.small.secondary type="submit" aria-label=(format!("Delete {key}")) { "Delete" }
            } @else {
                button.danger type="submit" { "Delete object" }
            }
        }
    }
}

fn upload_form(base: &str, prefix: &str) -> Markup {
    html! {
        h2 { "Upload" }
        div.card {
            p #upload-noscript.hint { "Uploading needs JavaScript, which is off in this browser." }
            form #upload-form.stack hidden data-base=(base) data-prefix=(prefix) {
                div.field {
                    label for="upload-files" { "Files" }
                    span.hint {
                        "Uploaded into "
                        @if prefix.is_empty() { "the top of the bucket" } @else { code { (prefix) } }
                        ". Large files go up in parts; each file's checksum is verified by the \
                         server, and the account's capacity limits what fits."
                    }
                    input #upload-files type="file" name="files" multiple required;
                }
                div { button type="submit" { "Upload" } }
                div #upload-list.uploads aria-live="polite" {}
                p #upload-done role="status" hidden {}
            }
        }
    }
}

/// `GET …/buckets/{bucket}/object?key=`: an object's details.
pub(crate) async fn details(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
    bucket: &str,
    query: &Form,
) -> Result<Response<ResponseBody>, Failure> {
    let head = account_head(inner, ctx, account_id).await?;
    let key = query
        .get("key")
        .filter(|key| !key.is_empty())
        .ok_or_else(|| Failure::bad_request("the key parameter is missing"))?;
    let signer = context::signer(inner, ctx, account_id).await?;
    let details = inner.s3.head_object(&signer, bucket, key).await?;
    let tags = inner.s3.object_tags(&signer, bucket, key).await?;

    let base = bucket_path(account_id, bucket, "");
    let folder = match key.rfind('/') {
        Some(index) => &key[..=index],
        None => "",
    };
    let content = html! {
        (breadcrumbs(account_id, bucket, folder))
        div.card {
            dl.facts {
                dt { "Key" } dd.key { code { (key) } }
                dt { "Size" } dd { (format::bytes(details.size)) " (" (format::count(details.size)) " bytes)" }
                dt { "Type" } dd { (details.content_type) }
                dt { "ETag" } dd { code { (details.etag) } }
                dt { "Last modified" } dd { (details.last_modified) }
                @for (name, value) in &details.headers {
                    dt { (name) } dd { (value) }
                }
            }
        }
        h2 { "Metadata" }
        @if details.metadata.is_empty() {
            p.muted { "No user metadata." }
        } @else {
            div.card { dl.facts {
                @for (name, value) in &details.metadata { dt { code { (name) } } dd { (value) } }
            } }
        }
        h2 { "Tags" }
        @if tags.is_empty() {
            p.muted { "No tags." }
        } @else {
            div.card { dl.facts {
                @for (name, value) in &tags { dt { (name) } dd { (value) } }
            } }
        }
        div.pager {
            a.button href=(format!("{base}/download?key={}", query_value(key))) download { "Download" }
            (delete_form(ctx, &base, key, folder, false))
        }
    };
    let title = match key.rsplit_once('/') {
        Some((_, name)) if !name.is_empty() => name,
        _ => key,
    };
    Ok(render(
        inner,
        ctx,
        title,
        Some((&head, Tab::Buckets)),
        content,
    ))
}

/// `POST …/buckets/{bucket}/object/delete`.
pub(crate) async fn delete(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
    bucket: &str,
    form: &Form,
) -> Outcome {
    let key = form.get("key").unwrap_or_default();
    let back = folder_link(account_id, bucket, form.get("back").unwrap_or_default());
    let result = match context::signer(inner, ctx, account_id).await {
        Ok(signer) => inner
            .s3
            .delete_object(&signer, bucket, key)
            .await
            .map(|()| format!("Deleted {key:?}."))
            .map_err(Failure::from),
        Err(failure) => Err(failure),
    };
    Outcome::from_result(back, result)
}
