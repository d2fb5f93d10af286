"""boto3 against a Gust server with auth on: each call's outcome (ok, or the error code and
message) as one JSON object on stdout. Keys come from the environment; GUST_URL is the server."""
import json, os, sys, time, urllib.request, urllib.error
import boto3
from botocore.config import Config

url = os.environ["GUST_URL"]
good = {"aws_access_key_id": os.environ["GOOD_ID"], "aws_secret_access_key": os.environ["GOOD_SECRET"]}
wrong = {"aws_access_key_id": os.environ["GOOD_ID"], "aws_secret_access_key": "wrong"}
unknown = {"aws_access_key_id": "AKIAUNKNOWNUNKNOWN00", "aws_secret_access_key": "x"}

def client(service, creds, **config):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", config=Config(retries={"max_attempts": 0}, **config), **creds)

def outcome(call):
    try:
        call()
        return "ok"
    except Exception as e:
        err = getattr(e, "response", {}).get("Error", {})
        return {"Code": err.get("Code"), "Message": err.get("Message")}

def fetch(u):
    try:
        with urllib.request.urlopen(u) as r:
            return {"status": r.status, "body": r.read().decode()}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": e.read().decode()}

s3v4 = {"signature_version": "s3v4", "s3": {"addressing_style": "path"}}
out = {}
for name, creds in (("good", good), ("wrong", wrong), ("unknown", unknown)):
    out[name] = {
        "lambda": outcome(lambda: client("lambda", creds).list_functions()),
        "events": outcome(lambda: client("events", creds).list_rules()),
        "sqs": outcome(lambda: client("sqs", creds).list_queues()),
        "s3": outcome(lambda: client("s3", creds, **s3v4).put_object(Bucket="boto", Key="k", Body=b"from boto3")),
    }
s3 = client("s3", good, **s3v4)
out["presigned_v4"] = fetch(s3.generate_presigned_url("get_object", Params={"Bucket": "boto", "Key": "k"}, ExpiresIn=60))
# boto3 1.26 presigns S3 with signature version 2 unless told otherwise: Gust refuses it clearly.
v2 = client("s3", good, s3={"addressing_style": "path"}).generate_presigned_url("get_object", Params={"Bucket": "boto", "Key": "k"}, ExpiresIn=60)
out["presigned_v2"] = fetch(v2)
expiring = s3.generate_presigned_url("get_object", Params={"Bucket": "boto", "Key": "k"}, ExpiresIn=1)
time.sleep(2)
out["presigned_expired"] = fetch(expiring)

# A clock 16 minutes slow: botocore's signers (its own, and the CRT's where awscrt is
# installed, as on Debian) read datetime.datetime.utcnow() when they sign.
import botocore.auth, datetime as real_datetime
try:
    import botocore.crt.auth as crt_auth
except ImportError:
    crt_auth = None
class Slow(real_datetime.datetime):
    @classmethod
    def utcnow(cls):
        return real_datetime.datetime.utcnow() - real_datetime.timedelta(minutes=16)
class SlowModule:
    datetime = Slow
    timedelta = real_datetime.timedelta
    timezone = real_datetime.timezone
botocore.auth.datetime = SlowModule
if crt_auth is not None:
    crt_auth.datetime = SlowModule
out["skewed"] = {
    "lambda": outcome(lambda: client("lambda", good).list_functions()),
    "sqs": outcome(lambda: client("sqs", good).list_queues()),
    "s3": outcome(lambda: client("s3", good, **s3v4).get_object(Bucket="boto", Key="k")),
}
botocore.auth.datetime = real_datetime
if crt_auth is not None:
    crt_auth.datetime = real_datetime
print(json.dumps(out))
