"""REST request and response bodies. Request bodies forbid unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """Base of every request body: unknown fields are an error (422), never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Page(BaseModel):
    next_page_token: str = ""
