"""Drives Gust with boto3 the way a Python user would, for test/compat/boto3.spec.ts.

Usage: python3 boto3_ops.py <endpoint> <function.zip> <layer.zip>

Runs the control-plane operations in order and prints one JSON object mapping each
step to its response (ResponseMetadata removed), or to {"Error": {"Code", "Message"}}
when the call failed, so that the spec can assert on everything at once.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, function_zip_path, layer_zip_path = sys.argv[1:4]
lambda_client = boto3.client(
    "lambda",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)

with open(function_zip_path, "rb") as f:
    function_zip = f.read()
with open(layer_zip_path, "rb") as f:
    layer_zip = f.read()

results = {}


def step(name, call, **kwargs):
    try:
        response = call(**kwargs)
        response.pop("ResponseMetadata", None)
        results[name] = response
    except ClientError as err:
        results[name] = {"Error": {"Code": err.response["Error"]["Code"], "Message": err.response["Error"]["Message"]}}
    return results[name]


ROLE = "arn:aws:iam::000000000000:role/gust"
step("create_function", lambda_client.create_function,
     FunctionName="py-fn", Runtime="python3.11", Handler="index.handler", Role=ROLE,
     Code={"ZipFile": function_zip}, Environment={"Variables": {"STAGE": "dev"}}, Tags={"team": "core"})
step("get_function", lambda_client.get_function, FunctionName="py-fn")
step("list_functions", lambda_client.list_functions)
step("update_function_configuration", lambda_client.update_function_configuration,
     FunctionName="py-fn", MemorySize=512, Timeout=20, Description="from boto3")
step("publish_version", lambda_client.publish_version, FunctionName="py-fn")
step("create_alias", lambda_client.create_alias, FunctionName="py-fn", Name="live", FunctionVersion="1")
step("publish_layer_version", lambda_client.publish_layer_version,
     LayerName="py-layer", Content={"ZipFile": layer_zip}, CompatibleRuntimes=["python3.12"], Description="shared")
layer_arn = results["publish_layer_version"].get("LayerVersionArn", "")
step("get_layer_version_by_arn", lambda_client.get_layer_version_by_arn, Arn=layer_arn)
step("list_layers", lambda_client.list_layers, CompatibleRuntime="python3.12")
step("create_function_with_layer", lambda_client.create_function,
     FunctionName="py-layered", Runtime="python3.11", Handler="index.handler", Role=ROLE,
     Code={"ZipFile": function_zip}, Layers=[layer_arn])
step("delete_function", lambda_client.delete_function, FunctionName="py-fn")
step("get_deleted_function", lambda_client.get_function, FunctionName="py-fn")
step("get_missing_layer_version", lambda_client.get_layer_version, LayerName="py-layer", VersionNumber=9)

# json.dumps is enough: the Lambda model types its timestamps as strings, so boto3 returns no datetimes.
print(json.dumps(results))
