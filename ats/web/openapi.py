"""The OpenAPI 3.1 document of /api/v1 (kept beside the handlers it describes)."""

from __future__ import annotations

from typing import Any

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
                        "records": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
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
                    "summary": "Applications to a position (staff)",
                    "security": bearer,
                    "responses": {"200": {"description": "Applications"}, **_errors(401, 403, 404)},
                },
            },
            "/applications/{application_id}": {
                "parameters": [{"name": "application_id", "in": "path", "required": True, "schema": uuid}],
                "get": {
                    "summary": "One application with its records (staff; audited)",
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
