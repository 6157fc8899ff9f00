"""The authenticated HTTP client: one requests session with timeouts and TLS verification,
the access token in memory only, refreshed before expiry and once on a 401."""

from __future__ import annotations

import email.utils
import logging
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from reviewer_app import contract
from reviewer_app.client.clock import ServiceClock
from reviewer_app.client.credentials import RefreshTokenVault
from reviewer_app.client.errors import (
    AuthFailed,
    ClientError,
    LoginRequired,
    MalformedReply,
    ServiceUnavailable,
)
from reviewer_app.client.problems import error_for, require_json
from reviewer_app.config import ClientConfig

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

MAX_JSON_BYTES = 32 * 1024 * 1024
_TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout,
                     requests.exceptions.ChunkedEncodingError,
                     requests.exceptions.ContentDecodingError)


def segment(value: str) -> str:
    """An id made safe as one URL path segment (ids come from the service, or a user's CLI)."""
    return urllib.parse.quote(value, safe="")


def parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise MalformedReply(f"{model.__name__} did not match the contract "
                             f"({exc.error_count()} errors)") from None


class ApiClient:
    """Sends requests for the core; thread-safe (the token refresh is serialised so a
    rotating refresh token is never used twice)."""

    def __init__(self, config: ClientConfig, clock: ServiceClock, vault: RefreshTokenVault,
                 on_login_required: Callable[[], None] | None = None) -> None:
        self._config = config
        self._clock = clock
        self._vault = vault
        self._on_login_required = on_login_required
        self._http = requests.Session()
        self._http.verify = str(config.ca_bundle) if config.ca_bundle else True
        self._http.trust_env = False  # no proxies or netrc creds from the environment
        retry = Retry(total=2, connect=2, read=0, redirect=0, status=0, other=0,
                      backoff_factor=0.1, raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=4)
        self._http.mount("https://", adapter)
        self._http.mount("http://", adapter)
        self._timeout = (config.connect_timeout_s, config.read_timeout_s)
        self._token_lock = threading.Lock()
        self._access: str | None = None
        self._access_deadline = 0.0
        self._access_margin = 0.0

    # ------------------------------------------------------------------ transport

    def _raw(self, method: str, path: str, *, json_body: Any = None, data: bytes | None = None,
             headers: Mapping[str, str] | None = None, token: str | None = None,
             stream: bool = False) -> requests.Response:
        sent = dict(headers or {})
        if data is not None:
            sent["Content-Type"] = "application/json"
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.request(method, self._config.server_url + path,
                                          json=json_body, data=data, headers=sent,
                                          timeout=self._timeout, stream=stream,
                                          allow_redirects=False)
            self._note_service_time(response)
            return response
        except _TRANSPORT_ERRORS as exc:
            log.info("%s %s failed: %s", method, path, type(exc).__name__)
            raise ServiceUnavailable() from None
        except requests.RequestException as exc:
            raise ServiceUnavailable(f"The review service could not be reached "
                                     f"({type(exc).__name__}).") from None

    def request(self, method: str, path: str, *, json_body: Any = None,
                data: bytes | None = None, headers: Mapping[str, str] | None = None,
                stream: bool = False, case_id: str | None = None,
                what: str = "The item", not_modified_ok: bool = False) -> requests.Response:
        """An authenticated request; a success response (or, with `not_modified_ok`, a 304
        for a conditional GET) or a typed error."""
        token = self._valid_token()
        response = self._raw(method, path, json_body=json_body, data=data, headers=headers,
                             token=token, stream=stream)
        if response.status_code == 401:
            response.close()
            token = self._refresh(stale=token)
            response = self._raw(method, path, json_body=json_body, data=data,
                                 headers=headers, token=token, stream=stream)
            if response.status_code == 401:
                response.close()
                self._session_ended()
                raise LoginRequired()
        if response.status_code >= 300 and not (not_modified_ok and response.status_code == 304):
            try:
                raise error_for(response, case_id=case_id, what=what, now=self._clock.now())
            finally:
                response.close()
        return response

    def call(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        """An authenticated request whose JSON reply must parse as `model`."""
        response = self.request(method, path, **kwargs)
        try:
            return parse(model, read_json(response))
        finally:
            response.close()

    def _note_service_time(self, response: requests.Response) -> None:
        """Every reply's `Date` keeps the session's ServiceClock on service time."""
        raw = response.headers.get("Date")
        if not raw:
            return
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return
        if when.tzinfo is not None:
            self._clock.resync(when)

    def service_time(self) -> datetime | None:
        """The service's clock (anchored on its replies' `Date`) moved on by monotonic time;
        None before the first reply."""
        return self._clock.now() if self._clock.anchored else None

    # ------------------------------------------------------------------ tokens

    @property
    def signed_in(self) -> bool:
        return self._access is not None

    def _store_pair(self, pair: contract.TokenPair) -> None:
        self._vault.save(pair.refresh_token)  # first: a crash must not strand the new token
        self._access = pair.access_token
        self._access_deadline = self._clock.monotonic() + pair.expires_in
        self._access_margin = min(60.0, pair.expires_in * 0.2)

    def _valid_token(self) -> str:
        token = self._access
        fresh_until = self._access_deadline - self._access_margin
        if token is not None and self._clock.monotonic() < fresh_until:
            return token
        return self._refresh(stale=token)

    def _session_ended(self) -> None:
        with self._token_lock:
            self._access = None
        if self._on_login_required is not None:
            self._on_login_required()

    def _refresh(self, stale: str | None) -> str:
        """A fresh access token from the keyring's refresh token (rotated on every use).

        Only a refusal forgets the stored token. A reply lost in transit (a transport error,
        a 5xx, a cut body) leaves it in the keyring: the service accepts a just-used token
        again within its reuse grace window, so the next attempt still signs in."""
        with self._token_lock:
            if (self._access is not None and self._access != stale
                    and self._clock.monotonic() < self._access_deadline - self._access_margin):
                return self._access  # another thread refreshed meanwhile
            refresh_token = self._vault.load()
            if not refresh_token:
                self._access = None
                refused = True
            else:
                response = self._raw("POST", "/v1/auth/refresh",
                                     json_body={"refresh_token": refresh_token})
                refused = response.status_code in (400, 401, 403)
                if refused:
                    self._access = None
                    self._vault.clear()
                elif response.status_code >= 300:
                    raise error_for(response, now=self._clock.now())
                else:
                    self._store_pair(parse(contract.TokenPair, read_json(response)))
                    assert self._access is not None
                    return self._access
        if refused and self._on_login_required is not None:
            self._on_login_required()
        raise LoginRequired()

    def login(self, username: str, password: str) -> None:
        body = contract.LoginRequest(username=username, password=password).model_dump()
        response = self._raw("POST", "/v1/auth/login", json_body=body)
        if response.status_code in (400, 401, 403):
            raise AuthFailed()
        if response.status_code >= 300:
            raise error_for(response, now=self._clock.now())
        pair = parse(contract.TokenPair, read_json(response))
        with self._token_lock:
            self._store_pair(pair)

    def resume(self) -> bool:
        """Signed in from the keyring's refresh token; False when there is none or it is refused."""
        if not self._vault.load():
            return False
        try:
            self._refresh(stale=None)
        except LoginRequired:
            return False
        return True

    def resume_quietly(self) -> bool:
        """Like resume(), but a missing keyring or service counts as not signed in."""
        try:
            return self.resume()
        except ClientError:
            return False

    def logout(self) -> None:
        """Revoke on the service when it can be reached; forget locally in every case."""
        refresh_token = self._vault.load()
        try:
            if self._access is not None or refresh_token:
                self._raw("POST", "/v1/auth/logout", token=self._access,
                          json_body={"refresh_token": refresh_token}).close()
        except ClientError as exc:
            log.info("logout could not reach the service: %s", type(exc).__name__)
        finally:
            self._vault.clear()
            with self._token_lock:
                self._access = None

    def close(self) -> None:
        self._http.close()


def read_json(response: requests.Response) -> bytes:
    """The JSON body of a success reply, size-capped; truncation is a transport failure."""
    length = response.headers.get("Content-Length")
    if length is not None and length.isdigit() and int(length) > MAX_JSON_BYTES:
        raise MalformedReply("a reply larger than the client accepts")
    try:
        return require_json(response)
    except _TRANSPORT_ERRORS:
        raise ServiceUnavailable() from None
