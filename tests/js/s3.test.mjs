// AWS's JavaScript SDK v3 against an oss server, run with `node --test` by the Rust integration
// suite (tests/integration/js.rs). The client keeps the SDK's defaults apart from endpoint,
// credentials and region. Since client-s3 3.729 those defaults compute a CRC32 checksum for
// every upload and ask for checksums on every download, so these tests also cover the
// server's checksum handling as a stock client exercises it.
//
// Environment: OSS_TEST_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_REGION.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { crc32 } from "node:zlib";

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const MiB = 1024 * 1024;

function client() {
  const endpoint = process.env.OSS_TEST_ENDPOINT;
  assert.ok(endpoint, "OSS_TEST_ENDPOINT is not set");
  return new S3Client({
    endpoint,
    region: process.env.AWS_REGION,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID,
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
    },
  });
}

/** Returns the base64 CRC32 of `bytes`, as S3 sends it in `x-amz-checksum-crc32`. */
function crc32Base64(bytes) {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(bytes));
  return value.toString("base64");
}

function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Returns every key of `bucket`, following continuation tokens. */
async function listAllKeys(s3, bucket, pageSize) {
  const keys = [];
  const pages = paginateListObjectsV2({ client: s3, pageSize }, { Bucket: bucket });
  for await (const page of pages) {
    for (const object of page.Contents ?? []) {
      keys.push(object.Key);
    }
  }
  return keys;
}

/** Runs `promise` and returns the S3 error it must reject with. */
async function s3Error(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof S3ServiceException, `not an S3 error: ${error}`);
    return error;
  }
  assert.fail("the request succeeded");
}

test("put, get, head, copy, list and delete objects", async () => {
  const s3 = client();
  const bucket = "js-objects";
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  const key = "dir/hello world+ü.txt";
  const body = Buffer.from("hello from the JavaScript SDK\n");
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: "text/plain",
      Metadata: { origin: "js-sdk" },
    }),
  );
  assert.equal(put.ETag, `"${createHash("md5").update(body).digest("hex")}"`);
  assert.equal(put.ChecksumCRC32, crc32Base64(body), "CRC32 the server echoed");

  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await got.Body.transformToByteArray());
  assert.deepEqual(bytes, body);
  assert.equal(got.ContentType, "text/plain");
  assert.equal(got.Metadata.origin, "js-sdk");
  assert.equal(got.ChecksumCRC32, crc32Base64(body), "CRC32 returned with the object");

  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  assert.equal(head.ContentLength, body.length);
  assert.equal(head.ETag, put.ETag);

  const listing = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir/", Delimiter: "/" }),
  );
  assert.deepEqual(
    (listing.Contents ?? []).map((object) => object.Key),
    [key],
  );
  assert.equal(listing.Contents[0].Size, body.length);

  const copied = await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: "copy.txt",
      CopySource: `${bucket}/${encodeURIComponent(key)}`,
    }),
  );
  assert.equal(copied.CopyObjectResult.ETag, put.ETag, "ETag of the copy");
  const copy = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "copy.txt" }));
  assert.deepEqual(Buffer.from(await copy.Body.transformToByteArray()), body);
  assert.equal(copy.Metadata.origin, "js-sdk", "metadata kept by the copy");

  const buckets = await s3.send(new ListBucketsCommand({}));
  assert.ok(
    buckets.Buckets.some((listed) => listed.Name === bucket),
    `${bucket} not in ListBuckets`,
  );

  const missing = await s3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "absent" })));
  assert.equal(missing.name, "NoSuchKey");
  assert.equal(missing.$metadata.httpStatusCode, 404);

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "copy.txt" }));
  const empty = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  assert.equal(empty.KeyCount, 0);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
});

test("list pages and delete in one batch", async () => {
  const s3 = client();
  const bucket = "js-batch";
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  const keys = Array.from({ length: 25 }, (_, i) => `batch/${String(i).padStart(2, "0")}`);
  for (const key of keys) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  }
  assert.deepEqual(await listAllKeys(s3, bucket, 7), keys);

  // DeleteObjects must carry an integrity checksum; this SDK sends CRC32 in place of MD5.
  const deleted = await s3.send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: { Objects: keys.map((key) => ({ Key: key })) },
    }),
  );
  assert.equal(deleted.Deleted?.length, keys.length);
  assert.equal(deleted.Errors, undefined);
  assert.deepEqual(await listAllKeys(s3, bucket, 1000), []);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
});

test("multipart upload through lib-storage", async () => {
  const s3 = client();
  const bucket = "js-multipart";
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  // lib-storage splits at its default part size of 5 MiB: three parts here, the last short.
  const body = randomBytes(12 * MiB + 12345);
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: "large.bin", Body: body },
  });
  const result = await upload.done();
  assert.match(result.ETag, /^"[0-9a-f]{32}-3"$/, "multipart ETag");

  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "large.bin" }));
  assert.equal(head.ContentLength, body.length);
  assert.equal(head.ETag, result.ETag);

  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "large.bin" }));
  const bytes = Buffer.from(await got.Body.transformToByteArray());
  assert.equal(bytes.length, body.length);
  assert.equal(sha256(bytes), sha256(body));

  const ranged = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: "large.bin", Range: "bytes=5242870-5242889" }),
  );
  const slice = Buffer.from(await ranged.Body.transformToByteArray());
  assert.deepEqual(slice, body.subarray(5242870, 5242890), "range across the first part end");

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "large.bin" }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
});

test("put a file stream with a trailing checksum", async () => {
  const s3 = client();
  const bucket = "js-stream";
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  // A stream body is sent aws-chunked, with the CRC32 in a trailer after the data.
  const dir = mkdtempSync(join(tmpdir(), "oss-js-"));
  try {
    const path = join(dir, "stream.bin");
    const body = randomBytes(3 * MiB + 17);
    writeFileSync(path, body);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "stream.bin",
        Body: createReadStream(path),
        ContentLength: body.length,
      }),
    );
    assert.equal(put.ChecksumCRC32, crc32Base64(body), "CRC32 of the streamed body");

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "stream.bin" }));
    const bytes = Buffer.from(await got.Body.transformToByteArray());
    assert.equal(bytes.length, body.length);
    assert.equal(sha256(bytes), sha256(body));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "stream.bin" }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
});
