"""Fuzzing every operation of the app's own OpenAPI document with schemathesis (issue 14).

For an officer key and a portal key, each operation gets ``KGMATCH_FUZZ_EXAMPLES`` generated
requests that fit the document and as many that break it (hypothesis, no shrinking database,
derandomized so a run is repeatable). Every response must be: no server error, a status the
document lists, the content type and headers it declares, a body that fits its schema, and a
request that breaks the document must be refused. ``make test`` runs a small number of examples;
``make fuzz`` runs many more (``KGMATCH_FUZZ_EXAMPLES=60``).

Not checked: "a request that fits the document is accepted" — the server also refuses what no
JSON Schema can say (an unknown region name, a 揭榜 move the state machine forbids), with a 400.
"""

from __future__ import annotations

import os
from collections import Counter

import hypothesis.strategies as st
import pytest
import schemathesis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_api import build_app, key_for, world

from api.auth import Role

EXAMPLES = int(os.environ.get("KGMATCH_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]


def _failures(error: BaseException) -> list[str]:
    """One line per distinct failure schemathesis reported."""
    inner = getattr(error, "exceptions", None) or [error]
    return [f"{type(e).__name__}: {getattr(e, 'title', '')} {str(getattr(e, 'message', e))[:300]}" for e in inner]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.PORTAL])
def test_every_operation_survives_fuzzing_without_server_errors_or_schema_violations(local_store, tmp_path, role):
    local_store.write(world())
    app = build_app(local_store, tmp_path / "data", KGMATCH_RATE_LIMIT=0)  # the limit has its own test
    app.test_client_class = FlaskClient  # schemathesis validates the responses itself
    headers = key_for(app, role)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=headers)
    operations, cases, failures = 0, Counter(), {}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        found: list[str] = []
        _fuzz_operation(operation, headers, cases, found)
        if found:
            failures[operation.label] = sorted(set(found))
    documented = sum(len(ops) for ops in app.test_client().get(
        "/api/v1/openapi.json", headers=headers).get_json()["paths"].values())
    print(f"fuzzing as {role.value}: {operations} operations, {sum(cases.values())} requests, "
          f"{len(failures)} operations with failures")
    assert operations == documented - 1 and len(cases) == operations  # all but GET openapi.json, the document itself
    assert failures == {}


def _fuzz_operation(operation, headers: dict[str, str], cases: Counter, found: list[str]) -> None:
    """Run the bounded examples of one operation; failures go to ``found``."""

    @given(case=st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                          operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)))
    @settings(max_examples=2 * EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def fuzz(case):
        cases[operation.label] += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as err:  # noqa: BLE001 - collected and reported per operation
            found.extend(_failures(err))

    fuzz()
