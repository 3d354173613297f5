"""Where each role starts: an operator at the gate's queue board, the authority on its page,
drivers and forwarders at their trips. Sign-in and refusal pages send people there."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from smartgate.api.deps import OptionalActor
from smartgate.shared.actor import Actor
from smartgate.shared.errors import Forbidden
from smartgate.shared.wording import Wording
from smartgate.web.pages import sign_in_first, templates

router = APIRouter(include_in_schema=False)
START = "/start"
# Who works on which pages (the services refuse the rest; the pages say so first).
ONLY_FOR = {
    "authority": Wording("Only the border authority works on this page."),
    "declarer": Wording("Only drivers and forwarders declare and change trips."),
}


def home_path(actor: Actor | None) -> tuple[str, str]:
    """(the page `actor` starts from, its name in English, as the catalogs know it)."""
    if actor is None:
        return "/login", "Sign in"
    if actor.role == "operator" and actor.gate_id:
        return f"/queue/{actor.gate_id}", "Queue board"
    if actor.role == "authority":
        return "/authority", "Authority"
    if actor.role in ("driver", "forwarder"):
        return "/trips", "My trips"
    return "/", "Gates"


# Refusal pages link back to the reader's own start page.
templates.env.globals["home_of"] = home_path


def ensure_role(actor: Actor | None, *roles: str, why: str = "declarer") -> None:
    """Refuse a signed-in actor of another role with a 403 page (a signed-out one is sent to
    sign in by the route)."""
    if actor is not None and actor.role not in roles:
        raise Forbidden(ONLY_FOR[why])


async def authority_only(actor: OptionalActor) -> None:
    """A router's guard: the authority's pages answer 403 to every other role."""
    ensure_role(actor, "authority", why="authority")


@router.get(START)
def start(request: Request, actor: OptionalActor) -> Response:
    """The signed-in user's own start page."""
    if actor is None:
        return sign_in_first(request)
    return RedirectResponse(home_path(actor)[0], status_code=303)
