"""Every context's tables on one metadata, for migrations and test set-up."""

from smartgate.db import Base
from smartgate.declarations import tables as declarations_tables
from smartgate.exchange import tables as exchange_tables
from smartgate.identity import tables as identity_tables
from smartgate.operations import tables as operations_tables
from smartgate.policy import tables as policy_tables
from smartgate.queue import tables as queue_tables
from smartgate.registry import tables as registry_tables

metadata = Base.metadata
MODULES = (
    registry_tables,
    identity_tables,
    declarations_tables,
    policy_tables,
    queue_tables,
    operations_tables,
    exchange_tables,
)
