"""The collector's ASGI app: the ``/v1`` ingestion API and the tracking endpoints.

``create_app(url)`` returns a FastAPI app that serves one workspace; ``serve`` (in
``server.py``) runs it with uvicorn. Every refusal has one shape,
``{"error": ..., "errors": [{"index", "field", "message"}]}``:

- 401 without a write key, 403 with one this workspace does not know;
- 415 for a body not sent as ``application/json``;
- 422 when events or contacts are invalid: each bad item (its index in the batch) and
  field is listed, and nothing of the batch is stored;
- 400 for a body that is not JSON, 413 for one too large, 503 while the store is busy.

The write key and the content type are checked before the body is read: the ``/v1``
endpoints read their body with ``json_body``, which checks the key first, rather than as a
FastAPI body parameter (which FastAPI reads and parses before any dependency).

Events are answered once they are in the collector's journal on disk (``journal.py``),
and stored by its loader within a second (``loader.py``); contacts and identity links from
``/v1/contacts`` and ``/v1/identify`` are answered after they are committed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from workbench.collector import models, tables
from workbench.collector.config import TimestampRange, resolve_config
from workbench.collector.journal import JournalWriter, create_instance, journal_files
from workbench.collector.keys import KeyRing, WriteKey
from workbench.collector.limits import API_MEDIA_TYPES, MAX_BEACON, BodyLimit, HotRoutes, content_type_problem
from workbench.collector.loader import JOURNAL_SETTING, Loader, journal_root
from workbench.collector.plain import plain_events
from workbench.collector.policy import Vocabulary
from workbench.collector.service import Accepted, Ingestion, Rejected, batch_summary, encode_accepted
from workbench.collector.state import Collector, collector, rejection, state_of, validation_problems
from workbench.collector.tokens import workspace_signer
from workbench.collector.tracking import BEACON_PATH, beacon
from workbench.collector.tracking import router as tracking_router
from workbench.errors import StoreBusy
from workbench.store.workspace import Workspace

log = logging.getLogger("workbench.collector")

REFRESH_S = 1.0  # keys, limits and catalog names are read again this often

TITLE = "Segment Workbench collector"
DESCRIPTION = """Real-time ingestion for Segment Workbench: events, contacts and identity links
from the customer's systems (`/v1/*`, with a write key as `Authorization: Bearer wbk_…`), and
email opens, clicks and web beacons (`/t/*`, signed tokens and allowed origins).

A 2xx answer to events means they are on the collector's disk and will be in the store within
a second; contacts and identity links are committed before their answer. A batch is accepted
all together or not at all: a 422 lists every bad item by its `index` and `field`. Events are
idempotent by `event_id`."""

REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": models.Rejection, "description": text}
    for status, text in {
        400: "The body is not JSON",
        401: "No write key was sent",
        403: "The write key is unknown or revoked",
        413: "The body is too large",
        415: "The body is not sent as application/json",
        422: "Invalid items, each listed; nothing was stored",
        503: "The store is busy; retry after a moment",
    }.items()
}

# What the /v1 endpoints read from their bodies; their request bodies in the schema.
JSON_BODIES: tuple[type[BaseModel], ...] = (models.EventBatch, models.ContactBatch, models.Identify)

bearer = HTTPBearer(auto_error=False, description="A write key (`workbench collector key create NAME`)")

Body = TypeVar("Body", bound=BaseModel)


def _package_version() -> str:
    try:
        return version("segment-workbench")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0"


async def write_key(request: Request) -> WriteKey:
    """The write key of the request: 401 when none is sent, 403 when it is not valid here.
    A key read in the last seconds is checked in memory; only an unknown one reads the store."""
    credentials = await bearer(request)
    if credentials is None or not credentials.credentials:
        raise StarletteHTTPException(
            401, "a write key is required: send 'Authorization: Bearer <key>'", headers={"WWW-Authenticate": "Bearer"}
        )
    keys = state_of(request).keys
    key = keys.cached(credentials.credentials) or await asyncio.to_thread(keys.check, credentials.credentials)
    if key is None:
        raise StarletteHTTPException(403, "this write key is not valid for this workspace (unknown or revoked)")
    return key


async def json_data(request: Request) -> Any:
    """The request body as parsed JSON, read only after the write key is accepted and the
    body is known to be JSON: a request without a valid key is refused whatever its size,
    without a byte of its body being read.

    The ``/v1`` endpoints call this themselves rather than declaring FastAPI dependencies or
    a body parameter: FastAPI would read the body before any dependency, and solving a tree
    of dependencies costs more than the rest of a small request."""
    await write_key(request)
    if problem := content_type_problem(request.headers.get("content-type"), API_MEDIA_TYPES):
        raise StarletteHTTPException(415, problem)
    body = await request.body()
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass  # orjson refuses what json reads (NaN, lone surrogates, huge integers): the models name those
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise StarletteHTTPException(400, "the body is not valid JSON") from None


def validated(request: Request, model: type[Body], data: Any, now: datetime) -> Body:
    """``data`` as ``model``, checked with the collector's event time range at ``now``; a 422
    (FastAPI's body errors, answered by their handler) when it is not one."""
    context = models.validation_context(state_of(request).config.ts_range, now)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


async def json_body(request: Request, model: type[Body]) -> Body:
    """The request body as ``model`` (see ``json_data`` for the order of the checks)."""
    return validated(request, model, await json_data(request), datetime.now(UTC))


def answer(model: BaseModel) -> Response:
    """A 200 with ``model`` as JSON (its type is the route's ``response_model``, for the schema)."""
    return Response(model.model_dump_json(), media_type="application/json")


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The schema of an endpoint reading ``model`` with ``json_body``: its ``requestBody``,
    and the write key it needs."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "security": [{bearer.scheme_name: []}],
    }


