"""The control routes of a standalone stand-in (`python -m bot.local_api`): what a test does
with the Python API, done over HTTP by a benchmark in another process."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

__all__ = ["Controlled", "add_control_routes"]


class Controlled(Protocol):
    """What the routes drive: the stand-in (server.LocalBotApi), named here by what it
    does so that this module needs no import of the server that imports it."""

    latency: float

    def stats(self) -> dict[str, Any]: ...
    def fail_chat(self, *args: Any, **kwargs: Any) -> None: ...
    def fail_method(self, *args: Any, **kwargs: Any) -> None: ...
    def fail_randomly(self, *args: Any, **kwargs: Any) -> None: ...
    def slow_answers(self, *args: Any, **kwargs: Any) -> None: ...
    def clear_faults(self) -> None: ...
    def clear(self) -> None: ...
    def send_user_message(self, *args: Any, **kwargs: Any) -> int | None: ...


def add_control_routes(app: web.Application, api: Controlled) -> None:
    """`GET /_local/stats`: the counters. `POST /_local/<action>` with a JSON body of the
    Python method's arguments: fail_chat, fail_method, fail_randomly, slow_answers,
    clear_faults, clear, latency ({"seconds": ...}), user_message ({"chat_id", "text", ...})."""

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(api.stats())

    async def control(request: web.Request) -> web.Response:
        action = request.match_info["action"]
        body = await request.json() if request.can_read_body else {}
        if action == "fail_chat":
            api.fail_chat(
                int(body["chat_id"]),
                int(body["status"]),
                body.get("description"),
                retry_after=body.get("retry_after"),
                times=body.get("times"),
                methods=body.get("methods"),
                kind=body.get("kind", "json"),
            )
        elif action == "fail_method":
            api.fail_method(
                body["method"],
                int(body["status"]),
                body.get("description"),
                chat_id=body.get("chat_id"),
                retry_after=body.get("retry_after"),
                times=body.get("times"),
                kind=body.get("kind", "json"),
            )
        elif action == "fail_randomly":
            api.fail_randomly(
                float(body["rate"]),
                int(body.get("status", 429)),
                body.get("description"),
                retry_after=body.get("retry_after"),
                seed=int(body.get("seed", 0)),
                methods=body.get("methods"),
                kind=body.get("kind", "json"),
            )
        elif action == "slow_answers":
            api.slow_answers(float(body["seconds"]), body.get("methods"))
        elif action == "clear_faults":
            api.clear_faults()
        elif action == "clear":
            api.clear()
        elif action == "latency":
            api.latency = float(body["seconds"])
        elif action == "user_message":
            chat_id = int(body.pop("chat_id"))
            update_id = api.send_user_message(chat_id, body.pop("text"), **body)
            return web.json_response({"update_id": update_id})
        else:
            raise web.HTTPNotFound(text=f"unknown control action {action!r}")
        return web.json_response({"ok": True})

    app.router.add_get("/_local/stats", stats)
    app.router.add_post("/_local/{action}", control)
