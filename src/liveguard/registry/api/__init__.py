"""The registry's JSON API routers (mounted under /api/v1 by bootstrap)."""

from liveguard.registry.api import conduct, documents, graph, parties

ROUTERS = (parties.router, documents.router, graph.router, conduct.router)

__all__ = ["ROUTERS"]
