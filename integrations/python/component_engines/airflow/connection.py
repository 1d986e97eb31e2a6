"""How an Airflow connection's fields map onto the component's connections (no Airflow import:
the providers manager reads this while Airflow itself is loading)."""

from __future__ import annotations

import urllib.parse
from typing import Any, Mapping

from ..component import Manifest


def account_input(manifest: Manifest) -> str | None:
    """The first required, non-secret input that every connection has: what `login` holds."""
    if not manifest.connections:
        return None
    first, *others = manifest.connections
    for candidate in first.get("inputs", []):
        if candidate.get("required") and not candidate.get("secret") and all(
                any(i["key"] == candidate["key"] for i in other.get("inputs", [])) for other in others):
            return str(candidate["key"])
    return None


def connection_request(manifest: Manifest, conn_id: str, login: str | None, password: str | None,
                       extra: Mapping[str, Any]) -> dict[str, Any]:
    """The component's `{"key", "fields"}` for an Airflow connection's fields, or a `ValueError`
    saying which fields each of the manifest's connections needs."""
    shared = account_input(manifest)
    wanted = extra.get("connection")
    needs = []
    for candidate in manifest.connections:
        if wanted and candidate["key"] != wanted:
            continue
        inputs = candidate.get("inputs", [])
        fields = {i["key"]: extra[i["key"]] for i in inputs if extra.get(i["key"]) not in (None, "")}
        if shared and login and shared not in fields:
            fields[shared] = login
        secret = next((i["key"] for i in inputs if i.get("secret")), None)
        if secret and password and secret not in fields:
            fields[secret] = password
        missing = [i for i in inputs if i.get("required") and i["key"] not in fields]
        if not missing:
            return {"key": candidate["key"], "fields": fields}
        needs.append(f"{candidate.get('label') or candidate['key']} needs " + ", ".join(
            _where(i, shared) for i in missing))
    if wanted and not needs:
        known = ", ".join(c["key"] for c in manifest.connections)
        raise ValueError(f"connection '{conn_id}': extra 'connection' is '{wanted}'; the component has {known}")
    raise ValueError(f"connection '{conn_id}' fits none of the component's connections: " + "; ".join(needs))


def _where(field: Mapping[str, Any], shared: str | None) -> str:
    label = field.get("label") or field["key"]
    if field["key"] == shared:
        return f"{label} (login)"
    if field.get("secret"):
        return f"{label} (password)"
    return f"{label} (extra '{field['key']}')"


def shown_url(url: str) -> str:
    """A URL without the password it may carry (`redis://:secret@host`)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}:***@" if parts.username else ":***@") + host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
