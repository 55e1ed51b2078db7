"""ListBuckets pagination through boto3: MaxBuckets, ContinuationToken, Prefix, BucketRegion."""

import unittest

import s3_env

NAMES = ["page-a1", "page-a2", "page-a3", "page-b1", "page-b2", "zz-other"]


class ListBucketsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = s3_env.client()
        for name in NAMES:
            cls.s3.create_bucket(Bucket=name)

    def test_pages_of_two(self):
        names, token, pages = [], None, 0
        while True:
            kwargs = {"MaxBuckets": 2, "Prefix": "page-"}
            if token:
                kwargs["ContinuationToken"] = token
            page = self.s3.list_buckets(**kwargs)
            pages += 1
            self.assertEqual(page["Prefix"], "page-")
            self.assertIn("ID", page["Owner"])
            self.assertLessEqual(len(page["Buckets"]), 2)
            names += [bucket["Name"] for bucket in page["Buckets"]]
            token = page.get("ContinuationToken")
            if not token:
                break
        self.assertEqual(names, NAMES[:5])
        self.assertEqual(pages, 3)

    def test_paginator(self):
        paginator = self.s3.get_paginator("list_buckets")
        names = [
            bucket["Name"]
            for page in paginator.paginate(PaginationConfig={"PageSize": 4})
            for bucket in page["Buckets"]
        ]
        self.assertEqual(names, NAMES)

    def test_whole_list_has_no_token(self):
        page = self.s3.list_buckets()
        self.assertEqual([bucket["Name"] for bucket in page["Buckets"]], NAMES)
        self.assertNotIn("ContinuationToken", page)
        self.assertEqual(page["Buckets"][0]["BucketRegion"], s3_env.REGION)

    def test_bucket_region_filter(self):
        page = self.s3.list_buckets(BucketRegion=s3_env.REGION, Prefix="zz-")
        self.assertEqual([bucket["Name"] for bucket in page["Buckets"]], ["zz-other"])
        page = self.s3.list_buckets(BucketRegion="beijing-5")
        self.assertEqual(page["Buckets"], [])

    def test_max_buckets_over_limit(self):
        # botocore itself refuses values below 1, so only the upper bound reaches the server.
        code, status, _ = s3_env.error_of(self.s3.list_buckets, MaxBuckets=10001)
        self.assertEqual((code, status), ("InvalidArgument", 400))

    def test_bad_continuation_token(self):
        code, status, _ = s3_env.error_of(self.s3.list_buckets, ContinuationToken="%%%")
        self.assertEqual((code, status), ("InvalidArgument", 400))


if __name__ == "__main__":
    unittest.main(verbosity=2)
