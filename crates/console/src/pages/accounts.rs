//! The operator's account list and the activation of new accounts.

use http::Response;
use maud::html;
use oss_admin::types::{AccountOverview, AccountState, CreateAccountRequest};
use oss_admin::{BILLING_MODELS, MAX_CAPACITY_GB, MIN_CAPACITY_GB, PageRequest};
use oss_s3::ResponseBody;

use super::{Outcome, render};
use crate::Inner;
use crate::context::{Ctx, Failure};
use crate::format;
use crate::layout::{account_path, csrf_field};
use crate::session::Flash;
use crate::web::Form;

/// `GET /console/accounts`: every account, and the activation form.
pub(crate) async fn list(inner: &Inner, ctx: &Ctx) -> Result<Response<ResponseBody>, Failure> {
    let admin = inner.api.admin();
    let mut accounts: Vec<AccountOverview> = Vec::new();
    let mut page = PageRequest::default();
    loop {
        let listed = admin.list_accounts(&ctx.who, page.clone()).await?;
        accounts.extend(listed.accounts);
        match listed.next_continuation_token {
            Some(token) => page = PageRequest::parse(None, Some(&token))?,
            None => break,
        }
    }

    let content = html! {
        div.table-wrap {
            table.responsive {
                thead { tr {
                    th { "Name" } th { "Id" } th { "Region" } th.num { "Capacity" }
                    th.num { "Used" } th.num { "Buckets" } th { "Status" } th { "Created" }
                } }
                tbody {
                    @for account in &accounts {
                        tr {
                            td data-label="Name" {
                                a href=(account_path(&account.id, "")) { (account.name) }
                            }
                            td data-label="Id" { code { (account.id) } }
                            td data-label="Region" { (account.region) }
                            td.num data-label="Capacity" { (account.capacity_gb) " GB" }
                            td.num data-label="Used" { (format::bytes(account.used_bytes)) }
                            td.num data-label="Buckets" { (format::count(account.bucket_count)) }
                            td data-label="Status" {
                                @match account.status {
                                    AccountState::Active => span.badge { "active" },
                                    AccountState::Releasing => span.badge.warn { "releasing" },
                                }
                            }
                            td data-label="Created" { (format::time(&account.created_at)) }
                        }
                    }
                }
            }
        }
        @if accounts.is_empty() { p.muted { "No accounts yet." } }

        h2 { "Activate an account" }
        form.card.stack method="post" action="/console/accounts" {
            (csrf_field(&ctx.csrf_token))
            div.field {
                label for="name" { "Name" }
                span.hint { "1 to 64 characters of A–Z, a–z, 0–9, '.', '_' and '-'; unique." }
                input #name type="text" name="name" required maxlength="64"
                    pattern="[A-Za-z0-9._\\-]{1,64}" spellcheck="false" autocapitalize="off";
            }
            div.field {
                label for="region" { "Region" }
                select #region name="region" {
                    @for region in &inner.config.regions {
                        option value=(region) { (region) }
                    }
                }
            }
            div.field {
                label for="capacity_gb" { "Capacity (GB)" }
                span.hint { (MIN_CAPACITY_GB) " to " (MAX_CAPACITY_GB) " GB." }
                input #capacity_gb type="number" name="capacity_gb" required
                    min=(MIN_CAPACITY_GB) max=(MAX_CAPACITY_GB) value=(MIN_CAPACITY_GB);
            }
            div.field {
                label for="billing" { "Billing" }
                select #billing name="billing" {
                    @for billing in BILLING_MODELS { option value=(billing) { (billing) } }
                }
            }
            p.hint {
                "The new master key pair is shown once, on the next page. Hand it to the \
                 account's owner over a safe channel."
            }
            div { button type="submit" { "Activate" } }
        }
    };
    Ok(render(inner, ctx, "Accounts", None, content))
}

/// `POST /console/accounts`: activates an account and shows its master key pair once.
pub(crate) async fn create(inner: &Inner, ctx: &Ctx, form: &Form) -> Outcome {
    let back = "/console/accounts".to_owned();
    let Ok(capacity_gb) = form.text("capacity_gb").parse::<u64>() else {
        let text = format!(
            "Capacity {:?} is not a whole number of GB from {MIN_CAPACITY_GB} to \
             {MAX_CAPACITY_GB}.",
            form.text("capacity_gb")
        );
        return Outcome::new(back, Flash::error(text));
    };
    let request = CreateAccountRequest {
        name: form.text("name").to_owned(),
        region: form.text("region").to_owned(),
        capacity_gb,
        billing: form.text("billing").to_owned(),
    };
    match inner.api.admin().create_account(&ctx.who, request).await {
        Ok(created) => {
            let text = format!(
                "Account {:?} is active in {} with {} GB.",
                created.account.name, created.account.region, created.account.capacity_gb
            );
            let flash = Flash::success(text)
                .reveal("Account id", created.account.id.clone())
                .reveal("Access key id", created.access_key_id)
                .reveal("Secret access key", created.secret_access_key);
            Outcome::new(back, flash)
        }
        Err(error) => Outcome::new(back, Flash::error(Failure::from(error).message)),
    }
}
