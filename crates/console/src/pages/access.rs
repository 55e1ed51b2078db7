//! How to reach the account's data: endpoint, region, addressing styles, and configuration
//! snippets for common clients, filled in for this account. Secrets appear only as
//! placeholders; the access key id is the session's own when there is one.

use http::Response;
use maud::{Markup, html};
use oss_admin::types::AccessInfo;
use oss_s3::ResponseBody;

use super::{account_head, render};
use crate::Inner;
use crate::context::{Ctx, Failure};
use crate::layout::{Tab, copyable};

const SECRET_PLACEHOLDER: &str = "<your secret access key>";
const KEY_PLACEHOLDER: &str = "<your access key id>";

/// `GET /console/accounts/{account}/access`.
pub(crate) async fn show(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
) -> Result<Response<ResponseBody>, Failure> {
    let head = account_head(inner, ctx, account_id).await?;
    let info = inner.api.admin().access_info(&ctx.who, account_id).await?;
    let values = SnippetValues {
        profile: format!("oss-{}", head.name),
        access_key_id: ctx.access_key_id().unwrap_or(KEY_PLACEHOLDER).to_owned(),
        info: &info,
    };

    let content = html! {
        div.card {
            (copyable("endpoint", "Endpoint", &info.endpoint))
            (copyable("region", "Region", &info.region))
            dl.facts {
                dt { "Addressing" }
                dd {
                    @for (index, style) in info.addressing.iter().enumerate() {
                        @if index > 0 { ", " }
                        (style)
                    }
                    @if let Some(suffix) = &info.virtual_host_suffix {
                        " (virtual-hosted: " code { "<bucket>." (suffix) } ")"
                    }
                }
            }
            p.hint {
                "Sign requests for region " code { (info.region) } ". The snippets use path-style \
                 addressing, which always works. Replace the placeholders in angle brackets; \
                 a secret access key is shown only when its key is created."
            }
        }
        (snippet("aws-cli: ~/.aws/config", "snippet-aws-config", &values.aws_config()))
        (snippet("aws-cli: ~/.aws/credentials", "snippet-aws-credentials",
            &values.aws_credentials()))
        p { "Then, for example: " code { "aws --profile " (values.profile) " s3 ls" } }
        (snippet("rclone: rclone.conf", "snippet-rclone", &values.rclone()))
        (snippet("boto3 (Python)", "snippet-boto3", &values.boto3()))
        (snippet("s3fs (FUSE mount)", "snippet-s3fs", &values.s3fs()))
    };
    Ok(render(
        inner,
        ctx,
        "Access",
        Some((&head, Tab::Access)),
        content,
    ))
}

fn snippet(title: &str, id: &str, text: &str) -> Markup {
    html! {
        h2 { (title) }
        div.snippet {
            pre #(id) { code { (text) } }
            button.small.secondary.copy type="button" data-copy=(id) { "Copy" }
        }
    }
}

/// The values the snippets are filled in with.
struct SnippetValues<'a> {
    profile: String,
    access_key_id: String,
    info: &'a AccessInfo,
}

impl SnippetValues<'_> {
    fn aws_config(&self) -> String {
        format!(
            "[profile {profile}]\nregion = {region}\nendpoint_url = {endpoint}\ns3 =\n    \
             addressing_style = path\n",
            profile = self.profile,
            region = self.info.region,
            endpoint = self.info.endpoint,
        )
    }

    fn aws_credentials(&self) -> String {
        format!(
            "[{profile}]\naws_access_key_id = {key}\naws_secret_access_key = {SECRET_PLACEHOLDER}\n",
            profile = self.profile,
            key = self.access_key_id,
        )
    }

    fn rclone(&self) -> String {
        format!(
            "[{profile}]\ntype = s3\nprovider = Other\naccess_key_id = {key}\n\
             secret_access_key = {SECRET_PLACEHOLDER}\nendpoint = {endpoint}\nregion = {region}\n\
             force_path_style = true\n",
            profile = self.profile,
            key = self.access_key_id,
            endpoint = self.info.endpoint,
            region = self.info.region,
        )
    }

    fn boto3(&self) -> String {
        format!(
            "import boto3\nfrom botocore.config import Config\n\ns3 = boto3.client(\n    \"s3\",\n    \
             endpoint_url=\"{endpoint}\",\n    region_name=\"{region}\",\n    \
             aws_access_key_id=\"{key}\",\n    aws_secret_access_key=\"{SECRET_PLACEHOLDER}\",\n    \
             config=Config(s3={{\"addressing_style\": \"path\"}}),\n)\n\
             print([bucket[\"Name\"] for bucket in s3.list_buckets()[\"Buckets\"]])\n",
            endpoint = self.info.endpoint,
            region = self.info.region,
            key = self.access_key_id,
        )
    }

    fn s3fs(&self) -> String {
        format!(
            "echo '{key}:{SECRET_PLACEHOLDER}' > ~/.passwd-s3fs\nchmod 600 ~/.passwd-s3fs\n\
             mkdir -p /mnt/<bucket>\ns3fs <bucket> /mnt/<bucket> -o passwd_file=~/.passwd-s3fs \\\n    \
             -o url={endpoint} -o endpoint={region} -o use_path_request_style\n",
            key = self.access_key_id,
            endpoint = self.info.endpoint,
            region = self.info.region,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(info: &AccessInfo) -> SnippetValues<'_> {
        SnippetValues {
            profile: "oss-acme".to_owned(),
            access_key_id: "AKID".to_owned(),
            info,
        }
    }

    fn info() -> AccessInfo {
        AccessInfo {
            endpoint: "http://127.0.0.1:9000".to_owned(),
            region: "beijing-2".to_owned(),
            addressing: vec!["path".to_owned()],
            virtual_host_suffix: None,
        }
    }

    #[test]
    fn snippets_filled_in_without_secrets() {
        let info = info();
        let values = values(&info);
        for text in [
            values.aws_config(),
            values.aws_credentials(),
            values.rclone(),
            values.boto3(),
            values.s3fs(),
        ] {
            assert!(
                text.contains("beijing-2") || text.contains("AKID"),
                "snippet not filled in: {text}"
            );
        }
        assert!(
            values
                .aws_config()
                .contains("endpoint_url = http://127.0.0.1:9000")
        );
        assert!(values.aws_credentials().contains(SECRET_PLACEHOLDER));
        assert!(values.rclone().contains("force_path_style = true"));
        assert!(values.boto3().contains("region_name=\"beijing-2\""));
        assert!(values.s3fs().contains("-o endpoint=beijing-2"));
    }
}
