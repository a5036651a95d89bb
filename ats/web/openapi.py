"""The OpenAPI 3.1 document of /api/v1 (kept beside the handlers it describes)."""

from __future__ import annotations

from typing import Any

from ats.domain.model import ApplicationStatus
from ats.domain.paging import DEFAULT_LIMIT, MAX_LIMIT

ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Bad request",
        401: "Missing or invalid token",
        403: "Role not allowed",
        404: "Not found",
        409: "Conflict with the current state",
        410: "Erased; the body carries the tombstone's facts",
        413: "Too large",
        422: "Invalid input; `field` names the field",
        429: "Too many requests; Retry-After says when to try again",
    }
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": ERROR}}} for c in codes}


def openapi_document() -> dict[str, Any]:
    uuid = {"type": "string", "format": "uuid"}
    bearer = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ATS privacy module API",
            "version": "1.0.0",
            "description": "Applications with encrypted, tagged records. Errors are "
            '`{"error": {"code", "message", "field"}}`.',
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "field": {"type": ["string", "null"]},
                            },
                        }
                    },
                },
                "Position": {
                    "type": "object",
                    "properties": {
                        "id": uuid,
                        "title": {"type": "string"},
                        "jurisdiction": {"enum": ["GB", "US", "US-CA", "US-NY-NYC", "FR", "CA", "IN"]},
                        "status": {"enum": ["open", "filled", "closed", "cancelled"]},
                        "concluded_at": {"type": ["string", "null"], "format": "date-time"},
                    },
                },
                "Record": {
                    "type": "object",
                    "properties": {
                        "id": uuid,
                        "record_type": {"type": "string"},
                        "legal_basis": {"type": "string"},
                        "purpose": {"type": "string"},
                        "data_subject": {"type": "string"},
                        "jurisdiction": {"type": "string"},
                        "retention": {"type": "string"},
                        "expires_on": {"type": "string"},
                        "object_key": {"type": "string"},
                        "version_id": {"type": "string"},
                        "content_type": {"type": "string"},
                        "filename": {"type": "string"},
                        "size": {"type": "integer"},
                        "sha256": {"type": "string"},
                        "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
                "Application": {
                    "type": "object",
                    "properties": {
                        "id": uuid,
                        "reference": {"type": "string"},
                        "position_id": uuid,
                        "status": {"type": "string"},
                        "submitted_at": {"type": "string", "format": "date-time"},
                        "retention_until": {"type": ["string", "null"], "format": "date-time"},
                        "legal_hold": {"type": "boolean"},
                        "restricted": {
                            "type": "boolean",
                            "description": "Processing restricted at the candidate's request (GDPR Art. 18): "
                            "no moves (409), documents for privacy officers only, skipped by expiry until lifted",
                        },
                        "restricted_at": {"type": ["string", "null"], "format": "date-time"},
                        "records": {
                            "type": "array",
                            "description": "The records the caller's role may read (hiring managers: CV "
                            "and cover letter)",
                            "items": {"$ref": "#/components/schemas/Record"},
                        },
                        "candidate": {
                            "type": "object",
                            "description": "Contact details (recruiters, hiring managers, privacy officers)",
                            "properties": {
                                "full_name": {"type": "string"},
                                "email": {"type": "string"},
                                "phone": {"type": ["string", "null"]},
                                "country": {"type": "string"},
                            },
                        },
                        "referees": {
                            "type": "array",
                            "description": "Left out for hiring managers (DESIGN §8)",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": uuid,
                                    "full_name": {"type": "string"},
                                    "email": {"type": "string"},
                                    "relationship": {"type": "string"},
                                    "report_recorded": {"type": "boolean"},
                                },
                            },
                        },
                        "consent_requests": {
                            "type": "array",
                            "description": "Background-check consent requests; left out for hiring managers",
                            "items": {"type": "object"},
                        },
                        "checks": {
                            "type": "array",
                            "description": "Background checks; left out for hiring managers",
                            "items": {"type": "object"},
                        },
                    },
                },
            },
        },
        "paths": {
            "/positions": {
                "get": {
                    "summary": "Open positions (public)",
                    "responses": {"200": {"description": "Open positions"}},
                }
            },
            "/positions/{position_id}/applications": {
                "parameters": [{"name": "position_id", "in": "path", "required": True, "schema": uuid}],
                "post": {
                    "summary": "Apply (public)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["full_name", "email", "country", "cv", "privacy_notice_acknowledged"],
                                    "properties": {
                                        "full_name": {"type": "string", "maxLength": 200},
                                        "email": {"type": "string", "format": "email"},
                                        "phone": {"type": "string"},
                                        "country": {"type": "string", "description": "ISO 3166-1 alpha-2"},
                                        "cv": {"type": "string", "format": "binary"},
                                        "cover_letter": {"type": "string", "format": "binary"},
                                        "privacy_notice_acknowledged": {"enum": ["true"]},
                                        "talent_pool_consent": {"enum": ["true", "false"]},
                                        "referee_name": {"type": "array", "items": {"type": "string"}},
                                        "referee_email": {"type": "array", "items": {"type": "string"}},
                                        "referee_relationship": {"type": "array", "items": {"type": "string"}},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {"description": "Created: `{id, reference}`"},
                        **_errors(404, 409, 413, 422),
                    },
                },
                "get": {
                    "summary": "Applications to a position, newest first, one page at a time (staff)",
                    "description": "The pipeline: `counts` per status of the whole position, and one keyset page "
                    "of applications, narrowed by `status` and/or an exact `reference`. Out of scope, or "
                    "concluded for the hiring team (the archive phase): 404.",
                    "security": bearer,
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "required": False,
                            "description": "Only applications in this state",
                            "schema": {"enum": [s.value for s in ApplicationStatus]},
                        },
                        {
                            "name": "reference",
                            "in": "query",
                            "required": False,
                            "description": "The application with this exact reference (case, spaces and the "
                            "APP- prefix do not matter)",
                            "schema": {"type": "string", "maxLength": 40},
                        },
                        {
                            "name": "after",
                            "in": "query",
                            "required": False,
                            "description": "The `next` marker of the page before; absent for the first page",
                            "schema": {"type": "string", "maxLength": 200},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "`{position, counts, applications, next}`; `next` is null on the "
                            "last page"
                        },
                        **_errors(401, 403, 404, 422),
                    },
                },
            },
            "/applications/{application_id}": {
                "parameters": [{"name": "application_id", "in": "path", "required": True, "schema": uuid}],
                "get": {
                    "summary": "One application with what the caller's role may see: the candidate, "
                    "records, referees, consent requests, checks (assigned staff and privacy officers; "
                    "404 out of scope; audited)",
                    "security": bearer,
                    "responses": {
                        "200": {
                            "description": "The application",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Application"}}},
                        },
                        **_errors(401, 403, 404, 410),
                    },
                },
            },
            **_workflow_paths(uuid, bearer),
            **_request_paths(uuid, bearer),
            "/records/{record_id}/content": {
                "parameters": [{"name": "record_id", "in": "path", "required": True, "schema": uuid}],
                "get": {
                    "summary": "Decrypted content of one record (staff; audited)",
                    "security": bearer,
                    "responses": {"200": {"description": "The document"}, **_errors(401, 403, 404)},
                },
            },
        },
    }


