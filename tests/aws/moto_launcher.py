"""Starts moto_server (the real S3/SQS emulator) with one fix to its S3 signature check.

moto 5.2.1 verifies S3 signatures against a path it has already percent-decoded and
re-quoted with '=', '+', ':' and '%' left bare, so a correctly signed request for a key
holding one of them (every Hive-style flow-log key has '=') is refused with
SignatureDoesNotMatch, although real S3 accepts it (../shared/research/aws-ingest.md,
section 7.1). Here, for S3 requests only, the check sees the request URI exactly as
it arrived on the wire, which is what AWS signs and verifies. Everything else,
including the signature check itself, is moto's own.

Usage: python3 moto_launcher.py -H 127.0.0.1 -p PORT
"""
import sys
from urllib.parse import urlparse, urlunparse

from moto.core import responses
from moto.core.authorization import ActionAuthenticatorMixin
from moto.server import main

_setup_class = responses.BaseResponse.setup_class


def setup_class(self, request, full_url, headers, use_raw_body=False):
    _setup_class(self, request, full_url, headers, use_raw_body)
    environ = getattr(request, "environ", None) or {}
    self._wire_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")


_s3_auth = ActionAuthenticatorMixin._authenticate_and_authorize_s3_action


def s3_auth(self, bucket_name=None, key_name=None):
    wire = getattr(self, "_wire_uri", None)
    if not wire:
        return _s3_auth(self, bucket_name, key_name)
    parsed_wire = urlparse(wire)
    saved = self.uri
    self.uri = urlunparse(urlparse(saved)._replace(path=parsed_wire.path, query=parsed_wire.query))
    try:
        return _s3_auth(self, bucket_name, key_name)
    finally:
        self.uri = saved


responses.BaseResponse.setup_class = setup_class
ActionAuthenticatorMixin._authenticate_and_authorize_s3_action = s3_auth

if __name__ == "__main__":
    main(sys.argv[1:])
