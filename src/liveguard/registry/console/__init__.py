"""The registry's console pages (under /console/registry) and public disclosure pages (/public)."""

from liveguard.registry import service, warnings
from liveguard.registry.console import parties, public, review
from liveguard.registry.console.common import router
from liveguard.web.context import NavItem, Tile

ROUTERS = (router, public.public_router)
NAV = [
    NavItem("登记主体", "/console/registry/parties", "registry.read"),
    NavItem("入驻审核", "/console/registry/review", "registry.review"),
    NavItem("资质预警", "/console/registry/warnings", "registry.warnings"),
]
TILES = [
    Tile("登记主体", "registry.read", service.count_parties, "/console/registry/parties"),
    Tile(
        "待审核入驻申请",
        "registry.review",
        service.count_pending_reviews,
        "/console/registry/review",
    ),
    Tile("未解除的预警", "registry.warnings", warnings.count_open, "/console/registry/warnings"),
]

__all__ = ["NAV", "ROUTERS", "TILES", "parties", "review"]
