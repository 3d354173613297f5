"""The JSON API: thin FastAPI routers over the contexts' services."""