def _json_body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, bearer: list, body: dict | None, ok: str, *errors: int) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "security": bearer, "responses": {ok: {"description": "OK"}, **_errors(*errors)}}
    if body:
        op["requestBody"] = body
    return op


def _workflow_paths(uuid: dict, bearer: list) -> dict[str, Any]:
    """Workflow, references, background checks, retention (staff endpoints)."""
    app_param = [{"name": "application_id", "in": "path", "required": True, "schema": uuid}]
    check_param = [{"name": "check_id", "in": "path", "required": True, "schema": uuid}]
    states = [
        "submitted", "screening", "interview", "reference_check", "offer_extended", "offer_accepted",
        "offer_declined", "background_check", "hired", "rejected", "withdrawn",
    ]
    types = {"type": "array", "items": {"enum": ["criminal", "credit", "employment", "education", "identity", "driving"]}}
    referee = {"type": "object", "properties": {"full_name": {"type": "string"}, "email": {"type": "string"}, "relationship": {"type": "string"}}}
    return {
        "/applications/{application_id}/transitions": {
            "parameters": app_param,
            "post": _op(
                "Move an application (409 names the state a move needs; offer_extended returns offer_link)",
                bearer, _json_body({"to": {"enum": states}, "reason": {"type": "string"}}, ["to"]), "200",
                401, 403, 404, 409, 422,
            ),
        },
        "/applications/{application_id}/referees": {
            "parameters": app_param,
            "post": _op("Add referees (before an offer)", bearer,
                        _json_body({"referees": {"type": "array", "items": referee}}, ["referees"]), "201",
                        401, 403, 404, 409, 422),
        },
        "/applications/{application_id}/referees/{referee_id}/report": {
            "parameters": [*app_param, {"name": "referee_id", "in": "path", "required": True, "schema": uuid}],
            "post": _op("Record a referee's answers as an encrypted reference-report record", bearer,
                        _json_body({"answers": {"type": "object", "additionalProperties": {"type": "string"}}}, ["answers"]),
                        "201", 401, 403, 404, 409, 422),
        },
        "/applications/{application_id}/background-check/consent-requests": {
            "parameters": app_param,
            "post": _op("Ask for background-check consent (409 before an accepted offer; 422 forbidden type)", bearer,
                        _json_body({"check_types": types}, ["check_types"]), "201", 401, 403, 404, 409, 422),
        },
        "/applications/{application_id}/background-check": {
            "parameters": app_param,
            "get": _op("Consent requests and checks of an application", bearer, None, "200", 401, 403, 404),
        },
        "/applications/{application_id}/background-check/checks": {
            "parameters": app_param,
            "post": _op("Start a check under a given consent", bearer,
                        _json_body({"consent_request_id": uuid, "check_type": {"type": "string"}},
                                   ["consent_request_id", "check_type"]),
                        "201", 401, 403, 404, 409, 422),
        },
        "/checks/{check_id}/result": {
            "parameters": check_param,
            "post": _op("Record a result: multipart `result` (clear|consider) and `document`; France: `seen`, `satisfactory`, no document",
                        bearer, None, "200", 401, 403, 404, 409, 413, 422),
        },
        "/checks/{check_id}/pre-adverse-notice": {
            "parameters": check_param,
            "post": _op("Send the pre-adverse notice; returns respond_by (business days from the policy)",
                        bearer, None, "200", 401, 403, 404, 409),
        },
        "/checks/{check_id}/decision": {
            "parameters": check_param,
            "post": _op("Final decision after the waiting period", bearer,
                        _json_body({"decision": {"enum": ["proceed", "adverse"]}}, ["decision"]), "200",
                        401, 403, 404, 409, 422),
        },
        "/positions/{position_id}/conclusion": {
            "parameters": [{"name": "position_id", "in": "path", "required": True, "schema": uuid}],
            "post": _op("Conclude hiring (filled, closed, cancelled): starts the 4-year retention clock", bearer,
                        _json_body({"outcome": {"enum": ["filled", "closed", "cancelled"]},
                                    "at": {"type": "string", "format": "date-time"}}, ["outcome"]),
                        "200", 401, 403, 404, 409, 422),
        },
        "/applications/{application_id}/legal-hold": {
            "parameters": app_param,
            "put": _op("Place a legal hold (privacy officer)", bearer,
                       _json_body({"reason": {"type": "string"}}, ["reason"]), "200", 401, 403, 404, 409, 422),
            "delete": _op("Lift a legal hold (privacy officer)", bearer,
                          _json_body({"reason": {"type": "string"}}, ["reason"]), "200", 401, 403, 404, 409, 422),
        },
        "/applications/{application_id}/restriction": {
            "parameters": app_param,
            "delete": _op("Lift a restriction of processing (privacy officer; GDPR Art. 18(3): the candidate is "
                          "mailed the reason first): 200 {restricted: false}; not restricted 409",
                          bearer, _json_body({"reason": {"type": "string", "maxLength": 500}}, ["reason"]),
                          "200", 401, 403, 404, 409, 422),
        },
    }


