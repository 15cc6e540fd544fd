"""The served workshop: a participant web app for phones, and the facilitator's projector page.

Plain server-rendered pages (Starlette; Jinja2 templates under ``templates/workshop/``) writing
through the same :class:`~cxassess.workshop.store.SessionStore` and
:class:`~cxassess.workshop.flow.ParticipantFlow` the notebook uses, so no kernel per participant.

- ``/join/<join key>``: the link (and QR code) the facilitator shows. Joining gives the phone an
  unguessable token of its own in a cookie; nobody types or sees a code, and a token opens only
  its own participant's pages.
- ``/p/<n>``: page ``n`` of the participant's flow (about you, one page per dimension, summary),
  ``/p/done`` once submitted. Every answer is a form post, so the app works with JavaScript off;
  with it, ``workshop.js`` saves each tap with ``POST /api/answer`` and no reload.
- ``/f/<facilitator key>``: the projector page (counts, radar, heatmap with small groups
  suppressed as in the report), refreshing itself; ``/f/<key>/join`` shows the join QR code full size.

Every post needs the CSRF cookie repeated in the form (or the ``X-CSRF-Token`` header); bodies are
capped, joining and answering are rate-limited, and errors are pages without stack traces. The
session file's path never appears in a page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from cxassess._util.paths import TEMPLATES_DIR
from cxassess.errors import CxError
from cxassess.workshop.flow import ABOUT, DONE, NOT_GIVEN, SUMMARY, ParticipantFlow, new_code
from cxassess.workshop.live import (
    MIN_GROUP_SIZE,
    LiveResults,
    Snapshot,
    dimension_table,
    heatmap_html,
    radar_svg,
)
from cxassess.workshop.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SECURITY_HEADERS,
    BodyLimit,
    RateLimiter,
    RequestTooLarge,
    csrf_ok,
    new_csrf_token,
)
from cxassess.workshop.store import DONT_KNOW, SessionStore

TEMPLATE_DIR = TEMPLATES_DIR / "workshop"
PARTICIPANT_COOKIE = "cx_p"
DONT_KNOW_FORM = "dk"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppSettings:
    """Limits of the served app; the defaults suit a room of up to a few hundred people."""

    min_group_size: int = MIN_GROUP_SIZE
    max_participants: int = 1000
    joins_per_address: tuple[float, float] = (0.5, 30)  # per second, burst: a phone re-joining, a shared NAT
    joins_overall: tuple[float, float] = (20.0, 300)
    answers_per_participant: tuple[float, float] = (10.0, 60)
    max_body_bytes: int = 16_384
    refresh_seconds: float = 3.0
    secure_cookies: bool = False  # True behind HTTPS
    cookie_days: int = 7
    public_url: str | None = None  # the address phones use, when it differs from the one the request came to


class _Refused(Exception):
    """A request refused with a status and a message for the page (never a traceback)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def create_app(store: SessionStore, settings: AppSettings | None = None,
               allowed_hosts: list[str] | None = None) -> Any:
    """The ASGI app for one session (``allowed_hosts``: Host names accepted, None for any)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Route

    cfg = settings or AppSettings()
    q = store.questionnaire
    join_key, facilitator_key = store.secret("join"), store.secret("facilitator")
    live = LiveResults(store, min_group_size=cfg.min_group_size)
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    static = {name: (TEMPLATE_DIR / name).read_bytes() for name in ("workshop.css", "workshop.js")}
    static_types = {"workshop.css": "text/css; charset=utf-8", "workshop.js": "text/javascript; charset=utf-8"}
    fragments_css = (TEMPLATES_DIR / "report" / "fragments.css").read_text(encoding="utf-8")
    join_limit = RateLimiter(*cfg.joins_per_address)
    join_overall = RateLimiter(*cfg.joins_overall)
    answer_limit = RateLimiter(*cfg.answers_per_participant)
    joining = threading.Lock()
    options = [(v, q.scale.labels[v]) for v in range(q.scale.min, q.scale.max + 1)]
    projector_cache: dict[str, Any] = {}
    projector_lock = threading.Lock()

    # --- helpers ------------------------------------------------------------------------
    def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        token = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
        html = env.get_template(template).render(csrf=token, client=store.client_name, title=q.title,
                                                 **context)
        response = HTMLResponse(html, status_code=status)
        if request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, max_age=cfg.cookie_days * 86400, httponly=True,
                                samesite="lax", secure=cfg.secure_cookies)
        return response

    def check_csrf(request: Request, submitted: str | None) -> None:
        origin = request.headers.get("origin")
        if origin and origin != "null" and origin.split("://", 1)[-1] != request.headers.get("host", ""):
            raise _Refused(403, "This form was sent from another site; open the workshop link again.")
        if not csrf_ok(request.cookies.get(CSRF_COOKIE), submitted):
            raise _Refused(403, "This page has expired. Reload it and try again; your answers so far are saved.")

    def code_of(request: Request) -> str | None:
        return store.participant_for_token(request.cookies.get(PARTICIPANT_COOKIE, ""))

    def flow_of(request: Request) -> ParticipantFlow:
        code = code_of(request)
        state = store.participant(code) if code else None
        if state is None:
            raise _Refused(401, "We do not know this phone yet. Open the link or scan the code the facilitator "
                                "shows to join.")
        return ParticipantFlow(store, code, state=state)  # type: ignore[arg-type]

    def page_url(flow: ParticipantFlow, anchor: str = "") -> str:
        where = "done" if flow.page == DONE else str(flow.page_index)
        return f"/p/{where}" + (f"#{anchor}" if anchor else "")

    def parse_answer(text: str) -> tuple[str, Any]:
        item, _, value = str(text).rpartition("=")
        if value == DONT_KNOW_FORM:
            return item, DONT_KNOW
        try:
            return item, int(value)
        except ValueError:
            raise CxError(f"'{value[:20]}' is not an answer") from None

    def view_context(flow: ParticipantFlow, error: str = "") -> dict[str, Any]:
        context: dict[str, Any] = {"flow": flow, "error": error, "total": flow.total, "answered": flow.answered,
                                   "percent": round(100 * flow.answered / max(flow.total, 1)),
                                   "number": flow.page_index, "pages": len(flow.pages), "options": options,
                                   "dont_know": q.scale.dont_know, "dk": DONT_KNOW_FORM, "not_given": NOT_GIVEN,
                                   "back": flow.page_index > 0}
        if flow.is_dimension_page:
            dim = q.dimension(flow.page)
            context.update(dimension=dim, section=q.dimension_ids.index(flow.page) + 1, sections=len(q.dimensions),
                           items=[(n, item, _form_value(flow.answers.get(item.id)))
                                  for n, item in enumerate(flow.items_on_page())])
        elif flow.page == SUMMARY:
            missing = flow.unanswered()
            context.update(missing=[(flow.pages.index(d), q.dimension(d).name, items) for d, items in missing.items()],
                           missing_count=sum(len(v) for v in missing.values()))
        elif flow.page == ABOUT:
            context.update(attributes=[(name, name.replace("_", " ").capitalize(), choices,
                                        flow.attributes.get(name))
                                       for name, choices in flow.attribute_choices.items()])
        return context

    def render_flow(request: Request, flow: ParticipantFlow, error: str = "", status: int = 200) -> Response:
        template = {ABOUT: "about.html.j2", SUMMARY: "summary.html.j2", DONE: "done.html.j2"}.get(flow.page, "page.html.j2")
        return page(request, template, status, **view_context(flow, error))

    def refused(request: Request, exc: _Refused) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        return page(request, "message.html.j2", exc.status, heading="Sorry", message=str(exc))

    def guarded(endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def run(request: Request) -> Response:
            try:
                response: Response = await endpoint(request)
            except _Refused as exc:
                response = refused(request, exc)
            return response
        return run

    def check_facilitator(request: Request) -> None:
        if not _same(request.path_params.get("key", ""), facilitator_key):
            raise HTTPException(404)

    def join_url(request: Request) -> str:
        base = cfg.public_url or str(request.base_url)
        return base.rstrip("/") + f"/join/{join_key}"

    # --- participant pages --------------------------------------------------------------
    async def home(request: Request) -> Response:
        if await run_in_threadpool(code_of, request):
            return RedirectResponse("/p", 303)
        return page(request, "message.html.j2", heading="Welcome",
                    message="Open the link or scan the QR code the facilitator shows to join the workshop.")

    async def join_form(request: Request) -> Response:
        if not _same(request.path_params["key"], join_key):
            raise HTTPException(404)
        if await run_in_threadpool(code_of, request):
            return RedirectResponse("/p", 303)  # this phone has joined already: carry on
        return page(request, "join.html.j2", key=join_key, sections=len(q.dimensions), statements=len(q.item_ids))

    def do_join(address: str) -> str:
        if not join_limit.allow(address) or not join_overall.allow("*"):
            raise _Refused(429, "Too many people are joining right now. Wait a few seconds and try again.")
        with joining:
            if store.counts()["started"] >= cfg.max_participants:
                raise _Refused(403, "This workshop is full. Ask the facilitator.")
            code = new_code(store)
            store.start_participant(code)
        return store.issue_token(code)

    async def join(request: Request) -> Response:
        if not _same(request.path_params["key"], join_key):
            raise HTTPException(404)
        form = await _form(request)
        check_csrf(request, form.get(CSRF_FIELD))
        if await run_in_threadpool(code_of, request):
            return RedirectResponse("/p", 303)
        token = await run_in_threadpool(do_join, request.client.host if request.client else "?")
        response = RedirectResponse("/p", 303)
        response.set_cookie(PARTICIPANT_COOKIE, token, max_age=cfg.cookie_days * 86400, httponly=True,
                            samesite="lax", secure=cfg.secure_cookies)
        return response

    async def resume(request: Request) -> Response:
        flow = await run_in_threadpool(flow_of, request)
        return RedirectResponse(page_url(flow), 303)

    def open_page(request: Request, where: str) -> ParticipantFlow:
        flow = flow_of(request)
        if flow.submitted or where == "done":
            if not flow.submitted:
                raise _Refused(404, "You have not submitted yet: go back to your answers.")
            return flow
        if not _number(where) or int(where) >= len(flow.pages):
            raise HTTPException(404)
        flow.go_to(flow.pages[int(where)])
        return flow

    async def show(request: Request) -> Response:
        where = request.path_params["where"]
        flow = await run_in_threadpool(open_page, request, where)
        if flow.submitted and where != "done":
            return RedirectResponse("/p/done", 303)
        return render_flow(request, flow)

    def act(request: Request, where: str, form: dict[str, Any]) -> tuple[ParticipantFlow, str, str]:
        """Apply one form post; returns the flow, the anchor to return to, and an error message."""
        flow = open_page(request, where)
        if flow.submitted:
            return flow, "", ""
        anchor = ""
        try:
            for key, value in form.items():
                if key.startswith("attr:") and key[5:] in flow.attribute_choices:
                    if (value or None) != flow.attributes.get(key[5:]):
                        flow.set_attribute(key[5:], value or None)
            if "answer" in form:
                if not answer_limit.allow(flow.code):
                    raise _Refused(429, "Slow down a little: answers are arriving too fast.")
                item, value = parse_answer(form["answer"])
                flow.answer(item, value)
                ids = [i.id for i in flow.items_on_page()]
                anchor = f"i{ids.index(item)}" if item in ids else ""
            action = form.get("action", "")
            if action == "next":
                flow.next()
            elif action == "back":
                flow.back()
            elif action.startswith("goto:") and _number(action[5:]) and int(action[5:]) < len(flow.pages):
                flow.go_to(flow.pages[int(action[5:])])
            elif action == "submit":
                flow.submit(confirm_incomplete=form.get("confirm") == "yes")
        except CxError as exc:
            return flow, anchor, str(exc)
        return flow, anchor, ""

    async def post(request: Request) -> Response:
        form = await _form(request)
        check_csrf(request, form.get(CSRF_FIELD))
        flow, anchor, error = await run_in_threadpool(act, request, request.path_params["where"], form)
        if error:
            return render_flow(request, flow, error, status=400)
        return RedirectResponse(page_url(flow, anchor), 303)

    def api_answer_work(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        flow = flow_of(request)
        if not answer_limit.allow(flow.code):
            raise _Refused(429, "Slow down a little: answers are arriving too fast.")
        value = body.get("value")
        item = body.get("item")
        if not isinstance(item, str) or not (value == DONT_KNOW_FORM or (isinstance(value, int)
                                                                         and not isinstance(value, bool))):
            raise _Refused(400, "Expected {\"item\": an item id, \"value\": a scale point or \"dk\"}.")
        try:
            flow.answer(item, DONT_KNOW if value == DONT_KNOW_FORM else value)
        except CxError as exc:
            raise _Refused(400, str(exc)) from None
        return {"saved": True, "item": item, "answered": flow.answered, "total": flow.total}

    async def api_answer(request: Request) -> Response:
        check_csrf(request, request.headers.get(CSRF_HEADER))
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise _Refused(400, "Expected a JSON body.") from None
        except ClientDisconnect:  # the phone went away mid-request: nobody to answer
            return Response(status_code=400)
        if not isinstance(body, dict):
            raise _Refused(400, "Expected a JSON object.")
        return JSONResponse(await run_in_threadpool(api_answer_work, request, body))

    # --- facilitator --------------------------------------------------------------------
    def projector_state(include_partial: bool, group_by: str | None) -> dict[str, Any]:
        snap = live.snapshot(include_partial=include_partial, group_by=group_by)
        version = hashlib.sha1(repr(snap.key).encode()).hexdigest()[:16]
        with projector_lock:  # draw each new state once, whoever asks for it
            cached = projector_cache.get("state")
            if cached is None or cached["version"] != version:
                cached = {"version": version, "counts": snap.counts, "results": _results_html(snap)}
                projector_cache["state"] = cached
        return cached

    def group_options(request: Request) -> tuple[bool, str | None, list[str]]:
        names = store.attribute_names()
        partial = request.query_params.get("partial") == "1"
        by = request.query_params.get("by")
        return partial, (by if by in names else (names[0] if names else None)), names

    async def projector(request: Request) -> Response:
        check_facilitator(request)
        partial, by, names = await run_in_threadpool(group_options, request)
        state = await run_in_threadpool(projector_state, partial, by)
        return page(request, "projector.html.j2", state=state, key=facilitator_key, names=names, by=by,
                    partial=partial, refresh=cfg.refresh_seconds, join_url=join_url(request),
                    qr=_qr_data_uri(join_url(request)), fragments_css=fragments_css)

    async def projector_live(request: Request) -> Response:
        check_facilitator(request)
        partial, by, _ = await run_in_threadpool(group_options, request)
        state = await run_in_threadpool(projector_state, partial, by)
        counts = env.get_template("counts.html.j2").render(counts=state["counts"])
        return JSONResponse({"version": state["version"], "counts": counts, "results": state["results"]})

    async def join_screen(request: Request) -> Response:
        check_facilitator(request)
        url = join_url(request)
        return page(request, "join_screen.html.j2", join_url=url, qr=_qr_data_uri(url), key=facilitator_key)

    async def static_file(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in static:
            raise HTTPException(404)
        return Response(static[name], media_type=static_types[name],
                        headers={"cache-control": "max-age=300"})

    # --- errors -------------------------------------------------------------------------
    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        text = "There is no such page." if status == 404 else "This request cannot be served."
        return page(request, "message.html.j2", status, heading="Not found" if status == 404 else "Sorry",
                    message=text)

    async def server_error(request: Request, exc: Exception) -> Response:
        _log.exception("workshop app error on %s", request.url.path)
        message = "Something went wrong on our side. Your answers so far are saved; reload the page."
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=500)
        return HTMLResponse(f"<!doctype html><title>Error</title><p>{message}</p>", status_code=500)

    def _results_html(snap: Snapshot) -> str:
        return env.get_template("results.html.j2").render(
            snap=snap, radar=_svg_data_uri(radar_svg(snap)), heatmap=heatmap_html(snap),
            dimensions=dimension_table(snap.scores) if snap.scores is not None else "", by=snap.group_by)

    routes = [
        Route("/", home),
        Route("/join/{key}", join_form, methods=["GET"]),
        Route("/join/{key}", guarded(join), methods=["POST"]),
        Route("/p", guarded(resume), methods=["GET"]),
        Route("/p/{where}", guarded(show), methods=["GET"]),
        Route("/p/{where}", guarded(post), methods=["POST"]),
        Route("/api/answer", guarded(api_answer), methods=["POST"]),
        Route("/f/{key}", projector),
        Route("/f/{key}/live", projector_live),
        Route("/f/{key}/join", join_screen),
        Route("/static/{name}", static_file),
    ]
    middleware = [Middleware(BodyLimit, max_bytes=cfg.max_body_bytes)]
    if allowed_hosts:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: not_found, 500: server_error})
    app.state.join_key, app.state.facilitator_key = join_key, facilitator_key
    return _SecurityHeaders(app)  # outermost: the host check's refusals and the 500 page get the headers too


async def _form(request: Any) -> dict[str, Any]:
    """The posted form as a plain dict (first value of each field); no files, few fields."""
    from starlette.requests import ClientDisconnect

    try:
        form = await request.form(max_files=0, max_fields=200)
    except (RequestTooLarge, ClientDisconnect):
        raise  # answered by the body limit (413), or nobody left to answer
    except Exception:  # a malformed body: multipart errors, bad encodings
        raise _Refused(400, "The form could not be read; reload the page and try again.") from None
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _number(text: str) -> bool:
    """Plain digits 0-9 (``str.isdigit`` also takes '²' and '٣', which ``int`` reads or refuses)."""
    return text.isascii() and text.isdigit()


def _same(given: str, secret: str) -> bool:
    import hmac

    return hmac.compare_digest(str(given).encode(), secret.encode())


def _form_value(stored: Any) -> str | None:
    """A stored answer as the form value of its button."""
    if stored is None:
        return None
    return DONT_KNOW_FORM if stored == DONT_KNOW else str(int(stored))


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii") if svg else ""


def _qr_data_uri(url: str) -> str:
    """The join link as a QR code (segno, offline), dark on white with a quiet zone."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=8, border=4, dark="#000000", light="#ffffff")


class _SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every response (static files keep their own cache header)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["create_app", "AppSettings", "PARTICIPANT_COOKIE", "DONT_KNOW_FORM"]
