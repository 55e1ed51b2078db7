"""Shared set-up for the boto3 tests: a client for the server named by the environment.

The Rust harness sets OSS_TEST_ENDPOINT (such as http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION before it runs a script. For an https endpoint it
also sets OSS_TEST_CA_BUNDLE, the PEM file of the certificate authority that signed the server's
certificate.
"""

import os

import boto3
import botocore.config
import botocore.exceptions

ENDPOINT = os.environ["OSS_TEST_ENDPOINT"]
REGION = os.environ.get("AWS_DEFAULT_REGION", "beijing-1")
CA_BUNDLE = os.environ.get("OSS_TEST_CA_BUNDLE")


def client(**config):
    """Returns an S3 client with path-style addressing and no retries, so errors show at once."""
    settings = botocore.config.Config(
        s3={"addressing_style": "path"},
        retries={"max_attempts": 1, "mode": "standard"},
        **config,
    )
    return boto3.client(
        "s3", endpoint_url=ENDPOINT, region_name=REGION, config=settings, verify=CA_BUNDLE
    )


def error_of(call, *args, **kwargs):
    """Runs a call that must fail with an S3 error and returns (code, HTTP status, response)."""
    try:
        result = call(*args, **kwargs)
    except botocore.exceptions.ClientError as error:
        response = error.response
        return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response
    raise AssertionError(f"{call.__name__} succeeded but an error was expected: {result}")
