"""The api under schemathesis against its own OpenAPI documents: cases generated from every operation, sent straight
to one api replica as the aggregation layer sends them. No 5xx, every error a well-formed `Status`, every answer
what the document declares. A few dozen cases per operation run in every `./just test`;
FLOWMETER_SCHEMATHESIS_EXAMPLES runs more."""

import json
import os
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sim.pki import Layout
from tests.e2e.conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")]

EXAMPLES = int(os.environ.get("FLOWMETER_SCHEMATHESIS_EXAMPLES", "25"))
CASES = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
GROUP = "/apis/metrics.k8s.io"
# What kube-apiserver's aggregation layer adds to a request for an administrator, besides its client certificate.
FRONT_PROXY = {"X-Remote-User": "admin", "X-Remote-Group": "system:masters"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class Replica:
    """One api replica, called past the aggregation layer with the front proxy's certificate and headers. Requests
    take `verify=False` per call (the api's certificate is self-signed): a session's own would lose to
    REQUESTS_CA_BUNDLE."""

    def __init__(self, stack: Stack) -> None:
        urls = stack.status()["api_urls"]
        assert isinstance(urls, list)
        self.url = str(urls[-1])  # the replica that is not behind the APIService: only this suite's cases reach it
        self.session = requests.Session()
        self.session.cert = tuple(str(path) for path in Layout(stack.run_dir).front_proxy_client)  # type: ignore[assignment]
        self.session.headers.update(FRONT_PROXY)

    def existing(self, path: str) -> dict[str, str]:
        """Path parameters naming an object that exists: the first node, or the first pod, as `path` needs."""
        kind = "nodes" if "/nodes" in path else "pods"
        first = self.document(f"{GROUP}/v1beta1/{kind}")["items"][0]["metadata"]
        return {name: first[name] for name in ("namespace", "name") if f"{{{name}}}" in path}

    def document(self, path: str) -> dict[str, Any]:
        response = self.session.get(self.url + path, timeout=30, verify=False)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document


@pytest.fixture(scope="module")
def replica(stack: Stack) -> Replica:
    return Replica(stack)


@pytest.fixture(scope="module")
def v2_schema(replica: Replica) -> schemathesis.BaseSchema:
    """`/openapi/v2`: Swagger 2.0 for both served versions."""
    return schemathesis.openapi.from_dict(replica.document("/openapi/v2"))


@pytest.fixture(scope="module")
def v3_schema(replica: Replica) -> schemathesis.BaseSchema:
    """The OpenAPI 3.0 documents of v1beta1 and v1 as one: their paths differ and their schemas are the same."""
    documents = [replica.document(f"/openapi/v3/{GROUP.lstrip('/')}/{version}") for version in ("v1beta1", "v1")]
    assert documents[0]["components"] == documents[1]["components"]
    merged = {**documents[0], "paths": {**documents[0]["paths"], **documents[1]["paths"]}}
    return schemathesis.openapi.from_dict(merged)


def check_status(response: schemathesis.Response) -> None:
    """A non-2xx answer is a Kubernetes `Status` whose code is the HTTP status."""
    if response.status_code < 300:
        return
    assert response.headers["content-type"][0].startswith("application/json"), response.content
    body = json.loads(response.content)
    assert isinstance(body, dict), body
    assert (body.get("kind"), body.get("apiVersion"), body.get("status")) == ("Status", "v1", "Failure"), body
    assert body.get("code") == response.status_code, body
    assert isinstance(body.get("reason"), str) and body["reason"], body
    assert isinstance(body.get("message"), str) and body["message"], body


def run(schema: schemathesis.BaseSchema, replica: Replica) -> None:
    """Every operation's positive and negative cases, each checked; prints how many got which status."""
    statuses: Counter[int] = Counter()

    for operation in [schema[path][method] for path in schema for method in schema[path]]:
        modes = [operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        if existing := replica.existing(operation.path):
            modes.append(operation.as_strategy(path_parameters=existing))  # generated names are never found

        @CASES
        @given(case=strategies.one_of(modes))
        def check(case: schemathesis.Case[Any]) -> None:
            response = case.call(base_url=replica.url, session=replica.session, timeout=30, verify=False)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)
            check_status(response)

        check()
    answers = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
    print(f"{statuses.total()} cases sent to {replica.url}: {answers}")


def test_openapi_v2_cases_get_no_server_error_and_only_status_errors(
    v2_schema: schemathesis.BaseSchema, replica: Replica
) -> None:
    run(v2_schema, replica)


def test_openapi_v3_cases_get_no_server_error_and_only_status_errors(
    v3_schema: schemathesis.BaseSchema, replica: Replica
) -> None:
    run(v3_schema, replica)
