"""POST /v3/auth/tokens."""

from sovra_identity.api.schemas.common import ID, LONG_NAME, NAME

_DOMAIN_REF = {"type": "object", "properties": {"id": ID, "name": NAME},
               "anyOf": [{"required": ["id"]}, {"required": ["name"]}]}

_USER = {
    "type": "object",
    "properties": {"id": ID, "name": LONG_NAME, "password": {"type": "string"},
                   "domain": _DOMAIN_REF},
    "required": ["password"],
    "anyOf": [{"required": ["id"]}, {"required": ["name", "domain"]}],
}

_PROJECT_REF = {"type": "object", "properties": {"id": ID, "name": NAME,
                                                 "domain": _DOMAIN_REF},
                "anyOf": [{"required": ["id"]}, {"required": ["name", "domain"]}]}

CREATE_TOKEN = {
    "type": "object",
    "properties": {
        "auth": {
            "type": "object",
            "properties": {
                "identity": {
                    "type": "object",
                    "properties": {
                        "methods": {"type": "array", "minItems": 1,
                                    "items": {"type": "string"}},
                        "password": {"type": "object",
                                     "properties": {"user": _USER},
                                     "required": ["user"]},
                        "token": {"type": "object", "properties": {"id": {
                            "type": "string"}}, "required": ["id"]},
                        "application_credential": {
                            "type": "object",
                            "properties": {"id": ID, "name": LONG_NAME,
                                           "secret": {"type": "string"},
                                           "user": {"type": "object"}},
                            "required": ["secret"],
                            "anyOf": [{"required": ["id"]},
                                      {"required": ["name", "user"]}]},
                    },
                    "required": ["methods"],
                },
                "scope": {
                    "anyOf": [
                        {"type": "string", "enum": ["unscoped"]},
                        {"type": "object",
                         "properties": {
                             "project": _PROJECT_REF,
                             "domain": _DOMAIN_REF,
                             "system": {"type": "object",
                                        "properties": {"all": {"const": True}},
                                        "required": ["all"]}},
                         "minProperties": 1, "maxProperties": 1},
                    ],
                },
            },
            "required": ["identity"],
        },
    },
    "required": ["auth"],
}

TOKEN_QUERY = {"type": "object", "properties": {"nocatalog": {"type": "string"},
                                                "allow_expired": {"type": "string"}}}