@dataclass
class _Runtime:
    """What a running collector app owns besides its state: the threads and the journal."""

    collector: Collector
    writer: JournalWriter[Accepted]
    stop: threading.Event
    threads: list[threading.Thread]
    loader: Loader | None

    def close(self) -> None:
        """After the last request: end the journal file, store what it holds, stop."""
        self.writer.close()
        self.stop.set()
        for thread in self.threads:
            thread.join()
        if self.loader is not None:
            self.loader.close()
            _remove_if_empty(self.writer.directory)
        self.collector.ingestion.close()


def _start(
    ws: Workspace,
    origins: Iterable[str] | None,
    public_url: str | None,
    ts_range: TimestampRange | None,
    journal_dir: Path | None,
    instance: Path | None,
) -> _Runtime:
    """Prepare the store, read what the collector needs from it, open the journal and start
    the background threads: the loader (unless a main process runs it for its workers)
    and the refresh of keys, limits and catalog names."""
    ws.init()
    tables.ensure_tables(ws)
    config = resolve_config(ws, origins, public_url, ts_range)
    if journal_dir is not None:
        tables.write_setting(ws, JOURNAL_SETTING, str(Path(journal_dir).resolve()))
    keys = KeyRing(Workspace(ws.url.url))
    keys.refresh()
    vocabulary = Vocabulary(Workspace(ws.url.url))
    vocabulary.refresh()
    signer = workspace_signer(ws)
    _warm_up()
    stop = threading.Event()
    threads = [threading.Thread(target=_refresh, args=(keys, vocabulary, stop), name="workbench-refresh", daemon=True)]
    loader = None
    if instance is None:
        root = journal_root(ws)
        instance, lock = create_instance(root)
        loader = Loader(Workspace(ws.url.url), root, own=instance)
        threads.append(threading.Thread(target=loader.run, args=(stop,), name="workbench-loader", daemon=True))
        os.close(lock)  # the loader and the journal writer hold the directory's lock from here on
    writer = JournalWriter(instance, encode_accepted)
    for thread in threads:
        thread.start()
    log.info(
        "collecting into %s (journal %s); %d write key(s); beacons from %s; tracking links at %s;"
        " event times from %s to %s ahead",
        ws.url.url,
        instance,
        len(keys),
        ", ".join(config.origins) or "no origin (add --origin)",
        config.public_url or "(no --public-url yet)",
        config.ts_range.earliest.isoformat(),
        config.ts_range.ahead,
    )
    ingestion = Ingestion(ws, writer, vocabulary)
    return _Runtime(Collector(ingestion, keys, signer, config), writer, stop, threads, loader)


def _refresh(keys: KeyRing, vocabulary: Vocabulary, stop: threading.Event) -> None:
    """Keep the keys, the limits and the catalog's names current, off the request path."""
    while not stop.wait(REFRESH_S):
        try:
            keys.refresh()
            vocabulary.refresh()
        except Exception:  # the store is busy or down: requests go on with what is known
            log.warning("could not refresh keys and names from the store", exc_info=True)


def _remove_if_empty(directory: Path) -> None:
    """Remove this collector's journal directory once its loader has stored everything."""
    if not journal_files(directory):
        shutil.rmtree(directory, ignore_errors=True)


def _warm_up() -> None:
    """Check one event without storing it: the first request then does not pay for the
    importer's imports and first compilation (most of a second)."""
    import pyarrow as pa

    from workbench.store.importer import prepare_table

    row = {"contact_id": ["warm-up"], "source": ["custom"], "name": ["warm_up"], "ts": ["2026-01-01T00:00:00Z"]}
    prepare_table("events", pa.table(row))


