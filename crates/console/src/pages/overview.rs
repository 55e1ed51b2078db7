//! An account's overview: capacity and use, facts, and the usage meter of the last days.

use http::Response;
use maud::{Markup, html};
use oss_admin::UsageRange;
use oss_admin::types::{AccountOverview, AccountState};
use oss_s3::ResponseBody;
use time::{Duration, OffsetDateTime};

use super::{account_head, render};
use crate::Inner;
use crate::chart;
use crate::context::{Ctx, Failure};
use crate::format;
use crate::layout::{Tab, account_path};

/// Days the usage charts cover, today included.
const CHART_DAYS: u16 = 7;

/// `GET /console/accounts/{account}`.
pub(crate) async fn show(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
) -> Result<Response<ResponseBody>, Failure> {
    let head = account_head(inner, ctx, account_id).await?;
    let admin = inner.api.admin();
    let overview = admin.account_overview(&ctx.who, account_id).await?;
    let now = OffsetDateTime::now_utc();
    let range = chart_range(now);
    let usage = admin.usage_report(&ctx.who, account_id, range).await?;
    let unit_bytes = overview.capacity_bytes / overview.capacity_gb.max(1);
    let days = chart::days(&usage.hours, CHART_DAYS, now, unit_bytes);

    let content = html! {
        @if overview.status == AccountState::Releasing {
            div.flash.error role="status" {
                p { "This account is being released. "
                    a href=(account_path(account_id, "/release")) { "Follow the progress" } }
            }
        }
        (capacity_card(&overview))
        div.stats {
            (stat("Objects", &format::count(overview.object_count)))
            (stat("Buckets", &format::count(overview.bucket_count)))
            (stat("Region", &overview.region))
            (stat("Billing", &overview.billing))
        }
        div.card {
            dl.facts {
                dt { "Account id" } dd { code { (overview.id) } }
                dt { "Name" } dd { (overview.name) }
                dt { "Created" } dd { (format::time(&overview.created_at)) }
                dt { "Status" } dd { (status_text(overview.status)) }
            }
        }
        h2 { "Usage over the last " (CHART_DAYS) " days" }
        div.stats {
            div.card {
                h3.label { "Stored size (daily average)" }
                (chart::stored(&days))
            }
            div.card {
                h3.label { "Requests" }
                (chart::requests(&days))
                div.legend {
                    span { span.swatch {} "Class A: PUT, COPY, POST, LIST" }
                    span { span.swatch.b {} "Class B: GET, HEAD" }
                }
            }
        }
        details {
            summary { "Show the usage as a table" }
            div.table-wrap {
                table.responsive {
                    thead { tr {
                        th { "Day (UTC)" } th.num { "Average stored" }
                        th.num { "Class A" } th.num { "Class B" }
                    } }
                    tbody {
                        @for day in &days {
                            tr {
                                td data-label="Day (UTC)" { (day.date) }
                                td.num data-label="Average stored" {
                                    (format::bytes(day.stored_bytes as u64))
                                }
                                td.num data-label="Class A" {
                                    (format::count(day.requests_class_a))
                                }
                                td.num data-label="Class B" {
                                    (format::count(day.requests_class_b))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(render(
        inner,
        ctx,
        "Overview",
        Some((&head, Tab::Overview)),
        content,
    ))
}

/// The range of whole hours the charts cover: the last days up to the end of this hour.
fn chart_range(now: OffsetDateTime) -> UsageRange {
    let seconds = now.unix_timestamp();
    let hour_start =
        OffsetDateTime::from_unix_timestamp(seconds - seconds.rem_euclid(3600)).unwrap_or(now);
    let to = hour_start + Duration::HOUR;
    let midnight = now.replace_time(time::Time::MIDNIGHT);
    let from = midnight - Duration::days(i64::from(CHART_DAYS) - 1);
    UsageRange { from, to }
}

/// Capacity, used and free bytes, with a bar.
pub(crate) fn capacity_card(overview: &AccountOverview) -> Markup {
    let used = overview.used_bytes;
    let capacity = overview.capacity_bytes;
    let free = capacity.saturating_sub(used);
    let percent = format::percent(used, capacity);
    html! {
        div.stats {
            (stat("Capacity", &format!("{} GB", overview.capacity_gb)))
            (stat("Used", &format::bytes(used)))
            (stat("Free", &format::bytes(free)))
        }
        div.card {
            (usage_bar(percent))
            p.muted {
                (format!("{percent:.1} %")) " of " (format::bytes(capacity)) " used"
            }
        }
    }
}

/// A horizontal bar filled to `percent`.
pub(crate) fn usage_bar(percent: f64) -> Markup {
    let label = format!("{percent:.1} percent of the capacity is used");
    let width = format!("{percent:.2}%");
    let class = if percent >= 90.0 { "fill high" } else { "fill" };
    html! {
        svg.bar role="img" aria-label=(label) {
            rect.track x="0" y="0" width="100%" height="100%" rx="4" {}
            rect class=(class) x="0" y="0" width=(width) height="100%" rx="4" {}
        }
    }
}

fn stat(label: &str, value: &str) -> Markup {
    html! {
        div.stat {
            div.label { (label) }
            div.value { (value) }
        }
    }
}

fn status_text(status: AccountState) -> &'static str {
    match status {
        AccountState::Active => "active",
        AccountState::Releasing => "releasing",
    }
}