def _request_paths(uuid: dict, bearer: list) -> dict[str, Any]:
    """Data-subject requests (DESIGN §9, §11; ats.web.api_requests)."""
    kinds = ["access", "portability", "rectification", "erasure", "restriction", "objection", "withdraw_consent"]
    statuses = ["awaiting_verification", "open", "fulfilled", "refused", "closed"]
    rid = [{"name": "request_id", "in": "path", "required": True, "schema": uuid}]
    return {
        "/privacy-requests": {
            "post": _op(
                "Make a request (public): 202 with id and status awaiting_verification, the same answer for any "
                "address; a six-digit code is mailed to the address (429 past the per-client or per-address limit)",
                [], _json_body({"email": {"type": "string", "maxLength": 254}, "kind": {"enum": kinds},
                                "reference": {"type": "string", "maxLength": 20},
                                "details": {"type": "string", "maxLength": 2000}}, ["email", "kind"]),
                "202", 422, 429,
            ),
            "get": {
                **_op("The queue, soonest due first, overdue marked (privacy officer)", bearer, None, "200", 401, 404, 422),
                "parameters": [{"name": "status", "in": "query", "required": False, "schema": {"enum": statuses}}],
            },
        },
        "/privacy-requests/{request_id}/verification": {
            "parameters": rid,
            "post": _op("Verify with the mailed code (public): 200 with status open and due_on; a wrong or expired "
                        "code 422; after five wrong codes the request is closed (409)",
                        [], _json_body({"code": {"type": "string"}}, ["code"]), "200", 404, 409, 422, 429),
        },
        "/privacy-requests/{request_id}": {
            "parameters": rid,
            "get": _op("One request: kind, status, received_at, due_on, extended_due_on, applications (privacy officer)",
                       bearer, None, "200", 401, 404),
        },
        "/privacy-requests/{request_id}/extension": {
            "parameters": rid,
            "post": _op("Extend the due date within the strictest applicable law, before it passes; the person is told "
                        "(privacy officer; 422 past the law's limit or after the due date)", bearer,
                        _json_body({"months": {"type": "integer", "minimum": 1},
                                    "reason": {"type": "string", "maxLength": 1000}}, ["months", "reason"]),
                        "200", 401, 404, 409, 422),
        },
        "/privacy-requests/{request_id}/decision": {
            "parameters": rid,
            "post": _op("Fulfil or refuse (privacy officer); the outcome is mailed to the person. Kind-specific "
                        "inputs: changes (rectification), compelling_ground (objection), which (withdraw_consent)",
                        bearer, _json_body({"decision": {"enum": ["fulfil", "refuse"]},
                                            "reason": {"type": "string", "maxLength": 1000},
                                            "changes": {"type": "object"}, "compelling_ground": {"type": "string"},
                                            "which": {"enum": ["talent_pool", "background_check"]}}, ["decision"]),
                        "200", 401, 404, 409, 422),
        },
    }
