"""Object operations through boto3: headers, ranges, conditions, digests, multipart, presigning."""

import base64
import datetime
import hashlib
import io
import unittest
import urllib.error
import urllib.request

import boto3.s3.transfer

import s3_env

BUCKET = "py-objects"
ALPHABET = b"abcdefghijklmnopqrstuvwxyz"


def fetch(method, url, body=None):
    """Sends a plain HTTP request to a presigned URL and returns (status, body)."""
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class ObjectTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = s3_env.client()
        cls.s3.create_bucket(Bucket=BUCKET)
        put = cls.s3.put_object(Bucket=BUCKET, Key="alphabet", Body=ALPHABET)
        cls.etag = put["ETag"]

    def test_etag_is_md5(self):
        self.assertEqual(self.etag, '"' + hashlib.md5(ALPHABET).hexdigest() + '"')

    def test_headers_round_trip(self):
        expires = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)
        self.s3.put_object(
            Bucket=BUCKET,
            Key="headers",
            Body=b"with headers",
            ContentType="text/x-boto",
            CacheControl="private",
            ContentDisposition='attachment; filename="h.txt"',
            ContentEncoding="identity",
            ContentLanguage="nl",
            Expires=expires,
            Metadata={"project": "oss", "mixed-case": "Value With Spaces"},
        )
        head = self.s3.head_object(Bucket=BUCKET, Key="headers")
        self.assertEqual(head["ContentType"], "text/x-boto")
        self.assertEqual(head["CacheControl"], "private")
        self.assertEqual(head["ContentDisposition"], 'attachment; filename="h.txt"')
        self.assertEqual(head["ContentEncoding"], "identity")
        self.assertEqual(head["ContentLanguage"], "nl")
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"]["expires"],
                         "Fri, 01 Jan 2100 00:00:00 GMT")
        self.assertEqual(head["Metadata"], {"project": "oss", "mixed-case": "Value With Spaces"})
        self.assertEqual(head["ContentLength"], len(b"with headers"))

    def test_ranges(self):
        cases = [("bytes=0-2", b"abc"), ("bytes=23-", b"xyz"), ("bytes=-4", b"wxyz")]
        for header, expected in cases:
            with self.subTest(range=header):
                response = self.s3.get_object(Bucket=BUCKET, Key="alphabet", Range=header)
                self.assertEqual(response["Body"].read(), expected)
                self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 206)

    def test_unsatisfiable_range(self):
        code, status, _ = s3_env.error_of(
            self.s3.get_object, Bucket=BUCKET, Key="alphabet", Range="bytes=26-30"
        )
        self.assertEqual(code, "InvalidRange")
        self.assertEqual(status, 416)

    def test_conditions(self):
        # Dates after the current time are left out: RFC 9110 and RFC 2616 disagree on them.
        past = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)
        modified = self.s3.head_object(Bucket=BUCKET, Key="alphabet")["LastModified"]
        other = '"0123456789abcdef0123456789abcdef"'
        failing = [
            ({"IfMatch": other}, 412),
            ({"IfNoneMatch": self.etag}, 304),
            ({"IfModifiedSince": modified}, 304),
            ({"IfUnmodifiedSince": past}, 412),
        ]
        for condition, expected in failing:
            with self.subTest(condition=condition):
                _, status, _ = s3_env.error_of(
                    self.s3.get_object, Bucket=BUCKET, Key="alphabet", **condition
                )
                self.assertEqual(status, expected)
        passing = [{"IfMatch": self.etag}, {"IfNoneMatch": other},
                   {"IfModifiedSince": past}, {"IfUnmodifiedSince": modified}]
        for condition in passing:
            with self.subTest(condition=condition):
                response = self.s3.get_object(Bucket=BUCKET, Key="alphabet", **condition)
                self.assertEqual(response["Body"].read(), ALPHABET)

    def test_head_conditions(self):
        _, status, _ = s3_env.error_of(
            self.s3.head_object, Bucket=BUCKET, Key="alphabet", IfNoneMatch=self.etag
        )
        self.assertEqual(status, 304)

    def test_response_overrides(self):
        response = self.s3.get_object(
            Bucket=BUCKET,
            Key="alphabet",
            ResponseContentType="application/x-letters",
            ResponseContentDisposition="attachment",
            ResponseCacheControl="max-age=5",
            ResponseContentLanguage="sv",
        )
        self.assertEqual(response["ContentType"], "application/x-letters")
        self.assertEqual(response["ContentDisposition"], "attachment")
        self.assertEqual(response["CacheControl"], "max-age=5")
        self.assertEqual(response["ContentLanguage"], "sv")

    def test_missing_key(self):
        code, status, _ = s3_env.error_of(self.s3.get_object, Bucket=BUCKET, Key="absent")
        self.assertEqual(code, "NoSuchKey")
        self.assertEqual(status, 404)
        _, status, _ = s3_env.error_of(self.s3.head_object, Bucket=BUCKET, Key="absent")
        self.assertEqual(status, 404)

    def test_delete_missing_key(self):
        response = self.s3.delete_object(Bucket=BUCKET, Key="never-there")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 204)

    def test_delete_then_get(self):
        self.s3.put_object(Bucket=BUCKET, Key="short-lived", Body=b"bye")
        self.s3.delete_object(Bucket=BUCKET, Key="short-lived")
        code, _, _ = s3_env.error_of(self.s3.get_object, Bucket=BUCKET, Key="short-lived")
        self.assertEqual(code, "NoSuchKey")

    def test_bad_digest(self):
        wrong = base64.b64encode(hashlib.md5(b"other bytes").digest()).decode()
        code, status, _ = s3_env.error_of(
            self.s3.put_object, Bucket=BUCKET, Key="digest", Body=b"payload", ContentMD5=wrong
        )
        self.assertEqual(code, "BadDigest")
        self.assertEqual(status, 400)

    def test_transfer_multipart(self):
        data = bytes(range(256)) * (12 * 4096)  # 12 MiB
        config = boto3.s3.transfer.TransferConfig(
            multipart_threshold=5 << 20, multipart_chunksize=5 << 20
        )
        self.s3.upload_fileobj(io.BytesIO(data), BUCKET, "transfer", Config=config)
        head = self.s3.head_object(Bucket=BUCKET, Key="transfer")
        self.assertTrue(head["ETag"].endswith('-3"'), f"multipart ETag {head['ETag']}")
        self.assertEqual(head["ContentLength"], len(data))
        target = io.BytesIO()
        self.s3.download_fileobj(BUCKET, "transfer", target, Config=config)
        self.assertTrue(target.getvalue() == data, "downloaded bytes differ from the upload")

    def test_multipart_calls(self):
        upload = self.s3.create_multipart_upload(Bucket=BUCKET, Key="parts")
        upload_id = upload["UploadId"]
        first = b"1" * (5 << 20)
        second = b"2" * 1000
        parts = []
        for number, body in [(1, first), (2, second)]:
            part = self.s3.upload_part(
                Bucket=BUCKET, Key="parts", UploadId=upload_id, PartNumber=number, Body=body
            )
            self.assertEqual(part["ETag"], '"' + hashlib.md5(body).hexdigest() + '"')
            parts.append({"PartNumber": number, "ETag": part["ETag"]})
        done = self.s3.complete_multipart_upload(
            Bucket=BUCKET, Key="parts", UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
        digests = hashlib.md5(hashlib.md5(first).digest() + hashlib.md5(second).digest())
        self.assertEqual(done["ETag"], '"' + digests.hexdigest() + '-2"')
        body = self.s3.get_object(Bucket=BUCKET, Key="parts")["Body"].read()
        self.assertTrue(body == first + second, "completed object differs from its parts")

    def test_multipart_abort(self):
        upload_id = self.s3.create_multipart_upload(Bucket=BUCKET, Key="aborted")["UploadId"]
        self.s3.upload_part(
            Bucket=BUCKET, Key="aborted", UploadId=upload_id, PartNumber=1, Body=b"part"
        )
        self.s3.abort_multipart_upload(Bucket=BUCKET, Key="aborted", UploadId=upload_id)
        code, status, _ = s3_env.error_of(
            self.s3.complete_multipart_upload,
            Bucket=BUCKET,
            Key="aborted",
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]},
        )
        self.assertEqual(code, "NoSuchUpload")
        self.assertEqual(status, 404)

    def test_presigned_get(self):
        url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": "alphabet"}, ExpiresIn=300
        )
        status, body = fetch("GET", url)
        self.assertEqual(status, 200, body)
        self.assertEqual(body, ALPHABET)

    def test_presigned_put(self):
        url = self.s3.generate_presigned_url(
            "put_object", Params={"Bucket": BUCKET, "Key": "uploaded-by-url"}, ExpiresIn=300
        )
        status, body = fetch("PUT", url, b"from a presigned url")
        self.assertEqual(status, 200, body)
        stored = self.s3.get_object(Bucket=BUCKET, Key="uploaded-by-url")["Body"].read()
        self.assertEqual(stored, b"from a presigned url")

    def test_presigned_expiry_over_a_week(self):
        url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": "alphabet"}, ExpiresIn=604801
        )
        status, body = fetch("GET", url)
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>AuthorizationQueryParametersError</Code>", body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
