//! The account model end to end, through the admin API and the S3 endpoint together: who may
//! run which S3 operation, capacity under racing writers, and the release of a large account
//! across a server crash.

mod capacity;
mod matrix;
mod release;

use serde_json::{Value, json};

use crate::admin::AdminClient;
use crate::raw::{RawClient, RawRequest};

/// An access key pair.
#[derive(Debug, Clone)]
pub struct Key {
    /// Access key id.
    pub id: String,
    /// Secret access key.
    pub secret: String,
}

impl Key {
    /// Reads `access_key_id` and `secret_access_key` from an admin API reply.
    #[track_caller]
    pub fn from_reply(reply: &Value) -> Key {
        let field = |name: &str| {
            reply[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name} in {reply}"))
                .to_owned()
        };
        Key {
            id: field("access_key_id"),
            secret: field("secret_access_key"),
        }
    }

    /// Signs `request` with this key instead of the default account's.
    pub fn sign<'a>(&self, request: RawRequest<'a>) -> RawRequest<'a> {
        request.access_key(&self.id).secret_key(&self.secret)
    }
}

/// Creates a user of `account` with one access key and returns the key.
pub async fn user_with_key(operator: &AdminClient, account: &str, user: &str) -> Key {
    let base = format!("/admin/v1/accounts/{account}");
    operator
        .post(&format!("{base}/users"), json!({ "name": user }))
        .await
        .expect(201);
    let created = operator
        .post(&format!("{base}/keys"), json!({ "user": user }))
        .await
        .expect(201);
    Key::from_reply(&created)
}

/// Gives `user` a grant on `bucket` of `account`, replacing any grant it holds.
pub async fn grant(operator: &AdminClient, account: &str, bucket: &str, user: &str, access: &str) {
    let path = format!("/admin/v1/accounts/{account}/buckets/{bucket}/grants");
    let body = json!({ "user": user, "access": access, "regrant": false });
    operator.post(&path, body).await.expect(201);
}

/// Returns the account overview from the admin API.
pub async fn overview(operator: &AdminClient, account: &str) -> Value {
    operator
        .get(&format!("/admin/v1/accounts/{account}"))
        .await
        .expect(200)
}

/// Returns the keys and sizes of every object in `bucket`, listed by the default account.
pub async fn object_sizes(s3: &RawClient, bucket: &str) -> Vec<(String, u64)> {
    let mut objects = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut path = format!("/{bucket}?list-type=2");
        if let Some(token) = &token {
            path.push_str("&continuation-token=");
            path.push_str(&crate::raw::encode_query(token));
        }
        let reply = s3.get(&path).send().await;
        reply.assert_success();
        let text = reply.text();
        let keys = crate::raw::xml_values(&text, "Contents/Key");
        let sizes = crate::raw::xml_values(&text, "Contents/Size");
        for (key, size) in keys.into_iter().zip(sizes) {
            objects.push((key, size.parse().expect("numeric Size")));
        }
        token = reply.xml("NextContinuationToken");
        if token.is_none() {
            return objects;
        }
    }
}
