//! The page frame: head, top bar, account tabs and flash messages.

use maud::{DOCTYPE, Markup, html};

use crate::assets::{SCRIPT_PATH, STYLESHEET_PATH};
use crate::session::{Flash, FlashLevel};

/// Name of the hidden form field that carries the CSRF token.
pub(crate) const CSRF_FIELD: &str = "csrf_token";

/// The tabs of an account's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Overview,
    Buckets,
    Users,
    Keys,
    Access,
    Capacity,
}

impl Tab {
    fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Buckets => "Buckets",
            Tab::Users => "Users",
            Tab::Keys => "Keys",
            Tab::Access => "Access",
            Tab::Capacity => "Capacity",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Tab::Overview => "",
            Tab::Buckets => "/buckets",
            Tab::Users => "/users",
            Tab::Keys => "/keys",
            Tab::Access => "/access",
            Tab::Capacity => "/capacity",
        }
    }
}

/// The account a page belongs to, for its tabs.
pub(crate) struct AccountNav<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    /// Whether the viewer manages the account (its master or the operator), and so gets the
    /// tabs that only they may use.
    pub(crate) manages: bool,
    pub(crate) current: Option<Tab>,
}

/// Frame that every signed-in page shows around its content.
pub(crate) struct Chrome<'a> {
    pub(crate) csrf_token: &'a str,
    /// Signed-in identity, such as `master of acme (key AKIA…)`.
    pub(crate) who: String,
    pub(crate) is_operator: bool,
    pub(crate) account: Option<AccountNav<'a>>,
    pub(crate) flashes: Vec<Flash>,
}

/// Returns the path of an account's page.
pub(crate) fn account_path(account_id: &str, rest: &str) -> String {
    format!("/console/accounts/{account_id}{rest}")
}

/// Renders a signed-in page.
pub(crate) fn page(title: &str, chrome: &Chrome<'_>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, Some(chrome.csrf_token)))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "oss console" }
                    @if chrome.is_operator {
                        nav aria-label="Operator" { a href="/console/accounts" { "Accounts" } }
                    }
                    span.who { "Signed in as " (chrome.who) }
                    form method="post" action="/console/sign-out" {
                        (csrf_field(chrome.csrf_token))
                        button.button.small type="submit" { "Sign out" }
                    }
                }
                @if let Some(account) = &chrome.account {
                    (tabs(account))
                }
                main #main {
                    (flashes(&chrome.flashes))
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// Renders a page without a session: sign-in and errors before sign-in.
pub(crate) fn bare_page(title: &str, flashes_shown: &[Flash], content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, None))
            body {
                header.top { a.brand href="/" { "oss console" } }
                main #main {
                    div.narrow {
                        (flashes(flashes_shown))
                        h1 { (title) }
                        (content)
                    }
                }
            }
        }
    }
}

fn head(title: &str, csrf_token: Option<&str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            @if let Some(token) = csrf_token {
                meta name="csrf-token" content=(token);
            }
            title { (title) " · oss console" }
            link rel="stylesheet" href=(STYLESHEET_PATH);
            script src=(SCRIPT_PATH) defer {}
        }
    }
}

fn tabs(account: &AccountNav<'_>) -> Markup {
    let shown: &[Tab] = if account.manages {
        &[
            Tab::Overview,
            Tab::Buckets,
            Tab::Users,
            Tab::Keys,
            Tab::Access,
            Tab::Capacity,
        ]
    } else {
        &[Tab::Buckets, Tab::Keys, Tab::Access]
    };
    html! {
        nav.tabs aria-label="Account" {
            span.account-name { (account.name) }
            @for tab in shown {
                @let href = account_path(account.id, tab.path());
                @if account.current == Some(*tab) {
                    a href=(href) aria-current="page" { (tab.label()) }
                } @else {
                    a href=(href) { (tab.label()) }
                }
            }
        }
    }
}

/// The hidden field that carries the session's CSRF token in every form.
pub(crate) fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(token); }
}

/// Renders flash messages; revealed values get a read-only field and a copy button.
pub(crate) fn flashes(flashes: &[Flash]) -> Markup {
    html! {
        @for (index, flash) in flashes.iter().enumerate() {
            @let class = match flash.level {
                FlashLevel::Success => "flash success",
                FlashLevel::Error => "flash error",
            };
            @let role = match flash.level {
                FlashLevel::Success => "status",
                FlashLevel::Error => "alert",
            };
            div class=(class) role=(role) {
                p { (flash.text) }
                @if !flash.reveal.is_empty() {
                    p.warning {
                        "Copy these values now: the secret is shown only this once and cannot \
                         be retrieved later."
                    }
                    @for (field, (label, value)) in flash.reveal.iter().enumerate() {
                        @let id = format!("reveal-{index}-{field}");
                        div.reveal {
                            label for=(id) { (label) }
                            input #(id) type="text" readonly value=(value.as_str())
                                autocomplete="off" spellcheck="false";
                            button.small.secondary type="button" data-copy=(id) { "Copy" }
                        }
                    }
                }
            }
        }
    }
}

/// A read-only text with a copy button.
pub(crate) fn copyable(id: &str, label: &str, value: &str) -> Markup {
    html! {
        div.reveal {
            label for=(id) { (label) }
            input #(id) type="text" readonly value=(value) spellcheck="false";
            button.small.secondary type="button" data-copy=(id) { "Copy" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrome(account: Option<AccountNav<'static>>) -> Chrome<'static> {
        Chrome {
            csrf_token: "tok<en>",
            who: "master of <acme>".to_owned(),
            is_operator: false,
            account,
            flashes: vec![Flash::success("Created.").reveal("Secret", "s&cret".to_owned())],
        }
    }

    #[test]
    fn page_escapes_and_carries_token() {
        let html = page("Buckets", &chrome(None), html! { p { "body" } }).into_string();
        assert!(
            html.contains(r#"<meta name="csrf-token" content="tok&lt;en&gt;">"#),
            "{html}"
        );
        assert!(html.contains("master of &lt;acme&gt;"), "{html}");
        assert!(html.contains(r#"value="s&amp;cret""#), "{html}");
        assert!(
            html.contains(r#"<form method="post" action="/console/sign-out">"#),
            "{html}"
        );
        assert!(!html.contains("<script>"), "no inline script: {html}");
    }

    #[test]
    fn sub_user_tabs_leave_out_master_pages() {
        let nav = AccountNav {
            id: "a1",
            name: "acme",
            manages: false,
            current: Some(Tab::Buckets),
        };
        let html = page("Buckets", &chrome(Some(nav)), html! {}).into_string();
        assert!(html.contains(r#"href="/console/accounts/a1/buckets" aria-current="page""#));
        assert!(!html.contains("/console/accounts/a1/users"), "{html}");
        assert!(!html.contains("/console/accounts/a1/capacity"), "{html}");
    }
}
