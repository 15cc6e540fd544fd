"""The served workshop: a participant web app for phones, and the facilitator's projector page.

Plain server-rendered pages (Starlette; Jinja2 templates under ``templates/workshop/``) writing
through the same :class:`~cxassess.workshop.store.SessionStore` and
:class:`~cxassess.workshop.flow.ParticipantFlow` the notebook uses, so no kernel per participant.

- ``/join/<join key>``: the link (and QR code) the facilitator shows. Joining gives the phone an
  unguessable token of its own in a cookie; nobody types or sees a code, and a token opens only
  its own participant's pages.
- ``/p/<n>``: page ``n`` of the participant's flow (about you, one page per dimension, "Overall views"
  with the outcome statements, the open questions, summary), ``/p/done`` once submitted. Every answer
  is a form post, so the app works with JavaScript off; with it, ``workshop.js`` saves each tap with
  ``POST /api/answer`` and each open answer with ``POST /api/open``, with no reload. Open answers are
  never shown on the projector.
- ``/f/<facilitator key>``: the projector page (counts, radar, heatmap with small groups
  suppressed as in the report), refreshing itself; ``/f/<key>/join`` shows the join QR code full size.

Every post needs the CSRF cookie repeated in the form (or the ``X-CSRF-Token`` header); bodies are
capped, joining and answering are rate-limited, and errors are pages without stack traces. The
session file's path never appears in a page.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cxassess._util.paths import TEMPLATES_DIR
from cxassess.errors import CxError, RequestRefused
from cxassess.workshop import pages
from cxassess.workshop.flow import MAX_OPEN_TEXT, ParticipantFlow, new_code
from cxassess.workshop.live import (
    MIN_GROUP_SIZE,
    LiveResults,
    Snapshot,
    dimension_table,
    heatmap_html,
    radar_svg,
)
from cxassess.workshop.qr import qr_data_uri
from cxassess.workshop.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    BodyLimit,
    RateLimiter,
    RequestTooLarge,
    SecurityHeaders,
    csrf_ok,
    new_csrf_token,
)
from cxassess.workshop.store import DONT_KNOW, SessionStore

TEMPLATE_DIR = TEMPLATES_DIR / "workshop"
PARTICIPANT_COOKIE = "cx_p"
UNKNOWN_PHONE = "We do not know this phone yet. Open the link or scan the code the facilitator shows to join."
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
                      auto_reload=False, trim_blocks=True, lstrip_blocks=True)  # templates read once
    static = {name: (TEMPLATE_DIR / name).read_bytes() for name in ("workshop.css", "workshop.js")}
    static_types = {"workshop.css": "text/css; charset=utf-8", "workshop.js": "text/javascript; charset=utf-8"}
    fragments_css = (TEMPLATES_DIR / "report" / "fragments.css").read_text(encoding="utf-8")
    join_limit = RateLimiter(*cfg.joins_per_address)
    join_overall = RateLimiter(*cfg.joins_overall)
    answer_limit = RateLimiter(*cfg.answers_per_participant)
    joining = threading.Lock()
    projector_cache: dict[tuple[bool, str | None], dict[str, Any]] = {}
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
            raise RequestRefused(403, "This form was sent from another site; open the workshop link again.")
        if not csrf_ok(request.cookies.get(CSRF_COOKIE), submitted):
            raise RequestRefused(403, "This page has expired. Reload it and try again; your answers so far are saved.")

    def code_of(request: Request) -> str | None:
        return store.participant_for_token(request.cookies.get(PARTICIPANT_COOKIE, ""))

    def flow_of(request: Request) -> ParticipantFlow:
        code = code_of(request)
        state = store.participant(code) if code else None
        if state is None:
            raise RequestRefused(401, UNKNOWN_PHONE)
        return ParticipantFlow(store, code, state=state)  # type: ignore[arg-type]

    def render_flow(request: Request, flow: ParticipantFlow, error: str = "", status: int = 200,
                    drafts: dict[str, str] | None = None) -> Response:
        return page(request, pages.template(flow), status, **pages.context(flow, error, drafts))

    def refused(request: Request, exc: RequestRefused) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        return page(request, "message.html.j2", exc.status, heading="Sorry", message=str(exc))

    def guarded(endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def run(request: Request) -> Response:
            try:
                response: Response = await endpoint(request)
            except RequestRefused as exc:
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
        return page(request, "join.html.j2", key=join_key, sections=len(q.dimensions) + bool(q.outcome_ids),
                    statements=len(q.item_ids))

    def do_join(address: str) -> str:
        if not join_limit.allow(address) or not join_overall.allow("*"):
            raise RequestRefused(429, "Too many people are joining right now. Wait a few seconds and try again.")
        with joining:
            if store.counts()["started"] >= cfg.max_participants:
                raise RequestRefused(403, "This workshop is full. Ask the facilitator.")
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
        return RedirectResponse(pages.page_url(flow), 303)

    def open_page(request: Request, where: str) -> ParticipantFlow:
        flow = flow_of(request)
        if flow.submitted or where == "done":
            if not flow.submitted:
                raise RequestRefused(404, "You have not submitted yet: go back to your answers.")
            return flow
        if not pages.page_number(where) or int(where) >= len(flow.pages):
            raise HTTPException(404)
        flow.go_to(flow.pages[int(where)])
        return flow

    async def show(request: Request) -> Response:
        where = request.path_params["where"]
        flow = await run_in_threadpool(open_page, request, where)
        if flow.submitted and where != "done":
            return RedirectResponse("/p/done", 303)
        return render_flow(request, flow)

    def save_open(flow: ParticipantFlow, texts: dict[str, str]) -> tuple[str, dict[str, str]]:
        """Store each posted open answer that changed; (what was refused, the refused words to show again)."""
        changed = {k: v for k, v in texts.items() if v.replace("\r\n", "\n").strip() != flow.open_answers.get(k, "")}
        if changed and not answer_limit.allow(flow.code):
            raise RequestRefused(429, "Slow down a little: answers are arriving too fast.")
        problems, drafts = [], {}
        for question, text in changed.items():
            try:
                flow.answer_open(question, text)
            except CxError as exc:
                problems.append(str(exc))
                drafts[question] = text
        return " ".join(problems), drafts

    def act(request: Request, where: str, form: dict[str, Any]) -> tuple[ParticipantFlow, str, str, dict[str, str]]:
        """Apply one form post; returns the flow, the anchor to return to, an error message, and refused words."""
        flow = open_page(request, where)
        if flow.submitted:
            return flow, "", "", {}
        anchor = ""
        error, drafts = save_open(flow, pages.open_fields(form))
        if error:  # stay on the page, the words still in their boxes, so the participant can shorten them
            return flow, "", error, drafts
        try:
            for key, value in form.items():
                if key.startswith("attr:") and key[5:] in flow.attribute_choices:
                    if (value or None) != flow.attributes.get(key[5:]):
                        flow.set_attribute(key[5:], value or None)
            if "answer" in form:
                if not answer_limit.allow(flow.code):
                    raise RequestRefused(429, "Slow down a little: answers are arriving too fast.")
                item, value = pages.parse_answer(form["answer"])
                flow.answer(item, value)
                ids = [i.id for i in flow.items_on_page()]
                anchor = f"i{ids.index(item)}" if item in ids else ""
            action = form.get("action", "")
            if action == "next":
                flow.next()
            elif action == "back":
                flow.back()
            elif action.startswith("goto:") and pages.page_number(action[5:]) and int(action[5:]) < len(flow.pages):
                flow.go_to(flow.pages[int(action[5:])])
            elif action == "submit":
                flow.submit(confirm_incomplete=form.get("confirm") == "yes")
        except RequestRefused:
            raise  # answered with its own status (429), not as a problem shown on the page
        except CxError as exc:
            return flow, anchor, str(exc), {}
        return flow, anchor, "", {}

    async def post(request: Request) -> Response:
        form = await _form(request)
        check_csrf(request, form.get(CSRF_FIELD))
        flow, anchor, error, drafts = await run_in_threadpool(act, request, request.path_params["where"], form)
        if error:
            return render_flow(request, flow, error, status=400, drafts=drafts)
        return RedirectResponse(pages.page_url(flow, anchor), 303)

    async def answer_now(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """The hot path (every tap of every phone), on the event loop: the token's participant (cached),
        the answer checked, then awaited until the shared commit has it on disk; no worker thread waits."""
        code = code_of(request)
        if code is None:
            raise RequestRefused(401, UNKNOWN_PHONE)
        if not answer_limit.allow(code):
            raise RequestRefused(429, "Slow down a little: answers are arriving too fast.")
        value = body.get("value")
        item = body.get("item")
        if not isinstance(item, str) or not (value == pages.DONT_KNOW_FORM or (isinstance(value, int)
                                                                         and not isinstance(value, bool))):
            raise RequestRefused(400, "Expected {\"item\": an item id, \"value\": a scale point or \"dk\"}.")
        try:
            saving = store.submit_answers(code, {item: DONT_KNOW if value == pages.DONT_KNOW_FORM else value})
            await asyncio.wrap_future(saving)
        except CxError as exc:
            raise RequestRefused(400, str(exc)) from None
        return {"saved": True, "item": item, "answered": store.answered_count(code), "total": len(q.item_ids)}

    async def json_body(request: Request) -> dict[str, Any] | None:
        """The posted JSON object, CSRF checked (None when the phone went away mid-request)."""
        check_csrf(request, request.headers.get(CSRF_HEADER))
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise RequestRefused(400, "Expected a JSON body.") from None
        except ClientDisconnect:  # the phone went away mid-request: nobody to answer
            return None
        if not isinstance(body, dict):
            raise RequestRefused(400, "Expected a JSON object.")
        return body

    async def api_answer(request: Request) -> Response:
        body = await json_body(request)
        if body is None:
            return Response(status_code=400)
        return JSONResponse(await answer_now(request, body))

    def open_now(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        code = code_of(request)
        if code is None:
            raise RequestRefused(401, UNKNOWN_PHONE)
        question, text = body.get("question"), body.get("text")
        if not isinstance(question, str) or not isinstance(text, str):
            raise RequestRefused(400, "Expected {\"question\": an open question id, \"text\": the words}.")
        if not answer_limit.allow(code):
            raise RequestRefused(429, "Slow down a little: answers are arriving too fast.")
        try:
            stored = store.record_open_answer(code, question, text)
        except CxError as exc:
            raise RequestRefused(400, str(exc)) from None
        return {"saved": True, "question": question, "length": len(stored), "max": MAX_OPEN_TEXT}

    async def api_open(request: Request) -> Response:
        body = await json_body(request)
        if body is None:
            return Response(status_code=400)
        return JSONResponse(await run_in_threadpool(open_now, request, body))

    # --- facilitator --------------------------------------------------------------------
    def projector_state(include_partial: bool, group_by: str | None) -> dict[str, Any]:
        """Counts now; results re-scored and drawn at most once per refresh interval and setting, whoever
        asks (two screens, several tabs): while answers stream in, scoring on every poll would slow the
        answers down."""
        now = time.monotonic()
        with projector_lock:
            cached = projector_cache.get((include_partial, group_by))
            if cached is None or now - cached["drawn_at"] >= cfg.refresh_seconds * 0.9:
                snap = live.snapshot(include_partial=include_partial, group_by=group_by)
                version = hashlib.sha1(repr(snap.key).encode()).hexdigest()[:16]
                if cached is None or cached["version"] != version:
                    cached = {"version": version, "results": _results_html(snap)}
                cached["drawn_at"] = now
                projector_cache[(include_partial, group_by)] = cached
        return {**cached, "counts": store.counts()}

    def group_options(request: Request) -> tuple[bool, str | None, list[str]]:
        names = store.attribute_names()
        partial = request.query_params.get("partial") == "1"
        by = request.query_params.get("by")
        return partial, (by if by in names else (names[0] if names else None)), names

    async def projector(request: Request) -> Response:
        check_facilitator(request)
        partial, by, names = await run_in_threadpool(group_options, request)
        state = await run_in_threadpool(projector_state, partial, by)
        url = join_url(request)
        return page(request, "projector.html.j2", state=state, key=facilitator_key, names=names, by=by,
                    partial=partial, refresh=cfg.refresh_seconds, join_url=url, qr=qr_data_uri(url),
                    fragments_css=fragments_css)

    async def projector_live(request: Request) -> Response:
        check_facilitator(request)
        partial, by, _ = await run_in_threadpool(group_options, request)
        state = await run_in_threadpool(projector_state, partial, by)
        counts = env.get_template("counts.html.j2").render(counts=state["counts"])
        return JSONResponse({"version": state["version"], "counts": counts, "results": state["results"]})

    async def join_screen(request: Request) -> Response:
        check_facilitator(request)
        url = join_url(request)
        return page(request, "join_screen.html.j2", join_url=url, qr=qr_data_uri(url), key=facilitator_key)

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
        Route("/api/open", guarded(api_open), methods=["POST"]),
        Route("/f/{key}", projector),
        Route("/f/{key}/live", projector_live),
        Route("/f/{key}/join", join_screen),
        Route("/static/{name}", static_file),
    ]
    # the open questions page posts every box at once: room for each at its longest (4 bytes a character in
    # a multipart form), however small max_body_bytes is set; still a cap
    body_cap = max(cfg.max_body_bytes, len(q.open_questions) * MAX_OPEN_TEXT * 4 + 4096)
    middleware = [Middleware(BodyLimit, max_bytes=body_cap)]
    if allowed_hosts:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: not_found, 500: server_error})
    app.state.join_key, app.state.facilitator_key = join_key, facilitator_key
    return SecurityHeaders(app)  # outermost: the host check's refusals and the 500 page get the headers too


async def _form(request: Any) -> dict[str, Any]:
    """The posted form as a plain dict (first value of each field); no files, few fields."""
    from starlette.requests import ClientDisconnect

    try:
        form = await request.form(max_files=0, max_fields=200)
    except (RequestTooLarge, ClientDisconnect):
        raise  # answered by the body limit (413), or nobody left to answer
    except Exception:  # a malformed body: multipart errors, bad encodings
        raise RequestRefused(400, "The form could not be read; reload the page and try again.") from None
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _same(given: str, secret: str) -> bool:
    import hmac

    return hmac.compare_digest(str(given).encode(), secret.encode())


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii") if svg else ""


__all__ = ["create_app", "AppSettings", "PARTICIPANT_COOKIE"]
