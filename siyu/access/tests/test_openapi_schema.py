"""The published OpenAPI document: one schema per name, as each operation really uses it."""

from __future__ import annotations

from siyu.access.tests.operations import api_operations
from siyu.api import api


def test_no_two_models_share_a_schema_name() -> None:
    """Two classes named alike (two ``ErrorOut``) silently publish one for both: each
    operation's response models must be exactly what the document names."""
    components = api.get_openapi_schema()["components"]["schemas"]
    for path, op in api_operations():
        for status, model in (op.response_models or {}).items():
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, published in schema.get("$defs", {}).items():
                assert components.get(name) == published, (path, status, name)


def test_every_keyed_operation_documents_the_key_and_input_errors() -> None:
    doc = api.get_openapi_schema()
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            statuses = {str(s) for s in operation["responses"]}
            expected = {"401", "403", "422", "429"}
            if path.endswith("/miniprogram/login"):
                expected = {"422"}
            elif path.startswith("/api/member/"):  # keyless: the member reference instead
                expected = {"401", "422"}
            assert expected <= statuses, (method, path, statuses)
            if method == "post":
                assert {"400", "413"} <= statuses, (method, path, statuses)
