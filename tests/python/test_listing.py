"""Listings through boto3: paginators, delimiters, url encoding and the versions listing."""

import unittest
import urllib.parse

import s3_env

BUCKET = "py-listing"
KEYS = ["a/b", "a//b", "a/../b", " space", "plus+sign", "\u00e9", "e\u0301", "%41",
        "?x=y", "#", "k" * 1024]
EXPECTED = sorted(KEYS, key=lambda key: key.encode("utf-8"))


class ListingTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = s3_env.client()
        cls.s3.create_bucket(Bucket=BUCKET)
        for key in KEYS:
            cls.s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode("utf-8"))

    def keys_of(self, pages):
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def test_v2_pages_of_one(self):
        paginator = self.s3.get_paginator("list_objects_v2")
        pages = list(paginator.paginate(Bucket=BUCKET, PaginationConfig={"PageSize": 1}))
        self.assertEqual(self.keys_of(pages), EXPECTED)
        self.assertEqual(len(pages), len(KEYS), "one page per key")
        for page in pages:
            self.assertEqual(page["KeyCount"], 1, "KeyCount of a page of one")

    def test_v1_pages_of_one(self):
        paginator = self.s3.get_paginator("list_objects")
        pages = list(paginator.paginate(Bucket=BUCKET, PaginationConfig={"PageSize": 1}))
        self.assertEqual(self.keys_of(pages), EXPECTED)

    def test_v2_implicit_url_encoding(self):
        # Without EncodingType, boto3 requests encoding-type=url itself and decodes the keys.
        response = self.s3.list_objects_v2(Bucket=BUCKET)
        self.assertEqual([item["Key"] for item in response["Contents"]], EXPECTED)

    def test_v2_explicit_url_encoding(self):
        # With EncodingType given, boto3 returns the keys as the server encoded them.
        response = self.s3.list_objects_v2(Bucket=BUCKET, EncodingType="url")
        encoded = [item["Key"] for item in response["Contents"]]
        for key in encoded:
            self.assertRegex(key, r"^[A-Za-z0-9\-._~/%+]*$", "unencoded character in a key")
        self.assertEqual([urllib.parse.unquote_plus(key) for key in encoded], EXPECTED)

    def test_v1_url_encoding_with_delimiter(self):
        response = self.s3.list_objects(Bucket=BUCKET, EncodingType="url", Delimiter="/")
        prefixes = [prefix["Prefix"] for prefix in response.get("CommonPrefixes", [])]
        self.assertEqual(prefixes, ["a/"])
        keys = [urllib.parse.unquote_plus(item["Key"]) for item in response["Contents"]]
        self.assertEqual(keys, [key for key in EXPECTED if "/" not in key])

    def test_v2_prefix_and_delimiter(self):
        response = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="a/", Delimiter="/")
        prefixes = [prefix["Prefix"] for prefix in response.get("CommonPrefixes", [])]
        self.assertEqual(prefixes, ["a/../", "a//"])
        self.assertEqual([item["Key"] for item in response["Contents"]], ["a/b"])

    def test_v2_max_keys_zero(self):
        response = self.s3.list_objects_v2(Bucket=BUCKET, MaxKeys=0)
        self.assertNotIn("Contents", response, "objects listed with MaxKeys=0")
        self.assertEqual(response["KeyCount"], 0)

    def test_v2_start_after(self):
        response = self.s3.list_objects_v2(Bucket=BUCKET, StartAfter="a/b")
        expected = [key for key in EXPECTED if key.encode() > b"a/b"]
        self.assertEqual([item["Key"] for item in response["Contents"]], expected)

    def test_object_versions(self):
        response = self.s3.list_object_versions(Bucket=BUCKET)
        versions = response["Versions"]
        self.assertEqual([version["Key"] for version in versions], EXPECTED)
        for version in versions:
            self.assertEqual(version["VersionId"], "null", f"VersionId of {version['Key']!r}")
            self.assertTrue(version["IsLatest"], f"IsLatest of {version['Key']!r}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
