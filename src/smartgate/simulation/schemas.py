"""What an authority asks the simulator from its page: the next hours, as now and changed."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smartgate.shared.terms import FLAGS


class PlanIn(BaseModel):
    """Simulate the gate's next `hours` as it stands, and with one change (or a few)."""

    model_config = ConfigDict(extra="forbid")

    direction: Literal["export", "import"] = "export"
    hours: int = Field(48, ge=1, le=168)
    capacity: int | None = Field(
        None, ge=0, le=1000, description="trucks an hour both sides, in the hours they are open"
    )
    live_every: int | None = Field(None, ge=1, le=100)
    backlog_hours: float | None = Field(None, gt=0, le=24 * 30)
    green_zone: Literal["on", "off"] | None = None
    suspension: Literal["lift", *FLAGS] | None = Field(  # type: ignore[valid-type]
        None, description="lift every suspension, or stop goods of one kind from now on"
    )

    def changes(self) -> bool:
        """Whether anything is changed at all."""
        fields = ("capacity", "live_every", "backlog_hours", "green_zone", "suspension")
        return any(getattr(self, name) is not None for name in fields)
