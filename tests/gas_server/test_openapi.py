"""The gas API document, the server and the guide agree: the same routes and methods, the same error codes,
valid schemas, and the document the server serves is the one every client test checks answers against."""

from __future__ import annotations

import re
from pathlib import Path

import requests
import yaml
from jsonschema import Draft202012Validator

from gas_server.problems import PROBLEMS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "gas-api.md"


def _server_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_server_route_is_documented_and_every_documented_route_exists(gas_utility, gas_openapi_contract):
    documented = {(method, path) for path, operations in gas_openapi_contract.document["paths"].items()
                  for method in operations if method in ("get", "post", "put", "patch", "delete")}
    assert _server_routes(gas_utility.server.app) == documented


def test_the_document_schemas_are_valid_json_schema(gas_openapi_contract):
    Draft202012Validator.check_schema({"$defs": gas_openapi_contract.document["components"]["schemas"]})


def test_every_operation_documents_its_error_answers(gas_openapi_contract):
    for path, operations in gas_openapi_contract.document["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/v1/"):
                assert "401" in operation["responses"], f"{method} {path} lacks 401"
                if method == "post":
                    assert {"400", "413", "415", "422"} <= set(operation["responses"]), f"{method} {path}"


def test_the_server_serves_the_document_it_is_checked_against(gas_utility, gas_openapi_contract):
    served = requests.get(gas_utility.base_url + "/openapi.yaml", timeout=10)
    assert served.headers["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(served.text) == gas_openapi_contract.document


def test_the_guide_lists_every_error_code_with_its_status_and_message():
    guide = GUIDE.read_text(encoding="utf-8")
    for code, (status, _title, zh, en) in PROBLEMS.items():
        assert f"| `{code}` | {status} | {zh} | {en} |" in guide, code


def test_the_guide_lists_every_endpoint(gas_openapi_contract):
    guide = GUIDE.read_text(encoding="utf-8")
    for path, operations in gas_openapi_contract.document["paths"].items():
        for method in operations:
            assert f"{method.upper()} {path}" in guide, f"{method.upper()} {path}"


def test_the_contract_check_catches_an_answer_that_strays_from_the_document(gas_openapi_contract):
    order = gas_openapi_contract.document["components"]["schemas"]["Order"]
    try:
        gas_openapi_contract.validate({"order_id": "GO20261123000001", "state": "created"}, order)
    except AssertionError as error:
        assert "does not match openapi.yaml" in str(error)
    else:
        raise AssertionError("an incomplete order passed the contract check")
