"""The OpenAPI document is valid OpenAPI 3.1 and lists every API route the app serves."""

from openapi_spec_validator import validate
from starlette.routing import Route

from ats.services.deps import Deps
from ats.web import api
from ats.web.openapi import openapi_document
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault


def test_document_is_valid_openapi() -> None:
    validate(openapi_document())


def test_every_route_is_documented() -> None:
    deps = Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=FixedClock())
    documented = openapi_document()["paths"]
    for route in api.routes(deps):
        assert isinstance(route, Route)
        if route.path in ("/openapi.json", "/{path:path}"):
            continue
        assert route.path in documented, route.path
        for method in route.methods or ():
            if method != "HEAD":
                assert method.lower() in documented[route.path], (route.path, method)
