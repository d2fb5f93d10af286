"""Drives Gust's SQS API with boto3 1.26 (query protocol) the way a Python user would, for
test/sqs/boto3.spec.ts.

Usage: python3 boto3_sqs.py <endpoint>

Runs every operation in order and prints one JSON object mapping each step to its
response (ResponseMetadata removed), or to {"Error": {"Code", "Message", "Type"}} when the
call failed. It also checks every MD5 digest Gust answers with against digests computed
here, independently, as SQS documents them ("md5_checks").
"""
import hashlib
import json
import struct
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
sqs = boto3.client(
    "sqs",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)

results = {}
md5_checks = []


def step(name, call, **kwargs):
    try:
        response = call(**kwargs)
        response.pop("ResponseMetadata", None)
        results[name] = response
    except ClientError as err:
        error = err.response["Error"]
        results[name] = {"Error": {"Code": error["Code"], "Message": error["Message"], "Type": error.get("Type")}}
    return results[name]


def md5_of_body(body):
    return hashlib.md5(body.encode("utf-8")).hexdigest()


def md5_of_attributes(attributes):
    """SQS's digest of message attributes: names sorted, each field length-prefixed."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        for text in (name, value["DataType"]):
            encoded = text.encode("utf-8")
            digest.update(struct.pack("!I", len(encoded)) + encoded)
        if "BinaryValue" in value:
            digest.update(b"\x02" + struct.pack("!I", len(value["BinaryValue"])) + value["BinaryValue"])
        else:
            encoded = value["StringValue"].encode("utf-8")
            digest.update(b"\x01" + struct.pack("!I", len(encoded)) + encoded)
    return digest.hexdigest()


def check(what, expected, actual):
    md5_checks.append({"what": what, "ok": expected == actual})


attributes = {
    "colour": {"DataType": "String", "StringValue": "grün"},
    "count": {"DataType": "Number", "StringValue": "42"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
    "kind": {"DataType": "String.custom", "StringValue": "order"},
}
body = "héllo from boto3 \U0001F600"

url = step("create_queue", sqs.create_queue, QueueName="py-q", Attributes={"VisibilityTimeout": "30"}, tags={"team": "py"})["QueueUrl"]
step("create_dlq", sqs.create_queue, QueueName="py-dlq")
step("get_queue_url", sqs.get_queue_url, QueueName="py-q")
step("list_queues", sqs.list_queues, QueueNamePrefix="py-")
step("set_queue_attributes", sqs.set_queue_attributes, QueueUrl=url, Attributes={"MessageRetentionPeriod": "3600"})
step("get_queue_attributes", sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"])

sent = step("send_message", sqs.send_message, QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
check("send body", md5_of_body(body), sent.get("MD5OfMessageBody"))
check("send attributes", md5_of_attributes(attributes), sent.get("MD5OfMessageAttributes"))
batch = step(
    "send_message_batch",
    sqs.send_message_batch,
    QueueUrl=url,
    Entries=[
        {"Id": "one", "MessageBody": "one", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "1"}}},
        {"Id": "two", "MessageBody": "two"},
        {"Id": "bad", "MessageBody": "bad \x01"},
    ],
)
for entry in batch.get("Successful", []):
    check("batch body " + entry["Id"], md5_of_body(entry["Id"]), entry["MD5OfMessageBody"])

received = step("receive_message", sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"], WaitTimeSeconds=1)
for message in received.get("Messages", []):
    check("receive body", md5_of_body(message["Body"]), message["MD5OfBody"])
    if "MessageAttributes" in message:
        check("receive attributes", md5_of_attributes(message["MessageAttributes"]), message["MD5OfMessageAttributes"])
handles = [m["ReceiptHandle"] for m in received.get("Messages", [])]

step("change_message_visibility", sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=handles[0], VisibilityTimeout=0)
step(
    "change_message_visibility_batch",
    sqs.change_message_visibility_batch,
    QueueUrl=url,
    Entries=[{"Id": "a", "ReceiptHandle": handles[1], "VisibilityTimeout": 0}, {"Id": "b", "ReceiptHandle": "not-a-handle", "VisibilityTimeout": 0}],
)
step("delete_message", sqs.delete_message, QueueUrl=url, ReceiptHandle=handles[2])
again = step("receive_again", sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=10)
step(
    "delete_message_batch",
    sqs.delete_message_batch,
    QueueUrl=url,
    Entries=[{"Id": "d%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(again.get("Messages", []))],
)
step("receive_empty", sqs.receive_message, QueueUrl=url)

step("tag_queue", sqs.tag_queue, QueueUrl=url, Tags={"stage": "test"})
step("untag_queue", sqs.untag_queue, QueueUrl=url, TagKeys=["team"])
step("list_queue_tags", sqs.list_queue_tags, QueueUrl=url)
step("purge_queue", sqs.purge_queue, QueueUrl=url)
step("purge_again", sqs.purge_queue, QueueUrl=url)

step(
    "error_missing_dlq",
    sqs.create_queue,
    QueueName="py.fifo",
    Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "RedrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:py-dlq.fifo", "maxReceiveCount": 2})},
)
step("create_fifo_dlq", sqs.create_queue, QueueName="py-dlq.fifo", Attributes={"FifoQueue": "true"})
fifo_url = step(
    "create_fifo_with_dlq",
    sqs.create_queue,
    QueueName="py.fifo",
    Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "0", "RedrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:py-dlq.fifo", "maxReceiveCount": 2})},
)["QueueUrl"]
for i, group in enumerate(["a", "b", "a", "a"]):
    step("fifo_send_%d" % i, sqs.send_message, QueueUrl=fifo_url, MessageBody="%s%d" % (group, i), MessageGroupId=group)
step("fifo_duplicate", sqs.send_message, QueueUrl=fifo_url, MessageBody="a0", MessageGroupId="a")
step("fifo_receive", sqs.receive_message, QueueUrl=fifo_url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId", "SequenceNumber"])
step("fifo_receive_2", sqs.receive_message, QueueUrl=fifo_url, MaxNumberOfMessages=10)
step("fifo_receive_3", sqs.receive_message, QueueUrl=fifo_url, MaxNumberOfMessages=10)
step("dlq_receive", sqs.receive_message, QueueUrl=fifo_url.replace("py.fifo", "py-dlq.fifo"), MaxNumberOfMessages=10, AttributeNames=["All"])
step("dlq_sources", sqs.list_dead_letter_source_queues, QueueUrl=fifo_url.replace("py.fifo", "py-dlq.fifo"))

step("error_no_queue", sqs.get_queue_url, QueueName="nope")
step("error_attribute", sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Bogus"])
step("error_receipt", sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage")
step("error_group", sqs.send_message, QueueUrl=fifo_url, MessageBody="x")
step("error_empty_batch", sqs.send_message_batch, QueueUrl=url, Entries=[])
step("error_too_many", sqs.delete_message_batch, QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": "h"} for i in range(11)])
step("error_exists", sqs.create_queue, QueueName="py-q", Attributes={"VisibilityTimeout": "31"})
step("delete_queue", sqs.delete_queue, QueueUrl=url)
step("deleted_send", sqs.send_message, QueueUrl=url, MessageBody="x")

results["md5_checks"] = md5_checks
print(json.dumps(results, default=lambda b: b.decode("latin-1") if isinstance(b, bytes) else str(b)))
