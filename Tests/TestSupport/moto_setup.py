"""Turns on signature checking in a fresh moto server and prints credentials that pass it.

Usage: python moto_setup.py ENDPOINT REGION

The moto server must have been started with INITIAL_NO_AUTH_ACTION_COUNT set (any value):
this script first resets moto's counter to exactly the few unauthenticated calls it needs
(POST /moto-api/reset-auth), creates an IAM user with an access key and an s3:* policy, and
then checks that signatures are enforced: a request signed with a wrong secret must be refused,
and one signed with the new key must succeed. Prints "ACCESS_KEY_ID SECRET_ACCESS_KEY".
"""

import json
import sys
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

# Exactly the calls below before auth turns on: create_user, put_user_policy, create_access_key.
UNAUTHENTICATED_CALLS = 3


def client(service, endpoint, region, key, secret):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def main():
    endpoint, region = sys.argv[1], sys.argv[2]

    request = urllib.request.Request(
        endpoint + "/moto-api/reset-auth",
        data=str(UNAUTHENTICATED_CALLS).encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},  # not a form, or moto sees no body
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()

    iam = client("iam", endpoint, region, "bootstrap", "bootstrap")
    iam.create_user(UserName="pgo-tests")
    iam.put_user_policy(
        UserName="pgo-tests",
        PolicyName="s3-all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="pgo-tests")["AccessKey"]
    key_id, secret = key["AccessKeyId"], key["SecretAccessKey"]

    # Signatures are checked from now on.
    wrong = client("s3", endpoint, region, key_id, secret + "-wrong")
    try:
        wrong.list_buckets()
    except botocore.exceptions.ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status != 403:
            sys.exit(f"moto_setup: wrong secret gave HTTP {status}, expected 403")
    else:
        sys.exit("moto_setup: moto accepted a request signed with a wrong secret")
    client("s3", endpoint, region, key_id, secret).list_buckets()

    print(key_id, secret)


if __name__ == "__main__":
    main()
