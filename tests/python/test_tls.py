"""boto3 over TLS with its default checksum settings.

Over https, botocore sends PutObject and UploadPart bodies as aws-chunked with a CRC32 checksum
in a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER). The tests record the headers of those
requests, so they fail if the premise changes, and check that the server verified and stored
what the trailer carried.
"""

import base64
import io
import os
import ssl
import unittest
import urllib.error
import urllib.request
import zlib

import boto3.s3.transfer

import s3_env

BUCKET = "py-tls"
MIB = 1024 * 1024
TRANSFER = boto3.s3.transfer.TransferConfig(
    multipart_threshold=8 * MIB, multipart_chunksize=5 * MIB, max_concurrency=2
)


def crc32_b64(data):
    """Returns the base64 CRC32 that S3 reports for `data`."""
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def fetch(method, url, body=None):
    """Sends a plain HTTPS request that trusts only the test CA; returns (status, body)."""
    context = ssl.create_default_context(cafile=s3_env.CA_BUNDLE)
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class NonSeekable(io.RawIOBase):
    """A read-only stream that cannot seek or tell, like a pipe."""

    def __init__(self, data):
        self._data = memoryview(data)
        self._offset = 0

    def readable(self):
        return True

    def seekable(self):
        return False

    def readinto(self, buffer):
        count = min(len(buffer), len(self._data) - self._offset)
        buffer[:count] = self._data[self._offset : self._offset + count]
        self._offset += count
        return count


class TlsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        assert s3_env.ENDPOINT.startswith("https://"), s3_env.ENDPOINT
        assert s3_env.CA_BUNDLE, "OSS_TEST_CA_BUNDLE is not set"
        cls.s3 = s3_env.client()
        cls.sent = []
        cls.s3.meta.events.register("before-send.s3.*", cls._record)
        cls.s3.create_bucket(Bucket=BUCKET)

    @classmethod
    def _record(cls, request, **_):
        cls.sent.append((request.method, request.url, dict(request.headers)))

    def sent_headers(self, method, fragment):
        """Returns the headers of the last request with `method` whose URL contains `fragment`."""
        for sent_method, url, headers in reversed(self.sent):
            if sent_method == method and fragment in url:
                return {name.lower(): value for name, value in headers.items()}
        self.fail(f"no {method} request to {fragment} was sent")

    def assert_trailer_checksum(self, headers):
        sha = headers.get("x-amz-content-sha256")
        if isinstance(sha, bytes):
            sha = sha.decode()
        self.assertEqual(sha, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        trailer = headers.get("x-amz-trailer")
        if isinstance(trailer, bytes):
            trailer = trailer.decode()
        self.assertEqual(trailer, "x-amz-checksum-crc32")

    def test_put_get_with_trailer(self):
        data = os.urandom(300 * 1024)
        put = self.s3.put_object(Bucket=BUCKET, Key="trailer", Body=data)
        self.assert_trailer_checksum(self.sent_headers("PUT", "/trailer"))
        self.assertEqual(put["ChecksumCRC32"], crc32_b64(data))
        got = self.s3.get_object(Bucket=BUCKET, Key="trailer", ChecksumMode="ENABLED")
        self.assertEqual(got["Body"].read(), data)
        self.assertEqual(got["ChecksumCRC32"], crc32_b64(data))

    def test_empty_object(self):
        self.s3.put_object(Bucket=BUCKET, Key="empty", Body=b"")
        got = self.s3.get_object(Bucket=BUCKET, Key="empty")
        self.assertEqual(got["Body"].read(), b"")

    def test_upload_file_multipart(self):
        data = os.urandom(12 * MIB)
        path = os.path.join(os.environ["OSS_TEST_SCRATCH"], "multipart.bin")
        with open(path, "wb") as file:
            file.write(data)
        self.s3.upload_file(path, BUCKET, "multipart", Config=TRANSFER)
        self.assert_trailer_checksum(self.sent_headers("PUT", "uploadId="))
        head = self.s3.head_object(Bucket=BUCKET, Key="multipart")
        self.assertEqual(head["ContentLength"], len(data))
        self.assertTrue(head["ETag"].endswith('-3"'), head["ETag"])
        got = self.s3.get_object(Bucket=BUCKET, Key="multipart")["Body"].read()
        self.assertEqual(got, data)

    def test_upload_fileobj_non_seekable(self):
        for size, key in [(100 * 1024, "stream-small"), (11 * MIB, "stream-large")]:
            data = os.urandom(size)
            stream = io.BufferedReader(NonSeekable(data))
            self.s3.upload_fileobj(stream, BUCKET, key, Config=TRANSFER)
            got = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            self.assertEqual(len(got), size, key)
            self.assertEqual(got, data, key)

    def test_copy(self):
        self.s3.put_object(Bucket=BUCKET, Key="copy-src", Body=b"copy me", ContentType="a/b")
        self.s3.copy_object(
            Bucket=BUCKET, Key="copy dst+é", CopySource={"Bucket": BUCKET, "Key": "copy-src"}
        )
        got = self.s3.get_object(Bucket=BUCKET, Key="copy dst+é")
        self.assertEqual(got["Body"].read(), b"copy me")
        self.assertEqual(got["ContentType"], "a/b")
        self.s3.copy({"Bucket": BUCKET, "Key": "copy dst+é"}, BUCKET, "managed copy")
        got = self.s3.get_object(Bucket=BUCKET, Key="managed copy")["Body"].read()
        self.assertEqual(got, b"copy me")

    def test_delete_objects(self):
        keys = [f"del/{i}" for i in range(5)]
        for key in keys:
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        result = self.s3.delete_objects(
            Bucket=BUCKET, Delete={"Objects": [{"Key": key} for key in keys + ["del/none"]]}
        )
        deleted = sorted(entry["Key"] for entry in result["Deleted"])
        self.assertEqual(deleted, sorted(keys + ["del/none"]))
        self.assertNotIn("Errors", result)
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="del/")
        self.assertEqual(listed["KeyCount"], 0)
        quiet = self.s3.delete_objects(
            Bucket=BUCKET, Delete={"Objects": [{"Key": "del/0"}], "Quiet": True}
        )
        self.assertNotIn("Deleted", quiet)

    def test_object_tagging(self):
        self.s3.put_object(Bucket=BUCKET, Key="tagged", Body=b"t", Tagging="a=1&b=two%20words")
        head = self.s3.head_object(Bucket=BUCKET, Key="tagged")
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"], "2")
        tags = self.s3.get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"]
        self.assertEqual(tags, [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"}])
        self.s3.put_object_tagging(
            Bucket=BUCKET, Key="tagged", Tagging={"TagSet": [{"Key": "c", "Value": "3"}]}
        )
        tags = self.s3.get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"]
        self.assertEqual(tags, [{"Key": "c", "Value": "3"}])
        self.s3.delete_object_tagging(Bucket=BUCKET, Key="tagged")
        tags = self.s3.get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"]
        self.assertEqual(tags, [])

    def test_bucket_tagging(self):
        code, status, _ = s3_env.error_of(self.s3.get_bucket_tagging, Bucket=BUCKET)
        self.assertEqual((code, status), ("NoSuchTagSet", 404))
        tag_set = [{"Key": f"k{i}", "Value": f"v{i}"} for i in range(50)]
        self.s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": tag_set})
        self.assertEqual(self.s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"], tag_set)
        too_many = tag_set + [{"Key": "k50", "Value": "v"}]
        code, status, _ = s3_env.error_of(
            self.s3.put_bucket_tagging, Bucket=BUCKET, Tagging={"TagSet": too_many}
        )
        self.assertEqual((code, status), ("BadRequest", 400))
        self.s3.delete_bucket_tagging(Bucket=BUCKET)
        code, _, _ = s3_env.error_of(self.s3.get_bucket_tagging, Bucket=BUCKET)
        self.assertEqual(code, "NoSuchTagSet")

    def test_presigned_put_and_get(self):
        put_url = self.s3.generate_presigned_url(
            "put_object", Params={"Bucket": BUCKET, "Key": "presigned"}, ExpiresIn=300
        )
        self.assertTrue(put_url.startswith("https://"), put_url)
        status, _ = fetch("PUT", put_url, b"sent without an SDK")
        self.assertEqual(status, 200)
        get_url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": "presigned"}, ExpiresIn=300
        )
        status, body = fetch("GET", get_url)
        self.assertEqual(status, 200)
        self.assertEqual(body, b"sent without an SDK")


if __name__ == "__main__":
    unittest.main(verbosity=2)
