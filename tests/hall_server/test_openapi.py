"""The API document, the server and the guide agree: same routes, same methods, same error codes.

Answers are checked against the document's schemas in every client test (see tests/fixtures/hall.py);
here the document's completeness is checked from the server's own routing table.
"""

from __future__ import annotations

import re
from pathlib import Path

import requests
from jsonschema import Draft202012Validator

from hall_server.problems import PROBLEMS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "hall-api.md"


def _server_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def _documented_routes(document) -> set[tuple[str, str]]:
    return {(method, path) for path, operations in document["paths"].items() for method in operations
            if method in ("get", "post", "put", "patch", "delete")}


def test_every_server_route_is_documented_and_every_documented_route_exists(shared_hall_server, openapi_contract):
    assert _server_routes(shared_hall_server.server.app) == _documented_routes(openapi_contract.document)


def test_document_schemas_are_valid_json_schema(openapi_contract):
    Draft202012Validator.check_schema({"$defs": openapi_contract.document["components"]["schemas"]})


def test_every_operation_documents_its_error_answers(openapi_contract):
    for path, operations in openapi_contract.document["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/v1/"):
                assert "401" in operation["responses"], f"{method} {path} lacks 401"
                if method == "post":
                    assert {"400", "422"} <= set(operation["responses"]), f"{method} {path} lacks 400/422"


def test_the_server_serves_the_document_it_is_checked_against(shared_hall_server, openapi_contract):
    served = requests.get(shared_hall_server.base_url + "/openapi.yaml", timeout=10)
    assert served.headers["Content-Type"].startswith("application/yaml")
    import yaml
    assert yaml.safe_load(served.text) == openapi_contract.document


def test_the_guide_lists_every_error_code():
    guide = GUIDE.read_text(encoding="utf-8")
    missing = [code for code in PROBLEMS if f"`{code}`" not in guide]
    assert missing == []


def test_the_contract_check_catches_an_answer_that_strays_from_the_document(openapi_contract):
    import pytest
    ticket_schema = {"$ref": "#/components/schemas/Ticket"}
    with pytest.raises(AssertionError, match="queue. is a required property"):
        openapi_contract.validate({"ticket_id": "t1", "number": "A001"}, ticket_schema)
    with pytest.raises(AssertionError, match="not in openapi.yaml"):
        openapi_contract.operation("GET", "/v1/secret-admin")
