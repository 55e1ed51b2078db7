//! The route table of the admin endpoint: one row per method and path template. The OpenAPI
//! document is checked against this table, so a route cannot exist without being documented.

use http::Method;
use percent_encoding::percent_decode_str;

/// Every operation the endpoint serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteId {
    CreateAccount,
    ListAccounts,
    GetAccount,
    ReleaseAccount,
    GetAccess,
    ExpandCapacity,
    ShrinkCapacity,
    ListUsers,
    CreateUser,
    DeleteUser,
    ListKeys,
    CreateKey,
    DeleteKey,
    ListBuckets,
    CreateBucket,
    DeleteBucket,
    ListGrants,
    PutGrant,
    DeleteGrant,
    GetUsage,
    OpenApi,
    Health,
    Metrics,
}

impl RouteId {
    /// Returns the route's name in logs and metrics.
    pub(crate) fn name(self) -> &'static str {
        ROUTES
            .iter()
            .find(|route| route.id == self)
            .map_or("unknown", |route| route.name)
    }

    /// Returns whether the route is served without credentials.
    pub(crate) fn is_public(self) -> bool {
        matches!(self, RouteId::OpenApi | RouteId::Health)
    }
}

/// One row of the route table.
pub(crate) struct Route {
    pub(crate) method: Method,
    /// Path template with `{name}` segments, as in the OpenAPI document.
    pub(crate) path: &'static str,
    pub(crate) id: RouteId,
    pub(crate) name: &'static str,
}

const ACCOUNT: &str = "/admin/v1/accounts/{account}";

macro_rules! route {
    ($method:ident, $path:expr, $id:ident) => {
        Route {
            method: Method::$method,
            path: $path,
            id: RouteId::$id,
            name: stringify!($id),
        }
    };
}

/// The route table.
pub(crate) static ROUTES: &[Route] = &[
    route!(POST, "/admin/v1/accounts", CreateAccount),
    route!(GET, "/admin/v1/accounts", ListAccounts),
    route!(GET, ACCOUNT, GetAccount),
    route!(DELETE, ACCOUNT, ReleaseAccount),
    route!(GET, "/admin/v1/accounts/{account}/access", GetAccess),
    route!(POST, "/admin/v1/accounts/{account}/expand", ExpandCapacity),
    route!(POST, "/admin/v1/accounts/{account}/shrink", ShrinkCapacity),
    route!(GET, "/admin/v1/accounts/{account}/users", ListUsers),
    route!(POST, "/admin/v1/accounts/{account}/users", CreateUser),
    route!(
        DELETE,
        "/admin/v1/accounts/{account}/users/{user}",
        DeleteUser
    ),
    route!(GET, "/admin/v1/accounts/{account}/keys", ListKeys),
    route!(POST, "/admin/v1/accounts/{account}/keys", CreateKey),
    route!(
        DELETE,
        "/admin/v1/accounts/{account}/keys/{access_key_id}",
        DeleteKey
    ),
    route!(GET, "/admin/v1/accounts/{account}/buckets", ListBuckets),
    route!(POST, "/admin/v1/accounts/{account}/buckets", CreateBucket),
    route!(
        DELETE,
        "/admin/v1/accounts/{account}/buckets/{bucket}",
        DeleteBucket
    ),
    route!(
        GET,
        "/admin/v1/accounts/{account}/buckets/{bucket}/grants",
        ListGrants
    ),
    route!(
        POST,
        "/admin/v1/accounts/{account}/buckets/{bucket}/grants",
        PutGrant
    ),
    route!(
        DELETE,
        "/admin/v1/accounts/{account}/buckets/{bucket}/grants/{user}",
        DeleteGrant
    ),
    route!(GET, "/admin/v1/accounts/{account}/usage", GetUsage),
    route!(GET, "/admin/v1/openapi.json", OpenApi),
    route!(GET, "/health", Health),
    route!(GET, "/metrics", Metrics),
];

/// The result of matching a request against the table.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Matched {
    /// A route, with its path parameters percent-decoded, in template order.
    Route(RouteId, Vec<String>),
    /// The path exists, but not with this method; contains the methods it accepts.
    WrongMethod(Vec<Method>),
    /// No template has this path.
    NoPath,
}

/// Finds the route of a request.
pub(crate) fn find(method: &Method, raw_path: &str) -> Matched {
    let mut methods = Vec::new();
    for route in ROUTES {
        let Some(params) = match_template(route.path, raw_path) else {
            continue;
        };
        if route.method == *method {
            return Matched::Route(route.id, params);
        }
        methods.push(route.method.clone());
    }
    match methods.is_empty() {
        true => Matched::NoPath,
        false => Matched::WrongMethod(methods),
    }
}

/// Matches a raw path against a template segment by segment; returns the decoded parameters.
fn match_template(template: &str, raw_path: &str) -> Option<Vec<String>> {
    let mut template_segments = template.split('/');
    let mut path_segments = raw_path.split('/');
    let mut params = Vec::new();
    loop {
        match (template_segments.next(), path_segments.next()) {
            (None, None) => return Some(params),
            (Some(expected), Some(actual)) if expected.starts_with('{') => {
                let value = percent_decode_str(actual).decode_utf8().ok()?;
                if value.is_empty() {
                    return None;
                }
                params.push(value.into_owned());
            }
            (Some(expected), Some(actual)) if expected == actual => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_decoded() {
        let matched = find(
            &Method::DELETE,
            "/admin/v1/accounts/a1/buckets/b.x/grants/al%20ice",
        );
        assert_eq!(
            matched,
            Matched::Route(
                RouteId::DeleteGrant,
                vec!["a1".into(), "b.x".into(), "al ice".into()]
            )
        );
    }

    #[test]
    fn wrong_method_lists_allowed() {
        let matched = find(&Method::PUT, "/admin/v1/accounts");
        assert_eq!(
            matched,
            Matched::WrongMethod(vec![Method::POST, Method::GET])
        );
    }

    #[test]
    fn unknown_and_empty_segments() {
        assert_eq!(find(&Method::GET, "/admin/v1/nothing"), Matched::NoPath);
        assert_eq!(
            find(&Method::GET, "/admin/v1/accounts//users"),
            Matched::NoPath
        );
        assert_eq!(find(&Method::GET, "/admin/v1/accounts/a/"), Matched::NoPath);
    }

    #[test]
    fn route_names_unique() {
        let mut names: Vec<&str> = ROUTES.iter().map(|route| route.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ROUTES.len());
    }
}
