"""The engine tests' object storage: moto's S3 server on 127.0.0.1 for the session, with
authentication enforced, a bucket, and the server's access log read to count object GETs."""

from __future__ import annotations

import json
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

BUCKET = "lake"


@dataclass(frozen=True)
class S3:
    port: int
    key: str
    secret: str
    gets: list[str]  # object keys fetched (GET), in order, since the test began

    def options(self, **over: Any) -> dict[str, Any]:
        base = {
            "endpoint_override": f"127.0.0.1:{self.port}",
            "scheme": "http",
            "region": "us-east-1",
            "access_key": self.key,
            "secret_key": self.secret,
        }
        return {**base, **over}

    def filesystem(self) -> Any:
        import pyarrow.fs as pafs

        return pafs.S3FileSystem(**self.options())


class _Gets(logging.Handler):
    """Collects the object GETs from the server's request log (werkzeug's access log)."""

    PATTERN = re.compile(r'"(?:\x1b\[[0-9;]*m)*GET /([^ ?]+) HTTP')

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = self.PATTERN.search(record.getMessage())
        if found and "/" in found.group(1):  # bucket/key, not a listing of the bucket
            self.seen.append(found.group(1))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _user(endpoint: str) -> tuple[str, str]:
    """An IAM user allowed everything: its keys are the only ones the server accepts."""
    import boto3

    iam = boto3.client(
        "iam", endpoint_url=endpoint, aws_access_key_id="setup", aws_secret_access_key="setup",
        region_name="us-east-1",
    )  # fmt: skip
    iam.create_user(UserName="datavigil")
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="all", PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="datavigil", PolicyArn=arn)
    key = iam.create_access_key(UserName="datavigil")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[tuple[int, str, str, _Gets]]:
    """moto's S3 on 127.0.0.1 for the session, with authentication enforced (moto accepts any
    key otherwise), a bucket, and the access log collected."""
    import boto3
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    key, secret = _user(endpoint)
    boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)  # fmt: skip
    before = settings.INITIAL_NO_AUTH_ACTION_COUNT
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # from now on every request is authenticated
    ActionAuthenticatorMixin.request_count = 0
    gets = _Gets()
    log = logging.getLogger("werkzeug")
    log.addHandler(gets)
    log.setLevel(logging.INFO)
    yield port, key, secret, gets
    log.removeHandler(gets)
    settings.INITIAL_NO_AUTH_ACTION_COUNT = before
    server.stop()


@pytest.fixture
def s3(s3_server: tuple[int, str, str, _Gets]) -> S3:
    port, key, secret, gets = s3_server
    gets.seen.clear()
    return S3(port, key, secret, gets.seen)
