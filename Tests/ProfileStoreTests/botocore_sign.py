#!/usr/bin/env python3
"""Signs requests with botocore's SigV4 so SigV4Tests can compare against an independent signer.

Reads a JSON request (or a JSON list of them) on stdin:
  {"method": "PUT", "scheme": "https", "host": "bucket.s3.amazonaws.com",
   "path": "/already%20encoded/key",          # sent as is; S3SigV4Auth does not re-encode it
   "query": [["list-type", "2"], ...],         # raw, botocore encodes and sorts them
   "headers": {"Content-Type": "..."},
   "body_base64": "...",                       # botocore hashes the body itself ...
   "unsigned_payload": false,                  # ... or signs UNSIGNED-PAYLOAD
   "payload_sha256": "...",                    # used only for non-S3 services
   "access_key": "...", "secret_key": "...", "token": null,
   "region": "us-east-1", "service": "s3", "timestamp": "20130524T000000Z"}
and writes the corresponding JSON object (or list) on stdout:
  {"headers": {...all request headers after signing...},
   "canonical_request": "...", "string_to_sign": "..."}

Exit status 3 with a message on stderr when botocore cannot be imported.
"""

import base64
import datetime
import json
import sys
import types

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as error:  # pragma: no cover - reported to the Swift test
    sys.stderr.write(f"botocore_sign.py: cannot import botocore: {error}\n")
    sys.exit(3)


def sign(spec):
    timestamp = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")
    # add_auth reads the clock through this module-level name; pin it to the requested time.
    botocore.auth.get_current_datetime = lambda *args, **kwargs: timestamp

    url = f'{spec.get("scheme", "https")}://{spec["host"]}{spec["path"]}'
    body = base64.b64decode(spec["body_base64"]) if spec.get("body_base64") else b""
    headers = dict(spec.get("headers", {}))
    service = spec.get("service", "s3")
    request = AWSRequest(
        method=spec["method"],
        url=url,
        headers=headers,
        data=body,
        # A list of pairs keeps repeated names; the signer quotes each with safe='-_.~'.
        params=[tuple(pair) for pair in spec.get("query", [])],
    )
    credentials = Credentials(spec["access_key"], spec["secret_key"], spec.get("token"))

    if service == "s3":
        signer = botocore.auth.S3SigV4Auth(credentials, service, spec["region"])
        if spec.get("unsigned_payload"):
            # The explicit client setting S3SigV4Auth consults before hashing the body.
            request.context["client_config"] = types.SimpleNamespace(s3={"payload_signing_enabled": False})
    else:
        # Generic SigV4 does not add x-amz-content-sha256 itself; when present it is signed and
        # used as the payload hash, which is what the Swift signer does for every service.
        signer = botocore.auth.SigV4Auth(credentials, service, spec["region"])
        request.headers["X-Amz-Content-SHA256"] = spec["payload_sha256"]

    # Record the intermediates as add_auth computes them (recomputing afterwards would also
    # sign the Authorization header it just added).
    recorded = {}
    canonical_request = signer.canonical_request
    string_to_sign = signer.string_to_sign

    def record_canonical_request(req):
        recorded["canonical_request"] = canonical_request(req)
        return recorded["canonical_request"]

    def record_string_to_sign(req, creq):
        recorded["string_to_sign"] = string_to_sign(req, creq)
        return recorded["string_to_sign"]

    signer.canonical_request = record_canonical_request
    signer.string_to_sign = record_string_to_sign
    signer.add_auth(request)
    return {"headers": dict(request.headers.items()), **recorded}


def main():
    spec = json.load(sys.stdin)
    result = [sign(s) for s in spec] if isinstance(spec, list) else sign(spec)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