def create_app(
    store: str | Workspace | None = None,
    *,
    origins: Iterable[str] | None = None,
    public_url: str | None = None,
    ts_range: TimestampRange | None = None,
    journal_dir: str | Path | None = None,
    instance: Path | None = None,
) -> FastAPI:
    """The collector for the workspace at ``store`` (a URL as for ``wb.connect``, or a Workspace).

    ``origins`` are the site origins whose pages may send beacons, ``public_url`` the URL
    tracking links point to, ``ts_range`` the event times ``/v1/events`` accepts; all are
    saved in the workspace, and read back when omitted. ``journal_dir`` is where accepted
    events wait for the store (default: beside a DuckDB file; see ``loader.journal_root``),
    saved too. ``instance`` is for the worker processes of ``serve(workers=N)``: the journal
    directory their main process made, whose loader it runs; without it the app makes its
    own directory and runs its own loader.
    """
    ws = store if isinstance(store, Workspace) else Workspace(store)
    journal_path = Path(journal_dir) if journal_dir is not None else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await asyncio.to_thread(_start, ws, origins, public_url, ts_range, journal_path, instance)
        app.state.collector = runtime.collector
        try:
            yield
        finally:
            await asyncio.to_thread(runtime.close)

    # no telemetry: nothing here exports it, and its check costs on every request
    telemetry = {"tracing": False, "metrics": False, "logs": False}
    app = FastAPI(
        title=TITLE, description=DESCRIPTION, version=_package_version(), lifespan=lifespan, telemetry=telemetry
    )
    _add_error_handlers(app)
    hot = {("POST", "/v1/events"): _add_api_routes(app), ("POST", BEACON_PATH): beacon}
    app.include_router(tracking_router)
    app.add_middleware(HotRoutes, routes=hot, handlers=app.exception_handlers, request=Request)
    app.add_middleware(BodyLimit, by_path={BEACON_PATH: MAX_BEACON})  # outside: it applies to every path
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _add_api_routes(app: FastAPI) -> Callable[[Request], Awaitable[Response]]:
    """The ``/v1`` routes; returns the events endpoint, which ``HotRoutes`` also serves."""

    @app.get("/v1/health", tags=["api"], response_model=models.Health, responses={503: REFUSALS[503]})
    async def health(c: Annotated[Collector, Depends(collector)]) -> models.Health:
        """Whether the collector can read its store (needs no key, for load balancers)."""
        return models.Health(status="ok", store=await c.ingestion.run(c.ingestion.health))

    @app.post(
        "/v1/events",
        tags=["api"],
        response_model=models.EventsAccepted,
        responses=REFUSALS,
        openapi_extra=request_body(models.EventBatch),
    )
    async def post_events(request: Request) -> Response:
        """Accept up to 1,000 events (SPEC §1); fields that are not columns go into `properties`.

        All or nothing: a 422 lists every bad event and field, and accepts none. A 200 means
        the events are on the collector's disk and in the store within a second; an event
        whose `event_id` is stored already is not stored again (retries are safe)."""
        data, now = await json_data(request), datetime.now(UTC)
        ingestion = state_of(request).ingestion
        if plain := plain_events(data, state_of(request).config.ts_range, now):
            return answer(await ingestion.record_rows(plain.rows, plain.named))
        batch = validated(request, models.EventBatch, data, now)
        return answer(await ingestion.record_events(batch.events, now))

    @app.post(
        "/v1/contacts",
        tags=["api"],
        response_model=models.ContactsStored,
        responses=REFUSALS,
        openapi_extra=request_body(models.ContactBatch),
    )
    async def post_contacts(request: Request) -> Response:
        """Create or update up to 1,000 contacts. Fields left out keep their values, `null`
        clears one, custom fields must be in the catalog. All or nothing, as for events."""
        batch = await json_body(request, models.ContactBatch)
        ingestion = state_of(request).ingestion
        return answer(await ingestion.run(ingestion.upsert_contacts, batch.contacts))

    @app.post(
        "/v1/identify",
        tags=["api"],
        response_model=models.Linked,
        responses=REFUSALS,
        openapi_extra=request_body(models.Identify),
    )
    async def identify(request: Request) -> Response:
        """Link an anonymous id to a contact: its events, past and future, count for the contact."""
        body = await json_body(request, models.Identify)
        ingestion = state_of(request).ingestion
        return answer(await ingestion.run(ingestion.link, body.anonymous_id, body.contact_id))

    return post_events


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        problems = validation_problems(exc.errors())
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return rejection(400, "the body is not valid JSON", problems)
        items = {p.index for p in problems if p.index is not None}
        kind = request.url.path.rsplit("/", 1)[-1]  # events or contacts
        summary = batch_summary(kind, len(items)) if items else "the request is invalid; nothing was stored"
        return rejection(422, summary, problems)

    @app.exception_handler(Rejected)
    async def rejected(request: Request, exc: Rejected) -> Any:
        log.info("%s %s refused: %s", request.method, request.url.path, exc)
        return rejection(422, str(exc), exc.problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        return rejection(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(StoreBusy)
    async def busy(request: Request, exc: StoreBusy) -> Any:
        log.warning("store busy: %s", exc)
        return rejection(503, str(exc), headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Any:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return rejection(500, "the collector failed on this request; see its log")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, plus the bodies the endpoints read themselves: the ``/v1`` bodies
    (read after the write key) and the beacon (browsers send it as text/plain, which
    FastAPI would not parse)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[bearer.scheme_name] = bearer.model.model_dump(mode="json", by_alias=True, exclude_none=True)
    components = schema["components"].setdefault("schemas", {})
    for model in (*JSON_BODIES, models.Beacon):
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components[model.__name__] = body
    app.openapi_schema = json.loads(json.dumps(schema))
    return app.openapi_schema
