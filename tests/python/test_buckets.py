"""Bucket operations through boto3: create, list, head, location, versioning and delete."""

import unittest

import s3_env


class BucketTests(unittest.TestCase):
    def setUp(self):
        self.s3 = s3_env.client()

    def test_create_list_head_delete(self):
        self.s3.create_bucket(Bucket="py-life")
        names = [bucket["Name"] for bucket in self.s3.list_buckets()["Buckets"]]
        self.assertIn("py-life", names, "new bucket missing from ListBuckets")
        self.s3.head_bucket(Bucket="py-life")
        self.s3.delete_bucket(Bucket="py-life")
        code, status, _ = s3_env.error_of(self.s3.head_bucket, Bucket="py-life")
        self.assertEqual(status, 404, f"HeadBucket of a deleted bucket gave {code}")

    def test_location_constraint_of_account_region(self):
        self.s3.create_bucket(
            Bucket="py-placed", CreateBucketConfiguration={"LocationConstraint": "beijing-1"}
        )
        location = self.s3.get_bucket_location(Bucket="py-placed")["LocationConstraint"]
        self.assertEqual(location, "beijing-1")

    def test_location_constraint_of_other_region(self):
        code, status, _ = s3_env.error_of(
            self.s3.create_bucket,
            Bucket="py-far",
            CreateBucketConfiguration={"LocationConstraint": "beijing-4"},
        )
        self.assertEqual(code, "InvalidLocationConstraint")
        self.assertEqual(status, 400)

    def test_already_owned(self):
        self.s3.create_bucket(Bucket="py-twice")
        code, status, _ = s3_env.error_of(self.s3.create_bucket, Bucket="py-twice")
        self.assertEqual(code, "BucketAlreadyOwnedByYou")
        self.assertEqual(status, 409)

    def test_delete_not_empty(self):
        self.s3.create_bucket(Bucket="py-full")
        self.s3.put_object(Bucket="py-full", Key="k", Body=b"x")
        code, status, _ = s3_env.error_of(self.s3.delete_bucket, Bucket="py-full")
        self.assertEqual(code, "BucketNotEmpty")
        self.assertEqual(status, 409)

    def test_delete_missing(self):
        code, status, _ = s3_env.error_of(self.s3.delete_bucket, Bucket="py-never")
        self.assertEqual(code, "NoSuchBucket")
        self.assertEqual(status, 404)

    def test_versioning_status_empty(self):
        self.s3.create_bucket(Bucket="py-ver")
        response = self.s3.get_bucket_versioning(Bucket="py-ver")
        self.assertNotIn("Status", response, "unversioned bucket reports a versioning status")

    def test_request_id_header(self):
        response = self.s3.list_buckets()
        headers = response["ResponseMetadata"]["HTTPHeaders"]
        self.assertIn("x-amz-request-id", headers, "ListBuckets without x-amz-request-id")


if __name__ == "__main__":
    unittest.main(verbosity=2)
